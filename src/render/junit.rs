//! JUnit XML (`--format junit`), for test-report views (GitLab's
//! `artifacts:reports:junit`, Jenkins, Azure DevOps): one `testsuite` per
//! affected service (and one for findings outside any service), one
//! `testcase` per listed finding — failing (`<failure>`) when it blocks the
//! run, passing with its message in `system-out` otherwise — and, for a
//! service with no finding, one passing `testcase` saying so.

use crate::Report;
use crate::engine::{Finding, State};
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Text for XML 1.0: HTML's escaping (the five special characters as
/// entities), after writing the characters XML 1.0 cannot hold (most C0
/// controls, U+FFFE, U+FFFF) as `\u{…}`.
pub fn escape(s: &str) -> String {
    let mut text = String::with_capacity(s.len());
    for c in s.chars() {
        if (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}' {
            let _ = write!(text, "\\u{{{:x}}}", u32::from(c));
        } else {
            text.push(c);
        }
    }
    super::html::escape(&text)
}

/// What a finding outside any service is filed under.
const NO_SERVICE: &str = "(no service)";

fn testcase(out: &mut String, report: &Report, suite: &str, f: &Finding) {
    let loc = &f.location;
    let name = format!("{} {} {}:{}", f.rule, f.subject, loc.path, loc.line);
    let mut text = f.message.clone();
    if let Some(h) = &f.help {
        text.push_str("\nhelp: ");
        text.push_str(h);
    }
    let _ = writeln!(
        out,
        "    <testcase classname=\"continuity-guard.{}\" name=\"{}\" file=\"{}\" line=\"{}\">",
        escape(suite),
        escape(&name),
        escape(&loc.path),
        loc.line
    );
    if report.blocks(f) {
        let _ = writeln!(
            out,
            "      <failure type=\"{}\" message=\"{}\">{}</failure>",
            f.rule,
            escape(&f.message),
            escape(&text)
        );
    } else {
        let _ = writeln!(
            out,
            "      <system-out>{} (not blocking): {}</system-out>",
            f.severity.as_str(),
            escape(&text)
        );
    }
    out.push_str("    </testcase>\n");
}

/// Renders the report.
pub fn render(report: &Report) -> String {
    let mut suites: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for s in report.outcome.services.iter().filter(|s| s.affected) {
        suites.entry(s.name.as_str()).or_default();
    }
    for f in report.listed().filter(|f| f.state != State::Resolved) {
        let suite = f.service.as_deref().unwrap_or(NO_SERVICE);
        suites.entry(suite).or_default().push(f);
    }
    let count = |fs: &[&Finding]| {
        let failures = fs.iter().filter(|f| report.blocks(f)).count();
        (fs.len().max(1), failures)
    };
    let (tests, failures) = suites
        .values()
        .map(|fs| count(fs))
        .fold((0, 0), |(t, f), (a, b)| (t + a, f + b));
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"continuity-guard\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">"
    );
    for (suite, findings) in &suites {
        let (tests, failures) = count(findings);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">",
            escape(suite)
        );
        if findings.is_empty() {
            let _ = writeln!(
                out,
                "    <testcase classname=\"continuity-guard.{0}\" name=\"{0}: no finding\"/>",
                escape(suite)
            );
        }
        for f in findings {
            testcase(&mut out, report, suite, f);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_keeps_xml_well_formed() {
        assert_eq!(
            escape("a<b>&\"c'\u{1}\u{FFFF}\n"),
            "a&lt;b&gt;&amp;&quot;c&#39;\\u{1}\\u{ffff}\n"
        );
    }
}
