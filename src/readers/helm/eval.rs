//! The template evaluator: runs parsed templates over values, writing the
//! output with a map from output offsets to where each piece was written
//! (template text, an action, a values file line). A budget of steps,
//! output and nesting bounds every run: a template that recurses or runs
//! too long fails with an error, never a hang.

use super::funcs;
use super::parse::{self, Cmd, Item, Parsed, Pipe, Term};
use super::value::{V, Val};
use crate::readers::yaml::Span;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::sync::Arc;

/// Steps (items run, commands called) one render may take.
pub const MAX_STEPS: u64 = 2_000_000;
/// Nested `template`/`include`/`tpl` calls.
pub const MAX_CALL_DEPTH: usize = 100;
/// Output bytes one render may write.
pub const MAX_OUTPUT: usize = 8 << 20;

/// A template text: a chart file, or a string given to `tpl`.
#[derive(Debug)]
pub struct Source {
    /// Its file (`None` for `tpl` text).
    pub path: Option<Arc<str>>,
    /// Its text.
    pub text: Rc<str>,
    /// Its parse.
    pub parsed: Rc<Parsed>,
}

/// Where a piece of output was written.
#[derive(Clone, Debug)]
pub enum Written {
    /// Literal text of a source from this offset.
    Literal {
        /// The source index.
        src: usize,
        /// The offset in its text.
        at: usize,
    },
    /// The output of an action.
    Action {
        /// The source index.
        src: usize,
        /// The action's `{{ … }}`.
        span: Span,
        /// The value printed, when it came from a values file.
        value: Option<V>,
    },
}

/// One piece of output: from `out` to the next piece's start.
#[derive(Clone, Debug)]
pub struct Seg {
    /// Its first byte in the output.
    pub out: usize,
    /// Where it was written.
    pub written: Written,
}

/// Why a template does not render.
#[derive(Clone, Debug, PartialEq)]
pub struct Fail {
    /// The file where it failed (`None` inside `tpl` text).
    pub path: Option<Arc<str>>,
    /// The byte offset there.
    pub at: usize,
    /// What went wrong.
    pub message: String,
}

enum Flow {
    Break,
    Continue,
    Fail(Fail),
}

impl From<Fail> for Flow {
    fn from(f: Fail) -> Flow {
        Flow::Fail(f)
    }
}

type R<T> = Result<T, Fail>;

/// An evaluator over a set of sources with their definitions.
pub struct Eval {
    /// Every source, by index.
    pub sources: Vec<Source>,
    defines: HashMap<String, (usize, usize)>,
    out: String,
    segs: Vec<Seg>,
    vars: Vec<(String, V)>,
    steps: u64,
    depth: usize,
    src: usize,
    at: usize,
    /// API versions `.Capabilities.APIVersions.Has` knows.
    pub api_versions: Vec<String>,
}

impl Eval {
    /// An evaluator with no sources.
    pub fn new() -> Eval {
        Eval {
            sources: Vec::new(),
            defines: HashMap::new(),
            out: String::new(),
            segs: Vec::new(),
            vars: Vec::new(),
            steps: 0,
            depth: 0,
            src: 0,
            at: 0,
            api_versions: Vec::new(),
        }
    }

    /// Adds a source; its definitions replace earlier ones of the same
    /// name, and the whole file is also a template named `name`.
    pub fn add(
        &mut self,
        path: Option<Arc<str>>,
        name: Option<&str>,
        text: Rc<str>,
        parsed: Parsed,
    ) -> usize {
        let idx = self.sources.len();
        for (i, (def, _)) in parsed.defines.iter().enumerate() {
            self.defines.insert(def.clone(), (idx, i));
        }
        if let Some(name) = name {
            self.defines.insert(name.to_string(), (idx, usize::MAX));
        }
        self.sources.push(Source {
            path,
            text,
            parsed: Rc::new(parsed),
        });
        idx
    }

    fn fail(&self, message: impl Into<String>) -> Fail {
        Fail {
            path: self.sources.get(self.src).and_then(|s| s.path.clone()),
            at: self.at,
            message: message.into(),
        }
    }

    fn step(&mut self) -> R<()> {
        self.steps += 1;
        if self.steps > MAX_STEPS {
            return Err(self.fail(format!(
                "stopped after {MAX_STEPS} steps (a loop or recursion)"
            )));
        }
        if self.out.len() > MAX_OUTPUT {
            return Err(self.fail(format!("output over {} MiB", MAX_OUTPUT >> 20)));
        }
        Ok(())
    }

