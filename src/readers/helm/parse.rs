//! Go template actions parsed into a tree: `if`/`else if`/`else`, `with`,
//! `range`, `define`, `template`, `block`, `break`/`continue`, pipelines
//! with variables. Nesting is capped so no input overflows the stack.

use super::lex::{Piece, Tok, Token, lex};
use crate::readers::yaml::Span;

/// Deeper nesting of blocks or parentheses is an error.
const MAX_NESTING: usize = 100;

/// A term of a command.
#[derive(Clone, Debug, PartialEq)]
pub enum Term {
    /// `.`
    Dot,
    /// `nil`
    Nil,
    /// `true`/`false`.
    Bool(bool),
    /// An integer constant.
    Int(i64),
    /// A float constant.
    Float(f64),
    /// A string constant.
    Str(String),
    /// A function name.
    Func(String),
    /// `$name` (`$` is the empty name).
    Var(String),
    /// `.a.b`: fields of dot.
    Fields(Vec<String>),
    /// A term followed by fields: `$x.a`, `(pipe).a`.
    Chain(Box<Term>, Vec<String>),
    /// `( pipeline )`
    Sub(Box<Pipe>),
}

/// A command: a function and its arguments, or one value.
#[derive(Clone, Debug, PartialEq)]
pub struct Cmd {
    /// Its terms.
    pub terms: Vec<Term>,
    /// Where it starts.
    pub at: usize,
}

/// A pipeline, with the variables it declares or assigns.
#[derive(Clone, Debug, PartialEq)]
pub struct Pipe {
    /// Variables named before `:=` or `=`.
    pub vars: Vec<String>,
    /// `:=` (declare) rather than `=` (assign).
    pub declare: bool,
    /// The commands, `|`-separated.
    pub cmds: Vec<Cmd>,
    /// Where it starts.
    pub at: usize,
}

/// One node of a template.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// Literal text.
    Text(Span),
    /// `{{ pipeline }}`
    Action(Pipe, Span),
    /// `if`/`with` arms (condition, body) and the `else` body; `with` sets dot.
    If {
        /// `with` rather than `if`, per arm.
        arms: Vec<(bool, Pipe, Vec<Item>)>,
        /// The `else` body.
        otherwise: Vec<Item>,
    },
    /// `range`.
    Range {
        /// What it ranges over (with `$i, $v :=`).
        pipe: Pipe,
        /// Its body.
        body: Vec<Item>,
        /// Its `else` body (nothing to range over).
        otherwise: Vec<Item>,
    },
    /// `template "name" pipeline`.
    Template(String, Option<Pipe>, Span),
    /// `break`
    Break,
    /// `continue`
    Continue,
}

/// A parsed template file: its body and the definitions it makes.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    /// Its top-level items.
    pub body: Vec<Item>,
    /// `define`/`block` definitions, in order.
    pub defines: Vec<(String, Vec<Item>)>,
}

/// A parse error at a byte offset.
pub type Error = (usize, String);

/// How a list of items ended.
enum Close {
    Eof,
    End,
    Else(Vec<Token>, usize),
}

struct Parser {
    pieces: std::vec::IntoIter<Piece>,
    defines: Vec<(String, Vec<Item>)>,
    depth: usize,
}

/// Parses a template.
pub fn parse(text: &str) -> Result<Parsed, Error> {
    let mut p = Parser {
        pieces: lex(text)?.into_iter(),
        defines: Vec::new(),
        depth: 0,
    };
    let (body, end) = p.list()?;
    match end {
        Close::Eof => Ok(Parsed {
            body,
            defines: p.defines,
        }),
        Close::End => Err((text.len(), "unexpected {{end}}".into())),
        Close::Else(_, at) => Err((at, "unexpected {{else}}".into())),
    }
}

fn keyword(tokens: &[Token]) -> Option<&str> {
    match tokens.first().map(|t| &t.tok) {
        Some(Tok::Ident(k)) => Some(k.as_str()),
        _ => None,
    }
}

