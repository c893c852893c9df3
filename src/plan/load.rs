//! Reading `continuity.yaml`: our YAML tree, through serde, into raw types with spans (the
//! same types give the JSON Schema), then validation into [`Plan`].

use super::de::Spanned;
use super::duration::{parse_duration, parse_throughput};
use super::hours::Hours;
use super::model::*;
use crate::readers::Span;
use crate::readers::yaml::Node;
use schemars::JsonSchema;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// A plan error at a place in the plan file.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct PlanError {
    /// The plan's path.
    pub path: String,
    /// The plan's text (for rendering).
    pub text: Arc<str>,
    /// What is wrong.
    pub message: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// Byte range.
    pub span: Span,
}

/// A scalar read as text whatever its YAML type (`rto: 0`, `last_tested: 2026-09-14`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a scalar")
            }
            fn visit_str<E>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

type S<T> = Spanned<T>;

/// Per-tier (and per-service) targets.
#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RawTargets {
    /// Recovery time objective (`30m`, `4h`).
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub rto: Option<S<Text>>,
    /// Recovery point objective (`5m`, `0` for no data loss).
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub rpo: Option<S<Text>>,
    /// Fewest replicas of each workload (default 2; 1 for backup-restore).
    #[schemars(with = "Option<u32>")]
    #[serde(default)]
    pub min_replicas: Option<S<u32>>,
    /// Databases and groups must span availability zones.
    #[schemars(with = "Option<bool>")]
    #[serde(default)]
    pub multi_az: Option<S<bool>>,
    /// How often the recovery plan must be tested (`180d`).
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub test_every: Option<S<Text>>,
}

/// A dependency: a service name, or `{ service, soft }`.
#[derive(JsonSchema)]
#[serde(untagged)]
pub enum RawDependency {
    /// A hard dependency by name.
    Name(String),
    /// With options.
    Full {
        /// The service.
        service: String,
        /// Soft: the service degrades without it but keeps running.
        #[serde(default)]
        soft: bool,
    },
}

/// The long form of a dependency.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDependencyFull {
    service: String,
    #[serde(default)]
    soft: bool,
}

impl<'de> Deserialize<'de> for RawDependency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = RawDependency;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a service name, or `{ service: NAME, soft: true }`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawDependency, E> {
                Ok(RawDependency::Name(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<RawDependency, A::Error> {
                let full = RawDependencyFull::deserialize(
                    serde::de::value::MapAccessDeserializer::new(map),
                )?;
                Ok(RawDependency::Full {
                    service: full.service,
                    soft: full.soft,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// Kubernetes selector.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawKubernetes {
    /// Namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Labels that must all match.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// One `match` entry; each key present is a selector of its own.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMatch {
    /// Path globs (`deploy/payments/**`).
    #[serde(default)]
    pub paths: Option<Vec<String>>,
    /// Kubernetes namespace and labels.
    #[serde(default)]
    pub kubernetes: Option<RawKubernetes>,
    /// Terraform addresses (globs: `module.payments.*`).
    #[serde(default)]
    pub terraform: Option<Vec<String>>,
    /// A Backstage entity ref (`component:payments`).
    #[serde(default)]
    pub catalog: Option<String>,
    /// Resource address globs, any reader (`compose/vote/*`,
    /// `deploy/overlays/prod:Deployment/shop/*`, `stack/deploy/docker-stack/*`).
    #[serde(default)]
    pub resources: Option<Vec<String>>,
}

/// A service entry.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    /// What the service does.
    #[serde(default)]
    pub description: Option<String>,
    /// Its tier.
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub tier: Option<S<String>>,
    // The tier fields are repeated here rather than `#[serde(flatten)]`ed
    // from `RawTargets`: flatten buffers the values and loses their spans.
    /// Recovery time objective, overriding the tier's.
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub rto: Option<S<Text>>,
    /// Recovery point objective, overriding the tier's.
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub rpo: Option<S<Text>>,
    /// Fewest replicas of each workload, overriding the tier's.
    #[schemars(with = "Option<u32>")]
    #[serde(default)]
    pub min_replicas: Option<S<u32>>,
    /// Databases and groups must span zones, overriding the tier's.
    #[schemars(with = "Option<bool>")]
    #[serde(default)]
    pub multi_az: Option<S<bool>>,
    /// How often the recovery plan must be tested, overriding the tier's.
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub test_every: Option<S<Text>>,
    /// Hours of operation: `24x7`, `Mon-Fri 09:00-16:00`, optionally with a zone.
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub hours: Option<S<String>>,
    /// backup-restore, pilot-light, warm-standby or active-active.
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub strategy: Option<S<String>>,
    /// Services it needs.
    #[schemars(with = "Option<Vec<RawDependency>>")]
    #[serde(default)]
    pub depends_on: Option<Vec<S<RawDependency>>>,
    /// Path of the recovery plan document.
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub recovery_plan: Option<S<String>>,
    /// Date of the last recovery test (YYYY-MM-DD).
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub last_tested: Option<S<Text>>,
    /// Owners (`@org/team`).
    #[serde(default)]
    pub owners: Vec<String>,
    /// What belongs to the service.
    #[serde(default, rename = "match")]
    #[schemars(with = "Vec<RawMatch>")]
    pub matches: Vec<S<RawMatch>>,
}

/// Assumptions for estimates.
#[derive(Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RawAssumptions {
    /// Restore throughput (`200MiB/s`).
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub restore_throughput: Option<S<String>>,
    /// Added to every restore estimate (default `15m`).
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub provisioning: Option<S<Text>>,
}

/// A change freeze.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFreeze {
    /// Name.
    pub name: String,
    /// First day (YYYY-MM-DD).
    #[schemars(with = "String")]
    pub from: S<Text>,
    /// Last day, inclusive.
    #[schemars(with = "String")]
    pub to: S<Text>,
}

/// One root the plan says is what runs (DESIGN §1a "Which roots run"):
/// `{ helm: PATH, namespace:, release:, values: [..] }`,
/// `{ kustomize: PATH }` or `{ terraform: PATH, var_files: [..] }`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawBuild {
    /// A Helm chart folder.
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub helm: Option<S<String>>,
    /// A kustomize root folder.
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub kustomize: Option<S<String>>,
    /// A Terraform root folder.
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub terraform: Option<S<String>>,
    /// Helm: the release's namespace (default `default`).
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub namespace: Option<S<String>>,
    /// Helm: the release name (default the chart's name).
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub release: Option<S<String>>,
    /// Helm: values files after the chart's `values.yaml` (from the chart folder, else the repository root).
    #[schemars(with = "Vec<String>")]
    #[serde(default)]
    pub values: Vec<S<String>>,
    /// Terraform: var files, from the root folder.
    #[schemars(with = "Vec<String>")]
    #[serde(default)]
    pub var_files: Vec<S<String>>,
}

/// A waiver.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawWaiver {
    /// Rule code.
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub rule: Option<S<String>>,
    /// Service.
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub service: Option<S<String>>,
    /// Resource address glob.
    #[serde(default)]
    pub resource: Option<String>,
    /// Why the risk is accepted (required).
    #[serde(default)]
    pub reason: Option<String>,
    /// Who approved it.
    #[serde(default)]
    pub approved_by: Option<String>,
    /// Last day it applies (required).
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub expires: Option<S<Text>>,
}

