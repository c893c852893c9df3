//! Template values: what `.Values`, `.Release` and functions hold, each
//! remembering where a values file wrote it, so a rendered field can be
//! located at the values line it came from.

use crate::readers::yaml::{Node, Span, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

/// A value.
#[derive(Clone, Debug)]
pub enum Val {
    /// `nil`, a missing key.
    Nil,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(Rc<str>),
    /// A list.
    List(Rc<Vec<V>>),
    /// A map (Go templates iterate maps in key order); shared, as `set`
    /// changes it in place for every holder, as in Go.
    Map(Rc<RefCell<BTreeMap<String, V>>>),
    /// A method of a built-in object (`.Capabilities.APIVersions.Has`).
    Method(&'static str),
}

/// Values nest at most this deep where they are walked (a map `set` into itself).
pub const MAX_DEPTH: usize = 200;

/// Where a value came from.
#[derive(Clone, Debug)]
pub enum Prov {
    /// Written in a values file at this span.
    Written(Arc<str>, Span),
    /// Text rendered from this value (`toYaml`, `quote`, `nindent`).
    Rendered(V),
}

/// A value with where it came from.
#[derive(Clone, Debug)]
pub struct V {
    /// The value.
    pub val: Val,
    /// Its origin, when it came from a values file.
    pub from: Option<Rc<Prov>>,
}

impl From<Val> for V {
    fn from(val: Val) -> V {
        V { val, from: None }
    }
}

impl V {
    /// `nil`.
    pub fn nil() -> V {
        Val::Nil.into()
    }
    /// A string.
    pub fn str(s: impl AsRef<str>) -> V {
        Val::Str(Rc::from(s.as_ref())).into()
    }
    /// A boolean.
    pub fn bool(b: bool) -> V {
        Val::Bool(b).into()
    }
    /// An integer.
    pub fn int(i: i64) -> V {
        Val::Int(i).into()
    }
    /// A map.
    pub fn map(m: BTreeMap<String, V>) -> V {
        Val::Map(Rc::new(RefCell::new(m))).into()
    }
    /// A list.
    pub fn list(l: Vec<V>) -> V {
        Val::List(Rc::new(l)).into()
    }

    /// This value, derived from `src` (a text form of it).
    pub fn derived_from(mut self, src: &V) -> V {
        if src.from.is_some() {
            self.from = Some(Rc::new(Prov::Rendered(src.clone())));
        }
        self
    }

    /// Go's truth: false, 0, nil and empty things are false.
    pub fn truthy(&self) -> bool {
        match &self.val {
            Val::Nil => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Float(f) => *f != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::List(l) => !l.is_empty(),
            Val::Map(m) => !m.borrow().is_empty(),
            Val::Method(_) => true,
        }
    }

    /// A map field.
    pub fn get(&self, key: &str) -> Option<V> {
        match &self.val {
            Val::Map(m) => m.borrow().get(key).cloned(),
            _ => None,
        }
    }

    /// A map's entries, in key order.
    pub fn entries(&self) -> Vec<(String, V)> {
        match &self.val {
            Val::Map(m) => m
                .borrow()
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The string, if it is one.
    pub fn as_str(&self) -> Option<&str> {
        match &self.val {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Go's name of its kind (`kindOf`).
    pub fn kind(&self) -> &'static str {
        match &self.val {
            Val::Nil => "invalid",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Float(_) => "float64",
            Val::Str(_) => "string",
            Val::List(_) => "slice",
            Val::Map(_) => "map",
            Val::Method(_) => "func",
        }
    }

    /// As `fmt.Sprint` prints it (`nil` prints nothing, as Helm strips `<no value>`).
    pub fn print(&self) -> String {
        let mut out = String::new();
        self.print_into(&mut out, 0);
        out
    }

    fn print_into(&self, out: &mut String, depth: usize) {
        let top = depth == 0;
        if depth > MAX_DEPTH {
            out.push_str("...");
            return;
        }
        match &self.val {
            Val::Nil if top => {}
            Val::Nil => out.push_str("<nil>"),
            Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Val::Int(i) => out.push_str(&i.to_string()),
            Val::Float(f) => out.push_str(&go_float(*f)),
            Val::Str(s) => out.push_str(s),
            Val::List(l) => {
                out.push('[');
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    v.print_into(out, depth + 1);
                }
                out.push(']');
            }
            Val::Map(m) => {
                out.push_str("map[");
                for (i, (k, v)) in m.borrow().iter().enumerate() {
                    if i > 0 {
                        out.push(' ');
                    }
                    out.push_str(k);
                    out.push(':');
                    v.print_into(out, depth + 1);
                }
                out.push(']');
            }
            Val::Method(m) => out.push_str(m),
        }
    }

    /// The value as a float, for arithmetic and comparison.
    pub fn as_f64(&self) -> Option<f64> {
        match &self.val {
            Val::Int(i) => Some(*i as f64),
            Val::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Sprig's `toInt`/`int`: numbers, numeric strings, booleans; else 0.
    pub fn to_int(&self) -> i64 {
        match &self.val {
            Val::Int(i) => *i,
            Val::Float(f) if f.is_finite() => *f as i64,
            Val::Bool(b) => i64::from(*b),
            Val::Str(s) => {
                let s = s.trim();
                s.parse::<i64>()
                    .ok()
                    .or_else(|| {
                        s.parse::<f64>()
                            .ok()
                            .filter(|f| f.is_finite())
                            .map(|f| f as i64)
                    })
                    .unwrap_or(0)
            }
            _ => 0,
        }
    }
}

/// A float as Go's `%v` prints it.
pub fn go_float(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf" } else { "-Inf" }.into();
    }
    if f == f.trunc() && f.abs() < 1e21 {
        return format!("{}", f as i128);
    }
    format!("{f}")
}

/// A values file's tree as template values, each remembering its span.
pub fn from_node(node: &Node, file: &Arc<str>) -> V {
    let val = match &node.value {
        Value::Null => Val::Nil,
        Value::Bool(b) => Val::Bool(*b),
        Value::Int(i) => Val::Int(*i),
        Value::Float(f) => Val::Float(*f),
        Value::Str(s) | Value::Unknown(s) => Val::Str(Rc::from(s.as_str())),
        Value::Seq(items) => Val::List(Rc::new(items.iter().map(|i| from_node(i, file)).collect())),
        Value::Map(entries) => Val::Map(Rc::new(RefCell::new(
            entries
                .iter()
                .filter_map(|(k, v)| Some((k.scalar_text()?, from_node(v, file))))
                .collect(),
        ))),
    };
    V {
        val,
        from: Some(Rc::new(Prov::Written(file.clone(), node.span))),
    }
}

/// Helm's values merge: `over` wins, maps merge deeply, a `null` deletes.
pub fn merge_values(base: &V, over: &V) -> V {
    merge_at(base, over, 0)
}

fn merge_at(base: &V, over: &V, depth: usize) -> V {
    match (&base.val, &over.val) {
        (Val::Map(_), Val::Map(_)) if depth < MAX_DEPTH => {
            let mut out: BTreeMap<String, V> = base.entries().into_iter().collect();
            for (k, v) in over.entries() {
                if matches!(v.val, Val::Nil) {
                    out.remove(&k);
                    continue;
                }
                let merged = match out.get(&k) {
                    Some(old) => merge_at(old, &v, depth + 1),
                    None => v,
                };
                out.insert(k, merged);
            }
            V {
                val: Val::Map(Rc::new(RefCell::new(out))),
                from: over.from.clone(),
            }
        }
        _ => over.clone(),
    }
}

/// A copy sharing nothing with the original (`deepCopy`, `merge`'s result).
pub fn deep_copy(v: &V, depth: usize) -> V {
    let val = match &v.val {
        Val::List(l) if depth < MAX_DEPTH => {
            Val::List(Rc::new(l.iter().map(|i| deep_copy(i, depth + 1)).collect()))
        }
        Val::Map(_) if depth < MAX_DEPTH => Val::Map(Rc::new(RefCell::new(
            v.entries()
                .into_iter()
                .map(|(k, x)| (k, deep_copy(&x, depth + 1)))
                .collect(),
        ))),
        Val::List(_) | Val::Map(_) => Val::Nil,
        other => other.clone(),
    };
    V {
        val,
        from: v.from.clone(),
    }
}

/// `toYaml`: block YAML without the trailing newline (Helm trims it).
pub fn to_yaml(v: &V) -> String {
    let mut out = String::new();
    match &v.val {
        Val::Map(m) if !m.borrow().is_empty() => yaml_map(v, 0, &mut out),
        Val::List(l) if !l.is_empty() => yaml_list(l, 0, &mut out),
        _ => out.push_str(&yaml_scalar(v)),
    }
    while out.ends_with('\n') {
        out.pop();
    }
    out
}

fn yaml_map(m: &V, indent: usize, out: &mut String) {
    for (k, v) in m.entries() {
        out.push_str(&" ".repeat(indent));
        out.push_str(&yaml_string(&k));
        out.push(':');
        yaml_child(&v, indent, out);
    }
}

fn yaml_list(l: &[V], indent: usize, out: &mut String) {
    for v in l {
        out.push_str(&" ".repeat(indent));
        out.push('-');
        match &v.val {
            Val::Map(m) if !m.borrow().is_empty() && indent < 2 * MAX_DEPTH => {
                // The first entry on the dash's line, the rest under it.
                let mut inner = String::new();
                yaml_map(v, indent + 2, &mut inner);
                out.push(' ');
                out.push_str(inner.trim_start());
            }
            _ => yaml_child(v, indent, out),
        }
    }
}

fn yaml_child(v: &V, indent: usize, out: &mut String) {
    match &v.val {
        Val::Map(m) if !m.borrow().is_empty() && indent < 2 * MAX_DEPTH => {
            out.push('\n');
            yaml_map(v, indent + 2, out);
        }
        Val::List(l) if !l.is_empty() && indent < 2 * MAX_DEPTH => {
            out.push('\n');
            yaml_list(l, indent, out);
        }
        _ => {
            out.push(' ');
            out.push_str(&yaml_scalar(v));
            out.push('\n');
        }
    }
}

fn yaml_scalar(v: &V) -> String {
    match &v.val {
        Val::Nil => "null".into(),
        Val::Bool(b) => b.to_string(),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => go_float(*f),
        Val::Str(s) => yaml_string(s),
        Val::List(_) => "[]".into(),
        Val::Map(_) => "{}".into(),
        Val::Method(m) => yaml_string(m),
    }
}

/// A string plain when YAML reads it back as the same string, else quoted.
fn yaml_string(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || " _./-@=+:,()".contains(c))
        && !s.starts_with([' ', '-', ':', '@', '.', ','])
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && matches!(
            crate::readers::yaml::parse_stream(s, crate::readers::yaml::Budget::default())
                .ok()
                .and_then(|d| d.into_iter().next())
                .map(|d| d.root.value),
            Some(Value::Str(ref t)) if t == s
        );
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_default()
    }
}

/// `toJson`.
pub fn to_json(v: &V) -> serde_json::Value {
    json_at(v, 0)
}

fn json_at(v: &V, depth: usize) -> serde_json::Value {
    if depth > MAX_DEPTH {
        return serde_json::Value::Null;
    }
    match &v.val {
        Val::Nil => serde_json::Value::Null,
        Val::Bool(b) => (*b).into(),
        Val::Int(i) => (*i).into(),
        Val::Float(f) => {
            serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, Into::into)
        }
        Val::Str(s) => serde_json::Value::String(s.to_string()),
        Val::List(l) => l.iter().map(|i| json_at(i, depth + 1)).collect(),
        Val::Map(m) => m
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), json_at(v, depth + 1)))
            .collect(),
        Val::Method(m) => serde_json::Value::String((*m).into()),
    }
}

