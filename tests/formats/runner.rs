//! A GitHub-hosted runner, as faithful as a test can be, for `action.yml`:
//! each `run:` step written to a file and run as the runner does (`bash
//! --noprofile --norc -e -o pipefail FILE`) with fresh `GITHUB_OUTPUT`,
//! `GITHUB_ENV` and `GITHUB_PATH` files per step and one job summary; `if:`
//! conditions and `${{ }}` expressions evaluated as GitHub evaluates them
//! (an `if:` without a status function means `success() && (…)`); the
//! workspace checked out as `actions/checkout` does for `pull_request`
//! (`refs/pull/N/merge`, depth 1); `uses:` steps simulated (a cache miss);
//! and stubs for `gh` and `cargo` on `PATH` that record their calls.

use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A value of GitHub's expression language.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// GitHub's coercion to a number, for comparing values of different types.
fn number(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Number(n) => n.as_f64().unwrap_or(f64::NAN),
        Value::String(s) if s.trim().is_empty() => 0.0,
        Value::String(s) => s.trim().parse().unwrap_or(f64::NAN),
        _ => f64::NAN,
    }
}

/// `==`: strings ignore case; values of different types compare as numbers.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.eq_ignore_ascii_case(y),
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Object(_) | Value::Array(_), _) | (_, Value::Object(_) | Value::Array(_)) => a == b,
        _ => number(a) == number(b),
    }
}

/// A value as a string, as `${{ }}` inserts it.
pub fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Ident(String),
    Str(String),
    Num(f64),
    Op(&'static str),
}

fn tokens(expr: &str) -> Vec<Token> {
    let chars: Vec<char> = expr.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut s = String::new();
            i += 1;
            loop {
                assert!(i < chars.len(), "unterminated string in `{expr}`");
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        s.push('\'');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                s.push(chars[i]);
                i += 1;
            }
            out.push(Token::Str(s));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            let n: String = chars[start..i].iter().collect();
            out.push(Token::Num(n.parse().expect("number")));
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || "_-".contains(chars[i])) {
                i += 1;
            }
            out.push(Token::Ident(chars[start..i].iter().collect()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let op = ["==", "!=", "&&", "||", "<=", ">="]
                .into_iter()
                .find(|o| *o == two);
            if let Some(op) = op {
                out.push(Token::Op(op));
                i += 2;
            } else {
                let op = ["!", "(", ")", ".", "<", ">", ","]
                    .into_iter()
                    .find(|o| o.starts_with(c))
                    .unwrap_or_else(|| panic!("unexpected `{c}` in `{expr}`"));
                out.push(Token::Op(op));
                i += 1;
            }
        }
    }
    out
}

/// The contexts an expression reads, and whether a step failed before.
pub struct Contexts {
    pub values: Value,
    pub failed: bool,
}

