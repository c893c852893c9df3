//! Durations (`30s`, `5m`, `4h`, `1d`, `1h30m`, `0`) and throughputs
//! (`200MiB/s`, `1GB/s`) of the plan.

/// Parses a duration into seconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t == "0" {
        return Ok(0);
    }
    if t.is_empty() {
        return Err("empty duration; write e.g. `30m`, `4h`, `1d` or `1h30m`".into());
    }
    let mut total: i64 = 0;
    let mut digits = String::new();
    let mut seen_unit = false;
    for c in t.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            'w' => 7 * 86_400,
            _ => {
                return Err(format!(
                    "bad duration `{t}`: unknown unit `{c}`; use s, m, h, d or w (e.g. `1h30m`)"
                ));
            }
        };
        let n: i64 = digits
            .parse()
            .map_err(|_| format!("bad duration `{t}`: a number must come before `{c}`"))?;
        digits.clear();
        total = n
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| format!("duration `{t}` is too large"))?;
        seen_unit = true;
    }
    if !digits.is_empty() || !seen_unit {
        return Err(format!(
            "bad duration `{t}`: a number needs a unit (s, m, h, d, w), e.g. `{t}m`"
        ));
    }
    Ok(total)
}

/// Formats seconds as the shortest duration text (`1h30m`).
pub fn format_duration(secs: i64) -> String {
    if secs == 0 {
        return "0".into();
    }
    let mut out = String::new();
    let mut rest = secs.abs();
    if secs < 0 {
        out.push('-');
    }
    for (unit, name) in [(86_400, "d"), (3600, "h"), (60, "m"), (1, "s")] {
        if rest >= unit {
            out.push_str(&format!("{}{name}", rest / unit));
            rest %= unit;
        }
    }
    out
}

/// Parses a throughput into bytes per second (`MiB` binary, `MB` decimal).
pub fn parse_throughput(text: &str) -> Result<u64, String> {
    let t = text.trim();
    let body = t
        .strip_suffix("/s")
        .ok_or_else(|| format!("bad throughput `{t}`: write a size per second, e.g. `200MiB/s`"))?;
    let split = body
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(body.len());
    let (num, unit) = body.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("bad throughput `{t}`: no number"))?;
    let mult: f64 = match unit.trim() {
        "B" => 1.0,
        "KB" | "kB" => 1e3,
        "MB" => 1e6,
        "GB" => 1e9,
        "TB" => 1e12,
        "KiB" => 1024.0,
        "MiB" => 1024.0 * 1024.0,
        "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TiB" => 1024.0_f64.powi(4),
        u => {
            return Err(format!(
                "bad throughput `{t}`: unknown unit `{u}`; use B, KB, MB, GB, TB, KiB, MiB, GiB or TiB"
            ));
        }
    };
    let v = n * mult;
    if !(v.is_finite() && v >= 1.0) {
        return Err(format!("throughput `{t}` must be at least 1 B/s"));
    }
    Ok(v as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("0"), Ok(0));
        assert_eq!(parse_duration("30s"), Ok(30));
        assert_eq!(parse_duration("5m"), Ok(300));
        assert_eq!(parse_duration("1h30m"), Ok(5400));
        assert_eq!(parse_duration("1d"), Ok(86_400));
        assert!(parse_duration("5").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
    }

    #[test]
    fn throughputs() {
        assert_eq!(parse_throughput("200MiB/s"), Ok(200 * 1024 * 1024));
        assert_eq!(parse_throughput("1GB/s"), Ok(1_000_000_000));
        assert!(parse_throughput("200MiB").is_err());
        assert!(parse_throughput("2XB/s").is_err());
    }

    proptest! {
        #[test]
        fn duration_round_trips(secs in 0i64..10_000_000) {
            prop_assert_eq!(parse_duration(&format_duration(secs)), Ok(secs));
        }

        #[test]
        fn duration_never_panics(s in ".*") {
            let _ = parse_duration(&s);
            let _ = parse_throughput(&s);
        }
    }
}
