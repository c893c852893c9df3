//! Terraform (`.tf`, `.tfvars`): HCL parsed with `hcl-edit`, which keeps byte
//! spans. Every `resource`, `data` and `module` block becomes a [`Resource`]
//! whose body is a [`Node`] tree; literal values are values, anything else
//! (references, function calls, interpolations) is [`Value::Unknown`] with its
//! source text. `variable`, `locals` and `.tfvars` files are kept as resources
//! too (kinds `variable`, `locals`, `tfvars`) so [`resolve_references`] can
//! substitute `var.x`, `local.y` and same-directory resource attributes, and
//! `moved { from, to }` blocks as resources of kind [`MOVED`], whose address
//! pairs ([`moved_pairs`]) feed resource correspondence (DESIGN §1.5).
//!
//! hcl-edit bounds nesting itself (64 levels, a parse error beyond); the
//! conversion here only recurses over trees it returned, so no input can
//! overflow the stack.

use super::{FileKind, FileRead, Node, Resource, Span, Value};
use hcl_edit::Span as _;
use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Block, Body, Structure};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// Kinds of the blocks kept only for resolving references.
pub const HELPER_KINDS: &[&str] = &["variable", "locals", "tfvars"];

/// The kind and address of a `moved { from, to }` block's resource. In a
/// module instance its address is prefixed like any other
/// (`module.db.moved`), which is the prefix of its `from` and `to`.
pub const MOVED: &str = "moved";

/// The `(from, to)` address pairs of the `moved` blocks among `resources`
/// (root and module instances: a block in a module's folder moves that
/// instance's resources).
pub fn moved_pairs(resources: &[Arc<Resource>]) -> Vec<(String, String)> {
    resources.iter().filter_map(|r| moved_pair(r)).collect()
}

/// The `(from, to)` addresses of one `moved` block's resource.
pub fn moved_pair(r: &Resource) -> Option<(String, String)> {
    if r.file_kind != FileKind::Terraform || r.kind != MOVED {
        return None;
    }
    let prefix = r.address.strip_suffix(MOVED)?;
    let from = r.body.get("from")?.as_str()?;
    let to = r.body.get("to")?.as_str()?;
    Some((format!("{prefix}{from}"), format!("{prefix}{to}")))
}

/// The largest value a reference may resolve to, and the most nodes
/// resolution may add to one resource.
pub(super) const MAX_RESOLVED_NODES: usize = 10_000;

/// The longest chain of references (`local.a` → `local.b` → …) resolved;
/// past it the value stays unknown, as an unevaluable expression does.
const MAX_REFERENCE_DEPTH: usize = 100;

/// How long one file's HCL parse may take. hcl-edit backtracks
/// exponentially on some malformed input (unclosed `{` in expressions: 600
/// crafted bytes took a second, each extra brace ×2.5), so parses run on a
/// worker thread and a file that is not parsed in time is unreadable.
const PARSE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(3);

type Parsed = Result<Body, (String, Span)>;

/// A thread that parses HCL for the calling thread (one per calling thread,
/// replaced when it misses the deadline: the stuck one is left to finish).
struct ParseWorker {
    texts: std::sync::mpsc::Sender<String>,
    bodies: std::sync::mpsc::Receiver<Parsed>,
}

impl ParseWorker {
    fn spawn() -> Option<ParseWorker> {
        let (texts, inbox) = std::sync::mpsc::channel::<String>();
        let (outbox, bodies) = std::sync::mpsc::channel::<Parsed>();
        std::thread::Builder::new()
            .name("hcl-parse".into())
            .spawn(move || {
                for text in inbox {
                    if outbox.send(parse_hcl(&text)).is_err() {
                        break;
                    }
                }
            })
            .ok()?;
        Some(ParseWorker { texts, bodies })
    }
}

fn parse_hcl(text: &str) -> Parsed {
    hcl_edit::parser::parse_body(text).map_err(|e| {
        let at = e.location().offset().min(text.len());
        (
            format!(
                "HCL syntax error at line {}: {}",
                e.location().line(),
                e.message()
            ),
            Span::new(at, at),
        )
    })
}

/// Whether the text's brackets plainly balance: outside comments and
/// strings (with their `${ }` and `%{ }` templates), every `{`, `[`, `(` is
/// closed by its match, with no heredoc and nothing uncertain (a string
/// inside a template, an unterminated string or comment). Such a text cannot
/// make hcl-edit backtrack on unclosed brackets, so it is parsed in place;
/// anything else goes through the deadline.
fn plainly_balanced(text: &str) -> bool {
    let b = text.as_bytes();
    let mut stack: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'#' => {
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |n| i + n);
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |n| i + n);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => match text[i + 2..].find("*/") {
                Some(n) => i += n + 3, // onto the closing `/`
                None => return false,
            },
            b'<' if b.get(i + 1) == Some(&b'<') => return false,
            b'"' => {
                // A quoted template: `${`/`%{` open code until its braces close.
                i += 1;
                let mut depth = 0usize;
                loop {
                    let Some(&c) = b.get(i) else { return false };
                    match c {
                        b'\\' if depth == 0 => i += 1,
                        b'"' if depth == 0 => break,
                        b'"' | b'\n' => return false,
                        b'$' | b'%' if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&b'{') => {
                            i += 2; // `$${` and `%%{` are literal text
                        }
                        b'$' | b'%' if depth == 0 && b.get(i + 1) == Some(&b'{') => {
                            depth = 1;
                            i += 1;
                        }
                        b'{' if depth > 0 => depth += 1,
                        b'}' if depth > 0 => depth -= 1,
                        _ => {}
                    }
                    i += 1;
                }
            }
            c @ (b'{' | b'[' | b'(') => stack.push(c),
            c @ (b'}' | b']' | b')') => {
                let open = match c {
                    b'}' => b'{',
                    b']' => b'[',
                    _ => b'(',
                };
                if stack.pop() != Some(open) {
                    return false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    stack.is_empty()
}

/// [`parse_hcl`] within [`PARSE_DEADLINE`] (in place when [`plainly_balanced`]).
fn parse_within_deadline(text: &str) -> Parsed {
    if plainly_balanced(text) {
        return parse_hcl(text);
    }
    thread_local! {
        static WORKER: std::cell::RefCell<Option<ParseWorker>> = const { std::cell::RefCell::new(None) };
    }
    WORKER.with_borrow_mut(|slot| {
        if slot.is_none() {
            *slot = ParseWorker::spawn();
        }
        let Some(worker) = slot.as_ref() else {
            // No thread to be had: parse here, unguarded.
            return parse_hcl(text);
        };
        if worker.texts.send(text.to_string()).is_err() {
            *slot = None;
            return parse_hcl(text);
        }
        match worker.bodies.recv_timeout(PARSE_DEADLINE) {
            Ok(parsed) => parsed,
            Err(_) => {
                *slot = None;
                Err((
                    format!(
                        "HCL not parsed within {} s (malformed input that makes the parser backtrack, such as unclosed `{{`); not read",
                        PARSE_DEADLINE.as_secs()
                    ),
                    Span::new(0, 0),
                ))
            }
        }
    })
}

/// Reads a `.tf` file (or a `.tfvars` file when `tfvars`).
pub fn read(path: &Arc<str>, text: &str, tfvars: bool) -> Result<Vec<Resource>, (String, Span)> {
    let body = parse_within_deadline(text)?;
    let conv = Converter { text };
    let mut out = Vec::new();
    if tfvars {
        let mut r = resource(path, "tfvars", "", "tfvars".into(), conv.body(&body));
        r.span = Span::new(0, 0);
        out.push(r);
        return Ok(out);
    }
    for block in body.blocks() {
        let labels: Vec<&str> = block.labels.iter().map(|l| l.as_str()).collect();
        let (kind, name, address) = match (block.ident.as_str(), labels.as_slice()) {
            ("resource", [t, n]) => (t.to_string(), n.to_string(), format!("{t}.{n}")),
            ("data", [t, n]) => (format!("data.{t}"), n.to_string(), format!("data.{t}.{n}")),
            ("module", [n]) => ("module".into(), n.to_string(), format!("module.{n}")),
            ("variable", [n]) => ("variable".into(), n.to_string(), format!("var.{n}")),
            ("locals", []) => ("locals".into(), String::new(), "locals".into()),
            ("moved", []) => {
                out.push(conv.moved(path, block));
                continue;
            }
            _ => continue,
        };
        let mut r = resource(path, &kind, &name, address, conv.body(&block.body));
        r.span = conv.span(block.span());
        out.push(r);
    }
    Ok(out)
}

pub(super) fn resource(
    path: &Arc<str>,
    kind: &str,
    name: &str,
    address: String,
    body: Node,
) -> Resource {
    Resource {
        file_kind: FileKind::Terraform,
        kind: kind.to_string(),
        name: name.to_string(),
        namespace: None,
        address,
        path: path.clone(),
        span: body.span,
        body,
        labels: BTreeMap::new(),
    }
}

struct Converter<'a> {
    text: &'a str,
}

