//! One change of the range: a first-parent commit checked against its
//! parent as `check` would, with its services, risk, approvals and
//! recovery plans.

use super::commits::shallow_hint;
use super::*;
use crate::Outcome;
use crate::source::ChangeSet;

/// A commit checked against its first parent, with both plans.
struct Checked<'r> {
    head_tree: source::git::CommitTree<'r>,
    diff: ChangeSet,
    outcome: Outcome,
    head_plan: Arc<Plan>,
    base_plan: Option<Arc<Plan>>,
}

/// One commit as a change, or why it cannot be assessed (`Ok(Err(reason))`);
/// `Err` only for what stops the whole report (a repository error). Its
/// title and pull request are the caller's.
pub(crate) fn assess(
    repo: &git2::Repository,
    commit: &git2::Commit<'_>,
    opts: &ReportOptions,
    cache: &mut ParseCache,
    latest: &mut Latest,
) -> Result<Result<Change, String>, ReportError> {
    let checked = match check(repo, commit, opts, cache)? {
        Ok(c) => c,
        Err(reason) => return Ok(Err(reason)),
    };
    let services = change_services(&checked, latest, opts.as_of);
    let waivers = waiver_uses(&checked.outcome.findings, &checked.head_plan, opts.as_of);
    let impact = services
        .iter()
        .map(|s| s.info.impact)
        .max()
        .unwrap_or(Level::Low);
    let likelihood = likelihood_of(&checked.outcome.findings);
    let risk = Risk::rate(impact, likelihood);
    let recovery_plans = recovery_plans(&checked, &services, opts.as_of);
    let mut approvals = approvals(&services, risk, &waivers);
    let outcome = checked.outcome;
    relaxation_approvals(
        &mut approvals,
        &outcome.findings,
        checked.base_plan.as_deref(),
    );
    Ok(Ok(Change {
        commit: commit.id().to_string(),
        title: String::new(),
        pull_request: None,
        author: String::from_utf8_lossy(commit.author().name_bytes()).into_owned(),
        date: Timestamp::from_second(commit.time().seconds()).unwrap_or(Timestamp::UNIX_EPOCH),
        merge: commit.parent_count() > 1,
        files_changed: checked.diff.changes.len(),
        services,
        findings: outcome.findings,
        impact,
        likelihood,
        risk,
        waivers,
        approvals,
        recovery_plans,
        notes: outcome.notes,
    }))
}

/// The check of a commit against its first parent, as `check --strict`
/// runs it (DESIGN §4): a commit that grants itself a waiver, ignores or
/// lowers a severity is judged without them, and CG407 lists the
/// relaxation under approvals.
fn check<'r>(
    repo: &'r git2::Repository,
    commit: &git2::Commit<'r>,
    opts: &ReportOptions,
    cache: &mut ParseCache,
) -> Result<Result<Checked<'r>, String>, ReportError> {
    if commit.parent_count() == 0 {
        return Ok(Err(
            "a root commit: there is no parent to compare it with".into()
        ));
    }
    let parent = commit
        .parent(0)
        .map_err(|e| ReportError::Source(shallow_hint(repo, e)))?;
    let base_tree = source::git::CommitTree::new(repo, &parent)?;
    let head_tree = source::git::CommitTree::new(repo, commit)?;
    // Before the plan existed there is nothing to check against; a commit
    // that deletes the plan is an error, as in `check`.
    let explicit = opts.plan.as_deref();
    let no_plan =
        |t: &dyn Tree, cache: &mut ParseCache| matches!(cache.plan(t, explicit), Ok(None));
    if no_plan(&head_tree, cache) && no_plan(&base_tree, cache) {
        return Ok(Err("no continuity plan at this commit or its parent (pass --plan FILE outside the repository to replay history against one plan)".into()));
    }
    let diff = source::git::diff_commits(repo, &parent, commit)?;
    let check_opts = CheckOptions {
        sides: Sides::Git {
            base: None,
            head: None,
        },
        repo_dir: opts.repo_dir.clone(),
        plan: opts.plan.clone(),
        as_of: opts.as_of,
        all: false,
        fail_on: Some(Severity::Error),
        strict: true,
    };
    let when = Some(parent.time().seconds());
    let outcome = match crate::check_trees(&base_tree, &head_tree, &diff, &check_opts, when, cache)
    {
        Ok(o) => o,
        Err(e) => return Ok(Err(e.to_string())),
    };
    // Both plans are cached by blob id now; check_trees has validated them.
    let plans = cache
        .plan(&head_tree, explicit)
        .and_then(|h| Ok((h, cache.plan(&base_tree, explicit)?)));
    let (head_plan, base_plan) = match plans {
        Ok((Some(h), b)) => (h, b),
        Ok((None, _)) => return Ok(Err("no continuity plan at this commit".into())),
        Err(e) => return Ok(Err(CheckError::Plan(e).to_string())),
    };
    Ok(Ok(Checked {
        head_tree,
        diff,
        outcome,
        head_plan,
        base_plan,
    }))
}