    /// Runs source `src`'s body with `dot`: the output and where each piece of it was written.
    pub fn render(&mut self, src: usize, dot: &V) -> Result<(String, Vec<Seg>), Fail> {
        self.steps = 0;
        self.depth = 0;
        self.out.clear();
        self.segs.clear();
        self.vars = vec![(String::new(), dot.clone())];
        self.src = src;
        let parsed = self.sources[src].parsed.clone();
        match self.exec(&parsed.body, dot) {
            Ok(()) => {}
            Err(Flow::Fail(f)) => return Err(f),
            Err(_) => return Err(self.fail("break or continue outside range")),
        }
        Ok((
            std::mem::take(&mut self.out),
            std::mem::take(&mut self.segs),
        ))
    }

    fn emit_literal(&mut self, span: Span) {
        let text = self.sources[self.src].text.clone();
        self.segs.push(Seg {
            out: self.out.len(),
            written: Written::Literal {
                src: self.src,
                at: span.start,
            },
        });
        self.out
            .push_str(text.get(span.start..span.end).unwrap_or(""));
    }

    fn exec(&mut self, items: &[Item], dot: &V) -> Result<(), Flow> {
        for item in items {
            self.step()?;
            match item {
                Item::Text(span) => self.emit_literal(*span),
                Item::Action(pipe, span) => {
                    self.at = span.start;
                    let v = self.pipe(pipe, dot)?;
                    if pipe.vars.is_empty() {
                        let text = v.print();
                        let value = v.from.is_some().then_some(v);
                        self.segs.push(Seg {
                            out: self.out.len(),
                            written: Written::Action {
                                src: self.src,
                                span: *span,
                                value,
                            },
                        });
                        self.out.push_str(&text);
                    }
                }
                Item::If { arms, otherwise } => {
                    let mark = self.vars.len();
                    let mut done = false;
                    for (with, pipe, body) in arms {
                        self.at = pipe.at;
                        let v = self.pipe(pipe, dot)?;
                        if v.truthy() {
                            let r = self.exec(body, if *with { &v } else { dot });
                            self.vars.truncate(mark);
                            r?;
                            done = true;
                            break;
                        }
                    }
                    if !done {
                        let r = self.exec(otherwise, dot);
                        self.vars.truncate(mark);
                        r?;
                    }
                    self.vars.truncate(mark);
                }
                Item::Range {
                    pipe,
                    body,
                    otherwise,
                } => self.range(pipe, body, otherwise, dot)?,
                Item::Template(name, arg, span) => {
                    self.at = span.start;
                    let v = match arg {
                        Some(p) => self.pipe(p, dot)?,
                        None => V::nil(),
                    };
                    self.call_template(name, &v)?;
                }
                Item::Break => return Err(Flow::Break),
                Item::Continue => return Err(Flow::Continue),
            }
        }
        Ok(())
    }

    fn range(
        &mut self,
        pipe: &Pipe,
        body: &[Item],
        otherwise: &[Item],
        dot: &V,
    ) -> Result<(), Flow> {
        self.at = pipe.at;
        let bare = Pipe {
            vars: Vec::new(),
            ..pipe.clone()
        };
        let over = self.pipe(&bare, dot)?;
        let items: Vec<(V, V)> = match &over.val {
            Val::List(l) => l
                .iter()
                .enumerate()
                .map(|(i, v)| (V::int(i as i64), v.clone()))
                .collect(),
            Val::Map(_) => over
                .entries()
                .into_iter()
                .map(|(k, v)| (V::str(k), v))
                .collect(),
            Val::Int(n) => (0..(*n).clamp(0, MAX_STEPS as i64))
                .map(|i| (V::int(i), V::int(i)))
                .collect(),
            Val::Nil => Vec::new(),
            _ => {
                return Err(self
                    .fail(format!("range can't iterate over {}", over.print()))
                    .into());
            }
        };
        if items.is_empty() {
            let mark = self.vars.len();
            let r = self.exec(otherwise, dot);
            self.vars.truncate(mark);
            return r;
        }
        for (key, v) in items {
            let mark = self.vars.len();
            match pipe.vars.as_slice() {
                [one] => self.vars.push((one.clone(), v.clone())),
                [k, e] => {
                    self.vars.push((k.clone(), key));
                    self.vars.push((e.clone(), v.clone()));
                }
                _ => {}
            }
            let r = self.exec(body, &v);
            self.vars.truncate(mark);
            match r {
                Ok(()) | Err(Flow::Continue) => {}
                Err(Flow::Break) => break,
                Err(f) => return Err(f),
            }
        }
        Ok(())
    }

