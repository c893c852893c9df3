//! The functions charts call: Go's template built-ins and the Sprig and
//! Helm functions of `helm create`'s scaffold and common charts. An
//! unknown function is an error (the template is not rendered), never a
//! guess. Functions that pass a value through (`default`, `quote`, `int`,
//! `toYaml`, `nindent`) keep where it was written.

use super::value::{self, V, Val, deep_copy, go_float, to_json, to_yaml};
use std::collections::BTreeMap;

type R = Result<V, String>;

/// Strings longer than this are not built (`repeat`, `indent` of a huge text).
const MAX_STRING: usize = 4 << 20;

fn arg(args: &[V], i: usize, name: &str) -> Result<V, String> {
    args.get(i)
        .cloned()
        .ok_or_else(|| format!("{name}: wrong number of arguments"))
}

fn exactly(args: &[V], n: usize, name: &str) -> Result<(), String> {
    if args.len() == n {
        Ok(())
    } else {
        Err(format!(
            "wrong number of args for {name}: want {n} got {}",
            args.len()
        ))
    }
}

fn string(s: String) -> R {
    if s.len() > MAX_STRING {
        return Err(format!("string over {} MiB", MAX_STRING >> 20));
    }
    Ok(V::str(s))
}

/// A string function of the last argument that keeps its origin.
fn text_of(args: &[V], name: &str, f: impl FnOnce(&str) -> String) -> R {
    let last = args
        .last()
        .ok_or_else(|| format!("{name}: missing argument"))?;
    Ok(string(f(&last.print()))?.derived_from(last))
}

