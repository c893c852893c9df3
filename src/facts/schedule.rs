//! Schedule expressions, their fire times, the largest gap between runs and
//! scheduled capacity floors (DESIGN.md §1, "Facts worth spelling out").
//!
//! Every schedule is read in its own zone and in the dialect of the system
//! that runs it ([`Dialect`]), and fires by that runner's DST rule:
//! robfig/cron v3 (Kubernetes, Velero, KEDA) matches wall-clock times, so a
//! time inside the spring-forward gap does not run and one inside the autumn
//! overlap runs on both passes; AWS (and the plain cron of autoscaling
//! recurrences, which AWS runs) skips a time in the gap and runs once, at
//! the first pass, in the overlap.

mod fields;

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use fields::{Fields, Grammar};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Longest expression accepted; real schedules are a few dozen characters.
const MAX_EXPRESSION_LEN: usize = 256;

/// Length of the year over which gaps are measured (a leap year's worth).
const GAP_YEAR: SignedDuration = SignedDuration::from_hours(366 * 24);

/// How far back `floor_below` looks first for the state carried into `from`.
const CARRY_WEEK: SignedDuration = SignedDuration::from_hours(7 * 24);

/// Cached gaps beyond this many are dropped wholesale; a run sees a few dozen.
const GAP_CACHE_LIMIT: usize = 4096;

/// The system that runs a schedule: which grammar it reads and which DST rule it fires by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dialect {
    /// robfig/cron v3 (Kubernetes CronJob, Velero, KEDA): 5 fields, the
    /// `@daily`-style macros and `@every`, a `CRON_TZ=`/`TZ=` prefix;
    /// wall-clock matching across DST.
    Robfig,
    /// AWS EventBridge and Backup: `cron(m h dom mon dow year)` and
    /// `rate(N unit)`; a time in the spring gap is skipped, one in the
    /// autumn overlap runs once.
    Aws,
    /// Plain 5-field Unix cron (autoscaling `recurrence`), run by AWS: AWS's DST rule.
    Unix,
}

/// A parsed schedule expression.
#[derive(Clone, Debug)]
pub struct Schedule {
    expression: String,
    zone_name: String,
    zone: TimeZone,
    kind: Kind,
    dialect: Dialect,
}

/// What fires: a 5-field pattern, an AWS cron pattern (read by croner), or a fixed rate.
#[derive(Clone, Debug)]
enum Kind {
    Fields(Box<Fields>),
    Aws(Box<Cron>),
    Rate { every: SignedDuration },
}

/// Why a schedule expression could not be read; the message names the expression.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ScheduleError(pub String);

impl ScheduleError {
    fn new(expr: &str, what: impl std::fmt::Display) -> Self {
        ScheduleError(format!("invalid schedule `{expr}`: {what}"))
    }
}

impl Schedule {
    /// Parses `expr` as its runner reads it.
    ///
    /// - [`Dialect::Robfig`]: 5 fields (see the `fields` module for the
    ///   grammar), the macros `@yearly`, `@annually`, `@monthly`, `@weekly`,
    ///   `@daily`, `@midnight`, `@hourly` and `@every <go duration>` (a rate),
    ///   optionally prefixed `CRON_TZ=<zone> ` or `TZ=<zone> ` (Velero ≥ 1.15),
    ///   which overrides `default_zone`.
    /// - [`Dialect::Aws`]: `cron(m h dom mon dow year)`, where 1 is Sunday and
    ///   exactly one of day-of-month and day-of-week is `?`; `L`, `W`, `#` and
    ///   day ranges that wrap (`FRI-MON`); or `rate(N unit)` with `minute`,
    ///   `hour`, `day` (singular for 1, plural otherwise), firing every N
    ///   units counted from the start of whatever range is asked for.
    /// - [`Dialect::Unix`]: 5 fields, day-of-week 0–7.
    ///
    /// `default_zone` is the zone the source's format defines (an IANA name;
    /// empty means UTC).
    pub fn parse(
        expr: &str,
        default_zone: &str,
        dialect: Dialect,
    ) -> Result<Schedule, ScheduleError> {
        let text = expr.trim();
        if text.is_empty() {
            return Err(ScheduleError("empty schedule expression".to_owned()));
        }
        if text.len() > MAX_EXPRESSION_LEN {
            return Err(ScheduleError(format!(
                "schedule expression is longer than {MAX_EXPRESSION_LEN} characters"
            )));
        }
        if let Some(bad) = text.chars().find(|c| !c.is_ascii() || c.is_ascii_control()) {
            return Err(ScheduleError::new(
                text,
                format!("unexpected character {bad:?}"),
            ));
        }
        let schedule = |zone_name, zone, kind| Schedule {
            expression: text.to_owned(),
            zone_name,
            zone,
            kind,
            dialect,
        };
        match dialect {
            Dialect::Aws => {
                let (zone_name, zone) = lookup_zone(text, default_zone)?;
                if let Some(inner) = call_argument(text, "cron")? {
                    let cron = parse_aws_cron(text, inner)?;
                    return Ok(schedule(zone_name, zone, Kind::Aws(Box::new(cron))));
                }
                if let Some(inner) = call_argument(text, "rate")? {
                    let every = parse_aws_rate(text, inner)?;
                    return Ok(schedule(zone_name, zone, Kind::Rate { every }));
                }
                Err(ScheduleError::new(
                    text,
                    "AWS expects `cron(minutes hours day-of-month month day-of-week year)` or `rate(value unit)`",
                ))
            }
            Dialect::Unix => {
                let (zone_name, zone) = lookup_zone(text, default_zone)?;
                let fields =
                    Fields::parse(text, Grammar::Unix).map_err(|e| ScheduleError::new(text, e))?;
                Ok(schedule(zone_name, zone, Kind::Fields(Box::new(fields))))
            }
            Dialect::Robfig => {
                let (zone_name, zone, body) = match zone_prefix(text) {
                    Some(after) => {
                        let Some((name, body)) = after.split_once(char::is_whitespace) else {
                            return Err(ScheduleError::new(
                                text,
                                "a CRON_TZ=/TZ= prefix must be followed by a space and the schedule",
                            ));
                        };
                        let (zone_name, zone) = lookup_zone(text, name)?;
                        (zone_name, zone, body.trim())
                    }
                    None => {
                        let (zone_name, zone) = lookup_zone(text, default_zone)?;
                        (zone_name, zone, text)
                    }
                };
                let kind = if let Some(rest) = body.strip_prefix('@') {
                    parse_macro(text, rest)?
                } else {
                    let fields = Fields::parse(body, Grammar::Robfig)
                        .map_err(|e| ScheduleError::new(text, e))?;
                    Kind::Fields(Box::new(fields))
                };
                Ok(schedule(zone_name, zone, kind))
            }
        }
    }

    /// The IANA name of the zone the schedule is read in.
    pub fn zone_name(&self) -> &str {
        &self.zone_name
    }

    /// The expression as written (trimmed).
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// Fire times in [from, to) as UTC timestamps (rate(...) counts from `from`).
    pub fn fire_times(&self, from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
        let mut out = Vec::new();
        self.for_each_fire_time(from, to, |t| out.push(t));
        out
    }