    /// Runs a named template into the output (`template`).
    fn call_template(&mut self, name: &str, dot: &V) -> R<()> {
        let (src, def) = *self
            .defines
            .get(name)
            .ok_or_else(|| self.fail(format!("no template \"{name}\"")))?;
        self.depth += 1;
        if self.depth > MAX_CALL_DEPTH {
            return Err(self.fail(format!(
                "templates nested deeper than {MAX_CALL_DEPTH} (recursion)"
            )));
        }
        let parsed = self.sources[src].parsed.clone();
        let body = if def == usize::MAX {
            &parsed.body
        } else {
            &parsed.defines[def].1
        };
        let saved_vars = std::mem::replace(&mut self.vars, vec![(String::new(), dot.clone())]);
        let (saved_src, saved_at) = (self.src, self.at);
        self.src = src;
        let r = self.exec(body, dot);
        self.src = saved_src;
        self.at = saved_at;
        self.vars = saved_vars;
        self.depth -= 1;
        match r {
            Ok(()) => Ok(()),
            Err(Flow::Fail(f)) => Err(f),
            Err(_) => Err(self.fail("break or continue outside range")),
        }
    }

    /// A named template's output as a string (`include`).
    fn include(&mut self, name: &str, dot: &V) -> R<String> {
        let saved_out = std::mem::take(&mut self.out);
        let saved_segs = std::mem::take(&mut self.segs);
        let r = self.call_template(name, dot);
        let text = std::mem::replace(&mut self.out, saved_out);
        self.segs = saved_segs;
        r.map(|()| text)
    }

    /// A string rendered as a template with `dot` (`tpl`).
    fn tpl(&mut self, text: &str, dot: &V) -> R<String> {
        let parsed = parse::parse(text).map_err(|(_, m)| self.fail(format!("tpl: {m}")))?;
        let name = format!("tpl#{}", self.sources.len());
        self.add(None, Some(&name), Rc::from(text), parsed);
        self.include(&name, dot)
    }

    fn pipe(&mut self, pipe: &Pipe, dot: &V) -> R<V> {
        let mut last: Option<V> = None;
        for cmd in &pipe.cmds {
            last = Some(self.cmd(cmd, dot, last)?);
        }
        let v = last.unwrap_or_else(V::nil);
        for name in &pipe.vars {
            if pipe.declare {
                self.vars.push((name.clone(), v.clone()));
            } else {
                let Some(slot) = self.vars.iter().rposition(|(n, _)| n == name) else {
                    return Err(self.fail(format!("undefined variable ${name}")));
                };
                self.vars[slot].1 = v.clone();
            }
        }
        Ok(v)
    }

    fn cmd(&mut self, cmd: &Cmd, dot: &V, piped: Option<V>) -> R<V> {
        self.step()?;
        self.at = cmd.at;
        let Some((first, rest)) = cmd.terms.split_first() else {
            return Ok(V::nil());
        };
        if let Term::Func(name) = first {
            return self.call(name, rest, dot, piped);
        }
        let head = self.term(first, dot)?;
        if let Val::Method(method) = head.val {
            let mut args = rest
                .iter()
                .map(|t| self.term(t, dot))
                .collect::<R<Vec<V>>>()?;
            args.extend(piped);
            return self.method(method, &args);
        }
        if !rest.is_empty() || piped.is_some() {
            return Err(self.fail(format!(
                "can't give argument to non-function {}",
                head.print()
            )));
        }
        Ok(head)
    }

    fn method(&self, method: &str, args: &[V]) -> R<V> {
        match method {
            "APIVersions.Has" => {
                let want = args.first().map(V::print).unwrap_or_default();
                Ok(V::bool(self.api_versions.iter().any(|a| {
                    *a == want || a.rsplit_once('/').is_some_and(|(gv, _)| gv == want)
                })))
            }
            other => Err(self.fail(format!("{other} is not supported"))),
        }
    }