impl Parser {
    fn list(&mut self) -> Result<(Vec<Item>, Close), Error> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err((0, format!("blocks nested deeper than {MAX_NESTING}")));
        }
        let mut items = Vec::new();
        let end = loop {
            let Some(piece) = self.pieces.next() else {
                break Close::Eof;
            };
            let (tokens, span) = match piece {
                Piece::Text(s) => {
                    items.push(Item::Text(s));
                    continue;
                }
                Piece::Action(t, s) => (t, s),
            };
            match keyword(&tokens) {
                Some("end") => break Close::End,
                Some("else") => break Close::Else(tokens[1..].to_vec(), span.start),
                Some(k @ ("if" | "with")) => {
                    let with = k == "with";
                    items.push(self.conditional(with, &tokens[1..], span)?);
                }
                Some("range") => {
                    let pipe = pipeline(&tokens[1..], span.start, true, 0)?;
                    let (body, end) = self.list()?;
                    let otherwise = match end {
                        Close::End => Vec::new(),
                        Close::Else(rest, at) if rest.is_empty() => self.until_end(at)?,
                        Close::Else(_, at) => return Err((at, "bad {{else}} in range".into())),
                        Close::Eof => return Err((span.start, "range without {{end}}".into())),
                    };
                    items.push(Item::Range {
                        pipe,
                        body,
                        otherwise,
                    });
                }
                Some(k @ ("define" | "block")) => {
                    let name = match tokens.get(1).map(|t| &t.tok) {
                        Some(Tok::Str(n)) => n.clone(),
                        _ => return Err((span.start, format!("{k} needs a name string"))),
                    };
                    let arg = if k == "block" {
                        Some(pipeline(&tokens[2..], span.start, false, 0)?)
                    } else {
                        None
                    };
                    let body = self.until_end(span.start)?;
                    self.defines.push((name.clone(), body));
                    if k == "block" {
                        items.push(Item::Template(name, arg, span));
                    }
                }
                Some("template") => {
                    let name = match tokens.get(1).map(|t| &t.tok) {
                        Some(Tok::Str(n)) => n.clone(),
                        _ => return Err((span.start, "template needs a name string".into())),
                    };
                    let arg = if tokens.len() > 2 {
                        Some(pipeline(&tokens[2..], span.start, false, 0)?)
                    } else {
                        None
                    };
                    items.push(Item::Template(name, arg, span));
                }
                Some("break") => items.push(Item::Break),
                Some("continue") => items.push(Item::Continue),
                _ => items.push(Item::Action(pipeline(&tokens, span.start, false, 0)?, span)),
            }
        };
        self.depth -= 1;
        Ok((items, end))
    }

    /// The body up to `{{end}}`, with no `else`.
    fn until_end(&mut self, at: usize) -> Result<Vec<Item>, Error> {
        match self.list()? {
            (body, Close::End) => Ok(body),
            (_, Close::Else(_, at)) => Err((at, "unexpected {{else}}".into())),
            (_, Close::Eof) => Err((at, "missing {{end}}".into())),
        }
    }

    /// `if`/`with` with its `else if`/`else with`/`else` arms.
    fn conditional(&mut self, with: bool, tokens: &[Token], span: Span) -> Result<Item, Error> {
        let mut arms = vec![(with, pipeline(tokens, span.start, false, 0)?, Vec::new())];
        let otherwise = loop {
            let (body, end) = self.list()?;
            if let Some(last) = arms.last_mut() {
                last.2 = body;
            }
            match end {
                Close::End => break Vec::new(),
                Close::Eof => return Err((span.start, "missing {{end}}".into())),
                Close::Else(rest, _) if rest.is_empty() => break self.until_end(span.start)?,
                Close::Else(rest, at) => match keyword(&rest) {
                    Some(k @ ("if" | "with")) => {
                        arms.push((k == "with", pipeline(&rest[1..], at, false, 0)?, Vec::new()));
                    }
                    _ => return Err((at, "bad {{else}}".into())),
                },
            }
        };
        Ok(Item::If { arms, otherwise })
    }
}

/// A pipeline from an action's tokens; `range` allows `$i, $v :=`.
fn pipeline(tokens: &[Token], at: usize, range: bool, depth: usize) -> Result<Pipe, Error> {
    if depth > MAX_NESTING {
        return Err((at, format!("parentheses nested deeper than {MAX_NESTING}")));
    }
    let mut vars = Vec::new();
    let mut declare = false;
    let mut rest = tokens;
    // `$x :=`, `$x =`, `$i, $v :=`
    let decl_len = match tokens {
        [
            Token {
                tok: Tok::Var(_), ..
            },
            Token {
                tok: Tok::Declare | Tok::Assign,
                ..
            },
            ..,
        ] => 2,
        [
            Token {
                tok: Tok::Var(_), ..
            },
            Token {
                tok: Tok::Comma, ..
            },
            Token {
                tok: Tok::Var(_), ..
            },
            Token {
                tok: Tok::Declare | Tok::Assign,
                ..
            },
            ..,
        ] if range => 4,
        _ => 0,
    };
    if decl_len > 0 {
        for t in &tokens[..decl_len] {
            match &t.tok {
                Tok::Var(v) => vars.push(v.clone()),
                Tok::Declare => declare = true,
                _ => {}
            }
        }
        rest = &tokens[decl_len..];
    }
    let mut cmds = Vec::new();
    let mut i = 0;
    while i < rest.len() {
        let cmd_at = rest[i].at;
        let mut terms = Vec::new();
        while i < rest.len() && rest[i].tok != Tok::Pipe {
            let (term, next) = term(rest, i, depth)?;
            terms.push(term);
            i = next;
        }
        if terms.is_empty() {
            return Err((cmd_at, "missing command in pipeline".into()));
        }
        cmds.push(Cmd { terms, at: cmd_at });
        if i < rest.len() {
            i += 1;
            if i == rest.len() {
                return Err((rest[i - 1].at, "pipeline ends with `|`".into()));
            }
        }
    }
    if cmds.is_empty() {
        return Err((at, "missing value".into()));
    }
    Ok(Pipe {
        vars,
        declare,
        cmds,
        at,
    })
}