    /// Calls `visit` with each fire time in [from, to), in order, without collecting them.
    pub fn for_each_fire_time(
        &self,
        from: Timestamp,
        to: Timestamp,
        mut visit: impl FnMut(Timestamp),
    ) {
        if from >= to {
            return;
        }
        // robfig matches the wall clock, so a repeated time runs on both passes.
        let both_passes = self.dialect == Dialect::Robfig;
        let times = match &self.kind {
            Kind::Rate { every } => {
                let mut t = from;
                while t < to {
                    visit(t);
                    match t.checked_add(*every) {
                        Ok(next) => t = next,
                        Err(_) => break,
                    }
                }
                return;
            }
            Kind::Fields(fields) => fire_times_by_day(
                &self.zone,
                from,
                to,
                &|d| fields.day_matches(d),
                &fields.times_of_day(),
                both_passes,
            ),
            Kind::Aws(cron) => {
                let pattern = &cron.pattern;
                let mut times = Vec::new();
                for h in pattern.hours.values() {
                    for m in pattern.minutes.values() {
                        if let Ok(t) = Time::new(h as i8, m as i8, 0, 0) {
                            times.push(t);
                        }
                    }
                }
                let day_matches = |d: Date| -> bool {
                    let (y, m, day) = (i32::from(d.year()), d.month() as u32, d.day() as u32);
                    let weekday = croner::Weekday::from_days_from_sunday(u32::from(
                        d.weekday().to_sunday_zero_offset().unsigned_abs(),
                    ));
                    pattern.year_match(y).unwrap_or(false)
                        && pattern.month_match(m).unwrap_or(false)
                        && pattern.day_match(y, m, day, weekday).unwrap_or(false)
                };
                fire_times_by_day(&self.zone, from, to, &day_matches, &times, both_passes)
            }
        };
        for t in times {
            visit(t);
        }
    }
}

/// Fire times in [from, to), sorted, by walking the zone's calendar days.
///
/// A wall-clock time that happens once runs then; one that never happens
/// (the spring-forward gap) does not run; one that happens twice (the autumn
/// overlap) runs at the first instant, and at the second too when
/// `both_passes`.
fn fire_times_by_day(
    zone: &TimeZone,
    from: Timestamp,
    to: Timestamp,
    day_matches: &dyn Fn(Date) -> bool,
    times_of_day: &[Time],
    both_passes: bool,
) -> Vec<Timestamp> {
    use jiff::civil::DateTime;
    use jiff::tz::AmbiguousOffset;

    let mut out: Vec<Timestamp> = Vec::new();
    if times_of_day.is_empty() {
        return out;
    }
    // A day's wall-clock times can lie up to a day either side of its UTC date.
    let (Ok(first), Ok(last)) = (
        from.to_zoned(zone.clone()).date().yesterday(),
        to.to_zoned(zone.clone()).date().tomorrow(),
    ) else {
        return out;
    };
    let mut day = first;
    while day <= last {
        if day_matches(day) {
            for &time in times_of_day {
                let wall = DateTime::from_parts(day, time);
                match zone.to_ambiguous_timestamp(wall).offset() {
                    AmbiguousOffset::Unambiguous { offset } => {
                        out.extend(offset.to_timestamp(wall).ok());
                    }
                    AmbiguousOffset::Fold { before, after } => {
                        out.extend(before.to_timestamp(wall).ok());
                        if both_passes {
                            out.extend(after.to_timestamp(wall).ok());
                        }
                    }
                    AmbiguousOffset::Gap { .. } => {}
                }
            }
        }
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    // Folds can interleave the passes of a repeated hour; the walk is otherwise in order.
    out.sort_unstable();
    out.dedup();
    out.retain(|t| (from..to).contains(t));
    out
}

/// The largest real elapsed interval between two consecutive runs of a schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gap {
    /// Elapsed seconds between the two runs.
    pub seconds: i64,
    /// The run before the gap.
    pub after: Timestamp,
    /// The run after the gap.
    pub before: Timestamp,
}

/// The largest gap over 366 days of fire times from `as_of` 00:00 UTC; `None` (an effectively infinite gap) with fewer than 2 runs.
///
/// The earliest of equally large gaps is returned. Gaps before the first run
/// and after the last run of the year are not counted.
pub fn largest_gap(schedule: &Schedule, as_of: jiff::civil::Date) -> Option<Gap> {
    let from = year_start(as_of)?;
    let to = from.checked_add(GAP_YEAR).ok()?;
    if let Kind::Rate { every } = schedule.kind {
        // Every gap of a rate is the same, so the answer is the first one.
        let second = from.checked_add(every).ok().filter(|t| *t < to)?;
        return Some(Gap {
            seconds: every.as_secs(),
            after: from,
            before: second,
        });
    }
    let mut previous: Option<Timestamp> = None;
    let mut best: Option<Gap> = None;
    schedule.for_each_fire_time(from, to, |t| {
        if let Some(p) = previous {
            let seconds = t.duration_since(p).as_secs();
            if best.as_ref().is_none_or(|b| seconds > b.seconds) {
                best = Some(Gap {
                    seconds,
                    after: p,
                    before: t,
                });
            }
        }
        previous = Some(t);
    });
    best
}

/// Midnight UTC at the start of `as_of`.
fn year_start(as_of: jiff::civil::Date) -> Option<Timestamp> {
    as_of
        .to_datetime(jiff::civil::Time::midnight())
        .to_zoned(TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

type GapKey = (String, String, Dialect, jiff::civil::Date);
type GapResult = Result<Option<Gap>, ScheduleError>;

/// Gaps already computed, by (expression, default zone, as-of date).
static GAP_CACHE: LazyLock<Mutex<HashMap<GapKey, GapResult>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// `largest_gap` of `Schedule::parse(expr, default_zone, dialect)`, cached by (expression, zone, dialect, as_of); thread-safe.
pub fn largest_gap_cached(
    expr: &str,
    default_zone: &str,
    dialect: Dialect,
    as_of: jiff::civil::Date,
) -> GapResult {
    let key = (
        expr.trim().to_owned(),
        default_zone.trim().to_owned(),
        dialect,
        as_of,
    );
    // A poisoned lock only means another thread panicked mid-insert; the map is still usable.
    if let Some(hit) = GAP_CACHE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
    {
        return hit.clone();
    }
    // Computed outside the lock so threads asking for different schedules do not wait on each other.
    let result = Schedule::parse(expr, default_zone, dialect).map(|s| largest_gap(&s, as_of));
    let mut cache = GAP_CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() >= GAP_CACHE_LIMIT {
        cache.clear();
    }
    cache.insert(key, result.clone());
    result
}

/// A scheduled capacity action: at each fire time of `schedule` the floor becomes `floor`.
#[derive(Clone, Debug)]
pub struct ScheduledFloor {
    /// When the action fires.
    pub schedule: Schedule,
    /// The floor (minimum capacity) it sets.
    pub floor: u32,
}

/// The merged, sorted stretches [start, end) in [from, to) during which the scheduled floor is below `min`.
///
/// The floor at any moment is the one set by the latest action fired at or
/// before it. The state carried into `from` is the latest action fired in the
/// week before `from` (or, for actions that did not fire that week, in the
/// year before). Before any action has fired the floor is unknown and counts
/// as not below. When several actions fire at the same instant the lowest
/// floor wins (their order is unspecified, so the cautious reading).
pub fn floor_below(
    actions: &[ScheduledFloor],
    min: u32,
    from: Timestamp,
    to: Timestamp,
) -> Vec<(Timestamp, Timestamp)> {
    if from >= to {
        return Vec::new();
    }
    let mut carried: Option<(Timestamp, u32)> = None;
    let mut events: Vec<(Timestamp, u32)> = Vec::new();
    for action in actions {
        if let Some(t) = last_fire_before(&action.schedule, from) {
            let later = carried.is_none_or(|(ct, cf)| t > ct || (t == ct && action.floor < cf));
            if later {
                carried = Some((t, action.floor));
            }
        }
        action
            .schedule
            .for_each_fire_time(from, to, |t| events.push((t, action.floor)));
    }
    // Same instant: apply the highest floor first so the lowest is the one left standing.
    events.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));

    let mut stretches: Vec<(Timestamp, Timestamp)> = Vec::new();
    let mut push = |start: Timestamp, end: Timestamp| {
        if start >= end {
            return;
        }
        match stretches.last_mut() {
            Some(last) if last.1 >= start => last.1 = last.1.max(end),
            _ => stretches.push((start, end)),
        }
    };
    let mut floor = carried.map(|(_, f)| f);
    let mut since = from;
    for (t, f) in events {
        if floor.is_some_and(|f| f < min) {
            push(since, t);
        }
        floor = Some(f);
        since = t;
    }
    if floor.is_some_and(|f| f < min) {
        push(since, to);
    }
    stretches
}

