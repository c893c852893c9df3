//! The change advisory board report (DESIGN §4–§6): markdown, one
//! self-contained HTML5 page (inline CSS and SVG, prints to A4) and JSON
//! (schema `continuity-guard/cab/v1`). Every string that comes from the
//! repository is escaped for the format it lands in.

use crate::engine::Finding;
use crate::plan::duration::format_duration;
use crate::report::{
    CabReport, Change, ChangeService, FreezeHit, Level, Risk, ServiceInfo, Stretch, WindowService,
};
use crate::source::Side;
use serde::Serialize;
use std::fmt::Write as _;

/// The risk matrix as rows of (impact, [rating for low, medium, high likelihood]).
fn matrix_rows() -> [(Level, [Risk; 3]); 3] {
    [Level::High, Level::Medium, Level::Low].map(|i| {
        (
            i,
            [Level::Low, Level::Medium, Level::High].map(|l| Risk::rate(i, l)),
        )
    })
}

const IMPACT_RULE: &str = "impact from the most critical service touched, by its RTO: ≤ 1h high, ≤ 4h medium, longer or none low";
const LIKELIHOOD_RULE: &str = "likelihood from the worst introduced finding no waiver covers: error high, warning medium, note or none low";

fn dur(secs: Option<i64>) -> String {
    secs.map_or_else(|| "—".to_string(), format_duration)
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn status(f: &Finding) -> &'static str {
    if f.waived {
        "waived"
    } else if f.introduced {
        "introduced"
    } else {
        "existing"
    }
}

fn location(f: &Finding) -> String {
    format!(
        "{}:{}{}",
        f.location.path,
        f.location.line,
        if f.location.side == Side::Base {
            " (before)"
        } else {
            ""
        }
    )
}

fn change_label(c: &Change) -> String {
    match c.pull_request {
        Some(n) => format!("#{n} {}", c.title),
        None => c.title.clone(),
    }
}

/// Introduced, existing and waived counts of a change's findings for one service.
fn counts_for(c: &Change, service: &str) -> (usize, usize, usize) {
    let mut out = (0, 0, 0);
    for f in c
        .findings
        .iter()
        .filter(|f| f.service.as_deref() == Some(service))
    {
        if f.waived {
            out.2 += 1;
        } else if f.introduced {
            out.0 += 1;
        } else {
            out.1 += 1;
        }
    }
    out
}