/// The continuity plan, `continuity.yaml`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawPlan {
    /// Always 1.
    #[schemars(with = "u32")]
    pub version: S<u32>,
    /// Default IANA zone for hours of operation.
    #[schemars(with = "Option<String>")]
    #[serde(default)]
    pub timezone: Option<S<String>>,
    /// Named policies.
    #[schemars(with = "BTreeMap<String, RawTargets>")]
    #[serde(default)]
    pub tiers: BTreeMap<String, S<RawTargets>>,
    /// Assumptions for estimates.
    #[serde(default)]
    pub assumptions: RawAssumptions,
    /// The services.
    #[schemars(with = "BTreeMap<String, RawService>")]
    #[serde(default)]
    pub services: BTreeMap<String, S<Box<RawService>>>,
    /// Which roots are what runs (Helm charts, kustomize roots, Terraform roots).
    #[schemars(with = "Vec<RawBuild>")]
    #[serde(default)]
    pub builds: Vec<S<RawBuild>>,
    /// Change freezes.
    #[schemars(with = "Vec<RawFreeze>")]
    #[serde(default)]
    pub freezes: Vec<S<RawFreeze>>,
    /// Path globs never checked.
    #[schemars(with = "Vec<String>")]
    #[serde(default)]
    pub ignore: Vec<S<String>>,
    /// Severity overrides: error, warning, note or off.
    #[schemars(with = "BTreeMap<String, String>")]
    #[serde(default)]
    pub rules: BTreeMap<String, S<String>>,
    /// Accepted risks.
    #[schemars(with = "Vec<RawWaiver>")]
    #[serde(default)]
    pub waivers: Vec<S<RawWaiver>>,
}

/// The JSON Schema of the plan.
pub fn schema() -> String {
    let schema = schemars::schema_for!(RawPlan);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}

struct Ctx<'a> {
    path: &'a str,
    text: &'a Arc<str>,
}

impl Ctx<'_> {
    fn err(&self, span: Span, message: impl Into<String>) -> PlanError {
        let (line, column) = crate::readers::yaml::line_col(self.text, span.start);
        PlanError {
            path: self.path.to_string(),
            text: self.text.clone(),
            message: message.into(),
            line,
            column,
            span,
        }
    }

    /// A deserialisation error, at its node (or the top of the plan).
    fn de_err(&self, e: super::de::Error) -> PlanError {
        // serde names our raw types (`expected struct RawService`): say what they are.
        let message = match e.message.find("expected struct Raw") {
            Some(at) => format!("{}expected a mapping", &e.message[..at]),
            None => e.message.replace("expected a map", "expected a mapping"),
        };
        self.err(e.span.unwrap_or_default(), message)
    }

    fn at<T>(&self, s: &Spanned<T>, message: impl Into<String>) -> PlanError {
        self.err(s.span, message)
    }

    fn duration(&self, s: &Spanned<Text>, what: &str) -> Result<Sp<i64>, PlanError> {
        parse_duration(&s.value.0)
            .map(|value| Sp {
                value,
                span: s.span,
            })
            .map_err(|e| self.at(s, format!("{what}: {e}")))
    }

    fn date(&self, s: &Spanned<Text>, what: &str) -> Result<Sp<jiff::civil::Date>, PlanError> {
        s.value
            .0
            .trim()
            .parse::<jiff::civil::Date>()
            .map(|value| Sp {
                value,
                span: s.span,
            })
            .map_err(|_| {
                self.at(
                    s,
                    format!("{what}: `{}` is not a date; write YYYY-MM-DD", s.value.0),
                )
            })
    }
}

/// Reads and validates a plan.
pub fn load(path: &str, text: &str) -> Result<Plan, PlanError> {
    let text: Arc<str> = Arc::from(text.strip_prefix('\u{feff}').unwrap_or(text));
    let ctx = Ctx { path, text: &text };
    let parts = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if let Some(plan) = load_in_pieces(&ctx, parts, PIECES_FROM) {
        return Ok(plan);
    }
    // One piece, or an error: the whole text, so errors are found in order.
    let root = yaml_root(&ctx, &text)?;
    let raw: RawPlan = super::de::from_node(&root).map_err(|e| ctx.de_err(e))?;
    validate(&ctx, raw)
}

