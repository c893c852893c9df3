//! Cutting a large plan's `services` mapping into pieces that parse on their
//! own, so the pieces can be deserialised on several threads.
//!
//! Only the plain shape is cut: a top-level `services:` key in block style
//! whose entries start with a plain key at one indentation, in a document
//! without anchors, aliases, directives or document markers. Anything else
//! (or any doubt) gives `None` and the plan is read in one piece. Each piece
//! keeps the byte offsets of the whole text: what comes before it is blanked
//! to spaces and line breaks, so a span in a piece is a span in the plan.

/// The plan cut into the text without its services, and the services' pieces.
#[derive(Debug)]
pub(crate) struct Split {
    /// The plan with the services' entries blanked out (`services:` empty).
    pub rest: String,
    /// Pieces of the services mapping, each a mapping of whole entries.
    pub pieces: Vec<String>,
}

/// Cuts `text` into at most `parts` pieces of about the same size; `None`
/// when the text is not of the plain shape or has fewer than `min_entries`
/// services.
pub(crate) fn split(text: &str, parts: usize, min_entries: usize) -> Option<Split> {
    if parts < 2 || has_references_or_markers(text) {
        return None;
    }
    // Lines with their byte ranges (the range includes the line break).
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            lines.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < text.len() {
        lines.push((start, text.len()));
    }
    let line = |i: usize| text[lines[i].0..lines[i].1].trim_end_matches(['\n', '\r']);
    let services_lines: Vec<usize> = (0..lines.len())
        .filter(|&i| is_services_key(line(i)))
        .collect();
    let [key_line] = services_lines[..] else {
        return None;
    };
    // The body: the lines after the key until the next top-level content.
    let body_start = key_line + 1;
    let mut body_end = body_start;
    let mut indent: Option<usize> = None;
    let mut entries: Vec<usize> = Vec::new();
    while body_end < lines.len() {
        let l = line(body_end);
        let content = l.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            body_end += 1;
            continue;
        }
        let depth = l.len() - content.len();
        if content.starts_with('\t') || l.starts_with('\t') {
            return None;
        }
        if depth == 0 {
            break;
        }
        match indent {
            None => indent = Some(depth),
            Some(k) if depth < k => return None,
            _ => {}
        }
        if Some(depth) == indent {
            if !is_plain_key(content) {
                return None;
            }
            entries.push(body_end);
        }
        body_end += 1;
    }
    if entries.len() < min_entries.max(parts) {
        return None;
    }
    // Cut at entry starts so the pieces have about the same number of bytes.
    let body_bytes = lines[body_end - 1].1 - lines[entries[0]].0;
    let mut cuts: Vec<usize> = vec![entries[0]];
    for &e in &entries[1..] {
        let done = lines[e].0 - lines[entries[0]].0;
        if done * parts >= body_bytes * cuts.len() && cuts.len() < parts {
            cuts.push(e);
        }
    }
    cuts.push(body_end);
    let pieces = cuts
        .windows(2)
        .map(|w| {
            let (from, to) = (lines[w[0]].0, lines[w[1] - 1].1);
            let mut piece = blank(&text[..from]);
            piece.push_str(&text[from..to]);
            piece
        })
        .collect();
    // The rest: the services' entries blanked (`services:` is then empty).
    let (from, to) = (lines[body_start.min(body_end)].0, lines[body_end - 1].1);
    let mut rest = String::with_capacity(text.len());
    rest.push_str(&text[..from]);
    rest.push_str(&blank(&text[from..to]));
    rest.push_str(&text[to..]);
    Some(Split { rest, pieces })
}

/// The text with every byte but line breaks turned into a space: the same
/// byte offsets and line numbers, and nothing for YAML to read.
fn blank(text: &str) -> String {
    const SPACES: &str = "                                                                ";
    let mut out = String::with_capacity(text.len());
    let spaces = |out: &mut String, mut n: usize| {
        while n > 0 {
            let k = n.min(SPACES.len());
            out.push_str(&SPACES[..k]);
            n -= k;
        }
    };
    for line in text.split_inclusive('\n') {
        match line.strip_suffix('\n') {
            Some(body) => {
                spaces(&mut out, body.len());
                out.push('\n');
            }
            None => spaces(&mut out, line.len()),
        }
    }
    out
}