fn stretches(s: &[Stretch]) -> String {
    s.iter()
        .map(|x| x.local.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

fn freeze_text(f: &[FreezeHit]) -> String {
    f.iter()
        .map(|h| format!("{} ({} to {}): {}", h.name, h.from, h.to, h.stretch.local))
        .collect::<Vec<_>>()
        .join("; ")
}

fn overdue_text(i: &ServiceInfo) -> String {
    match (i.last_tested, i.test_due) {
        (Some(t), Some(d)) => format!("last tested {t}, due {d}"),
        (None, _) => "never tested".to_string(),
        (Some(t), None) => format!("last tested {t}"),
    }
}

// ───────────────────────────── markdown ─────────────────────────────

/// Escapes free text for markdown (DESIGN §6): entities for `&<>`, a
/// zero-width space after `@`, `\|` in table cells, no line breaks.
fn md(text: &str, cell: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => out.push_str("@\u{200B}"),
            '|' if cell => out.push_str("\\|"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A code span fenced with more backticks than any run inside (`\|` in cells).
fn code(text: &str, cell: bool) -> String {
    let text: String = text
        .chars()
        .map(|c| if c == '\n' || c == '\r' { ' ' } else { c })
        .collect();
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    let body = if cell { text.replace('|', "\\|") } else { text };
    format!("{fence}{pad}{body}{pad}{fence}")
}

fn md_list(items: &[String], cell: bool) -> String {
    if items.is_empty() {
        "—".into()
    } else {
        items
            .iter()
            .map(|i| md(i, cell))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Renders the markdown report.
pub fn markdown(r: &CabReport) -> String {
    let s = r.summary();
    let mut o = String::new();
    let _ = writeln!(o, "# Change advisory board report\n");
    let mut range = format!("Range {}", code(&r.range.spec, false));
    if let (Some(from), Some(to)) = (&r.range.from, &r.range.to) {
        let _ = write!(
            range,
            " ({} → {})",
            code(from.get(..12).unwrap_or(from), false),
            code(to.get(..12).unwrap_or(to), false)
        );
    }
    let _ = writeln!(
        o,
        "{range} · {} · assessed as of {} · plan time zone {}\n",
        plural(r.changes.len(), "change"),
        r.as_of,
        md(&r.timezone, false)
    );

    let _ = writeln!(o, "## Summary\n");
    let _ = writeln!(o, "| | |\n| --- | --- |");
    let _ = writeln!(
        o,
        "| Changes | {} ({} touching services) |",
        s.changes, s.changes_touching_services
    );
    let _ = writeln!(o, "| Services affected | {} |", s.services_affected);
    let _ = writeln!(
        o,
        "| Risk | {} |",
        Risk::ALL
            .iter()
            .rev()
            .map(|k| format!("{} {}", k.as_str(), s.risk.get(*k)))
            .collect::<Vec<_>>()
            .join(" · ")
    );
    let _ = writeln!(
        o,
        "| Findings introduced | {} (blocking), {}, {} |",
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.notes, "note")
    );
    let _ = writeln!(
        o,
        "| Existing / waived findings | {} / {} |",
        s.existing, s.waived
    );
    let _ = writeln!(o, "| Waivers used | {} |", s.waivers_used);
    let _ = writeln!(
        o,
        "| Plan tests overdue | {} |",
        md_list(&s.tests_overdue, true)
    );
    if let Some(w) = &r.window {
        let _ = writeln!(
            o,
            "| Window {} | inside hours of: {}; {} |",
            code(&w.text, true),
            md_list(s.window_inside_hours.as_deref().unwrap_or(&[]), true),
            if w.freezes.is_empty() {
                "outside every freeze".to_string()
            } else {
                format!(
                    "inside freeze {}",
                    md_list(
                        &w.freezes.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
                        true
                    )
                )
            }
        );
    }
    o.push('\n');

    let blocking: Vec<(&Change, &Finding)> = r
        .changes
        .iter()
        .flat_map(|c| c.blocking().map(move |f| (c, f)))
        .collect();
    if !blocking.is_empty() {
        let _ = writeln!(o, "### Blocking findings\n");
        for (c, f) in blocking {
            let _ = writeln!(
                o,
                "- {} {} — **{}** {}: {} ({})",
                code(c.short(), false),
                md(&change_label(c), false),
                f.rule,
                md(f.service.as_deref().unwrap_or("no service"), false),
                md(&f.message, false),
                code(&location(f), false)
            );
        }
        o.push('\n');
    }
    let waivers = r.waivers();
    if !waivers.is_empty() {
        let _ = writeln!(o, "### Waivers used\n");
        let _ = writeln!(
            o,
            "| Change | Rule | Service | Subject | Reason | Approved by | Expires |\n| --- | --- | --- | --- | --- | --- | --- |"
        );
        for w in waivers {
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                code(w.change.short(), true),
                w.waiver.rule,
                md(&w.waiver.service, true),
                code(&w.waiver.subject, true),
                md(&w.waiver.reason, true),
                md(w.waiver.approved_by.as_deref().unwrap_or("—"), true),
                w.waiver.expires
            );
        }
        o.push('\n');
    }
    let overdue: Vec<&ServiceInfo> = r
        .services
        .iter()
        .map(|e| &e.info)
        .filter(|i| i.test_overdue)
        .collect();
    if !overdue.is_empty() {
        let _ = writeln!(o, "### Plan tests overdue on {}\n", r.as_of);
        for i in overdue {
            let _ = writeln!(
                o,
                "- {}: {} (test every {})",
                md(&i.name, false),
                overdue_text(i),
                dur(i.test_every)
            );
        }
        o.push('\n');
    }

    let _ = writeln!(o, "## Risk matrix\n");
    let _ = writeln!(
        o,
        "Risk = impact × likelihood: {IMPACT_RULE}; {LIKELIHOOD_RULE}. The CAB approves every high or critical change and every waiver.\n"
    );
    let _ = writeln!(
        o,
        "| impact \\ likelihood | low | medium | high |\n| --- | --- | --- | --- |"
    );
    for (impact, row) in matrix_rows() {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} |",
            impact.as_str(),
            row[0].as_str(),
            row[1].as_str(),
            row[2].as_str()
        );
    }
    o.push('\n');

    if let Some(w) = &r.window {
        let _ = writeln!(o, "## Implementation window\n");
        let _ = writeln!(
            o,
            "{}: {} (UTC {} – {}).\n",
            code(&w.text, false),
            md(&w.local, false),
            w.start,
            w.end
        );
        for f in &w.freezes {
            let _ = writeln!(
                o,
                "- Inside freeze **{}** ({} to {}): {}",
                md(&f.name, false),
                f.from,
                f.to,
                md(&f.stretch.local, false)
            );
        }
        if !w.freezes.is_empty() {
            o.push('\n');
        }
        let _ = writeln!(
            o,
            "| Service | Hours of operation | Inside hours | Overlap (service's local time) | Inside freeze |\n| --- | --- | --- | --- | --- |"
        );
        for ws in w.services.values() {
            window_row_md(&mut o, ws);
        }
        o.push('\n');
    }

    let _ = writeln!(o, "## Changes\n");
    if r.changes.is_empty() {
        let _ = writeln!(
            o,
            "{}\n",
            if r.not_assessed.is_empty() {
                "No changes in the range."
            } else {
                "No change of the range could be assessed: see “Not assessed”."
            }
        );
    }
    for (n, c) in r.changes.iter().enumerate() {
        change_md(&mut o, r, n + 1, c);
    }

    let _ = writeln!(o, "## Services\n");
    if r.services.is_empty() {
        let _ = writeln!(o, "No service was touched.\n");
    }
    for e in &r.services {
        let i = &e.info;
        let _ = writeln!(
            o,
            "### {}{}\n",
            md(&i.name, false),
            i.tier
                .as_ref()
                .map(|t| format!(" ({})", md(t, false)))
                .unwrap_or_default()
        );
        if let Some(d) = &i.description {
            let _ = writeln!(o, "{}\n", md(d, false));
        }
        let _ = writeln!(
            o,
            "RTO {} · RPO {} · hours {} · impact {} · owners {}",
            dur(i.rto),
            dur(i.rpo),
            md(i.hours.as_deref().unwrap_or("—"), false),
            i.impact.as_str(),
            md_list(&i.owners, false)
        );
        let _ = writeln!(
            o,
            "\nRecovery plan {} · {}{}\n",
            i.recovery_plan
                .as_deref()
                .map_or_else(|| "none".to_string(), |p| code(p, false)),
            overdue_text(i),
            if i.test_overdue {
                " — **test overdue**"
            } else {
                ""
            }
        );
        let _ = writeln!(
            o,
            "| Change | Title | Risk | Introduced | Existing | Waived |\n| --- | --- | --- | --- | --- | --- |"
        );
        for &k in &e.changes {
            let Some(c) = r.changes.get(k) else { continue };
            let (a, b, w) = counts_for(c, &i.name);
            let _ = writeln!(
                o,
                "| {} | {} | {} | {a} | {b} | {w} |",
                code(c.short(), true),
                md(&change_label(c), true),
                c.risk.as_str()
            );
        }
        o.push('\n');
    }
    if !r.not_assessed.is_empty() {
        let _ = writeln!(o, "## Not assessed\n");
        for n in &r.not_assessed {
            let _ = writeln!(
                o,
                "- `{}` {}: {}",
                n.commit.get(..12).unwrap_or(&n.commit),
                md(&n.title, false),
                md(&n.reason, false)
            );
        }
        o.push('\n');
    }
    if !r.notes.is_empty() {
        let _ = writeln!(o, "## Notes\n");
        for n in &r.notes {
            let _ = writeln!(o, "- {}", md(n, false));
        }
        o.push('\n');
    }
    o.push_str("_Generated by continuity-guard report._\n");
    o
}

fn window_row_md(o: &mut String, ws: &WindowService) {
    let _ = writeln!(
        o,
        "| {} | {} | {} | {} | {} |",
        md(&ws.service, true),
        md(ws.hours.as_deref().unwrap_or("none in the plan"), true),
        if ws.inside_hours { "**yes**" } else { "no" },
        if ws.hours_overlap.is_empty() {
            "—".to_string()
        } else {
            md(&stretches(&ws.hours_overlap), true)
        },
        if ws.inside_freeze {
            format!("**yes**: {}", md(&freeze_text(&ws.freezes), true))
        } else {
            "no".to_string()
        }
    );
}

fn service_row_md(o: &mut String, s: &ChangeService) {
    let i = &s.info;
    let _ = writeln!(
        o,
        "| {} | {} | {} | {} | {} | {} | {} |",
        md(&i.name, true),
        md(i.tier.as_deref().unwrap_or("—"), true),
        dur(i.rto),
        dur(i.rpo),
        md(i.hours.as_deref().unwrap_or("—"), true),
        md_list(&i.owners, true),
        if s.target_changes.is_empty() {
            "—".to_string()
        } else {
            md(&s.target_changes.join("; "), true)
        }
    );
}

fn change_md(o: &mut String, r: &CabReport, n: usize, c: &Change) {
    let _ = writeln!(
        o,
        "### {n}. {} — risk **{}**\n",
        md(&change_label(c), false),
        c.risk.as_str()
    );
    let _ = writeln!(
        o,
        "Commit {} · {} · {} · {}{}\n",
        code(c.short(), false),
        md(&c.author, false),
        c.date,
        plural(c.files_changed, "file"),
        if c.merge { " · merge" } else { "" }
    );
    let _ = writeln!(
        o,
        "Impact {} × likelihood {} → **{}**\n",
        c.impact.as_str(),
        c.likelihood.as_str(),
        c.risk.as_str()
    );
    if c.services.is_empty() {
        let _ = writeln!(o, "Touches no service of the plan.\n");
    } else {
        let _ = writeln!(
            o,
            "| Service | Tier | RTO | RPO | Hours | Owners | What changed |\n| --- | --- | --- | --- | --- | --- | --- |"
        );
        for s in &c.services {
            service_row_md(o, s);
        }
        o.push('\n');
    }
    if !c.findings.is_empty() {
        let _ = writeln!(
            o,
            "| Severity | Rule | Service | Status | Finding | Where |\n| --- | --- | --- | --- | --- | --- |"
        );
        for f in &c.findings {
            let _ = writeln!(
                o,
                "| {} | {} {} | {} | {} | {} | {} |",
                f.severity.as_str(),
                f.rule,
                f.name,
                md(f.service.as_deref().unwrap_or("—"), true),
                status(f),
                md(&f.message, true),
                code(&location(f), true)
            );
        }
        o.push('\n');
    }
    if !c.approvals.is_empty() {
        let _ = writeln!(o, "Approvals required:\n");
        for a in &c.approvals {
            let _ = writeln!(
                o,
                "- **{}** — {}",
                md(&a.approver, false),
                md(&a.reasons.join("; "), false)
            );
        }
        o.push('\n');
    }
    let plans: Vec<_> = c.recovery_plans.iter().collect();
    if !plans.is_empty() {
        let _ = writeln!(
            o,
            "| Recovery plan to review | Service | Last tested | Edited in this change |\n| --- | --- | --- | --- |"
        );
        for p in plans {
            let _ = writeln!(
                o,
                "| {} | {} | {}{} | {} |",
                p.path.as_deref().map_or_else(
                    || "none in the plan".to_string(),
                    |x| if p.exists {
                        code(x, true)
                    } else {
                        format!("{} (missing)", code(x, true))
                    }
                ),
                md(&p.service, true),
                p.last_tested
                    .map_or_else(|| "never".to_string(), |d| d.to_string()),
                if p.test_overdue { " (overdue)" } else { "" },
                if p.updated { "yes" } else { "no" }
            );
        }
        o.push('\n');
    }
    if !c.notes.is_empty() {
        let _ = writeln!(o, "Notes:\n");
        for n in &c.notes {
            let _ = writeln!(o, "- {}", md(n, false));
        }
        o.push('\n');
    }
    if let Some(w) = &r.window {
        let hits: Vec<String> = c
            .services
            .iter()
            .filter_map(|s| w.services.get(&s.info.name))
            .filter(|ws| ws.inside_hours || ws.inside_freeze)
            .map(|ws| {
                let mut what = Vec::new();
                if ws.inside_hours {
                    what.push(format!("inside hours ({})", stretches(&ws.hours_overlap)));
                }
                if ws.inside_freeze {
                    what.push(format!("inside freeze ({})", freeze_text(&ws.freezes)));
                }
                format!("{}: {}", ws.service, what.join(", "))
            })
            .collect();
        if !hits.is_empty() {
            let _ = writeln!(o, "Window {}:\n", code(&w.text, false));
            for h in hits {
                let _ = writeln!(o, "- {}", md(&h, false));
            }
            o.push('\n');
        }
    }
}

// ─────────────────────────────── HTML ───────────────────────────────

/// Escapes text for HTML element content and quoted attributes.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn esc_list(items: &[String]) -> String {
    if items.is_empty() {
        "—".into()
    } else {
        esc(&items.join(", "))
    }
}

fn badge(r: Risk) -> String {
    format!("<span class=\"risk risk-{0}\">{0}</span>", r.as_str())
}

const CSS: &str = r#"
:root { --fg:#1b1f24; --muted:#57606a; --line:#d0d7de; --bg:#ffffff; --soft:#f6f8fa;
  --low:#2e7d32; --medium:#b7791f; --high:#dd6b20; --critical:#c53030; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 24px; color: var(--fg); background: var(--bg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", Arial, sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 18px 0 6px; }
p.meta, .muted { color: var(--muted); }
code { font: 12.5px/1.3 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
  background: var(--soft); padding: 1px 4px; border-radius: 4px; overflow-wrap: break-word; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 4px 7px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: var(--soft); font-weight: 600; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; margin: 14px 0; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 8px 12px; }
.card b { display: block; font-size: 22px; }
.risk { display: inline-block; min-width: 62px; text-align: center; padding: 1px 8px; border-radius: 10px;
  color: #fff; font-weight: 600; font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
.risk-low { background: var(--low); } .risk-medium { background: var(--medium); }
.risk-high { background: var(--high); } .risk-critical { background: var(--critical); }
.sev-error { color: var(--critical); font-weight: 600; } .sev-warning { color: var(--medium); font-weight: 600; }
.sev-note { color: var(--muted); }
.yes { color: var(--critical); font-weight: 600; }
section.change, section.service { border: 1px solid var(--line); border-radius: 8px; padding: 4px 14px 8px; margin: 12px 0; }
section.change > h3 { display: flex; gap: 10px; align-items: baseline; }
.chart { display: flex; gap: 24px; align-items: flex-start; flex-wrap: wrap; }
ul { margin: 4px 0 10px; padding-left: 22px; }
footer { margin-top: 28px; color: var(--muted); font-size: 12px; }
@page { size: A4; margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  h2 { break-after: avoid-page; }
  h3 { break-after: avoid-page; }
  tr, .card, svg { break-inside: avoid; }
  section.change, section.service { break-inside: avoid-page; }
  thead { display: table-header-group; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"#;

fn risk_chart(r: &CabReport) -> String {
    let s = r.summary();
    let max = Risk::ALL
        .iter()
        .map(|k| s.risk.get(*k))
        .max()
        .unwrap_or(0)
        .max(1);
    let (label_w, bar_w, row_h) = (80usize, 260usize, 26usize);
    let height = row_h * 4 + 8;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" viewBox=\"0 0 {} {height}\" role=\"img\" aria-label=\"Changes by risk\">",
        label_w + bar_w + 40,
        label_w + bar_w + 40
    );
    for (i, k) in Risk::ALL.iter().rev().enumerate() {
        let n = s.risk.get(*k);
        let y = 4 + i * row_h;
        let w = n * bar_w / max;
        let colour = match k {
            Risk::Low => "#2e7d32",
            Risk::Medium => "#b7791f",
            Risk::High => "#dd6b20",
            Risk::Critical => "#c53030",
        };
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" font-size=\"13\" fill=\"#1b1f24\">{}</text><rect x=\"{label_w}\" y=\"{y}\" width=\"{}\" height=\"{}\" rx=\"3\" fill=\"{colour}\"/><text x=\"{}\" y=\"{}\" font-size=\"13\" fill=\"#1b1f24\">{n}</text>",
            y + 15,
            k.as_str(),
            w.max(if n > 0 { 3 } else { 0 }),
            row_h - 8,
            label_w + w + 6,
            y + 15
        );
    }
    svg.push_str("</svg>");
    svg
}

/// Renders the self-contained HTML5 page.
pub fn html(r: &CabReport) -> String {
    let s = r.summary();
    let mut o = String::new();
    o.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(
        o,
        "<title>Change advisory board report — {}</title>",
        esc(&r.range.spec)
    );
    let _ = writeln!(o, "<style>{CSS}</style>\n</head>\n<body>");
    let _ = writeln!(o, "<header><h1>Change advisory board report</h1>");
    let mut range = format!("Range <code>{}</code>", esc(&r.range.spec));
    if let (Some(from), Some(to)) = (&r.range.from, &r.range.to) {
        let _ = write!(
            range,
            " (<code>{}</code> → <code>{}</code>)",
            esc(from.get(..12).unwrap_or(from)),
            esc(to.get(..12).unwrap_or(to))
        );
    }
    let _ = writeln!(
        o,
        "<p class=\"meta\">{range} · {} · assessed as of {} · plan time zone {}</p></header>",
        plural(r.changes.len(), "change"),
        r.as_of,
        esc(&r.timezone)
    );

    let _ = writeln!(o, "<h2 id=\"summary\">Summary</h2>\n<div class=\"cards\">");
    for (label, value) in [
        ("changes", s.changes),
        ("services affected", s.services_affected),
        ("blocking findings", s.blocking),
        ("waivers used", s.waivers_used),
        ("plan tests overdue", s.tests_overdue.len()),
        ("high or critical", s.risk.high + s.risk.critical),
    ] {
        let _ = writeln!(o, "<div class=\"card\"><b>{value}</b>{label}</div>");
    }
    let _ = writeln!(
        o,
        "</div>\n<div class=\"chart\">\n<div><h3>Changes by risk</h3>{}</div>",
        risk_chart(r)
    );
    let _ = writeln!(
        o,
        "<div><h3>Findings</h3><table><tbody><tr><th>introduced errors (blocking)</th><td>{}</td></tr><tr><th>introduced warnings</th><td>{}</td></tr><tr><th>introduced notes</th><td>{}</td></tr><tr><th>existing</th><td>{}</td></tr><tr><th>waived or suppressed</th><td>{}</td></tr><tr><th>plan tests overdue</th><td>{}</td></tr></tbody></table></div>\n</div>",
        s.errors,
        s.warnings,
        s.notes,
        s.existing,
        s.waived,
        esc_list(&s.tests_overdue)
    );

    let blocking: Vec<(&Change, &Finding)> = r
        .changes
        .iter()
        .flat_map(|c| c.blocking().map(move |f| (c, f)))
        .collect();
    if !blocking.is_empty() {
        let _ = writeln!(o, "<h3>Blocking findings</h3>\n<ul>");
        for (c, f) in blocking {
            let _ = writeln!(
                o,
                "<li><code>{}</code> {} — <b>{}</b> {}: {} <span class=\"muted\">({})</span></li>",
                esc(c.short()),
                esc(&change_label(c)),
                f.rule,
                esc(f.service.as_deref().unwrap_or("no service")),
                esc(&f.message),
                esc(&location(f))
            );
        }
        o.push_str("</ul>\n");
    }
    let waivers = r.waivers();
    if !waivers.is_empty() {
        let _ = writeln!(
            o,
            "<h3>Waivers used</h3>\n<table><thead><tr><th>Change</th><th>Rule</th><th>Service</th><th>Subject</th><th>Reason</th><th>Approved by</th><th>Expires</th></tr></thead><tbody>"
        );
        for w in waivers {
            let _ = writeln!(
                o,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(w.change.short()),
                esc(&w.waiver.rule),
                esc(&w.waiver.service),
                esc(&w.waiver.subject),
                esc(&w.waiver.reason),
                esc(w.waiver.approved_by.as_deref().unwrap_or("—")),
                w.waiver.expires
            );
        }
        o.push_str("</tbody></table>\n");
    }

    let _ = writeln!(
        o,
        "<h2 id=\"matrix\">Risk matrix</h2>\n<p>Risk = impact × likelihood: {}; {}. The CAB approves every high or critical change and every waiver.</p>",
        esc(IMPACT_RULE),
        esc(LIKELIHOOD_RULE)
    );
    o.push_str("<table style=\"width:auto\"><thead><tr><th>impact \\ likelihood</th><th>low</th><th>medium</th><th>high</th></tr></thead><tbody>\n");
    for (impact, row) in matrix_rows() {
        let _ = writeln!(
            o,
            "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            impact.as_str(),
            badge(row[0]),
            badge(row[1]),
            badge(row[2])
        );
    }
    o.push_str("</tbody></table>\n");

    if let Some(w) = &r.window {
        let _ = writeln!(
            o,
            "<h2 id=\"window\">Implementation window</h2>\n<p><code>{}</code>: {} <span class=\"muted\">(UTC {} – {})</span></p>",
            esc(&w.text),
            esc(&w.local),
            w.start,
            w.end
        );
        if !w.freezes.is_empty() {
            o.push_str("<ul>\n");
            for f in &w.freezes {
                let _ = writeln!(
                    o,
                    "<li class=\"yes\">Inside freeze {} ({} to {}): {}</li>",
                    esc(&f.name),
                    f.from,
                    f.to,
                    esc(&f.stretch.local)
                );
            }
            o.push_str("</ul>\n");
        }
        o.push_str("<table><thead><tr><th>Service</th><th>Hours of operation</th><th>Inside hours</th><th>Overlap (service's local time)</th><th>Inside freeze</th></tr></thead><tbody>\n");
        for ws in w.services.values() {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&ws.service),
                esc(ws.hours.as_deref().unwrap_or("none in the plan")),
                yes_no(ws.inside_hours),
                if ws.hours_overlap.is_empty() {
                    "—".to_string()
                } else {
                    esc(&stretches(&ws.hours_overlap))
                },
                if ws.inside_freeze {
                    format!("{}: {}", yes_no(true), esc(&freeze_text(&ws.freezes)))
                } else {
                    yes_no(false)
                }
            );
        }
        o.push_str("</tbody></table>\n");
    }

    let _ = writeln!(o, "<h2 id=\"changes\">Changes</h2>");
    if r.changes.is_empty() {
        o.push_str(if r.not_assessed.is_empty() {
            "<p>No changes in the range.</p>\n"
        } else {
            "<p>No change of the range could be assessed: see “Not assessed”.</p>\n"
        });
    }
    for (n, c) in r.changes.iter().enumerate() {
        change_html(&mut o, r, n + 1, c);
    }

    let _ = writeln!(o, "<h2 id=\"services\">Services</h2>");
    if r.services.is_empty() {
        o.push_str("<p>No service was touched.</p>\n");
    }
    for e in &r.services {
        let i = &e.info;
        let _ = writeln!(
            o,
            "<section class=\"service\" id=\"service-{}\"><h3>{}{}</h3>",
            esc(&anchor(&i.name)),
            esc(&i.name),
            i.tier
                .as_ref()
                .map(|t| format!(" <span class=\"muted\">({})</span>", esc(t)))
                .unwrap_or_default()
        );
        if let Some(d) = &i.description {
            let _ = writeln!(o, "<p>{}</p>", esc(d));
        }
        let _ = writeln!(
            o,
            "<p>RTO {} · RPO {} · hours {} · impact {} · owners {}<br>Recovery plan {} · {}{}</p>",
            dur(i.rto),
            dur(i.rpo),
            esc(i.hours.as_deref().unwrap_or("—")),
            i.impact.as_str(),
            esc_list(&i.owners),
            i.recovery_plan.as_deref().map_or_else(
                || "none".to_string(),
                |p| format!("<code>{}</code>", esc(p))
            ),
            esc(&overdue_text(i)),
            if i.test_overdue {
                " — <span class=\"yes\">test overdue</span>"
            } else {
                ""
            }
        );
        o.push_str("<table><thead><tr><th>Change</th><th>Title</th><th>Risk</th><th>Introduced</th><th>Existing</th><th>Waived</th></tr></thead><tbody>\n");
        for &k in &e.changes {
            let Some(c) = r.changes.get(k) else { continue };
            let (a, b, w) = counts_for(c, &i.name);
            let _ = writeln!(
                o,
                "<tr><td><a href=\"#change-{}\"><code>{}</code></a></td><td>{}</td><td>{}</td><td>{a}</td><td>{b}</td><td>{w}</td></tr>",
                esc(&c.commit),
                esc(c.short()),
                esc(&change_label(c)),
                badge(c.risk)
            );
        }
        o.push_str("</tbody></table></section>\n");
    }
    if !r.not_assessed.is_empty() {
        o.push_str("<h2 id=\"not-assessed\">Not assessed</h2>\n<ul>\n");
        for n in &r.not_assessed {
            let _ = writeln!(
                o,
                "<li><code>{}</code> {}: {}</li>",
                esc(n.commit.get(..12).unwrap_or(&n.commit)),
                esc(&n.title),
                esc(&n.reason)
            );
        }
        o.push_str("</ul>\n");
    }
    if !r.notes.is_empty() {
        o.push_str("<h2 id=\"notes\">Notes</h2>\n<ul>\n");
        for n in &r.notes {
            let _ = writeln!(o, "<li>{}</li>", esc(n));
        }
        o.push_str("</ul>\n");
    }
    o.push_str("<footer>continuity-guard report</footer>\n</body>\n</html>\n");
    o
}

fn yes_no(b: bool) -> String {
    if b {
        "<span class=\"yes\">yes</span>".into()
    } else {
        "no".into()
    }
}

/// An id-safe form of a name.
fn anchor(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

fn change_html(o: &mut String, r: &CabReport, n: usize, c: &Change) {
    let _ = writeln!(
        o,
        "<section class=\"change\" id=\"change-{}\"><h3><span>{n}. {}</span>{}</h3>",
        esc(&c.commit),
        esc(&change_label(c)),
        badge(c.risk)
    );
    let _ = writeln!(
        o,
        "<p class=\"meta\">Commit <code>{}</code> · {} · {} · {}{} · impact {} × likelihood {}</p>",
        esc(c.short()),
        esc(&c.author),
        c.date,
        plural(c.files_changed, "file"),
        if c.merge { " · merge" } else { "" },
        c.impact.as_str(),
        c.likelihood.as_str()
    );
    if c.services.is_empty() {
        o.push_str("<p>Touches no service of the plan.</p>\n");
    } else {
        o.push_str("<table><thead><tr><th>Service</th><th>Tier</th><th>RTO</th><th>RPO</th><th>Hours</th><th>Owners</th><th>What changed</th></tr></thead><tbody>\n");
        for s in &c.services {
            let i = &s.info;
            let _ = writeln!(
                o,
                "<tr><td><a href=\"#service-{}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&anchor(&i.name)),
                esc(&i.name),
                esc(i.tier.as_deref().unwrap_or("—")),
                dur(i.rto),
                dur(i.rpo),
                esc(i.hours.as_deref().unwrap_or("—")),
                esc_list(&i.owners),
                if s.target_changes.is_empty() {
                    "—".to_string()
                } else {
                    esc(&s.target_changes.join("; "))
                }
            );
        }
        o.push_str("</tbody></table>\n");
    }
    if !c.findings.is_empty() {
        o.push_str("<table><thead><tr><th>Severity</th><th>Rule</th><th>Service</th><th>Status</th><th>Finding</th><th>Where</th></tr></thead><tbody>\n");
        for f in &c.findings {
            let _ = writeln!(
                o,
                "<tr><td class=\"sev-{0}\">{0}</td><td>{1} {2}</td><td>{3}</td><td>{4}</td><td>{5}{6}</td><td><code>{7}</code></td></tr>",
                f.severity.as_str(),
                f.rule,
                f.name,
                esc(f.service.as_deref().unwrap_or("—")),
                status(f),
                esc(&f.message),
                f.waived_by
                    .as_deref()
                    .map(|w| format!(" <span class=\"muted\">({})</span>", esc(w)))
                    .unwrap_or_default(),
                esc(&location(f))
            );
        }
        o.push_str("</tbody></table>\n");
    }
    if !c.approvals.is_empty() {
        o.push_str("<p><b>Approvals required</b></p><ul>\n");
        for a in &c.approvals {
            let _ = writeln!(
                o,
                "<li><b>{}</b> — {}</li>",
                esc(&a.approver),
                esc(&a.reasons.join("; "))
            );
        }
        o.push_str("</ul>\n");
    }
    if !c.recovery_plans.is_empty() {
        o.push_str("<table><thead><tr><th>Recovery plan to review</th><th>Service</th><th>Last tested</th><th>Edited in this change</th></tr></thead><tbody>\n");
        for p in &c.recovery_plans {
            let _ = writeln!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}{}</td><td>{}</td></tr>",
                p.path.as_deref().map_or_else(
                    || "none in the plan".to_string(),
                    |x| format!(
                        "<code>{}</code>{}",
                        esc(x),
                        if p.exists { "" } else { " (missing)" }
                    )
                ),
                esc(&p.service),
                p.last_tested
                    .map_or_else(|| "never".to_string(), |d| d.to_string()),
                if p.test_overdue {
                    " <span class=\"yes\">(overdue)</span>"
                } else {
                    ""
                },
                if p.updated { "yes" } else { "no" }
            );
        }
        o.push_str("</tbody></table>\n");
    }
    if !c.notes.is_empty() {
        o.push_str("<p><b>Notes</b></p><ul>\n");
        for n in &c.notes {
            let _ = writeln!(o, "<li>{}</li>", esc(n));
        }
        o.push_str("</ul>\n");
    }
    if let Some(w) = &r.window {
        let hits: Vec<&WindowService> = c
            .services
            .iter()
            .filter_map(|s| w.services.get(&s.info.name))
            .filter(|ws| ws.inside_hours || ws.inside_freeze)
            .collect();
        if !hits.is_empty() {
            let _ = writeln!(o, "<p><b>Window <code>{}</code></b></p><ul>", esc(&w.text));
            for ws in hits {
                let mut what = Vec::new();
                if ws.inside_hours {
                    what.push(format!("inside hours ({})", stretches(&ws.hours_overlap)));
                }
                if ws.inside_freeze {
                    what.push(format!("inside freeze ({})", freeze_text(&ws.freezes)));
                }
                let _ = writeln!(
                    o,
                    "<li class=\"yes\">{}: {}</li>",
                    esc(&ws.service),
                    esc(&what.join(", "))
                );
            }
            o.push_str("</ul>\n");
        }
    }
    o.push_str("</section>\n");
}

