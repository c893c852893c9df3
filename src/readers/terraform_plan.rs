//! Terraform plan and state JSON (`terraform show -json`, `format_version`
//! 1.x), for teams that check the resolved plan: every resource of
//! `planned_values` (or `values`) becomes a Terraform resource whose fields are
//! its resolved values, so the same facts and rules apply as to `.tf` files.

use super::yaml::{Node, Value};
use super::{FileKind, Resource};
use std::sync::Arc;

/// Whether a JSON document is Terraform's machine-readable plan or state.
pub fn is_plan(root: &Node) -> bool {
    root.get("format_version").is_some()
        && (root.get("planned_values").is_some() || root.get("values").is_some())
}

/// The resources of a plan or state document.
pub fn read(path: &Arc<str>, root: &Node) -> Vec<Resource> {
    let mut out = Vec::new();
    let module = root
        .get("planned_values")
        .or_else(|| root.get("values"))
        .and_then(|v| v.get("root_module"));
    // Modules nest; walk them with an explicit stack.
    let mut todo: Vec<&Node> = module.into_iter().collect();
    while let Some(m) = todo.pop() {
        for r in m.get("resources").map(Node::items).unwrap_or(&[]) {
            if let Some(resource) = resource(path, r) {
                out.push(resource);
            }
        }
        for child in m.get("child_modules").map(Node::items).unwrap_or(&[]) {
            todo.push(child);
        }
    }
    out.sort_by_key(|r| r.span.start);
    out
}

fn resource(path: &Arc<str>, r: &Node) -> Option<Resource> {
    let address = r.get("address")?.as_str()?.to_string();
    let kind = r.get("type")?.as_str()?.to_string();
    let name = r.get("name")?.as_str()?.to_string();
    let kind = if r.get("mode").and_then(Node::as_str) == Some("data") {
        format!("data.{kind}")
    } else {
        kind
    };
    let body = r
        .get("values")
        .map(|v| single_blocks(v.clone()))
        .unwrap_or_else(|| Node::new(Value::Map(Vec::new()), r.span));
    Some(Resource {
        file_kind: FileKind::Terraform,
        kind,
        name,
        namespace: None,
        address,
        path: path.clone(),
        body,
        span: r.span,
        labels: Default::default(),
    })
}

/// The plan writes every nested block as a list; a list holding exactly one
/// object is the single block that HCL writes as `name { … }`.
fn single_blocks(node: Node) -> Node {
    let Node {
        value,
        span,
        tag,
        origin,
    } = node;
    let value = match value {
        Value::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k, single_blocks(v)))
                .collect(),
        ),
        Value::Seq(mut items) if items.len() == 1 && matches!(items[0].value, Value::Map(_)) => {
            return single_blocks(items.remove(0));
        }
        other => other,
    };
    Node {
        value,
        span,
        tag,
        origin,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::yaml::{Budget, line_col, parse_stream};

    const PLAN: &str = r#"{
  "format_version": "1.2",
  "terraform_version": "1.9.0",
  "planned_values": {
    "root_module": {
      "child_modules": [
        {
          "address": "module.ledger",
          "resources": [
            {
              "address": "module.ledger.aws_db_instance.ledger",
              "mode": "managed",
              "type": "aws_db_instance",
              "name": "ledger",
              "values": {
                "multi_az": false,
                "allocated_storage": 500,
                "maintenance_window": "tue:11:00-tue:11:30",
                "point_in_time_recovery": [{ "enabled": true }]
              }
            }
          ]
        }
      ]
    }
  }
}
"#;

    #[test]
    fn resources_of_child_modules_with_exact_lines() {
        let docs = parse_stream(PLAN, Budget::default()).expect("json");
        assert!(is_plan(&docs[0].root));
        let rs = read(&Arc::from("plan.json"), &docs[0].root);
        assert_eq!(rs.len(), 1);
        let r = &rs[0];
        assert_eq!(r.address, "module.ledger.aws_db_instance.ledger");
        assert_eq!(r.kind, "aws_db_instance");
        let multi_az = r.field("multi_az").expect("multi_az");
        assert_eq!(multi_az.value, Value::Bool(false));
        assert_eq!(line_col(PLAN, multi_az.span.start), (16, 29));
        assert_eq!(
            r.field("point_in_time_recovery.enabled")
                .map(|n| n.value.clone()),
            Some(Value::Bool(true))
        );
    }

    #[test]
    fn other_json_is_not_a_plan() {
        let docs =
            parse_stream("{\"name\": \"x\", \"version\": \"1\"}", Budget::default()).expect("json");
        assert!(!is_plan(&docs[0].root));
    }
}
