//! YAML with spans: every node knows its byte range, tags are kept, and
//! nesting depth and alias expansion are bounded so no input can hang or
//! overflow the stack.
//!
//! Built on `saphyr-parser`'s event stream (YAML 1.2) rather than a DOM so the
//! budgets are ours: the tree is built with an explicit stack, never by
//! recursion over the input.

use saphyr_parser::{Event, Parser, ScalarStyle};
use std::collections::HashMap;

/// A byte range `[start, end)` into a file's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// A span from byte offsets.
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }
}

/// A value of the tree, YAML 1.2 core schema for plain scalars.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`, `~` or empty.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string (any quoted scalar, or a plain one that is nothing else).
    Str(String),
    /// An expression we cannot evaluate (Terraform `var.x`, a CloudFormation `!Ref` without default).
    Unknown(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order.
    Map(Vec<(Node, Node)>),
}

/// A value with its span and tag.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it is.
    pub span: Span,
    /// The tag as written (`!Ref`), if any; core-schema tags (`!!str`) are applied, not kept.
    pub tag: Option<String>,
    /// The file the node was written in, when it is not its resource's own
    /// (a Terraform module argument substituted into the module's resource, or
    /// a value set by a kustomize overlay or patch).
    pub origin: Option<std::sync::Arc<Origin>>,
}

/// Where a node substituted from another file came from: a module
/// argument is written at its span in `path` (the caller's file) and used at
/// `used_at` in the resource's own file (the module's field).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The caller's file.
    pub path: std::sync::Arc<str>,
    /// The field that uses it, in the resource's file.
    pub used_at: Span,
}

impl Node {
    /// A node without tag.
    pub fn new(value: Value, span: Span) -> Node {
        Node {
            value,
            span,
            tag: None,
            origin: None,
        }
    }

    /// The value of a mapping key.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// The key node and the value node of a mapping key.
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Follows a dotted path of mapping keys (`spec.template.metadata`).
    pub fn path(&self, path: &str) -> Option<&Node> {
        path.split('.').try_fold(self, |node, key| node.get(key))
    }

    /// The string of a string scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar as text (strings, numbers, booleans).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Str(s) => Some(s.clone()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }

    /// An integer, also from a string of digits.
    pub fn as_i64(&self) -> Option<i64> {
        match &self.value {
            Value::Int(i) => Some(*i),
            Value::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// A boolean, also from the strings `true`/`false`.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            Value::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Value::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// Items of a sequence (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    /// Entries of a mapping (empty for anything else).
    pub fn entries(&self) -> &[(Node, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }
}

/// Limits that keep hostile input bounded.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Deepest nesting of collections.
    pub max_depth: usize,
    /// Most nodes produced, aliases expanded.
    pub max_nodes: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            max_depth: 200,
            max_nodes: 1_000_000,
        }
    }
}

/// Why a YAML text could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    /// What went wrong.
    pub message: String,
    /// Where (bytes).
    pub span: Span,
}

/// One document of a stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The root node (`Null` for an empty document).
    pub root: Node,
    /// The span from the document's start to its end.
    pub span: Span,
}

/// Maps saphyr's character indices to byte offsets.
struct Offsets<'a> {
    text: &'a str,
    ascii: bool,
    table: Vec<usize>,
}

impl<'a> Offsets<'a> {
    fn new(text: &'a str) -> Self {
        let ascii = text.is_ascii();
        let table = if ascii {
            Vec::new()
        } else {
            let mut t: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            t.push(text.len());
            t
        };
        Offsets { text, ascii, table }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.ascii {
            char_index.min(self.text.len())
        } else {
            self.table
                .get(char_index)
                .copied()
                .unwrap_or(self.text.len())
        }
    }
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        entries: Vec<(Node, Node)>,
        merged: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        /// The keys' texts once the mapping is large, so duplicate detection
        /// stays linear (a plan's `services` has thousands of keys).
        key_index: Option<std::collections::HashSet<String>>,
    },
}