/// `services:` at the start of a line, with nothing after it but a comment.
fn is_services_key(line: &str) -> bool {
    line.strip_prefix("services:").is_some_and(|after| {
        let after = after.trim_start_matches([' ', '\t']);
        after.is_empty() || (after.starts_with('#') && after.len() < line.len())
    })
}

/// A block mapping key written plainly: `name:` followed by a space or the
/// end of the line, the name of letters, digits, `-`, `_` and `.`.
fn is_plain_key(content: &str) -> bool {
    let Some(colon) = content.find(':') else {
        return false;
    };
    let (name, after) = content.split_at(colon);
    !name.is_empty()
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && (after.len() == 1 || after[1..].starts_with([' ', '\t']))
}

/// Anchors, aliases, tags on whole nodes, directives or document markers
/// anywhere: the pieces might not mean what they mean in the whole text.
fn has_references_or_markers(text: &str) -> bool {
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let at_line_start = i == 0 || bytes[i - 1] == b'\n';
        if at_line_start && (text[i..].starts_with("---") || text[i..].starts_with("...")) {
            return true;
        }
        if at_line_start && b == b'%' {
            return true;
        }
        if matches!(b, b'&' | b'*' | b'!' | b'<') {
            // `&a`, `*a`, `!tag` or `<<` where a node can start.
            let before = if i == 0 { b'\n' } else { bytes[i - 1] };
            if matches!(
                before,
                b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b',' | b'-' | b':'
            ) {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = "version: 1\n\
        timezone: Europe/London\n\
        services:\n  \
        a:\n    tier: gold\n    match:\n      - paths: [\"deploy/a/**\"]\n  \
        # a comment\n  \
        b:\n    tier: gold\n\n  \
        c.d:\n    hours: 24x7\n\
        rules:\n  CG101: warning\n";

    #[test]
    fn cuts_at_entries_and_keeps_lines() {
        let s = split(PLAN, 2, 2).expect("plain shape");
        assert_eq!(s.pieces.len(), 2);
        assert_eq!(s.rest.len(), PLAN.len());
        assert!(s.rest.contains("services:\n"));
        assert!(!s.rest.contains("tier"));
        // Every byte of a piece is the plan's, or a blank.
        for piece in &s.pieces {
            assert!(piece.len() <= PLAN.len());
            for (a, b) in piece.bytes().zip(PLAN.bytes()) {
                assert!(a == b || a == b' ', "{a} vs {b}");
            }
        }
    }

    #[test]
    fn declines_what_it_cannot_cut_safely() {
        assert!(split(PLAN, 1, 2).is_none(), "one part");
        assert!(split(PLAN, 2, 10).is_none(), "too few entries");
        let anchors = PLAN.replace("tier: gold\n\n", "tier: &g gold\n\n");
        assert!(split(&anchors, 2, 2).is_none(), "anchors");
        let quoted = PLAN.replace("  b:\n", "  \"b\":\n");
        assert!(split(&quoted, 2, 2).is_none(), "quoted key");
        let flow = "version: 1\nservices: {a: {}, b: {}}\n";
        assert!(split(flow, 2, 1).is_none(), "flow mapping");
        let twice = format!("{PLAN}---\n{PLAN}");
        assert!(split(&twice, 2, 2).is_none(), "documents");
        let merge = PLAN.replace("    hours: 24x7\n", "    <<: {hours: 24x7}\n");
        assert!(split(&merge, 2, 2).is_none(), "merge key");
    }

    #[test]
    fn globs_are_not_aliases() {
        assert!(!has_references_or_markers(
            "paths: [\"deploy/**\", src/*.tf]\n"
        ));
        assert!(has_references_or_markers("x: *alias\n"));
        assert!(has_references_or_markers("- !Ref x\n"));
    }
}