impl Converter<'_> {
    fn span(&self, r: Option<std::ops::Range<usize>>) -> Span {
        r.map_or(Span::default(), |r| {
            Span::new(r.start.min(self.text.len()), r.end.min(self.text.len()))
        })
    }

    fn source(&self, span: Span) -> String {
        self.text
            .get(span.start..span.end)
            .unwrap_or_default()
            .trim()
            .to_string()
    }

    /// A body: attributes and blocks, repeated blocks as a sequence.
    fn body(&self, body: &Body) -> Node {
        let mut entries: Vec<(Node, Node)> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut repeated: std::collections::HashSet<String> = std::collections::HashSet::new();
        for s in body.iter() {
            match s {
                Structure::Attribute(a) => {
                    let key = Node::new(
                        Value::Str(a.key.as_str().to_string()),
                        self.span(a.key.span()),
                    );
                    let value = self.expr(&a.value);
                    index.insert(a.key.as_str().to_string(), entries.len());
                    entries.push((key, value));
                }
                Structure::Block(b) => {
                    // `dynamic "rule" { for_each = …, content { … } }` makes
                    // as many `rule` blocks as `for_each` has items, known only
                    // when Terraform runs: the blocks are unknown.
                    let (value, name) = match (b.ident.as_str(), b.labels.as_slice()) {
                        ("dynamic", [label]) => (
                            Node::new(
                                Value::Unknown(format!("dynamic \"{}\"", label.as_str())),
                                self.span(b.span()),
                            ),
                            label.as_str().to_string(),
                        ),
                        _ => (self.block(b), b.ident.as_str().to_string()),
                    };
                    match index.get(&name).and_then(|i| entries.get_mut(*i)) {
                        Some((_, existing)) => {
                            if repeated.contains(&name) {
                                if let Value::Seq(items) = &mut existing.value {
                                    items.push(value);
                                }
                            } else {
                                let first = std::mem::replace(
                                    existing,
                                    Node::new(Value::Null, Span::default()),
                                );
                                *existing =
                                    Node::new(Value::Seq(vec![first, value]), Span::default());
                                repeated.insert(name);
                            }
                            if let Value::Seq(items) = &existing.value
                                && let (Some(f), Some(l)) = (items.first(), items.last())
                            {
                                existing.span = Span::new(f.span.start, l.span.end);
                            }
                        }
                        None => {
                            let key =
                                Node::new(Value::Str(name.clone()), self.span(b.ident.span()));
                            index.insert(name, entries.len());
                            entries.push((key, value));
                        }
                    }
                }
            }
        }
        Node::new(Value::Map(entries), self.span(body.span()))
    }

    /// A `moved { from = X  to = Y }` block as a [`MOVED`] resource whose
    /// `from` and `to` are the addresses as written (strings, never
    /// references to resolve).
    fn moved(&self, path: &Arc<str>, b: &Block) -> Resource {
        let mut entries = Vec::new();
        for s in b.body.iter() {
            if let Structure::Attribute(a) = s
                && matches!(a.key.as_str(), "from" | "to")
            {
                let span = self.span(a.value.span());
                entries.push((
                    Node::new(
                        Value::Str(a.key.as_str().to_string()),
                        self.span(a.key.span()),
                    ),
                    Node::new(Value::Str(self.source(span)), span),
                ));
            }
        }
        let mut r = resource(
            path,
            MOVED,
            "",
            MOVED.into(),
            Node::new(Value::Map(entries), self.span(b.body.span())),
        );
        r.span = self.span(b.span());
        r
    }

    fn block(&self, b: &Block) -> Node {
        let mut node = self.body(&b.body);
        node.span = self.span(b.span());
        node
    }

    fn expr(&self, e: &Expression) -> Node {
        let span = self.span(e.span());
        let value = match e {
            Expression::Null(_) => Value::Null,
            Expression::Bool(b) => Value::Bool(*b.value()),
            Expression::Number(n) => {
                let n = n.value();
                match (n.is_f64(), n.as_i64(), n.as_f64()) {
                    (false, Some(i), _) => Value::Int(i),
                    (_, _, Some(f)) => Value::Float(f),
                    _ => Value::Unknown(self.source(span)),
                }
            }
            Expression::String(s) => Value::Str(s.value().clone()),
            Expression::Array(a) => Value::Seq(a.iter().map(|x| self.expr(x)).collect()),
            Expression::Object(o) => Value::Map(
                o.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            ObjectKey::Ident(i) => {
                                Node::new(Value::Str(i.as_str().to_string()), self.span(i.span()))
                            }
                            ObjectKey::Expression(x) => self.expr(x),
                        };
                        (key, self.expr(v.expr()))
                    })
                    .collect(),
            ),
            Expression::Parenthesis(p) => self.expr(p.inner()).value,
            Expression::UnaryOp(u) if *u.operator.value() == hcl_edit::expr::UnaryOperator::Neg => {
                match self.expr(&u.expr).value {
                    Value::Int(i) => Value::Int(i.saturating_neg()),
                    Value::Float(f) => Value::Float(-f),
                    _ => Value::Unknown(self.source(span)),
                }
            }
            _ => Value::Unknown(self.source(span)),
        };
        Node::new(value, span)
    }
}

