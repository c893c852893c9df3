//! CloudFormation templates (YAML with `!Ref`/`!Sub`/`!GetAtt` tags, and
//! JSON, which is read by the same YAML reader so every value keeps its span).
//!
//! Each entry of `Resources` is a resource addressed by its logical id
//! (`LedgerDb`). Intrinsic functions are resolved while reading:
//! - `!Ref Param` / `{"Ref": "Param"}` becomes the parameter's `Default` (the
//!   node keeps the span of the reference, so findings point at the `!Ref`);
//!   list parameters (`List<…>`, `CommaDelimitedList`) become a sequence;
//!   a parameter without `Default`, an SSM parameter type, or a pseudo
//!   parameter (`AWS::Region`) is [`Value::Unknown`] (`!Ref Param`).
//! - `!Ref OtherResource` stays a reference: a string node tagged `!Ref`
//!   holding the logical id, so facts can resolve it.
//! - `!Sub` of a string without `${…}` is that string; every other intrinsic
//!   (`!GetAtt`, `!If`, `!Join`, `!Select`, `!GetAZs`, `!FindInMap`, …) is unknown.

use super::yaml::{Node, Span, Value};
use super::{FileKind, Resource};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// The tag a resolved resource reference carries.
pub const REF_TAG: &str = "!Ref";

/// Whether a document is a CloudFormation template: it has
/// `AWSTemplateFormatVersion`, or a `Resources` mapping with an entry of `Type: AWS::…`.
pub fn is_template(root: &Node) -> bool {
    if root.get("AWSTemplateFormatVersion").is_some() {
        return true;
    }
    root.get("Resources").is_some_and(|r| {
        r.entries().iter().any(|(_, v)| {
            v.get("Type")
                .and_then(Node::as_str)
                .is_some_and(|t| t.starts_with("AWS::"))
        })
    })
}

/// Whether a text that failed to parse looks like a CloudFormation template
/// (so a broken template is CG001 while a broken `tsconfig.json` is ignored).
pub fn looks_like_template(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion") || text.contains("\"AWS::")
}

/// The logical id a node refers to, when it is a resolved `!Ref` to another resource.
pub fn reference(node: &Node) -> Option<&str> {
    match (&node.tag, &node.value) {
        (Some(t), Value::Str(s)) if t == REF_TAG => Some(s),
        _ => None,
    }
}

struct Parameter {
    default: Option<Node>,
    kind: String,
}

struct Ctx {
    parameters: BTreeMap<String, Parameter>,
    resources: HashSet<String>,
}

