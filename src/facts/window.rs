//! Maintenance and backup windows (RDS, ElastiCache, Redshift, Cloud SQL,
//! Azure) as UTC intervals. These windows are always in UTC (DESIGN.md §1).

use jiff::Timestamp;

use crate::plan::hours::DAY_NAMES;
const MINUTES_PER_DAY: u32 = 1440;
const MINUTES_PER_WEEK: u32 = 7 * MINUTES_PER_DAY;
const SECONDS_PER_MINUTE: i64 = 60;
/// Monday 1969-12-29 00:00 UTC, the start of the week holding the Unix epoch (a Thursday).
const FIRST_MONDAY: i64 = -3 * 86_400;

/// A recurring window in UTC; an end at or before the start runs into the next week (or day).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Window {
    /// Once a week, e.g. RDS `tue:03:00-tue:03:30`.
    Weekly {
        /// Minute of the week the window opens, from Monday 00:00 UTC (0..10080).
        start_min: u32,
        /// Minute of the week the window closes (0..10080); at or before the start means the next week.
        end_min: u32,
    },
    /// Every day, e.g. an RDS backup window `03:00-03:30`.
    Daily {
        /// Minute of the day the window opens (0..1440).
        start_min: u32,
        /// Minute of the day the window closes (0..1440); at or before the start means the next day.
        end_min: u32,
    },
}

impl Window {
    /// RDS/ElastiCache/Redshift style "ddd:hh:mm-ddd:hh:mm" (e.g. "tue:03:00-tue:03:30", case-insensitive, wraps sun→mon), or daily "hh:mm-hh:mm" (RDS backup_window / PreferredBackupWindow). Clear error String otherwise.
    pub fn parse(text: &str) -> Result<Window, String> {
        let trimmed = text.trim();
        let Some((start, end)) = trimmed.split_once('-') else {
            return Err(format!(
                "window `{trimmed}` has no `-`; expected `ddd:hh:mm-ddd:hh:mm` (e.g. `tue:03:00-tue:03:30`) or `hh:mm-hh:mm` (e.g. `03:00-03:30`)"
            ));
        };
        let start_has_day = start.starts_with(|c: char| c.is_ascii_alphabetic());
        let end_has_day = end.starts_with(|c: char| c.is_ascii_alphabetic());
        let (start_min, end_min) = match (start_has_day, end_has_day) {
            (true, true) => (week_minute(start)?, week_minute(end)?),
            (false, false) => (day_minute(start)?, day_minute(end)?),
            _ => {
                return Err(format!(
                    "window `{trimmed}` mixes a weekly and a daily time; write both ends with a day (`tue:03:00-tue:03:30`) or neither (`03:00-03:30`)"
                ));
            }
        };
        if start_min == end_min {
            return Err(format!(
                "window `{trimmed}` is empty: it ends when it starts"
            ));
        }
        Ok(if start_has_day {
            Window::Weekly { start_min, end_min }
        } else {
            Window::Daily { start_min, end_min }
        })
    }

    /// Cloud SQL `maintenance_window { day = 1..7 (1 = Monday), hour = 0..23 }`, one hour long.
    ///
    /// Cloud SQL does not document a length; Google describes the window as
    /// the hour starting at `hour`, so one hour is assumed.
    pub fn cloud_sql(day: u32, hour: u32) -> Result<Window, String> {
        if !(1..=7).contains(&day) {
            return Err(format!(
                "Cloud SQL maintenance day {day} is out of range 1..7 (1 = Monday)"
            ));
        }
        if hour > 23 {
            return Err(format!(
                "Cloud SQL maintenance hour {hour} is out of range 0..23"
            ));
        }
        Ok(one_hour_from((day - 1) * MINUTES_PER_DAY + hour * 60))
    }

    /// Azure `maintenance_window { day_of_week 0..6 (0 = Sunday), start_hour, start_minute }`, one hour long.
    ///
    /// Azure Database for PostgreSQL/MySQL flexible servers take a one-hour
    /// custom maintenance window; the Terraform block has no length, so one
    /// hour is assumed.
    pub fn azure(day_of_week: u32, start_hour: u32, start_minute: u32) -> Result<Window, String> {
        if day_of_week > 6 {
            return Err(format!(
                "Azure maintenance day_of_week {day_of_week} is out of range 0..6 (0 = Sunday)"
            ));
        }
        if start_hour > 23 {
            return Err(format!(
                "Azure maintenance start_hour {start_hour} is out of range 0..23"
            ));
        }
        if start_minute > 59 {
            return Err(format!(
                "Azure maintenance start_minute {start_minute} is out of range 0..59"
            ));
        }
        // Azure counts from Sunday = 0; the week here starts on Monday.
        let monday_based = (day_of_week + 6) % 7;
        Ok(one_hour_from(
            monday_based * MINUTES_PER_DAY + start_hour * 60 + start_minute,
        ))
    }

