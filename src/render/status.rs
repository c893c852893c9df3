//! The status report (`continuity-guard status`) in human, markdown, JSON
//! (`continuity-guard/status/v1`) and HTML.

use super::html;
use crate::plan::duration::format_duration;
use crate::status::{
    Kpis, Place, Ratio, Reason, ServiceStatus, StatusReport, TargetVerdict, Verdict,
};
use std::fmt::Write as _;

/// The revision in words.
fn revision(r: &StatusReport) -> String {
    let rev = &r.revision;
    match (&rev.dir, &rev.rev, &rev.commit) {
        (Some(d), _, _) => format!("directory {d}"),
        (_, Some(name), Some(c)) => format!("{} ({name})", c.get(..12).unwrap_or(c)),
        (_, Some(name), None) => name.clone(),
        _ => "?".into(),
    }
}

fn kpi_rows(k: &Kpis) -> [(&'static str, &Ratio, &'static str); 4] {
    [
        (
            "services with targets",
            &k.services_with_targets,
            "discovered services covered by a plan entry with RTO, RPO and hours",
        ),
        (
            "targets kept automatically",
            &k.targets_kept_automatically,
            "RTO, RPO and hours targets kept without anyone acting",
        ),
        (
            "services tested on time",
            &k.services_tested_on_time,
            "services with test_every whose last test is within it",
        ),
        (
            "targets not kept",
            &k.targets_not_kept,
            "RTO, RPO and hours targets the infrastructure does not keep",
        ),
    ]
}

fn targets_line(s: &ServiceStatus) -> String {
    let t = &s.targets;
    let mut parts = vec![
        format!(
            "RTO {}",
            t.rto_seconds.map_or("not set".into(), format_duration)
        ),
        format!(
            "RPO {}",
            t.rpo_seconds.map_or("not set".into(), format_duration)
        ),
        format!(
            "hours {}",
            t.hours.clone().unwrap_or_else(|| "not set".into())
        ),
        format!("min replicas {}", t.min_replicas),
    ];
    if t.multi_az == Some(true) {
        parts.push("multi-AZ".into());
    }
    if let Some(st) = &t.strategy {
        parts.push(format!("strategy {st}"));
    }
    parts.join(", ")
}

fn test_line(s: &ServiceStatus) -> String {
    let t = &s.test;
    let last = t.last_tested.clone().unwrap_or_else(|| "never".into());
    match (t.test_every_seconds, &t.due) {
        (None, _) => format!("last tested {last}; no test interval (test_every) set"),
        (Some(e), Some(due)) => format!(
            "last tested {last}, every {}, due {due}: {}",
            format_duration(e),
            if t.overdue { "OVERDUE" } else { "on time" }
        ),
        (Some(e), None) => format!(
            "last tested {last}, every {}: {}",
            format_duration(e),
            if t.overdue { "OVERDUE" } else { "on time" }
        ),
    }
}

fn reason_text(r: &Reason) -> String {
    let mut s = String::new();
    if let Some(rule) = &r.rule {
        s.push_str(rule);
        s.push(' ');
    }
    s.push_str(&r.message);
    s
}