// ─────────────────────────────── JSON ───────────────────────────────

#[derive(Serialize)]
struct Json<'a> {
    schema: &'static str,
    range: JRange<'a>,
    as_of: String,
    timezone: &'a str,
    risk_matrix: JMatrix,
    #[serde(skip_serializing_if = "Option::is_none")]
    window: Option<JWindow<'a>>,
    changes: Vec<JChange<'a>>,
    services: Vec<JServiceEntry<'a>>,
    summary: crate::report::CabSummary,
    not_assessed: &'a [crate::report::NotAssessed],
    notes: &'a [String],
    /// The built-in zone database's version.
    tzdb: &'static str,
}

#[derive(Serialize)]
struct JRange<'a> {
    spec: &'a str,
    from: Option<&'a str>,
    to: Option<&'a str>,
}

#[derive(Serialize)]
struct JMatrix {
    impact: &'static str,
    likelihood: &'static str,
    ratings: Vec<JRating>,
}

#[derive(Serialize)]
struct JRating {
    impact: Level,
    likelihood: Level,
    risk: Risk,
}

#[derive(Serialize)]
struct JStretch<'a> {
    start: String,
    end: String,
    local: &'a str,
}

fn jstretch(s: &Stretch) -> JStretch<'_> {
    JStretch {
        start: s.start.to_string(),
        end: s.end.to_string(),
        local: &s.local,
    }
}

