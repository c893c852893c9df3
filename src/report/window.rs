//! The implementation window (`--window`): its bounds, the change freezes
//! it falls in, and each touched service's hours it overlaps.

use super::{FreezeHit, Latest, ReportError, Stretch, Window, WindowService};
use crate::plan::hours::{Hours, Interval, describe_in_zone};
use crate::plan::model::{Plan, Service};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// Parses `--window START/DURATION`: START is `YYYY-MM-DDTHH:MM[:SS]` with an
/// optional `Z` or `±HH:MM`, else on the wall clock of `zone`. Returns the
/// UTC bounds and a note when the local start is ambiguous or skipped.
pub fn parse_window(
    text: &str,
    zone_name: &str,
) -> Result<(Timestamp, Timestamp, Option<String>), String> {
    let bad = |why: &str| {
        format!(
            "--window `{text}`: {why}; write START/DURATION, e.g. 2026-11-28T22:00/2h or 2026-11-28T22:00+01:00/90m"
        )
    };
    let (start, duration) = text
        .split_once('/')
        .ok_or_else(|| bad("no `/` between start and duration"))?;
    let seconds = window_seconds(duration, &bad)?;
    let (local, offset) = split_offset(start, &bad)?;
    let shape_ok = local.is_ascii()
        && (local.len() == 16 || local.len() == 19)
        && local.as_bytes().get(10) == Some(&b'T');
    if !shape_ok {
        return Err(bad(
            "the start must be YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS",
        ));
    }
    let dt: jiff::civil::DateTime = local
        .parse()
        .map_err(|_| bad("the start is not a valid date and time"))?;
    let (start_ts, note) = match offset {
        Some(secs) => (
            jiff::tz::Offset::from_seconds(secs)
                .map_err(|_| bad("bad UTC offset"))?
                .to_timestamp(dt)
                .map_err(|_| bad("the start is out of range"))?,
            None,
        ),
        None => wall_clock_start(dt, local, zone_name, &bad)?,
    };
    let end = Timestamp::from_second(start_ts.as_second().saturating_add(seconds))
        .map_err(|_| bad("the window ends out of range"))?;
    Ok((start_ts, end, note))
}

/// The window's duration in seconds: longer than 0, at most 366 days.
fn window_seconds(duration: &str, bad: &dyn Fn(&str) -> String) -> Result<i64, String> {
    let seconds = crate::plan::duration::parse_duration(duration).map_err(|e| bad(&e))?;
    if seconds <= 0 {
        return Err(bad("the duration must be longer than 0"));
    }
    if seconds > 366 * 86_400 {
        return Err(bad("the duration must be at most 366 days"));
    }
    Ok(seconds)
}

/// The start's local part and its UTC offset in seconds (`Z` or `±HH:MM`), if any.
fn split_offset<'s>(
    start: &'s str,
    bad: &dyn Fn(&str) -> String,
) -> Result<(&'s str, Option<i32>), String> {
    if let Some(s) = start.strip_suffix('Z').or(start.strip_suffix('z')) {
        return Ok((s, Some(0)));
    }
    if start.len() > 16
        && let Some(tail) = start.get(start.len() - 6..)
        && (tail.starts_with('+') || tail.starts_with('-'))
    {
        let sign = if tail.starts_with('-') { -1 } else { 1 };
        let hh: i32 = tail
            .get(1..3)
            .and_then(|h| h.parse().ok())
            .ok_or_else(|| bad("bad UTC offset"))?;
        let mm: i32 = tail
            .get(4..6)
            .filter(|_| tail.get(3..4) == Some(":"))
            .and_then(|m| m.parse().ok())
            .ok_or_else(|| bad("bad UTC offset; write ±HH:MM"))?;
        if hh > 23 || mm > 59 {
            return Err(bad("bad UTC offset"));
        }
        return Ok((
            &start[..start.len() - 6],
            Some(sign * (hh * 3600 + mm * 60)),
        ));
    }
    Ok((start, None))
}

