//! The pull-request comment (`--format markdown`, DESIGN §6): a hidden
//! marker, a verdict, the affected services and what the change does to them,
//! findings grouped by service with links to the exact lines, and the
//! existing or waived findings folded away.
//!
//! Every piece of text that comes from the repository goes through [`text`],
//! [`cell`] or [`code`] so the rendered comment holds no HTML tag, live
//! mention or comment terminator of the repository's making. The comment is
//! cut to GitHub's limit, least severe findings first.

use crate::Report;
use crate::engine::{Finding, Location, ServiceState, State};
use crate::plan::duration::format_duration;
use crate::plan::model::Severity;
use crate::source::Side;
use std::fmt::Write as _;

/// The hidden marker that starts the comment; the action finds its own
/// comment by it.
pub const MARKER: &str = "<!-- continuity-guard -->";

/// GitHub refuses comments of 65,536 characters or more, counted in UTF-16
/// code units.
pub const COMMENT_LIMIT: usize = 65_535;

/// Longest piece of repository text quoted in one place, in characters; a
/// longer one is clipped with `…` so no single value can crowd out the rest.
const CLIP: usize = 400;

/// What the renderer needs from the environment, passed in so the library
/// stays pure.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `$GITHUB_SERVER_URL`, e.g. `https://github.com`.
    pub server_url: Option<String>,
    /// `$GITHUB_REPOSITORY`, e.g. `acme/infra`.
    pub repository: Option<String>,
    /// Most UTF-16 code units the comment may take ([`COMMENT_LIMIT`] when 0).
    pub max_utf16: usize,
}

impl Options {
    /// Options from `$GITHUB_SERVER_URL` and `$GITHUB_REPOSITORY` values.
    pub fn github(server_url: Option<String>, repository: Option<String>) -> Options {
        Options {
            server_url: server_url.filter(|s| !s.is_empty()),
            repository: repository.filter(|s| !s.is_empty()),
            max_utf16: COMMENT_LIMIT,
        }
    }

    fn limit(&self) -> usize {
        if self.max_utf16 == 0 {
            COMMENT_LIMIT
        } else {
            self.max_utf16
        }
    }
}

/// Clips to [`CLIP`] characters and turns control characters (line breaks
/// included) and bidirectional overrides into spaces: a line break could
/// start an HTML block that no inline escaping stops.
fn flatten(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(CLIP)
        .map(|c| {
            if c.is_control() || super::terminal::escaped(c) {
                ' '
            } else {
                c
            }
        })
        .collect();
    if s.chars().nth(CLIP).is_some() {
        out.push('…');
    }
    out
}

/// Escapes repository text for markdown prose: `&`, `<`, `>` as entities, a
/// zero-width space after `@`, and a backslash before the punctuation that
/// could start emphasis, links, code, math or table cells; GitHub's
/// autolinks and references are broken with a zero-width space too
/// (`https://…`, `www.…`, `#12`, `GH-3`, `owner/repo#1`, a commit id), so
/// nothing from the repository becomes a live link (DESIGN §6).
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in unlinked(&flatten(s)).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '@' => out.push_str("@\u{200B}"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// Breaks GitHub's autolinks and references with a zero-width space.
fn unlinked(s: &str) -> String {
    const ZWSP: char = '\u{200B}';
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let rest = |n: usize| {
            chars[i..]
                .iter()
                .take(n)
                .collect::<String>()
                .to_ascii_lowercase()
        };
        let word_start = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        out.push(c);
        if c == '#' || (c == ':' && rest(3) == "://") {
            // `#12`, `owner/repo#1`, `https://…`
            out.push(ZWSP);
        } else if word_start && (rest(4) == "www." || rest(3) == "gh-") {
            // `www.…`, `GH-3`
            out.push(ZWSP);
        } else if word_start && c.is_ascii_hexdigit() {
            // A commit id: a word of 7 to 40 hex digits.
            let run = chars[i..]
                .iter()
                .take_while(|c| c.is_ascii_hexdigit())
                .count();
            let ends_word = chars
                .get(i + run)
                .is_none_or(|c| !c.is_ascii_alphanumeric());
            let word = &chars[i..i + run];
            if (7..=40).contains(&run)
                && ends_word
                && word.iter().any(char::is_ascii_digit)
                && word.iter().any(char::is_ascii_alphabetic)
            {
                out.push(ZWSP);
            }
        }
        i += 1;
    }
    out
}