/// Calls a function by name.
pub fn call(name: &str, args: Vec<V>) -> R {
    let a = &args;
    match name {
        "default" => {
            let given = a.get(1).filter(|v| v.truthy());
            Ok(given.cloned().unwrap_or(arg(a, 0, name)?))
        }
        "empty" => Ok(V::bool(!arg(a, 0, name)?.truthy())),
        "not" => {
            exactly(a, 1, name)?;
            Ok(V::bool(!a[0].truthy()))
        }
        "coalesce" => Ok(a
            .iter()
            .find(|v| v.truthy())
            .cloned()
            .unwrap_or_else(V::nil)),
        "ternary" => {
            exactly(a, 3, name)?;
            Ok(if a[2].truthy() {
                a[0].clone()
            } else {
                a[1].clone()
            })
        }
        "required" => {
            exactly(a, 2, name)?;
            let v = &a[1];
            if matches!(v.val, Val::Nil) || v.as_str() == Some("") {
                Err(a[0].print())
            } else {
                Ok(v.clone())
            }
        }
        "fail" => Err(a.first().map(V::print).unwrap_or_default()),
        "quote" => quote(a, '"'),
        "squote" => quote(a, '\''),
        "toString" => text_of(a, name, str::to_string),
        "toYaml" => {
            exactly(a, 1, name)?;
            Ok(string(to_yaml(&a[0]))?.derived_from(&a[0]))
        }
        "toJson" | "mustToJson" | "toRawJson" | "toPrettyJson" => {
            exactly(a, 1, name)?;
            let json = to_json(&a[0]);
            let text = if name == "toPrettyJson" {
                serde_json::to_string_pretty(&json)
            } else {
                serde_json::to_string(&json)
            };
            string(text.unwrap_or_default())
        }
        "fromYaml" | "fromJson" => Ok(value::from_yaml_text(&arg(a, 0, name)?.print())),
        "indent" | "nindent" => {
            exactly(a, 2, name)?;
            let n = a[0].to_int().clamp(0, 1024) as usize;
            let pad = " ".repeat(n);
            let text = a[1].print();
            if text.len().saturating_mul(n.max(1)) > MAX_STRING * 4 {
                return Err(format!("{name}: text too long"));
            }
            let body = format!("{pad}{}", text.replace('\n', &format!("\n{pad}")));
            let out = if name == "nindent" {
                format!("\n{body}")
            } else {
                body
            };
            Ok(string(out)?.derived_from(&a[1]))
        }
        "trunc" => {
            exactly(a, 2, name)?;
            let n = a[0].to_int();
            let s = a[1].print();
            let out = if n >= 0 {
                cut(&s, n as usize).to_string()
            } else {
                let keep = s.len().saturating_sub(n.unsigned_abs() as usize);
                s[floor_boundary(&s, keep)..].to_string()
            };
            Ok(V::str(out).derived_from(&a[1]))
        }
        "trimSuffix" => {
            exactly(a, 2, name)?;
            let suffix = a[0].print();
            text_of(a, name, |s| {
                s.strip_suffix(suffix.as_str()).unwrap_or(s).to_string()
            })
        }
        "trimPrefix" => {
            exactly(a, 2, name)?;
            let prefix = a[0].print();
            text_of(a, name, |s| {
                s.strip_prefix(prefix.as_str()).unwrap_or(s).to_string()
            })
        }
        "trim" => text_of(a, name, |s| s.trim().to_string()),
        "trimAll" => {
            exactly(a, 2, name)?;
            let cut: Vec<char> = a[0].print().chars().collect();
            text_of(a, name, |s| s.trim_matches(cut.as_slice()).to_string())
        }
        "lower" => text_of(a, name, str::to_lowercase),
        "upper" => text_of(a, name, str::to_uppercase),
        "title" => text_of(a, name, title),
        "replace" => {
            exactly(a, 3, name)?;
            let (from, to) = (a[0].print(), a[1].print());
            if from.is_empty() {
                return Ok(a[2].clone());
            }
            let s = a[2].print();
            if s.matches(from.as_str()).count().saturating_mul(to.len()) > MAX_STRING {
                return Err("replace: result too long".into());
            }
            string(s.replace(&from, &to))
        }
        "contains" => {
            exactly(a, 2, name)?;
            Ok(V::bool(a[1].print().contains(&a[0].print())))
        }
        "hasPrefix" => {
            exactly(a, 2, name)?;
            Ok(V::bool(a[1].print().starts_with(&a[0].print())))
        }
        "hasSuffix" => {
            exactly(a, 2, name)?;
            Ok(V::bool(a[1].print().ends_with(&a[0].print())))
        }
        "repeat" => {
            exactly(a, 2, name)?;
            let n = a[0].to_int().max(0) as usize;
            let s = a[1].print();
            if s.len().saturating_mul(n) > MAX_STRING {
                return Err("repeat: result too long".into());
            }
            Ok(V::str(s.repeat(n)))
        }
        "substr" => {
            exactly(a, 3, name)?;
            let s = a[2].print();
            let start = a[0].to_int().max(0) as usize;
            let end = a[1].to_int();
            let end = if end < 0 { s.len() } else { end as usize };
            let start = floor_boundary(&s, start.min(s.len()));
            let end = floor_boundary(&s, end.min(s.len()));
            Ok(V::str(if start <= end { &s[start..end] } else { "" }))
        }
        "cat" => string(
            a.iter()
                .filter(|v| !matches!(v.val, Val::Nil))
                .map(V::print)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        "print" => string(go_print(a)),
        "println" => string(format!(
            "{}\n",
            a.iter().map(V::print).collect::<Vec<_>>().join(" ")
        )),
        "printf" => {
            let format = arg(a, 0, name)?.print();
            string(printf(&format, &a[1..]))
        }
        "int" | "int64" | "atoi" => {
            exactly(a, 1, name)?;
            Ok(V::int(a[0].to_int()).derived_from(&a[0]))
        }
        "float64" => {
            exactly(a, 1, name)?;
            let f = match &a[0].val {
                Val::Str(s) => s.trim().parse().unwrap_or(0.0),
                _ => a[0].as_f64().unwrap_or(0.0),
            };
            Ok(V::from(Val::Float(f)).derived_from(&a[0]))
        }
        "add" | "sub" | "mul" | "div" | "mod" | "max" | "min" | "add1" => arithmetic(name, a),
        "eq" => {
            let first = arg(a, 0, name)?;
            if a.len() < 2 {
                return Err("missing argument for comparison".into());
            }
            for other in &a[1..] {
                if equal(&first, other)? {
                    return Ok(V::bool(true));
                }
            }
            Ok(V::bool(false))
        }
        "ne" => {
            exactly(a, 2, name)?;
            Ok(V::bool(!equal(&a[0], &a[1])?))
        }
        "lt" | "le" | "gt" | "ge" => {
            exactly(a, 2, name)?;
            let o = order(&a[0], &a[1])?;
            Ok(V::bool(match name {
                "lt" => o.is_lt(),
                "le" => o.is_le(),
                "gt" => o.is_gt(),
                _ => o.is_ge(),
            }))
        }
        "len" => {
            exactly(a, 1, name)?;
            Ok(V::int(match &a[0].val {
                Val::Str(s) => s.len(),
                Val::List(l) => l.len(),
                Val::Map(m) => m.borrow().len(),
                Val::Nil => 0,
                _ => return Err(format!("len of {}", a[0].kind())),
            } as i64))
        }
        "index" => {
            let mut v = arg(a, 0, name)?;
            for key in &a[1..] {
                v = match &v.val {
                    Val::Map(_) => v.get(&key.print()).unwrap_or_else(V::nil),
                    Val::List(l) => {
                        let i = key.to_int();
                        usize::try_from(i)
                            .ok()
                            .and_then(|i| l.get(i).cloned())
                            .ok_or_else(|| format!("index out of range: {i}"))?
                    }
                    Val::Nil => V::nil(),
                    _ => return Err(format!("can't index item of type {}", v.kind())),
                };
            }
            Ok(v)
        }
        "b64enc" => text_of(a, name, |s| base64_encode(s.as_bytes())),
        "b64dec" => text_of(a, name, |s| {
            String::from_utf8_lossy(&base64_decode(s)).into_owned()
        }),
        "sha256sum" => text_of(a, name, |s| sha256_hex(s.as_bytes())),
        "dict" => {
            let mut m = BTreeMap::new();
            for pair in a.chunks(2) {
                m.insert(
                    pair[0].print(),
                    pair.get(1).cloned().unwrap_or_else(|| V::str("")),
                );
            }
            Ok(V::map(m))
        }
        "list" | "tuple" => Ok(V::list(a.clone())),
        "hasKey" => {
            exactly(a, 2, name)?;
            Ok(V::bool(a[0].get(&a[1].print()).is_some()))
        }
        "get" => {
            exactly(a, 2, name)?;
            Ok(a[0].get(&a[1].print()).unwrap_or_else(|| V::str("")))
        }
        "set" => {
            exactly(a, 3, name)?;
            if let Val::Map(m) = &a[0].val {
                m.borrow_mut().insert(a[1].print(), a[2].clone());
            }
            Ok(a[0].clone())
        }
        "unset" => {
            exactly(a, 2, name)?;
            if let Val::Map(m) = &a[0].val {
                m.borrow_mut().remove(&a[1].print());
            }
            Ok(a[0].clone())
        }
        "keys" => {
            let mut keys: Vec<String> =
                a.iter().flat_map(|m| m.entries()).map(|(k, _)| k).collect();
            keys.sort();
            Ok(V::list(keys.into_iter().map(V::str).collect()))
        }
        "values" => Ok(V::list(
            arg(a, 0, name)?
                .entries()
                .into_iter()
                .map(|(_, v)| v)
                .collect(),
        )),
        "pick" | "omit" => {
            let m = arg(a, 0, name)?;
            let names: Vec<String> = a[1..].iter().map(V::print).collect();
            let keep = |k: &String| names.contains(k) == (name == "pick");
            Ok(V::map(
                m.entries().into_iter().filter(|(k, _)| keep(k)).collect(),
            ))
        }
        "merge" | "mustMerge" | "mergeOverwrite" | "mustMergeOverwrite" => {
            let dst = arg(a, 0, name)?;
            let overwrite = name.contains("Overwrite");
            let mut out = dst.clone();
            for src in &a[1..] {
                out = if overwrite {
                    value::merge_values(&out, src)
                } else {
                    value::merge_values(src, &out)
                };
            }
            // Sprig merges into the destination map, which callers then read.
            if let (Val::Map(d), Val::Map(_)) = (&dst.val, &out.val) {
                let merged: BTreeMap<String, V> = out.entries().into_iter().collect();
                *d.borrow_mut() = merged;
                return Ok(dst);
            }
            Ok(out)
        }
        "deepCopy" | "mustDeepCopy" => Ok(deep_copy(&arg(a, 0, name)?, 0)),
        "dig" => {
            if a.len() < 3 {
                return Err("dig: wrong number of arguments".into());
            }
            let (keys, rest) = a.split_at(a.len() - 2);
            let mut v = rest[1].clone();
            for k in keys {
                match v.get(&k.print()) {
                    Some(next) => v = next,
                    None => return Ok(rest[0].clone()),
                }
            }
            Ok(v)
        }
        "kindIs" => {
            exactly(a, 2, name)?;
            Ok(V::bool(a[0].print() == a[1].kind()))
        }
        "kindOf" => Ok(V::str(arg(a, 0, name)?.kind())),
        "typeOf" => Ok(V::str(match arg(a, 0, name)?.val {
            Val::Nil => "<nil>",
            Val::Bool(_) => "bool",
            Val::Int(_) => "int",
            Val::Float(_) => "float64",
            Val::Str(_) => "string",
            Val::List(_) => "[]interface {}",
            Val::Map(_) => "map[string]interface {}",
            Val::Method(_) => "func",
        })),
        "typeIs" => {
            exactly(a, 2, name)?;
            let t = call("typeOf", vec![a[1].clone()])?;
            Ok(V::bool(t.print() == a[0].print()))
        }
        "join" => {
            exactly(a, 2, name)?;
            let sep = a[0].print();
            let items: Vec<String> = match &a[1].val {
                Val::List(l) => l.iter().map(V::print).collect(),
                _ => vec![a[1].print()],
            };
            string(items.join(&sep))
        }
        "splitList" => {
            exactly(a, 2, name)?;
            let sep = a[0].print();
            let s = a[1].print();
            if sep.is_empty() {
                return Ok(V::list(s.chars().map(|c| V::str(c.to_string())).collect()));
            }
            Ok(V::list(s.split(sep.as_str()).map(V::str).collect()))
        }
        "split" => {
            exactly(a, 2, name)?;
            let sep = a[0].print();
            let s = a[1].print();
            let parts: Vec<&str> = if sep.is_empty() {
                vec![s.as_str()]
            } else {
                s.split(sep.as_str()).collect()
            };
            Ok(V::map(
                parts
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (format!("_{i}"), V::str(p)))
                    .collect(),
            ))
        }
        "first" | "last" | "rest" | "initial" | "uniq" | "compact" | "reverse" | "sortAlpha" => {
            list_function(name, &arg(a, 0, name)?)
        }
        "append" | "mustAppend" | "push" => {
            exactly(a, 2, name)?;
            let mut l = items(&a[0]);
            l.push(a[1].clone());
            Ok(V::list(l))
        }
        "prepend" | "mustPrepend" => {
            exactly(a, 2, name)?;
            let mut l = vec![a[1].clone()];
            l.extend(items(&a[0]));
            Ok(V::list(l))
        }
        "concat" => Ok(V::list(a.iter().flat_map(items).collect())),
        "has" => {
            exactly(a, 2, name)?;
            Ok(V::bool(
                items(&a[1])
                    .iter()
                    .any(|v| equal(v, &a[0]).unwrap_or(false)),
            ))
        }
        "without" => {
            let l = items(&arg(a, 0, name)?);
            Ok(V::list(
                l.into_iter()
                    .filter(|v| !a[1..].iter().any(|w| equal(v, w).unwrap_or(false)))
                    .collect(),
            ))
        }
        "until" => {
            exactly(a, 1, name)?;
            let n = a[0].to_int().clamp(0, 1_000_000);
            Ok(V::list((0..n).map(V::int).collect()))
        }
        "untilStep" => {
            exactly(a, 3, name)?;
            let (start, stop, step) = (a[0].to_int(), a[1].to_int(), a[2].to_int());
            if step == 0 {
                return Ok(V::list(Vec::new()));
            }
            let mut out = Vec::new();
            let mut i = start;
            while (step > 0 && i < stop) || (step < 0 && i > stop) {
                out.push(V::int(i));
                if out.len() > 1_000_000 {
                    return Err("untilStep: too many".into());
                }
                i = i.saturating_add(step);
            }
            Ok(V::list(out))
        }
        "toStrings" => Ok(V::list(
            items(&arg(a, 0, name)?)
                .iter()
                .map(|v| V::str(v.print()))
                .collect(),
        )),
        "semverCompare" => {
            exactly(a, 2, name)?;
            semver_compare(&a[0].print(), &a[1].print()).map(V::bool)
        }
        "lookup" => Ok(V::map(BTreeMap::new())),
        // Random in Helm, so nothing continuity depends on: a fixed text of the length asked.
        "randAlphaNum" | "randAlpha" | "randAscii" | "randNumeric" => {
            exactly(a, 1, name)?;
            let n = a[0].to_int().clamp(0, 4096) as usize;
            let c = if name == "randNumeric" { "0" } else { "x" };
            Ok(V::str(c.repeat(n)))
        }
        "uuidv4" => Ok(V::str("00000000-0000-4000-8000-000000000000")),
        _ if name.contains("egex") => regex_function(name, a),
        "nospace" => text_of(a, name, |s| {
            s.chars().filter(|c| !c.is_whitespace()).collect()
        }),
        "kebabcase" | "snakecase" => {
            let sep = if name == "kebabcase" { '-' } else { '_' };
            text_of(a, name, |s| case_words(s, sep))
        }
        "camelcase" => text_of(a, name, |s| {
            s.split(['_', '-', ' '])
                .map(title)
                .collect::<Vec<_>>()
                .join("")
        }),
        "toDecimal" => Ok(V::int(
            i64::from_str_radix(arg(a, 0, name)?.print().trim(), 8).unwrap_or(0),
        )),
        _ => Err(format!("function \"{name}\" not defined")),
    }
}

