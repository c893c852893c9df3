//! The `continuity-guard` binary: parses arguments, calls the library, prints,
//! and turns the outcome into an exit code (0 ok, 1 blocking findings, 2 could
//! not assess).

use clap::{Args, Parser, Subcommand};
use continuity_guard::engine::ParseCache;
use continuity_guard::plan::model::Severity;
use continuity_guard::{CheckError, CheckOptions, Report, Sides, plan, render, rules};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

/// `eprintln!` that never panics: a closed or full standard error loses the
/// message, not the exit code.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// Set once standard output's reader has gone (`| head -1`): nothing more is written.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes to standard output. A reader that stopped reading (a broken pipe)
/// ends the output quietly and the run keeps its exit code; any other
/// failure (`> /dev/full`) is exit 2 naming where the output went.
fn emit(text: &str) -> Result<(), ExitCode> {
    use std::io::Write as _;
    use std::sync::atomic::Ordering;
    if STDOUT_CLOSED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(())
        }
        Err(e) => {
            let target = std::fs::read_link("/proc/self/fd/1")
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| "standard output".into());
            Err(usage(&format!("cannot write to {target}: {e}")))
        }
    }
}

/// Checks infrastructure changes against service continuity plans: RTO, RPO,
/// hours of operation, dependencies and plan testing.
#[derive(Parser)]
#[command(name = "continuity-guard", version, about, long_about = None,
    after_help = "Exit codes: 0 nothing blocking, 1 blocking findings, 2 could not assess.\n\nExamples:\n  continuity-guard check                          # this branch against its merge-base with origin/main\n  continuity-guard check --staged                 # pre-commit: HEAD against the index\n  continuity-guard check --before old/ --after new/\n  continuity-guard check --format human --format json=report.json\n  continuity-guard explain CG101")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Colour: auto (a terminal, and no NO_COLOR; FORCE_COLOR or CLICOLOR_FORCE force it), always or never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    color: String,
}

/// `--color`: `Some(true)` always, `Some(false)` never, `None` auto.
static COLOR: std::sync::OnceLock<Option<bool>> = std::sync::OnceLock::new();

/// Whether to colour a stream that is (or is not) a terminal.
fn color(terminal: bool) -> bool {
    if let Some(Some(forced)) = COLOR.get() {
        return *forced;
    }
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty() && v != "0");
    if set("FORCE_COLOR") || set("CLICOLOR_FORCE") {
        return true;
    }
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && terminal
}

#[derive(Subcommand)]
enum Command {
    /// Check what a change does to the services' continuity plans.
    Check(CheckArgs),
    /// Change advisory board report: every first-parent commit of a range, its risk and approvals.
    Report(ReportArgs),
    /// List the rules.
    Rules {
        /// Output format.
        #[arg(long, value_name = "FMT", default_value = "human", value_parser = ["human", "json"])]
        format: String,
    },
    /// Explain a rule: what it checks, why, an example, how to fix.
    Explain {
        /// A rule code or name, e.g. CG101 or replicas-below-minimum.
        code: String,
    },
    /// Where the services stand at one revision: targets, verdicts, coverage, KPIs.
    Status(StatusArgs),
    /// Draft a continuity.yaml from the services the repository defines.
    Init(InitArgs),
    /// Validate the plan or print its JSON Schema.
    Plan {
        #[command(subcommand)]
        command: PlanCommand,
    },
}

#[derive(Subcommand)]
enum PlanCommand {
    /// Validate a plan file (default: continuity.yaml, else .continuity/plan.yaml).
    Validate {
        /// The plan file.
        path: Option<PathBuf>,
    },
    /// Print the JSON Schema of continuity.yaml.
    Schema,
}