/// Past this many entries a mapping's keys are looked up in a set.
const KEY_INDEX_FROM: usize = 16;

/// A scalar key's text, borrowed when it is a string.
fn key_text(node: &Node) -> Option<std::borrow::Cow<'_, str>> {
    match &node.value {
        Value::Str(s) => Some(std::borrow::Cow::Borrowed(s)),
        _ => node.scalar_text().map(std::borrow::Cow::Owned),
    }
}

/// Parses a YAML stream into documents with spans.
///
/// Duplicate keys in one mapping are an error at the second key (which value
/// wins is ambiguous). A leading BOM is skipped; CRLF is fine.
pub fn parse_stream(text: &str, budget: Budget) -> Result<Vec<Document>, YamlError> {
    let (body, shift) = match text.strip_prefix('\u{feff}') {
        Some(rest) => (rest, '\u{feff}'.len_utf8()),
        None => (text, 0),
    };
    let offsets = Offsets::new(body);
    let at = |m: &saphyr_parser::Marker| offsets.byte(m.index()) + shift;
    let mut docs = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut anchors: HashMap<usize, Node> = HashMap::new();
    let mut nodes = 0usize;
    let mut root: Option<Node> = None;
    let mut doc_start = 0usize;

    for item in Parser::new_from_str(body) {
        let (event, span) = item.map_err(|e| YamlError {
            message: e.info().to_string(),
            span: Span::new(at(e.marker()), at(e.marker())),
        })?;
        let start = at(&span.start);
        let end = at(&span.end);
        let complete: Option<(Node, usize)> = match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
            Event::DocumentStart(_) => {
                doc_start = start;
                root = None;
                anchors.clear();
                None
            }
            Event::DocumentEnd => {
                let root = root
                    .take()
                    .unwrap_or_else(|| Node::new(Value::Null, Span::new(doc_start, doc_start)));
                docs.push(Document {
                    root,
                    span: Span::new(doc_start, end.max(doc_start)),
                });
                None
            }
            Event::Alias(id) => {
                let node = anchors.get(&id).cloned().ok_or_else(|| YamlError {
                    message: "alias to an unknown anchor".into(),
                    span: Span::new(start, end),
                })?;
                nodes = nodes.saturating_add(count_nodes(&node));
                if nodes > budget.max_nodes {
                    return Err(YamlError {
                        message: format!(
                            "alias expansion exceeds {} nodes (an alias bomb?)",
                            budget.max_nodes
                        ),
                        span: Span::new(start, end),
                    });
                }
                let mut node = node;
                node.span = Span::new(start, end);
                Some((node, 0))
            }
            Event::Scalar(value, style, anchor, tag) => {
                nodes += 1;
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let (value, tag) = scalar_value(&value, style, tag);
                let node = Node {
                    value,
                    span: Span::new(start, end),
                    tag,
                    origin: None,
                };
                Some((node, anchor))
            }
            Event::SequenceStart(anchor, tag) => {
                push_frame(&mut stack, budget, start, end)?;
                stack.push(Frame::Seq {
                    start,
                    anchor,
                    tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                    items: Vec::new(),
                });
                None
            }
            Event::MappingStart(anchor, tag) => {
                push_frame(&mut stack, budget, start, end)?;
                stack.push(Frame::Map {
                    start,
                    anchor,
                    tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                    entries: Vec::new(),
                    merged: Vec::new(),
                    pending_key: None,
                    key_index: None,
                });
                None
            }
            Event::SequenceEnd | Event::MappingEnd => {
                nodes += 1;
                match stack.pop() {
                    Some(Frame::Seq {
                        start: s,
                        anchor,
                        tag,
                        items,
                    }) => Some((
                        Node {
                            value: Value::Seq(items),
                            span: Span::new(s, end),
                            tag,
                            origin: None,
                        },
                        anchor,
                    )),
                    Some(Frame::Map {
                        start: s,
                        anchor,
                        tag,
                        mut entries,
                        merged,
                        ..
                    }) => Some((
                        Node {
                            value: Value::Map({
                                merge_into(&mut entries, merged);
                                entries
                            }),
                            span: Span::new(s, end),
                            tag: tag.filter(|t| t != "tag:yaml.org,2002:map"),
                            origin: None,
                        },
                        anchor,
                    )),
                    None => None,
                }
            }
        };
        if nodes > budget.max_nodes {
            return Err(YamlError {
                message: format!("document exceeds {} nodes", budget.max_nodes),
                span: Span::new(start, end),
            });
        }
        if let Some((node, anchor)) = complete {
            if anchor != 0 {
                anchors.insert(anchor, node.clone());
            }
            attach(&mut stack, &mut root, node)?;
        }
    }
    Ok(docs)
}