/// The resources of a template, with intrinsics resolved, and notes.
pub fn read(path: &Arc<str>, root: &Node) -> (Vec<Resource>, Vec<String>) {
    let mut notes = Vec::new();
    let parameters = root
        .get("Parameters")
        .map(|p| {
            p.entries()
                .iter()
                .filter_map(|(k, v)| {
                    Some((
                        k.scalar_text()?,
                        Parameter {
                            default: v.get("Default").cloned(),
                            kind: v
                                .get("Type")
                                .and_then(Node::as_str)
                                .unwrap_or("String")
                                .to_string(),
                        },
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let entries = root.get("Resources").map(Node::entries).unwrap_or(&[]);
    let ctx = Ctx {
        parameters,
        resources: entries
            .iter()
            .filter_map(|(k, _)| k.scalar_text())
            .collect(),
    };
    if root.get("Transform").is_some() {
        notes.push(format!(
            "{path}: the template uses a Transform (macro); resources it generates are not seen"
        ));
    }
    let mut out = Vec::new();
    for (key, value) in entries {
        let Some(logical_id) = key.scalar_text() else {
            continue;
        };
        let Some(kind) = value.get("Type").and_then(Node::as_str) else {
            notes.push(format!(
                "{path}: resource `{logical_id}` has no `Type`, skipped"
            ));
            continue;
        };
        if let Some(condition) = value.get("Condition").and_then(Node::scalar_text) {
            notes.push(format!(
                "{path}: resource `{logical_id}` exists only when condition `{condition}` holds; read as if it does"
            ));
        }
        out.push(Resource {
            file_kind: FileKind::CloudFormation,
            kind: kind.to_string(),
            name: logical_id.clone(),
            namespace: None,
            address: logical_id,
            path: path.clone(),
            body: resolve(value, &ctx),
            span: Span::new(key.span.start, value.span.end),
            labels: BTreeMap::new(),
        });
    }
    (out, notes)
}

/// The intrinsic a node is, if any: its function name (`Ref`, `Sub`, `GetAtt`) and argument.
fn intrinsic(node: &Node) -> Option<(String, Node)> {
    if let Some(tag) = &node.tag
        && let Some(name) = tag.strip_prefix('!')
    {
        let mut arg = node.clone();
        arg.tag = None;
        return Some((name.trim_start_matches("Fn::").to_string(), arg));
    }
    match &node.value {
        Value::Map(entries) if entries.len() == 1 => {
            let (k, v) = &entries[0];
            let k = k.as_str()?;
            if k == "Ref" {
                Some(("Ref".into(), v.clone()))
            } else {
                k.strip_prefix("Fn::").map(|f| (f.to_string(), v.clone()))
            }
        }
        _ => None,
    }
}

fn unknown(text: String, span: Span) -> Node {
    Node::new(Value::Unknown(text), span)
}

/// A short rendering of an intrinsic's argument for notes, nested
/// intrinsics included (`[/, [service, !Ref Cluster, !GetAtt Service.Name]]`)
/// so that the resources it names can be told ([`mentioned_ids`]).
fn describe(arg: &Node) -> String {
    let (text, limit) = match arg.scalar_text() {
        Some(s) => (s, 60),
        None => {
            let mut out = String::new();
            render(arg, &mut out, 0);
            (out, 160)
        }
    };
    if text.chars().count() <= limit {
        text
    } else {
        format!("{}…", text.chars().take(limit).collect::<String>())
    }
}

fn render(node: &Node, out: &mut String, depth: usize) {
    if out.len() > 200 || depth > 8 {
        out.push('…');
        return;
    }
    if let Some((name, arg)) = intrinsic(node) {
        out.push('!');
        out.push_str(&name);
        out.push(' ');
        match (&arg.value, name.as_str()) {
            // `!GetAtt [Service, Name]` is `!GetAtt Service.Name`.
            (Value::Seq(parts), "GetAtt") => {
                let parts: Vec<String> = parts.iter().filter_map(Node::scalar_text).collect();
                out.push_str(&parts.join("."));
            }
            _ => render(&arg, out, depth + 1),
        }
        return;
    }
    match &node.value {
        Value::Seq(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                render(item, out, depth + 1);
            }
            out.push(']');
        }
        _ => out.push_str(&node.scalar_text().unwrap_or_else(|| "…".into())),
    }
}

/// The logical ids an unresolved intrinsic's text names: `!Ref X`,
/// `!GetAtt X.Attr`, `${X}` and `${X.Attr}`.
pub fn mentioned_ids(expr: &str) -> Vec<&str> {
    let ident = |s: &str| -> usize {
        s.bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b':')
            .count()
    };
    let mut out = Vec::new();
    for marker in ["!Ref ", "!GetAtt ", "${"] {
        for (at, _) in expr.match_indices(marker) {
            let rest = &expr[at + marker.len()..];
            let n = ident(rest);
            if n > 0 {
                out.push(&rest[..n]);
            }
        }
    }
    out
}

fn resolve(node: &Node, ctx: &Ctx) -> Node {
    if let Some((name, arg)) = intrinsic(node) {
        return resolve_intrinsic(&name, &arg, node.span, ctx);
    }
    match &node.value {
        Value::Seq(items) => Node {
            value: Value::Seq(items.iter().map(|i| resolve(i, ctx)).collect()),
            span: node.span,
            tag: node.tag.clone(),
            origin: None,
        },
        Value::Map(entries) => Node {
            value: Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| (k.clone(), resolve(v, ctx)))
                    .collect(),
            ),
            span: node.span,
            tag: node.tag.clone(),
            origin: None,
        },
        _ => node.clone(),
    }
}

fn resolve_intrinsic(name: &str, arg: &Node, span: Span, ctx: &Ctx) -> Node {
    match name {
        "Ref" => {
            let Some(target) = arg.as_str() else {
                return unknown(format!("!Ref {}", describe(arg)), span);
            };
            if let Some(p) = ctx.parameters.get(target) {
                return parameter_value(target, p, span);
            }
            if ctx.resources.contains(target) {
                return Node {
                    value: Value::Str(target.to_string()),
                    span,
                    tag: Some(REF_TAG.to_string()),
                    origin: None,
                };
            }
            unknown(format!("!Ref {target}"), span)
        }
        "Sub" => match arg.as_str() {
            Some(s) if !s.contains("${") => Node::new(Value::Str(s.to_string()), span),
            _ => unknown(format!("!Sub {}", describe(arg)), span),
        },
        _ => unknown(format!("!{name} {}", describe(arg)), span),
    }
}

fn parameter_value(name: &str, p: &Parameter, span: Span) -> Node {
    let Some(default) = &p.default else {
        return unknown(format!("!Ref {name}"), span);
    };
    if p.kind.starts_with("AWS::SSM::Parameter::Value") {
        // The default names an SSM parameter; its value is only known at deploy time.
        return unknown(format!("!Ref {name}"), span);
    }
    let is_list = p.kind.starts_with("List<") || p.kind == "CommaDelimitedList";
    match &default.value {
        Value::Str(s) if is_list => Node::new(
            Value::Seq(
                s.split(',')
                    .map(|item| Node::new(Value::Str(item.trim().to_string()), span))
                    .collect(),
            ),
            span,
        ),
        Value::Map(_) | Value::Seq(_) | Value::Unknown(_) if !is_list => {
            unknown(format!("!Ref {name}"), span)
        }
        value => Node::new(value.clone(), span),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::yaml::{Budget, line_col, parse_stream};

    fn template(text: &str) -> Vec<Resource> {
        let docs = parse_stream(text, Budget::default()).expect("parses");
        assert!(is_template(&docs[0].root));
        read(&Arc::from("t.yaml"), &docs[0].root).0
    }

    const YAML: &str = "AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  MultiAz:
    Type: String
    Default: 'true'
  Retention:
    Type: Number
  Subnets:
    Type: List<AWS::EC2::Subnet::Id>
    Default: subnet-a, subnet-b
Resources:
  LedgerDb:
    Type: AWS::RDS::DBInstance
    Properties:
      MultiAZ: !Ref MultiAz
      BackupRetentionPeriod: !Ref Retention
      DBName: !Sub 'ledger'
      Endpoint: !GetAtt Other.Endpoint
      Region: !Ref AWS::Region
  PaymentsAsg:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      VPCZoneIdentifier: !Ref Subnets
  Nightly:
    Type: AWS::AutoScaling::ScheduledAction
    Properties:
      AutoScalingGroupName: !Ref PaymentsAsg
";

    #[test]
    fn yaml_resources_and_intrinsics() {
        let rs = template(YAML);
        let addrs: Vec<_> = rs
            .iter()
            .map(|r| (r.address.as_str(), r.kind.as_str()))
            .collect();
        assert_eq!(
            addrs,
            [
                ("LedgerDb", "AWS::RDS::DBInstance"),
                ("PaymentsAsg", "AWS::AutoScaling::AutoScalingGroup"),
                ("Nightly", "AWS::AutoScaling::ScheduledAction")
            ]
        );
        let db = &rs[0];
        assert_eq!(line_col(YAML, db.span.start), (12, 3));
        let multi = db.field("Properties.MultiAZ").expect("MultiAZ");
        assert_eq!(multi.value, Value::Str("true".into()));
        assert_eq!(multi.as_bool(), Some(true));
        // The substituted default keeps the span of the reference.
        assert_eq!(line_col(YAML, multi.span.start), (15, 16));
        assert_eq!(&YAML[multi.span.start..multi.span.end], "!Ref MultiAz");
        assert_eq!(
            db.field("Properties.BackupRetentionPeriod")
                .map(|n| &n.value),
            Some(&Value::Unknown("!Ref Retention".into()))
        );
        assert_eq!(
            db.field("Properties.DBName").and_then(Node::as_str),
            Some("ledger")
        );
        assert!(matches!(
            db.field("Properties.Endpoint").map(|n| &n.value),
            Some(Value::Unknown(s)) if s.starts_with("!GetAtt")
        ));
        assert_eq!(
            db.field("Properties.Region").map(|n| &n.value),
            Some(&Value::Unknown("!Ref AWS::Region".into()))
        );
        let subnets = rs[1]
            .field("Properties.VPCZoneIdentifier")
            .expect("subnets");
        assert_eq!(subnets.items().len(), 2);
        let target = rs[2]
            .field("Properties.AutoScalingGroupName")
            .expect("target");
        assert_eq!(reference(target), Some("PaymentsAsg"));
    }

    const JSON: &str = r#"{
  "Parameters": { "Zones": { "Type": "Number", "Default": 2 } },
  "Resources": {
    "LedgerDb": {
      "Type": "AWS::RDS::DBInstance",
      "Properties": {
        "MultiAZ": false,
        "AllocatedStorage": { "Ref": "Zones" },
        "DBSubnetGroupName": { "Fn::Join": ["-", ["a", "b"]] },
        "Other": { "Ref": "Queue" }
      }
    },
    "Queue": { "Type": "AWS::SQS::Queue" }
  }
}
"#;

    #[test]
    fn json_templates_keep_spans() {
        let rs = template(JSON);
        assert_eq!(rs.len(), 2);
        let multi = rs[0].field("Properties.MultiAZ").expect("MultiAZ");
        assert_eq!(multi.value, Value::Bool(false));
        assert_eq!(line_col(JSON, multi.span.start), (7, 20));
        let storage = rs[0].field("Properties.AllocatedStorage").expect("size");
        assert_eq!(storage.value, Value::Int(2));
        assert_eq!(line_col(JSON, storage.span.start), (8, 29));
        assert!(matches!(
            rs[0].field("Properties.DBSubnetGroupName").map(|n| &n.value),
            Some(Value::Unknown(s)) if s.starts_with("!Join")
        ));
        let other = rs[0].field("Properties.Other").expect("ref");
        assert_eq!(reference(other), Some("Queue"));
    }

    #[test]
    fn detection() {
        let yes = parse_stream(
            "Resources:\n  Q:\n    Type: AWS::SQS::Queue\n",
            Budget::default(),
        )
        .expect("parses");
        assert!(is_template(&yes[0].root));
        for text in [
            "name: ci\non: push\njobs: {}\n",
            "{\"name\": \"pkg\", \"version\": \"1.0.0\"}",
            "Resources:\n  Q:\n    Type: Custom\n",
        ] {
            let docs = parse_stream(text, Budget::default()).expect("parses");
            assert!(!is_template(&docs[0].root), "{text}");
        }
    }
}
#[cfg(test)]
mod json_edge_tests {
    use crate::readers::read_file;
    use std::sync::Arc;

    #[test]
    fn tab_indented_json() {
        let text = "{\n\t\"AWSTemplateFormatVersion\": \"2010-09-09\",\n\t\"Resources\": {\n\t\t\"Q\": {\"Type\": \"AWS::SQS::Queue\", \"Properties\": {\"QueueName\": \"a\\/b\\u00e9\"}}\n\t}\n}\n";
        let read = read_file(&Arc::from("t.json"), text.as_bytes());
        assert!(read.error.is_none(), "{:?}", read.error);
        assert_eq!(read.resources.len(), 1);
    }
}

#[cfg(test)]
mod json_strictness_tests {
    use crate::readers::read_file;
    use crate::readers::yaml::line_col;
    use std::sync::Arc;

    #[test]
    fn json_that_is_only_yaml_is_an_error() {
        let text = "{\n  \"Resources\": {\n    \"Q\": {\"Type\": \"AWS::SQS::Queue\",},\n  }\n}\n";
        let read = read_file(&Arc::from("t.json"), text.as_bytes());
        let (msg, span) = read.error.expect("trailing comma");
        assert!(msg.starts_with("invalid JSON"), "{msg}");
        assert_eq!(line_col(text, span.start).0, 3);
        // The same text as a .template (YAML or JSON) is accepted.
        let read = read_file(&Arc::from("t.template"), text.as_bytes());
        assert!(read.error.is_none());
    }
}

#[cfg(test)]
mod never_panics {
    use crate::readers::read_file;
    use crate::source::Side;
    use proptest::prelude::*;
    use std::sync::Arc;

    const SEEDS: &[(&str, &str)] = &[
        (
            "cfn/t.yaml",
            "Parameters: {P: {Type: CommaDelimitedList, Default: 'a,b'}}\nResources:\n  A: {Type: AWS::AutoScaling::AutoScalingGroup, Properties: {MinSize: !Ref P, VPCZoneIdentifier: !Ref P}}\n  S: {Type: AWS::AutoScaling::ScheduledAction, Properties: {AutoScalingGroupName: !Ref A, Recurrence: '0 8 * * *', MinSize: 2}}\n  D: {Type: AWS::RDS::DBInstance, Properties: {MultiAZ: !If [c, true, false], AllocatedStorage: '-5', PreferredMaintenanceWindow: 'xx'}}\n  B: {Type: AWS::Backup::BackupPlan, Properties: {BackupPlan: {BackupPlanRule: [{RuleName: r}, 5]}}}\n",
        ),
        (
            "cfn/t.json",
            "{\"AWSTemplateFormatVersion\": \"2010-09-09\", \"Resources\": {\"C\": {\"Type\": \"AWS::RDS::DBCluster\", \"Properties\": {\"AvailabilityZones\": {\"Fn::GetAZs\": \"\"}}}}}",
        ),
        (
            "app/docker-compose.yml",
            "services:\n  api: {deploy: {replicas: 3, mode: replicated}, restart: 'no', labels: [a=b]}\n",
        ),
        (
            "catalog-info.yaml",
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: x}\nspec: {dependsOn: [resource:y, 3]}\n",
        ),
        (
            "k8s.yaml",
            "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: a, annotations: {downscaler/uptime: Mon-Fri 07:00-08:00 UTC}}\nspec: {scaleTargetRef: {name: b}, triggers: [{type: cron, metadata: {timezone: UTC, start: '0 8 * * *', end: '0 9 * * *', desiredReplicas: '2'}}]}\n",
        ),
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn mutated_files_never_panic(seed in 0..SEEDS.len(), cut in 0usize..400, len in 0usize..20, insert in "[\\[\\]{}:,!'\" a-z0-9\n-]{0,6}") {
            let (path, text) = SEEDS[seed];
            let start = cut.min(text.len());
            let end = (start + len).min(text.len());
            if let (Some(a), Some(b)) = (text.get(..start), text.get(end..)) {
                let mutated = format!("{a}{insert}{b}");
                let read = read_file(&Arc::from(path), mutated.as_bytes());
                let rs = read.resources.into_iter().map(Arc::new).collect();
                let _ = crate::facts::derive(Side::Head, rs);
            }
        }
    }
}