#[derive(Serialize)]
struct JFreeze<'a> {
    name: &'a str,
    from: String,
    to: String,
    overlap: JStretch<'a>,
}

fn jfreezes(f: &[FreezeHit]) -> Vec<JFreeze<'_>> {
    f.iter()
        .map(|h| JFreeze {
            name: &h.name,
            from: h.from.to_string(),
            to: h.to.to_string(),
            overlap: jstretch(&h.stretch),
        })
        .collect()
}

#[derive(Serialize)]
struct JWindow<'a> {
    text: &'a str,
    start: String,
    end: String,
    local: &'a str,
    inside_freeze: bool,
    freezes: Vec<JFreeze<'a>>,
}

#[derive(Serialize)]
struct JWindowService<'a> {
    service: &'a str,
    hours: Option<&'a str>,
    inside_hours: bool,
    hours_overlap: Vec<JStretch<'a>>,
    inside_freeze: bool,
    freezes: Vec<JFreeze<'a>>,
}

fn jwindow_service(w: &WindowService) -> JWindowService<'_> {
    JWindowService {
        service: &w.service,
        hours: w.hours.as_deref(),
        inside_hours: w.inside_hours,
        hours_overlap: w.hours_overlap.iter().map(jstretch).collect(),
        inside_freeze: w.inside_freeze,
        freezes: jfreezes(&w.freezes),
    }
}