fn push_frame(
    stack: &mut [Frame],
    budget: Budget,
    start: usize,
    end: usize,
) -> Result<(), YamlError> {
    if stack.len() >= budget.max_depth {
        return Err(YamlError {
            message: format!("nesting deeper than {} levels", budget.max_depth),
            span: Span::new(start, end),
        });
    }
    Ok(())
}

fn attach(stack: &mut [Frame], root: &mut Option<Node>, node: Node) -> Result<(), YamlError> {
    match stack.last_mut() {
        None => *root = Some(node),
        Some(Frame::Seq { items, .. }) => items.push(node),
        Some(Frame::Map {
            entries,
            merged,
            pending_key,
            key_index,
            ..
        }) => match pending_key.take() {
            None => {
                if let Some(text) = key_text(&node).filter(|t| t != "<<" || node.tag.is_some()) {
                    let duplicate = match key_index {
                        Some(index) => index.contains(text.as_ref()),
                        None => entries
                            .iter()
                            .any(|(k, _)| key_text(k).as_deref() == Some(text.as_ref())),
                    };
                    if duplicate {
                        return Err(YamlError {
                            message: format!("duplicated key `{text}` in mapping"),
                            span: node.span,
                        });
                    }
                    if key_index.is_none() && entries.len() >= KEY_INDEX_FROM {
                        *key_index = Some(
                            entries
                                .iter()
                                .filter_map(|(k, _)| key_text(k).map(|t| t.into_owned()))
                                .collect(),
                        );
                    }
                    if let Some(index) = key_index {
                        index.insert(text.into_owned());
                    }
                }
                *pending_key = Some(node);
            }
            Some(key) => {
                if key.as_str() == Some("<<") && key.tag.is_none() {
                    merged.extend(merge_sources(node));
                } else {
                    entries.push((key, node));
                }
            }
        },
    }
    Ok(())
}

/// The entries a merge key (`<<: *defaults`, common in compose files) brings in.
fn merge_sources(source: Node) -> Vec<(Node, Node)> {
    let maps: Vec<Node> = match source.value {
        Value::Seq(items) => items,
        _ => vec![source],
    };
    maps.into_iter()
        .flat_map(|map| match map.value {
            Value::Map(src) => src,
            _ => Vec::new(),
        })
        .collect()
}

/// Adds merged entries whose keys are not written explicitly (explicit keys win).
fn merge_into(entries: &mut Vec<(Node, Node)>, merged: Vec<(Node, Node)>) {
    for (k, v) in merged {
        let exists = entries.iter().any(|(ek, _)| key_text(ek) == key_text(&k));
        if !exists {
            entries.push((k, v));
        }
    }
}

fn count_nodes(node: &Node) -> usize {
    let mut count = 0usize;
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        count += 1;
        match &n.value {
            Value::Seq(items) => todo.extend(items.iter()),
            Value::Map(entries) => {
                for (k, v) in entries {
                    todo.push(k);
                    todo.push(v);
                }
            }
            _ => {}
        }
    }
    count
}