/// The one YAML document of a plan text (an empty text is an empty mapping).
fn yaml_root(ctx: &Ctx, text: &str) -> Result<Node, PlanError> {
    let mut docs =
        crate::readers::yaml::parse_stream(text, crate::readers::yaml::Budget::default())
            .map_err(|e| ctx.err(e.span, e.message))?;
    if docs.len() > 1 {
        return Err(ctx.err(
            docs[1].span,
            format!(
                "the plan has {} YAML documents; write one (drop the `---` separators)",
                docs.len()
            ),
        ));
    }
    match docs.pop() {
        Some(d) if d.root.value != crate::readers::yaml::Value::Null => Ok(d.root),
        _ => Err(ctx.err(
            Span::default(),
            "the plan is empty; it starts with `version: 1` and lists `services:` (`continuity-guard init` writes a draft)",
        )),
    }
}

/// Plans with fewer services are read in one piece.
const PIECES_FROM: usize = 200;

/// Reads a large plan's services in pieces on `parts` threads (DESIGN §1,
/// "Cost": a 2,000-service plan is read on every check). `None` when the
/// plan is not cut (see [`super::split`]) or has an error: the caller reads
/// the whole text then, so an error's message and order are the same.
fn load_in_pieces(ctx: &Ctx, parts: usize, min_entries: usize) -> Option<Plan> {
    let split = super::split::split(ctx.text, parts, min_entries)?;
    let rest_root = yaml_root(ctx, &split.rest).ok()?;
    let rest: RawPlan = super::de::from_node(&rest_root).ok()?;
    let mut errors = Vec::new();
    let (timezone, tiers) = header(ctx, &rest, &mut errors);
    if !errors.is_empty() {
        return None;
    }
    let read = |piece: &String| -> Option<Vec<(String, Service)>> {
        let root = yaml_root(ctx, piece).ok()?;
        let raw: BTreeMap<String, S<Box<RawService>>> = super::de::from_node(&root).ok()?;
        raw.iter()
            .map(|(name, s)| {
                let svc = service(ctx, name, s, &tiers, &timezone).ok()?;
                Some((name.clone(), svc))
            })
            .collect()
    };
    let results: Vec<Option<Vec<(String, Service)>>> = std::thread::scope(|scope| {
        let (first, others) = split.pieces.split_first()?;
        let handles: Vec<_> = others.iter().map(|p| scope.spawn(|| read(p))).collect();
        let mut results = vec![read(first)];
        for h in handles {
            results.push(h.join().unwrap_or(None));
        }
        Some(results)
    })?;
    let mut services = BTreeMap::new();
    for piece in results {
        for (name, svc) in piece? {
            // The same name in two pieces: a duplicate key, reported on the whole text.
            if services.insert(name, svc).is_some() {
                return None;
            }
        }
    }
    let names: Vec<String> = services.keys().cloned().collect();
    let defined: BTreeSet<&str> = names.iter().map(String::as_str).collect();
    let plan = finish(ctx, &rest, timezone, &defined, services, &mut errors);
    errors.is_empty().then_some(plan)
}

fn validate(ctx: &Ctx, raw: RawPlan) -> Result<Plan, PlanError> {
    validate_all(ctx, raw).map_err(|mut errors| errors.swap_remove(0))
}

/// Validates the whole plan, collecting every error (one per tier, service,
/// freeze, rule or waiver entry) in file order: `plan validate` reports
/// them all in one run (DESIGN §4).
fn validate_all(ctx: &Ctx, raw: RawPlan) -> Result<Plan, Vec<PlanError>> {
    let mut errors = Vec::new();
    let (timezone, tiers) = header(ctx, &raw, &mut errors);
    let mut services = BTreeMap::new();
    for (name, s) in &raw.services {
        match service(ctx, name, s, &tiers, &timezone) {
            Ok(svc) => {
                services.insert(name.clone(), svc);
            }
            // A tier that is itself wrong has its own error.
            Err(_)
                if s.value.tier.as_ref().is_some_and(|t| {
                    raw.tiers.contains_key(&t.value) && !tiers.contains_key(&t.value)
                }) => {}
            Err(e) => errors.push(e),
        }
    }
    let defined: BTreeSet<&str> = raw.services.keys().map(String::as_str).collect();
    let plan = finish(ctx, &raw, timezone, &defined, services, &mut errors);
    if errors.is_empty() {
        return Ok(plan);
    }
    errors.sort_by_key(|e| (e.span.start, e.span.end));
    errors.dedup_by(|a, b| a.span == b.span && a.message == b.message);
    Err(errors)
}

/// Every error of a plan text, in file order; a text that is not a plan
/// (YAML or shape errors) has its first one only.
pub fn load_all(path: &str, text: &str) -> Result<Plan, Vec<PlanError>> {
    let text: Arc<str> = Arc::from(text.strip_prefix('\u{feff}').unwrap_or(text));
    let ctx = Ctx { path, text: &text };
    let root = yaml_root(&ctx, &text).map_err(|e| vec![e])?;
    let raw: RawPlan = super::de::from_node(&root).map_err(|e| vec![ctx.de_err(e)])?;
    validate_all(&ctx, raw)
}

/// The plan's version, zone and tiers; a wrong zone reads as UTC and a
/// wrong tier is left out, their errors in `errors`.
fn header(
    ctx: &Ctx,
    raw: &RawPlan,
    errors: &mut Vec<PlanError>,
) -> (String, BTreeMap<String, Targets>) {
    if raw.version.value != 1 {
        errors.push(ctx.at(
            &raw.version,
            "unsupported plan version; this tool reads version 1",
        ));
    }
    let timezone = match &raw.timezone {
        Some(tz) if crate::tzdb::zone(&tz.value).is_none() => {
            errors.push(ctx.at(tz, format!("unknown time zone `{}`", tz.value)));
            "UTC".to_string()
        }
        Some(tz) => tz.value.clone(),
        None => "UTC".to_string(),
    };
    let mut tiers: BTreeMap<String, Targets> = BTreeMap::new();
    for (name, t) in &raw.tiers {
        match targets(ctx, &t.value, None, &timezone) {
            Ok(targets) => {
                tiers.insert(name.clone(), targets);
            }
            Err(e) => errors.push(e),
        }
    }
    (timezone, tiers)
}