#[derive(Serialize)]
struct JChangeWindow<'a> {
    services: Vec<JWindowService<'a>>,
}

#[derive(Serialize)]
struct JTargets<'a> {
    rto_seconds: Option<i64>,
    rpo_seconds: Option<i64>,
    hours: Option<&'a str>,
}

#[derive(Serialize)]
struct JChangeService<'a> {
    name: &'a str,
    tier: Option<&'a str>,
    targets: JTargets<'a>,
    owners: &'a [String],
    impact: Level,
    removed: bool,
    target_changes: &'a [String],
}

#[derive(Serialize)]
struct JFinding<'a> {
    rule: &'a str,
    name: &'a str,
    severity: &'a str,
    introduced: bool,
    waived: bool,
    service: Option<&'a str>,
    message: &'a str,
    location: JLocation<'a>,
    help: Option<&'a str>,
}

#[derive(Serialize)]
struct JLocation<'a> {
    side: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct JApproval<'a> {
    approver: &'a str,
    reasons: &'a [String],
}

#[derive(Serialize)]
struct JWaiver<'a> {
    rule: &'a str,
    service: &'a str,
    resource: Option<&'a str>,
    subject: &'a str,
    reason: &'a str,
    approved_by: Option<&'a str>,
    expires: String,
}