fn infra_lines(s: &ServiceStatus) -> Vec<(String, Option<&Place>)> {
    let i = &s.infrastructure;
    let mut out = Vec::new();
    out.push((
        format!(
            "{} resource{}; replica floor {}",
            i.resources,
            if i.resources == 1 { "" } else { "s" },
            i.replica_floor.map_or("none".into(), |f| f.to_string())
        ),
        None,
    ));
    for w in &i.workloads {
        out.push((
            format!(
                "workload {}: {} replica{} ({}), {}",
                w.address,
                w.floor,
                if w.floor == 1 { "" } else { "s" },
                w.floor_field,
                if w.zone_spread {
                    "spread over zones"
                } else {
                    "no zone spread"
                }
            ),
            Some(&w.location),
        ));
    }
    for st in &i.stores {
        out.push((
            format!(
                "{} store {}: multi-AZ {}, automatic failover {}, synchronous replication {}",
                st.kind,
                st.address,
                fact_text(&st.multi_az),
                fact_text(&st.automatic_failover),
                fact_text(&st.synchronous_replication)
            ),
            Some(&st.location),
        ));
    }
    for g in &i.groups {
        out.push((
            format!(
                "group {}: min_size {}, zones {}",
                g.address,
                fact_text(&g.min_size),
                fact_text(&g.zones)
            ),
            Some(&g.location),
        ));
    }
    if i.backups.is_empty() {
        out.push(("backups: none found".into(), None));
    }
    for b in &i.backups {
        out.push((
            format!(
                "backup {} ({}{}): {}",
                b.address,
                b.kind,
                b.schedule
                    .as_ref()
                    .map_or(String::new(), |e| format!(", `{e}` {}", b.zone)),
                b.gap
            ),
            Some(&b.location),
        ));
    }
    out.push((format!("restore estimate: {}", i.restore_estimate), None));
    for w in &i.maintenance_windows {
        out.push((
            format!(
                "maintenance window {}: {}{}",
                w.address,
                w.window,
                match w.overlaps_hours {
                    Some(true) => ", in the hours",
                    Some(false) => ", outside the hours",
                    None => "",
                }
            ),
            Some(&w.location),
        ));
    }
    out
}

fn fact_text<T: std::fmt::Display>(f: &crate::status::FactOut<T>) -> String {
    match f {
        crate::status::FactOut::Known { value } => value.to_string(),
        crate::status::FactOut::Unknown { reason } => format!("unknown ({reason})"),
        crate::status::FactOut::Absent => "not set".into(),
    }
}

fn verdicts(s: &ServiceStatus) -> [(&'static str, &TargetVerdict); 3] {
    [
        ("RTO", &s.verdicts.rto),
        ("RPO", &s.verdicts.rpo),
        ("hours", &s.verdicts.hours),
    ]
}

fn at(p: Option<&Place>) -> String {
    p.map_or(String::new(), |p| format!("  at {p}"))
}

/// Plain text.
pub fn human(r: &StatusReport) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "continuity status of {}, as of {}; plan {}",
        revision(r),
        r.as_of,
        r.plan.as_deref().unwrap_or("none")
    );
    let _ = writeln!(o, "\nKPIs");
    for (name, ratio, _) in kpi_rows(&r.kpis) {
        let _ = writeln!(o, "  {:<28} {}", name, ratio.describe());
    }
    for s in &r.services {
        let _ = writeln!(
            o,
            "\n{}{}{}",
            s.name,
            s.tier
                .as_ref()
                .map_or(String::new(), |t| format!(" (tier {t})")),
            if s.owners.is_empty() {
                String::new()
            } else {
                format!(", owners {}", s.owners.join(" "))
            }
        );
        let _ = writeln!(o, "  targets: {}", targets_line(s));
        let _ = writeln!(o, "  infrastructure:");
        for (line, place) in infra_lines(s) {
            let _ = writeln!(o, "    {line}{}", at(place));
        }
        for (name, v) in verdicts(s) {
            let _ = writeln!(o, "  {name:<6} {}", v.verdict.as_str());
            for reason in &v.reasons {
                let _ = writeln!(
                    o,
                    "         - {}{}",
                    reason_text(reason),
                    at(reason.location.as_ref())
                );
            }
        }
        let _ = writeln!(o, "  test: {}", test_line(s));
        if s.single_points_of_failure.is_empty() {
            let _ = writeln!(o, "  single points of failure: none found");
        } else {
            let _ = writeln!(o, "  single points of failure:");
            for p in &s.single_points_of_failure {
                let _ = writeln!(o, "    - {}: {}  at {}", p.address, p.why, p.location);
            }
        }
        for n in &s.notes {
            let _ = writeln!(o, "  note: {n}");
        }
    }
    let c = &r.coverage;
    let covered = c
        .discovered
        .iter()
        .filter(|d| !d.covered_by.is_empty())
        .count();
    let _ = writeln!(
        o,
        "\ncoverage: {} discovered service{}, {covered} covered by the plan",
        c.discovered.len(),
        if c.discovered.len() == 1 { "" } else { "s" }
    );
    for d in &c.discovered {
        let units: Vec<String> = d
            .units
            .iter()
            .map(|u| format!("{} {} ({})", u.kind.describe(), u.id, u.path))
            .collect();
        let by = if d.covered_by.is_empty() {
            "NOT COVERED".to_string()
        } else {
            format!("covered by {}", d.covered_by.join(", "))
        };
        let _ = writeln!(o, "  {}: {by}; {}", d.name, units.join("; "));
    }
    if !c.plan_only.is_empty() {
        let _ = writeln!(
            o,
            "  plan services covering no discovered service: {}",
            c.plan_only.join(", ")
        );
    }
    if c.uncovered.is_empty() {
        let _ = writeln!(o, "  uncovered infrastructure: none");
    } else {
        let _ = writeln!(
            o,
            "  uncovered infrastructure ({} file{}):",
            c.uncovered_files,
            if c.uncovered_files == 1 { "" } else { "s" }
        );
        for u in &c.uncovered {
            let _ = writeln!(
                o,
                "    {} ({} file{})",
                u.folder,
                u.files,
                if u.files == 1 { "" } else { "s" }
            );
        }
    }
    for n in &r.notes {
        let _ = writeln!(o, "note: {n}");
    }
    o
}