/// Appends a `.tf` / `.tfvars` file's resources or parse error to a read.
pub fn read_into(read: &mut FileRead, path: &Arc<str>, text: &str, tfvars: bool) {
    match read_guarded(path, text, tfvars) {
        Ok(resources) => {
            let mut seen: HashMap<&str, usize> = HashMap::new();
            for r in resources
                .iter()
                .filter(|r| r.kind != "locals" && r.kind != MOVED)
            {
                *seen.entry(r.address.as_str()).or_default() += 1;
            }
            let mut dups: Vec<&str> = seen
                .into_iter()
                .filter(|(_, n)| *n > 1)
                .map(|(a, _)| a)
                .collect();
            dups.sort_unstable();
            for a in dups {
                read.notes.push(format!(
                    "{path}: `{a}` is declared more than once; each is kept and checked"
                ));
            }
            read.resources = resources;
        }
        Err(e) => read.error = Some(e),
    }
}

/// Deepest `{`/`[`/`(` nesting accepted before parsing; hcl-edit refuses
/// more than 64 levels itself, this makes the refusal cheap and explicit.
pub const MAX_NESTING: usize = 64;

fn read_guarded(
    path: &Arc<str>,
    text: &str,
    tfvars: bool,
) -> Result<Vec<Resource>, (String, Span)> {
    let mut depth = 0usize;
    for (i, b) in text.bytes().enumerate() {
        match b {
            b'{' | b'[' | b'(' => {
                depth += 1;
                // Strings and comments may hold brackets; allow twice the limit
                // here and let the parser decide in between.
                if depth > MAX_NESTING * 2 {
                    return Err((
                        format!("nested more than {MAX_NESTING} levels deep; refused"),
                        Span::new(i, i + 1),
                    ));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    read(path, text, tfvars)
}

/// The values a directory's `variable` defaults, `*.tfvars` and `locals` give,
/// and its resources by address.
#[derive(Default)]
pub(super) struct Scope {
    vars: HashMap<String, Node>,
    /// A module instance's arguments as the caller wrote them (each node
    /// carries its [`Origin`](super::Origin)): `var.x` alone becomes the
    /// argument itself, located at the caller's line.
    args: HashMap<String, Node>,
    /// `each.key`, `each.value`, `count.index` of a module instance.
    instance: HashMap<String, Value>,
    locals: HashMap<String, Node>,
    resources: HashMap<String, Arc<Resource>>,
    memo: std::cell::RefCell<HashMap<String, Option<Value>>>,
    visiting: std::cell::RefCell<std::collections::HashSet<String>>,
}

impl Scope {
    /// The scope of one instance of a module: its variables' defaults, then
    /// the caller's arguments (a module reads no `.tfvars`), its locals and
    /// resources, and the instance's `each`/`count` values.
    pub(super) fn for_instance(
        reads: &[(String, Arc<FileRead>)],
        args: HashMap<String, Node>,
        instance: HashMap<String, Value>,
    ) -> Scope {
        let only_tf: Vec<(String, Arc<FileRead>)> = reads
            .iter()
            .filter(|(p, _)| is_terraform_path(p))
            .cloned()
            .collect();
        let mut scope = Scope::build(&only_tf);
        for (k, v) in &args {
            scope.vars.insert(k.clone(), v.clone());
        }
        scope.args = args;
        scope.instance = instance;
        scope
    }

    fn build(reads: &[(String, Arc<FileRead>)]) -> Scope {
        Scope::build_with(reads, &[])
    }

    /// A root's scope with the var files a plan's `builds` entry names,
    /// applied after `*.auto.tfvars` in their order (as `-var-file` is).
    fn build_with(reads: &[(String, Arc<FileRead>)], var_files: &[Arc<FileRead>]) -> Scope {
        let mut scope = Scope::default();
        // Defaults first, then terraform.tfvars, then *.auto.tfvars in name order (Terraform's order).
        let mut tfvars: Vec<(u8, &str, &Resource)> = Vec::new();
        for (path, read) in reads {
            let file = path.rsplit('/').next().unwrap_or(path);
            for r in &read.resources {
                match r.kind.as_str() {
                    "variable" => {
                        if let Some(d) = r.body.get("default") {
                            scope.vars.insert(r.name.clone(), d.clone());
                        }
                    }
                    "locals" => {
                        for (k, v) in r.body.entries() {
                            if let Some(k) = k.as_str() {
                                scope.locals.insert(k.to_string(), v.clone());
                            }
                        }
                    }
                    "tfvars" if file == "terraform.tfvars" => tfvars.push((0, file, r)),
                    "tfvars" if file.ends_with(".auto.tfvars") => tfvars.push((1, file, r)),
                    "tfvars" => {}
                    _ => {
                        scope
                            .resources
                            .insert(r.address.clone(), Arc::new(r.clone()));
                    }
                }
            }
        }
        tfvars.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let named = var_files
            .iter()
            .flat_map(|read| read.resources.iter())
            .filter(|r| r.kind == "tfvars")
            .map(|r| (2, "", r));
        for (_, _, r) in tfvars.into_iter().chain(named) {
            for (k, v) in r.body.entries() {
                if let Some(k) = k.as_str() {
                    scope.vars.insert(k.to_string(), v.clone());
                }
            }
        }
        scope
    }

    /// What an expression stands for, if we can tell. Each name is resolved
    /// once (memoised), a cycle resolves to nothing, and a value larger than
    /// [`MAX_RESOLVED_NODES`] stays unknown, so hostile `locals` cannot make
    /// resolution slow or large.
    fn lookup(&self, expr: &str) -> Option<Value> {
        let key = unwrap_interpolation(expr.trim()).to_string();
        if let Some(v) = self.memo.borrow().get(&key) {
            return v.clone();
        }
        // A chain of references deeper than this stays unknown: resolution
        // recurses once per link, and 20,000 chained `locals` would
        // otherwise overflow the stack.
        if self.visiting.borrow().len() >= MAX_REFERENCE_DEPTH
            || !self.visiting.borrow_mut().insert(key.clone())
        {
            return None;
        }
        let resolved = self.compute(&key);
        self.visiting.borrow_mut().remove(&key);
        self.memo.borrow_mut().insert(key, resolved.clone());
        resolved
    }

    fn compute(&self, expr: &str) -> Option<Value> {
        if expr.contains('?') {
            return self.conditional(expr);
        }
        if expr.contains(['&', '|', '=', '!']) {
            return self.truth(expr).map(Value::Bool);
        }
        let parts: Vec<&str> = expr.split('.').collect();
        if !parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        }) {
            return None;
        }
        if let [scope @ ("each" | "count"), attr] = parts.as_slice() {
            return self.instance.get(&format!("{scope}.{attr}")).cloned();
        }
        let found = match parts.as_slice() {
            ["var", name] => self.vars.get(*name)?,
            ["local", name] => self.locals.get(*name)?,
            [t, n, attr] => self.resources.get(&format!("{t}.{n}"))?.body.get(attr)?,
            _ => return None,
        };
        let size = node_count(found, MAX_RESOLVED_NODES + 1);
        if size > MAX_RESOLVED_NODES {
            return None;
        }
        let mut node = found.clone();
        let mut budget = MAX_RESOLVED_NODES - size;
        self.substitute(&mut node, &mut budget);
        if contains_unknown(&node) {
            return None;
        }
        Some(node.value)
    }

    /// `COND ? A : B` (the `count = var.create ? 1 : 0` of most modules):
    /// COND as [`Scope::truth`] reads it; the branch it picks a literal or a
    /// reference (the other branch may be anything). Nested conditionals,
    /// and quotes or brackets in the condition, stay unknown.
    fn conditional(&self, expr: &str) -> Option<Value> {
        let (cond, rest) = split_top(expr, '?')?;
        let (then, otherwise) = split_top(rest, ':')?;
        if cond.contains(['"', '(', '[', '{']) || split_top(then, '?').is_some() {
            return None;
        }
        let pick = if self.truth(cond)? { then } else { otherwise }.trim();
        if pick.contains(['?', '"', '(', '[', '{']) {
            return None;
        }
        match pick {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            "null" => Some(Value::Null),
            _ => match pick.parse::<i64>() {
                Ok(i) => Some(Value::Int(i)),
                Err(_) => self.lookup(pick),
            },
        }
    }

    /// A boolean condition: terms joined by `||`, each of factors joined by
    /// `&&` (HCL's precedence), each factor `!X`, `A == B`, `A != B` or a
    /// reference to a boolean, where A and B are literals (`true`, `false`,
    /// `null`, integers) or references. A factor that is known false makes
    /// its `&&` false, a term that is known true makes the `||` true,
    /// whatever the unknown others (`var.create && local.is_mssql` with
    /// `create = false` is false). Anything else is unknown.
    fn truth(&self, expr: &str) -> Option<bool> {
        if expr.contains(['"', '(', '[', '{', '<', '>', '?', ':']) {
            return None;
        }
        let mut any_unknown = false;
        for term in expr.split("||") {
            let mut term_unknown = false;
            let mut term_false = false;
            for factor in term.split("&&") {
                match self.factor(factor.trim()) {
                    Some(false) => {
                        term_false = true;
                        break;
                    }
                    Some(true) => {}
                    None => term_unknown = true,
                }
            }
            match (term_false, term_unknown) {
                (true, _) => {}
                (false, true) => any_unknown = true,
                (false, false) => return Some(true),
            }
        }
        (!any_unknown).then_some(false)
    }

    fn factor(&self, factor: &str) -> Option<bool> {
        for (op, equal) in [("==", true), ("!=", false)] {
            if let Some((a, b)) = factor.split_once(op) {
                let (a, b) = (self.operand(a.trim())?, self.operand(b.trim())?);
                let same = match (&a, &b) {
                    (Value::Bool(_) | Value::Int(_) | Value::Null | Value::Str(_), _) => a == b,
                    _ => return None,
                };
                return Some(same == equal);
            }
        }
        if factor.contains(['=', '&', '|']) {
            return None;
        }
        match factor.strip_prefix('!') {
            Some(rest) => self.factor(rest.trim()).map(|b| !b),
            None => match self.operand(factor)? {
                Value::Bool(b) => Some(b),
                _ => None,
            },
        }
    }

    /// A literal or the value of a reference.
    fn operand(&self, text: &str) -> Option<Value> {
        match text {
            "" => None,
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            "null" => Some(Value::Null),
            _ => match text.parse::<i64>() {
                Ok(i) => Some(Value::Int(i)),
                Err(_) => self.lookup(text),
            },
        }
    }

    /// Replaces what can be resolved in a tree, adding at most `budget` nodes;
    /// each resolved subtree takes the span of the expression it replaces (the
    /// place the value is used).
    pub(super) fn substitute(&self, node: &mut Node, budget: &mut usize) -> bool {
        match &mut node.value {
            Value::Unknown(expr) => {
                if *budget == 0 {
                    return false;
                }
                if let Some(arg) = unwrap_interpolation(expr.trim())
                    .strip_prefix("var.")
                    .and_then(|name| self.args.get(name))
                {
                    let size = node_count(arg, *budget + 1);
                    if size > *budget {
                        *budget = 0;
                        return false;
                    }
                    *budget -= size;
                    let used_at = node.span;
                    *node = arg.clone();
                    used_here(node, used_at);
                    return true;
                }
                let Some(mut v) = self.lookup(expr) else {
                    return false;
                };
                let size = value_count(&v, *budget + 1);
                if size > *budget {
                    *budget = 0;
                    return false;
                }
                *budget -= size;
                respan(&mut v, node.span);
                node.value = v;
                true
            }
            Value::Seq(items) => {
                let mut changed = false;
                for i in items {
                    changed |= self.substitute(i, budget);
                }
                changed
            }
            Value::Map(entries) => {
                let mut changed = false;
                for (_, v) in entries {
                    changed |= self.substitute(v, budget);
                }
                changed
            }
            _ => false,
        }
    }
}

/// Nodes in a tree, counting no further than `limit`.
fn node_count(node: &Node, limit: usize) -> usize {
    value_count(&node.value, limit)
}

fn value_count(value: &Value, limit: usize) -> usize {
    let mut n = 1;
    match value {
        Value::Seq(items) => {
            for i in items {
                if n > limit {
                    break;
                }
                n += node_count(i, limit);
            }
        }
        Value::Map(entries) => {
            for (_, v) in entries {
                if n > limit {
                    break;
                }
                n += 1 + node_count(v, limit);
            }
        }
        _ => {}
    }
    n
}

/// `"${var.x}"` → `var.x`.
/// `expr` split at the first `sep` outside quotes and brackets.
fn split_top(expr: &str, sep: char) -> Option<(&str, &str)> {
    let mut depth = 0usize;
    let mut quoted = false;
    for (i, c) in expr.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '(' | '[' | '{' if !quoted => depth += 1,
            ')' | ']' | '}' if !quoted => depth = depth.saturating_sub(1),
            c if c == sep && !quoted && depth == 0 => {
                return Some((&expr[..i], &expr[i + c.len_utf8()..]));
            }
            _ => {}
        }
    }
    None
}

