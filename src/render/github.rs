//! GitHub Actions workflow commands (`--format github`): one annotation per
//! introduced finding, most severe first. GitHub shows at most 10 errors, 10
//! warnings and 10 notices per step and drops the rest silently, so past
//! that one notice says how many more the job summary lists. The summary
//! itself is the markdown report, which `main.rs` appends to
//! `$GITHUB_STEP_SUMMARY`.

use crate::Report;
use crate::engine::Finding;
use crate::plan::model::Severity;
use crate::source::Side;

/// Annotations GitHub shows per severity and step.
pub const PER_LEVEL: usize = 10;

/// Escapes a command's message (data): `%`, CR and LF, and writes other
/// control characters as `\x1b` (the log is a terminal).
pub fn escape_data(s: &str) -> String {
    let data = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    super::terminal::one_line(&data).into_owned()
}

/// Escapes a command's property value: as data, plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

fn annotation(f: &Finding) -> String {
    let loc = &f.location;
    let mut title = format!("{} {}", f.rule, f.name);
    if loc.side == Side::Base {
        title.push_str(" (in the base revision)");
    }
    let mut message = f.message.clone();
    if let Some(h) = &f.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    format!(
        "::{} file={},line={},col={},title={}::{}\n",
        command(f.severity),
        escape_property(&loc.path),
        loc.line,
        loc.column,
        escape_property(&title),
        escape_data(&message)
    )
}

/// Renders the annotations for the introduced, unwaived findings.
pub fn render(report: &Report) -> String {
    let findings: Vec<&Finding> = report
        .outcome
        .findings
        .iter()
        .filter(|f| f.introduced && !f.waived)
        .collect();
    let mut out = String::new();
    let mut shown = 0;
    let total = findings.len();
    for severity in [Severity::Error, Severity::Warning, Severity::Note] {
        let of_level: Vec<&&Finding> = findings.iter().filter(|f| f.severity == severity).collect();
        let mut cap = PER_LEVEL;
        if severity == Severity::Note {
            // Keep room for the closing notice, which counts as one.
            let more_elsewhere = total - shown - of_level.len() > 0;
            if more_elsewhere || of_level.len() > PER_LEVEL {
                cap = PER_LEVEL - 1;
            }
        }
        for f in of_level.iter().take(cap) {
            out.push_str(&annotation(f));
            shown += 1;
        }
    }
    if shown < total {
        let more = total - shown;
        out.push_str(&format!(
            "::notice title=continuity-guard::{} more finding{} not annotated (GitHub shows {PER_LEVEL} per severity); the job summary lists them all\n",
            more,
            if more == 1 { "" } else { "s" }
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escaping() {
        assert_eq!(escape_data("50% a\r\nb"), "50%25 a%0D%0Ab");
        assert_eq!(escape_data("%0A"), "%250A");
        assert_eq!(escape_data("a:b,c"), "a:b,c");
    }

    #[test]
    fn property_escaping() {
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