#[derive(Args)]
struct CheckArgs {
    /// Base revision [default: merge-base of HEAD with origin/$GITHUB_BASE_REF, $GITHUB_BASE_REF, origin/HEAD, origin/main, main, origin/master or master].
    #[arg(long, value_name = "REV", conflicts_with_all = ["staged", "before"])]
    base: Option<String>,
    /// Head revision [default: HEAD].
    #[arg(long, value_name = "REV", conflicts_with_all = ["staged", "before"])]
    head: Option<String>,
    /// Compare HEAD with the index, as a pre-commit hook: with PRE_COMMIT_FROM_REF and PRE_COMMIT_TO_REF set (pre-push, `pre-commit run --from-ref A --to-ref B`) that range instead; with nothing staged, the branch against its merge-base with the default branch.
    #[arg(long)]
    staged: bool,
    /// Compare two directories: the tree before the change…
    #[arg(
        long,
        value_name = "DIR",
        requires = "after",
        conflicts_with = "staged"
    )]
    before: Option<PathBuf>,
    /// …and the tree after it.
    #[arg(long, value_name = "DIR", requires = "before")]
    after: Option<PathBuf>,
    /// The plan's path in the repository [default: continuity.yaml, else .continuity/plan.yaml].
    #[arg(long, value_name = "PATH")]
    plan: Option<String>,
    /// Output format, repeatable: human, json, markdown (pull-request comment), sarif, github (annotations; also appends the markdown report to $GITHUB_STEP_SUMMARY), gitlab (Code Quality JSON), junit (JUnit XML); `FMT=PATH` writes to a file.
    #[arg(long = "format", value_name = "FMT[=PATH]", default_value = "human")]
    formats: Vec<String>,
    /// Which introduced severity fails the run.
    #[arg(long, value_name = "LEVEL", default_value = "error", value_parser = ["error", "warning", "never"])]
    fail_on: String,
    /// Also list existing (not introduced) findings; they never fail the run.
    #[arg(long)]
    all: bool,
    /// Judge the head with the base plan's ignore, rules, waivers and assumptions and the stricter of each service's two entries, so a change cannot relax its own gate (for protected branches).
    #[arg(long)]
    strict: bool,
    /// The day the check is made for (YYYY-MM-DD) [default: today].
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Repository directory.
    #[arg(short = 'C', long = "repo", value_name = "DIR", default_value = ".")]
    repo: PathBuf,
}

#[derive(Args)]
struct StatusArgs {
    /// The revision to look at [default: HEAD].
    #[arg(long, value_name = "REV", conflicts_with = "dir")]
    rev: Option<String>,
    /// A directory instead of a commit.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// The plan's path in the repository [default: continuity.yaml, else .continuity/plan.yaml].
    #[arg(long, value_name = "PATH")]
    plan: Option<String>,
    /// The day the status is taken for (YYYY-MM-DD) [default: today].
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// Output format.
    #[arg(long, value_name = "FMT", default_value = "human", value_parser = ["human", "markdown", "json", "html"])]
    format: String,
    /// Write to a file instead of standard output.
    #[arg(long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Repository directory.
    #[arg(short = 'C', long = "repo", value_name = "DIR", default_value = ".")]
    repo: PathBuf,
}

#[derive(Args)]
struct InitArgs {
    /// Print the draft instead of writing continuity.yaml.
    #[arg(long)]
    print: bool,
    /// Overwrite an existing plan.
    #[arg(long)]
    force: bool,
    /// Repository directory.
    #[arg(short = 'C', long = "repo", value_name = "DIR", default_value = ".")]
    repo: PathBuf,
}

fn status(args: StatusArgs) -> ExitCode {
    use continuity_guard::status::{Revision, StatusOptions};
    let as_of = match args.as_of.as_deref().map(parse_date).transpose() {
        Ok(d) => d.unwrap_or_else(today),
        Err(e) => return usage(&e),
    };
    let opts = StatusOptions {
        revision: match args.dir {
            Some(d) => Revision::Dir(d),
            None => Revision::Rev(args.rev),
        },
        plan: args.plan.map(|p| plan::resolve_explicit(&args.repo, &p)),
        repo_dir: args.repo,
        as_of,
    };
    let report = match continuity_guard::status::status(&opts) {
        Ok(r) => r,
        Err(e) => return check_error(&e),
    };
    let text = match args.format.as_str() {
        "json" => render::status::json(&report),
        "markdown" => render::status::markdown(&report),
        "html" => render::status::html(&report),
        _ => render::status::human(&report),
    };
    match args.output {
        Some(p) => {
            if let Err(e) = std::fs::write(&p, text) {
                return usage(&format!("cannot write {}: {e}", p.display()));
            }
        }
        None => {
            if let Err(code) = emit(&text) {
                return code;
            }
        }
    }
    ExitCode::SUCCESS
}