fn unwrap_interpolation(expr: &str) -> &str {
    expr.strip_prefix("\"${")
        .and_then(|e| e.strip_suffix("}\""))
        .filter(|e| !e.contains("${") && !e.contains('}'))
        .map_or(expr, str::trim)
}

/// Marks a module argument's nodes as used at `used_at` in the module.
fn used_here(node: &mut Node, used_at: Span) {
    if let Some(o) = &mut node.origin {
        Arc::make_mut(o).used_at = used_at;
    }
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|i| used_here(i, used_at)),
        Value::Map(entries) => entries.iter_mut().for_each(|(_, v)| used_here(v, used_at)),
        _ => {}
    }
}

pub(super) fn contains_unknown(node: &Node) -> bool {
    match &node.value {
        Value::Unknown(_) => true,
        Value::Seq(items) => items.iter().any(contains_unknown),
        Value::Map(entries) => entries.iter().any(|(_, v)| contains_unknown(v)),
        _ => false,
    }
}

/// Gives a resolved value the span of the expression it replaces; it is
/// now written there, not in another file.
fn respan(value: &mut Value, span: Span) {
    match value {
        Value::Seq(items) => items.iter_mut().for_each(|i| {
            i.span = span;
            i.origin = None;
            respan(&mut i.value, span);
        }),
        Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
            k.span = span;
            v.span = span;
            k.origin = None;
            v.origin = None;
            respan(&mut v.value, span);
        }),
        _ => {}
    }
}

