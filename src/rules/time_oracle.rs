//! A brute-force oracle for the time rules (DESIGN §1; issue 17): random
//! hours in zones with unusual daylight-saving rules, random windows that
//! wrap the week and random crons in each runner's dialect, expanded minute
//! by minute over the year and compared with what the rules compute —
//! CG201's largest gap, CG301/CG303's first overlap and CG302's first
//! shortfall and its measure (short minutes of the year within the hours).
//!
//! The oracle knows nothing of the engine's algorithms: it reads a minute's
//! wall clock from the zone's offsets, matches cron fields it generated as
//! sets (with the text each dialect writes for them) and applies each
//! runner's DST rule as the README states it — robfig fires at every
//! instant whose wall clock matches; AWS and autoscaling skip a repeated
//! wall-clock minute (the clock went back) and never see a skipped one.
//!
//! Few cases run by default; set `CG_ORACLE_CASES` (e.g. 500) for a long run.

#![allow(clippy::unwrap_used)]

use super::cg302_scale_down_in_hours::first_short;
use super::testutil::{plan, view_on};
use crate::facts::ServiceFacts;
use crate::facts::schedule::{Dialect, Schedule, largest_gap};
use crate::facts::window::Window;
use crate::facts::{CapacitySchedule, CronTrigger, Loc, ScheduledAction, ScheduledCapacity};
use crate::plan::hours::{Hours, year_from};
use jiff::civil::{Date, date};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

/// Zones whose offsets move in odd ways: 30-minute DST (Lord Howe), a
/// 45-minute offset (Chatham), DST at midnight (Santiago, Havana), a
/// 45-minute standard offset (Kathmandu), and two ordinary ones.
const ZONES: [&str; 7] = [
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "America/Santiago",
    "America/Havana",
    "Asia/Kathmandu",
    "Europe/London",
    "UTC",
];

/// Cases per property: few by default, `CG_ORACLE_CASES` for more.
fn cases(default: u32) -> u32 {
    std::env::var("CG_ORACLE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn run<S: Strategy>(default: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(Config {
        cases: cases(default),
        failure_persistence: None,
        ..Config::default()
    });
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}

// ─────────────────────────── the wall clock ───────────────────────────

/// A zone as a list of (from Unix second, UTC offset seconds), read once.
struct Offsets(Vec<(i64, i64)>);

impl Offsets {
    fn of(zone: &str, from: Timestamp) -> Offsets {
        let tz = crate::tzdb::zone(zone).unwrap().1;
        let start = from
            .checked_sub(SignedDuration::from_hours(24 * 30))
            .unwrap();
        let mut list = vec![(i64::MIN, i64::from(tz.to_offset(start).seconds()))];
        for t in tz.following(start).take(100) {
            list.push((t.timestamp().as_second(), i64::from(t.offset().seconds())));
        }
        Offsets(list)
    }
}

/// Walks minutes in order, giving each one's wall clock.
struct Clock<'a> {
    offsets: &'a Offsets,
    index: usize,
    /// The last local day seen, with its date.
    day: Option<(i64, Date)>,
    /// The latest wall-clock minute seen so far (a smaller one is a repeat).
    latest_local: i64,
}

/// One minute's wall clock.
#[derive(Clone, Copy)]
struct Wall {
    date: Date,
    /// Minute of the day, 0..1440.
    minute: i64,
    /// Weekday, Sunday = 0.
    weekday: u8,
    /// This wall-clock minute was already shown once (the clocks went back).
    repeated: bool,
}