fn init(args: InitArgs) -> ExitCode {
    match continuity_guard::status::init::run(&args.repo, args.print, args.force) {
        Ok((text, None)) => match emit(&text) {
            Ok(()) => ExitCode::SUCCESS,
            Err(code) => code,
        },
        Ok((_, Some(path))) => {
            say!(
                "wrote {}: decide the lines marked DECIDE, then run `continuity-guard plan validate`",
                path.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => usage(&e),
    }
}

#[derive(Args)]
#[command(
    after_help = "Examples:\n  continuity-guard report --range v1.4.0..v1.5.0 --format html --output cab.html\n  continuity-guard report --since 2026-11-16 --window 2026-11-28T22:00/2h\n  continuity-guard report --range origin/main~20..origin/main --format json"
)]
struct ReportArgs {
    /// The commits: the first-parent history of B without what A reaches (`A..B`).
    #[arg(
        long,
        value_name = "A..B",
        required_unless_present = "since",
        conflicts_with = "since"
    )]
    range: Option<String>,
    /// The first-parent history of HEAD since a day (YYYY-MM-DD, midnight in the plan's zone).
    #[arg(long, value_name = "DATE")]
    since: Option<String>,
    /// The plan's path in the repository [default: continuity.yaml, else .continuity/plan.yaml].
    #[arg(long, value_name = "PATH")]
    plan: Option<String>,
    /// The day the report is made for (YYYY-MM-DD) [default: today].
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
    /// The planned implementation window, START/DURATION: 2026-11-28T22:00/2h (plan's zone), or with Z or ±HH:MM.
    #[arg(long, value_name = "START/DURATION")]
    window: Option<String>,
    /// Output format.
    #[arg(long, value_name = "FMT", default_value = "markdown", value_parser = ["markdown", "html", "json"])]
    format: String,
    /// Write to a file instead of standard output.
    #[arg(long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Repository directory.
    #[arg(short = 'C', long = "repo", value_name = "DIR", default_value = ".")]
    repo: PathBuf,
}