/// Resolves `var.x` (variable defaults, `terraform.tfvars`, `*.auto.tfvars`),
/// `local.y` and `type.name.attribute` of the same directory in the
/// Terraform resources of a service. `list_dir` lists a directory's files
/// (any depth), `read` reads one through the parse cache. What stays
/// unresolved stays [`Value::Unknown`].
pub fn resolve_references(
    resources: &mut [Arc<Resource>],
    list_dir: impl Fn(&str) -> Vec<String>,
    read: impl FnMut(&str) -> Option<Arc<FileRead>>,
) {
    resolve_references_with(resources, &[], list_dir, read);
}

/// [`resolve_references`] with the var files the plan's `builds` names
/// per root folder (paths from the root folder).
pub fn resolve_references_with(
    resources: &mut [Arc<Resource>],
    var_files: &[(String, Vec<String>)],
    list_dir: impl Fn(&str) -> Vec<String>,
    mut read: impl FnMut(&str) -> Option<Arc<FileRead>>,
) {
    let mut dirs: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, r) in resources.iter().enumerate() {
        if r.file_kind == FileKind::Terraform && !HELPER_KINDS.contains(&r.kind.as_str()) {
            let dir = r.path.rsplit_once('/').map_or("", |(d, _)| d);
            dirs.entry(dir.to_string()).or_default().push(i);
        }
    }
    for (dir, members) in dirs {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        let reads: Vec<(String, Arc<FileRead>)> = list_dir(&prefix)
            .into_iter()
            .filter(|p| {
                let rest = p.strip_prefix(&prefix).unwrap_or(p);
                !rest.contains('/') && (is_terraform_path(rest) || rest.ends_with(".tfvars"))
            })
            .filter_map(|p| read(&p).map(|r| (p, r)))
            .collect();
        let named: Vec<Arc<FileRead>> = var_files
            .iter()
            .filter(|(root, _)| *root == dir)
            .flat_map(|(_, files)| files.iter())
            .filter_map(|f| super::kustomize::join(&dir, f))
            .filter_map(|p| read(&p))
            .collect();
        let scope = Scope::build_with(&reads, &named);
        for i in members {
            let Some(r) = resources.get_mut(i) else {
                continue;
            };
            if !contains_unknown(&r.body) {
                continue;
            }
            let mut body = r.body.clone();
            let mut budget = MAX_RESOLVED_NODES;
            if scope.substitute(&mut body, &mut budget) {
                Arc::make_mut(r).body = body;
            }
        }
    }
}

/// A Terraform configuration file: `.tf`, or `.tf.json` (JSON syntax).
pub fn is_terraform_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.ends_with(".tf") || lower.ends_with(".tf.json")
}

/// The other `.tf` and `.tf.json` files of a Terraform or `.tfvars` file's
/// directory (its module), through `list_dir` (any depth); empty for other
/// files.
pub fn module_siblings(path: &str, list_dir: impl Fn(&str) -> Vec<String>) -> Vec<String> {
    let lower = path.to_ascii_lowercase();
    if !(is_terraform_path(&lower) || lower.ends_with(".tfvars")) {
        return Vec::new();
    }
    let prefix = path
        .rsplit_once('/')
        .map_or(String::new(), |(d, _)| format!("{d}/"));
    list_dir(&prefix)
        .into_iter()
        .filter(|p| {
            let rest = p.strip_prefix(&prefix).unwrap_or(p);
            p != path && !rest.contains('/') && is_terraform_path(rest)
        })
        .collect()
}

/// Whether a plan's `terraform:` address patterns select an address: the
/// globs themselves, plus `module.x.*` selecting the `module.x` block.
pub fn address_selected(
    patterns: &[String],
    set: &crate::plan::model::LazyGlobSet,
    address: &str,
) -> bool {
    let unindexed = strip_instance_keys(address);
    set.is_match(address)
        || unindexed.as_deref().is_some_and(|a| set.is_match(a))
        || patterns.iter().any(|p| {
            p.strip_suffix(".**")
                .or_else(|| p.strip_suffix(".*"))
                .is_some_and(|prefix| prefix == address)
                // A module block is selected by any pattern inside it
                // (`module.db.aws_db_instance.*` needs `module.db` evaluated).
                || (address.starts_with("module.")
                    && [address, unindexed.as_deref().unwrap_or(address)]
                        .iter()
                        .any(|a| p.strip_prefix(a).is_some_and(|rest| rest.starts_with(['.', '[']))))
        })
}

/// `module.db[0].aws_x.y` → `module.db.aws_x.y` (`None` without keys), so
/// `module.db.*` selects every instance.
pub(super) fn strip_instance_keys(address: &str) -> Option<String> {
    if !address.contains('[') {
        return None;
    }
    let mut out = String::with_capacity(address.len());
    let mut depth = 0usize;
    for c in address.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    Some(out)
}

