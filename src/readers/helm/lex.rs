//! Go template text split into literal text and actions, each action into
//! tokens, with `{{-`/`-}}` trimming and `{{/* comments */}}` applied as
//! `text/template` does.

use crate::readers::yaml::Span;

/// One token of an action.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// `.Name` (a field of the preceding term, or of dot).
    Field(String),
    /// `.` alone.
    Dot,
    /// `$name`, or `$` (written without the `$`).
    Var(String),
    /// A function name or a keyword (`if`, `range`, `true`, `nil`, …).
    Ident(String),
    /// A string constant, unquoted.
    Str(String),
    /// A number as written.
    Number(String),
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `|`
    Pipe,
    /// `:=`
    Declare,
    /// `=`
    Assign,
    /// `,`
    Comma,
}

/// A token with where it starts and whether space precedes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// The token.
    pub tok: Tok,
    /// Its first byte in the template.
    pub at: usize,
    /// Whether white space separates it from the previous token.
    pub spaced: bool,
}

/// A piece of a template.
#[derive(Clone, Debug, PartialEq)]
pub enum Piece {
    /// Literal text (after trimming).
    Text(Span),
    /// An action's tokens and the span of `{{ … }}`.
    Action(Vec<Token>, Span),
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// Splits a template into pieces; an unclosed action or a bad token is an
/// error at its offset.
pub fn lex(text: &str) -> Result<Vec<Piece>, (usize, String)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut trim_next = false;
    while pos <= bytes.len() {
        let open = text[pos..].find("{{").map(|i| pos + i);
        let mut text_end = open.unwrap_or(bytes.len());
        let mut text_start = pos;
        if trim_next {
            while text_start < text_end && is_space(bytes[text_start]) {
                text_start += 1;
            }
        }
        let Some(open) = open else {
            if text_start < text_end {
                out.push(Piece::Text(Span::new(text_start, text_end)));
            }
            break;
        };
        let mut inner = open + 2;
        if bytes.get(inner) == Some(&b'-') && bytes.get(inner + 1).is_some_and(|b| is_space(*b)) {
            while text_end > text_start && is_space(bytes[text_end - 1]) {
                text_end -= 1;
            }
            inner += 2;
        }
        if text_start < text_end {
            out.push(Piece::Text(Span::new(text_start, text_end)));
        }
        let (tokens, close, trim) = action(text, inner).map_err(|e| {
            if e.1.is_empty() {
                (open, "unclosed action".to_string())
            } else {
                e
            }
        })?;
        trim_next = trim;
        if let Some(tokens) = tokens {
            out.push(Piece::Action(tokens, Span::new(open, close)));
        }
        pos = close;
        if pos == bytes.len() {
            break;
        }
    }
    Ok(out)
}

/// The end of an action starting at `i` when it closes there: the offset
/// after `}}`, and whether it trims (`-}}`).
fn closes_at(bytes: &[u8], i: usize, spaced: bool) -> Option<(usize, bool)> {
    if spaced && bytes[i..].starts_with(b"-}}") {
        return Some((i + 3, true));
    }
    bytes[i..].starts_with(b"}}").then_some((i + 2, false))
}

type Lexed = (Option<Vec<Token>>, usize, bool);