fn scalar_value(text: &str, style: ScalarStyle, tag: Option<String>) -> (Value, Option<String>) {
    const CORE: &str = "tag:yaml.org,2002:";
    if let Some(t) = &tag {
        if let Some(kind) = t.strip_prefix(CORE).or_else(|| t.strip_prefix("!!")) {
            let value = match kind {
                "str" => Value::Str(text.to_string()),
                "int" => text
                    .parse()
                    .map(Value::Int)
                    .unwrap_or_else(|_| Value::Str(text.to_string())),
                "bool" => plain_scalar(text),
                "null" => Value::Null,
                "float" => text
                    .parse()
                    .map(Value::Float)
                    .unwrap_or_else(|_| Value::Str(text.to_string())),
                _ => Value::Str(text.to_string()),
            };
            return (value, None);
        }
        // A local tag (`!Ref`, `!Sub`): the scalar stays a string, the tag is kept.
        return (Value::Str(text.to_string()), tag);
    }
    if style != ScalarStyle::Plain {
        return (Value::Str(text.to_string()), None);
    }
    (plain_scalar(text), None)
}

/// The YAML 1.2 core schema for plain scalars (`yes`/`no`/`on` stay strings).
fn plain_scalar(text: &str) -> Value {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = text.parse::<i64>()
    {
        return Value::Int(i);
    }
    if let Some(hex) = text.strip_prefix("0x")
        && let Ok(i) = i64::from_str_radix(hex, 16)
    {
        return Value::Int(i);
    }
    if let Some(oct) = text.strip_prefix("0o")
        && let Ok(i) = i64::from_str_radix(oct, 8)
    {
        return Value::Int(i);
    }
    let looks_float = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && text.bytes().any(|b| b.is_ascii_digit())
        && text.contains(['.', 'e', 'E']);
    if looks_float && let Ok(f) = text.parse::<f64>() {
        return Value::Float(f);
    }
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" => Value::Float(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Value::Float(f64::NAN),
        _ => Value::Str(text.to_string()),
    }
}

/// True when the text has `{{` outside quoted scalars, block scalars and
/// comments: a Helm or Go template, which we skip rather than read facts
/// from. A block scalar's lines (`config.yaml: |` and the lines indented
/// under it) are text, not structure: a ConfigMap holding `{{PROJECT_ID}}`
/// for a `sed` to fill in is a manifest, not a template.
pub fn is_template(text: &str) -> bool {
    // The indentation of the line that opened the block scalar being skipped.
    let mut block: Option<usize> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start_matches(' ').len();
        if let Some(parent) = block {
            if line.trim().is_empty() || indent > parent {
                continue;
            }
            block = None;
        }
        let mut quote: Option<char> = None;
        let mut prev = ' ';
        let mut code_end = line.len();
        let mut chars = line.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match quote {
                Some(q) => {
                    if c == q {
                        quote = None;
                    }
                }
                None => match c {
                    '#' if prev.is_whitespace() => {
                        code_end = i;
                        break;
                    }
                    '"' | '\''
                        if prev.is_whitespace() || matches!(prev, ':' | '[' | '{' | ',' | '-') =>
                    {
                        quote = Some(c)
                    }
                    '{' if chars.peek().map(|&(_, n)| n) == Some('{') => return true,
                    _ => {}
                },
            }
            prev = c;
        }
        if quote.is_none() && opens_block_scalar(&line[..code_end]) {
            block = Some(indent);
        }
    }
    false
}