/// The services a change touches, with what it does to their targets; the
/// latest plan entry of each is remembered for the range.
fn change_services(checked: &Checked, latest: &mut Latest, as_of: Date) -> Vec<ChangeService> {
    let (base_plan, head_plan) = (checked.base_plan.as_ref(), &checked.head_plan);
    let mut services = Vec::new();
    for state in checked.outcome.services.iter().filter(|s| s.affected) {
        let b = base_plan.and_then(|p| p.services.get(&state.name));
        let h = head_plan.services.get(&state.name);
        let plan_of_entry = match (h, base_plan) {
            (None, Some(b)) => b.clone(),
            _ => head_plan.clone(),
        };
        latest.insert(state.name.clone(), (state.service.clone(), plan_of_entry));
        services.push(ChangeService {
            info: ServiceInfo::of(&state.service, as_of),
            removed: h.is_none(),
            target_changes: target_changes(
                b,
                h,
                (base_plan.map(|p| p.as_ref()), Some(head_plan.as_ref())),
                state,
            ),
        });
    }
    services.sort_by(|a, b| a.info.name.cmp(&b.info.name));
    services
}

/// The waivers of the head plan that waive a finding of the change.
fn waiver_uses(findings: &[Finding], head_plan: &Plan, as_of: Date) -> Vec<WaiverUse> {
    let mut waivers: Vec<WaiverUse> = findings
        .iter()
        .filter(|f| f.waived)
        .filter_map(|f| {
            let service = f.service.as_deref()?;
            let w = head_plan
                .waivers
                .iter()
                .find(|w| !w.expired(as_of) && w.covers(f.rule, service, &f.subject))?;
            Some(WaiverUse {
                rule: w.rule.clone(),
                service: w.service.clone(),
                resource: w.resource.clone(),
                subject: f.subject.clone(),
                reason: w.reason.clone(),
                approved_by: w.approved_by.clone(),
                expires: w.expires.value,
            })
        })
        .collect();
    waivers.sort();
    waivers.dedup();
    waivers
}

/// The recovery plans to review: each touched service's, and any the change
/// edits.
fn recovery_plans(checked: &Checked, services: &[ChangeService], as_of: Date) -> Vec<RecoveryPlan> {
    let changed: BTreeSet<&str> = (checked.diff.changes.iter())
        .flat_map(|c| [c.old_path.as_deref(), c.new_path.as_deref()])
        .flatten()
        .collect();
    let exists = |p: &str| checked.head_tree.kind(p).is_some();
    let mut plans: Vec<RecoveryPlan> = services
        .iter()
        .map(|s| {
            let path = s.info.recovery_plan.as_deref();
            RecoveryPlan {
                service: s.info.name.clone(),
                path: s.info.recovery_plan.clone(),
                exists: path.is_some_and(exists),
                updated: path.is_some_and(|p| changed.contains(p)),
                last_tested: s.info.last_tested,
                test_overdue: s.info.test_overdue,
            }
        })
        .collect();
    for s in checked.head_plan.services.values() {
        if let Some(p) = &s.recovery_plan
            && changed.contains(p.value.as_str())
            && !plans.iter().any(|r| r.service == s.name)
        {
            let info = ServiceInfo::of(s, as_of);
            plans.push(RecoveryPlan {
                service: s.name.clone(),
                path: Some(p.value.clone()),
                exists: exists(&p.value),
                updated: true,
                last_tested: info.last_tested,
                test_overdue: info.test_overdue,
            });
        }
    }
    plans
}