/// [`text`] for a table cell (where `|` must be `\|`, which [`text`] does).
pub fn cell(s: &str) -> String {
    text(s)
}

/// A code span fenced with one backtick more than the longest run inside,
/// padded when the content starts or ends with a backtick or a space.
/// Mentions, HTML and entities are inert in a code span.
pub fn code(s: &str) -> String {
    let content = flatten(s);
    let mut longest = 0;
    let mut run = 0;
    for c in content.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    let fence = "`".repeat(longest + 1);
    let pad = content.starts_with(['`', ' ']) || content.ends_with(['`', ' ']);
    let space = if pad { " " } else { "" };
    format!("{fence}{space}{content}{space}{fence}")
}

/// A code span inside a table cell: GFM splits cells before it reads code
/// spans, so `|` is `\|` there too.
pub fn cell_code(s: &str) -> String {
    code(s).replace('|', "\\|")
}

/// Percent-encodes a path for a URL, keeping `/` and unreserved characters.
pub(crate) fn url_path(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn emoji(s: Severity) -> &'static str {
    match s {
        Severity::Error => "🛑",
        Severity::Warning => "⚠️",
        Severity::Note => "ℹ️",
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// The UTF-16 length GitHub counts.
pub fn utf16_len(s: &str) -> usize {
    s.chars().map(char::len_utf16).sum()
}

struct Renderer<'a> {
    report: &'a Report,
    opts: &'a Options,
}

impl Renderer<'_> {
    /// `path:line` as a code span, linked to the line at the commit of its
    /// side when the repository's address is known.
    fn location(&self, loc: &Location) -> String {
        let label = code(&format!("{}:{}", loc.path, loc.line));
        let side = match loc.side {
            Side::Head => &self.report.head,
            Side::Base => &self.report.base,
        };
        let suffix = if loc.side == Side::Base {
            " (base)"
        } else {
            ""
        };
        match (&self.opts.server_url, &self.opts.repository, &side.commit) {
            (Some(server), Some(repo), Some(sha)) => format!(
                "[{label}]({}/{}/blob/{}/{}#L{}){suffix}",
                server.trim_end_matches('/'),
                url_path(repo),
                url_path(sha),
                url_path(&loc.path),
                loc.line
            ),
            _ => format!("{label}{suffix}"),
        }
    }

    fn verdict(&self, listed: &[&Finding]) -> String {
        let s = self.report.summary();
        let counts = [
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            plural(s.notes, "note"),
        ]
        .join(", ");
        let services = plural(s.services_affected, "affected service");
        if s.services_affected == 0 && listed.is_empty() {
            return "✅ **This change no longer affects any service of the continuity plan.**"
                .to_string();
        }
        if s.blocking > 0 {
            format!(
                "🛑 **{} blocking** — {counts} introduced in {services}.",
                plural(s.blocking, "finding")
            )
        } else if s.errors + s.warnings + s.notes > 0 {
            format!("⚠️ **Nothing blocking** — {counts} introduced in {services}.")
        } else {
            format!("✅ **No findings introduced** in {services}.")
        }
    }

    fn compared(&self) -> String {
        fn side(s: &crate::source::SideInfo) -> String {
            match (&s.dir, &s.rev, &s.commit) {
                (Some(d), _, _) => format!("directory {}", code(d)),
                (_, Some(r), Some(c)) => {
                    format!("{} ({})", code(c.get(..12).unwrap_or(c)), text(r))
                }
                (_, Some(r), None) => text(r),
                _ => "?".into(),
            }
        }
        format!(
            "Compared {} → {}.",
            side(&self.report.base),
            side(&self.report.head)
        )
    }

    fn change_cell(state: &ServiceState) -> String {
        let floor = |f: &Option<crate::facts::ServiceFacts>| f.as_ref().and_then(|f| f.min_floor());
        match (&state.base, &state.head) {
            (None, Some(_)) => "service added".into(),
            (Some(_), None) => "service removed".into(),
            _ => match (floor(&state.base), floor(&state.head)) {
                (Some(a), Some(b)) if a != b => format!("min replicas {a} → {b}"),
                (Some(a), Some(_)) => format!("min replicas {a} (unchanged)"),
                (None, Some(b)) => format!("min replicas — → {b}"),
                (Some(a), None) => format!("min replicas {a} → —"),
                (None, None) => "—".into(),
            },
        }
    }

    fn services_table(&self, out: &mut String, rows: usize) {
        let affected: Vec<&ServiceState> = self
            .report
            .outcome
            .services
            .iter()
            .filter(|s| s.affected || self.report.all)
            .collect();
        if affected.is_empty() {
            return;
        }
        out.push_str(
            "| Service | Tier | RTO | RPO | Hours | What the change does |\n| --- | --- | --- | --- | --- | --- |\n",
        );
        for s in affected.iter().take(rows) {
            let t = &s.service.targets;
            let dur = |d: &Option<crate::plan::model::Sp<i64>>| {
                d.as_ref()
                    .map_or("—".to_string(), |d| format_duration(d.value))
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                cell(&s.name),
                s.service
                    .tier
                    .as_ref()
                    .map_or("—".to_string(), |t| cell(&t.value)),
                dur(&t.rto),
                dur(&t.rpo),
                t.hours
                    .as_ref()
                    .map_or("—".to_string(), |h| cell(&h.value.canonical())),
                if s.affected {
                    Self::change_cell(s)
                } else {
                    "not affected".into()
                },
            );
        }
        if affected.len() > rows {
            let _ = writeln!(
                out,
                "\n_{} more left out to stay within GitHub's comment limit._",
                plural(affected.len() - rows, "service")
            );
        }
        out.push('\n');
    }

    fn finding(&self, out: &mut String, f: &Finding) {
        let _ = writeln!(
            out,
            "{} **{}** {} {} — {}\n",
            emoji(f.severity),
            f.rule,
            f.severity.as_str(),
            code(f.name),
            text(&f.message)
        );
        let _ = writeln!(out, "at {}\n", self.location(&f.location));
        if f.help.is_none() && f.secondary.is_empty() && f.waived_by.is_none() {
            return;
        }
        out.push_str("<details><summary>Details</summary>\n\n");
        if let Some(w) = &f.waived_by {
            let _ = writeln!(out, "Waived — {}\n", text(w));
        }
        if let Some(h) = &f.help {
            let _ = writeln!(out, "**help:** {}\n", text(h));
        }
        for (loc, label) in &f.secondary {
            let _ = writeln!(out, "- {} — {}", self.location(loc), text(label));
        }
        if !f.secondary.is_empty() {
            out.push('\n');
        }
        out.push_str("</details>\n\n");
    }

    fn service_heading(service: Option<&str>) -> String {
        match service {
            Some(s) => format!("### {}\n\n", text(s)),
            None => "### Not mapped to any service\n\n".into(),
        }
    }

    /// The comment with the first `keep` findings (in [`ordered`] order) and
    /// `rows` service rows.
    /// The change relaxes its own gate (CG407): the plan's owners approve
    /// before it merges (DESIGN §3), listed before the findings.
    fn approvals(&self, out: &mut String, ordered: &[&Finding]) {
        let relaxed: Vec<&&Finding> = ordered
            .iter()
            .filter(|f| f.rule == "CG407" && f.state != State::Resolved)
            .collect();
        if relaxed.is_empty() {
            return;
        }
        out.push_str(
            "### Approvals needed

The change relaxes its own gate; the plan's owners approve it before it merges:

",
        );
        for f in relaxed {
            let _ = writeln!(
                out,
                "- {} ({})",
                text(&f.message),
                self.location(&f.location)
            );
        }
        out.push('\n');
    }

    fn render(&self, ordered: &[&Finding], keep: usize, rows: usize) -> String {
        let mut out = String::new();
        out.push_str(MARKER);
        out.push_str("\n## continuity-guard\n\n");
        out.push_str(&self.verdict(ordered));
        out.push_str("\n\n");
        out.push_str(&self.compared());
        out.push_str("\n\n");
        self.services_table(&mut out, rows);
        self.approvals(&mut out, ordered);

        let kept = &ordered[..keep.min(ordered.len())];
        let (resolved, kept): (Vec<&Finding>, Vec<&Finding>) = kept
            .iter()
            .copied()
            .partition(|f| f.state == State::Resolved);
        let (main, folded): (Vec<&Finding>, Vec<&Finding>) =
            kept.into_iter().partition(|f| f.introduced && !f.waived);
        for (service, group) in group_by_service(&main) {
            out.push_str(&Self::service_heading(service));
            for f in group {
                self.finding(&mut out, f);
            }
        }
        if !resolved.is_empty() {
            let _ = write!(
                out,
                "<details><summary>Resolved by this change: {}</summary>\n\n",
                plural(resolved.len(), "finding")
            );
            for (service, group) in group_by_service(&resolved) {
                out.push_str(&Self::service_heading(service).replacen("###", "####", 1));
                for f in group {
                    self.finding(&mut out, f);
                }
            }
            out.push_str("</details>\n\n");
        }
        if !folded.is_empty() {
            let waived = folded.iter().filter(|f| f.waived).count();
            let newly = folded
                .iter()
                .filter(|f| !f.waived && f.state == State::NewlyInScope)
                .count();
            let newly_text = if newly > 0 {
                format!("{newly} newly in scope, ")
            } else {
                String::new()
            };
            let _ = write!(
                out,
                "<details><summary>{} existing, {newly_text}{waived} waived (not introduced by this change or accepted, never blocking)</summary>\n\n",
                folded.len() - waived - newly
            );
            for (service, group) in group_by_service(&folded) {
                out.push_str(&Self::service_heading(service).replacen("###", "####", 1));
                for f in group {
                    self.finding(&mut out, f);
                }
            }
            out.push_str("</details>\n\n");
        }
        let existing = self.report.summary().existing;
        if existing > 0 && !self.report.all {
            let _ = writeln!(
                out,
                "_{} not introduced by this change; run with `--all` to list them._\n",
                plural(existing, "existing finding")
            );
        }
        let notes = &self.report.outcome.notes;
        if !notes.is_empty() {
            let _ = write!(
                out,
                "<details><summary>Not assessed: {}</summary>\n\n",
                plural(notes.len(), "note")
            );
            const NOTES_SHOWN: usize = 50;
            for n in notes.iter().take(NOTES_SHOWN) {
                let _ = writeln!(out, "- {}", text(n));
            }
            if notes.len() > NOTES_SHOWN {
                let _ = writeln!(
                    out,
                    "- … and {} more in the report's JSON (`--format json`, `notes`)",
                    notes.len() - NOTES_SHOWN
                );
            }
            out.push_str("\n</details>\n\n");
        }
        if keep < ordered.len() {
            let _ = writeln!(
                out,
                "> [!NOTE]\n> {} of the least severe left out to stay within GitHub's comment limit; `continuity-guard check --format json` (or `--format sarif`) lists them all.\n",
                plural(ordered.len() - keep, "finding")
            );
        }
        out.push_str("<sub>continuity-guard ");
        out.push_str(env!("CARGO_PKG_VERSION"));
        out.push_str(
            " · `continuity-guard explain CODE` tells what a rule checks and how to fix it</sub>\n",
        );
        out
    }
}