struct Parser<'a> {
    tokens: Vec<Token>,
    at: usize,
    ctx: &'a Contexts,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }
    fn eat(&mut self, op: &'static str) -> bool {
        let found = self.peek() == Some(&Token::Op(op));
        if found {
            self.at += 1;
        }
        found
    }
    fn or(&mut self) -> Value {
        let mut v = self.and();
        while self.eat("||") {
            let r = self.and();
            if !truthy(&v) {
                v = r;
            }
        }
        v
    }
    fn and(&mut self) -> Value {
        let mut v = self.cmp();
        while self.eat("&&") {
            let r = self.cmp();
            if truthy(&v) {
                v = r;
            }
        }
        v
    }
    fn cmp(&mut self) -> Value {
        let l = self.unary();
        if self.eat("==") {
            let r = self.unary();
            return Value::Bool(equal(&l, &r));
        }
        if self.eat("!=") {
            let r = self.unary();
            return Value::Bool(!equal(&l, &r));
        }
        l
    }
    fn unary(&mut self) -> Value {
        if self.eat("!") {
            return Value::Bool(!truthy(&self.unary()));
        }
        self.primary()
    }
    fn primary(&mut self) -> Value {
        if self.eat("(") {
            let v = self.or();
            assert!(self.eat(")"), "missing `)`");
            return v;
        }
        let token = self.peek().cloned().expect("an operand");
        self.at += 1;
        match token {
            Token::Str(s) => Value::String(s),
            Token::Num(n) => json!(n),
            Token::Ident(name) if self.eat("(") => {
                assert!(self.eat(")"), "status functions take no argument");
                match name.as_str() {
                    "always" => Value::Bool(true),
                    "success" => Value::Bool(!self.ctx.failed),
                    "failure" => Value::Bool(self.ctx.failed),
                    "cancelled" => Value::Bool(false),
                    other => panic!("function `{other}` is not simulated"),
                }
            }
            Token::Ident(name) if name == "true" || name == "false" => Value::Bool(name == "true"),
            Token::Ident(name) if name == "null" => Value::Null,
            Token::Ident(name) => {
                let mut v = self.ctx.values.get(&name).cloned().unwrap_or(Value::Null);
                while self.eat(".") {
                    let Some(Token::Ident(key)) = self.peek().cloned() else {
                        panic!("a property name after `.`");
                    };
                    self.at += 1;
                    v = v.get(&key).cloned().unwrap_or(Value::Null);
                }
                v
            }
            Token::Op(op) => panic!("unexpected `{op}`"),
        }
    }
}

/// Evaluates an expression (without `${{ }}`).
pub fn eval(expr: &str, ctx: &Contexts) -> Value {
    let mut p = Parser {
        tokens: tokens(expr),
        at: 0,
        ctx,
    };
    let v = p.or();
    assert!(p.at == p.tokens.len(), "trailing tokens in `{expr}`");
    v
}

/// A step's `if:`: without a status function it means `success() && (…)`.
pub fn condition(cond: Option<&str>, ctx: &Contexts) -> bool {
    let cond = cond.map_or("", |c| {
        c.trim()
            .trim_start_matches("${{")
            .trim_end_matches("}}")
            .trim()
    });
    if cond.is_empty() {
        return !ctx.failed;
    }
    let status = ["always()", "success()", "failure()", "cancelled()"]
        .iter()
        .any(|f| cond.contains(f));
    if status {
        truthy(&eval(cond, ctx))
    } else {
        !ctx.failed && truthy(&eval(cond, ctx))
    }
}

/// A string with each `${{ expr }}` replaced by its value.
pub fn substitute(s: &str, ctx: &Contexts) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("${{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed expression") + start;
        out.push_str(&text(&eval(&rest[start + 3..end], ctx)));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// `name=value` lines and `name<<DELIMITER` blocks, as in `GITHUB_OUTPUT`
/// and `GITHUB_ENV`.
pub fn key_values(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delimiter {
                    break;
                }
                value.push(l);
            }
            out.insert(name.to_string(), value.join("\n"));
        } else if let Some((name, value)) = line.split_once('=') {
            out.insert(name.to_string(), value.to_string());
        }
    }
    out
}

/// One pull request to run the action on.
pub struct PullRequest<'a> {
    /// The repository holding `main` (the base) and `feature` (the head).
    pub origin: &'a Path,
    /// `owner/name` of the head's repository (a fork's differs).
    pub head_repo: &'a str,
    /// The action's inputs (the others keep their defaults).
    pub inputs: &'a [(&'a str, &'a str)],
    /// Comments the stub `gh` lists, as `gh api --paginate` prints them.
    pub comments: &'a str,
    /// Extra variables in the job's environment.
    pub env: &'a [(&'a str, &'a str)],
}