/// Markdown-escapes repository text (DESIGN §6): entities for `&<>`, a
/// zero-width space after `@`, `|` as `\|`, and markdown punctuation escaped.
pub fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => out.push_str("@\u{200B}"),
            '|' => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn md_place(p: Option<&Place>) -> String {
    p.map_or(String::new(), |p| format!(" at {}", md(&p.to_string())))
}

/// Markdown.
pub fn markdown(r: &StatusReport) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "# Continuity status\n");
    let _ = writeln!(
        o,
        "{}, as of {}; plan {}\n",
        md(&revision(r)),
        r.as_of,
        md(r.plan.as_deref().unwrap_or("none"))
    );
    let _ = writeln!(o, "## KPIs\n");
    let _ = writeln!(o, "| KPI | value | counts |");
    let _ = writeln!(o, "| --- | ---: | --- |");
    for (name, ratio, what) in kpi_rows(&r.kpis) {
        let _ = writeln!(
            o,
            "| {name} | {} | {}/{} {what} |",
            ratio.percent.map_or("n/a".into(), |p| format!("{p:.1}%")),
            ratio.numerator,
            ratio.denominator
        );
    }
    let _ = writeln!(o, "\n## Services\n");
    let _ = writeln!(o, "| service | tier | RTO | RPO | hours | test |");
    let _ = writeln!(o, "| --- | --- | --- | --- | --- | --- |");
    for s in &r.services {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            md(&s.name),
            md(s.tier.as_deref().unwrap_or("")),
            s.verdicts.rto.verdict.as_str(),
            s.verdicts.rpo.verdict.as_str(),
            s.verdicts.hours.verdict.as_str(),
            if s.test.overdue {
                "overdue"
            } else if s.test.test_every_seconds.is_some() {
                "on time"
            } else {
                "no interval"
            }
        );
    }
    for s in &r.services {
        let _ = writeln!(o, "\n### {}\n", md(&s.name));
        if !s.owners.is_empty() {
            let _ = writeln!(o, "- Owners: {}", md(&s.owners.join(" ")));
        }
        let _ = writeln!(o, "- Targets: {}", md(&targets_line(s)));
        for (line, place) in infra_lines(s) {
            let _ = writeln!(o, "- {}{}", md(&line), md_place(place));
        }
        for (name, v) in verdicts(s) {
            let _ = writeln!(o, "- **{name}: {}**", v.verdict.as_str());
            for reason in &v.reasons {
                let _ = writeln!(
                    o,
                    "  - {}{}",
                    md(&reason_text(reason)),
                    md_place(reason.location.as_ref())
                );
            }
        }
        let _ = writeln!(o, "- Test: {}", md(&test_line(s)));
        if s.single_points_of_failure.is_empty() {
            let _ = writeln!(o, "- Single points of failure: none found");
        } else {
            let _ = writeln!(o, "- Single points of failure:");
            for p in &s.single_points_of_failure {
                let _ = writeln!(
                    o,
                    "  - {}: {}{}",
                    md(&p.address),
                    md(&p.why),
                    md_place(Some(&p.location))
                );
            }
        }
    }
    let c = &r.coverage;
    let _ = writeln!(o, "\n## Coverage\n");
    let _ = writeln!(o, "| discovered service | defined by | covered by |");
    let _ = writeln!(o, "| --- | --- | --- |");
    for d in &c.discovered {
        let units: Vec<String> = d
            .units
            .iter()
            .map(|u| md(&format!("{} {} ({})", u.kind.describe(), u.id, u.path)))
            .collect();
        let _ = writeln!(
            o,
            "| {} | {} | {} |",
            md(&d.name),
            units.join("<br>"),
            if d.covered_by.is_empty() {
                "**not covered**".to_string()
            } else {
                md(&d.covered_by.join(", "))
            }
        );
    }
    if !c.uncovered.is_empty() {
        let _ = writeln!(
            o,
            "\nUncovered infrastructure ({} files):\n",
            c.uncovered_files
        );
        for u in &c.uncovered {
            let _ = writeln!(
                o,
                "- {} ({} file{})",
                md(&u.folder),
                u.files,
                if u.files == 1 { "" } else { "s" }
            );
        }
    }
    if !r.notes.is_empty() {
        let _ = writeln!(o, "\n## Notes\n");
        for n in &r.notes {
            let _ = writeln!(o, "- {}", md(n));
        }
    }
    o
}

