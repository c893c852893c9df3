//! The 5-field cron readers: robfig/cron v3 (Kubernetes CronJob, Velero,
//! KEDA) and plain Unix cron (autoscaling `recurrence`), each accepting what
//! its runner accepts and nothing more (DESIGN §1, "Cron dialects").
//!
//! robfig/cron v3 (`cron.ParseStandard`): `*` and `?` mean every value; a
//! single value with a step runs to the field's end (`5/15` is `5-59/15`);
//! day-of-week is 0–6 (0 is Sunday; 7 is rejected); names `JAN`–`DEC`,
//! `SUN`–`SAT`; no `L`, `W` or `#`. A field counts as unrestricted (its
//! "star bit") when an item is `*` or `?` with no step or a step of 1, so
//! `*/1` is `*`: when day-of-month or day-of-week is unrestricted a day must
//! match both, otherwise either.
//!
//! Unix (Vixie) cron: day-of-week 0–7 (0 and 7 are Sunday); a field that
//! starts with `*` is unrestricted for the day rule (so `*/2` is too); a
//! single value with a step runs to the field's end; no `?`, `L`, `W`, `#`.

use jiff::civil::Date;

/// Which 5-field grammar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Grammar {
    /// robfig/cron v3.
    Robfig,
    /// Vixie/Unix cron.
    Unix,
}

/// A 5-field pattern as sets of values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Fields {
    minutes: u64,
    hours: u32,
    /// Bit `d` for day of month `d` (1..=31).
    days_of_month: u32,
    /// Bit `m` for month `m` (1..=12).
    months: u16,
    /// Bit `d` for weekday `d`, Sunday = 0.
    weekdays: u8,
    /// Day-of-month or day-of-week is unrestricted: a day must match both.
    both_days: bool,
}

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const WEEKDAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One field's values and whether it counts as unrestricted.
struct Field {
    bits: u64,
    star: bool,
}

impl Fields {
    /// Reads `minute hour day-of-month month day-of-week`.
    pub(super) fn parse(body: &str, grammar: Grammar) -> Result<Fields, String> {
        let parts: Vec<&str> = body.split_whitespace().collect();
        let [minute, hour, dom, month, dow] = parts.as_slice() else {
            return Err(format!(
                "expected 5 fields (minute hour day-of-month month day-of-week), found {}",
                parts.len()
            ));
        };
        let max_weekday = match grammar {
            Grammar::Robfig => 6,
            Grammar::Unix => 7,
        };
        let minutes = field(minute, "minute", 0, 59, &[], grammar)?;
        let hours = field(hour, "hour", 0, 23, &[], grammar)?;
        let dom = field(dom, "day-of-month", 1, 31, &[], grammar)?;
        let months = field(month, "month", 1, 12, &MONTHS, grammar)?;
        let dow = field(dow, "day-of-week", 0, max_weekday, &WEEKDAYS, grammar)?;
        // Unix cron's 7 is Sunday too.
        let weekdays = (dow.bits & 0x7f) | u64::from(dow.bits & (1 << 7) != 0);
        Ok(Fields {
            minutes: minutes.bits,
            hours: u32::try_from(hours.bits).unwrap_or(u32::MAX),
            days_of_month: u32::try_from(dom.bits).unwrap_or(u32::MAX),
            months: u16::try_from(months.bits).unwrap_or(u16::MAX),
            weekdays: u8::try_from(weekdays).unwrap_or(u8::MAX),
            both_days: dom.star || dow.star,
        })
    }

    /// Whether the pattern runs on `date`.
    pub(super) fn day_matches(&self, date: Date) -> bool {
        let month = self.months & (1 << date.month()) != 0;
        let dom = self.days_of_month & (1 << date.day()) != 0;
        let weekday = date.weekday().to_sunday_zero_offset();
        let dow = self.weekdays & (1 << weekday) != 0;
        month
            && if self.both_days {
                dom && dow
            } else {
                dom || dow
            }
    }

    /// The wall-clock times of day it runs at, in order.
    pub(super) fn times_of_day(&self) -> Vec<jiff::civil::Time> {
        let mut out = Vec::new();
        for h in (0..24).filter(|h| self.hours & (1 << h) != 0) {
            for m in (0..60).filter(|m| self.minutes & (1u64 << m) != 0) {
                if let Ok(t) = jiff::civil::Time::new(h, m, 0, 0) {
                    out.push(t);
                }
            }
        }
        out
    }
}

/// One comma-separated field.
fn field(
    text: &str,
    name: &str,
    min: u32,
    max: u32,
    names: &[&str],
    grammar: Grammar,
) -> Result<Field, String> {
    let mut out = Field {
        bits: 0,
        star: grammar == Grammar::Unix && text.starts_with('*'),
    };
    for item in text.split(',') {
        let (bits, star) = item_bits(item, name, min, max, names, grammar)?;
        out.bits |= bits;
        out.star |= star;
    }
    Ok(out)
}