/// One service entry, validated.
fn service(
    ctx: &Ctx,
    name: &str,
    s: &Spanned<Box<RawService>>,
    tiers: &BTreeMap<String, Targets>,
    timezone: &str,
) -> Result<Service, PlanError> {
    {
        let svc = &s.value;
        let tier_targets = match &svc.tier {
            Some(tier) => Some(tiers.get(&tier.value).ok_or_else(|| {
                let known: Vec<&str> = tiers.keys().map(String::as_str).collect();
                ctx.at(
                    tier,
                    format!(
                        "unknown tier `{}`; the plan defines: {}",
                        tier.value,
                        if known.is_empty() {
                            "none".to_string()
                        } else {
                            known.join(", ")
                        }
                    ),
                )
            })?),
            None => None,
        };
        let overrides = RawTargets {
            rto: svc.rto.clone(),
            rpo: svc.rpo.clone(),
            min_replicas: svc.min_replicas.clone(),
            multi_az: svc.multi_az.clone(),
            test_every: svc.test_every.clone(),
        };
        let mut t = targets(ctx, &overrides, tier_targets, timezone)?;
        if let Some(h) = &svc.hours {
            let parsed = Hours::parse(&h.value, timezone).map_err(|e| {
                let base = h.span;
                let quoted = ctx
                    .text
                    .get(base.start..)
                    .is_some_and(|r| r.starts_with(['"', '\'']));
                let start = base.start + usize::from(quoted) + e.offset;
                ctx.err(
                    Span::new(start, start + e.len.max(1)),
                    format!("bad hours: {}", e.message),
                )
            })?;
            t.hours = Some(Sp {
                value: parsed,
                span: h.span,
            });
        }
        if let Some(st) = &svc.strategy {
            let value = Strategy::parse(&st.value).ok_or_else(|| {
                ctx.at(
                    st,
                    format!(
                        "unknown strategy `{}`; use backup-restore, pilot-light, warm-standby or active-active",
                        st.value
                    ),
                )
            })?;
            t.strategy = Some(Sp {
                value,
                span: st.span,
            });
        }
        let mut depends_on = Vec::new();
        for d in svc.depends_on.iter().flatten() {
            let (service, soft) = match &d.value {
                RawDependency::Name(n) => (n.clone(), false),
                RawDependency::Full { service, soft } => (service.clone(), *soft),
            };
            depends_on.push(Dependency {
                service: Sp {
                    value: service,
                    span: d.span,
                },
                soft,
            });
        }
        let mut matchers = Vec::new();
        for m in &svc.matches {
            matchers.extend(matchers_of(ctx, m)?);
        }
        let last_tested = match &svc.last_tested {
            Some(d) => Some(ctx.date(d, "last_tested")?),
            None => None,
        };
        Ok(Service {
            name: name.to_string(),
            description: svc.description.clone(),
            tier: svc.tier.as_ref().map(|t| Sp {
                value: t.value.clone(),
                span: t.span,
            }),
            targets: t,
            depends_on,
            recovery_plan: svc.recovery_plan.as_ref().map(|r| Sp {
                value: r.value.clone(),
                span: r.span,
            }),
            last_tested,
            owners: svc.owners.clone(),
            matchers,
            span: name_key_span(ctx.text, name, s.span),
        })
    }
}

/// What needs every service: dependencies, then the rest of the plan.
/// `defined` names every service of the plan, valid or not; an entry that
/// is wrong is left out, its error in `errors`.
fn finish(
    ctx: &Ctx,
    raw: &RawPlan,
    timezone: String,
    defined: &BTreeSet<&str>,
    services: BTreeMap<String, Service>,
    errors: &mut Vec<PlanError>,
) -> Plan {
    // Dependencies must exist and must not form a cycle.
    for s in services.values() {
        for d in &s.depends_on {
            if !defined.contains(d.service.value.as_str()) {
                errors.push(ctx.err(
                    d.service.span,
                    format!(
                        "service `{}` depends on `{}`, which the plan does not define",
                        s.name, d.service.value
                    ),
                ));
            }
        }
    }
    if let Some((cycle, span)) = find_cycle(&services) {
        errors.push(ctx.err(span, format!("dependency cycle: {}", cycle.join(" → "))));
    }
    let restore_throughput = raw.assumptions.restore_throughput.as_ref().and_then(|t| {
        match parse_throughput(&t.value) {
            Ok(value) => Some(Sp {
                value,
                span: t.span,
            }),
            Err(e) => {
                errors.push(ctx.at(t, format!("restore_throughput: {e}")));
                None
            }
        }
    });
    let default_provisioning = Sp {
        value: 900,
        span: Span::default(),
    };
    let provisioning = match &raw.assumptions.provisioning {
        Some(p) => ctx.duration(p, "provisioning").unwrap_or_else(|e| {
            errors.push(e);
            default_provisioning
        }),
        None => default_provisioning,
    };
    let freezes = raw
        .freezes
        .iter()
        .filter_map(|f| freeze(ctx, f).map_err(|e| errors.push(e)).ok())
        .collect();
    let ignore_set = globs(ctx, &raw.ignore).unwrap_or_else(|e| {
        errors.push(e);
        globset::GlobSet::empty()
    });
    let builds = builds(ctx, &raw.builds).unwrap_or_else(|e| {
        errors.push(e);
        crate::readers::Builds::default()
    });
    let mut rules = BTreeMap::new();
    for (code, sev) in &raw.rules {
        match rule_severity(ctx, code, sev) {
            Ok(value) => {
                rules.insert(
                    code.clone(),
                    Sp {
                        value,
                        span: sev.span,
                    },
                );
            }
            Err(e) => errors.push(e),
        }
    }
    let waivers = raw
        .waivers
        .iter()
        .filter_map(|w| waiver(ctx, w, defined).map_err(|e| errors.push(e)).ok())
        .collect();
    Plan {
        path: Arc::from(ctx.path),
        text: ctx.text.clone(),
        timezone,
        services,
        restore_throughput,
        provisioning,
        freezes,
        builds,
        ignore: raw.ignore.iter().map(|g| g.value.clone()).collect(),
        ignore_set,
        rules,
        waivers,
    }
}