/// What a change does to a service's plan entry and replica floor.
pub(crate) fn target_changes(
    base: Option<&Service>,
    head: Option<&Service>,
    plans: (Option<&Plan>, Option<&Plan>),
    state: &crate::engine::ServiceState,
) -> Vec<String> {
    let mut out = Vec::new();
    match (base, head) {
        (None, Some(_)) => out.push("added to the plan".to_string()),
        (Some(_), None) => out.push("removed from the plan".to_string()),
        (Some(b), Some(h)) => {
            setting_changes(b, h, &mut out);
            list_changes(b, h, &mut out);
        }
        (None, None) => {}
    }
    waiver_changes(&state.name, plans, &mut out);
    floor_change(state, &mut out);
    out
}

/// The changed settings of a service in both plans (tier, targets, tests), as `what a → b`.
fn setting_changes(b: &Service, h: &Service, out: &mut Vec<String>) {
    let opt = |v: Option<String>| v.unwrap_or_else(|| "none".into());
    let mut diff = |what: &str, a: Option<String>, c: Option<String>| {
        if a != c {
            out.push(format!("{what} {} → {}", opt(a), opt(c)));
        }
    };
    diff(
        "tier",
        b.tier.as_ref().map(|t| t.value.clone()),
        h.tier.as_ref().map(|t| t.value.clone()),
    );
    let (bt, ht) = (&b.targets, &h.targets);
    let dur = |x: &Option<crate::plan::model::Sp<i64>>| {
        x.as_ref().map(|v| super::window::duration_text(v.value))
    };
    diff("RTO", dur(&bt.rto), dur(&ht.rto));
    diff("RPO", dur(&bt.rpo), dur(&ht.rpo));
    diff(
        "hours",
        bt.hours.as_ref().map(|x| x.value.canonical()),
        ht.hours.as_ref().map(|x| x.value.canonical()),
    );
    diff(
        "strategy",
        bt.strategy.as_ref().map(|x| x.value.as_str().to_string()),
        ht.strategy.as_ref().map(|x| x.value.as_str().to_string()),
    );
    diff(
        "min_replicas",
        Some(bt.min_replicas().to_string()),
        Some(ht.min_replicas().to_string()),
    );
    diff(
        "multi_az",
        bt.multi_az.as_ref().map(|x| x.value.to_string()),
        ht.multi_az.as_ref().map(|x| x.value.to_string()),
    );
    diff("test_every", dur(&bt.test_every), dur(&ht.test_every));
    diff(
        "last_tested",
        b.last_tested.as_ref().map(|d| d.value.to_string()),
        h.last_tested.as_ref().map(|d| d.value.to_string()),
    );
    diff(
        "recovery_plan",
        b.recovery_plan.as_ref().map(|d| d.value.clone()),
        h.recovery_plan.as_ref().map(|d| d.value.clone()),
    );
}

/// The changed owners, dependencies and match rules of a service in both plans.
fn list_changes(b: &Service, h: &Service, out: &mut Vec<String>) {
    if b.owners != h.owners {
        out.push(format!(
            "owners {} → {}",
            b.owners.join(", "),
            h.owners.join(", ")
        ));
    }
    if b.depends_on != h.depends_on {
        out.push("dependencies changed".into());
    }
    if b.matchers != h.matchers {
        out.push("match rules changed".into());
    }
}