/// One item: `*`, `?`, `N`, `A-B`, each optionally `/STEP`.
fn item_bits(
    item: &str,
    name: &str,
    min: u32,
    max: u32,
    names: &[&str],
    grammar: Grammar,
) -> Result<(u64, bool), String> {
    let bad = |why: String| format!("{name} `{item}`: {why}");
    let (range, step) = match item.split_once('/') {
        Some((r, s)) => {
            let step: u32 = Some(s)
                .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|s| s.parse().ok())
                .ok_or_else(|| bad(format!("step `{s}` is not a number")))?;
            if step == 0 {
                return Err(bad("a step must be at least 1".into()));
            }
            (r, Some(step))
        }
        None => (item, None),
    };
    let any = range == "*" || (range == "?" && grammar == Grammar::Robfig);
    let (start, end) = if any {
        (min, max)
    } else if let Some((a, b)) = range.split_once('-') {
        (
            value(a, name, names, min, max)?,
            value(b, name, names, min, max)?,
        )
    } else {
        let v = value(range, name, names, min, max)?;
        // A single value with a step runs to the end of the field.
        (v, if step.is_some() { max } else { v })
    };
    if start > end {
        return Err(bad(format!(
            "the range starts after it ends ({start} > {end}); this runner does not wrap ranges"
        )));
    }
    let step = step.unwrap_or(1);
    let mut bits = 0u64;
    let mut v = start;
    while v <= end {
        bits |= 1 << v;
        let Some(next) = v.checked_add(step) else {
            break;
        };
        v = next;
    }
    Ok((bits, any && step == 1))
}

/// A number or a name in `[min, max]`.
fn value(text: &str, name: &str, names: &[&str], min: u32, max: u32) -> Result<u32, String> {
    if let Some(i) = names.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        // Month names count from 1, weekday names from 0 (Sunday).
        let base = if names.len() == 12 { 1 } else { 0 };
        return Ok(u32::try_from(i).unwrap_or(0) + base);
    }
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        let expected = if names.is_empty() {
            String::new()
        } else {
            format!(" or a name such as {}", names[1])
        };
        return Err(format!(
            "{name} `{text}` is not a number{expected} (this runner has no `L`, `W` or `#`)"
        ));
    }
    let v: u32 = text.parse().unwrap_or(u32::MAX);
    if v < min || v > max {
        return Err(format!("{name} {v} is out of range {min}–{max}"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use jiff::civil::date;

    fn robfig(s: &str) -> Fields {
        Fields::parse(s, Grammar::Robfig).unwrap()
    }

    #[test]
    fn a_step_after_one_value_runs_to_the_end() {
        assert_eq!(robfig("5/15 * * * *"), robfig("5-59/15 * * * *"));
        assert_eq!(
            robfig("5/15 * * * *").minutes,
            (1 << 5) | (1 << 20) | (1 << 35) | (1 << 50)
        );
    }

    #[test]
    fn star_slash_one_in_day_of_month_is_a_star() {
        // 2026-03-02 is a Monday, 2026-03-03 a Tuesday.
        let weekly = robfig("0 2 */1 * 1");
        assert!(weekly.day_matches(date(2026, 3, 2)));
        assert!(!weekly.day_matches(date(2026, 3, 3)));
        // Both restricted: either.
        let either = robfig("0 2 1-31 * 1");
        assert!(either.day_matches(date(2026, 3, 3)));
        // robfig: `*/2` is restricted; Vixie: it starts with `*`, so not.
        assert!(robfig("0 2 */2 * 1").day_matches(date(2026, 3, 3)));
        let unix = Fields::parse("0 2 */2 * 1", Grammar::Unix).unwrap();
        assert!(!unix.day_matches(date(2026, 3, 3)));
        assert!(unix.day_matches(date(2026, 3, 9)));
    }

    #[test]
    fn what_the_runners_reject() {
        let err = |s: &str, g| Fields::parse(s, g).unwrap_err();
        assert!(err("0 24 * * *", Grammar::Robfig).contains("hour 24 is out of range 0–23"));
        assert!(err("0 5 * * 7", Grammar::Robfig).contains("out of range 0–6"));
        assert!(err("0 5 * * 8", Grammar::Unix).contains("out of range 0–7"));
        assert!(err("0 5 L * *", Grammar::Robfig).contains("no `L`"));
        assert!(err("0 5 ? * 1", Grammar::Unix).contains("not a number"));
        assert!(err("0 5 * * FRI-MON", Grammar::Robfig).contains("does not wrap"));
        assert!(err("*/0 5 * * *", Grammar::Robfig).contains("at least 1"));
        assert!(err("0 5 * *", Grammar::Robfig).contains("found 4"));
        // Unix 7 is Sunday; robfig takes `?`.
        let sunday = Fields::parse("0 5 * * 7", Grammar::Unix).unwrap();
        assert!(sunday.day_matches(date(2026, 3, 1)));
        assert_eq!(robfig("0 5 ? * ?"), robfig("0 5 * * *"));
        assert_eq!(robfig("0 5 * jan-mar mon-fri"), robfig("0 5 * 1-3 1-5"));
    }
}