/// One change freeze.
fn freeze(ctx: &Ctx, f: &Spanned<RawFreeze>) -> Result<Freeze, PlanError> {
    let from = ctx.date(&f.value.from, "freeze `from`")?;
    let to = ctx.date(&f.value.to, "freeze `to`")?;
    if to.value < from.value {
        return Err(ctx.at(&f.value.to, "freeze ends before it starts"));
    }
    Ok(Freeze {
        name: f.value.name.clone(),
        from: from.value,
        to: to.value,
        span: f.span,
    })
}

/// A `rules:` entry's severity (`None`: off).
fn rule_severity(ctx: &Ctx, code: &str, sev: &S<String>) -> Result<Option<Severity>, PlanError> {
    if !crate::rules::is_known(code) {
        return Err(ctx.at(
            sev,
            format!("unknown rule `{code}`; `continuity-guard rules` lists them"),
        ));
    }
    match sev.value.as_str() {
        "error" => Ok(Some(Severity::Error)),
        "warning" => Ok(Some(Severity::Warning)),
        "note" => Ok(Some(Severity::Note)),
        "off" => Ok(None),
        other => Err(ctx.at(
            sev,
            format!("unknown severity `{other}`; use error, warning, note or off"),
        )),
    }
}

/// A folder or file path of a `builds` entry: relative, inside the repository.
fn build_path(ctx: &Ctx, p: &S<String>, what: &str) -> Result<String, PlanError> {
    let v = p.value.trim_end_matches('/');
    let v = v.strip_prefix("./").unwrap_or(v);
    if v == "." {
        return Ok(String::new());
    }
    if v.is_empty() || v.starts_with('/') || v.split('/').any(|part| part == "..") {
        return Err(ctx.at(
            p,
            format!(
                "{what} `{}` must be a path inside the repository, relative to its root",
                p.value
            ),
        ));
    }
    Ok(v.to_string())
}

/// The plan's `builds` list, validated: one kind per entry, its own keys only.
fn builds(ctx: &Ctx, raw: &[S<RawBuild>]) -> Result<crate::readers::Builds, PlanError> {
    let mut out = crate::readers::Builds::default();
    let mut seen: BTreeMap<(String, String, String), Span> = BTreeMap::new();
    for entry in raw {
        let b = &entry.value;
        let kinds: Vec<(&str, &S<String>)> = [
            ("helm", &b.helm),
            ("kustomize", &b.kustomize),
            ("terraform", &b.terraform),
        ]
        .into_iter()
        .filter_map(|(k, p)| p.as_ref().map(|p| (k, p)))
        .collect();
        let [(kind, path)] = kinds[..] else {
            return Err(ctx.at(
                entry,
                "a `builds` entry names exactly one of `helm`, `kustomize` or `terraform`",
            ));
        };
        let helm_only = [
            ("namespace", b.namespace.as_ref().map(|s| s.span)),
            ("release", b.release.as_ref().map(|s| s.span)),
            ("values", b.values.first().map(|s| s.span)),
        ];
        for (key, span) in helm_only {
            if let Some(span) = span.filter(|_| kind != "helm") {
                return Err(ctx.err(
                    span,
                    format!("`{key}` applies to a `helm` entry, not to `{kind}`"),
                ));
            }
        }
        if let Some(v) = b.var_files.first().filter(|_| kind != "terraform") {
            return Err(ctx.at(
                v,
                format!("`var_files` applies to a `terraform` entry, not to `{kind}`"),
            ));
        }
        let folder = build_path(ctx, path, kind)?;
        let release = b
            .release
            .as_ref()
            .map(|r| r.value.clone())
            .unwrap_or_default();
        let key = (kind.to_string(), folder.clone(), release);
        if let Some(first) = seen.insert(key, path.span) {
            let (line, _) = crate::readers::yaml::line_col(ctx.text, first.start);
            return Err(ctx.at(path, format!("`{kind}: {folder}` is listed twice (first on line {line}); give each release its own `release` name")));
        }
        match kind {
            "helm" => {
                let values = b
                    .values
                    .iter()
                    .map(|v| build_path(ctx, v, "values file"))
                    .collect::<Result<Vec<_>, _>>()?;
                let release = crate::readers::helm::Release {
                    name: b.release.as_ref().map(|r| r.value.clone()),
                    namespace: b.namespace.as_ref().map(|n| n.value.clone()),
                    values,
                };
                out.helm
                    .get_or_insert_with(Vec::new)
                    .push((folder, release));
            }
            "kustomize" => out.kustomize.get_or_insert_with(Vec::new).push(folder),
            _ => {
                let var_files = b
                    .var_files
                    .iter()
                    .map(|v| build_path(ctx, v, "var file"))
                    .collect::<Result<Vec<_>, _>>()?;
                out.terraform
                    .get_or_insert_with(Vec::new)
                    .push((folder, var_files));
            }
        }
    }
    Ok(out)
}

fn waiver(
    ctx: &Ctx,
    w: &Spanned<RawWaiver>,
    defined: &BTreeSet<&str>,
) -> Result<Waiver, PlanError> {
    let v = &w.value;
    let rule = v
        .rule
        .as_ref()
        .ok_or_else(|| ctx.at(w, "waiver without `rule`"))?;
    if !crate::rules::is_known(&rule.value) {
        return Err(ctx.at(rule, format!("unknown rule `{}`", rule.value)));
    }
    let service = v
        .service
        .as_ref()
        .ok_or_else(|| ctx.at(w, "waiver without `service`"))?;
    if !defined.contains(service.value.as_str()) {
        return Err(ctx.at(
            service,
            format!(
                "waiver names service `{}`, which the plan does not define",
                service.value
            ),
        ));
    }
    let reason = v
        .reason
        .clone()
        .filter(|r| !r.trim().is_empty())
        .ok_or_else(|| ctx.at(w, "waiver without `reason`: say why the risk is accepted"))?;
    let expires = v.expires.as_ref().ok_or_else(|| {
        ctx.at(
            w,
            "waiver without `expires`: every accepted risk needs an end date",
        )
    })?;
    if let Some(r) = &v.resource {
        checked_glob(r, false)
            .map_err(|e| ctx.at(w, format!("waiver resource `{}`: {e}", shown(r))))?;
    }
    Ok(Waiver {
        rule: rule.value.clone(),
        service: service.value.clone(),
        resource: v.resource.clone(),
        reason,
        approved_by: v.approved_by.clone(),
        expires: ctx.date(expires, "waiver `expires`")?,
        span: w.span,
    })
}