/// One term at `i`, with fields chained onto it; the index after it.
fn term(tokens: &[Token], i: usize, depth: usize) -> Result<(Term, usize), Error> {
    let t = &tokens[i];
    let mut next = i + 1;
    let base = match &t.tok {
        Tok::Dot => Term::Dot,
        Tok::Field(f) => {
            let mut fields = vec![f.clone()];
            fields.extend(chained_fields(tokens, &mut next));
            return Ok((Term::Fields(fields), next));
        }
        Tok::Var(v) => Term::Var(v.clone()),
        Tok::Str(s) => Term::Str(s.clone()),
        Tok::Number(n) => number(n).ok_or((t.at, format!("bad number `{n}`")))?,
        Tok::Ident(name) => match name.as_str() {
            "true" => Term::Bool(true),
            "false" => Term::Bool(false),
            "nil" => Term::Nil,
            _ => Term::Func(name.clone()),
        },
        Tok::LParen => {
            let mut level = 1;
            let mut j = next;
            while j < tokens.len() {
                match tokens[j].tok {
                    Tok::LParen => level += 1,
                    Tok::RParen => {
                        level -= 1;
                        if level == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            if j >= tokens.len() {
                return Err((t.at, "unclosed `(`".into()));
            }
            let inner = pipeline(&tokens[next..j], t.at, false, depth + 1)?;
            next = j + 1;
            Term::Sub(Box::new(inner))
        }
        Tok::RParen => return Err((t.at, "unexpected `)`".into())),
        Tok::Pipe | Tok::Comma | Tok::Declare | Tok::Assign => {
            return Err((t.at, "unexpected punctuation in command".into()));
        }
    };
    let fields = chained_fields(tokens, &mut next);
    if fields.is_empty() {
        Ok((base, next))
    } else {
        Ok((Term::Chain(Box::new(base), fields), next))
    }
}

/// The fields written right after a term (`.a.b`, no space between).
fn chained_fields(tokens: &[Token], next: &mut usize) -> Vec<String> {
    let mut fields = Vec::new();
    while let Some(Token {
        tok: Tok::Field(f),
        spaced: false,
        ..
    }) = tokens.get(*next)
    {
        fields.push(f.clone());
        *next += 1;
    }
    fields
}

/// A Go number constant: decimal, hex, octal, float.
fn number(n: &str) -> Option<Term> {
    let clean = n.replace('_', "");
    let (neg, digits) = match clean.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, clean.strip_prefix('+').unwrap_or(&clean)),
    };
    let int = if let Some(h) = digits.strip_prefix("0x").or(digits.strip_prefix("0X")) {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(o) = digits.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if digits.len() > 1
        && digits.starts_with('0')
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        i64::from_str_radix(&digits[1..], 8).ok()
    } else {
        digits.parse::<i64>().ok()
    };
    if let Some(v) = int {
        return Some(Term::Int(if neg { -v } else { v }));
    }
    let f: f64 = digits.parse().ok()?;
    f.is_finite()
        .then_some(Term::Float(if neg { -f } else { f }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_structures_and_definitions() {
        let t = "{{ define \"x\" }}X{{ end }}{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}{{ range $i, $v := .l }}{{ $v }}{{ else }}none{{ end }}{{ block \"y\" . }}Y{{ end }}";
        let p = parse(t).expect("parses");
        assert_eq!(p.defines.len(), 2);
        assert_eq!(p.body.len(), 3);
        match &p.body[0] {
            Item::If { arms, otherwise } => {
                assert_eq!(arms.len(), 2);
                assert_eq!(otherwise.len(), 1);
            }
            other => panic!("{other:?}"),
        }
        match &p.body[1] {
            Item::Range { pipe, .. } => assert_eq!(pipe.vars, ["i", "v"]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn errors_not_panics() {
        for bad in [
            "{{ if .a }}",
            "{{ end }}",
            "{{ else }}",
            "{{ ( }}",
            "{{ .a | }}",
            "{{ define }}{{ end }}",
            "{{ range $i, $v := }}{{ end }}",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let deep = "{{ if . }}".repeat(500);
        assert!(parse(&deep).is_err());
        let parens = format!("{{{{ {}1{} }}}}", "(".repeat(300), ")".repeat(300));
        assert!(parse(&parens).is_err());
    }

    #[test]
    fn terms() {
        let p = parse("{{ (.a).b | printf \"%s-%d\" $x.y 0x10 -1.5 }}").expect("parses");
        let Item::Action(pipe, _) = &p.body[0] else {
            panic!()
        };
        assert_eq!(pipe.cmds.len(), 2);
        assert!(matches!(pipe.cmds[0].terms[0], Term::Chain(..)));
        assert_eq!(
            pipe.cmds[1].terms[1..],
            [
                Term::Str("%s-%d".into()),
                Term::Chain(Box::new(Term::Var("x".into())), vec!["y".into()]),
                Term::Int(16),
                Term::Float(-1.5)
            ]
        );
    }
}