fn quote(a: &[V], q: char) -> R {
    let quoted: Vec<String> = a
        .iter()
        .filter(|v| !matches!(v.val, Val::Nil))
        .map(|v| {
            let s = v.print();
            if q == '"' {
                serde_json::to_string(&s).unwrap_or_default()
            } else {
                format!("'{s}'")
            }
        })
        .collect();
    let out = V::str(quoted.join(" "));
    Ok(match a {
        [one] => out.derived_from(one),
        _ => out,
    })
}

/// `print`: spaces between operands when neither is a string.
fn go_print(a: &[V]) -> String {
    let mut out = String::new();
    for (i, v) in a.iter().enumerate() {
        let is_str = |v: &V| matches!(v.val, Val::Str(_));
        if i > 0 && !is_str(v) && !is_str(&a[i - 1]) {
            out.push(' ');
        }
        if matches!(v.val, Val::Nil) {
            out.push_str("<nil>");
        } else {
            out.push_str(&v.print());
        }
    }
    out
}

fn items(v: &V) -> Vec<V> {
    match &v.val {
        Val::List(l) => l.as_ref().clone(),
        Val::Nil => Vec::new(),
        _ => vec![v.clone()],
    }
}

fn list_function(name: &str, v: &V) -> R {
    let l = items(v);
    Ok(match name {
        "first" => l.first().cloned().unwrap_or_else(V::nil),
        "last" => l.last().cloned().unwrap_or_else(V::nil),
        "rest" => V::list(l.get(1..).unwrap_or(&[]).to_vec()),
        "initial" => V::list(l[..l.len().saturating_sub(1)].to_vec()),
        "reverse" => V::list(l.into_iter().rev().collect()),
        "sortAlpha" => {
            let mut s: Vec<String> = l.iter().map(V::print).collect();
            s.sort();
            V::list(s.into_iter().map(V::str).collect())
        }
        "compact" => V::list(l.into_iter().filter(V::truthy).collect()),
        _ => {
            let mut out: Vec<V> = Vec::new();
            for v in l {
                if !out.iter().any(|o| equal(o, &v).unwrap_or(false)) {
                    out.push(v);
                }
            }
            V::list(out)
        }
    })
}

