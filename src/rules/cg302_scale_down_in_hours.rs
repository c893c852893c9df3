//! # CG302 scale-down-in-hours
//!
//! ## What it checks
//! Schedules that change a capacity floor: `aws_autoscaling_schedule` and
//! `AWS::AutoScaling::ScheduledAction` (the floor at any moment is the one set
//! by the latest action that fired before it, each read in its own zone), KEDA
//! `ScaledObject` cron triggers, and kube-downscaler annotations
//! (`downscaler/uptime`: outside the uptime the workload runs
//! `downscaler/downtime-replicas`, 0 by default). It reports the first stretch
//! of the year from the day of the check where the floor is below the
//! service's `min_replicas` during its hours of operation. A service without
//! hours is not checked; a `24x7` service is open at every moment.
//!
//! ## Why it matters for continuity
//! A scale-down meant for the night that fires an hour early, or a scale-up
//! that fires an hour late, leaves the service without its redundancy while
//! customers use it: one failure then stops it.
//!
//! ## Example
//! ```diff
//!  resource "aws_autoscaling_schedule" "evening" {
//! -  recurrence = "0 18 * * 1-5"
//! +  recurrence = "0 15 * * 1-5"
//!    min_size   = 1
//!  }
//! ```
//! with `hours: "Mon-Fri 09:00-16:00"` and `min_replicas: 3`: 15:00–16:00 runs
//! below the minimum every weekday.
//!
//! ## How to fix
//! Move the scale-down after the end of the hours (and the scale-up before
//! their start), in the schedule's own zone, or keep the floor at
//! `min_replicas` during the hours.

use super::{Rule, ServiceView, Violation};
use crate::facts::schedule::{Schedule, ScheduledFloor, active_stretches, floor_below};
use crate::facts::{CapacitySchedule, Loc, ScheduledAction, ScheduledCapacity};
use crate::plan::hours::{
    Hours, Interval, intersect_intervals, merge_intervals, minutes_of, subtract_intervals,
    year_from,
};
use crate::plan::model::Severity;
use jiff::{SignedDuration, Timestamp};

/// CG302.
pub struct ScaleDownInHours;

impl Rule for ScaleDownInHours {
    fn code(&self) -> &'static str {
        "CG302"
    }
    fn name(&self) -> &'static str {
        "scale-down-in-hours"
    }
    fn severity(&self) -> Severity {
        Severity::Error
    }
    fn source(&self) -> &'static str {
        include_str!("cg302_scale_down_in_hours.rs")
    }
    fn summary(&self) -> &'static str {
        "a schedule takes capacity below min_replicas during hours of operation"
    }

    fn check(&self, svc: &ServiceView, out: &mut Vec<Violation>) {
        let targets = &svc.service.targets;
        let Some(hours) = &targets.hours else {
            return;
        };
        let min = targets.min_replicas();
        let (from, to) = year_from(svc.as_of);
        let canonical = hours.value.canonical();
        for capacity in &svc.facts.scheduled {
            let Some((cause, loc, stretch, minutes)) =
                first_short(capacity, min, from, to, &hours.value)
            else {
                continue;
            };
            let noun = if min == 1 { "replica" } else { "replicas" };
            let mut secondary = vec![(
                svc.plan_loc(hours.span),
                format!("hours of operation {canonical}"),
            )];
            if let Some(m) = &targets.min_replicas {
                secondary.push((svc.plan_loc(m.span), format!("min_replicas {min} set here")));
            }
            out.push(Violation {
                rule: self.code(),
                measure: minutes,
                service: Some(svc.service.name.clone()),
                subject: format!("{} schedule", capacity.target),
                message: format!(
                    "{cause} leaves {} below {min} {noun} within hours {canonical}",
                    hours.value.describe_local(stretch)
                ),
                help: Some(format!(
                    "scale down only after the hours end and back up before they start (in the schedule's zone), or keep at least {min} during {canonical}"
                )),
                primary: loc,
                secondary,
            });
        }
    }
}

/// How far before the year's start stretches are computed, so that one in
/// progress at the start is reported whole, not clipped at it.
const LEAD: SignedDuration = SignedDuration::from_hours(48);

