//! `--strict` (DESIGN §4): the plan a head is judged with so that a change
//! cannot waive itself — per service the stricter of the base and head
//! entries and the union of their `match`, and the base plan's `ignore`,
//! `rules`, `waivers` and assumptions. Values taken from the base keep their
//! spans in the base plan's text.

use super::model::{Plan, Service, Sp};

/// The smaller of two optional durations, a present one winning over none.
fn shorter(base: &Option<Sp<i64>>, head: &mut Option<Sp<i64>>) {
    if let Some(b) = base
        && head.as_ref().is_none_or(|h| b.value < h.value)
    {
        *head = Some(b.clone());
    }
}

fn stricter_service(b: &Service, h: &mut Service, as_of: jiff::civil::Date) {
    let (bt, ht) = (&b.targets, &mut h.targets);
    shorter(&bt.rto, &mut ht.rto);
    shorter(&bt.rpo, &mut ht.rpo);
    shorter(&bt.test_every, &mut ht.test_every);
    if bt.min_replicas() > ht.min_replicas() {
        ht.min_replicas = Some(bt.min_replicas.clone().unwrap_or(Sp {
            value: bt.min_replicas(),
            span: b.span,
        }));
    }
    if bt.multi_az.as_ref().is_some_and(|m| m.value)
        && !ht.multi_az.as_ref().is_some_and(|m| m.value)
    {
        ht.multi_az = bt.multi_az.clone();
    }
    if let Some(bh) = &bt.hours {
        let (from, to) = super::hours::year_from(as_of);
        let covered = ht
            .hours
            .as_ref()
            .is_some_and(|hh| hh.value.first_uncovered(&bh.value, from, to).is_none());
        if !covered {
            ht.hours = Some(bh.clone());
        }
    }
    for m in &b.matchers {
        if !h.matchers.contains(m) {
            h.matchers.push(m.clone());
        }
    }
    for d in b.depends_on.iter().filter(|d| !d.soft) {
        match h
            .depends_on
            .iter_mut()
            .find(|x| x.service.value == d.service.value)
        {
            Some(x) => x.soft = false,
            None => h.depends_on.push(d.clone()),
        }
    }
}

/// The plan `--strict` judges the head with (see the module's doc).
pub fn stricter(base: &Plan, head: &Plan, as_of: jiff::civil::Date) -> Plan {
    let mut plan = head.clone();
    plan.ignore = base.ignore.clone();
    plan.ignore_set = base.ignore_set.clone();
    plan.rules = base.rules.clone();
    plan.waivers = base.waivers.clone();
    plan.restore_throughput = base.restore_throughput.clone();
    plan.provisioning = base.provisioning.clone();
    for (name, b) in &base.services {
        match plan.services.get_mut(name) {
            Some(h) => stricter_service(b, h, as_of),
            None => {
                plan.services.insert(name.clone(), b.clone());
            }
        }
    }
    plan
}
