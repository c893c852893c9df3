//! Terraform's JSON syntax (`*.tf.json`): the same blocks as `.tf` files —
//! `resource`, `data`, `module`, `variable`, `locals` — as JSON objects,
//! read into the same resources, each value located at its JSON line. A
//! string holding `${…}` is an expression, as Terraform reads it: unknown
//! until references are resolved, like an HCL template.

use super::Resource;
use super::yaml::{Budget, Node, Span, Value, parse_stream};
use std::sync::Arc;

/// The blocks of a `.tf.json` file, or the JSON error with its place.
pub fn read(path: &Arc<str>, text: &str) -> Result<Vec<Resource>, (String, Span)> {
    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
        let at = super::byte_offset(text, e.line(), e.column());
        return Err((format!("invalid JSON: {e}"), Span::new(at, at)));
    }
    let docs = parse_stream(text, Budget::default()).map_err(|e| (e.message, e.span))?;
    let Some(root) = docs.first().map(|d| &d.root) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (block, value) in root.entries() {
        match block.as_str() {
            Some("resource") => {
                for (t, named) in value.entries() {
                    let t = t.scalar_text().unwrap_or_default();
                    labelled(path, named, &mut out, |n| (t.clone(), format!("{t}.{n}")));
                }
            }
            Some("data") => {
                for (t, named) in value.entries() {
                    let t = t.scalar_text().unwrap_or_default();
                    labelled(path, named, &mut out, |n| {
                        (format!("data.{t}"), format!("data.{t}.{n}"))
                    });
                }
            }
            Some("module") => {
                labelled(path, value, &mut out, |n| {
                    ("module".into(), format!("module.{n}"))
                });
            }
            Some("variable") => {
                labelled(path, value, &mut out, |n| {
                    ("variable".into(), format!("var.{n}"))
                });
            }
            Some("locals") => {
                let body = expressions(value);
                out.push(resource(
                    path,
                    "locals",
                    "",
                    "locals".into(),
                    body,
                    block.span,
                ));
            }
            _ => {}
        }
    }
    Ok(out)
}

/// `{"NAME": {…}}` blocks (a list of bodies is repeated blocks of one name).
fn labelled(
    path: &Arc<str>,
    named: &Node,
    out: &mut Vec<Resource>,
    kind_and_address: impl Fn(&str) -> (String, String),
) {
    for (name, body) in named.entries() {
        let Some(name) = name.scalar_text() else {
            continue;
        };
        let (kind, address) = kind_and_address(&name);
        let bodies: Vec<&Node> = match &body.value {
            Value::Seq(items) => items.iter().collect(),
            _ => vec![body],
        };
        for b in bodies {
            let span = Span::new(b.span.start.min(body.span.start), body.span.end);
            out.push(resource(
                path,
                &kind,
                &name,
                address.clone(),
                expressions(b),
                span,
            ));
        }
    }
}

/// A block's resource, spanning from its name to its body's end.
fn resource(
    path: &Arc<str>,
    kind: &str,
    name: &str,
    address: String,
    body: Node,
    span: Span,
) -> Resource {
    let mut r = super::terraform::resource(path, kind, name, address, body);
    r.span = span;
    r
}

/// A JSON value as Terraform reads it: `${…}` strings are expressions, `//`
/// keys are comments.
fn expressions(node: &Node) -> Node {
    let value = match &node.value {
        Value::Str(s) if s.contains("${") => Value::Unknown(format!("\"{s}\"")),
        Value::Seq(items) => Value::Seq(items.iter().map(expressions).collect()),
        Value::Map(entries) => Value::Map(
            entries
                .iter()
                .filter(|(k, _)| k.as_str() != Some("//"))
                .map(|(k, v)| (k.clone(), expressions(v)))
                .collect(),
        ),
        other => other.clone(),
    };
    Node {
        value,
        span: node.span,
        tag: None,
        origin: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::yaml::line_col;

    const TEXT: &str = r#"{
  "variable": { "multi_az": { "default": true } },
  "resource": {
    "aws_db_instance": {
      "ledger": {
        "//": "the ledger's database",
        "engine": "postgres",
        "multi_az": "${var.multi_az}",
        "backup_retention_period": 7
      }
    }
  },
  "module": { "db": { "source": "./db", "multi_az": false } }
}
"#;

    #[test]
    fn blocks_become_resources_at_their_lines() {
        let rs = read(&Arc::from("main.tf.json"), TEXT).expect("reads");
        let addresses: Vec<&str> = rs.iter().map(|r| r.address.as_str()).collect();
        assert_eq!(
            addresses,
            ["var.multi_az", "aws_db_instance.ledger", "module.db"]
        );
        let db = &rs[1];
        assert!(db.body.get("//").is_none());
        let multi_az = db.body.get("multi_az").expect("field");
        assert_eq!(multi_az.value, Value::Unknown("\"${var.multi_az}\"".into()));
        assert_eq!(line_col(TEXT, multi_az.span.start).0, 8);
        let retention = db.body.get("backup_retention_period").expect("field");
        assert_eq!(retention.as_i64(), Some(7));
    }

    #[test]
    fn broken_json_is_an_error_at_its_line() {
        let Err((msg, span)) = read(&Arc::from("x.tf.json"), "{\n  \"resource\": {,\n}\n") else {
            panic!("broken JSON reads");
        };
        assert!(msg.starts_with("invalid JSON"), "{msg}");
        assert_eq!(line_col("{\n  \"resource\": {,\n}\n", span.start).0, 2);
    }
}
