//! Human output, rustc-style (annotate-snippets): code, severity, message,
//! the source line with the field underlined, the plan line that sets the
//! target, help.

use super::terminal::one_line;
use crate::Report;
use crate::engine::{Finding, SourceStore, State};
use crate::plan::model::Severity;
use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

fn level(s: Severity) -> Level<'static> {
    match s {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    }
}

/// Clamps a span so it is never empty (annotate-snippets needs a character to point at).
fn visible(text: &str, span: crate::readers::Span) -> std::ops::Range<usize> {
    let start = span.start.min(text.len());
    let mut end = span.end.min(text.len()).max(start);
    if end == start {
        end = text[start..]
            .char_indices()
            .nth(1)
            .map_or(text.len(), |(i, _)| start + i);
        // Never underline the line break itself.
        if text[start..end].contains('\n') {
            end = start;
        }
    }
    start..end
}

/// The lines a (visible) span covers, the span relative to them: the
/// snippet is cut to them, so annotate-snippets reads those lines and not
/// the whole file for every finding (10,000 findings in one 1.7 MB file cost
/// findings × file size).
fn excerpt(text: &str, span: std::ops::Range<usize>) -> (&str, std::ops::Range<usize>) {
    let from = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let to = text[span.end..]
        .find('\n')
        .map_or(text.len(), |i| span.end + i);
    (&text[from..to], span.start - from..span.end - from)
}

/// A snippet of `text` around `span` (first line `line`), labelled.
fn snippet<'a>(
    text: &'a str,
    span: crate::readers::Span,
    line: usize,
    path: String,
    kind: AnnotationKind,
    label: String,
) -> Snippet<'a, annotate_snippets::Annotation<'a>> {
    let (lines, at) = excerpt(text, visible(text, span));
    Snippet::source(lines)
        .line_start(line.max(1))
        .path(path)
        .annotation(kind.span(at).label(label))
}

fn finding(f: &Finding, sources: &SourceStore, renderer: &Renderer) -> String {
    let mut title = one_line(&f.message).into_owned();
    if f.waived {
        title.push_str(&format!(
            " [waived: {}]",
            one_line(f.waived_by.as_deref().unwrap_or(""))
        ));
    } else {
        match f.state {
            State::Existing => title.push_str(" [existing]"),
            State::NewlyInScope => title.push_str(" [newly in scope: not blocking]"),
            State::Resolved => title.push_str(" [resolved by this change]"),
            State::Introduced | State::Worsened => {}
        }
    }
    // What the change resolved is good news: never shown as an error.
    let lvl = if f.state == State::Resolved {
        Level::NOTE
    } else {
        level(f.severity)
    };
    let primary_label = match &f.service {
        Some(s) => format!("service {}", one_line(s)),
        None => "no service".to_string(),
    };
    let mut group = Group::with_title(lvl.clone().primary_title(title).id(f.rule));
    let loc = &f.location;
    let path = format!(
        "{}{}",
        one_line(&loc.path),
        if loc.side == crate::source::Side::Base {
            " (base)"
        } else {
            ""
        }
    );
    match sources.text(loc.side, &loc.path) {
        Some(text) if !text.is_empty() => {
            group = group.element(snippet(
                text,
                loc.span,
                loc.line,
                path.clone(),
                AnnotationKind::Primary,
                primary_label,
            ));
        }
        _ => {
            group = group.element(
                annotate_snippets::Origin::path(path.clone())
                    .line(loc.line)
                    .char_column(loc.column),
            );
        }
    }
    for (l, label) in &f.secondary {
        if let Some(text) = sources.text(l.side, &l.path) {
            let p = format!(
                "{}{}",
                one_line(&l.path),
                if l.side == crate::source::Side::Base {
                    " (base)"
                } else {
                    ""
                }
            );
            group = group.element(snippet(
                text,
                l.span,
                l.line,
                p,
                AnnotationKind::Context,
                one_line(label).into_owned(),
            ));
        }
    }
    let mut groups = vec![group];
    if let Some(h) = &f.help {
        groups.push(Group::with_title(Level::HELP.secondary_title(one_line(h))));
    }
    renderer.render(&groups)
}

/// Renders the report for a terminal or a log.
pub fn render(report: &Report, color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut out = String::new();
    out.push_str(&format!(
        "continuity-guard: comparing {}\n",
        one_line(&report.compared())
    ));
    for n in &report.outcome.notes {
        out.push_str(&format!("note: {}\n", one_line(n)));
    }
    out.push('\n');
    for f in report.listed() {
        out.push_str(&finding(f, &report.outcome.sources, &renderer));
        out.push_str("\n\n");
    }
    let s = report.summary();
    let affected: Vec<std::borrow::Cow<str>> = report
        .outcome
        .services
        .iter()
        .filter(|s| s.affected)
        .map(|s| one_line(&s.name))
        .collect();
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    out.push_str(&format!(
        "{} introduced ({} blocking) in {}{}; {} existing, {}{}{} waived\n",
        [
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            plural(s.notes, "note")
        ]
        .join(", "),
        s.blocking,
        plural(s.services_affected, "affected service"),
        if affected.is_empty() {
            String::new()
        } else {
            format!(" ({})", affected.join(", "))
        },
        s.existing,
        if s.newly_in_scope > 0 {
            format!("{} newly in scope, ", s.newly_in_scope)
        } else {
            String::new()
        },
        if s.resolved > 0 {
            format!("{} resolved, ", s.resolved)
        } else {
            String::new()
        },
        s.waived,
    ));
    out
}