/// JSON, `continuity-guard/status/v1`.
pub fn json(r: &StatusReport) -> String {
    let mut s = serde_json::to_string_pretty(r).unwrap_or_default();
    s.push('\n');
    s
}

fn badge(v: Verdict) -> String {
    let class = match v {
        Verdict::KeptAutomatically => "kept-automatically",
        Verdict::KeptByRecovery => "kept-by-recovery",
        Verdict::NotKept => "not-kept",
        Verdict::Unknown => "unknown",
        Verdict::NoTarget => "no-target",
    };
    format!("<span class=\"badge {class}\">{}</span>", v.as_str())
}

fn h_place(p: Option<&Place>) -> String {
    p.map_or(String::new(), |p| {
        format!(" <code>{}</code>", html::escape(&p.to_string()))
    })
}

/// A self-contained HTML5 page.
pub fn html(r: &StatusReport) -> String {
    use html::escape as e;
    let mut b = String::new();
    let _ = writeln!(b, "<h1>Continuity status</h1>");
    let _ = writeln!(
        b,
        "<p class=\"meta\">{}, as of {}; plan {}</p>",
        e(&revision(r)),
        e(&r.as_of),
        e(r.plan.as_deref().unwrap_or("none"))
    );
    let _ = writeln!(b, "<h2>KPIs</h2>\n<div class=\"kpi\">");
    for (i, (name, ratio, what)) in kpi_rows(&r.kpis).into_iter().enumerate() {
        let colour = if i == 3 { "#cf222e" } else { "#1a7f37" };
        let _ = writeln!(
            b,
            "<div title=\"{}\">{}</div><div>{}</div><div>{}</div>",
            e(what),
            e(name),
            html::bar(ratio.percent, colour, name),
            e(&ratio.describe())
        );
    }
    let _ = writeln!(b, "</div>");
    let _ = writeln!(
        b,
        "<h2>Services</h2>\n<table>\n<tr><th>service</th><th>tier</th><th>RTO</th><th>RPO</th><th>hours</th><th>test</th></tr>"
    );
    for s in &r.services {
        let _ = writeln!(
            b,
            "<tr><td><a href=\"#svc-{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            e(&s.name),
            e(&s.name),
            e(s.tier.as_deref().unwrap_or("")),
            badge(s.verdicts.rto.verdict),
            badge(s.verdicts.rpo.verdict),
            badge(s.verdicts.hours.verdict),
            if s.test.overdue {
                "overdue"
            } else if s.test.test_every_seconds.is_some() {
                "on time"
            } else {
                "no interval"
            }
        );
    }
    let _ = writeln!(b, "</table>");
    for s in &r.services {
        let _ = writeln!(
            b,
            "<section class=\"service\" id=\"svc-{}\">\n<h3>{}</h3>",
            e(&s.name),
            e(&s.name)
        );
        if !s.owners.is_empty() {
            let _ = writeln!(b, "<p>Owners: {}</p>", e(&s.owners.join(" ")));
        }
        let _ = writeln!(b, "<p>Targets: {}</p>\n<ul>", e(&targets_line(s)));
        for (line, place) in infra_lines(s) {
            let _ = writeln!(b, "<li>{}{}</li>", e(&line), h_place(place));
        }
        let _ = writeln!(b, "</ul>\n<table>");
        for (name, v) in verdicts(s) {
            let _ = write!(b, "<tr><th>{name}</th><td>{}", badge(v.verdict));
            if !v.reasons.is_empty() {
                let _ = write!(b, "<ul class=\"reasons\">");
                for reason in &v.reasons {
                    let _ = write!(
                        b,
                        "<li>{}{}</li>",
                        e(&reason_text(reason)),
                        h_place(reason.location.as_ref())
                    );
                }
                let _ = write!(b, "</ul>");
            }
            let _ = writeln!(b, "</td></tr>");
        }
        let _ = writeln!(b, "</table>\n<p>Test: {}</p>", e(&test_line(s)));
        if s.single_points_of_failure.is_empty() {
            let _ = writeln!(b, "<p>Single points of failure: none found</p>");
        } else {
            let _ = writeln!(b, "<p>Single points of failure:</p>\n<ul>");
            for p in &s.single_points_of_failure {
                let _ = writeln!(
                    b,
                    "<li>{}: {}{}</li>",
                    e(&p.address),
                    e(&p.why),
                    h_place(Some(&p.location))
                );
            }
            let _ = writeln!(b, "</ul>");
        }
        let _ = writeln!(b, "</section>");
    }
    let c = &r.coverage;
    let _ = writeln!(
        b,
        "<h2>Coverage</h2>\n<table>\n<tr><th>discovered service</th><th>defined by</th><th>covered by</th></tr>"
    );
    for d in &c.discovered {
        let units: Vec<String> = d
            .units
            .iter()
            .map(|u| {
                format!(
                    "{} <code>{}</code> ({})",
                    e(u.kind.describe()),
                    e(&u.id),
                    e(&u.path)
                )
            })
            .collect();
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            e(&d.name),
            units.join("<br>"),
            if d.covered_by.is_empty() {
                "<strong>not covered</strong>".to_string()
            } else {
                e(&d.covered_by.join(", "))
            }
        );
    }
    let _ = writeln!(b, "</table>");
    if !c.uncovered.is_empty() {
        let _ = writeln!(
            b,
            "<p>Uncovered infrastructure ({} files):</p>\n<ul>",
            c.uncovered_files
        );
        for u in &c.uncovered {
            let _ = writeln!(
                b,
                "<li><code>{}</code> ({} file{})</li>",
                e(&u.folder),
                u.files,
                if u.files == 1 { "" } else { "s" }
            );
        }
        let _ = writeln!(b, "</ul>");
    }
    if !r.notes.is_empty() {
        let _ = writeln!(b, "<h2>Notes</h2>\n<ul>");
        for n in &r.notes {
            let _ = writeln!(b, "<li>{}</li>", e(n));
        }
        let _ = writeln!(b, "</ul>");
    }
    html::page("Continuity status", &b)
}