fn report(args: ReportArgs) -> ExitCode {
    use continuity_guard::report::{Range, ReportError, ReportOptions};
    let as_of = match args.as_of.as_deref().map(parse_date).transpose() {
        Ok(d) => d.unwrap_or_else(today),
        Err(e) => return usage(&e),
    };
    let range = match (args.range, args.since) {
        (Some(r), _) => Range::Revs(r),
        (None, Some(s)) => match s.parse::<jiff::civil::Date>() {
            Ok(d) => Range::Since(d),
            Err(_) => return usage(&format!("--since: `{s}` is not a date; write YYYY-MM-DD")),
        },
        (None, None) => return usage("give --range A..B or --since DATE"),
    };
    let opts = ReportOptions {
        range,
        plan: args.plan.map(|p| plan::resolve_explicit(&args.repo, &p)),
        repo_dir: args.repo,
        as_of,
        window: args.window,
    };
    let report = match continuity_guard::report(&opts) {
        Ok(r) => r,
        Err(ReportError::Change {
            commit,
            title,
            error,
        }) => {
            say!("error: cannot assess commit {commit} ({title})");
            return check_error(&error);
        }
        Err(e) => return usage(&e.to_string()),
    };
    let text = match args.format.as_str() {
        "html" => render::cab::html(&report),
        "json" => render::cab::json(&report),
        _ => render::cab::markdown(&report),
    };
    match args.output {
        Some(p) => {
            if let Err(e) = std::fs::write(&p, text) {
                return usage(&format!("cannot write {}: {e}", p.display()));
            }
        }
        None => {
            if let Err(code) = emit(&text) {
                return code;
            }
        }
    }
    // Exit 2 only when no commit of the range could be assessed (DESIGN §4).
    if report.changes.is_empty() && !report.not_assessed.is_empty() {
        eprintln!(
            "error: none of the {} commits of the range could be assessed; the report lists why",
            report.not_assessed.len()
        );
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

fn today() -> jiff::civil::Date {
    // Today in UTC: the machine's own zone would read the system's tz data.
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse::<jiff::civil::Date>()
        .map_err(|_| format!("--as-of: `{s}` is not a date; write YYYY-MM-DD"))
}

fn color_stdout() -> bool {
    color(std::io::stdout().is_terminal())
}

fn color_stderr() -> bool {
    color(std::io::stderr().is_terminal())
}

fn usage(msg: &str) -> ExitCode {
    say!("error: {msg}");
    ExitCode::from(2)
}

fn plan_error(e: &plan::PlanError) -> String {
    use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
    let renderer = if color_stderr() {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let text: &str = &e.text;
    let start = e.span.start.min(text.len());
    let end = e.span.end.clamp(start, text.len());
    let title = format!(
        "invalid continuity plan: {}",
        render::terminal::one_line(&e.message)
    );
    let group = Group::with_title(Level::ERROR.primary_title(title)).element(
        Snippet::source(text)
            .path(e.path.as_str())
            .annotation(AnnotationKind::Primary.span(start..end.max(start))),
    );
    let mut out = renderer.render(&[group]);
    out.push('\n');
    out
}

fn check_error(e: &CheckError) -> ExitCode {
    match e {
        CheckError::Plan(p) => say!("{}", plan_error(p)),
        other => say!("error: {other}"),
    }
    ExitCode::from(2)
}

/// The values of `--format`.
const FORMATS: &[&str] = &[
    "human", "json", "markdown", "sarif", "github", "gitlab", "junit",
];

/// Appends the report to the job summary; the markdown is capped at 65,535
/// UTF-16 code units (at most about 192 KiB of UTF-8), well under the
/// summary's 1 MiB limit.
fn append_summary(path: &str, markdown: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(markdown.as_bytes())?;
    file.write_all(b"\n")
}

fn check(args: CheckArgs) -> ExitCode {
    let as_of = match args.as_of.as_deref().map(parse_date).transpose() {
        Ok(d) => d.unwrap_or_else(today),
        Err(e) => return usage(&e),
    };
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let sides = if args.staged {
        // pre-commit's range mode (`run --from-ref A --to-ref B`, the
        // pre-push stage): that range, not the index.
        match (env("PRE_COMMIT_FROM_REF"), env("PRE_COMMIT_TO_REF")) {
            (Some(from), Some(to)) => Sides::Git {
                base: Some(from),
                head: Some(to),
            },
            _ => Sides::Staged,
        }
    } else if let (Some(before), Some(after)) = (args.before, args.after) {
        Sides::Dirs { before, after }
    } else {
        Sides::Git {
            base: args.base,
            head: args.head,
        }
    };
    let fail_on = match args.fail_on.as_str() {
        "warning" => Some(Severity::Warning),
        "never" => None,
        _ => Some(Severity::Error),
    };
    let mut outputs = Vec::new();
    for f in &args.formats {
        let (fmt, path) = match f.split_once('=') {
            Some((fmt, path)) => (fmt, Some(PathBuf::from(path))),
            None => (f.as_str(), None),
        };
        if !FORMATS.contains(&fmt) {
            return usage(&format!(
                "unknown format `{fmt}`; use human, json, markdown, sarif, github, gitlab or junit (optionally FMT=PATH)"
            ));
        }
        outputs.push((fmt.to_string(), path));
    }
    let opts = CheckOptions {
        sides,
        plan: args.plan.map(|p| plan::resolve_explicit(&args.repo, &p)),
        repo_dir: args.repo,
        as_of,
        all: args.all,
        fail_on,
        strict: args.strict,
    };
    // The parse cache and the report live until the process ends: freeing
    // thousands of parsed files one by one is work nobody needs.
    let cache: &mut ParseCache = Box::leak(Box::default());
    let report: &Report = match continuity_guard::check_with_cache(&opts, cache) {
        Ok(r) => Box::leak(Box::new(r)),
        Err(e) => return check_error(&e),
    };
    let markdown_opts =
        render::markdown::Options::github(env("GITHUB_SERVER_URL"), env("GITHUB_REPOSITORY"));
    for (fmt, path) in outputs {
        let color = path.is_none() && color_stdout();
        let text = match fmt.as_str() {
            "json" => render::json::render(report),
            "gitlab" => render::gitlab::render(report),
            "junit" => render::junit::render(report),
            "markdown" => render::markdown::render(report, &markdown_opts),
            "sarif" => render::sarif::render(
                report,
                &render::sarif::Options {
                    server_url: markdown_opts.server_url.clone(),
                    repository: markdown_opts.repository.clone(),
                },
            ),
            "github" => {
                if let Some(summary) = env("GITHUB_STEP_SUMMARY")
                    && let Err(e) =
                        append_summary(&summary, &render::markdown::render(report, &markdown_opts))
                {
                    say!("warning: cannot append to $GITHUB_STEP_SUMMARY ({summary}): {e}");
                }
                render::github::render(report)
            }
            _ => render::human::render(report, color),
        };
        match path {
            Some(p) => {
                if let Err(e) = std::fs::write(&p, text) {
                    return usage(&format!("cannot write {}: {e}", p.display()));
                }
            }
            None => {
                if let Err(code) = emit(&text) {
                    return code;
                }
            }
        }
    }
    if report.summary().blocking > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// mimalloc: the parse of a large plan and the rules allocate many small
/// values on several threads, where glibc's per-thread arenas cost page
/// faults (benches/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let _ = COLOR.set(match cli.color.as_str() {
        "always" => Some(true),
        "never" => Some(false),
        _ => None,
    });
    match cli.command {
        Command::Check(args) => check(args),
        Command::Report(args) => report(args),
        Command::Status(args) => status(args),
        Command::Init(args) => init(args),
        Command::Rules { format } if format == "json" => {
            let list: Vec<serde_json::Value> = rules::RULES
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.code(),
                        "name": r.name(),
                        "severity": r.severity().as_str(),
                        "summary": r.summary(),
                    })
                })
                .collect();
            let text = serde_json::to_string_pretty(&list).unwrap_or_default();
            emit(&format!("{text}\n"))
                .err()
                .unwrap_or(ExitCode::SUCCESS)
        }
        Command::Rules { .. } => {
            let text: String = rules::RULES
                .iter()
                .map(|r| {
                    format!(
                        "{}  {:<28} {:<8} {}\n",
                        r.code(),
                        r.name(),
                        r.severity().as_str(),
                        r.summary()
                    )
                })
                .collect();
            emit(&text).err().unwrap_or(ExitCode::SUCCESS)
        }
        Command::Explain { code } => match rules::find(&code)
            .or_else(|| rules::RULES.iter().copied().find(|r| r.name() == code))
        {
            Some(r) => emit(&rules::documentation(r))
                .err()
                .unwrap_or(ExitCode::SUCCESS),
            None => usage(&format!(
                "unknown rule `{code}` (neither a code nor a name); `continuity-guard rules` lists them"
            )),
        },
        Command::Plan { command } => match command {
            PlanCommand::Schema => emit(&format!("{}\n", plan::load::schema()))
                .err()
                .unwrap_or(ExitCode::SUCCESS),
            PlanCommand::Validate { path } => {
                let path = path.or_else(|| {
                    plan::DEFAULT_PATHS
                        .iter()
                        .map(PathBuf::from)
                        .find(|p| p.symlink_metadata().is_ok())
                });
                let Some(path) = path else {
                    return usage(
                        "no plan found: looked for continuity.yaml and .continuity/plan.yaml",
                    );
                };
                // Never a link's target nor a device: the message would
                // quote what the repository did not hold.
                let text = match continuity_guard::source::read_regular_file(
                    &path,
                    continuity_guard::readers::MAX_FILE_BYTES,
                ) {
                    Ok(b) => String::from_utf8_lossy(&b).into_owned(),
                    Err(e) => return usage(&format!("cannot read {}: {e}", path.display())),
                };
                match plan::load_all(&path.display().to_string(), &text) {
                    Ok(p) => emit(&format!(
                        "{}: valid, {} service{}\n",
                        path.display(),
                        p.services.len(),
                        if p.services.len() == 1 { "" } else { "s" }
                    ))
                    .err()
                    .unwrap_or(ExitCode::SUCCESS),
                    Err(errors) => {
                        for e in &errors {
                            say!("{}", plan_error(e));
                        }
                        if errors.len() > 1 {
                            say!("{}: {} errors", path.display(), errors.len());
                        }
                        ExitCode::from(2)
                    }
                }
            }
        },
    }
}