/// Groups findings by service, keeping each group's order; services in name
/// order, unmapped last.
fn group_by_service<'f>(findings: &[&'f Finding]) -> Vec<(Option<&'f str>, Vec<&'f Finding>)> {
    let mut groups: Vec<(Option<&str>, Vec<&Finding>)> = Vec::new();
    for f in findings {
        let key = f.service.as_deref();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, g)) => g.push(f),
            None => groups.push((key, vec![f])),
        }
    }
    groups.sort_by(|a, b| match (a.0, b.0) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(_), None) => std::cmp::Ordering::Less,
        (Some(x), Some(y)) => x.cmp(y),
    });
    groups
}

/// The listed findings, most important first: introduced unwaived ones by
/// severity, then waived, then existing. Cutting from the end drops the
/// least severe.
fn ordered(report: &Report) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = report.listed().collect();
    v.sort_by_key(|f| {
        let folded = u8::from(!f.introduced || f.waived) + u8::from(f.state == State::Resolved);
        (folded, std::cmp::Reverse(f.severity))
    });
    v
}

/// Renders the pull-request comment within `opts`' limit.
pub fn render(report: &Report, opts: &Options) -> String {
    let r = Renderer { report, opts };
    let ordered = ordered(report);
    let limit = opts.limit();
    let rows = report.outcome.services.len();
    let full = r.render(&ordered, ordered.len(), rows);
    if utf16_len(&full) <= limit {
        return full;
    }
    // The largest number of findings that fits (sizes grow with it).
    let (mut lo, mut hi) = (0, ordered.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if utf16_len(&r.render(&ordered, mid, rows)) <= limit {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let with_findings = r.render(&ordered, lo, rows);
    if utf16_len(&with_findings) <= limit {
        return with_findings;
    }
    // Even the table alone is too long: cut service rows too.
    let (mut lo_r, mut hi_r) = (0, rows);
    while lo_r < hi_r {
        let mid = (lo_r + hi_r).div_ceil(2);
        if utf16_len(&r.render(&ordered, 0, mid)) <= limit {
            lo_r = mid;
        } else {
            hi_r = mid - 1;
        }
    }
    let mut out = r.render(&ordered, 0, lo_r);
    // A limit smaller than the frame itself: cut at a character boundary.
    if utf16_len(&out) > limit {
        let mut used = 0;
        let cut = out
            .char_indices()
            .find(|(_, c)| {
                used += c.len_utf16();
                used > limit
            })
            .map_or(out.len(), |(i, _)| i);
        out.truncate(cut);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_html_mentions_and_markup() {
        assert_eq!(text("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(text("@everyone"), "@\u{200B}everyone");
        assert_eq!(text("a & b"), "a &amp; b");
        assert_eq!(text("-->"), "--&gt;");
        assert_eq!(text("</details>"), "&lt;/details&gt;");
        assert_eq!(text("a|b"), "a\\|b");
        assert_eq!(text("*x* [l](u) $m$"), "\\*x\\* \\[l\\](u) \\$m\\$");
        assert_eq!(text("line\nbreak\r"), "line break ");
        assert_eq!(text("&lt;"), "&amp;lt;");
    }

    #[test]
    fn no_autolink_or_reference_survives() {
        for (raw, live) in [
            ("see https://evil.example/login", "https://"),
            ("go to www.evil.example", "www."),
            ("fixes #2", "#2"),
            ("GH-3 again", "GH-3"),
            ("owner/repo#1", "repo#1"),
            ("commit a5c3785ed8d6 it", "a5c3785ed8d6"),
        ] {
            let out = text(raw);
            assert!(!out.contains(live), "{raw} → {out}");
            assert_eq!(out.replace('\u{200B}', ""), raw, "{raw}");
        }
        assert_eq!(text("replicas 1234567"), "replicas 1234567");
        assert_eq!(text("deadbeef"), "deadbeef");
    }

    #[test]
    fn code_spans_fence_longer_than_any_run() {
        assert_eq!(code("plain"), "`plain`");
        assert_eq!(code("a`b"), "``a`b``");
        assert_eq!(code("a``b`"), "``` a``b` ```");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("two\nlines"), "`two lines`");
        assert_eq!(cell_code("a|b"), "`a\\|b`");
    }

    #[test]
    fn clipped_values() {
        let long = "x".repeat(1000);
        assert_eq!(text(&long).chars().count(), CLIP + 1);
        assert!(code(&long).ends_with("…`"));
    }

    #[test]
    fn url_paths_are_encoded() {
        assert_eq!(url_path("deploy/a b/(x).yaml"), "deploy/a%20b/%28x%29.yaml");
        assert_eq!(url_path("é"), "%C3%A9");
    }

    #[test]
    fn utf16_counts_surrogate_pairs() {
        assert_eq!(utf16_len("a"), 1);
        assert_eq!(utf16_len("é"), 1);
        assert_eq!(utf16_len("🛑"), 2);
    }
}