/// What the job did.
#[derive(Debug)]
pub struct Job {
    /// Each step's name and outcome: `success`, `failure (exit N)` or `skipped`.
    pub steps: Vec<(String, String)>,
    /// The action's outputs.
    pub outputs: BTreeMap<String, String>,
    /// The job summary.
    pub summary: String,
    /// Standard output of every step (workflow commands included).
    pub log: String,
    /// `gh` invocations, one a line.
    pub gh_calls: String,
    /// Bodies posted or patched through `gh`.
    pub bodies: Vec<String>,
    /// `cargo` invocations, one a line.
    pub cargo_calls: String,
    /// Whether the job failed.
    pub failed: bool,
    /// The workspace.
    pub workspace: PathBuf,
}

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write stub");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

/// A git command in the simulated runner's environment.
fn git(dir: &Path, args: &[&str]) -> String {
    super::common::git(dir, args)
}

/// Checks the pull request out as `actions/checkout` does by default: the
/// merge of `feature` into `main` fetched at depth 1 as
/// `refs/remotes/pull/7/merge`, detached.
fn checkout(origin: &Path, workspace: &Path) -> (String, String) {
    let base = git(origin, &["rev-parse", "main"]);
    let head = git(origin, &["rev-parse", "feature"]);
    git(origin, &["checkout", "-q", "--detach", "main"]);
    git(
        origin,
        &["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"],
    );
    let merge = git(origin, &["rev-parse", "HEAD"]);
    git(origin, &["update-ref", "refs/pull/7/merge", &merge]);
    git(origin, &["update-ref", "refs/pull/7/head", &head]);
    // GitHub serves any commit of the repository by its id.
    git(origin, &["config", "uploadpack.allowAnySHA1InWant", "true"]);
    std::fs::create_dir_all(workspace).expect("mkdir");
    git(workspace, &["init", "-q"]);
    let url = format!("file://{}", origin.display());
    git(workspace, &["remote", "add", "origin", &url]);
    git(
        workspace,
        &[
            "-c",
            "protocol.version=2",
            "fetch",
            "--no-tags",
            "--prune",
            "--no-recurse-submodules",
            "--depth=1",
            "origin",
            &format!("+{merge}:refs/remotes/pull/7/merge"),
        ],
    );
    git(
        workspace,
        &["checkout", "-q", "--force", "refs/remotes/pull/7/merge"],
    );
    assert_eq!(
        git(workspace, &["rev-parse", "--is-shallow-repository"]),
        "true"
    );
    (base, head)
}