/// The stretches of [from, to) where a capacity schedule keeps the floor
/// below `min`, merged and sorted; `None` when one of its schedules cannot be
/// read (CG003 reports it) and so the floor is unknown.
pub(crate) fn shortfall(
    capacity: &ScheduledCapacity,
    min: u32,
    from: Timestamp,
    to: Timestamp,
) -> Option<Vec<Interval>> {
    match &capacity.schedule {
        CapacitySchedule::Actions(actions) => {
            let floors = actions
                .iter()
                .map(scheduled_floor)
                .collect::<Option<Vec<_>>>()?;
            Some(merge_intervals(floor_below(&floors, min, from, to)))
        }
        CapacitySchedule::Triggers {
            min: keda_min,
            triggers,
            ..
        } => {
            let parsed = triggers
                .iter()
                .map(|t| Some((scheduled_floor(&t.start)?, scheduled_floor(&t.end)?)))
                .collect::<Option<Vec<_>>>()?;
            if replicas(*keda_min) >= min {
                return Some(Vec::new());
            }
            // Below wherever no trigger that holds `min` or more is active.
            let holding: Vec<Interval> = parsed
                .iter()
                .filter(|(start, _)| start.floor >= min)
                .flat_map(|(start, end)| active_stretches(&start.schedule, &end.schedule, from, to))
                .collect();
            Some(subtract_intervals(&[(from, to)], &merge_intervals(holding)))
        }
        CapacitySchedule::Uptime {
            hours: uptime,
            floor_outside,
            ..
        } => {
            let uptime_hours = Hours::parse(uptime, "UTC").ok()?;
            if replicas(*floor_outside) >= min {
                return Some(Vec::new());
            }
            Some(subtract_intervals(
                &[(from, to)],
                &uptime_hours.intervals(from, to),
            ))
        }
    }
}