fn targets(
    ctx: &Ctx,
    raw: &RawTargets,
    tier: Option<&Targets>,
    _timezone: &str,
) -> Result<Targets, PlanError> {
    let mut t = tier.cloned().unwrap_or_default();
    if let Some(r) = &raw.rto {
        t.rto = Some(ctx.duration(r, "rto")?);
    }
    if let Some(r) = &raw.rpo {
        t.rpo = Some(ctx.duration(r, "rpo")?);
    }
    if let Some(r) = &raw.test_every {
        t.test_every = Some(ctx.duration(r, "test_every")?);
    }
    if let Some(m) = &raw.min_replicas {
        t.min_replicas = Some(Sp {
            value: m.value,
            span: m.span,
        });
    }
    if let Some(m) = &raw.multi_az {
        t.multi_az = Some(Sp {
            value: m.value,
            span: m.span,
        });
    }
    Ok(t)
}

fn globs(ctx: &Ctx, patterns: &[S<String>]) -> Result<globset::GlobSet, PlanError> {
    let mut b = globset::GlobSetBuilder::new();
    for p in patterns {
        b.add(
            checked_glob(&p.value, true)
                .map_err(|e| ctx.at(p, format!("ignore: bad glob `{}`: {e}", shown(&p.value))))?,
        );
    }
    b.build()
        .map_err(|e| ctx.err(Span::default(), format!("ignore: {}", e.kind())))
}

/// A glob for a message: at most 60 characters of it.
fn shown(pattern: &str) -> String {
    match pattern.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &pattern[..at]),
        None => pattern.to_string(),
    }
}

/// The folder a glob's files can only be under (`deploy/payments/` of `deploy/payments/**`).
pub fn literal_prefix(pattern: &str) -> String {
    let cut = pattern.find(['*', '?', '[', '{']).unwrap_or(pattern.len());
    let lit = &pattern[..cut];
    if cut == pattern.len() {
        return lit.to_string();
    }
    match lit.rfind('/') {
        Some(i) => lit[..=i].to_string(),
        None => String::new(),
    }
}

fn matchers_of(ctx: &Ctx, m: &Spanned<RawMatch>) -> Result<Vec<Matcher>, PlanError> {
    let v = &m.value;
    let mut out = Vec::new();
    if let Some(paths) = &v.paths {
        let set = LazyGlobSet::new(paths, true)
            .map_err(|(p, e)| ctx.at(m, format!("bad glob `{}`: {e}", shown(&p))))?;
        out.push(Matcher::Paths {
            patterns: paths.clone(),
            set,
            prefixes: paths.iter().map(|p| literal_prefix(p)).collect(),
        });
    }
    if let Some(k) = &v.kubernetes {
        if k.namespace.is_none() && k.labels.is_empty() {
            return Err(ctx.at(m, "kubernetes selector needs `namespace` or `labels`"));
        }
        out.push(Matcher::Kubernetes {
            namespace: k.namespace.clone(),
            labels: k.labels.clone(),
        });
    }
    if let Some(t) = &v.terraform {
        let set = LazyGlobSet::new(t, false)
            .map_err(|(p, e)| ctx.at(m, format!("bad address glob `{}`: {e}", shown(&p))))?;
        out.push(Matcher::Terraform {
            patterns: t.clone(),
            set,
        });
    }
    if let Some(c) = &v.catalog {
        out.push(Matcher::Catalog(normalise_entity_ref(c, "component")));
    }
    if let Some(r) = &v.resources {
        let set = LazyGlobSet::new(r, false)
            .map_err(|(p, e)| ctx.at(m, format!("bad address glob `{p}`: {e}")))?;
        out.push(Matcher::Resources {
            patterns: r.clone(),
            set,
        });
    }
    if out.is_empty() {
        return Err(ctx.at(
            m,
            "empty match entry; use paths, kubernetes, terraform, catalog or resources",
        ));
    }
    Ok(out)
}

/// Normalises a Backstage ref to `kind:namespace/name`, lowercase.
pub fn normalise_entity_ref(r: &str, default_kind: &str) -> String {
    let r = r.trim().to_ascii_lowercase();
    let (kind, rest) = match r.split_once(':') {
        Some((k, rest)) => (k.to_string(), rest.to_string()),
        None => (default_kind.to_string(), r.clone()),
    };
    let (ns, name) = match rest.split_once('/') {
        Some((ns, name)) => (ns.to_string(), name.to_string()),
        None => ("default".to_string(), rest),
    };
    format!("{kind}:{ns}/{name}")
}

fn find_cycle(services: &BTreeMap<String, Service>) -> Option<(Vec<String>, Span)> {
    // Iterative DFS with colours; reports the first cycle found in name order.
    #[derive(Clone, Copy, PartialEq)]
    enum C {
        White,
        Grey,
        Black,
    }
    let mut colour: BTreeMap<&str, C> = services.keys().map(|k| (k.as_str(), C::White)).collect();
    for start in services.keys() {
        if colour.get(start.as_str()) != Some(&C::White) {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(start.as_str(), 0)];
        colour.insert(start.as_str(), C::Grey);
        while let Some(&mut (node, ref mut i)) = stack.last_mut() {
            let deps = &services[node].depends_on;
            if *i < deps.len() {
                let dep = &deps[*i];
                *i += 1;
                let next = dep.service.value.as_str();
                match colour.get(next) {
                    Some(C::Grey) => {
                        let pos = stack.iter().position(|(n, _)| *n == next).unwrap_or(0);
                        let mut cycle: Vec<String> =
                            stack[pos..].iter().map(|(n, _)| n.to_string()).collect();
                        cycle.push(next.to_string());
                        return Some((cycle, dep.service.span));
                    }
                    Some(C::White) => {
                        colour.insert(next, C::Grey);
                        stack.push((next, 0));
                    }
                    _ => {}
                }
            } else {
                colour.insert(node, C::Black);
                stack.pop();
            }
        }
    }
    None
}