/// The merged stretches of [from, to) during which a KEDA cron trigger is
/// active: the latest of its `start` and `end` to fire was `start` (KEDA
/// compares the next start with the next end; when both fire at once the
/// trigger is active). Before either has fired in the year before, inactive.
pub fn active_stretches(
    start: &Schedule,
    end: &Schedule,
    from: Timestamp,
    to: Timestamp,
) -> Vec<(Timestamp, Timestamp)> {
    // A floor of 0 at `start` and 1 at `end`: "below 1" is "active"; at the
    // same instant the lowest floor, the start, wins.
    let actions = [
        ScheduledFloor {
            schedule: start.clone(),
            floor: 0,
        },
        ScheduledFloor {
            schedule: end.clone(),
            floor: 1,
        },
    ];
    floor_below(&actions, 1, from, to)
}

/// The latest fire time before `from`, looking back a week, then a year.
fn last_fire_before(schedule: &Schedule, from: Timestamp) -> Option<Timestamp> {
    let week_before = from.checked_sub(CARRY_WEEK).ok()?;
    let mut last = None;
    schedule.for_each_fire_time(week_before, from, |t| last = Some(t));
    if last.is_none() {
        let year_before = from.checked_sub(GAP_YEAR).ok()?;
        schedule.for_each_fire_time(year_before, week_before, |t| last = Some(t));
    }
    last
}

/// Resolves an IANA zone name in the bundled database (empty means UTC).
fn lookup_zone(expr: &str, name: &str) -> Result<(String, TimeZone), ScheduleError> {
    let name = name.trim();
    let name = if name.is_empty() { "UTC" } else { name };
    let unknown = || {
        ScheduleError::new(
            expr,
            format!(
                "unknown time zone `{name}` (expected an IANA name such as Europe/London or UTC)"
            ),
        )
    };
    crate::tzdb::zone(name).ok_or_else(unknown)
}

/// The zone name and schedule after a `CRON_TZ=`/`TZ=` prefix, if there is one.
fn zone_prefix(text: &str) -> Option<&str> {
    text.strip_prefix("CRON_TZ=")
        .or_else(|| text.strip_prefix("TZ="))
}

/// The text inside `name(...)`, when `text` is such a call (name case-insensitive).
fn call_argument<'a>(text: &'a str, name: &str) -> Result<Option<&'a str>, ScheduleError> {
    let open = name.len();
    let is_call = text
        .get(..open)
        .is_some_and(|head| head.eq_ignore_ascii_case(name))
        && text
            .get(open..)
            .is_some_and(|rest| rest.trim_start().starts_with('('));
    if !is_call {
        return Ok(None);
    }
    let rest = text.get(open..).unwrap_or_default().trim_start();
    let inner = rest
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| {
            ScheduleError::new(text, format!("`{name}(` is not closed by `)` at the end"))
        })?;
    Ok(Some(inner.trim()))
}

/// The robfig/cron macros Kubernetes and Velero accept.
fn parse_macro(expr: &str, name: &str) -> Result<Kind, ScheduleError> {
    let lower = name.to_ascii_lowercase();
    let pattern = match lower.as_str() {
        "yearly" | "annually" => "0 0 1 1 *",
        "monthly" => "0 0 1 * *",
        "weekly" => "0 0 * * 0",
        "daily" | "midnight" => "0 0 * * *",
        "hourly" => "0 * * * *",
        _ => {
            if let Some(duration) = lower.strip_prefix("every")
                && duration.starts_with(char::is_whitespace)
            {
                let every = parse_go_duration(expr, duration.trim())?;
                return Ok(Kind::Rate { every });
            }
            return Err(ScheduleError::new(
                expr,
                format!(
                    "unknown macro `@{name}` (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @every <duration>)"
                ),
            ));
        }
    };
    Fields::parse(pattern, Grammar::Robfig)
        .map(|f| Kind::Fields(Box::new(f)))
        .map_err(|e| ScheduleError::new(expr, e))
}

/// A Go duration as `@every` takes it: `1h30m`, `90m`, `45s` (at least one second).
fn parse_go_duration(expr: &str, text: &str) -> Result<SignedDuration, ScheduleError> {
    let bad = || {
        ScheduleError::new(
            expr,
            format!("`@every` needs a duration such as 1h, 30m or 1h30m, found `{text}`"),
        )
    };
    let mut total: i64 = 0;
    let mut digits = String::new();
    let mut saw_unit = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return Err(bad()),
        };
        let value: i64 = digits.parse().map_err(|_| bad())?;
        total = value
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        digits.clear();
        saw_unit = true;
    }
    if !digits.is_empty() || !saw_unit || total <= 0 {
        return Err(bad());
    }
    Ok(SignedDuration::from_secs(total))
}

/// AWS `cron(m h dom mon dow year)` translated to croner's seconds-first form with Quartz weekdays.
fn parse_aws_cron(expr: &str, inner: &str) -> Result<Cron, ScheduleError> {
    let fields: Vec<&str> = inner.split_whitespace().collect();
    let [minute, hour, dom, month, dow, year] = fields.as_slice() else {
        return Err(ScheduleError::new(
            expr,
            format!(
                "AWS cron needs 6 fields (minutes hours day-of-month month day-of-week year), found {}",
                fields.len()
            ),
        ));
    };
    if (*dom == "?") == (*dow == "?") {
        return Err(ScheduleError::new(
            expr,
            "AWS cron needs `?` in exactly one of day-of-month and day-of-week",
        ));
    }
    // In AWS (as in Quartz) a lone `L` in day-of-week is its last day, Saturday.
    let dow = if dow.eq_ignore_ascii_case("L") {
        "7".to_owned()
    } else {
        aws_weekdays(dow)
    };
    let pattern = format!("0 {minute} {hour} {dom} {month} {dow} {year}");
    CronParser::builder()
        .seconds(Seconds::Required)
        .year(Year::Required)
        .alternative_weekdays(true)
        .sloppy_ranges(true)
        .build()
        .parse(&pattern)
        .map_err(|e| ScheduleError::new(expr, e))
}