/// Tokens of one action from `start` (after `{{` or `{{- `): the tokens
/// (`None` for a comment), the offset after its close, and whether it trims
/// the text after it.
fn action(text: &str, start: usize) -> Result<Lexed, (usize, String)> {
    let bytes = text.as_bytes();
    let mut i = start;
    if bytes[i..].starts_with(b"/*") {
        let end = text[i + 2..]
            .find("*/")
            .map(|e| i + 2 + e + 2)
            .ok_or((start, "unclosed comment".to_string()))?;
        let mut j = end;
        let spaced = bytes.get(j).is_some_and(|b| is_space(*b));
        while j < bytes.len() && is_space(bytes[j]) {
            j += 1;
        }
        return match closes_at(bytes, j, spaced) {
            Some((close, trim)) => Ok((None, close, trim)),
            None => Err((start, "comment ends without closing the action".into())),
        };
    }
    let mut tokens = Vec::new();
    let mut spaced = true;
    loop {
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
            spaced = true;
        }
        if i >= bytes.len() {
            return Err((start, String::new()));
        }
        if let Some((close, trim)) = closes_at(bytes, i, spaced) {
            return Ok((Some(tokens), close, trim));
        }
        let at = i;
        let c = bytes[i];
        let punctuation = match c {
            b'(' => Some(Tok::LParen),
            b')' => Some(Tok::RParen),
            b'|' => Some(Tok::Pipe),
            b',' => Some(Tok::Comma),
            b'=' => Some(Tok::Assign),
            _ => None,
        };
        let tok = if let Some(p) = punctuation {
            i += 1;
            p
        } else {
            match c {
                b':' if bytes.get(i + 1) == Some(&b'=') => {
                    i += 2;
                    Tok::Declare
                }
                b'"' => {
                    let (s, end) = quoted(text, i)?;
                    i = end;
                    Tok::Str(s)
                }
                b'`' => {
                    let end = text[i + 1..]
                        .find('`')
                        .map(|e| i + 1 + e)
                        .ok_or((at, "unterminated raw string".to_string()))?;
                    let s = text[i + 1..end].to_string();
                    i = end + 1;
                    Tok::Str(s)
                }
                b'\'' => {
                    let rest = &text[i + 1..];
                    let mut chars = rest.char_indices();
                    let ch = match chars.next() {
                        Some((_, '\\')) => match chars.next() {
                            Some((_, 'n')) => '\n',
                            Some((_, 't')) => '\t',
                            Some((_, c)) => c,
                            None => return Err((at, "bad character constant".into())),
                        },
                        Some((_, c)) => c,
                        None => return Err((at, "bad character constant".into())),
                    };
                    match chars.next() {
                        Some((e, '\'')) => i = i + 1 + e + 1,
                        _ => return Err((at, "bad character constant".into())),
                    }
                    Tok::Number((ch as u32).to_string())
                }
                b'.' => {
                    let end = ident_end(bytes, i + 1);
                    let name = &text[i + 1..end];
                    i = end;
                    if name.is_empty() {
                        if bytes.get(i).is_some_and(u8::is_ascii_digit) {
                            let end = number_end(bytes, at);
                            i = end;
                            Tok::Number(text[at..end].to_string())
                        } else {
                            Tok::Dot
                        }
                    } else {
                        Tok::Field(name.to_string())
                    }
                }
                b'$' => {
                    let end = ident_end(bytes, i + 1);
                    let name = text[i + 1..end].to_string();
                    i = end;
                    Tok::Var(name)
                }
                b'-' | b'+' | b'0'..=b'9' => {
                    let end = number_end(bytes, i);
                    if end == i + 1 && !c.is_ascii_digit() {
                        return Err((at, format!("unexpected `{}` in action", c as char)));
                    }
                    let s = text[i..end].to_string();
                    i = end;
                    Tok::Number(s)
                }
                c if c == b'_' || c.is_ascii_alphabetic() || c >= 0x80 => {
                    let end = ident_end(bytes, i);
                    let end = if end == i { i + 1 } else { end };
                    let name = text.get(i..end).unwrap_or("").to_string();
                    if name.is_empty() || !name.chars().all(|c| c == '_' || c.is_alphanumeric()) {
                        return Err((at, "unexpected character in action".into()));
                    }
                    i = end;
                    Tok::Ident(name)
                }
                _ => {
                    let c = text[i..].chars().next().unwrap_or('?');
                    return Err((at, format!("unexpected `{c}` in action")));
                }
            }
        };
        tokens.push(Token { tok, at, spaced });
        spaced = false;
    }
}

/// The end of an identifier (letters, digits, `_`, any non-ASCII letter).
fn ident_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
        i += 1;
    }
    i
}

/// The end of a number (sign, digits, `.`, exponent, hex, `_`).
fn number_end(bytes: &[u8], mut i: usize) -> usize {
    if matches!(bytes.get(i), Some(b'-' | b'+')) {
        i += 1;
    }
    while i < bytes.len() {
        let b = bytes[i];
        let exp_sign = matches!(b, b'-' | b'+') && matches!(bytes[i - 1], b'e' | b'E');
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || exp_sign {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// A double-quoted Go string starting at `start`: its value and the offset
/// after its closing quote.
fn quoted(text: &str, start: usize) -> Result<(String, usize), (usize, String)> {
    let mut out = String::new();
    let mut chars = text[start + 1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, start + 1 + i + 1)),
            '\n' => break,
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, 'r')) => out.push('\r'),
                Some((_, '0')) => out.push('\0'),
                Some((_, 'x')) => {
                    let hex: String = (0..2).filter_map(|_| chars.next().map(|c| c.1)).collect();
                    let v =
                        u32::from_str_radix(&hex, 16).map_err(|_| (start, "bad escape".into()))?;
                    out.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
                }
                Some((_, 'u')) => {
                    let hex: String = (0..4).filter_map(|_| chars.next().map(|c| c.1)).collect();
                    let v =
                        u32::from_str_radix(&hex, 16).map_err(|_| (start, "bad escape".into()))?;
                    out.push(char::from_u32(v).unwrap_or('\u{FFFD}'));
                }
                Some((_, c)) => out.push(c),
                None => break,
            },
            c => out.push(c),
        }
    }
    Err((start, "unterminated string".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<String> {
        lex(text)
            .expect("lexes")
            .iter()
            .map(|p| match p {
                Piece::Text(s) => format!("T{:?}", &text[s.start..s.end]),
                Piece::Action(t, _) => {
                    format!("A{:?}", t.iter().map(|t| t.tok.clone()).collect::<Vec<_>>())
                }
            })
            .collect()
    }

    #[test]
    fn trims_comments_and_tokens() {
        assert_eq!(
            kinds("a: \n  {{- /* c */ -}}\n  b {{ .Values.x | quote }}"),
            [
                "T\"a:\"",
                "T\"b \"",
                "A[Field(\"Values\"), Field(\"x\"), Pipe, Ident(\"quote\")]"
            ]
        );
        assert_eq!(
            kinds("{{ $x := -3 }}{{- $ }}{{\"}}\"}}"),
            [
                "A[Var(\"x\"), Declare, Number(\"-3\")]",
                "A[Var(\"\")]",
                "A[Str(\"}}\")]"
            ]
        );
        assert!(lex("{{ .x ").is_err());
        assert!(lex("{{/* x ").is_err());
    }
}