/// A replica count as a floor (negative counts are 0).
fn replicas(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// A scheduled action read in its runner's dialect; `None` when it cannot be.
fn scheduled_floor(a: &ScheduledAction) -> Option<ScheduledFloor> {
    let schedule = Schedule::parse(&a.schedule, &a.zone, a.dialect).ok()?;
    Some(ScheduledFloor {
        schedule,
        floor: replicas(a.floor),
    })
}

/// The first stretch of the year [from, to) within the hours where a
/// capacity schedule keeps the floor below `min` (whole, even when it began
/// before `from`), with what caused it, where, and the minutes of the year
/// within the hours that are short (the measure).
pub(super) fn first_short(
    capacity: &ScheduledCapacity,
    min: u32,
    from: Timestamp,
    to: Timestamp,
    hours: &Hours,
) -> Option<(String, Loc, Interval, u64)> {
    let lead = from.checked_sub(LEAD).ok()?;
    let below = shortfall(capacity, min, lead, to)?;
    let short = intersect_intervals(&below, &hours.intervals(lead, to));
    let stretch = short.iter().copied().find(|s| s.1 > from)?;
    let minutes = minutes_of(&intersect_intervals(&short, &[(from, to)])).max(1);
    let (cause, loc) = cause(capacity, min, stretch.0, hours)?;
    Some((cause, loc, stretch, minutes))
}

/// What holds the floor below `min` at `at`, and where it is written.
fn cause(
    capacity: &ScheduledCapacity,
    min: u32,
    at: Timestamp,
    hours: &Hours,
) -> Option<(String, Loc)> {
    let local = |t: Timestamp| {
        format!(
            "{} {}",
            hours.zone().to_datetime(t).strftime("%a %Y-%m-%d %H:%M"),
            hours.zone_name()
        )
    };
    match &capacity.schedule {
        CapacitySchedule::Actions(actions) => {
            // The action in force at `at`: the latest one fired at or before it.
            let (action, floor, fired) = actions
                .iter()
                .filter_map(|a| Some((a, scheduled_floor(a)?)))
                .filter(|(_, f)| f.floor < min)
                .filter_map(|(a, f)| Some((a, f.floor, last_fire_at_or_before(&f.schedule, at)?)))
                .max_by_key(|(_, floor, t)| (*t, std::cmp::Reverse(*floor)))?;
            Some((
                format!(
                    "scale-down of {} to {floor} by `{}` ({}), fired {},",
                    capacity.display,
                    action.schedule,
                    if action.zone.is_empty() {
                        "UTC"
                    } else {
                        &action.zone
                    },
                    local(fired),
                ),
                action.loc.clone(),
            ))
        }
        CapacitySchedule::Triggers {
            min: keda_min,
            min_loc,
            triggers,
        } => {
            // Point at the end of the holding trigger that ended last, else at minReplicaCount.
            let ended = triggers
                .iter()
                .filter(|t| replicas(t.start.floor) >= min)
                .filter_map(|t| {
                    let end = scheduled_floor(&t.end)?;
                    Some((t, last_fire_at_or_before(&end.schedule, at)?))
                })
                .max_by_key(|(_, fired)| *fired);
            let text = match ended {
                Some((t, fired)) => format!(
                    "KEDA cron trigger `{}`–`{}` ({}) of {} ended {}, and minReplicaCount {keda_min}",
                    t.start.schedule,
                    t.end.schedule,
                    t.start.zone,
                    capacity.display,
                    local(fired)
                ),
                None => format!(
                    "KEDA minReplicaCount {keda_min} of {}, with no cron trigger of {min} or more active,",
                    capacity.display
                ),
            };
            let loc = ended.map_or_else(|| min_loc.clone(), |(t, _)| t.end.loc.clone());
            Some((text, loc))
        }
        CapacitySchedule::Uptime {
            hours: uptime,
            floor_outside,
            loc,
        } => Some((
            format!(
                "kube-downscaler uptime `{uptime}` of {} scales it to {floor_outside} outside uptime; that",
                capacity.display
            ),
            loc.clone(),
        )),
    }
}

/// The last fire time at or before `at`: a week back first, then a year.
fn last_fire_at_or_before(schedule: &Schedule, at: Timestamp) -> Option<Timestamp> {
    let end = at.checked_add(SignedDuration::from_secs(1)).ok()?;
    for days in [8, 367] {
        let start = at.checked_sub(SignedDuration::from_hours(24 * days)).ok()?;
        let mut last = None;
        schedule.for_each_fire_time(start, end, |t| last = Some(t));
        if last.is_some() {
            return last;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{CronTrigger, ServiceFacts};
    use crate::rules::testutil::{check_view, date, head_loc, plan, view_on};

    const PLAN: &str = "version: 1\ntimezone: Europe/London\nservices:\n  payments:\n    min_replicas: 3\n    hours: \"Mon-Fri 09:00-16:00\"\n    match: [{ paths: [\"terraform/**\"] }]\n  batch:\n    min_replicas: 2\n    match: [{ paths: [\"batch/**\"] }]\n";

    fn action(schedule: &str, zone: &str, floor: i64, at: usize) -> ScheduledAction {
        ScheduledAction {
            schedule: schedule.into(),
            dialect: crate::facts::schedule::Dialect::Unix,
            zone: zone.into(),
            floor,
            loc: head_loc("terraform/asg.tf", at),
        }
    }

    fn run(service: &str, schedule: CapacitySchedule) -> Vec<Violation> {
        let plan = plan(PLAN);
        let facts = ServiceFacts {
            scheduled: vec![ScheduledCapacity {
                target: "aws_autoscaling_group.payments".into(),
                display: "aws_autoscaling_group payments".into(),
                schedule,
            }],
            ..ServiceFacts::default()
        };
        check_view(
            &ScaleDownInHours,
            &view_on(&plan, service, &facts, date("2026-11-23")),
        )
    }

    #[test]
    fn early_scale_down_is_reported() {
        let v = run(
            "payments",
            CapacitySchedule::Actions(vec![
                action("0 8 * * 1-5", "Europe/London", 3, 10),
                action("0 15 * * 1-5", "Europe/London", 1, 20),
            ]),
        );
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].message,
            "scale-down of aws_autoscaling_group payments to 1 by `0 15 * * 1-5` (Europe/London), fired Mon 2026-11-23 15:00 Europe/London, leaves Mon 2026-11-23 15:00–16:00 Europe/London below 3 replicas within hours Mon-Fri 09:00-16:00 Europe/London"
        );
        assert_eq!(v[0].primary.span.start, 20);
        assert_eq!(v[0].subject, "aws_autoscaling_group.payments schedule");
    }

    #[test]
    fn a_shortfall_in_progress_at_the_start_of_the_year_is_reported_whole() {
        // Midnight UTC on 2026-11-23 is 19:00 in New York on the 22nd, inside
        // the daily 14:00–20:00 shortfall: it was clipped to 19:00–20:00.
        let plan = plan(
            "version: 1\nservices:\n  shop:\n    min_replicas: 2\n    hours: \"Mon-Sun 08:00-22:00 America/New_York\"\n",
        );
        let facts = ServiceFacts {
            scheduled: vec![ScheduledCapacity {
                target: "aws_autoscaling_group.shop".into(),
                display: "aws_autoscaling_group shop".into(),
                schedule: CapacitySchedule::Actions(vec![
                    action("0 14 * * *", "America/New_York", 1, 10),
                    action("0 20 * * *", "America/New_York", 2, 20),
                ]),
            }],
            ..ServiceFacts::default()
        };
        let v = check_view(
            &ScaleDownInHours,
            &view_on(&plan, "shop", &facts, date("2026-11-23")),
        );
        assert_eq!(v.len(), 1);
        assert!(
            v[0].message
                .contains("leaves Sun 2026-11-22 14:00–20:00 America/New_York below 2"),
            "{}",
            v[0].message
        );
    }

    #[test]
    fn keda_never_goes_below_min_replica_count_and_takes_the_largest_trigger() {
        let trigger = |start: &str, end: &str, desired: i64| CronTrigger {
            start: action(start, "Europe/London", desired, 30),
            end: action(end, "Europe/London", 0, 40),
        };
        let keda = |min: i64, triggers| CapacitySchedule::Triggers {
            min,
            min_loc: head_loc("deploy/keda.yaml", 5),
            triggers,
        };
        // minReplicaCount 3 with a trigger of 1 from 12:00 to 13:00: never below 3.
        assert!(
            run(
                "payments",
                keda(3, vec![trigger("0 12 * * *", "0 13 * * *", 1)])
            )
            .is_empty()
        );
        // Overlapping triggers: 3 all day, 1 over lunch; the floor stays 3.
        let overlapping = vec![
            trigger("0 7 * * *", "0 18 * * *", 3),
            trigger("0 12 * * *", "0 13 * * *", 1),
        ];
        assert!(run("payments", keda(0, overlapping)).is_empty());
        // The first trigger ends at 15:00: 15:00–16:00 is short.
        let v = run(
            "payments",
            keda(1, vec![trigger("0 7 * * *", "0 15 * * *", 3)]),
        );
        assert_eq!(v.len(), 1);
        assert!(v[0].message.contains("15:00–16:00"), "{}", v[0].message);
        assert_eq!(v[0].primary.span.start, 40);
    }

    #[test]
    fn late_scale_up_names_the_evening_action() {
        // Down at 20:00, up at 10:00: 09:00–10:00 is short; the 20:00 action of the day before set it.
        let v = run(
            "payments",
            CapacitySchedule::Actions(vec![
                action("0 10 * * *", "Europe/London", 3, 10),
                action("0 20 * * *", "Europe/London", 0, 20),
            ]),
        );
        assert_eq!(v.len(), 1);
        assert!(
            v[0].message.contains("fired Mon 2026-11-23 20:00")
                || v[0].message.contains("fired Sun 2026-11-22 20:00"),
            "{}",
            v[0].message
        );
        assert!(v[0].message.contains("09:00–10:00"), "{}", v[0].message);
    }

    #[test]
    fn utc_schedule_short_only_in_summer() {
        // Up 07:00 UTC, down 16:00 UTC: 07:00-16:00 GMT and 08:00-17:00 BST both cover 09:00-16:00.
        assert!(
            run(
                "payments",
                CapacitySchedule::Actions(vec![
                    action("0 7 * * 1-5", "UTC", 3, 10),
                    action("0 16 * * 1-5", "UTC", 1, 20),
                ]),
            )
            .is_empty()
        );
        // Up 08:30 UTC: 08:30 GMT is fine in winter, but 09:30 BST is late in summer.
        let v = run(
            "payments",
            CapacitySchedule::Actions(vec![
                action("30 8 * * 1-5", "UTC", 3, 10),
                action("0 16 * * 1-5", "UTC", 1, 20),
            ]),
        );
        assert_eq!(v.len(), 1);
        assert!(
            v[0].message
                .contains("Mon 2027-03-29 09:00–09:30 Europe/London"),
            "{}",
            v[0].message
        );
    }

    #[test]
    fn scale_down_after_hours_is_fine() {
        assert!(
            run(
                "payments",
                CapacitySchedule::Actions(vec![
                    action("0 8 * * 1-5", "Europe/London", 3, 10),
                    action("0 16 * * 1-5", "Europe/London", 1, 20),
                ]),
            )
            .is_empty()
        );
    }

    #[test]
    fn no_hours_no_finding() {
        assert!(
            run(
                "batch",
                CapacitySchedule::Actions(vec![action("0 15 * * *", "UTC", 0, 20)]),
            )
            .is_empty()
        );
    }

    #[test]
    fn downscaler_uptime() {
        let short = run(
            "payments",
            CapacitySchedule::Uptime {
                hours: "Mon-Fri 10:00-18:00 Europe/London".into(),
                floor_outside: 0,
                loc: head_loc("deploy/api.yaml", 5),
            },
        );
        assert_eq!(short.len(), 1);
        assert!(
            short[0]
                .message
                .contains("leaves Mon 2026-11-23 09:00–10:00 Europe/London below 3"),
            "{}",
            short[0].message
        );
        let covered = run(
            "payments",
            CapacitySchedule::Uptime {
                hours: "Mon-Fri 07:30-20:30 Europe/Berlin".into(),
                floor_outside: 0,
                loc: head_loc("deploy/api.yaml", 5),
            },
        );
        assert!(covered.is_empty());
        let enough = run(
            "payments",
            CapacitySchedule::Uptime {
                hours: "Mon-Fri 12:00-13:00".into(),
                floor_outside: 3,
                loc: head_loc("deploy/api.yaml", 5),
            },
        );
        assert!(enough.is_empty());
    }
}