#[derive(Serialize)]
struct JRecoveryPlan<'a> {
    service: &'a str,
    path: Option<&'a str>,
    exists: bool,
    updated: bool,
    last_tested: Option<String>,
    test_overdue: bool,
}

#[derive(Serialize)]
struct JChange<'a> {
    commit: &'a str,
    title: &'a str,
    pull_request: Option<u64>,
    author: &'a str,
    date: String,
    merge: bool,
    files_changed: usize,
    services: Vec<JChangeService<'a>>,
    findings: Vec<JFinding<'a>>,
    impact: Level,
    likelihood: Level,
    risk: Risk,
    approvals: Vec<JApproval<'a>>,
    waivers: Vec<JWaiver<'a>>,
    recovery_plans: Vec<JRecoveryPlan<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    window: Option<JChangeWindow<'a>>,
    notes: &'a [String],
}

#[derive(Serialize)]
struct JServiceEntry<'a> {
    name: &'a str,
    tier: Option<&'a str>,
    description: Option<&'a str>,
    targets: JTargets<'a>,
    owners: &'a [String],
    impact: Level,
    recovery_plan: Option<&'a str>,
    last_tested: Option<String>,
    test_every_seconds: Option<i64>,
    test_due: Option<String>,
    test_overdue: bool,
    changes: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    window: Option<JWindowService<'a>>,
}