fn arithmetic(name: &str, a: &[V]) -> R {
    if name == "add1" {
        exactly(a, 1, name)?;
        return Ok(V::int(a[0].to_int().saturating_add(1)));
    }
    if a.is_empty() {
        return Err(format!("{name}: missing arguments"));
    }
    let floats = a.iter().any(|v| matches!(v.val, Val::Float(_)));
    if floats && matches!(name, "max" | "min") {
        let fs: Vec<f64> = a.iter().map(|v| v.as_f64().unwrap_or(0.0)).collect();
        let r = if name == "max" {
            fs.iter().copied().fold(f64::MIN, f64::max)
        } else {
            fs.iter().copied().fold(f64::MAX, f64::min)
        };
        return Ok(Val::Float(r).into());
    }
    let ints: Vec<i64> = a.iter().map(V::to_int).collect();
    let mut acc = ints[0];
    for &x in &ints[1..] {
        acc = match name {
            "add" => acc.saturating_add(x),
            "sub" => acc.saturating_sub(x),
            "mul" => acc.saturating_mul(x),
            "div" => acc.checked_div(x).ok_or("integer divide by zero")?,
            "mod" => acc.checked_rem(x).ok_or("integer divide by zero")?,
            "max" => acc.max(x),
            _ => acc.min(x),
        };
    }
    Ok(V::int(acc))
}