/// A YAML document as a value (`fromYaml`), without origins.
pub fn from_yaml_text(text: &str) -> V {
    match crate::readers::yaml::parse_stream(text, crate::readers::yaml::Budget::default()) {
        Ok(docs) => match docs.first() {
            Some(d) => {
                let mut v = deep_copy(&from_node(&d.root, &Arc::from("")), 0);
                strip(&mut v, 0);
                v
            }
            None => V::map(BTreeMap::new()),
        },
        Err(e) => {
            let mut m = BTreeMap::new();
            m.insert("Error".to_string(), V::str(e.message));
            V::map(m)
        }
    }
}

fn strip(v: &mut V, depth: usize) {
    v.from = None;
    if depth > MAX_DEPTH {
        return;
    }
    match &mut v.val {
        Val::List(l) => Rc::make_mut(l).iter_mut().for_each(|i| strip(i, depth + 1)),
        Val::Map(m) => m
            .borrow_mut()
            .values_mut()
            .for_each(|i| strip(i, depth + 1)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::yaml::{Budget, parse_stream};

    fn values(text: &str) -> V {
        let docs = parse_stream(text, Budget::default()).expect("parses");
        from_node(&docs[0].root, &Arc::from("values.yaml"))
    }

    #[test]
    fn to_yaml_reads_back_the_same() {
        let text = "a: {b: [1, {c: 'x: y', d: ''}], e: 'true', f: 1.5, g: null}\nlist: [x, '-y']\nempty: {}\n";
        let v = values(text);
        let yaml = to_yaml(&v);
        let back = parse_stream(&yaml, Budget::default()).expect("reparses");
        assert_eq!(
            to_json(&from_node(&back[0].root, &Arc::from(""))),
            to_json(&v),
            "{yaml}"
        );
    }

    #[test]
    fn merge_prints_and_truth() {
        let base = values("a: {b: 1, c: 2}\nd: 3\n");
        let over = values("a: {b: 5}\nd: null\n");
        let m = merge_values(&base, &over);
        assert_eq!(m.print(), "map[a:map[b:5 c:2]]");
        assert!(!V::str("").truthy() && V::int(2).truthy() && !V::nil().truthy());
        assert_eq!(go_float(3.0), "3");
        assert_eq!(go_float(0.5), "0.5");
        let b = m.get("a").and_then(|a| a.get("b")).expect("b");
        assert!(matches!(b.from.as_deref(), Some(Prov::Written(_, s)) if s.start == 7));
    }
}