/// Whether a line (comment removed) ends with a block scalar header:
/// `key: |`, `- >-`, `key: |2+`.
fn opens_block_scalar(code: &str) -> bool {
    let code = code.trim_end();
    let Some(start) = code.rfind(['|', '>']) else {
        return false;
    };
    let (before, header) = code.split_at(start);
    let modifiers = &header[1..];
    modifiers.len() <= 2
        && modifiers
            .bytes()
            .all(|b| matches!(b, b'-' | b'+' | b'1'..=b'9'))
        && (before.trim().is_empty()
            || before.ends_with(": ")
            || before.ends_with("- ")
            || before.trim_end() == "-"
            || before.trim_end().ends_with(':'))
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or("");
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Node {
        let mut docs = parse_stream(text, Budget::default()).expect("parses");
        docs.remove(0).root
    }

    #[test]
    fn spans_point_at_values() {
        let text = "kind: Deployment\nspec:\n  replicas: 1\n";
        let root = one(text);
        let r = root.path("spec.replicas").expect("replicas");
        assert_eq!(r.value, Value::Int(1));
        assert_eq!(line_col(text, r.span.start), (3, 13));
    }

    #[test]
    fn yaml_1_2_keeps_norway() {
        let root = one("a: no\nb: yes\nc: on\nd: 010\n");
        assert_eq!(root.get("a").and_then(Node::as_str), Some("no"));
        assert_eq!(root.get("d").map(|n| n.value.clone()), Some(Value::Int(10)));
    }

    #[test]
    fn multi_document_bom_crlf_and_tags() {
        let text = "\u{feff}a: 1\r\n---\r\nb: !Ref X\r\n";
        let docs = parse_stream(text, Budget::default()).expect("parses");
        assert_eq!(docs.len(), 2);
        let b = docs[1].root.get("b").expect("b");
        assert_eq!(b.tag.as_deref(), Some("!Ref"));
        assert_eq!(line_col(text, b.span.start).0, 3);
    }

    #[test]
    fn duplicate_keys_are_errors_at_the_second_key() {
        let text = "a: 1\nb: 2\na: 3\n";
        let err = parse_stream(text, Budget::default()).expect_err("duplicate");
        assert!(err.message.contains("duplicated key `a`"));
        assert_eq!(line_col(text, err.span.start).0, 3);
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let start = std::time::Instant::now();
        let err = parse_stream(&text, Budget::default()).expect_err("bomb");
        assert!(err.message.contains("alias"), "{}", err.message);
        assert!(start.elapsed().as_secs() < 5);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let text = "[".repeat(100_000);
        assert!(parse_stream(&text, Budget::default()).is_err());
        let text = "a:\n".to_string() + &"- ".repeat(50_000) + "x\n";
        assert!(parse_stream(&text, Budget::default()).is_err());
    }

    #[test]
    fn merge_keys() {
        let root = one("x: &d {r: 1, s: 2}\ny:\n  <<: *d\n  s: 3\n");
        let y = root.get("y").expect("y");
        assert_eq!(y.get("r").map(|n| n.value.clone()), Some(Value::Int(1)));
        assert_eq!(y.get("s").map(|n| n.value.clone()), Some(Value::Int(3)));
    }

    #[test]
    fn templates() {
        assert!(is_template("replicas: {{ .Values.replicas }}\n"));
        assert!(!is_template(
            "a: \"{{ not a template }}\"\n# {{ comment }}\n"
        ));
        // A ConfigMap's block scalar holds text, whatever its braces.
        let config = "kind: ConfigMap\ndata:\n  gateway.yaml: |\n    exporters:\n      googlecloud:\n        project: {{PROJECT_ID}}\n\n    service: {}\n  args: >-\n    {{x}}\nspec:\n  replicas: 1\n";
        assert!(!is_template(config));
        // A template line after the block (less indented) is still a template.
        assert!(is_template(
            "data:\n  a: |\n    text {{ y }}\n{{- if .Values.x }}\nb: 1\n{{- end }}\n"
        ));
        assert!(is_template("a: |\n  x\nreplicas: {{ .Values.n }}\n"));
        assert!(is_template(
            "command: echo a|b\nreplicas: {{ .Values.n }}\n"
        ));
    }

    #[test]
    fn non_ascii_offsets_are_bytes() {
        let text = "é: ü\nreplicas: 2\n";
        let root = one(text);
        let r = root.get("replicas").expect("replicas");
        assert_eq!(&text[r.span.start..r.span.end], "2");
    }
}