/// The span of a service's name where it is the key of its entry (the value
/// starts after it), so findings about the service point at its name.
fn name_key_span(text: &str, name: &str, value: Span) -> Span {
    let before = text.get(..value.start).unwrap_or("");
    for key in [
        format!("{name}:"),
        format!("\"{name}\":"),
        format!("'{name}':"),
    ] {
        if let Some(at) = before.rfind(&key) {
            let quoted = usize::from(!key.starts_with(name));
            return Span::new(at + quoted, at + quoted + name.len());
        }
    }
    value
}

/// For tests and fuzzing: reads `text` whole and, when it can be cut, in
/// `parts` pieces (from two entries on), and panics unless both give the
/// same plan or both an error. Whether it was cut.
#[doc(hidden)]
pub fn same_whole_and_in_pieces(text: &str, parts: usize) -> bool {
    let text: Arc<str> = Arc::from(text);
    let ctx = Ctx {
        path: "continuity.yaml",
        text: &text,
    };
    let whole = yaml_root(&ctx, &text)
        .ok()
        .and_then(|root| super::de::from_node::<RawPlan>(&root).ok())
        .and_then(|raw| validate(&ctx, raw).ok());
    if super::split::split(&text, parts, 2).is_none() {
        return false;
    }
    match (whole, load_in_pieces(&ctx, parts, 2)) {
        (Some(w), Some(p)) => {
            assert_eq!(w.services, p.services);
            assert_eq!(w.timezone, p.timezone);
            assert_eq!(w.freezes, p.freezes);
            assert_eq!(w.builds, p.builds);
            assert_eq!(w.rules, p.rules);
            assert_eq!(w.waivers, p.waivers);
            assert_eq!(w.ignore, p.ignore);
            assert_eq!(w.restore_throughput, p.restore_throughput);
            assert_eq!(w.provisioning, p.provisioning);
        }
        (None, None) => {}
        (w, p) => panic!("whole {:?} but pieces {:?}", w.is_some(), p.is_some()),
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAN: &str = "version: 1\ntimezone: Europe/London\ntiers:\n  gold: { rto: 1h, rpo: 5m, min_replicas: 3, multi_az: true, test_every: 180d }\nservices:\n  payments:\n    tier: gold\n    rto: 30m\n    hours: \"Mon-Fri 09:00-16:00\"\n    depends_on: [ledger, { service: fx, soft: true }]\n    match:\n      - paths: [\"deploy/payments/**\"]\n  ledger:\n    tier: gold\n    match: [{ paths: [\"terraform/ledger/**\"] }]\n  fx:\n    rpo: 0\n    match: [{ catalog: component:fx }]\n";

    #[test]
    fn loads_and_resolves_tiers() {
        let plan = load("continuity.yaml", PLAN).expect("valid");
        let p = &plan.services["payments"];
        assert_eq!(p.targets.rto.as_ref().map(|r| r.value), Some(1800));
        assert_eq!(p.targets.rpo.as_ref().map(|r| r.value), Some(300));
        assert_eq!(p.targets.min_replicas(), 3);
        assert_eq!(p.depends_on.len(), 2);
        assert!(p.depends_on[1].soft);
        assert_eq!(
            plan.services["fx"].targets.rpo.as_ref().map(|r| r.value),
            Some(0)
        );
        assert_eq!(plan.hard_dependents("ledger"), ["payments"]);
        let rto = p.targets.rto.as_ref().expect("rto");
        assert_eq!(&plan.text[rto.span.start..rto.span.end], "30m");
    }

    fn err(text: &str) -> PlanError {
        load("continuity.yaml", text).expect_err("invalid")
    }

    #[test]
    fn builds_name_roots_of_each_kind() {
        let text = format!(
            "{PLAN}builds:\n  - {{ helm: deploy/chart/, namespace: pay, release: web, values: [values-prod.yaml] }}\n  - {{ kustomize: ./deploy/overlays/prod }}\n  - {{ terraform: infra/prod, var_files: [prod.tfvars] }}\n"
        );
        let p = load("continuity.yaml", &text).expect("valid");
        let helm = p.builds.helm.expect("helm");
        assert_eq!(helm[0].0, "deploy/chart");
        assert_eq!(helm[0].1.namespace.as_deref(), Some("pay"));
        assert_eq!(helm[0].1.values, ["values-prod.yaml"]);
        assert_eq!(
            p.builds.kustomize,
            Some(vec!["deploy/overlays/prod".to_string()])
        );
        assert_eq!(
            p.builds.terraform,
            Some(vec![(
                "infra/prod".to_string(),
                vec!["prod.tfvars".to_string()]
            )])
        );
        assert_eq!(
            load("continuity.yaml", PLAN).expect("valid").builds,
            crate::readers::Builds::default()
        );
        for (entry, line, words) in [
            ("{ helm: a, kustomize: b }", 20, "exactly one"),
            (
                "{ kustomize: a, values: [x.yaml] }",
                20,
                "applies to a `helm` entry",
            ),
            (
                "{ helm: a, var_files: [x] }",
                20,
                "applies to a `terraform` entry",
            ),
            ("{ helm: ../a }", 20, "inside the repository"),
            ("{ helm: a, colour: red }", 20, "colour"),
        ] {
            let e = err(&format!("{PLAN}builds:\n  - {entry}\n"));
            assert_eq!(e.line, line, "{entry}: {e}");
            assert!(e.message.contains(words), "{entry}: {e}");
        }
        let e = err(&format!(
            "{PLAN}builds:\n  - {{ helm: a }}\n  - {{ helm: a/ }}\n"
        ));
        assert!(
            e.message.contains("twice (first on line 20)") && e.line == 21,
            "{e}"
        );
    }

    #[test]
    fn errors_point_at_lines() {
        let e = err(&PLAN.replace("rto: 30m", "rto: 30x"));
        assert_eq!((e.line, e.column), (8, 10), "{e}");
        assert!(e.message.contains("unknown unit"), "{e}");
        let e = err(&PLAN.replace("    rto: 30m", "    rto: 30m\n    colour: red"));
        assert_eq!(e.line, 9, "{e}");
        assert!(e.message.contains("colour"), "{e}");
        let e = err(&PLAN.replace("[ledger,", "[ledgr,"));
        assert_eq!(e.line, 10, "{e}");
        assert!(e.message.contains("ledgr"), "{e}");
        let e = err(&PLAN.replace(
            "    tier: gold\n    match: [{",
            "    tier: gold\n    depends_on: [payments]\n    match: [{",
        ));
        assert!(e.message.contains("cycle"), "{e}");
        let e = err(&PLAN.replace("  fx:\n", "  ledger:\n"));
        assert!(e.message.contains("duplicate"), "{e}");
    }

    #[test]
    fn pieces_read_like_the_whole() {
        let mut big = String::from(
            "version: 1\ntimezone: Europe/London\ntiers:\n  gold: { rto: 1h, rpo: 5m }\n# the services\nservices:\n",
        );
        for i in 0..40 {
            big.push_str(&format!(
                "  svc-{i:02}:   # entry {i}\n    tier: gold\n    description: |\n      Line one\n\n      line two\n    hours: \"Mon-Fri 09:00-{h}:00\"\n    depends_on: [{dep}]\n    match:\n      - paths: [\"deploy/svc-{i:02}/**\", 'src/*.tf']\n      - kubernetes: {{ namespace: ns-{i} }}\n\n",
                h = 10 + i % 8,
                dep = if i > 0 { format!("svc-{:02}", i - 1) } else { String::new() },
            ));
        }
        big.push_str("waivers:\n  - { rule: CG101, service: svc-03, reason: r, expires: 2030-01-01 }\nrules:\n  CG101: warning\n");
        for parts in [2, 3, 4, 7] {
            assert!(same_whole_and_in_pieces(&big, parts), "cut in {parts}");
            let crlf = big.replace('\n', "\r\n");
            assert!(same_whole_and_in_pieces(&crlf, parts), "CRLF in {parts}");
        }
        // Errors in a piece, and names repeated across pieces, are errors whole.
        let bad = big.replace("Mon-Fri 09:00-13:00", "Mon-Fry 09:00-13:00");
        assert!(same_whole_and_in_pieces(&bad, 3));
        let dup = big.replace("svc-39:", "svc-01:");
        assert!(same_whole_and_in_pieces(&dup, 3));
        let e = load("continuity.yaml", &dup).expect_err("duplicate");
        assert!(e.message.contains("duplicate"), "{e}");
        let unknown = big.replace(
            "    tier: gold\n    description",
            "    tier: silver\n    description",
        );
        assert!(same_whole_and_in_pieces(&unknown, 2));
        // The spans of values in pieces point into the whole text.
        let plan = load("continuity.yaml", &big).expect("valid");
        let hours = plan.services["svc-33"]
            .targets
            .hours
            .as_ref()
            .expect("hours");
        assert_eq!(
            &plan.text[hours.span.start..hours.span.end],
            "\"Mon-Fri 09:00-11:00\""
        );
        assert_eq!(
            &plan.text[plan.services["svc-33"].span.start..plan.services["svc-33"].span.end],
            "svc-33"
        );
    }

    #[test]
    fn fixture_and_corpus_plans_read_like_the_whole() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = Vec::new();
        let mut todo = vec![root.join("fixtures")];
        while let Some(dir) = todo.pop() {
            for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    todo.push(path);
                } else if path.file_name().is_some_and(|n| n == "continuity.yaml") {
                    texts.extend(std::fs::read_to_string(&path));
                }
            }
        }
        for entry in std::fs::read_dir(root.join("fuzz/corpus/plan_load"))
            .into_iter()
            .flatten()
            .flatten()
        {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                texts.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
        assert!(texts.len() > 20, "found {} plans", texts.len());
        let cut = texts
            .iter()
            .filter(|t| same_whole_and_in_pieces(t, 2))
            .count();
        assert!(cut > 10, "only {cut} plans could be cut");
    }

    #[test]
    fn anchors_and_merge_keys_are_read() {
        let text = "version: 1\ntiers:\n  gold: &gold { rto: 1h, rpo: 5m }\nservices:\n  a:\n    <<: *gold\n    rto: 30m\n    match: [{ paths: [\"a/**\"] }]\n  b:\n    <<: *gold\n    match: [{ paths: [\"b/**\"] }]\n";
        let plan = load("continuity.yaml", text).expect("valid");
        let rto = |s: &str| plan.services[s].targets.rto.as_ref().map(|r| r.value);
        assert_eq!(rto("a"), Some(1800), "the explicit key wins");
        assert_eq!(rto("b"), Some(3600), "merged from the anchor");
        assert_eq!(
            plan.services["b"].targets.rpo.as_ref().map(|r| r.value),
            Some(300)
        );
    }

    #[test]
    fn schema_is_json() {
        let s = schema();
        assert!(s.contains("\"services\""));
    }

    #[test]
    fn prefixes() {
        assert_eq!(literal_prefix("deploy/payments/**"), "deploy/payments/");
        assert_eq!(literal_prefix("**/x.yaml"), "");
        assert_eq!(literal_prefix("a/b.yaml"), "a/b.yaml");
        assert_eq!(literal_prefix("a/b*.yaml"), "a/");
    }
}