/// Runs `action.yml` on one pull request.
pub fn run(action: &Value, pr: &PullRequest) -> Job {
    let tmp = tempfile::tempdir().expect("tmp").keep();
    let workspace = tmp.join("workspace");
    let (base, head) = checkout(pr.origin, &workspace);
    let runner_temp = tmp.join("runner-temp");
    let bin = tmp.join("stubs");
    for d in [&runner_temp, &bin] {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    let gh_log = tmp.join("gh.log");
    let bodies = tmp.join("bodies");
    std::fs::create_dir_all(&bodies).expect("mkdir");
    let comments = tmp.join("comments.json");
    std::fs::write(&comments, pr.comments).expect("comments");
    // `gh api user` fails as it does for GITHUB_TOKEN; a write keeps the body.
    executable(
        &bin.join("gh"),
        &format!(
            r#"#!/usr/bin/env bash
echo "$*" >> '{log}'
for a in "$@"; do
  case "$a" in body=@*) cp "${{a#body=@}}" '{bodies}'/$(date +%s%N) ;; esac
done
case "$*" in
  "api user --jq .login") exit 1 ;;
  *"--paginate"*) cat '{comments}' ;;
esac
"#,
            log = gh_log.display(),
            bodies = bodies.display(),
            comments = comments.display()
        ),
    );
    // `cargo install --path P --root R`: the binary under test, in seconds.
    let cargo_log = tmp.join("cargo.log");
    executable(
        &bin.join("cargo"),
        &format!(
            r#"#!/usr/bin/env bash
echo "$*" >> '{log}'
root=
while [ $# -gt 0 ]; do case "$1" in --root) root=$2; shift ;; esac; shift; done
mkdir -p "$root/bin" && cp '{exe}' "$root/bin/continuity-guard"
"#,
            log = cargo_log.display(),
            exe = env!("CARGO_BIN_EXE_continuity-guard")
        ),
    );
    let event = json!({
        "number": 7,
        "pull_request": {
            "number": 7,
            "base": { "sha": base, "ref": "main", "repo": { "full_name": "acme/infra" } },
            "head": { "sha": head, "ref": "feature", "repo": { "full_name": pr.head_repo } },
        },
    });
    let event_path = tmp.join("event.json");
    std::fs::write(&event_path, event.to_string()).expect("event");
    let token = "ghs_0123456789abcdef";
    let mut inputs = serde_json::Map::new();
    let mut ctx = Contexts {
        values: json!({
            "github": {
                "token": token,
                "event": event,
                "event_name": "pull_request",
                "repository": "acme/infra",
                "server_url": "https://github.com",
                "base_ref": "main",
                "head_ref": "feature",
            },
            "runner": { "os": "Linux", "arch": "X64", "temp": runner_temp },
            "steps": {},
        }),
        failed: false,
    };
    for (name, spec) in action["inputs"].as_object().expect("inputs") {
        let default = spec["default"].as_str().unwrap_or("");
        inputs.insert(name.clone(), Value::String(substitute(default, &ctx)));
    }
    for (name, value) in pr.inputs {
        assert!(inputs.contains_key(*name), "no input `{name}`");
        inputs.insert((*name).to_string(), Value::String((*value).to_string()));
    }
    ctx.values["inputs"] = Value::Object(inputs);

    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut job_env: BTreeMap<String, String> = [
        ("CI", "true".to_string()),
        ("GITHUB_ACTIONS", "true".to_string()),
        ("GITHUB_ACTION_PATH", env!("CARGO_MANIFEST_DIR").to_string()),
        ("GITHUB_WORKSPACE", workspace.display().to_string()),
        ("GITHUB_EVENT_NAME", "pull_request".to_string()),
        ("GITHUB_EVENT_PATH", event_path.display().to_string()),
        ("GITHUB_REPOSITORY", "acme/infra".to_string()),
        ("GITHUB_SERVER_URL", "https://github.com".to_string()),
        ("GITHUB_BASE_REF", "main".to_string()),
        ("GITHUB_HEAD_REF", "feature".to_string()),
        ("GITHUB_REF", "refs/pull/7/merge".to_string()),
        ("RUNNER_OS", "Linux".to_string()),
        ("RUNNER_ARCH", "X64".to_string()),
        ("RUNNER_TEMP", runner_temp.display().to_string()),
        ("HOME", tmp.display().to_string()),
        ("PATH", path),
        ("GIT_CONFIG_NOSYSTEM", "1".to_string()),
        ("GIT_CONFIG_GLOBAL", "/dev/null".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    for (k, v) in pr.env {
        job_env.insert((*k).to_string(), (*v).to_string());
    }
    let summary = runner_temp.join("step_summary");
    let mut job = Job {
        steps: Vec::new(),
        outputs: BTreeMap::new(),
        summary: String::new(),
        log: String::new(),
        gh_calls: String::new(),
        bodies: Vec::new(),
        cargo_calls: String::new(),
        failed: false,
        workspace: workspace.clone(),
    };
    let steps = action["runs"]["steps"].as_array().expect("steps");
    for (n, step) in steps.iter().enumerate() {
        let name = step["name"].as_str().unwrap_or("a step").to_string();
        if !condition(step["if"].as_str(), &ctx) {
            job.steps.push((name, "skipped".into()));
            continue;
        }
        let mut outputs = BTreeMap::new();
        let outcome = if let Some(uses) = step["uses"].as_str() {
            assert!(
                uses.starts_with("actions/cache@"),
                "`uses: {uses}` is not simulated"
            );
            // A cold cache: the binary is not there yet.
            outputs.insert("cache-hit".to_string(), "false".to_string());
            "success".to_string()
        } else {
            let script = step["run"].as_str().expect("a run step");
            assert_eq!(step["shell"], "bash", "{name}: shell");
            let file = runner_temp.join(format!("step-{n}.sh"));
            std::fs::write(&file, script).expect("script");
            let files = ["GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH"]
                .map(|f| runner_temp.join(format!("{f}-{n}")));
            for f in &files {
                std::fs::write(f, "").expect("file command");
            }
            let mut cmd = std::process::Command::new("bash");
            cmd.args(["--noprofile", "--norc", "-e", "-o", "pipefail"])
                .arg(&file)
                .current_dir(&workspace)
                .env_clear()
                .envs(&job_env)
                .env("GITHUB_STEP_SUMMARY", &summary)
                .env("GITHUB_OUTPUT", &files[0])
                .env("GITHUB_ENV", &files[1])
                .env("GITHUB_PATH", &files[2]);
            if let Some(env) = step["env"].as_object() {
                for (k, v) in env {
                    cmd.env(k, substitute(v.as_str().unwrap_or(""), &ctx));
                }
            }
            let out = cmd.output().expect("bash runs");
            job.log.push_str(&String::from_utf8_lossy(&out.stdout));
            job.log.push_str(&String::from_utf8_lossy(&out.stderr));
            let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
            outputs = key_values(&read(&files[0]));
            job_env.extend(key_values(&read(&files[1])));
            for dir in read(&files[2]).lines().rev() {
                let path = format!("{dir}:{}", job_env["PATH"]);
                job_env.insert("PATH".into(), path);
            }
            match out.status.code() {
                Some(0) => "success".to_string(),
                code => format!("failure (exit {})", code.unwrap_or(-1)),
            }
        };
        if outcome != "success" {
            ctx.failed = true;
        }
        if let Some(id) = step["id"].as_str() {
            ctx.values["steps"][id] = json!({ "outputs": outputs, "outcome": outcome });
        }
        job.steps.push((name, outcome));
    }
    for (name, spec) in action["outputs"].as_object().expect("outputs") {
        let value = substitute(spec["value"].as_str().unwrap_or(""), &ctx);
        job.outputs.insert(name.clone(), value);
    }
    job.failed = ctx.failed;
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    job.summary = read(&summary);
    job.gh_calls = read(&gh_log);
    job.cargo_calls = read(&cargo_log);
    let mut names: Vec<_> = std::fs::read_dir(&bodies)
        .expect("bodies")
        .map(|e| e.expect("entry").path())
        .collect();
    names.sort();
    job.bodies = names.iter().map(|p| read(p)).collect();
    job
}

#[test]
fn expressions_evaluate_as_github_does() {
    let ctx = Contexts {
        values: json!({
            "inputs": { "comment": "true" },
            "steps": { "check": { "outputs": { "report": "" } }, "cache": { "outputs": {} } },
            "github": { "event": { "pull_request": { "number": 7 } } },
        }),
        failed: true,
    };
    assert!(condition(
        Some("always() && inputs.comment == 'TRUE'"),
        &ctx
    ));
    assert!(
        !condition(Some("inputs.comment == 'true'"), &ctx),
        "success() is implied"
    );
    assert!(!condition(None, &ctx));
    assert!(condition(Some("failure()"), &ctx));
    let ok = Contexts {
        failed: false,
        ..ctx
    };
    assert!(condition(
        Some("steps.cache.outputs.cache-hit != 'true'"),
        &ok
    ));
    assert!(condition(Some("github.event.pull_request.number"), &ok));
    assert!(!condition(Some("github.event.issue.number"), &ok));
    assert!(!condition(Some("steps.check.outputs.report != ''"), &ok));
    assert!(condition(Some("!(1 == 2) || false"), &ok));
    assert_eq!(
        substitute("n=${{ github.event.pull_request.number }}.", &ok),
        "n=7."
    );
    let kv = key_values("a=1\nb<<EOF\nx\ny\nEOF\nc=3=4\n");
    assert_eq!(kv["b"], "x\ny");
    assert_eq!(kv["c"], "3=4");
}