    fn call(&mut self, name: &str, terms: &[Term], dot: &V, piped: Option<V>) -> R<V> {
        // `and`/`or` stop at the first value that decides them.
        if name == "and" || name == "or" {
            let mut last = V::nil();
            let n = terms.len() + usize::from(piped.is_some());
            if n == 0 {
                return Err(self.fail(format!("{name}: missing arguments")));
            }
            for t in terms {
                last = self.term(t, dot)?;
                if last.truthy() == (name == "or") {
                    return Ok(last);
                }
            }
            if let Some(p) = piped {
                last = p;
            }
            return Ok(last);
        }
        let mut args = terms
            .iter()
            .map(|t| self.term(t, dot))
            .collect::<R<Vec<V>>>()?;
        args.extend(piped);
        match name {
            "include" => {
                let (Some(n), Some(d)) = (args.first(), args.get(1)) else {
                    return Err(self.fail("include needs a name and a value"));
                };
                let n = n.print();
                Ok(V::str(self.include(&n, d)?))
            }
            "tpl" => {
                let (Some(t), Some(d)) = (args.first(), args.get(1)) else {
                    return Err(self.fail("tpl needs a text and a value"));
                };
                let t = t.print();
                self.depth += 1;
                let r = if self.depth > MAX_CALL_DEPTH {
                    Err(self.fail("tpl nested too deep"))
                } else {
                    self.tpl(&t, d)
                };
                self.depth -= 1;
                Ok(V::str(r?))
            }
            _ => funcs::call(name, args).map_err(|m| self.fail(m)),
        }
    }

    fn term(&mut self, term: &Term, dot: &V) -> R<V> {
        Ok(match term {
            Term::Dot => dot.clone(),
            Term::Nil => V::nil(),
            Term::Bool(b) => V::bool(*b),
            Term::Int(i) => V::int(*i),
            Term::Float(f) => Val::Float(*f).into(),
            Term::Str(s) => V::str(s),
            Term::Var(name) => self
                .vars
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .ok_or_else(|| self.fail(format!("undefined variable ${name}")))?,
            Term::Fields(fields) => self.fields(dot.clone(), fields)?,
            Term::Chain(base, fields) => {
                let v = self.term(base, dot)?;
                self.fields(v, fields)?
            }
            Term::Sub(pipe) => self.pipe(pipe, dot)?,
            Term::Func(name) => self.call(name, &[], dot, None)?,
        })
    }

    fn fields(&self, mut v: V, fields: &[String]) -> R<V> {
        for f in fields {
            v = match &v.val {
                Val::Map(_) => v.get(f).unwrap_or_else(V::nil),
                Val::Nil => {
                    return Err(self.fail(format!("nil pointer evaluating interface {{}}.{f}")));
                }
                _ => {
                    return Err(self.fail(format!("can't evaluate field {f} in type {}", v.kind())));
                }
            };
        }
        Ok(v)
    }
}

impl Default for Eval {
    fn default() -> Self {
        Eval::new()
    }
}

