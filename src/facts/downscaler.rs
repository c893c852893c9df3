//! kube-downscaler time specs (`downscaler/uptime`, `downscaler/downtime`) →
//! hours in the plan's grammar (DESIGN §2), so CG302 can compare them with
//! the service's hours.
//!
//! kube-downscaler's format is a comma-separated list of
//! `Mon-Fri 07:30-20:30 Europe/Berlin` (both days required, a range may wrap
//! `Sun-Thu`; the minutes are half-open `from <= t < to` on the local day and
//! do not run past midnight), or `always` / `never`. Absolute ISO ranges are
//! one-off and not read. A workload is up when it is inside its uptime and
//! outside its downtime; the result is that set of minutes of the local week,
//! written back as `Mon-Fri 07:30-20:30 Europe/Berlin`.

use crate::plan::hours::{DAY_NAMES, Hours};

const DAY: usize = 1440;
const WEEK: usize = 7 * DAY;

/// When a workload is up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Uptime {
    /// Always up: no schedule.
    Always,
    /// Never up: always at the downtime floor (the zone for the schedule).
    Never(String),
    /// Up during these hours (plan grammar, with zone).
    Hours(String),
}

/// A parsed spec: minutes of the local week it covers, and its zone.
struct Spec {
    minutes: Vec<bool>,
    zone: Option<String>,
}

fn parse_spec(text: &str) -> Result<Spec, String> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("always") {
        return Ok(Spec {
            minutes: vec![true; WEEK],
            zone: None,
        });
    }
    if text.eq_ignore_ascii_case("never") {
        return Ok(Spec {
            minutes: vec![false; WEEK],
            zone: None,
        });
    }
    let mut minutes = vec![false; WEEK];
    let mut zone: Option<String> = None;
    for entry in text.split(',') {
        let entry = entry.trim();
        let parts: Vec<&str> = entry.split_whitespace().collect();
        let [days, times, tz] = parts.as_slice() else {
            return Err(format!(
                "`{entry}` is not a weekly time spec like `Mon-Fri 07:30-20:30 Europe/Berlin` (absolute ranges are one-off and not read)"
            ));
        };
        let (from_day, to_day) = days
            .split_once('-')
            .and_then(|(a, b)| Some((weekday(a)?, weekday(b)?)))
            .ok_or_else(|| format!("`{days}` is not a day range like `Mon-Fri`"))?;
        let (from_min, to_min) = times
            .split_once('-')
            .and_then(|(a, b)| Some((clock(a)?, clock(b)?)))
            .ok_or_else(|| format!("`{times}` is not a time range like `07:30-20:30`"))?;
        match &zone {
            Some(z) if z != tz => {
                return Err(format!("entries are in different zones (`{z}` and `{tz}`)"));
            }
            _ => zone = Some(tz.to_string()),
        }
        let mut day = from_day;
        loop {
            for m in from_min..to_min {
                if let Some(slot) = minutes.get_mut(day * DAY + m) {
                    *slot = true;
                }
            }
            if day == to_day {
                break;
            }
            day = (day + 1) % 7;
        }
    }
    Ok(Spec { minutes, zone })
}

fn weekday(text: &str) -> Option<usize> {
    DAY_NAMES.iter().position(|d| d.eq_ignore_ascii_case(text))
}

fn clock(text: &str) -> Option<usize> {
    let (h, m) = text.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (usize, usize) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

fn hhmm(minute: usize) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// The uptime of a workload from its `downscaler/uptime` and `downscaler/downtime` values.
pub fn uptime(uptime: Option<&str>, downtime: Option<&str>) -> Result<Uptime, String> {
    let up = parse_spec(uptime.unwrap_or("always"))?;
    let down = parse_spec(downtime.unwrap_or("never"))?;
    let zone = match (&up.zone, &down.zone) {
        (Some(a), Some(b)) if a != b => {
            return Err(format!(
                "uptime and downtime are in different zones (`{a}` and `{b}`)"
            ));
        }
        (Some(z), _) | (None, Some(z)) => z.clone(),
        (None, None) => "UTC".to_string(),
    };
    let minutes: Vec<bool> = up
        .minutes
        .iter()
        .zip(&down.minutes)
        .map(|(u, d)| *u && !*d)
        .collect();
    if minutes.iter().all(|m| *m) {
        return Ok(Uptime::Always);
    }
    if !minutes.iter().any(|m| *m) {
        return Ok(Uptime::Never(zone));
    }
    // Each day's runs, then consecutive days with the same runs grouped.
    let runs: Vec<String> = (0..7)
        .map(|d| {
            let day = &minutes[d * DAY..(d + 1) * DAY];
            let mut out = Vec::new();
            let mut start = None;
            for (m, up) in day.iter().chain(std::iter::once(&false)).enumerate() {
                match (up, start) {
                    (true, None) => start = Some(m),
                    (false, Some(s)) => {
                        out.push(format!("{}-{}", hhmm(s), hhmm(m)));
                        start = None;
                    }
                    _ => {}
                }
            }
            out.join(",")
        })
        .collect();
    let mut groups = Vec::new();
    let mut d = 0;
    while d < 7 {
        let mut e = d;
        while e + 1 < 7 && runs[e + 1] == runs[d] {
            e += 1;
        }
        if !runs[d].is_empty() {
            let days = if e == d {
                DAY_NAMES[d].to_string()
            } else {
                format!("{}-{}", DAY_NAMES[d], DAY_NAMES[e])
            };
            groups.push(format!("{days} {}", runs[d]));
        }
        d = e + 1;
    }
    let hours = format!("{} {zone}", groups.join("; "));
    Hours::parse(&hours, "UTC").map_err(|e| format!("{e}"))?;
    Ok(Uptime::Hours(hours))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_forms() {
        assert_eq!(
            uptime(Some("Mon-Fri 07:30-20:30 Europe/Berlin"), None),
            Ok(Uptime::Hours("Mon-Fri 07:30-20:30 Europe/Berlin".into()))
        );
        assert_eq!(
            uptime(
                None,
                Some("Sat-Sun 00:00-24:00 CET, Fri-Fri 20:00-24:00 CET")
            ),
            Ok(Uptime::Hours(
                "Mon-Thu 00:00-24:00; Fri 00:00-20:00 CET".into()
            ))
        );
        assert_eq!(
            uptime(Some("Sun-Tue 08:00-09:00 UTC"), None),
            Ok(Uptime::Hours(
                "Mon-Tue 08:00-09:00; Sun 08:00-09:00 UTC".into()
            ))
        );
        assert_eq!(uptime(Some("always"), Some("never")), Ok(Uptime::Always));
        assert_eq!(uptime(Some("never"), None), Ok(Uptime::Never("UTC".into())));
        // kube-downscaler's minutes do not run past midnight: 22:00-06:00 is never.
        assert_eq!(
            uptime(Some("Mon-Sun 22:00-06:00 UTC"), None),
            Ok(Uptime::Never("UTC".into()))
        );
        assert!(
            uptime(
                Some("2026-01-01T00:00:00+00:00-2026-01-02T00:00:00+00:00"),
                None
            )
            .is_err()
        );
        assert!(uptime(Some("Mon-Fri 07:30-20:30 Nowhere/Zone"), None).is_err());
        assert!(
            uptime(
                Some("Mon-Fri 07:30-20:30 UTC, Sat-Sun 10:00-12:00 CET"),
                None
            )
            .is_err()
        );
    }
}