/// Go's `eq` on basic values (numbers compare by value).
fn equal(x: &V, y: &V) -> Result<bool, String> {
    Ok(match (&x.val, &y.val) {
        (Val::Nil, Val::Nil) => true,
        (Val::Nil, _) | (_, Val::Nil) => false,
        (Val::Bool(a), Val::Bool(b)) => a == b,
        (Val::Str(a), Val::Str(b)) => a == b,
        (Val::Int(_) | Val::Float(_), Val::Int(_) | Val::Float(_)) => x.as_f64() == y.as_f64(),
        (Val::List(_) | Val::Map(_), _) | (_, Val::List(_) | Val::Map(_)) => {
            return Err("non-comparable type".into());
        }
        _ => return Err("incompatible types for comparison".into()),
    })
}

fn order(x: &V, y: &V) -> Result<std::cmp::Ordering, String> {
    match (&x.val, &y.val) {
        (Val::Str(a), Val::Str(b)) => Ok(a.cmp(b)),
        (Val::Int(a), Val::Int(b)) => Ok(a.cmp(b)),
        (Val::Int(_) | Val::Float(_), Val::Int(_) | Val::Float(_)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .ok_or_else(|| "NaN in comparison".to_string()),
        _ => Err("incompatible types for comparison".into()),
    }
}

fn floor_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn cut(s: &str, n: usize) -> &str {
    &s[..floor_boundary(s, n)]
}

fn title(s: &str) -> String {
    let mut out = String::new();
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = c.is_whitespace() || c == '-' || c == '_';
    }
    out
}