fn jtargets(i: &ServiceInfo) -> JTargets<'_> {
    JTargets {
        rto_seconds: i.rto,
        rpo_seconds: i.rpo,
        hours: i.hours.as_deref(),
    }
}

fn jfinding(f: &Finding) -> JFinding<'_> {
    JFinding {
        rule: f.rule,
        name: f.name,
        severity: f.severity.as_str(),
        introduced: f.introduced,
        waived: f.waived,
        service: f.service.as_deref(),
        message: &f.message,
        location: JLocation {
            side: f.location.side.as_str(),
            path: &f.location.path,
            line: f.location.line,
            column: f.location.column,
        },
        help: f.help.as_deref(),
    }
}

/// Renders the JSON report, schema `continuity-guard/cab/v1`.
pub fn json(r: &CabReport) -> String {
    let mut ratings = Vec::new();
    for (impact, row) in matrix_rows() {
        for (likelihood, risk) in [Level::Low, Level::Medium, Level::High]
            .into_iter()
            .zip(row)
        {
            ratings.push(JRating {
                impact,
                likelihood,
                risk,
            });
        }
    }
    let changes = r
        .changes
        .iter()
        .map(|c| JChange {
            commit: &c.commit,
            title: &c.title,
            pull_request: c.pull_request,
            author: &c.author,
            date: c.date.to_string(),
            merge: c.merge,
            files_changed: c.files_changed,
            services: c
                .services
                .iter()
                .map(|s| JChangeService {
                    name: &s.info.name,
                    tier: s.info.tier.as_deref(),
                    targets: jtargets(&s.info),
                    owners: &s.info.owners,
                    impact: s.info.impact,
                    removed: s.removed,
                    target_changes: &s.target_changes,
                })
                .collect(),
            findings: c.findings.iter().map(jfinding).collect(),
            impact: c.impact,
            likelihood: c.likelihood,
            risk: c.risk,
            approvals: c
                .approvals
                .iter()
                .map(|a| JApproval {
                    approver: &a.approver,
                    reasons: &a.reasons,
                })
                .collect(),
            waivers: c
                .waivers
                .iter()
                .map(|w| JWaiver {
                    rule: &w.rule,
                    service: &w.service,
                    resource: w.resource.as_deref(),
                    subject: &w.subject,
                    reason: &w.reason,
                    approved_by: w.approved_by.as_deref(),
                    expires: w.expires.to_string(),
                })
                .collect(),
            recovery_plans: c
                .recovery_plans
                .iter()
                .map(|p| JRecoveryPlan {
                    service: &p.service,
                    path: p.path.as_deref(),
                    exists: p.exists,
                    updated: p.updated,
                    last_tested: p.last_tested.map(|d| d.to_string()),
                    test_overdue: p.test_overdue,
                })
                .collect(),
            window: r.window.as_ref().map(|w| JChangeWindow {
                services: c
                    .services
                    .iter()
                    .filter_map(|s| w.services.get(&s.info.name))
                    .map(jwindow_service)
                    .collect(),
            }),
            notes: &c.notes,
        })
        .collect();
    let services = r
        .services
        .iter()
        .map(|e| {
            let i = &e.info;
            JServiceEntry {
                name: &i.name,
                tier: i.tier.as_deref(),
                description: i.description.as_deref(),
                targets: jtargets(i),
                owners: &i.owners,
                impact: i.impact,
                recovery_plan: i.recovery_plan.as_deref(),
                last_tested: i.last_tested.map(|d| d.to_string()),
                test_every_seconds: i.test_every,
                test_due: i.test_due.map(|d| d.to_string()),
                test_overdue: i.test_overdue,
                changes: e
                    .changes
                    .iter()
                    .filter_map(|k| r.changes.get(*k))
                    .map(|c| c.commit.as_str())
                    .collect(),
                window: r
                    .window
                    .as_ref()
                    .and_then(|w| w.services.get(&i.name))
                    .map(jwindow_service),
            }
        })
        .collect();
    let json = Json {
        schema: "continuity-guard/cab/v1",
        range: JRange {
            spec: &r.range.spec,
            from: r.range.from.as_deref(),
            to: r.range.to.as_deref(),
        },
        as_of: r.as_of.to_string(),
        timezone: &r.timezone,
        risk_matrix: JMatrix {
            impact: IMPACT_RULE,
            likelihood: LIKELIHOOD_RULE,
            ratings,
        },
        window: r.window.as_ref().map(|w| JWindow {
            text: &w.text,
            start: w.start.to_string(),
            end: w.end.to_string(),
            local: &w.local,
            inside_freeze: !w.freezes.is_empty(),
            freezes: jfreezes(&w.freezes),
        }),
        changes,
        services,
        summary: r.summary(),
        not_assessed: &r.not_assessed,
        notes: &r.notes,
        tzdb: crate::tzdb::version(),
    };
    let mut s = serde_json::to_string_pretty(&json).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::model::Severity;

    #[test]
    fn markdown_escaping() {
        assert_eq!(
            md("<!-- @cab | a&b -->", true),
            "&lt;!-- @\u{200B}cab \\| a&amp;b --&gt;"
        );
        assert_eq!(code("a`b", false), "``a`b``");
        assert_eq!(code("`x`", false), "`` `x` ``");
        assert_eq!(code("a|b", true), "`a\\|b`");
    }

    #[test]
    fn html_escaping() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(anchor("pay ments/<x>"), "pay-ments--x-");
    }

    #[test]
    fn severities_have_css() {
        for s in [Severity::Error, Severity::Warning, Severity::Note] {
            assert!(CSS.contains(&format!(".sev-{}", s.as_str())));
        }
    }
}