/// The waivers for service `name` added to or removed from the plan.
fn waiver_changes(name: &str, plans: (Option<&Plan>, Option<&Plan>), out: &mut Vec<String>) {
    let describe = |w: &crate::plan::model::Waiver| {
        format!(
            "{} for {}{} ({}, expires {})",
            w.rule,
            w.service,
            w.resource
                .as_ref()
                .map(|r| format!(" {r}"))
                .unwrap_or_default(),
            w.reason,
            w.expires.value
        )
    };
    let ws = |p: Option<&Plan>| -> Vec<crate::plan::model::Waiver> {
        p.map(|p| {
            p.waivers
                .iter()
                .filter(|w| *w.service == *name)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
    };
    let (bw, hw) = (ws(plans.0), ws(plans.1));
    for w in hw.iter().filter(|w| !bw.contains(w)) {
        out.push(format!("waiver added: {}", describe(w)));
    }
    for w in bw.iter().filter(|w| !hw.contains(w)) {
        out.push(format!("waiver removed: {}", describe(w)));
    }
}

/// The change of the lowest replica floor the facts show, base to head.
fn floor_change(state: &crate::engine::ServiceState, out: &mut Vec<String>) {
    let floor = |f: &Option<crate::facts::ServiceFacts>| f.as_ref().and_then(|f| f.min_floor());
    let (bf, hf) = (floor(&state.base), floor(&state.head));
    if bf != hf {
        let show = |v: Option<i64>| v.map_or_else(|| "none".to_string(), |v| v.to_string());
        out.push(format!("lowest replica floor {} → {}", show(bf), show(hf)));
    }
}

/// The approvals a change needs: the owners of every service it touches,
/// and the CAB for high and critical risk and for every waiver relied on.
pub(crate) fn approvals(
    services: &[ChangeService],
    risk: Risk,
    waivers: &[WaiverUse],
) -> Vec<Approval> {
    let mut owners: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in services {
        for o in &s.info.owners {
            owners
                .entry(o.clone())
                .or_default()
                .push(format!("owner of {}", s.info.name));
        }
    }
    let mut out: Vec<Approval> = owners
        .into_iter()
        .map(|(approver, reasons)| Approval { approver, reasons })
        .collect();
    let mut cab = Vec::new();
    if risk >= Risk::High {
        cab.push(format!("risk {}", risk.as_str()));
    }
    for w in waivers {
        cab.push(format!(
            "waiver of {} for {} ({})",
            w.rule, w.service, w.reason
        ));
    }
    let ownerless: Vec<&str> = services
        .iter()
        .filter(|s| s.info.owners.is_empty())
        .map(|s| s.info.name.as_str())
        .collect();
    if !ownerless.is_empty() && risk >= Risk::Medium {
        cab.push(format!("no owner in the plan for {}", ownerless.join(", ")));
    }
    if !cab.is_empty() {
        out.push(Approval {
            approver: "CAB".into(),
            reasons: cab,
        });
    }
    out
}

/// CG407: a change that relaxes the plan needs the approval of the owners
/// of what it relaxes (the service's owners in the base plan), else the CAB.
pub(crate) fn relaxation_approvals(
    approvals: &mut Vec<Approval>,
    findings: &[crate::engine::Finding],
    base_plan: Option<&crate::plan::Plan>,
) {
    for f in findings
        .iter()
        .filter(|f| f.rule == "CG407" && f.introduced)
    {
        let owners = f
            .service
            .as_deref()
            .and_then(|s| base_plan?.services.get(s))
            .map(|s| s.owners.clone())
            .filter(|o| !o.is_empty())
            .unwrap_or_else(|| vec!["CAB".into()]);
        for approver in owners {
            let reason = format!("plan relaxed: {}", f.message);
            match approvals.iter_mut().find(|a| a.approver == approver) {
                Some(a) => a.reasons.push(reason),
                None => approvals.push(Approval {
                    approver,
                    reasons: vec![reason],
                }),
            }
        }
    }
}