/// A map from string keys (for building `.Release`, `.Chart`, …).
pub fn object(pairs: Vec<(&str, V)>) -> V {
    V::map(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn run(templates: &[(&str, &str)], dot: &V) -> Result<String, Fail> {
        let mut ev = Eval::new();
        let mut first = None;
        for (name, text) in templates {
            let parsed = parse::parse(text).map_err(|(at, m)| Fail {
                path: None,
                at,
                message: m,
            })?;
            let i = ev.add(Some(Arc::from(*name)), Some(name), Rc::from(*text), parsed);
            first.get_or_insert(i);
        }
        ev.render(first.unwrap_or(0), dot).map(|(o, _)| o)
    }

    fn values() -> V {
        let docs = crate::readers::yaml::parse_stream(
            "replicaCount: 3\nimage: {repository: nginx, tag: ''}\nautoscaling: {enabled: false}\nlabels: {a: x, b: y}\nlist: [p, q]\na: 1\nl: [1, {k: 2}]\nm: {k: v}\n",
            crate::readers::yaml::Budget::default(),
        )
        .expect("values");
        let values = super::super::value::from_node(&docs[0].root, &Arc::from("values.yaml"));
        object(vec![
            ("Values", values),
            ("Release", object(vec![("Name", V::str("rel"))])),
        ])
    }

    #[test]
    fn actions_variables_and_control() {
        let dot = values();
        let t = "{{- $n := .Release.Name -}}\nname: {{ $n }}\n{{- if not .Values.autoscaling.enabled }}\nreplicas: {{ .Values.replicaCount }}\n{{- end }}\n{{- range $k, $v := .Values.labels }}\n{{ $k }}={{ $v }}{{ end }}\n{{ range .Values.list }}{{ . }},{{ else }}none{{ end }}\n{{ with .Values.missing }}x{{ else }}no{{ end }}\n{{ range $i, $e := .Values.list }}{{ if eq $i 1 }}{{ break }}{{ end }}{{ $e }}{{ end }}";
        assert_eq!(
            run(&[("t", t)], &dot).expect("renders"),
            "name: rel\nreplicas: 3\na=x\nb=y\np,q,\nno\np"
        );
    }

    #[test]
    fn define_include_template_and_tpl() {
        let dot = values();
        let helpers = "{{- define \"app.name\" -}}{{ .Release.Name | trunc 63 | trimSuffix \"-\" }}{{- end }}{{ define \"app.labels\" }}app: {{ include \"app.name\" . }}{{ end }}";
        let t = "labels:\n  {{- include \"app.labels\" . | nindent 2 }}\n{{ template \"app.name\" . }} {{ tpl \"{{ .Release.Name }}-x\" . }}";
        assert_eq!(
            run(&[("t", t), ("_helpers.tpl", helpers)], &dot).expect("renders"),
            "labels:\n  app: rel\nrel rel-x"
        );
    }

    /// Pieces random templates are made of: actions, keywords, values,
    /// functions, punctuation and YAML text.
    const PIECES: &[&str] = &[
        "{{",
        "}}",
        "{{- ",
        " -}}",
        "{{/* c */}}",
        " if ",
        " else ",
        " end ",
        " range ",
        " with ",
        " define \"r\" ",
        " template \"r\" ",
        " include \"r\" ",
        " block \"b\" ",
        " tpl ",
        " .Values.a ",
        " .Values.l ",
        " .Values.m.k ",
        " . ",
        " $ ",
        " $x ",
        " $x := ",
        " $i, $v := ",
        " = ",
        " | ",
        " ( ",
        " ) ",
        " \"s\" ",
        " 1 ",
        " -2 ",
        " 1.5 ",
        " true ",
        " nil ",
        " default ",
        " quote ",
        " toYaml ",
        " nindent 2 ",
        " printf \"%s\" ",
        " dict \"k\" ",
        " list ",
        " merge ",
        " set ",
        " index ",
        " eq ",
        " and ",
        " or ",
        " not ",
        " until 3 ",
        " break ",
        " continue ",
        " required \"m\" ",
        " fail ",
        "a: ",
        "- ",
        "\n",
        "  ",
        "{",
        "}",
        "'",
        "\"",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(400))]
        #[test]
        fn random_templates_render_or_fail(picks in proptest::collection::vec(0..PIECES.len(), 0..48)) {
            let text: String = picks.iter().map(|&i| PIECES[i]).collect();
            let helper = format!("{{{{ define \"r\" }}}}{text}{{{{ end }}}}");
            let _ = run(&[("t", &text), ("h", &helper)], &values());
        }
    }

    #[test]
    fn errors_never_hangs() {
        let dot = values();
        let recursive = "{{ define \"r\" }}{{ include \"r\" . }}{{ end }}{{ include \"r\" . }}";
        let e = run(&[("t", recursive)], &dot).expect_err("recursion");
        assert!(e.message.contains("nested deeper"), "{e:?}");
        let tpl_loop = "{{ define \"r\" }}{{ tpl \"{{ include \\\"r\\\" . }}\" . }}{{ end }}{{ include \"r\" . }}";
        assert!(run(&[("t", tpl_loop)], &dot).is_err());
        let long = "{{ range $i := until 1000 }}{{ range $j := until 1000 }}{{ range $k := until 1000 }}x{{ end }}{{ end }}{{ end }}";
        let e = run(&[("t", long)], &dot).expect_err("budget");
        assert!(
            e.message.contains("steps") || e.message.contains("MiB"),
            "{e:?}"
        );
        let e = run(&[("t", "{{ .Values.nothing.deeper }}")], &dot).expect_err("nil");
        assert!(e.message.contains("nil pointer"), "{e:?}");
        assert!(run(&[("t", "{{ nosuchfunc 1 }}")], &dot).is_err());
        assert!(run(&[("t", "{{ $x = 1 }}")], &dot).is_err());
    }
}