fn case_words(s: &str, sep: char) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_uppercase() && i > 0 && !out.ends_with(sep) {
            out.push(sep);
        }
        if c == '_' || c == '-' || c == ' ' {
            out.push(sep);
        } else {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// Go's `fmt.Sprintf` for the verbs templates use.
fn printf(format: &str, args: &[V]) -> String {
    let mut out = String::new();
    let mut next = 0;
    let mut chars = format.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut flags = String::new();
        while let Some(&f) = chars.peek() {
            if "-+# 0".contains(f) {
                flags.push(f);
                chars.next();
            } else {
                break;
            }
        }
        let mut width = String::new();
        while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
            width.push(d);
            chars.next();
        }
        let mut precision: Option<usize> = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut p = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                p.push(d);
                chars.next();
            }
            precision = Some(p.parse().unwrap_or(0).min(64));
        }
        let Some(verb) = chars.next() else {
            out.push_str("%!(NOVERB)");
            break;
        };
        if verb == '%' {
            out.push('%');
            continue;
        }
        let Some(v) = args.get(next) else {
            out.push_str(&format!("%!{verb}(MISSING)"));
            continue;
        };
        next += 1;
        let text = match verb {
            'd' => match &v.val {
                Val::Int(i) => i.to_string(),
                Val::Float(f) if f.fract() == 0.0 => go_float(*f),
                _ => format!("%!d({})", v.print()),
            },
            'f' | 'F' => format!("{:.*}", precision.unwrap_or(6), v.as_f64().unwrap_or(0.0)),
            'q' => serde_json::to_string(&v.print()).unwrap_or_default(),
            'x' => match &v.val {
                Val::Int(i) => format!("{i:x}"),
                _ => v.print().bytes().map(|b| format!("{b:02x}")).collect(),
            },
            't' | 's' | 'v' => {
                let s = if matches!(v.val, Val::Nil) {
                    "<nil>".to_string()
                } else {
                    v.print()
                };
                match precision {
                    Some(p) if verb == 's' => cut(&s, p).to_string(),
                    _ => s,
                }
            }
            other => format!("%!{other}({})", v.print()),
        };
        let width: usize = width.parse().unwrap_or(0).min(1024);
        let len = text.chars().count();
        if len < width {
            let pad = width - len;
            if flags.contains('-') {
                out.push_str(&text);
                out.push_str(&" ".repeat(pad));
            } else {
                let fill = if flags.contains('0') { "0" } else { " " };
                out.push_str(&fill.repeat(pad));
                out.push_str(&text);
            }
        } else {
            out.push_str(&text);
        }
        if out.len() > MAX_STRING {
            break;
        }
    }
    if next < args.len() {
        let extra: Vec<String> = args[next..].iter().map(V::print).collect();
        out.push_str(&format!("%!(EXTRA {})", extra.join(", ")));
    }
    out
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(s: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let Some(v) = B64.iter().position(|&b| b == c) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

/// SHA-256 of bytes, as lowercase hex (charts' `checksum/config` annotations).
fn sha256_hex(data: &[u8]) -> String {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64).wrapping_mul(8)).to_be_bytes());
    for block in msg.chunks(64) {
        let mut w = [0u32; 64];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let mut v = h;
        for i in 0..64 {
            let s1 = v[4].rotate_right(6) ^ v[4].rotate_right(11) ^ v[4].rotate_right(25);
            let ch = (v[4] & v[5]) ^ (!v[4] & v[6]);
            let t1 = v[7]
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(K[i])
                .wrapping_add(w[i]);
            let s0 = v[0].rotate_right(2) ^ v[0].rotate_right(13) ^ v[0].rotate_right(22);
            let maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
            let t2 = s0.wrapping_add(maj);
            v = [
                t1.wrapping_add(t2),
                v[0],
                v[1],
                v[2],
                v[3].wrapping_add(t1),
                v[4],
                v[5],
                v[6],
            ];
        }
        for (x, y) in h.iter_mut().zip(v) {
            *x = x.wrapping_add(y);
        }
    }
    h.iter().map(|x| format!("{x:08x}")).collect()
}