impl Clock<'_> {
    fn new(offsets: &Offsets) -> Clock<'_> {
        Clock {
            offsets,
            index: 0,
            day: None,
            latest_local: i64::MIN,
        }
    }

    /// The wall clock at Unix minute `m` (called with increasing `m`).
    fn at(&mut self, m: i64) -> Wall {
        let second = m * 60;
        while self.index + 1 < self.offsets.0.len() && self.offsets.0[self.index + 1].0 <= second {
            self.index += 1;
        }
        let local = m + self.offsets.0[self.index].1 / 60;
        let repeated = local <= self.latest_local;
        self.latest_local = self.latest_local.max(local);
        let day = local.div_euclid(1440);
        let date = match self.day {
            Some((d, date)) if d == day => date,
            _ => {
                let date = date(1970, 1, 1)
                    .checked_add(jiff::Span::new().days(day))
                    .unwrap();
                self.day = Some((day, date));
                date
            }
        };
        Wall {
            date,
            minute: local.rem_euclid(1440),
            weekday: date.weekday().to_sunday_zero_offset().unsigned_abs(),
            repeated,
        }
    }
}

fn minute_of(t: Timestamp) -> i64 {
    t.as_second().div_euclid(60)
}

fn at_minute(m: i64) -> Timestamp {
    Timestamp::from_second(m * 60).unwrap()
}

// ─────────────────────────── crons as sets ───────────────────────────

/// A cron pattern as the sets it stands for, and its text in one dialect.
#[derive(Clone, Debug)]
struct Cron {
    text: String,
    dialect: Dialect,
    minutes: u64,
    hours: u32,
    /// Bit d for day of month d.
    dom: u32,
    /// Bit d for weekday d, Sunday = 0.
    dow: u8,
    /// A day must match both day fields (one of them is unrestricted).
    both: bool,
}

impl Cron {
    fn fires(&self, w: &Wall) -> bool {
        if self.dialect != Dialect::Robfig && w.repeated {
            return false;
        }
        let (h, m) = (w.minute / 60, w.minute % 60);
        let dom = self.dom & (1 << w.date.day()) != 0;
        let dow = self.dow & (1 << w.weekday) != 0;
        self.minutes & (1 << m) != 0
            && self.hours & (1 << h) != 0
            && if self.both { dom && dow } else { dom || dow }
    }

    fn schedule(&self, zone: &str) -> Schedule {
        Schedule::parse(&self.text, zone, self.dialect)
            .unwrap_or_else(|e| panic!("the oracle's cron does not parse: {e}"))
    }
}

fn bits(values: impl IntoIterator<Item = u32>) -> u64 {
    values.into_iter().fold(0, |b, v| b | (1 << v))
}

/// A minute or hour field: one value, a list, a range, a step from a value or from `*`.
fn time_field(max: u32) -> impl Strategy<Value = (String, u64)> {
    let v = 0..=max;
    prop_oneof![
        v.clone().prop_map(|a| (a.to_string(), bits([a]))),
        (v.clone(), v.clone()).prop_map(|(a, b)| (format!("{a},{b}"), bits([a, b]))),
        (v.clone(), v.clone()).prop_map(move |(a, b)| {
            let (a, b) = (a.min(b), a.max(b));
            (format!("{a}-{b}"), bits(a..=b))
        }),
        (v.clone(), 1..=max / 2)
            .prop_map(move |(a, s)| { (format!("{a}/{s}"), bits((a..=max).step_by(s as usize))) }),
        (1..=max / 2).prop_map(move |s| (format!("*/{s}"), bits((0..=max).step_by(s as usize)))),
    ]
}

/// Hours weighted towards the night, when clocks change.
fn hour_field() -> impl Strategy<Value = (String, u64)> {
    prop_oneof![
        3 => (0u32..=4).prop_map(|h| (h.to_string(), bits([h]))),
        2 => time_field(23),
    ]
}

const ALL_DAYS: u32 = 0xffff_fffe;
const ALL_WEEKDAYS: u8 = 0x7f;

