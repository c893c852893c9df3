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
use crate::facts::schedule::{Schedule, ScheduledFloor, floor_below};
use crate::facts::{CapacitySchedule, Loc, ScheduledAction, ScheduledCapacity};
use crate::plan::hours::{
    Hours, Interval, intersect_intervals, merge_intervals, subtract_intervals, year_from,
};
use crate::plan::model::Severity;
use jiff::Timestamp;

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
        let open = hours.value.intervals(from, to);
        let canonical = hours.value.canonical();
        for capacity in &svc.facts.scheduled {
            let Some((cause, loc, stretch)) =
                first_short(capacity, min, &open, from, to, &hours.value)
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
                measure: 1,
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

/// The first stretch within `open` where a capacity schedule keeps the floor
/// below `min`, with what caused it and where.
fn first_short(
    capacity: &ScheduledCapacity,
    min: u32,
    open: &[Interval],
    from: Timestamp,
    to: Timestamp,
    hours: &Hours,
) -> Option<(String, Loc, Interval)> {
    match &capacity.schedule {
        CapacitySchedule::Actions(actions) => {
            // Unreadable schedules are left out (their readers say so in a note).
            let parsed: Vec<(&ScheduledAction, ScheduledFloor)> = actions
                .iter()
                .filter_map(|a| {
                    let schedule = Schedule::parse(&a.schedule, &a.zone).ok()?;
                    let floor = u32::try_from(a.floor.max(0)).unwrap_or(u32::MAX);
                    Some((a, ScheduledFloor { schedule, floor }))
                })
                .collect();
            let floors: Vec<ScheduledFloor> = parsed.iter().map(|(_, f)| f.clone()).collect();
            let below = merge_intervals(floor_below(&floors, min, from, to));
            let stretch = *intersect_intervals(&below, open).first()?;
            // The action in force at the stretch's start: the latest one fired at or before it.
            let (action, floor, fired) = parsed
                .iter()
                .filter(|(_, f)| f.floor < min)
                .filter_map(|(a, f)| {
                    Some((*a, f.floor, last_fire_at_or_before(&f.schedule, stretch.0)?))
                })
                .max_by_key(|(_, floor, t)| (*t, std::cmp::Reverse(*floor)))?;
            let fired = hours.zone().to_datetime(fired);
            Some((
                format!(
                    "scale-down of {} to {floor} by `{}` ({}), fired {} {},",
                    capacity.display,
                    action.schedule,
                    if action.zone.is_empty() {
                        "UTC"
                    } else {
                        &action.zone
                    },
                    fired.strftime("%a %Y-%m-%d %H:%M"),
                    hours.zone_name()
                ),
                action.loc.clone(),
                stretch,
            ))
        }
        CapacitySchedule::Uptime {
            hours: uptime,
            floor_outside,
            loc,
        } => {
            let floor = u32::try_from((*floor_outside).max(0)).unwrap_or(u32::MAX);
            if floor >= min {
                return None;
            }
            let uptime_hours = Hours::parse(uptime, "UTC").ok()?;
            let downtime = subtract_intervals(&[(from, to)], &uptime_hours.intervals(from, to));
            let stretch = *intersect_intervals(&downtime, open).first()?;
            Some((
                format!(
                    "kube-downscaler uptime `{uptime}` of {} scales it to {floor} outside uptime; that",
                    capacity.display
                ),
                loc.clone(),
                stretch,
            ))
        }
    }
}

/// The last fire time at or before `at`: a week back first, then a year.
fn last_fire_at_or_before(schedule: &Schedule, at: Timestamp) -> Option<Timestamp> {
    let end = at.checked_add(jiff::SignedDuration::from_secs(1)).ok()?;
    for days in [8, 367] {
        let start = at
            .checked_sub(jiff::SignedDuration::from_hours(24 * days))
            .ok()?;
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
    use crate::facts::ServiceFacts;
    use crate::rules::testutil::{check_view, date, head_loc, plan, view_on};

    const PLAN: &str = "version: 1\ntimezone: Europe/London\nservices:\n  payments:\n    min_replicas: 3\n    hours: \"Mon-Fri 09:00-16:00\"\n    match: [{ paths: [\"terraform/**\"] }]\n  batch:\n    min_replicas: 2\n    match: [{ paths: [\"batch/**\"] }]\n";

    fn action(schedule: &str, zone: &str, floor: i64, at: usize) -> ScheduledAction {
        ScheduledAction {
            schedule: schedule.into(),
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