    /// Every occurrence intersecting [from, to), as UTC intervals, sorted.
    ///
    /// Occurrences are clipped to `[from, to)`.
    pub fn occurrences(&self, from: Timestamp, to: Timestamp) -> Vec<(Timestamp, Timestamp)> {
        if from >= to {
            return Vec::new();
        }
        let (period, start, end) = match *self {
            Window::Weekly { start_min, end_min } => (MINUTES_PER_WEEK, start_min, end_min),
            Window::Daily { start_min, end_min } => (MINUTES_PER_DAY, start_min, end_min),
        };
        let period = i64::from(period) * SECONDS_PER_MINUTE;
        let start = i64::from(start) * SECONDS_PER_MINUTE;
        let mut end = i64::from(end) * SECONDS_PER_MINUTE;
        if end <= start {
            end += period;
        }
        // Begin one period early: an occurrence that wraps may have started before `from`.
        let mut base =
            FIRST_MONDAY + ((from.as_second() - FIRST_MONDAY).div_euclid(period) - 1) * period;
        let to_second = to.as_second();
        let mut out = Vec::new();
        while base + start <= to_second {
            let a = timestamp(base + start).max(from);
            let b = timestamp(base + end).min(to);
            if a < b {
                out.push((a, b));
            }
            base += period;
        }
        out
    }

    /// "Tue 03:00–03:30 UTC"
    ///
    /// A weekly window crossing midnight names both days ("Sun 23:00 – Mon
    /// 01:00 UTC"); a daily one reads "daily 03:00–03:30 UTC".
    pub fn describe(&self) -> String {
        match *self {
            Window::Weekly { start_min, end_min } => {
                let start_day = start_min / MINUTES_PER_DAY;
                let end_abs = if end_min <= start_min {
                    end_min + MINUTES_PER_WEEK
                } else {
                    end_min
                };
                let start_text = format!(
                    "{} {}",
                    day_name(start_day),
                    clock(start_min % MINUTES_PER_DAY)
                );
                if end_abs / MINUTES_PER_DAY == start_day {
                    format!("{start_text}–{} UTC", clock(end_abs % MINUTES_PER_DAY))
                } else if end_abs == (start_day + 1) * MINUTES_PER_DAY {
                    format!("{start_text}–24:00 UTC")
                } else {
                    format!(
                        "{start_text} – {} {} UTC",
                        day_name(end_abs / MINUTES_PER_DAY),
                        clock(end_abs % MINUTES_PER_DAY)
                    )
                }
            }
            Window::Daily { start_min, end_min } => {
                format!("daily {}–{} UTC", clock(start_min), clock(end_min))
            }
        }
    }
}

fn one_hour_from(start_min: u32) -> Window {
    Window::Weekly {
        start_min,
        end_min: (start_min + 60) % MINUTES_PER_WEEK,
    }
}

fn day_name(day: u32) -> &'static str {
    DAY_NAMES[(day % 7) as usize]
}

fn clock(minute_of_day: u32) -> String {
    format!("{:02}:{:02}", minute_of_day / 60, minute_of_day % 60)
}