/// A version's numbers (`v1.30.0-0` → 1, 30, 0).
fn version(s: &str) -> Option<[u64; 3]> {
    let s = s.trim().trim_start_matches(['v', '=']);
    let core = s.split(['-', '+']).next()?;
    let mut parts = core.split('.');
    let mut out = [0u64; 3];
    for slot in &mut out {
        match parts.next() {
            Some(p) if p == "x" || p == "X" || p == "*" => break,
            Some(p) => *slot = p.parse().ok()?,
            None => break,
        }
    }
    Some(out)
}

/// A semver constraint (`>=1.19-0`, `~1.2`, `^1`, `>= 1.2, < 2`, `a || b`).
fn semver_compare(constraint: &str, v: &str) -> Result<bool, String> {
    let have = version(v).ok_or_else(|| format!("invalid semantic version `{v}`"))?;
    for alt in constraint.split("||") {
        let mut all = true;
        let parts: Vec<&str> = alt.split([',', ' ']).filter(|p| !p.is_empty()).collect();
        let mut i = 0;
        while i < parts.len() {
            let mut p = parts[i].to_string();
            // `>= 1.2` written with a space.
            if p.chars().all(|c| "<>=!~^".contains(c)) && i + 1 < parts.len() {
                i += 1;
                p.push_str(parts[i]);
            }
            i += 1;
            let op_len = p.find(|c: char| !"<>=!~^".contains(c)).unwrap_or(p.len());
            let (op, ver) = p.split_at(op_len);
            let want = version(ver).ok_or_else(|| format!("invalid constraint `{constraint}`"))?;
            let ok = match op {
                ">=" => have >= want,
                ">" => have > want,
                "<=" => have <= want,
                "<" => have < want,
                "!=" => have != want,
                "~" => have >= want && have[..2] == want[..2],
                "^" => have >= want && have[0] == want[0],
                "" | "=" => have == want,
                _ => return Err(format!("invalid constraint `{constraint}`")),
            };
            all &= ok;
        }
        if all {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A Go (RE2) regular expression: Rust's `regex` has the same syntax and
/// runs in linear time; a pattern too large to compile is an error.
fn regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("regex `{pattern}`: {e}"))
}

/// `regexMatch`, `regexFind`, `regexFindAll`, `regexReplaceAll`,
/// `regexReplaceAllLiteral`, `regexSplit` (and their `must` forms).
fn regex_function(name: &str, a: &[V]) -> R {
    let name = name.strip_prefix("must").map_or(name.to_string(), |n| {
        let mut c = n.chars();
        c.next()
            .map_or(String::new(), |f| f.to_lowercase().chain(c).collect())
    });
    let re = regex(&arg(a, 0, &name)?.print())?;
    let text = |i: usize| a.get(i).map(V::print).unwrap_or_default();
    match name.as_str() {
        "regexMatch" => Ok(V::bool(re.is_match(&text(1)))),
        "regexFind" => Ok(V::str(re.find(&text(1)).map_or("", |m| m.as_str()))),
        "regexFindAll" | "regexSplit" => {
            let t = text(1);
            let n = a.get(2).map_or(-1, V::to_int);
            let limit = usize::try_from(n).unwrap_or(usize::MAX);
            let parts: Vec<V> = if name == "regexSplit" {
                re.splitn(&t, limit).map(V::str).collect()
            } else {
                re.find_iter(&t)
                    .take(limit)
                    .map(|m| V::str(m.as_str()))
                    .collect()
            };
            Ok(V::list(parts))
        }
        "regexReplaceAll" => string(re.replace_all(&text(1), text(2).as_str()).into_owned()),
        "regexReplaceAllLiteral" => string(
            re.replace_all(&text(1), regex::NoExpand(&text(2)))
                .into_owned(),
        ),
        other => Err(format!("function \"{other}\" not defined")),
    }
}

/// A function's result with `Rc` lists (for tests).
#[cfg(test)]
fn run(name: &str, args: Vec<V>) -> String {
    call(name, args)
        .map(|v| v.print())
        .unwrap_or_else(|e| format!("ERR {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(x: &str) -> V {
        V::str(x)
    }

    #[test]
    fn strings_and_defaults() {
        assert_eq!(run("default", vec![s("d"), V::nil()]), "d");
        assert_eq!(run("default", vec![s("d"), s("x")]), "x");
        assert_eq!(run("quote", vec![s("a\"b")]), "\"a\\\"b\"");
        assert_eq!(run("nindent", vec![V::int(2), s("a\nb")]), "\n  a\n  b");
        assert_eq!(run("trunc", vec![V::int(3), s("abcdef")]), "abc");
        assert_eq!(run("trunc", vec![V::int(-2), s("abcdef")]), "ef");
        assert_eq!(
            run(
                "printf",
                vec![
                    s("%s-%d %05.1f|%-3s|%q"),
                    s("a"),
                    V::int(2),
                    Val::Float(3.25).into(),
                    s("x"),
                    s("q")
                ]
            ),
            "a-2 003.2|x  |\"q\""
        );
        assert_eq!(run("b64enc", vec![s("hello!?")]), "aGVsbG8hPw==");
        assert_eq!(run("b64dec", vec![s("aGVsbG8hPw==")]), "hello!?");
        assert_eq!(
            run("sha256sum", vec![s("abc")]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(run("title", vec![s("hello world")]), "Hello World");
        assert_eq!(
            run("join", vec![s(","), V::list(vec![s("a"), V::int(1)])]),
            "a,1"
        );
        assert_eq!(run("nosuch", vec![]), "ERR function \"nosuch\" not defined");
        assert!(run("repeat", vec![V::int(1 << 40), s("ab")]).starts_with("ERR"));
    }

    #[test]
    fn logic_comparison_and_collections() {
        assert_eq!(run("eq", vec![V::int(1), Val::Float(1.0).into()]), "true");
        assert_eq!(run("eq", vec![s("a"), s("b"), s("a")]), "true");
        assert!(run("eq", vec![s("1"), V::int(1)]).starts_with("ERR"));
        assert_eq!(run("lt", vec![V::int(1), V::int(2)]), "true");
        assert_eq!(run("ternary", vec![s("y"), s("n"), V::bool(false)]), "n");
        let d = call("dict", vec![s("a"), V::int(1), s("b")]).expect("dict");
        assert_eq!(d.print(), "map[a:1 b:]");
        assert_eq!(run("hasKey", vec![d.clone(), s("a")]), "true");
        let _ = call("set", vec![d.clone(), s("c"), V::int(3)]);
        assert_eq!(d.print(), "map[a:1 b: c:3]", "set changes the map in place");
        let m = call(
            "merge",
            vec![
                d.clone(),
                call("dict", vec![s("a"), V::int(9), s("z"), V::int(0)]).expect("d"),
            ],
        )
        .expect("merge");
        assert_eq!(m.print(), "map[a:1 b: c:3 z:0]");
        assert_eq!(run("kindIs", vec![s("map"), d]), "true");
        assert_eq!(
            run("semverCompare", vec![s(">=1.19-0"), s("v1.30.0")]),
            "true"
        );
        assert_eq!(
            run("semverCompare", vec![s("<1.19"), s("v1.30.0")]),
            "false"
        );
        assert_eq!(run("semverCompare", vec![s("~1.30"), s("1.30.4")]), "true");
        assert_eq!(
            run("regexMatch", vec![s("^[a-z]+-[0-9]*$"), s("abc-12")]),
            "true"
        );
        assert_eq!(
            run(
                "regexReplaceAll",
                vec![s("(-?[^a-z\\d\\-])+-?"), s("my_Rel.1"), s("-")]
            ),
            "my-el-1"
        );
        assert_eq!(
            run("regexReplaceAll", vec![s("a(b)"), s("xab"), s("${1}$1")]),
            "xbb"
        );
        assert_eq!(
            run("regexReplaceAllLiteral", vec![s("b"), s("ab"), s("$1")]),
            "a$1"
        );
        assert_eq!(
            run("regexFindAll", vec![s("[0-9]"), s("a1b2c3"), V::int(2)]),
            "[1 2]"
        );
        assert!(run("regexMatch", vec![s("("), s("x")]).starts_with("ERR"));
        assert_eq!(
            run("index", vec![V::list(vec![s("x"), s("y")]), V::int(1)]),
            "y"
        );
        assert_eq!(run("coalesce", vec![V::nil(), s(""), s("c")]), "c");
        assert_eq!(run("splitList", vec![s(","), s("a,b")]), "[a b]");
    }
}