/// An AWS day-of-week field with names as numbers (1 = Sunday) and ranges
/// that wrap the week (`FRI-MON`, `SAT-SUN`) written as lists, as AWS runs them.
fn aws_weekdays(field: &str) -> String {
    const NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    let number = |t: &str| -> Option<u8> {
        NAMES
            .iter()
            .position(|n| n.eq_ignore_ascii_case(t))
            .and_then(|i| u8::try_from(i + 1).ok())
            .or_else(|| t.parse().ok().filter(|d| (1..=7).contains(d)))
    };
    field
        .split(',')
        .map(|item| {
            let (range, step) = match item.split_once('/') {
                Some((r, s)) => (r, Some(s)),
                None => (item, None),
            };
            let Some((a, b)) = range.split_once('-') else {
                return item.to_owned();
            };
            let (Some(a), Some(b)) = (number(a), number(b)) else {
                return item.to_owned();
            };
            let step_text = step.map(|s| format!("/{s}")).unwrap_or_default();
            if a <= b {
                return format!("{a}-{b}{step_text}");
            }
            // A wrapping range with a step keeps counting across Saturday.
            let step: u8 = match step.map(str::parse) {
                None => 1,
                Some(Ok(s)) if s > 0 => s,
                Some(_) => return item.to_owned(),
            };
            let days: Vec<String> = (0..)
                .map(|i: u8| i.saturating_mul(step))
                .take_while(|&off| off <= b + 7 - a)
                .map(|off| ((a - 1 + off) % 7 + 1).to_string())
                .collect();
            days.join(",")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// AWS `rate(N unit)`: singular unit for 1, plural otherwise.
fn parse_aws_rate(expr: &str, inner: &str) -> Result<SignedDuration, ScheduleError> {
    let fields: Vec<&str> = inner.split_whitespace().collect();
    let [value, unit] = fields.as_slice() else {
        return Err(ScheduleError::new(
            expr,
            "rate needs a value and a unit, such as rate(1 day) or rate(12 hours)",
        ));
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ScheduleError::new(
            expr,
            format!("rate value `{value}` is not a positive whole number"),
        ));
    }
    let n: i64 = value
        .parse()
        .map_err(|_| ScheduleError::new(expr, format!("rate value `{value}` is too large")))?;
    if n == 0 {
        return Err(ScheduleError::new(
            expr,
            "rate value must be greater than 0",
        ));
    }
    let unit_lower = unit.to_ascii_lowercase();
    let (seconds, plural) = match unit_lower.as_str() {
        "minute" => (60, false),
        "minutes" => (60, true),
        "hour" => (3600, false),
        "hours" => (3600, true),
        "day" => (86_400, false),
        "days" => (86_400, true),
        _ => {
            return Err(ScheduleError::new(
                expr,
                format!("unknown rate unit `{unit}` (expected minute(s), hour(s) or day(s))"),
            ));
        }
    };
    if plural != (n != 1) {
        let singular = unit_lower.trim_end_matches('s');
        let wanted = if n == 1 {
            singular.to_owned()
        } else {
            format!("{singular}s")
        };
        return Err(ScheduleError::new(
            expr,
            format!(
                "AWS requires `rate({n} {wanted})`: the unit is singular for 1 and plural otherwise"
            ),
        ));
    }
    let total = n
        .checked_mul(seconds)
        .filter(|s| *s <= SignedDuration::MAX.as_secs() / 2)
        .ok_or_else(|| ScheduleError::new(expr, format!("rate value `{value}` is too large")))?;
    Ok(SignedDuration::from_secs(total))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use jiff::civil::date;
    use proptest::prelude::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// AWS for `cron(...)`/`rate(...)`, robfig otherwise.
    fn dialect_of(expr: &str) -> Dialect {
        if expr.starts_with("cron") || expr.starts_with("rate") {
            Dialect::Aws
        } else {
            Dialect::Robfig
        }
    }

    fn parse(expr: &str, zone: &str) -> Schedule {
        Schedule::parse(expr, zone, dialect_of(expr)).unwrap_or_else(|e| panic!("{expr}: {e}"))
    }

    fn err(expr: &str) -> String {
        Schedule::parse(expr, "UTC", dialect_of(expr))
            .unwrap_err()
            .0
    }

    fn fires(expr: &str, zone: &str, from: &str, to: &str) -> Vec<String> {
        parse(expr, zone)
            .fire_times(ts(from), ts(to))
            .iter()
            .map(|t| t.to_string())
            .collect()
    }

    fn gap_hours(expr: &str, zone: &str, as_of: jiff::civil::Date) -> f64 {
        largest_gap(&parse(expr, zone), as_of).unwrap().seconds as f64 / 3600.0
    }

    #[test]
    fn five_field_daily_in_utc() {
        assert_eq!(
            fires(
                "0 2 * * *",
                "UTC",
                "2026-03-01T00:00:00Z",
                "2026-03-03T00:00:00Z"
            ),
            ["2026-03-01T02:00:00Z", "2026-03-02T02:00:00Z"]
        );
    }

    #[test]
    fn from_is_inclusive_and_to_exclusive() {
        assert_eq!(
            fires(
                "0 2 * * *",
                "UTC",
                "2026-03-01T02:00:00Z",
                "2026-03-02T02:00:00Z"
            ),
            ["2026-03-01T02:00:00Z"]
        );
        assert!(
            fires(
                "0 2 * * *",
                "UTC",
                "2026-03-02T00:00:00Z",
                "2026-03-01T00:00:00Z"
            )
            .is_empty()
        );
    }

    #[test]
    fn default_zone_applies() {
        assert_eq!(
            fires(
                "0 2 * * *",
                "America/New_York",
                "2026-01-10T00:00:00Z",
                "2026-01-11T00:00:00Z"
            ),
            ["2026-01-10T07:00:00Z"]
        );
    }

    #[test]
    fn macros() {
        let jan = ("2026-01-01T00:00:00Z", "2026-01-15T00:00:00Z");
        assert_eq!(fires("@daily", "UTC", jan.0, jan.1).len(), 14);
        assert_eq!(fires("@midnight", "UTC", jan.0, jan.1).len(), 14);
        assert_eq!(fires("@hourly", "UTC", jan.0, jan.1).len(), 14 * 24);
        // 2026-01-04 and 2026-01-11 are Sundays.
        assert_eq!(
            fires("@weekly", "UTC", jan.0, jan.1),
            ["2026-01-04T00:00:00Z", "2026-01-11T00:00:00Z"]
        );
        assert_eq!(
            fires("@monthly", "UTC", jan.0, jan.1),
            ["2026-01-01T00:00:00Z"]
        );
        assert_eq!(
            fires("@YEARLY", "UTC", jan.0, jan.1),
            ["2026-01-01T00:00:00Z"]
        );
        assert_eq!(
            fires("@annually", "UTC", jan.0, jan.1),
            ["2026-01-01T00:00:00Z"]
        );
        assert_eq!(gap_hours("@every 1h30m", "UTC", date(2026, 1, 1)), 1.5);
    }

    #[test]
    fn cron_tz_prefix_overrides_default_zone() {
        let s = parse("CRON_TZ=Europe/London 0 5 * * *", "America/New_York");
        assert_eq!(s.zone_name(), "Europe/London");
        assert_eq!(
            s.fire_times(ts("2026-07-01T00:00:00Z"), ts("2026-07-02T00:00:00Z")),
            [ts("2026-07-01T04:00:00Z")]
        );
        let s = parse("TZ=Asia/Tokyo @daily", "UTC");
        assert_eq!(s.zone_name(), "Asia/Tokyo");
        assert_eq!(
            s.fire_times(ts("2026-07-01T00:00:00Z"), ts("2026-07-02T00:00:00Z")),
            [ts("2026-07-01T15:00:00Z")]
        );
    }

    #[test]
    fn zone_names_are_canonical() {
        assert_eq!(
            parse("0 2 * * *", "europe/london").zone_name(),
            "Europe/London"
        );
        assert_eq!(parse("0 2 * * *", "").zone_name(), "UTC");
        assert_eq!(parse("rate(1 day)", "UTC").zone_name(), "UTC");
    }

    #[test]
    fn aws_cron_weekdays_count_from_sunday() {
        // 2026-03-01 is a Sunday.
        assert_eq!(
            fires(
                "cron(0 5 ? * 1 *)",
                "UTC",
                "2026-03-01T00:00:00Z",
                "2026-03-15T00:00:00Z"
            ),
            ["2026-03-01T05:00:00Z", "2026-03-08T05:00:00Z"]
        );
        assert_eq!(
            fires(
                "cron(0 5 ? * 7 *)",
                "UTC",
                "2026-03-01T00:00:00Z",
                "2026-03-08T00:00:00Z"
            ),
            ["2026-03-07T05:00:00Z"]
        );
        assert_eq!(
            fires(
                "cron(0 5 ? * 2-6 *)",
                "UTC",
                "2026-03-01T00:00:00Z",
                "2026-03-08T00:00:00Z"
            ),
            fires(
                "cron(0 5 ? * MON-FRI *)",
                "UTC",
                "2026-03-01T00:00:00Z",
                "2026-03-08T00:00:00Z"
            ),
        );
    }

    #[test]
    fn aws_cron_last_day_nearest_weekday_and_nth() {
        let year = ("2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z");
        assert_eq!(
            fires("cron(30 1 L * ? *)", "UTC", year.0, year.1),
            [
                "2026-01-31T01:30:00Z",
                "2026-02-28T01:30:00Z",
                "2026-03-31T01:30:00Z"
            ]
        );
        // 2026-02-15 and 2026-03-15 are Sundays: 15W moves to Monday the 16th.
        // 2026-01-15 is a Thursday.
        assert_eq!(
            fires("cron(0 3 15W * ? *)", "UTC", year.0, year.1),
            [
                "2026-01-15T03:00:00Z",
                "2026-02-16T03:00:00Z",
                "2026-03-16T03:00:00Z"
            ]
        );
        // The second Tuesday (3 = Tuesday).
        assert_eq!(
            fires("cron(0 4 ? * 3#2 *)", "UTC", year.0, year.1),
            [
                "2026-01-13T04:00:00Z",
                "2026-02-10T04:00:00Z",
                "2026-03-10T04:00:00Z"
            ]
        );
        // The last Friday (6 = Friday).
        assert_eq!(
            fires("cron(0 4 ? * 6L *)", "UTC", year.0, year.1),
            [
                "2026-01-30T04:00:00Z",
                "2026-02-27T04:00:00Z",
                "2026-03-27T04:00:00Z"
            ]
        );
        // A lone L in day-of-week is Saturday.
        assert_eq!(
            fires(
                "cron(0 4 ? * L *)",
                "UTC",
                "2026-01-01T00:00:00Z",
                "2026-01-08T00:00:00Z"
            ),
            ["2026-01-03T04:00:00Z"]
        );
    }

    #[test]
    fn aws_cron_year_field_and_quartz_steps() {
        assert_eq!(
            fires(
                "cron(0 5 1 1 ? 2027)",
                "UTC",
                "2026-01-01T00:00:00Z",
                "2029-01-01T00:00:00Z"
            ),
            ["2027-01-01T05:00:00Z"]
        );
        assert_eq!(
            fires(
                "cron(0/20 8 * * ? *)",
                "UTC",
                "2026-01-01T00:00:00Z",
                "2026-01-02T00:00:00Z"
            ),
            [
                "2026-01-01T08:00:00Z",
                "2026-01-01T08:20:00Z",
                "2026-01-01T08:40:00Z"
            ]
        );
        assert!(largest_gap(&parse("cron(0 5 1 1 ? 2020)", "UTC"), date(2026, 1, 1)).is_none());
    }

    #[test]
    fn aws_cron_in_its_zone() {
        assert_eq!(
            fires(
                "cron(0 5 ? * MON-FRI *)",
                "Europe/London",
                "2026-07-06T00:00:00Z",
                "2026-07-07T00:00:00Z"
            ),
            ["2026-07-06T04:00:00Z"]
        );
    }

    #[test]
    fn each_dialect_reads_what_its_runner_reads() {
        let jan = ("2026-01-01T00:00:00Z", "2026-01-15T00:00:00Z");
        // Kubernetes runs `0 2 */1 * 1` weekly (Mondays), not daily.
        assert_eq!(
            fires("0 2 */1 * 1", "UTC", jan.0, jan.1),
            ["2026-01-05T02:00:00Z", "2026-01-12T02:00:00Z"]
        );
        assert_eq!(gap_hours("0 2 */1 * 1", "UTC", date(2026, 1, 1)), 168.0);
        // `5/15` is `5-59/15`.
        assert_eq!(
            fires("5/15 0 1 1 *", "UTC", jan.0, jan.1),
            [
                "2026-01-01T00:05:00Z",
                "2026-01-01T00:20:00Z",
                "2026-01-01T00:35:00Z",
                "2026-01-01T00:50:00Z"
            ]
        );
        // AWS day ranges, wrapping ones too (2026-01-02 is a Friday).
        assert_eq!(
            fires(
                "cron(0 5 ? * SAT-SUN *)",
                "UTC",
                jan.0,
                "2026-01-08T00:00:00Z"
            ),
            ["2026-01-03T05:00:00Z", "2026-01-04T05:00:00Z"]
        );
        assert_eq!(
            fires(
                "cron(0 5 ? * FRI-MON *)",
                "UTC",
                jan.0,
                "2026-01-08T00:00:00Z"
            ),
            [
                "2026-01-02T05:00:00Z",
                "2026-01-03T05:00:00Z",
                "2026-01-04T05:00:00Z",
                "2026-01-05T05:00:00Z"
            ]
        );
        assert_eq!(aws_weekdays("6-2/2"), "6,1");
        assert_eq!(aws_weekdays("MON-FRI"), "2-6");
        // What each runner rejects.
        let rejected = |expr: &str, dialect| Schedule::parse(expr, "UTC", dialect).is_err();
        assert!(rejected("0 24 * * *", Dialect::Unix));
        assert!(rejected("0 5 * * 8", Dialect::Robfig));
        assert!(rejected("0 5 * * 7", Dialect::Robfig));
        assert!(!rejected("0 5 * * 7", Dialect::Unix));
        assert!(rejected("rate(1 hours)", Dialect::Aws));
        assert!(rejected("0 5 * * *", Dialect::Aws));
        assert!(rejected("cron(0 5 * * ? *)", Dialect::Robfig));
        assert!(rejected("@daily", Dialect::Unix));
        assert!(!rejected("0 5 * * *", Dialect::Unix));
        assert!(
            Schedule::parse("0 5 * * *", "Mars/Olympus", Dialect::Robfig)
                .unwrap_err()
                .0
                .contains("unknown time zone `Mars/Olympus`")
        );
    }

    #[test]
    fn rates() {
        let s = parse("rate(12 hours)", "UTC");
        assert_eq!(
            s.fire_times(ts("2026-01-01T03:00:00Z"), ts("2026-01-02T03:00:00Z")),
            [ts("2026-01-01T03:00:00Z"), ts("2026-01-01T15:00:00Z")]
        );
        assert_eq!(gap_hours("rate(1 day)", "UTC", date(2026, 1, 1)), 24.0);
        assert_eq!(gap_hours("rate(1 hour)", "UTC", date(2026, 1, 1)), 1.0);
        assert_eq!(gap_hours("rate(30 minutes)", "UTC", date(2026, 1, 1)), 0.5);
        assert_eq!(
            gap_hours("rate(1 minute)", "UTC", date(2026, 1, 1)),
            1.0 / 60.0
        );
        assert_eq!(gap_hours("rate(7 days)", "UTC", date(2026, 1, 1)), 168.0);
        assert!(largest_gap(&parse("rate(400 days)", "UTC"), date(2026, 1, 1)).is_none());
    }

    #[test]
    fn invalid_inputs_have_clear_messages() {
        assert_eq!(err(""), "empty schedule expression");
        assert!(
            err("0 2 * *").contains("expected 5 fields"),
            "{}",
            err("0 2 * *")
        );
        assert!(err("0 0 2 * * *").contains("found 6"));
        assert!(err("61 2 * * *").starts_with("invalid schedule `61 2 * * *`: "));
        assert!(err("@fortnightly").contains("unknown macro `@fortnightly`"));
        assert!(err("@every").contains("unknown macro"));
        assert!(err("@every soon").contains("`@every` needs a duration"));
        assert!(err("CRON_TZ=Mars/Olympus 0 2 * * *").contains("unknown time zone `Mars/Olympus`"));
        assert!(err("CRON_TZ=Europe/London").contains("must be followed by"));
        assert!(
            Schedule::parse("0 2 * * *", "Nowhere/Land", Dialect::Robfig)
                .unwrap_err()
                .0
                .contains("unknown time zone")
        );
        assert!(err("cron(0 5 * * ?)").contains("AWS cron needs 6 fields"));
        assert!(err("cron(0 5 * * * *)").contains("`?` in exactly one"));
        assert!(err("cron(0 5 ? * ? *)").contains("`?` in exactly one"));
        assert!(err("cron(0 5 ? * 0 *)").starts_with("invalid schedule"));
        assert!(err("cron(0 5 * * ? *").contains("not closed"));
        assert!(
            err("rate(1 days)").contains("rate(1 day)"),
            "{}",
            err("rate(1 days)")
        );
        assert!(err("rate(2 hour)").contains("rate(2 hours)"));
        assert!(err("rate(0 minutes)").contains("greater than 0"));
        assert!(err("rate(-1 minutes)").contains("not a positive whole number"));
        assert!(err("rate(5 weeks)").contains("unknown rate unit `weeks`"));
        assert!(err("rate(5)").contains("value and a unit"));
        assert!(err("rate(99999999999999999999 days)").contains("too large"));
        assert!(err("0 2 * * * é").contains("unexpected character"));
        assert!(err(&"1,".repeat(300)).contains("longer than"));
    }

    #[test]
    fn odd_patterns_are_errors_or_schedules_never_panics() {
        let from = ts("2026-03-28T00:00:00Z");
        let to = ts("2026-04-02T00:00:00Z");
        for expr in [
            "* * * * 7L",
            "0 0 L-3 * *",
            "0 0 * * 1#",
            "0 0 * * 1#9",
            "*/0 * * * *",
            "0-0/0 * * * *",
            "1-2-3 * * * *",
            "99999999999999999999 * * * *",
            "0 0 * * +",
            "0 0 ,,, * *",
            "@",
            "@every 0s",
            "@every 99999999999999999999h",
            "CRON_TZ= 0 0 * * *",
            "TZ=UTC",
            "cron()",
            "cron(0 0 ? * 8 *)",
            "cron(0 0 ? * 2#6 *)",
            "cron(0 0 32W * ? *)",
            "cron(0 0 ? * MON-SUN *)",
            "rate()",
            "rate(1 day) extra",
            "rate",
            "cron",
        ] {
            for dialect in [Dialect::Robfig, Dialect::Aws, Dialect::Unix] {
                if let Ok(s) = Schedule::parse(expr, "Europe/London", dialect) {
                    let _ = s.fire_times(from, to);
                    let _ = largest_gap(&s, date(2026, 1, 1));
                }
            }
        }
        assert!(floor_below(&[action("0 8 * * *", 0)], 1, to, from).is_empty());
    }

    #[test]
    fn london_daily_gap_is_23h_in_spring_and_25h_in_autumn() {
        let s = parse("0 5 * * *", "Europe/London");
        let spring = s.fire_times(ts("2026-03-28T00:00:00Z"), ts("2026-03-30T00:00:00Z"));
        assert_eq!(
            spring,
            [ts("2026-03-28T05:00:00Z"), ts("2026-03-29T04:00:00Z")]
        );
        assert_eq!(spring[1].duration_since(spring[0]).as_hours(), 23);

        let gap = largest_gap(&s, date(2026, 1, 1)).unwrap();
        assert_eq!(
            gap,
            Gap {
                seconds: 25 * 3600,
                after: ts("2026-10-24T04:00:00Z"),
                before: ts("2026-10-25T05:00:00Z"),
            }
        );
        // A year that starts after the autumn change and ends before the next
        // one still contains the spring night, but 24 h is the largest gap.
        assert_eq!(
            gap_hours("0 5 * * *", "Europe/London", date(2026, 11, 1)),
            25.0
        );
        assert_eq!(gap_hours("0 5 * * *", "UTC", date(2026, 1, 1)), 24.0);
    }

    #[test]
    fn robfig_skips_the_spring_gap_and_runs_both_passes_of_the_overlap() {
        // 01:30 does not exist in London on 2026-03-29: no run that day (a 47 h gap).
        assert_eq!(
            fires(
                "30 1 * * *",
                "Europe/London",
                "2026-03-28T00:00:00Z",
                "2026-03-31T00:00:00Z"
            ),
            ["2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z"]
        );
        assert_eq!(
            gap_hours("30 1 * * *", "Europe/London", date(2026, 1, 1)),
            47.0
        );
        // 01:30 happens twice on 2026-10-25: robfig runs on both passes.
        assert_eq!(
            fires(
                "30 1 * * *",
                "Europe/London",
                "2026-10-24T00:00:00Z",
                "2026-10-27T00:00:00Z"
            ),
            [
                "2026-10-24T00:30:00Z",
                "2026-10-25T00:30:00Z",
                "2026-10-25T01:30:00Z",
                "2026-10-26T01:30:00Z"
            ]
        );
    }

    #[test]
    fn lists_and_ranges_follow_the_same_rule_as_fixed_times() {
        // Neither croner's rule (a fixed time in the gap runs after it) nor
        // Vixie's (fixed-time jobs run once in the overlap, `*` jobs twice):
        // each runner's own, whatever the pattern's shape.
        let spring = ("2026-03-29T00:00:00Z", "2026-03-29T03:00:00Z");
        let autumn = ("2026-10-25T00:00:00Z", "2026-10-25T03:00:00Z");
        for expr in ["0,30 1 * * *", "0-30/30 1 * * *", "*/30 1 * * *"] {
            assert!(fires(expr, "Europe/London", spring.0, spring.1).is_empty());
            assert_eq!(
                fires(expr, "Europe/London", autumn.0, autumn.1).len(),
                4,
                "{expr}"
            );
            let aws = Schedule::parse(expr, "Europe/London", Dialect::Unix).unwrap();
            assert_eq!(
                aws.fire_times(ts(autumn.0), ts(autumn.1)).len(),
                2,
                "{expr}"
            );
        }
    }

    #[test]
    fn aws_skips_the_spring_gap_and_runs_once_in_the_overlap() {
        for (expr, dialect) in [
            ("cron(30 1 * * ? *)", Dialect::Aws),
            ("30 1 * * *", Dialect::Unix),
        ] {
            let s = Schedule::parse(expr, "Europe/London", dialect).unwrap();
            let got = |from: &str, to: &str| -> Vec<String> {
                s.fire_times(ts(from), ts(to))
                    .iter()
                    .map(ToString::to_string)
                    .collect()
            };
            assert_eq!(
                got("2026-03-28T00:00:00Z", "2026-03-31T00:00:00Z"),
                ["2026-03-28T01:30:00Z", "2026-03-30T00:30:00Z"]
            );
            assert_eq!(
                got("2026-10-24T00:00:00Z", "2026-10-27T00:00:00Z"),
                [
                    "2026-10-24T00:30:00Z",
                    "2026-10-25T00:30:00Z",
                    "2026-10-26T01:30:00Z"
                ]
            );
        }
    }

    #[test]
    fn interval_jobs_skip_the_gap_and_repeat_in_the_overlap() {
        assert_eq!(
            fires(
                "*/30 1 * * *",
                "Europe/London",
                "2026-10-25T00:00:00Z",
                "2026-10-25T03:00:00Z"
            ),
            [
                "2026-10-25T00:00:00Z",
                "2026-10-25T00:30:00Z",
                "2026-10-25T01:00:00Z",
                "2026-10-25T01:30:00Z"
            ]
        );
        assert!(
            fires(
                "*/30 1 * * *",
                "Europe/London",
                "2026-03-29T00:00:00Z",
                "2026-03-29T03:00:00Z"
            )
            .is_empty()
        );
        assert_eq!(
            gap_hours("*/30 * * * *", "Europe/London", date(2026, 1, 1)),
            0.5
        );
    }

    #[test]
    fn new_york_dst() {
        // 02:00 does not exist on 2026-03-08: no run, a 47 h gap;
        // on 2026-11-01 02:00 EST is 25 h after 02:00 EDT the day before.
        assert_eq!(
            fires(
                "0 2 * * *",
                "America/New_York",
                "2026-03-07T00:00:00Z",
                "2026-03-10T00:00:00Z"
            ),
            ["2026-03-07T07:00:00Z", "2026-03-09T06:00:00Z"]
        );
        let gap = largest_gap(&parse("0 2 * * *", "America/New_York"), date(2026, 1, 1)).unwrap();
        assert_eq!(gap.seconds, 47 * 3600);
        assert_eq!(gap.before, ts("2026-03-09T06:00:00Z"));
        // 01:30 repeats on 2026-11-01: robfig runs at both, AWS at the EDT one.
        assert_eq!(
            fires(
                "30 1 * * *",
                "America/New_York",
                "2026-11-01T00:00:00Z",
                "2026-11-02T00:00:00Z"
            ),
            ["2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"]
        );
        assert_eq!(
            fires(
                "cron(30 1 * * ? *)",
                "America/New_York",
                "2026-11-01T00:00:00Z",
                "2026-11-02T00:00:00Z"
            ),
            ["2026-11-01T05:30:00Z"]
        );
    }

    #[test]
    fn weekend_and_hourly_gaps() {
        let as_of = date(2026, 1, 1);
        assert_eq!(gap_hours("0 2 * * 1-5", "UTC", as_of), 72.0);
        assert_eq!(gap_hours("cron(0 5 ? * MON-FRI *)", "UTC", as_of), 72.0);
        assert_eq!(gap_hours("0 * * * *", "UTC", as_of), 1.0);
        assert_eq!(gap_hours("0 * * * *", "Europe/London", as_of), 1.0);
        assert_eq!(gap_hours("@weekly", "UTC", as_of), 168.0);
        assert_eq!(gap_hours("0 0 1 * *", "UTC", as_of), 31.0 * 24.0);
        // 366 days from 1 January hold two new years; from the 2nd only one.
        assert_eq!(gap_hours("@yearly", "UTC", as_of), 365.0 * 24.0);
        assert!(largest_gap(&parse("@yearly", "UTC"), date(2026, 1, 2)).is_none());
        assert!(largest_gap(&parse("0 0 30 2 *", "UTC"), as_of).is_none());
    }

    #[test]
    fn cached_gap_matches_and_reports_errors() {
        let as_of = date(2026, 1, 1);
        let first =
            largest_gap_cached("0 5 * * *", "Europe/London", Dialect::Robfig, as_of).unwrap();
        let again =
            largest_gap_cached("0 5 * * *", "Europe/London", Dialect::Robfig, as_of).unwrap();
        assert_eq!(first, again);
        assert_eq!(first.unwrap().seconds, 25 * 3600);
        assert!(largest_gap_cached("0 5 * *", "UTC", Dialect::Robfig, as_of).is_err());
        assert!(largest_gap_cached("0 5 * *", "UTC", Dialect::Robfig, as_of).is_err());
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(move || {
                    largest_gap_cached("0 */6 * * *", "UTC", Dialect::Robfig, as_of)
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().unwrap().unwrap().unwrap().seconds, 6 * 3600);
        }
    }

    fn action(expr: &str, floor: u32) -> ScheduledFloor {
        ScheduledFloor {
            schedule: parse(expr, "UTC"),
            floor,
        }
    }

    #[test]
    fn scale_down_at_15_leaves_the_last_hour_short() {
        // Weekdays: up to 3 at 08:00, down to 1 at 15:00. Hours are 09:00-16:00.
        let actions = [action("0 8 * * 1-5", 3), action("0 15 * * 1-5", 1)];
        // Monday 2026-03-02, from 09:00 to 16:00.
        let below = floor_below(
            &actions,
            2,
            ts("2026-03-02T09:00:00Z"),
            ts("2026-03-02T16:00:00Z"),
        );
        assert_eq!(
            below,
            [(ts("2026-03-02T15:00:00Z"), ts("2026-03-02T16:00:00Z"))]
        );
        // Over the weekend the state carried from Friday 15:00 stays low until Monday 08:00.
        let below = floor_below(
            &actions,
            2,
            ts("2026-03-07T00:00:00Z"),
            ts("2026-03-10T00:00:00Z"),
        );
        assert_eq!(
            below,
            [
                (ts("2026-03-07T00:00:00Z"), ts("2026-03-09T08:00:00Z")),
                (ts("2026-03-09T15:00:00Z"), ts("2026-03-10T00:00:00Z")),
            ]
        );
    }

    #[test]
    fn floor_state_is_carried_from_long_before() {
        let actions = [action("0 0 1 1 *", 0)];
        let below = floor_below(
            &actions,
            1,
            ts("2026-06-01T00:00:00Z"),
            ts("2026-06-02T00:00:00Z"),
        );
        assert_eq!(
            below,
            [(ts("2026-06-01T00:00:00Z"), ts("2026-06-02T00:00:00Z"))]
        );
        // Nothing fired yet: unknown, not below, until the first action fires.
        let later = [ScheduledFloor {
            schedule: parse("cron(0 12 1 6 ? 2026)", "UTC"),
            floor: 0,
        }];
        let below = floor_below(
            &later,
            1,
            ts("2026-06-01T00:00:00Z"),
            ts("2026-06-02T00:00:00Z"),
        );
        assert_eq!(
            below,
            [(ts("2026-06-01T12:00:00Z"), ts("2026-06-02T00:00:00Z"))]
        );
        assert!(
            floor_below(
                &[],
                1,
                ts("2026-06-01T00:00:00Z"),
                ts("2026-06-02T00:00:00Z")
            )
            .is_empty()
        );
    }

    #[test]
    fn floor_ties_take_the_lowest() {
        let actions = [action("0 8 * * *", 3), action("0 8 * * *", 1)];
        let below = floor_below(
            &actions,
            2,
            ts("2026-03-02T09:00:00Z"),
            ts("2026-03-02T10:00:00Z"),
        );
        assert_eq!(
            below,
            [(ts("2026-03-02T09:00:00Z"), ts("2026-03-02T10:00:00Z"))]
        );
    }

    // ---- properties ----

    /// A simple 5-field schedule: minute list, hour list, weekday range.
    #[derive(Clone, Debug)]
    struct Simple {
        minutes: Vec<u8>,
        hours: Vec<u8>,
        dow: (u8, u8),
    }

    impl Simple {
        fn expr(&self) -> String {
            let list = |v: &[u8]| v.iter().map(u8::to_string).collect::<Vec<_>>().join(",");
            format!(
                "{} {} * * {}-{}",
                list(&self.minutes),
                list(&self.hours),
                self.dow.0,
                self.dow.1
            )
        }

        fn matches(&self, t: Timestamp) -> bool {
            let dt = t.to_zoned(TimeZone::UTC).datetime();
            let dow = dt.weekday().to_sunday_zero_offset() as u8;
            dt.second() == 0
                && self.minutes.contains(&(dt.minute() as u8))
                && self.hours.contains(&(dt.hour() as u8))
                && (self.dow.0..=self.dow.1).contains(&dow)
        }
    }

    fn simple() -> impl Strategy<Value = Simple> {
        (
            prop::collection::vec(0u8..60, 1..4),
            prop::collection::vec(0u8..24, 1..4),
            (0u8..7, 0u8..7),
        )
            .prop_map(|(minutes, hours, (a, b))| Simple {
                minutes,
                hours,
                dow: (a.min(b), a.max(b)),
            })
    }

    /// Fire times by checking every minute in [from, to).
    fn brute_force(s: &Simple, from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
        let mut out = Vec::new();
        let mut t = from;
        while t < to {
            if s.matches(t) {
                out.push(t);
            }
            t = t.checked_add(SignedDuration::from_mins(1)).unwrap();
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn fire_times_match_a_minute_by_minute_scan(s in simple(), start_min in 0i64..(7 * 1440), days in 1i64..4) {
            let from = ts("2026-03-02T00:00:00Z").checked_add(SignedDuration::from_mins(start_min)).unwrap();
            let to = from.checked_add(SignedDuration::from_hours(24 * days)).unwrap();
            let schedule = parse(&s.expr(), "UTC");
            prop_assert_eq!(schedule.fire_times(from, to), brute_force(&s, from, to));
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,40}", zone in "[A-Za-z/_]{0,20}") {
            for dialect in [Dialect::Robfig, Dialect::Aws, Dialect::Unix] {
                let _ = Schedule::parse(&text, &zone, dialect);
                let _ = Schedule::parse(&format!("cron({text})"), "UTC", dialect);
                let _ = Schedule::parse(&format!("rate({text})"), "UTC", dialect);
                let _ = Schedule::parse(&format!("CRON_TZ={zone} {text}"), "UTC", dialect);
            }
        }

        #[test]
        fn cron_like_text_never_panics(fields in prop::collection::vec("[0-9*/,?LW#+-]{1,6}|[A-Z]{3}", 4..8)) {
            let joined = fields.join(" ");
            for dialect in [Dialect::Robfig, Dialect::Unix] {
                if let Ok(s) = Schedule::parse(&joined, "Europe/London", dialect) {
                    let _ = s.fire_times(ts("2026-03-28T00:00:00Z"), ts("2026-04-01T00:00:00Z"));
                }
            }
            if let Ok(s) = Schedule::parse(&format!("cron({joined})"), "UTC", Dialect::Aws) {
                let _ = s.fire_times(ts("2026-03-28T00:00:00Z"), ts("2026-04-01T00:00:00Z"));
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(12))]

        #[test]
        fn largest_gap_matches_brute_force(s in simple(), day in 0i64..365) {
            let as_of = date(2026, 1, 1).checked_add(jiff::Span::new().days(day)).unwrap();
            let from = year_start(as_of).unwrap();
            let runs = brute_force(&s, from, from.checked_add(GAP_YEAR).unwrap());
            let expected = runs.windows(2).map(|w| w[1].duration_since(w[0]).as_secs()).max();
            let got = largest_gap(&parse(&s.expr(), "UTC"), as_of).map(|g| g.seconds);
            prop_assert_eq!(got, expected);
        }

        #[test]
        fn floor_below_matches_a_minute_by_minute_simulation(
            specs in prop::collection::vec((simple(), 0u32..4), 1..4),
            min in 0u32..4,
            start_min in 0i64..(7 * 1440),
        ) {
            let from = ts("2026-03-09T00:00:00Z").checked_add(SignedDuration::from_mins(start_min)).unwrap();
            let to = from.checked_add(SignedDuration::from_hours(48)).unwrap();
            let actions: Vec<ScheduledFloor> = specs.iter().map(|(s, f)| action(&s.expr(), *f)).collect();
            // Every action fires at least weekly, so eight days before settles the state.
            let mut t = from.checked_sub(SignedDuration::from_hours(24 * 8)).unwrap();
            let mut floor: Option<u32> = None;
            let mut expected: Vec<(Timestamp, Timestamp)> = Vec::new();
            let minute = SignedDuration::from_mins(1);
            while t < to {
                if let Some(f) = specs.iter().filter(|(s, _)| s.matches(t)).map(|(_, f)| *f).min() {
                    floor = Some(f);
                }
                let next = t.checked_add(minute).unwrap();
                if t >= from && floor.is_some_and(|f| f < min) {
                    match expected.last_mut() {
                        Some(last) if last.1 == t => last.1 = next,
                        _ => expected.push((t, next)),
                    }
                }
                t = next;
            }
            prop_assert_eq!(floor_below(&actions, min, from, to), expected);
        }
    }
}
