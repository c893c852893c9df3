//! Text from the repository made safe for a terminal or a CI log: control
//! characters would move the cursor, recolour or retitle the terminal, and
//! a line break in a file name would start a line a runner acts on
//! (`::error::`, `::add-mask::`).

use std::borrow::Cow;

/// Whether a character is escaped: C0 and C1 controls (line breaks
/// included), DEL, and the bidirectional overrides and isolates that make a
/// line read differently from what it holds. Tab is kept.
pub fn escaped(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// One line of repository text for human output: every escaped character
/// written as `\n`, `\x1b` or `\u{202e}`, so the text stays on its line and
/// says what it holds.
pub fn one_line(text: &str) -> Cow<'_, str> {
    if !text.chars().any(escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if escaped(c) && (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if escaped(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_escaped_and_plain_text_borrowed() {
        assert!(matches!(one_line("deploy/a b.yaml"), Cow::Borrowed(_)));
        assert_eq!(
            one_line("a\n::error::x\x1b[31m\u{9b}\u{202e}\tz"),
            "a\\n::error::x\\x1b[31m\\u{9b}\\u{202e}\tz"
        );
    }
}