/// A 5-field cron in robfig's or Unix's grammar.
fn five_field(dialect: Dialect) -> impl Strategy<Value = Cron> {
    let unix = dialect == Dialect::Unix;
    let dom = prop_oneof![
        Just(("*".to_owned(), ALL_DAYS, true)),
        Just(("*/1".to_owned(), ALL_DAYS, true)),
        // Vixie: a field starting with `*` is unrestricted for the day rule; robfig: only `*/1`.
        Just((
            "*/2".to_owned(),
            u32::try_from(bits((1..=31).step_by(2))).unwrap(),
            unix
        )),
        (1u32..=28, 1u32..=28).prop_map(|(a, b)| {
            let (a, b) = (a.min(b), a.max(b));
            (
                format!("{a}-{b}"),
                u32::try_from(bits(a..=b)).unwrap(),
                false,
            )
        }),
    ];
    let names = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    let dow = prop_oneof![
        Just(("*".to_owned(), ALL_WEEKDAYS, true)),
        (0u32..=6, 0u32..=6).prop_map(|(a, b)| {
            let (a, b) = (a.min(b), a.max(b));
            (
                format!("{a}-{b}"),
                u8::try_from(bits(a..=b)).unwrap(),
                false,
            )
        }),
        (0usize..=6, 0usize..=6).prop_map(move |(a, b)| {
            let (a, b) = (a.min(b), a.max(b));
            let set = u8::try_from(bits(a as u32..=b as u32)).unwrap();
            (format!("{}-{}", names[a], names[b]), set, false)
        }),
        // Unix cron's 7 is Sunday; robfig's weekdays stop at 6.
        Just(if unix {
            ("7".to_owned(), 1u8, false)
        } else {
            ("0".to_owned(), 1u8, false)
        }),
    ];
    (time_field(59), hour_field(), dom, dow).prop_map(
        move |((m, minutes), (h, hours), (dom_text, dom, dom_star), (dow_text, dow, dow_star))| {
            Cron {
                text: format!("{m} {h} {dom_text} * {dow_text}"),
                dialect,
                minutes,
                hours: u32::try_from(hours).unwrap(),
                dom,
                dow,
                both: dom_star || dow_star,
            }
        },
    )
}

/// An AWS `cron(...)`: `?` in one day field; weekdays 1 = Sunday, ranges that wrap.
fn aws_cron() -> impl Strategy<Value = Cron> {
    let names = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    let weekdays = (1u32..=7, 1u32..=7, any::<bool>()).prop_map(move |(a, b, named)| {
        let days: Vec<u32> = if a <= b {
            (a..=b).collect()
        } else {
            (a..=7).chain(1..=b).collect()
        };
        let set = u8::try_from(bits(days.iter().map(|d| d - 1))).unwrap();
        let text = if named {
            format!("{}-{}", names[a as usize - 1], names[b as usize - 1])
        } else if a <= b {
            format!("{a}-{b}")
        } else {
            // Numbers do not wrap in AWS's grammar; a list does.
            days.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",")
        };
        (text, set)
    });
    let days = prop_oneof![
        weekdays.prop_map(|(dow_text, dow)| ("?".to_owned(), ALL_DAYS, dow_text, dow)),
        (1u32..=28, 1u32..=28).prop_map(|(a, b)| {
            let (a, b) = (a.min(b), a.max(b));
            let dom = u32::try_from(bits(a..=b)).unwrap();
            (format!("{a}-{b}"), dom, "?".to_owned(), ALL_WEEKDAYS)
        }),
        Just(("*".to_owned(), ALL_DAYS, "?".to_owned(), ALL_WEEKDAYS)),
    ];
    (time_field(59), hour_field(), days).prop_map(
        |((m, minutes), (h, hours), (dom_text, dom, dow_text, dow))| Cron {
            text: format!("cron({m} {h} {dom_text} * {dow_text} *)"),
            dialect: Dialect::Aws,
            minutes,
            hours: u32::try_from(hours).unwrap(),
            dom,
            dow,
            both: true,
        },
    )
}