/// A start on the wall clock of `zone_name`, with a note when it is skipped or ambiguous.
fn wall_clock_start(
    dt: jiff::civil::DateTime,
    local: &str,
    zone_name: &str,
    bad: &dyn Fn(&str) -> String,
) -> Result<(Timestamp, Option<String>), String> {
    let tz = crate::tzdb::zone(zone_name)
        .map(|(_, tz)| tz)
        .ok_or_else(|| bad("unknown plan time zone"))?;
    let amb = tz.to_ambiguous_timestamp(dt);
    let note = match amb.offset() {
        jiff::tz::AmbiguousOffset::Gap { .. } => Some(format!(
            "--window: {local} does not exist in {zone_name} (clocks go forward); read as the instant after the gap"
        )),
        jiff::tz::AmbiguousOffset::Fold { .. } => Some(format!(
            "--window: {local} happens twice in {zone_name} (clocks go back); read as the first one — give an offset (±HH:MM) to choose"
        )),
        jiff::tz::AmbiguousOffset::Unambiguous { .. } => None,
    };
    let start = amb
        .compatible()
        .map_err(|_| bad("the start is out of range"))?;
    Ok((start, note))
}

/// A freeze as a UTC interval: whole days on the plan's wall clock.
pub(crate) fn freeze_interval(from: Date, to: Date, tz: &TimeZone) -> Option<Interval> {
    let midnight = |d: Date| {
        tz.to_ambiguous_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
            .compatible()
            .ok()
    };
    Some((midnight(from)?, midnight(to.tomorrow().ok()?)?))
}

pub(crate) fn clip(a: Interval, b: Interval) -> Option<Interval> {
    let s = a.0.max(b.0);
    let e = a.1.min(b.1);
    (s < e).then_some((s, e))
}

pub(crate) fn window_service(
    service: &Service,
    plan: &Plan,
    window: Interval,
    freezes: &[(String, Date, Date, Interval)],
) -> WindowService {
    let hours: Option<&Hours> = service.targets.hours.as_ref().map(|h| &h.value);
    let plan_tz = crate::tzdb::zone_or_utc(&plan.timezone);
    let describe = |stretch: Interval| match hours {
        Some(h) => h.describe_local(stretch),
        None => describe_in_zone(stretch, &plan_tz, &plan.timezone),
    };
    let hours_overlap: Vec<Stretch> = hours
        .map(|h| h.intervals(window.0, window.1))
        .unwrap_or_default()
        .into_iter()
        .map(|s| Stretch {
            start: s.0,
            end: s.1,
            local: describe(s),
        })
        .collect();
    let freezes: Vec<FreezeHit> = freezes
        .iter()
        .filter_map(|(name, from, to, iv)| {
            clip(*iv, window).map(|s| FreezeHit {
                name: name.clone(),
                from: *from,
                to: *to,
                stretch: Stretch {
                    start: s.0,
                    end: s.1,
                    local: describe(s),
                },
            })
        })
        .collect();
    WindowService {
        service: service.name.clone(),
        hours: hours.map(Hours::canonical),
        inside_hours: !hours_overlap.is_empty(),
        hours_overlap,
        inside_freeze: !freezes.is_empty(),
        freezes,
    }
}

pub(crate) fn duration_text(secs: i64) -> String {
    crate::plan::duration::format_duration(secs)
}

/// The window of `--window TEXT` in the end plan's zone, with its freezes
/// (the end plan's) and the hours of each service touched (a removed
/// service keeps its last plan's hours).
pub(crate) fn range_window(
    text: &str,
    timezone: &str,
    end_plan: Option<&Plan>,
    latest: &Latest,
    notes: &mut Vec<String>,
) -> Result<Window, ReportError> {
    let (start, end, note) = parse_window(text, timezone).map_err(ReportError::Usage)?;
    notes.extend(note);
    let tz = crate::tzdb::zone_or_utc(timezone);
    let empty = Plan::empty("continuity.yaml");
    let plan: &Plan = end_plan.unwrap_or(&empty);
    let freezes: Vec<(String, Date, Date, Interval)> = plan
        .freezes
        .iter()
        .filter_map(|f| {
            freeze_interval(f.from, f.to, &tz).map(|iv| (f.name.clone(), f.from, f.to, iv))
        })
        .collect();
    let hits = freezes
        .iter()
        .filter_map(|(name, from, to, iv)| {
            clip(*iv, (start, end)).map(|s| FreezeHit {
                name: name.clone(),
                from: *from,
                to: *to,
                stretch: Stretch {
                    start: s.0,
                    end: s.1,
                    local: describe_in_zone(s, &tz, timezone),
                },
            })
        })
        .collect();
    let services = latest
        .iter()
        .map(|(name, (service, plan))| {
            (
                name.clone(),
                window_service(service, plan, (start, end), &freezes),
            )
        })
        .collect();
    Ok(Window {
        text: text.to_string(),
        start,
        end,
        local: describe_in_zone((start, end), &tz, timezone),
        freezes: hits,
        services,
    })
}