/// A timestamp from Unix seconds, saturating at jiff's range.
fn timestamp(second: i64) -> Timestamp {
    Timestamp::from_second(second).unwrap_or(if second < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// `ddd:hh:mm` as a minute of the week from Monday 00:00.
fn week_minute(text: &str) -> Result<u32, String> {
    let Some((day, time)) = text.split_once(':') else {
        return Err(format!(
            "expected `ddd:hh:mm` (e.g. `tue:03:00`), found `{text}`"
        ));
    };
    let day = DAY_NAMES
        .iter()
        .position(|d| d.eq_ignore_ascii_case(day))
        .ok_or_else(|| {
            format!("unknown day `{day}` in `{text}`; expected mon, tue, wed, thu, fri, sat or sun")
        })?;
    let day = u32::try_from(day).map_err(|e| e.to_string())?;
    Ok(day * MINUTES_PER_DAY + day_minute(time)?)
}

/// `hh:mm` (00:00–23:59) as a minute of the day.
fn day_minute(text: &str) -> Result<u32, String> {
    let parsed = text.split_once(':').and_then(|(h, m)| {
        let digits = |s: &str| s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit());
        if digits(h) && digits(m) {
            Some((h.parse::<u32>().ok()?, m.parse::<u32>().ok()?))
        } else {
            None
        }
    });
    match parsed {
        Some((hour, minute)) if hour < 24 && minute < 60 => Ok(hour * 60 + minute),
        Some(_) => Err(format!("time `{text}` is out of range 00:00–23:59")),
        None => Err(format!(
            "expected a time as hh:mm (e.g. `03:00`), found `{text}`"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().expect("a valid timestamp literal in a test")
    }

    fn weekly(start_min: u32, end_min: u32) -> Window {
        Window::Weekly { start_min, end_min }
    }

    #[test]
    fn parses_weekly_windows() {
        assert_eq!(
            Window::parse("tue:03:00-tue:03:30"),
            Ok(weekly(1440 + 180, 1440 + 210))
        );
        assert_eq!(
            Window::parse(" Sun:23:30-MON:00:30 "),
            Ok(weekly(6 * 1440 + 1410, 30))
        );
    }

    #[test]
    fn parses_daily_windows() {
        assert_eq!(
            Window::parse("03:00-03:30"),
            Ok(Window::Daily {
                start_min: 180,
                end_min: 210
            })
        );
        assert_eq!(
            Window::parse("23:30-00:30"),
            Ok(Window::Daily {
                start_min: 1410,
                end_min: 30
            })
        );
    }

    #[test]
    fn rejects_bad_windows_clearly() {
        let cases = [
            (
                "",
                "window `` has no `-`; expected `ddd:hh:mm-ddd:hh:mm` (e.g. `tue:03:00-tue:03:30`) or `hh:mm-hh:mm` (e.g. `03:00-03:30`)",
            ),
            (
                "tues:03:00-tue:03:30",
                "unknown day `tues` in `tues:03:00`; expected mon, tue, wed, thu, fri, sat or sun",
            ),
            (
                "tue:24:00-tue:03:30",
                "time `24:00` is out of range 00:00–23:59",
            ),
            (
                "tue:3:00-tue:03:30",
                "expected a time as hh:mm (e.g. `03:00`), found `3:00`",
            ),
            (
                "tue:03:00-03:30",
                "window `tue:03:00-03:30` mixes a weekly and a daily time; write both ends with a day (`tue:03:00-tue:03:30`) or neither (`03:00-03:30`)",
            ),
            (
                "03:00-03:00",
                "window `03:00-03:00` is empty: it ends when it starts",
            ),
            (
                "tue-wed",
                "expected `ddd:hh:mm` (e.g. `tue:03:00`), found `tue`",
            ),
            (
                "03:00-03:30-04:00",
                "expected a time as hh:mm (e.g. `03:00`), found `03:30-04:00`",
            ),
        ];
        for (text, message) in cases {
            assert_eq!(Window::parse(text), Err(message.to_string()), "{text:?}");
        }
    }

    #[test]
    fn cloud_sql_and_azure_are_one_hour() {
        // Cloud SQL day 2 = Tuesday.
        assert_eq!(Window::cloud_sql(2, 3), Ok(weekly(1440 + 180, 1440 + 240)));
        assert_eq!(Window::cloud_sql(7, 23), Ok(weekly(6 * 1440 + 1380, 0)));
        assert!(Window::cloud_sql(0, 3).is_err());
        assert!(Window::cloud_sql(8, 3).is_err());
        assert!(Window::cloud_sql(1, 24).is_err());
        // Azure day 0 = Sunday, 2 = Tuesday.
        assert_eq!(
            Window::azure(0, 1, 30),
            Ok(weekly(6 * 1440 + 90, 6 * 1440 + 150))
        );
        assert_eq!(Window::azure(2, 3, 0), Ok(weekly(1440 + 180, 1440 + 240)));
        assert!(Window::azure(7, 0, 0).is_err());
        assert!(Window::azure(1, 24, 0).is_err());
        assert!(Window::azure(1, 0, 60).is_err());
    }

    #[test]
    fn describes_windows_in_utc() {
        let describe = |text: &str| Window::parse(text).expect("valid window").describe();
        assert_eq!(describe("tue:03:00-tue:03:30"), "Tue 03:00–03:30 UTC");
        assert_eq!(describe("sun:23:00-mon:01:00"), "Sun 23:00 – Mon 01:00 UTC");
        assert_eq!(describe("tue:23:00-wed:00:00"), "Tue 23:00–24:00 UTC");
        assert_eq!(describe("03:00-03:30"), "daily 03:00–03:30 UTC");
        assert_eq!(
            Window::cloud_sql(7, 23).expect("valid").describe(),
            "Sun 23:00–24:00 UTC"
        );
    }

    #[test]
    fn occurrences_are_weekly_in_utc() {
        let w = Window::parse("tue:03:00-tue:03:30").expect("valid window");
        // 2026-12-01 is a Tuesday.
        assert_eq!(
            w.occurrences(ts("2026-11-30T00:00Z"), ts("2026-12-14T00:00Z")),
            vec![
                (ts("2026-12-01T03:00Z"), ts("2026-12-01T03:30Z")),
                (ts("2026-12-08T03:00Z"), ts("2026-12-08T03:30Z")),
            ]
        );
        // A year holds 52 or 53 occurrences.
        let (from, to) = crate::plan::hours::year_from("2026-11-30".parse().expect("date"));
        assert_eq!(w.occurrences(from, to).len(), 53);
    }

    #[test]
    fn a_wrapping_window_is_clipped_at_the_range() {
        let w = Window::parse("sun:23:00-mon:01:00").expect("valid window");
        assert_eq!(
            w.occurrences(ts("2026-11-30T00:00Z"), ts("2026-12-07T00:30Z")),
            vec![
                (ts("2026-11-30T00:00Z"), ts("2026-11-30T01:00Z")),
                (ts("2026-12-06T23:00Z"), ts("2026-12-07T00:30Z")),
            ]
        );
    }

    /// Whether `t` (on a minute) falls in the window, by minute of the week.
    fn active_at(w: &Window, t: Timestamp) -> bool {
        let minute = (t.as_second() - FIRST_MONDAY).div_euclid(60);
        let (period, start, end) = match *w {
            Window::Weekly { start_min, end_min } => (MINUTES_PER_WEEK, start_min, end_min),
            Window::Daily { start_min, end_min } => (MINUTES_PER_DAY, start_min, end_min),
        };
        let m = u32::try_from(minute.rem_euclid(i64::from(period))).expect("in period");
        if start < end {
            start <= m && m < end
        } else {
            m >= start || m < end
        }
    }

    fn window_strategy() -> impl Strategy<Value = Window> {
        prop_oneof![
            (0..MINUTES_PER_WEEK, 0..MINUTES_PER_WEEK)
                .prop_filter("not empty", |(s, e)| s != e)
                .prop_map(|(start_min, end_min)| Window::Weekly { start_min, end_min }),
            (0..MINUTES_PER_DAY, 0..MINUTES_PER_DAY)
                .prop_filter("not empty", |(s, e)| s != e)
                .prop_map(|(start_min, end_min)| Window::Daily { start_min, end_min }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn occurrences_match_brute_force(
            w in window_strategy(),
            shift in 0i64..20_000,
            minutes in 1i64..20_000,
        ) {
            let from = timestamp(ts("2026-10-20T00:00Z").as_second() + shift * 60);
            let to = timestamp(from.as_second() + minutes * 60);
            let mut expected: Vec<(Timestamp, Timestamp)> = Vec::new();
            for m in 0..minutes {
                let t = timestamp(from.as_second() + m * 60);
                if active_at(&w, t) {
                    let end = timestamp(t.as_second() + 60);
                    match expected.last_mut() {
                        Some(last) if last.1 == t => last.1 = end,
                        _ => expected.push((t, end)),
                    }
                }
            }
            prop_assert_eq!(w.occurrences(from, to), expected);
        }

        #[test]
        fn parse_describes_round_trip(w in window_strategy()) {
            // The RDS text of a window parses back to it.
            let text = match w {
                Window::Weekly { start_min, end_min } => format!(
                    "{}:{}-{}:{}",
                    DAY_NAMES[(start_min / MINUTES_PER_DAY) as usize].to_lowercase(),
                    clock(start_min % MINUTES_PER_DAY),
                    DAY_NAMES[(end_min / MINUTES_PER_DAY) as usize],
                    clock(end_min % MINUTES_PER_DAY),
                ),
                Window::Daily { start_min, end_min } => format!("{}-{}", clock(start_min), clock(end_min)),
            };
            prop_assert_eq!(Window::parse(&text), Ok(w));
        }
    }
}