fn any_cron() -> impl Strategy<Value = Cron> {
    prop_oneof![
        five_field(Dialect::Robfig),
        five_field(Dialect::Unix),
        aws_cron(),
    ]
}

fn zone() -> impl Strategy<Value = &'static str> {
    prop::sample::select(ZONES.to_vec())
}

fn as_of() -> impl Strategy<Value = Date> {
    (0i64..365).prop_map(|d| {
        date(2026, 1, 1)
            .checked_add(jiff::Span::new().days(d))
            .unwrap()
    })
}

// ─────────────────────────── CG201: gaps ───────────────────────────

#[test]
fn largest_gap_agrees_with_a_minute_by_minute_year() {
    run(12, (any_cron(), zone(), as_of()), |(cron, zone, as_of)| {
        let (from, to) = year_from(as_of);
        let offsets = Offsets::of(zone, from);
        let mut clock = Clock::new(&offsets);
        let (mut previous, mut largest): (Option<i64>, Option<i64>) = (None, None);
        for m in minute_of(from)..minute_of(to) {
            if cron.fires(&clock.at(m)) {
                if let Some(p) = previous {
                    largest = largest.max(Some((m - p) * 60));
                }
                previous = Some(m);
            }
        }
        let engine = largest_gap(&cron.schedule(zone), as_of).map(|g| g.seconds);
        prop_assert_eq!(
            engine,
            largest,
            "`{}` in {} from {}",
            cron.text,
            zone,
            as_of
        );
        Ok(())
    });
}

// ─────────────────────────── hours ───────────────────────────

/// Hours of operation as text, and the wall-clock rule they stand for.
#[derive(Clone, Debug)]
struct OpenHours {
    text: String,
    /// Weekdays (Sunday = 0) the range starts on.
    days: u8,
    start: i64,
    /// Minutes from the start day's midnight; past 1440 runs into the next day.
    end: i64,
}

impl OpenHours {
    fn open(&self, w: &Wall) -> bool {
        let today = self.days & (1 << w.weekday) != 0;
        let yesterday = self.days & (1 << ((w.weekday + 6) % 7)) != 0;
        (today && self.start <= w.minute && w.minute < self.end)
            || (yesterday && self.end > 1440 && w.minute < self.end - 1440)
    }
}

fn open_hours(zone: &'static str) -> impl Strategy<Value = OpenHours> {
    let names = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    // Quarter hours, so 30- and 45-minute offsets and DST steps line up with edges.
    (0u32..=6, 0u32..=6, 0i64..96, 1i64..96).prop_map(move |(a, b, start, len)| {
        let days: Vec<u32> = if a <= b {
            (a..=b).collect()
        } else {
            (a..=6).chain(0..=b).collect()
        };
        let (start, end) = (start * 15, start * 15 + len * 15);
        let clock = |m: i64| format!("{:02}:{:02}", (m % 1440) / 60, m % 60);
        let end_text = if end == 1440 {
            "24:00".to_owned()
        } else {
            clock(end)
        };
        OpenHours {
            text: format!(
                "{}-{} {}-{} {zone}",
                names[a as usize],
                names[b as usize],
                clock(start),
                end_text
            ),
            days: u8::try_from(bits(days)).unwrap(),
            start,
            end,
        }
    })
}

/// A zone with hours read in it.
fn hours_in_a_zone() -> impl Strategy<Value = (&'static str, OpenHours)> {
    zone().prop_flat_map(|z| (Just(z), open_hours(z)))
}

// ───────────────────── CG301/CG303: first overlap ─────────────────────