/// A reference `type.name[.attr…]` to a resource: its address.
pub fn referenced_address(expr: &str) -> Option<String> {
    let expr = unwrap_interpolation(expr.trim());
    let mut parts = expr.split('.');
    let t = parts.next()?;
    // `aws_autoscaling_group.payments[0].name`: the index picks an instance of the same resource.
    let n = parts.next()?.split('[').next()?;
    let ident = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    (ident(t)
        && ident(n)
        && !["var", "local", "module", "data", "each", "count", "path"].contains(&t))
    .then(|| format!("{t}.{n}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::yaml::line_col;

    fn parse(text: &str) -> Vec<Resource> {
        read(&Arc::from("main.tf"), text, false).expect("parses")
    }

    fn at(text: &str, node: &Node) -> (usize, usize) {
        line_col(text, node.span.start)
    }

    const DB: &str = r#"# ledger
resource "aws_db_instance" "ledger" {
  engine            = "postgres"
  multi_az          = true
  allocated_storage = 100
  ratio             = 1.5
  offset            = -3
  instance_class    = var.class
  name              = "ledger-${var.env}"
  tags              = { team = "core", count = 2 }
  zones             = ["a", "b"]
  nothing           = null
  timeouts {
    create = "1h"
  }
  rule { name = "a" }
  rule { name = "b" }
}

data "aws_vpc" "main" {
  default = true
}

module "payments" {
  source = "./payments"
}
"#;

    #[test]
    fn addresses_kinds_and_names() {
        let rs = parse(DB);
        let got: Vec<(&str, &str, &str)> = rs
            .iter()
            .map(|r| (r.kind.as_str(), r.name.as_str(), r.address.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("aws_db_instance", "ledger", "aws_db_instance.ledger"),
                ("data.aws_vpc", "main", "data.aws_vpc.main"),
                ("module", "payments", "module.payments"),
            ]
        );
        assert_eq!(line_col(DB, rs[0].span.start), (2, 1));
    }

    #[test]
    fn literal_values_and_spans() {
        let rs = parse(DB);
        let b = &rs[0].body;
        let (k, v) = b.entry("multi_az").expect("multi_az");
        assert_eq!(v.value, Value::Bool(true));
        assert_eq!(at(DB, k), (4, 3));
        assert_eq!(at(DB, v), (4, 23));
        assert_eq!(&DB[v.span.start..v.span.end], "true");
        assert_eq!(
            b.get("allocated_storage").map(|n| &n.value),
            Some(&Value::Int(100))
        );
        assert_eq!(b.get("ratio").map(|n| &n.value), Some(&Value::Float(1.5)));
        assert_eq!(b.get("offset").map(|n| &n.value), Some(&Value::Int(-3)));
        assert_eq!(b.get("engine").and_then(Node::as_str), Some("postgres"));
        assert_eq!(b.get("nothing").map(|n| &n.value), Some(&Value::Null));
        assert_eq!(b.path("tags.team").and_then(Node::as_str), Some("core"));
        assert_eq!(b.path("tags.count").and_then(Node::as_i64), Some(2));
        assert_eq!(b.get("zones").map(|z| z.items().len()), Some(2));
        assert_eq!(b.path("timeouts.create").and_then(Node::as_str), Some("1h"));
        let rules = b.get("rule").expect("rules");
        assert_eq!(rules.items().len(), 2);
        assert_eq!(
            rules.items()[1].get("name").and_then(Node::as_str),
            Some("b")
        );
    }

    #[test]
    fn expressions_stay_unknown_with_their_text() {
        let rs = parse(DB);
        let b = &rs[0].body;
        assert_eq!(
            b.get("instance_class").map(|n| &n.value),
            Some(&Value::Unknown("var.class".into()))
        );
        assert_eq!(
            b.get("name").map(|n| &n.value),
            Some(&Value::Unknown("\"ledger-${var.env}\"".into()))
        );
    }

    #[test]
    fn parse_error_has_the_parser_position() {
        let text = "resource \"aws_db_instance\" \"x\" {\n  multi_az = \n}\n";
        let (msg, span) = read(&Arc::from("main.tf"), text, false).expect_err("malformed");
        assert!(msg.contains("line 2: invalid expression"), "{msg}");
        assert_eq!(line_col(text, span.start), (2, 14));
    }

    #[test]
    fn plainly_balanced_texts() {
        for ok in [
            "resource \"a\" \"b\" {\n  x = \"${var.y}-${ {a = 1}.a }\" # {\n  y = [1, (2)]\n}\n",
            "a = \"$${not code\"\n/* } */\n// ]\n",
            "a = \"%{ if x }y%{ endif }\"\n",
        ] {
            assert!(plainly_balanced(ok), "{ok}");
        }
        for doubtful in [
            "a = {",
            "a = { # }",
            "a = \"x\"}",
            "a = <<EOF\n{\nEOF\n",
            "a = \"${ \"}\" }\"",
            "a = \"unterminated\n",
            "a = (]",
            "/* never closed",
            "a = {/**/}}",
        ] {
            assert!(!plainly_balanced(doubtful), "{doubtful}");
        }
    }

    /// The body of `db/main.tf`'s `aws_db_instance`, its references resolved.
    fn resolved_db(tf: &str) -> Node {
        let mut read = FileRead::default();
        read_into(&mut read, &Arc::from("db/main.tf"), tf, false);
        let mut resources: Vec<Arc<Resource>> = read
            .resources
            .iter()
            .filter(|r| r.kind == "aws_db_instance")
            .cloned()
            .map(Arc::new)
            .collect();
        let files = [("db/main.tf".to_string(), Arc::new(read))];
        resolve_references(
            &mut resources,
            |_| files.iter().map(|(p, _)| p.clone()).collect(),
            |p| files.iter().find(|(q, _)| q == p).map(|(_, r)| r.clone()),
        );
        resources[0].body.clone()
    }

    #[test]
    fn null_tests_and_boolean_locals_resolve() {
        // A null test picks the plain branch (terraform-aws-rds's retention);
        // a local that joins booleans resolves.
        let tf = "variable \"create\" {\n  default = true\n}\nvariable \"ha\" {\n  default = false\n}\nresource \"aws_db_instance\" \"a\" {\n  r        = var.bg != null ? coalesce(var.days, 1) : var.days\n  e        = local.on\n}\nvariable \"bg\" {\n  default = null\n}\nvariable \"days\" {\n  default = 0\n}\nlocals {\n  on = var.create && !var.ha\n}\n";
        let b = &resolved_db(tf);
        assert_eq!(b.get("r").map(|n| &n.value), Some(&Value::Int(0)));
        assert_eq!(b.get("e").map(|n| &n.value), Some(&Value::Bool(true)));
    }

    #[test]
    fn conditionals_on_known_booleans_resolve() {
        let tf = "variable \"create\" {\n  default = true\n}\nvariable \"ha\" {\n  default = false\n}\nlocals {\n  size = 3\n}\nresource \"aws_db_instance\" \"a\" {\n  count    = var.create ? 1 : 0\n  multi_az = var.create && !var.ha ? false : true\n  x        = var.ha || var.create ? local.size : 0\n  y        = var.create ? \"a:b\" : \"c\"\n  z        = var.env == \"prod\" ? 1 : 0\n}\n";
        let b = &resolved_db(tf);
        assert_eq!(b.get("count").map(|n| &n.value), Some(&Value::Int(1)));
        assert_eq!(
            b.get("multi_az").map(|n| &n.value),
            Some(&Value::Bool(false))
        );
        assert_eq!(b.get("x").map(|n| &n.value), Some(&Value::Int(3)));
        assert!(
            matches!(b.get("y").map(|n| &n.value), Some(Value::Unknown(_))),
            "quotes stay unknown"
        );
        assert!(
            matches!(b.get("z").map(|n| &n.value), Some(Value::Unknown(_))),
            "comparisons stay unknown"
        );
    }

    #[test]
    fn known_false_factors_and_comparisons_decide_conditions() {
        // terraform-aws-rds: `module "db_disabled" { create_db_instance = false }`
        // makes `count = var.create && false == local.is_mssql ? 1 : 0` zero.
        let tf = "variable \"create\" {\n  default = false\n}\nvariable \"blue_green\" {\n  default = null\n}\nvariable \"retention\" {\n  default = 7\n}\nvariable \"on\" {\n  default = true\n}\nlocals {\n  enabled = var.create && var.on\n  is_mssql = element(split(\"-\", var.engine), 0) == \"sqlserver\"\n}\nresource \"aws_db_instance\" \"a\" {\n  count  = local.enabled && false == local.is_mssql ? 1 : 0\n  other  = var.on && local.is_mssql ? 1 : 0\n  either = var.on || local.is_mssql ? 1 : 0\n  backup_retention_period = var.blue_green != null ? coalesce(var.retention, 1) : var.retention\n  nested = var.on ? var.create ? 1 : 2 : 3\n  ne = !var.create && var.retention != 0\n}\n";
        let b = &resolved_db(tf);
        let value = |k: &str| b.get(k).map(|n| n.value.clone());
        assert_eq!(value("count"), Some(Value::Int(0)));
        assert!(matches!(value("other"), Some(Value::Unknown(_))));
        assert_eq!(value("either"), Some(Value::Int(1)));
        assert_eq!(value("backup_retention_period"), Some(Value::Int(7)));
        assert!(matches!(value("nested"), Some(Value::Unknown(_))));
        assert_eq!(value("ne"), Some(Value::Bool(true)));
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        for open in ["[", "{", "("] {
            let text = format!("x = {}", open.repeat(100_000));
            let mut fr = FileRead::default();
            read_into(&mut fr, &Arc::from("main.tf"), &text, false);
            assert!(fr.error.is_some());
        }
        // Just over hcl-edit's own limit, under the pre-scan's.
        let text = format!("x = {}1{}\n", "[".repeat(100), "]".repeat(100));
        let mut fr = FileRead::default();
        read_into(&mut fr, &Arc::from("main.tf"), &text, false);
        assert!(fr.error.is_some());
        // Nested blocks.
        let text = format!("{}{}", "a {\n".repeat(100_000), "}\n".repeat(100_000));
        let mut fr = FileRead::default();
        read_into(&mut fr, &Arc::from("main.tf"), &text, false);
        assert!(fr.error.is_some());
    }

    #[test]
    fn duplicates_attribute_is_an_error_duplicate_address_a_note() {
        let text = "resource \"a\" \"b\" {\n  multi_az = true\n  multi_az = false\n}\n";
        let (msg, span) = read(&Arc::from("main.tf"), text, false).expect_err("duplicate");
        // hcl-edit refuses it: which value counts would be a guess.
        assert!(msg.contains("redefined attribute"), "{msg}");
        assert_eq!(line_col(text, span.start), (3, 3));
        let text = "resource \"a\" \"b\" {}\nresource \"a\" \"b\" {}\n";
        let mut fr = FileRead::default();
        read_into(&mut fr, &Arc::from("main.tf"), text, false);
        assert_eq!(fr.resources.len(), 2);
        assert!(
            fr.notes
                .iter()
                .any(|n| n.contains("`a.b` is declared more than once"))
        );
    }

    #[test]
    fn moved_blocks_give_address_pairs_prefixed_in_module_instances() {
        let text = "moved {\n  from = aws_db_instance.a\n  to   = aws_db_instance.b\n}\nmoved {\n  from = module.old\n  to = module.new\n}\nmoved { to = aws_instance.x }\n";
        let rs = parse(text);
        assert!(rs.iter().all(|r| r.kind == MOVED && r.address == MOVED));
        let mut read = FileRead::default();
        read_into(&mut read, &Arc::from("moved.tf"), text, false);
        assert!(read.notes.is_empty(), "{:?}", read.notes);
        let mut resources: Vec<Arc<Resource>> = rs.into_iter().map(Arc::new).collect();
        let mut instance = (*resources[0]).clone();
        instance.address = format!("module.db[0].{}", instance.address);
        resources.push(Arc::new(instance));
        assert_eq!(
            moved_pairs(&resources),
            [
                ("aws_db_instance.a", "aws_db_instance.b"),
                ("module.old", "module.new"),
                (
                    "module.db[0].aws_db_instance.a",
                    "module.db[0].aws_db_instance.b"
                ),
            ]
            .map(|(f, t)| (f.to_string(), t.to_string()))
        );
        let (line, _) = at(text, &resources[0].body.get("to").expect("to").clone());
        assert_eq!(line, 3);
    }

    #[test]
    fn real_world_constructs_parse() {
        let text = r#"terraform {
  required_version = ">= 1.5"
  required_providers {
    aws = { source = "hashicorp/aws", version = "~> 5.0" }
  }
}
provider "aws" { region = var.region }
/* block comment */
// line comment
resource "aws_instance" "web" {
  for_each      = toset(["a", "b"])
  ami           = data.aws_ami.ubuntu.id
  instance_type = var.env == "prod" ? "m5.large" : "t3.micro"
  subnet_ids    = aws_subnet.private[*].id
  names         = [for s in var.subnets : upper(s) if s != ""]
  user_data     = <<-EOT
    #!/bin/bash
    echo "${each.key}"
  EOT
  dynamic "ebs_block_device" {
    for_each = var.volumes
    content {
      device_name = ebs_block_device.value.name
    }
  }
  lifecycle {
    prevent_destroy = true
    ignore_changes  = [tags]
  }
  depends_on = [aws_db_instance.ledger]
}
output "ip" { value = aws_instance.web["a"].private_ip }
moved {
  from = aws_instance.old
  to   = aws_instance.web
}
"#;
        let rs = parse(text);
        assert_eq!(rs.len(), 2);
        assert_eq!(rs[1].kind, MOVED);
        let b = &rs[0].body;
        assert_eq!(
            b.path("lifecycle.prevent_destroy").and_then(Node::as_bool),
            Some(true)
        );
        assert!(matches!(
            b.get("instance_type").map(|n| &n.value),
            Some(Value::Unknown(t)) if t.starts_with("var.env ==")
        ));
        assert!(matches!(
            b.get("user_data").map(|n| &n.value),
            Some(Value::Unknown(_))
        ));
        assert!(matches!(
            b.get("ebs_block_device").map(|n| &n.value),
            Some(Value::Unknown(t)) if t == "dynamic \"ebs_block_device\""
        ));
    }

    proptest::proptest! {
        #[test]
        fn any_text_reads_without_panicking(text in r#"[a-z"{}\[\]()=.,$ \n#<>*-]{0,200}"#) {
            let mut fr = FileRead::default();
            read_into(&mut fr, &Arc::from("main.tf"), &text, false);
            let mut fr = FileRead::default();
            read_into(&mut fr, &Arc::from("x.tfvars"), &text, true);
        }
    }

    fn read_arc(path: &str, text: &str) -> Arc<FileRead> {
        let mut fr = FileRead::default();
        read_into(&mut fr, &Arc::from(path), text, path.ends_with(".tfvars"));
        assert!(fr.error.is_none(), "{path}: {:?}", fr.error);
        Arc::new(fr)
    }

    #[test]
    fn resolves_variables_locals_tfvars_and_resource_attributes() {
        let files: Vec<(&str, &str)> = vec![
            (
                "tf/main.tf",
                r#"resource "aws_db_instance" "ledger" {
  multi_az                = var.multi_az
  backup_retention_period = local.retention
  instance_class          = var.class
  storage                 = var.unset
  zones                   = [var.az, "b"]
  copy_of                 = aws_db_instance.other.allocated_storage
  window                  = "${var.window}"
}
resource "aws_db_instance" "other" {
  allocated_storage = 50
}
"#,
            ),
            (
                "tf/variables.tf",
                r#"variable "multi_az" { default = true }
variable "class" { default = "db.r6g.large" }
variable "unset" {}
variable "az" { default = "a" }
variable "window" { default = "03:00-04:00" }
variable "days" { default = 3 }
locals { retention = var.days }
"#,
            ),
            ("tf/terraform.tfvars", "multi_az = false\nclass = \"x\"\n"),
            ("tf/z.auto.tfvars", "class = \"db.small\"\n"),
            ("tf/other.tfvars", "multi_az = true\n"),
            ("tf/sub/x.tf", "locals { retention = 99 }\n"),
        ];
        let reads: HashMap<String, Arc<FileRead>> = files
            .iter()
            .map(|(p, t)| (p.to_string(), read_arc(p, t)))
            .collect();
        let list = |d: &str| -> Vec<String> {
            files
                .iter()
                .map(|(p, _)| p.to_string())
                .filter(|p| p.starts_with(d))
                .collect()
        };
        let resolved = |var_files: &[(String, Vec<String>)]| -> Vec<Arc<Resource>> {
            let mut resources: Vec<Arc<Resource>> = reads["tf/main.tf"]
                .resources
                .iter()
                .cloned()
                .map(Arc::new)
                .collect();
            resolve_references_with(&mut resources, var_files, list, |p| reads.get(p).cloned());
            resources
        };
        let resources = resolved(&[]);
        let b = &resources[0].body;
        let main = files[0].1;
        assert_eq!(
            b.get("multi_az").map(|n| &n.value),
            Some(&Value::Bool(false))
        );
        assert_eq!(at(main, b.get("multi_az").expect("set")), (2, 29));
        assert_eq!(
            b.get("backup_retention_period").and_then(Node::as_i64),
            Some(3)
        );
        assert_eq!(
            b.get("instance_class").and_then(Node::as_str),
            Some("db.small")
        );
        assert_eq!(
            b.get("storage").map(|n| &n.value),
            Some(&Value::Unknown("var.unset".into()))
        );
        assert_eq!(
            b.path("zones").map(|z| z.items()[0].as_str()),
            Some(Some("a"))
        );
        assert_eq!(b.get("copy_of").and_then(Node::as_i64), Some(50));
        assert_eq!(b.get("window").and_then(Node::as_str), Some("03:00-04:00"));
        // A var file the plan's `builds` names wins over terraform.tfvars.
        let resources = resolved(&[("tf".to_string(), vec!["other.tfvars".to_string()])]);
        assert_eq!(
            resources[0].body.get("multi_az").map(|n| &n.value),
            Some(&Value::Bool(true))
        );
    }

    /// The first file's resources with references resolved against all the
    /// files (one folder).
    fn resolved_in_one_folder(files: &[(&str, &str)]) -> Vec<Arc<Resource>> {
        let reads: HashMap<String, Arc<FileRead>> = files
            .iter()
            .map(|(p, t)| (p.to_string(), read_arc(p, t)))
            .collect();
        let mut resources: Vec<Arc<Resource>> = reads[files[0].0]
            .resources
            .iter()
            .cloned()
            .map(Arc::new)
            .collect();
        resolve_references(
            &mut resources,
            |_| reads.keys().cloned().collect(),
            |p| reads.get(p).cloned(),
        );
        resources
    }

    #[test]
    fn long_reference_chains_stay_unknown_without_overflowing() {
        let chain = |links: usize| {
            let mut locals = String::from("locals {\n  l0 = 3\n");
            for i in 1..links {
                locals.push_str(&format!("  l{i} = local.l{}\n", i - 1));
            }
            locals.push_str("}\n");
            let main = format!("resource \"a\" \"b\" {{\n  n = local.l{}\n}}\n", links - 1);
            let resources =
                resolved_in_one_folder(&[("m/main.tf", &main), ("m/locals.tf", &locals)]);
            resources[0].body.get("n").map(|n| n.value.clone())
        };
        assert_eq!(chain(50), Some(Value::Int(3)));
        assert!(matches!(chain(20_000), Some(Value::Unknown(_))));
    }

    #[test]
    fn hostile_locals_resolve_quickly_or_not_at_all() {
        let mut locals =
            String::from("locals {\n  l0 = 1\n  cyc_a = local.cyc_b\n  cyc_b = local.cyc_a\n");
        for i in 1..40 {
            let refs = vec![format!("local.l{}", i - 1); 10].join(", ");
            locals.push_str(&format!("  l{i} = [{refs}]\n"));
        }
        locals.push_str("}\n");
        let main = "resource \"a\" \"b\" {\n  big = local.l39\n  small = local.l2\n  cyc = local.cyc_a\n}\n";
        let started = std::time::Instant::now();
        let resources = resolved_in_one_folder(&[("m/main.tf", main), ("m/locals.tf", &locals)]);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        let b = &resources[0].body;
        assert!(matches!(
            b.get("big").map(|n| &n.value),
            Some(Value::Unknown(_))
        ));
        assert!(matches!(
            b.get("cyc").map(|n| &n.value),
            Some(Value::Unknown(_))
        ));
        assert_eq!(b.get("small").map(|n| n.items().len()), Some(10));
    }

    #[test]
    fn module_glob_selects_the_module_block() {
        let pats = vec!["module.payments.*".to_string()];
        let set = crate::plan::model::LazyGlobSet::new(&pats, false).expect("set");
        assert!(address_selected(&pats, &set, "module.payments"));
        assert!(address_selected(
            &pats,
            &set,
            "module.payments.aws_db_instance.x"
        ));
        assert!(!address_selected(&pats, &set, "module.payments2"));
        assert!(address_selected(
            &pats,
            &set,
            "module.payments[0].aws_db_instance.x"
        ));
        let inner = vec!["module.db.aws_db_instance.*".to_string()];
        let set = crate::plan::model::LazyGlobSet::new(&inner, false).expect("set");
        assert!(address_selected(&inner, &set, "module.db"));
        assert!(address_selected(&inner, &set, "module.db[\"a\"]"));
        assert!(!address_selected(&inner, &set, "module.dbx"));
        assert!(!address_selected(&pats, &set, "module.ledger"));
    }

    #[test]
    fn references_name_their_resource() {
        assert_eq!(
            referenced_address("aws_autoscaling_group.payments.name").as_deref(),
            Some("aws_autoscaling_group.payments")
        );
        assert_eq!(
            referenced_address("aws_autoscaling_group.payments[0].name").as_deref(),
            Some("aws_autoscaling_group.payments")
        );
        assert_eq!(referenced_address("var.x"), None);
        assert_eq!(referenced_address("upper(x)"), None);
    }
}