#[test]
fn first_overlap_agrees_with_a_minute_by_minute_year() {
    // Weekly windows in UTC, a quarter-hour grid, wrapping the week when the end is before the start.
    let window = (0u32..672, 1u32..96).prop_map(|(start, len)| {
        let (s, e) = (start * 15, (start * 15 + len * 15) % 10_080);
        let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let text = |m: u32| {
            format!(
                "{}:{:02}:{:02}",
                names[(m / 1440) as usize],
                (m % 1440) / 60,
                m % 60
            )
        };
        (format!("{}-{}", text(s), text(e)), s, e)
    });
    run(
        12,
        (hours_in_a_zone(), window, as_of()),
        |((zone, hours), (window, s, e), as_of)| {
            let plan = plan(&format!(
                "version: 1\nservices:\n  svc:\n    hours: \"{}\"\n",
                hours.text
            ));
            let facts = ServiceFacts::default();
            let view = view_on(&plan, "svc", &facts, as_of);
            let parsed = Window::parse(&window).unwrap();
            let engine =
                super::cg301_maintenance_in_hours::first_in_hours(&view, &parsed).map(|(s, _)| s);

            let (from, to) = year_from(as_of);
            let offsets = Offsets::of(zone, from);
            let mut clock = Clock::new(&offsets);
            // Monday 1969-12-29 00:00 UTC starts the week the Unix epoch is in.
            let active = |m: i64| {
                let week_minute = u32::try_from((m + 3 * 1440).rem_euclid(10_080)).unwrap();
                if s < e {
                    (s..e).contains(&week_minute)
                } else {
                    week_minute >= s || week_minute < e
                }
            };
            let oracle = first_stretch(from, to, |m| {
                let open = hours.open(&clock.at(m));
                open && active(m)
            });
            prop_assert_eq!(
                engine,
                oracle,
                "{} against {} from {}",
                hours.text,
                window,
                as_of
            );
            Ok(())
        },
    );
}

// ───────────────────── CG302: first shortfall ─────────────────────

/// A weekly scheduled action: a Unix recurrence (autoscaling) and the floor it sets.
fn autoscaling_action() -> impl Strategy<Value = (Cron, u32)> {
    (five_field(Dialect::Unix), 0u32..4)
}

fn action_of(cron: &Cron, zone: &str, floor: u32) -> ScheduledAction {
    ScheduledAction {
        schedule: cron.text.clone(),
        dialect: cron.dialect,
        zone: zone.to_owned(),
        floor: i64::from(floor),
        loc: Loc::default(),
    }
}

fn capacity(schedule: CapacitySchedule) -> ScheduledCapacity {
    ScheduledCapacity {
        target: "Deployment/x/y".into(),
        display: "Deployment x/y".into(),
        schedule,
    }
}

/// How far back the oracle starts, so every action (monthly at the least)
/// has fired before CG302's lead.
const WARM_UP_MINUTES: i64 = (35 + 2) * 1440;

/// The first run of minutes from 48 h before the year where `short` holds
/// that ends after the year's start: the rules report a stretch in progress
/// at the start whole (from at most two days before).
fn first_stretch(
    from: Timestamp,
    to: Timestamp,
    short: impl FnMut(i64) -> bool,
) -> Option<(Timestamp, Timestamp)> {
    first_stretch_and_minutes(from, to, short).0
}

/// [`first_stretch`], and how many minutes of the year `short` holds.
fn first_stretch_and_minutes(
    from: Timestamp,
    to: Timestamp,
    mut short: impl FnMut(i64) -> bool,
) -> (Option<(Timestamp, Timestamp)>, u64) {
    let (year_start, end) = (minute_of(from), minute_of(to));
    let lead = year_start - 2 * 1440;
    let mut start: Option<i64> = None;
    let mut first = None;
    let mut minutes = 0;
    for m in (year_start - WARM_UP_MINUTES)..end {
        let on = short(m) && m >= lead;
        if on && m >= year_start {
            minutes += 1;
        }
        if first.is_some() {
            continue;
        }
        match (on, start) {
            (true, None) => start = Some(m),
            (false, Some(s)) if m > year_start => first = Some((at_minute(s), at_minute(m))),
            (false, Some(_)) => start = None,
            _ => {}
        }
    }
    let first = first.or_else(|| start.map(|s| (at_minute(s), at_minute(end))));
    (first, minutes)
}

#[test]
fn autoscaling_shortfall_agrees_with_a_minute_by_minute_year() {
    let case = (
        hours_in_a_zone(),
        prop::collection::vec(autoscaling_action(), 1..4),
        1u32..4,
        as_of(),
    );
    run(8, case, |((zone, hours), actions, min, as_of)| {
        let parsed = Hours::parse(&hours.text, "UTC").unwrap();
        let (from, to) = year_from(as_of);
        let sched = capacity(CapacitySchedule::Actions(
            actions
                .iter()
                .map(|(c, f)| action_of(c, zone, *f))
                .collect(),
        ));
        let engine =
            first_short(&sched, min, from, to, &parsed).map(|(_, _, s, minutes)| (s, minutes));

        let offsets = Offsets::of(zone, from);
        let mut clock = Clock::new(&offsets);
        let mut floor: Option<u32> = None;
        let (stretch, minutes) = first_stretch_and_minutes(from, to, |m| {
            let wall = clock.at(m);
            // Actions firing together: the lowest floor wins.
            if let Some(f) = actions
                .iter()
                .filter(|(c, _)| c.fires(&wall))
                .map(|(_, f)| *f)
                .min()
            {
                floor = Some(f);
            }
            floor.is_some_and(|f| f < min) && hours.open(&wall)
        });
        // The measure: every short minute of the year within the hours.
        let oracle = stretch.map(|s| (s, minutes));
        prop_assert_eq!(
            engine,
            oracle,
            "{:?} min {} hours {} from {}",
            actions,
            min,
            hours.text,
            as_of
        );
        Ok(())
    });
}

#[test]
fn keda_shortfall_agrees_with_a_minute_by_minute_year() {
    let trigger = (
        five_field(Dialect::Robfig),
        five_field(Dialect::Robfig),
        0u32..5,
    );
    let case = (
        hours_in_a_zone(),
        prop::collection::vec(trigger, 1..3),
        0u32..3,
        2u32..4,
        as_of(),
    );
    run(
        8,
        case,
        |((zone, hours), triggers, keda_min, min, as_of)| {
            let parsed = Hours::parse(&hours.text, "UTC").unwrap();
            let (from, to) = year_from(as_of);
            let sched = capacity(CapacitySchedule::Triggers {
                min: i64::from(keda_min),
                min_loc: Loc::default(),
                triggers: triggers
                    .iter()
                    .map(|(start, end, desired)| CronTrigger {
                        start: action_of(start, zone, *desired),
                        end: action_of(end, zone, keda_min),
                    })
                    .collect(),
            });
            let engine =
                first_short(&sched, min, from, to, &parsed).map(|(_, _, s, minutes)| (s, minutes));

            let offsets = Offsets::of(zone, from);
            let mut clock = Clock::new(&offsets);
            let mut active = vec![false; triggers.len()];
            let (stretch, minutes) = first_stretch_and_minutes(from, to, |m| {
                let wall = clock.at(m);
                for (i, (start, end, _)) in triggers.iter().enumerate() {
                    // Start and end at the same minute: KEDA calls it active.
                    if start.fires(&wall) {
                        active[i] = true;
                    } else if end.fires(&wall) {
                        active[i] = false;
                    }
                }
                let floor = triggers
                    .iter()
                    .zip(&active)
                    .filter(|(_, on)| **on)
                    .map(|((_, _, d), _)| *d)
                    .fold(keda_min, u32::max);
                floor < min && hours.open(&wall)
            });
            let oracle = stretch.map(|s| (s, minutes));
            prop_assert_eq!(
                engine,
                oracle,
                "{:?} keda min {} min {} hours {} from {}",
                triggers,
                keda_min,
                min,
                hours.text,
                as_of
            );
            Ok(())
        },
    );
}
