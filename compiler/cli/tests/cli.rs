//! End-to-end tests of the `stackc` binary: exit codes, output formats, and
//! the commands a user runs first.

mod common;
use common::repo;

use std::path::PathBuf;
use std::process::{Command, Output};

fn stackc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run stackc")
}

fn example(name: &str) -> String {
    repo()
        .join("examples")
        .join(name)
        .join("stack.kdl")
        .display()
        .to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stackc-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("stack.kdl");
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn examples_check_clean() {
    // goldcar's and shop's test environments bound schedules by working
    // hours, which they explain with warnings; there is no error.
    for (name, warnings) in [
        ("goldcar", 2),
        ("minimal", 0),
        ("shop", 2),
        ("multi-region", 0),
    ] {
        let out = stackc(&["check", &example(name)]);
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        let err = stderr(&out);
        assert_eq!(
            err.matches("stackc::schedule_outside_hours").count(),
            warnings,
            "{err}"
        );
        assert!(!err.contains(" error"), "{err}");
        assert!(err.lines().last().unwrap().starts_with("ok: "), "{err}");
    }
}

/// An environment with `targets` is one StackSet. What its deploy does
/// not cover is refused before any AWS call, with a sentence: saved plans,
/// a deployment's custom JSON that cannot be read, a recipe neither the
/// cookbooks on disk nor the built-in ones have (as for one stack), a `--target` the
/// environment does not name, a layer it does not have, and `--target`
/// or `--role-name` without targets.
#[test]
fn what_a_stackset_does_not_take_is_refused_before_any_aws_call() {
    let file = example("multi-region");
    let dir = std::env::temp_dir().join(format!("stackc-targets-refused-{}", std::process::id()));
    let plan = dir.join("plan.json");
    let plan = plan.to_str().unwrap();
    for (args, code, said) in [
        (vec!["diff", &file, "--out", plan], 1, "saved plans"),
        (vec!["run", "configure", &file, "--custom-json", plan], 1, "cannot read"),
        (vec!["run", "recipes", "relay::default", &file], 1, "no cookbook `relay` among the built-in ones (the stack names no `cookbooks` directory)"),
        (vec!["run", "recipes", "goldcar::vhost", &example("goldcar")], 1, "cookbook `goldcar` has no recipe `vhost`"),
        (vec!["run", "configure", &file, "--target", "333333333333/us-east-1"], 2, "no such account and region"),
        (vec!["logs", &file, "--layer", "web"], 2, "relay-production has no layer `web`"),
        (vec!["logs", &example("minimal"), "--role-name", "operator"], 2, "--role-name is for an environment with `targets`"),
        (vec!["run", "setup", &example("minimal"), "--target", "111111111111/us-east-1"], 2, "--target is for an environment with `targets`"),
        (vec!["drift", &file, "--target", "111111111111"], 2, "expected ACCOUNT/REGION"),
        (vec!["drift", &example("minimal"), "--role-name", "operator"], 2, "--role-name is for an environment with `targets`"),
        (vec!["diff", &file, "--target", "111111111111"], 2, "expected ACCOUNT/REGION"),
        (vec!["destroy", &file, "--target", "333333333333/us-east-1"], 2, "no such account and region; its targets are 111111111111/us-east-1, 111111111111/eu-west-1, 222222222222/us-east-1"),
        (vec!["diff", &example("minimal"), "--target", "111111111111/us-east-1"], 2, "has none"),
    ] {
        let out = stackc(&args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(said), "{args:?}: {err}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn warnings_are_printed_and_the_command_succeeds() {
    let goldcar = example("goldcar");
    let out = stackc(&["check", &goldcar]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("⚠"), "{err}");
    assert!(err.contains("2 warnings\n"), "{err}");
    let out = stackc(&["check", "--message-format", "json", &goldcar]);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2);
    for d in &lines {
        assert_eq!(d["severity"], "warning");
        assert_eq!(d["code"], "stackc::schedule_outside_hours");
    }
    assert_eq!(lines[0]["line"], 54);
    // build goes on, with the bounded actions.
    let dir = std::env::temp_dir().join(format!("stackc-warn-{}", std::process::id()));
    let out = stackc(&[
        "build",
        &goldcar,
        "--env",
        "test",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("stackc::schedule_outside_hours"));
    let t: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("goldcar-test/template.json")).unwrap())
            .unwrap();
    let start = &t["Resources"]["ReportsWorkingHoursStart"]["Properties"];
    assert_eq!(
        (start["MinSize"].as_u64(), start["MaxSize"].as_u64()),
        (Some(1), Some(3))
    );
    assert!(t["Resources"].get("ReportsSchedule1").is_none());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn user_errors_exit_1_with_coded_diagnostics() {
    let path = temp_file(
        "bad",
        b"stack s {\n    region eu-west-1\n    layer web type=php-ap\n}\n",
    );
    let out = stackc(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("stackc::unknown_layer_type"), "{err}");
    assert!(err.contains("did you mean `php-app`?"), "{err}");
    assert!(
        err.contains("stack.kdl:3:20"),
        "points at line 3, column 20: {err}"
    );
    assert!(err.trim_end().ends_with("1 error"), "{err}");
}

#[test]
fn json_diagnostics_are_one_object_per_line() {
    let path = temp_file("json", b"stack s {\n    region eu-west-1\n    layer web type=custom { instance-typ t3.small; }\n    layer web type=custom\n}\n");
    let out = stackc(&["check", "--message-format", "json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    let codes: Vec<&str> = lines.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["stackc::unknown_node", "stackc::duplicate_name"]);
    assert_eq!(lines[0]["line"], 3);
    assert_eq!(lines[0]["column"], 29);
    assert_eq!(lines[0]["severity"], "error");
    assert_eq!(lines[0]["help"], "did you mean `instance-type`?");
    assert!(lines[0]["file"].as_str().unwrap().ends_with("stack.kdl"));
}

#[test]
fn missing_file_is_a_user_error() {
    let out = stackc(&["check", "/nonexistent/stack.kdl"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("stackc::read_failed"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn binary_input_is_reported_not_crashed_on() {
    let path = temp_file("binary", b"stack s {\n  region \xff\xfe\x00\x01\n}");
    let out = stackc(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("stackc::invalid_utf8"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(stackc(&["check", "--frobnicate"]).status.code(), Some(2));
    assert_eq!(stackc(&["no-such-command"]).status.code(), Some(2));
    assert_eq!(stackc(&["explain", "no_such_code"]).status.code(), Some(2));
}

#[test]
fn explain_prints_the_long_text() {
    let out = stackc(&["explain", "stackc::secret_literal"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("stackc::secret_literal: "), "{text}");
    assert!(text.contains("ssm="), "{text}");
    let list = String::from_utf8(stackc(&["explain"]).stdout).unwrap();
    assert!(list.lines().count() > 50);
}

#[test]
fn explain_prints_a_node_of_the_language_from_its_schema() {
    let out = stackc(&["explain", "scaling"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("scaling (in stack > layer > scaling)\n"),
        "{text}"
    );
    assert!(
        text.contains("Block: required: instances, load, schedule"),
        "{text}"
    );
    assert!(text.contains("Given at most once in its block."), "{text}");
    // A property with its value type and meaning.
    let up = String::from_utf8(stackc(&["explain", "load.up"]).stdout).unwrap();
    assert!(
        up.contains("cpu-above        number 0–100: CPU, per cent"),
        "{up}"
    );
    // A name used in two blocks explains both.
    let chef = String::from_utf8(stackc(&["explain", "chef"]).stdout).unwrap();
    assert!(chef.contains("chef (in stack > chef)"), "{chef}");
    assert!(chef.contains("chef (in stack > layer > chef)"), "{chef}");
    let layer_chef = String::from_utf8(stackc(&["explain", "layer.chef"]).stdout).unwrap();
    assert!(!layer_chef.contains("(in stack > chef)"), "{layer_chef}");
    // Neither a code nor a node: a usage error with a suggestion.
    let out = stackc(&["explain", "sclaing"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `scaling`?"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn fmt_check_stdout_and_write() {
    let messy =
        b"stack s { region eu-west-1; layer web type=custom { instance-type   t3.small } }\n";
    let path = temp_file("fmt", messy);
    let p = path.to_str().unwrap();
    let check = stackc(&["fmt", "--check", p]);
    assert_eq!(check.status.code(), Some(1));
    assert_eq!(
        stderr(&check),
        format!("{p}: not in canonical form (run `stackc fmt {p}`)\n")
    );
    // What would change, as a unified diff on stdout.
    assert_eq!(
        String::from_utf8_lossy(&check.stdout),
        format!(
            "--- {p}
+++ {p} (formatted)
@@ -1 +1,6 @@
-stack s {{ region eu-west-1; layer web type=custom {{ instance-type   t3.small }} }}
+stack s {{
+    region eu-west-1
+    layer web type=custom {{
+        instance-type t3.small
+    }}
+}}
"
        )
    );
    let json = stackc(&["fmt", "--check", p, "--message-format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["canonical"], false);
    assert_eq!(
        json["diff"],
        String::from_utf8_lossy(&check.stdout).as_ref()
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        messy,
        "--check writes nothing"
    );
    let printed = stackc(&["fmt", "--stdout", p]);
    assert_eq!(printed.status.code(), Some(0));
    let canonical = "stack s {\n    region eu-west-1\n    layer web type=custom {\n        instance-type t3.small\n    }\n}\n";
    assert_eq!(String::from_utf8(printed.stdout).unwrap(), canonical);
    assert_eq!(stackc(&["fmt", p]).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), canonical);
    let clean = stackc(&["fmt", "--check", p]);
    assert_eq!(clean.status.code(), Some(0));
    assert!(clean.stdout.is_empty() && clean.stderr.is_empty());
    let broken = temp_file("fmt-broken", b"stack s { region \"eu-west-1 }\n");
    assert_eq!(
        stackc(&["fmt", broken.to_str().unwrap()]).status.code(),
        Some(1)
    );
    assert_eq!(
        stackc(&["fmt", "--check", "--stdout", p]).status.code(),
        Some(2)
    );
}

/// The README's first command builds stackc without the `aws` feature: the
/// compiler alone, none of the AWS SDK (most of a cold build). What it
/// compiles is cargo's dependency tree of the package with those features.
#[test]
fn the_first_command_compiles_no_aws_sdk() {
    let tree = |features: &[&str]| {
        let o = Command::new(env!("CARGO"))
            .args([
                "tree",
                "-p",
                "stackc",
                "-e",
                "normal",
                "--prefix",
                "none",
                "--offline",
            ])
            .args(features)
            .current_dir(repo())
            .output()
            .expect("run cargo tree");
        assert!(o.status.success(), "{}", stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    let offline = tree(&["--no-default-features"]);
    let sdk: Vec<&str> = offline
        .lines()
        .filter(|l| l.starts_with("aws-") || l.starts_with("tokio ") || l.starts_with("hyper"))
        .collect();
    assert!(sdk.is_empty(), "{sdk:?}");
    assert!(offline.contains("stackc-core "), "{offline}");
    // The default build has them: deploy needs them.
    let full = tree(&[]);
    assert!(full
        .lines()
        .any(|l| l.starts_with("aws-sdk-cloudformation ")));
    // Without them, an AWS command says how to get them (exit 2).
    let o = Command::new(env!("CARGO"))
        .args([
            "run",
            "-q",
            "-p",
            "stackc",
            "--no-default-features",
            "--offline",
            "--",
            "status",
        ])
        .env("CARGO_TARGET_DIR", repo().join("target/no-aws"))
        .current_dir(repo())
        .output()
        .expect("run cargo");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("`stackc status` talks to AWS, and this stackc was built without it"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn readme_lists_every_diagnostic_code_and_command() {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let out = stackc(&["explain"]);
    let list = String::from_utf8(out.stdout).unwrap();
    for line in list.lines() {
        let code = line.split_whitespace().next().unwrap();
        assert!(readme.contains(&format!("`{code}`")), "README lacks {code}");
    }
    // The two set-up commands come first.
    let first_block = readme.split("```").nth(1).unwrap();
    assert_eq!(
        first_block.trim(),
        "sh\ncargo run --release -p stackc --no-default-features -- build examples/goldcar/stack.kdl\n./scripts/test"
    );
    for cmd in commands() {
        assert!(
            readme.contains(&format!("`stackc {cmd}")),
            "README lacks the command {cmd}"
        );
    }
}

/// The commands `stackc --help` lists, but `help`.
fn commands() -> Vec<String> {
    let help = String::from_utf8(stackc(&["--help"]).stdout).unwrap();
    let commands: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect();
    assert!(commands.len() > 10, "{help}");
    commands
}

#[test]
fn diff_against_compares_two_environments_offline() {
    let goldcar = example("goldcar");
    let out = stackc(&[
        "diff",
        &example("goldcar"),
        "--env",
        "test",
        "--against",
        "production",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "goldcar-test compared with goldcar-production (5 differences)
  stack
    ~ working-hours: always on -> mon-fri 08:00-20:00 (Europe/Madrid)
  layer web
    ~ instance-type: t3.small -> t3.micro
    ~ min: 2 -> 1
    ~ max: 10 -> 2
  custom-json
    ~ goldcar.cache-ttl: 300 -> 5
"
    );
    let unknown = stackc(&[
        "diff",
        &example("goldcar"),
        "--env",
        "test",
        "--against",
        "prod",
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("has no environment `prod`; it has: production, test"));

    // The comparison is offline: the AWS options are refused, not ignored.
    for extra in [
        ["--region", "us-east-1"],
        ["--profile", "p"],
        ["--build-dir", "o"],
        ["--out", "plan.json"],
    ] {
        let mut args = vec!["diff", &goldcar, "--env", "test", "--against", "production"];
        args.extend(extra);
        let o = stackc(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        assert!(
            stderr(&o).contains(&format!(
                "the argument '--against <OTHER>' cannot be used with '{}",
                extra[0]
            )),
            "{}",
            stderr(&o)
        );
    }

    // The same comparison as JSON, with the one switch every command takes.
    let o = stackc(&[
        "diff",
        &goldcar,
        "--env",
        "test",
        "--against",
        "production",
        "--message-format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // goldcar's two warnings come first, as JSON diagnostics, then the result.
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[..2]
        .iter()
        .all(|l| l["code"] == "stackc::schedule_outside_hours"));
    let result = &lines[2];
    assert_eq!(result["stack"], "goldcar-test");
    assert_eq!(result["against"], "goldcar-production");
    assert_eq!(result["changes"].as_array().unwrap().len(), 5);
    assert_eq!(
        result["changes"][1],
        serde_json::json!({"path": ["layer web", "instance-type"], "before": "t3.small", "after": "t3.micro"})
    );
}

/// `stackc ARGS` on a terminal of its own (`script` gives it a pty), with
/// NO_COLOR set or not: what it printed there.
fn on_a_terminal(args: &[&str], no_color: bool) -> String {
    common::require(&["script"]);
    let line = std::iter::once(env!("CARGO_BIN_EXE_stackc"))
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect::<Vec<_>>()
        .join(" ");
    let mut command = Command::new("script");
    command
        .args(["-qec", &line, "/dev/null"])
        .env_remove("NO_COLOR");
    if no_color {
        command.env("NO_COLOR", "1");
    }
    let o = command.output().expect("run script");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn colour_follows_the_terminal_no_color_and_the_color_flag() {
    let goldcar = example("goldcar");
    let diff = ["diff", &goldcar, "--env", "test", "--against", "production"];
    let changed_in_yellow = "\x1b[33m~ min: 2 -> 1\x1b[0m";
    // On a terminal: coloured diff and diagnostics.
    let shown = on_a_terminal(&diff, false);
    assert!(shown.contains(changed_in_yellow), "{shown:?}");
    assert!(
        shown.contains("\x1b[33mstackc::schedule_outside_hours"),
        "{shown:?}"
    );
    // NO_COLOR, or --color never: plain.
    for shown in [
        on_a_terminal(&diff, true),
        on_a_terminal(&[&diff[..], &["--color", "never"]].concat(), false),
    ] {
        assert!(!shown.contains('\x1b'), "{shown:?}");
        assert!(shown.contains("    ~ min: 2 -> 1"), "{shown:?}");
    }
    // --color always: coloured into a pipe too, whatever NO_COLOR says.
    let o = stackc(&[&diff[..], &["--color", "always"]].concat());
    assert!(String::from_utf8_lossy(&o.stdout).contains(changed_in_yellow));
    assert!(stderr(&o).contains("\x1b[33mstackc::schedule_outside_hours"));
    // A pipe with the default: plain.
    let o = stackc(&diff);
    assert!(!String::from_utf8_lossy(&o.stdout).contains('\x1b'));
}

#[test]
fn docs_writes_a_page_and_a_diagram_per_environment() {
    use stackc_core::check::{check_source, Options, RealFiles};
    use stackc_core::emit::docs;

    let out = std::env::temp_dir().join(format!("stackc-cli-{}-docs", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let o = stackc(&["docs", &example("goldcar"), "--out", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("documented goldcar-test → "),
        "{}",
        stderr(&o)
    );

    // The files are the core's output, and nothing else.
    let dir = repo().join("examples/goldcar");
    let source = std::fs::read_to_string(dir.join("stack.kdl")).unwrap();
    let opts = Options {
        base_dir: &dir,
        files: &RealFiles,
    };
    let program = check_source(&source, &opts).0.unwrap();
    let mut expected = Vec::new();
    for stack in &program.environments {
        for a in docs::emit(&program, stack) {
            assert_eq!(
                std::fs::read(out.join(&a.path)).unwrap(),
                a.bytes,
                "{}",
                a.path
            );
            expected.push(a.path);
        }
    }
    let mut written: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    expected.sort();
    assert_eq!(written, expected);
    assert_eq!(
        expected,
        [
            "goldcar-production.md",
            "goldcar-production.svg",
            "goldcar-test.md",
            "goldcar-test.svg"
        ]
    );

    // README shows docs/goldcar.svg: it must be what `stackc docs` draws.
    assert_eq!(
        std::fs::read_to_string(repo().join("docs/goldcar.svg")).unwrap(),
        std::fs::read_to_string(out.join("goldcar-production.svg")).unwrap(),
        "docs/goldcar.svg is stale: run `stackc docs examples/goldcar/stack.kdl --env production --out out/docs` and copy out/docs/goldcar-production.svg to docs/goldcar.svg"
    );

    // One environment; an unknown one is a usage error; an unwritable
    // directory a user error that names it.
    let one = out.join("one");
    let o = stackc(&[
        "docs",
        &example("goldcar"),
        "--env",
        "test",
        "--out",
        one.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(&one).unwrap().count(), 2);
    assert!(one.join("goldcar-test.svg").is_file());
    let o = stackc(&["docs", &example("goldcar"), "--env", "prod"]);
    assert_eq!(o.status.code(), Some(2));
    let blocked = out.join("goldcar-production.md").join("sub");
    let o = stackc(&[
        "docs",
        &example("goldcar"),
        "--out",
        blocked.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains(&format!("error: cannot create {}", blocked.display())),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn import_opsworks_prints_a_stack_file_and_warnings() {
    let dir = repo().join("tests/fixtures/opsworks/goldcar");
    let out = stackc(&["import", "opsworks", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let kdl = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(kdl.contains("stack goldcar-prod {"), "{kdl}");
    assert!(kdl.contains("layer memcached type=memcached {"), "{kdl}");
    let err = stderr(&out);
    assert!(
        err.lines().all(|l| l.starts_with("warning: ") || l.ends_with("review them before `stackc check`")),
        "{err}"
    );
    assert!(
        err.contains("warning: app \"rentals\": create the SSM SecureString parameters /goldcar-prod/rentals/DB_PASSWORD"),
        "{err}"
    );

    // The output checks once the cookbooks are in place, and is formatted.
    let work = std::env::temp_dir().join(format!("stackc-cli-{}-import", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    for recipe in [
        "php_extensions",
        "vhosts",
        "cache_warm",
        "report_tools",
        "report_jobs",
        "flush_reports",
    ] {
        let cb = work.join("cookbooks/goldcar");
        std::fs::create_dir_all(cb.join("recipes")).unwrap();
        std::fs::write(cb.join("metadata.rb"), "name 'goldcar'\nversion '1.0.0'\n").unwrap();
        std::fs::write(cb.join("recipes").join(format!("{recipe}.rb")), "log 'x'\n").unwrap();
    }
    let stack = work.join("stack.kdl");
    std::fs::write(&stack, &kdl).unwrap();
    let check = stackc(&["check", stack.to_str().unwrap()]);
    assert_eq!(check.status.code(), Some(0), "{}", stderr(&check));
    let fmt = stackc(&["fmt", "--check", stack.to_str().unwrap()]);
    assert_eq!(fmt.status.code(), Some(0), "{}", stderr(&fmt));
    let _ = std::fs::remove_dir_all(&work);

    // JSON warnings are objects on stderr; stdout stays the stack file.
    let out = stackc(&[
        "import",
        "opsworks",
        "--message-format",
        "json",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout.clone()).unwrap(), kdl);
    for line in stderr(&out).lines() {
        let w: serde_json::Value = serde_json::from_str(line).expect("a JSON object per line");
        assert_eq!(w["severity"], "warning");
    }
}

#[test]
fn import_opsworks_errors_and_usage() {
    let dir = std::env::temp_dir().join(format!("stackc-cli-{}-import-bad", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("describe-stacks.json"), "{\"Stacks\": [}").unwrap();
    let out = stackc(&["import", "opsworks", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert!(err.contains("stackc::import_bad_json"), "{err}");
    assert!(err.contains("describe-stacks.json:1:13"), "{err}");
    assert!(err.contains("stackc::import_missing_file"), "{err}");
    assert!(err.contains("describe-layers.json is missing"), "{err}");

    std::fs::write(dir.join("describe-layers.json"), b"\xff\xfe{\x00").unwrap();
    let err = stderr(&stackc(&["import", "opsworks", dir.to_str().unwrap()]));
    assert!(err.contains("UTF-16"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);

    let out = stackc(&["import", "opsworks", "/nonexistent/opsworks"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("stackc::read_failed"),
        "{}",
        stderr(&out)
    );

    assert_eq!(stackc(&["import"]).status.code(), Some(2));
    assert_eq!(stackc(&["import", "opsworks"]).status.code(), Some(2));
    assert_eq!(
        stackc(&["import", "chef-server", "x"]).status.code(),
        Some(2)
    );
}

#[test]
fn deploy_refuses_an_image_the_lock_file_does_not_pin() {
    // The refusal comes before any AWS call, so no AWS double is needed.
    let path = temp_file(
        "lock",
        std::fs::read_to_string(example("minimal"))
            .unwrap()
            .as_bytes(),
    );
    let dir = path.parent().unwrap();
    let lock = dir.join("stack.lock");
    let _ = std::fs::remove_file(&lock);
    let out_dir = dir.join("out");
    let run = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend([
            path.to_str().unwrap(),
            "--build-dir",
            out_dir.to_str().unwrap(),
        ]);
        Command::new(env!("CARGO_BIN_EXE_stackc"))
            .args(&all)
            .env("NO_COLOR", "1")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env_remove("STACKC_CINC_METADATA_URL")
            .output()
            .unwrap()
    };
    // No lock file: neither the image nor the Cinc package is pinned.
    let out = run(&["deploy", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("stackc::image_not_locked"), "{err}");
    assert!(err.contains("stackc::cinc_not_locked"), "{err}");
    assert!(err.contains("there is no lock file"), "{err}");
    assert!(err.contains("amazon-linux-2023 x86_64"), "{err}");
    assert!(err.contains("run `stackc lock "), "{err}");
    assert!(
        !err.contains("artifact bucket"),
        "stopped before AWS: {err}"
    );
    // A lock for another region.
    std::fs::write(
        &lock,
        "image region=\"eu-west-1\" os=\"amazon-linux-2023\" arch=\"x86_64\" id=\"ami-12345678\"\n",
    )
    .unwrap();
    let out = run(&["--message-format", "json", "diff"]);
    assert_eq!(out.status.code(), Some(1));
    let line: serde_json::Value =
        serde_json::from_slice(out.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(line["code"], "stackc::image_not_locked");
    assert_eq!(line["severity"], "error");
    assert!(line["message"]
        .as_str()
        .unwrap()
        .contains("pins no image for us-east-1 amazon-linux-2023 x86_64"));
    // The image pinned, the Cinc package not (a lock file from before stackc
    // pinned packages, or for another Cinc version).
    let v = stackc_core::emit::cfn::userdata::CINC_VERSION;
    let image =
        "image region=\"us-east-1\" os=\"amazon-linux-2023\" arch=\"x86_64\" id=\"ami-12345678\"\n";
    for lock_text in [
        image.to_string(),
        format!(
            "{image}cinc os=\"amazon-linux-2023\" arch=\"x86_64\" version=\"1.0.0\" sha256=\"{}\" url=\"https://d.example/cinc.rpm\"\n",
            "a".repeat(64)
        ),
    ] {
        std::fs::write(&lock, lock_text).unwrap();
        let out = run(&["--message-format", "json", "deploy", "--yes"]);
        assert_eq!(out.status.code(), Some(1));
        let lines: Vec<serde_json::Value> = out
            .stdout
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0]["code"], "stackc::cinc_not_locked");
        assert!(
            lines[0]["message"].as_str().unwrap().ends_with(&format!(
                "pins no package for Cinc {v} on amazon-linux-2023 x86_64, which environment `production` installs"
            )),
            "{lines:?}"
        );
        let help = lines[0]["help"].as_str().unwrap();
        assert!(help.starts_with("run `stackc lock "), "{help}");
        assert!(help.contains("https://omnitruck.cinc.sh/stable/cinc/metadata"), "{help}");
        assert!(!stderr(&out).contains("artifact bucket"), "stopped before AWS");
    }
    // A lock file that does not parse points at its line.
    std::fs::write(
        &lock,
        "image region=\"us-east-1\" os=\"amazon-linux-2023\" arch=\"x86_64\" id=\"ami-12345678\"\nimage region=\"us-east-1\" os=\"amazon-linux-2023\" arch=\"x86_64\" id=\"i-123\"\n",
    )
    .unwrap();
    let out = run(&["deploy", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("stackc::bad_lock_file"), "{err}");
    assert!(err.contains("stack.lock:2:"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn lock_names_the_cinc_metadata_it_cannot_read_and_writes_nothing() {
    // The packages are looked up before any AWS call, so no AWS double is
    // needed; Cinc's metadata is a local server that knows nothing here.
    let server = common::CincServer::start();
    let path = temp_file(
        "lock-metadata",
        std::fs::read_to_string(example("minimal"))
            .unwrap()
            .as_bytes(),
    );
    let lock = path.parent().unwrap().join("stack.lock");
    let _ = std::fs::remove_file(&lock);
    let v = stackc_core::emit::cfn::userdata::CINC_VERSION;
    for (url, why) in [
        (
            format!("{}/nothing-here", server.base),
            "HTTP 404 Not Found",
        ),
        (
            "http://127.0.0.1:9/metadata".to_string(),
            "Connection refused",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_stackc"))
            .args(["lock", path.to_str().unwrap()])
            .env("NO_COLOR", "1")
            .env("STACKC_CINC_METADATA_URL", &url)
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = stderr(&out);
        assert!(
            err.contains(&format!(
                "error: cannot read the Cinc {v} package for amazon-linux-2023 x86_64 from {url}?p=amazon&pv=2023&m=x86_64&v={v}: "
            )),
            "{err}"
        );
        assert!(err.contains(why), "{err}");
        assert!(err.contains("stack.lock is unchanged"), "{err}");
        assert!(!lock.exists());
    }
    assert_eq!(server.requests("/nothing-here?p=amazon&pv=2023"), 1);
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// The `[file:line:column]` headers of the rendered diagnostics.
fn header_places(stderr: &str) -> Vec<(usize, usize)> {
    stderr
        .split("stack.kdl:")
        .skip(1)
        .map(|rest| {
            let (place, _) = rest.split_once(']').expect("the header ends");
            let (line, column) = place.split_once(':').expect("line:column");
            (line.parse().unwrap(), column.parse().unwrap())
        })
        .collect()
}

/// Line and column of each JSON diagnostic.
fn json_places(stdout: &[u8]) -> Vec<(usize, usize)> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|l| {
            let d: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                d["line"].as_u64().unwrap() as usize,
                d["column"].as_u64().unwrap() as usize,
            )
        })
        .collect()
}

#[test]
fn diagnostics_far_along_a_line_are_rendered_with_their_place() {
    // miette lays out carets with format widths, which panic past 65,535
    // columns; the renderer shows a window of a long line instead.
    for column in [70_000, 1_000_000] {
        let pad = " ".repeat(column - 1);
        // A checker error (an unknown node) and a syntax error (`fmt` reports only those).
        let unknown = format!("stack s {{\n    region us-east-1\n{pad}bogus 1\n}}\n");
        let syntax = format!("stack s {{\n    region us-east-1\n{pad}a=\n}}\n");
        for (what, text, commands) in [
            ("unknown node", &unknown, &["check", "build"][..]),
            ("syntax error", &syntax, &["check", "build", "fmt"][..]),
        ] {
            let path = temp_file(
                &format!("long-{column}-{}", what.replace(' ', "-")),
                text.as_bytes(),
            );
            let file = path.to_str().unwrap();
            let out_dir = path.with_file_name("out");
            for command in commands {
                let mut args = vec![*command, file];
                if *command == "build" {
                    args.extend(["--out", out_dir.to_str().unwrap()]);
                }
                let human = stackc(&args);
                let err = stderr(&human);
                assert_eq!(
                    human.status.code(),
                    Some(1),
                    "{what} at {column}, {command}: {err:.2000}"
                );
                assert!(!err.contains("panicked"), "{err:.2000}");
                let places = header_places(&err);
                let on_line_3: Vec<_> = places.iter().filter(|p| p.0 == 3).collect();
                assert_eq!(on_line_3.len(), 1, "{what}, {command}: {err:.2000}");
                if what == "unknown node" {
                    assert_eq!(on_line_3[0].1, column, "{what}, {command}: {err:.2000}");
                    assert!(err.contains("stackc::unknown_node"), "{err:.2000}");
                } else {
                    assert!(
                        (column..column + 3).contains(&on_line_3[0].1),
                        "{err:.2000}"
                    );
                }
                // The excerpt is a window, not the whole line, and still has the caret.
                assert!(err.lines().all(|l| l.chars().count() < 400), "{err:.2000}");
                assert!(err.contains('▲') || err.contains('┬'), "{err:.2000}");
                let mut json_args = vec!["--message-format", "json"];
                json_args.extend(&args);
                let json = stackc(&json_args);
                assert_eq!(json.status.code(), Some(1), "{}", stderr(&json));
                assert_eq!(json_places(&json.stdout), places, "{what}, {command}");
            }
        }
    }
}

/// A deployment's custom JSON is checked before anything reaches AWS: a
/// key stackc computes or a credential is refused (exit 1), and flags that
/// do not go with the event are usage errors (exit 2).
#[test]
fn a_deployments_custom_json_is_vetted_before_it_is_sent() {
    let goldcar = example("goldcar");
    let json = |name: &str, text: &str| {
        let dir = std::env::temp_dir().join(format!("stackc-cli-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("deployment.json");
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    };
    let computed = json("computed", r#"{"deploy":{"rentals":{"user":"root"}}}"#);
    let o = stackc(&[
        "run",
        "deploy",
        &goldcar,
        "--app",
        "rentals",
        "--custom-json",
        &computed,
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("`deploy.rentals.user` is computed by stackc"),
        "{}",
        stderr(&o)
    );
    let secret = json("secret", r#"{"aws":{"key":"AKIAABCDEFGHIJKLMNOP"}}"#);
    let o = stackc(&["run", "deploy", &goldcar, "--custom-json", &secret]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("`aws.key` looks like an AWS access key id"),
        "{}",
        stderr(&o)
    );
    let broken = json("broken", "{\"a\": ");
    let o = stackc(&["run", "deploy", &goldcar, "--custom-json", &broken]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("is not JSON"), "{}", stderr(&o));
    let o = stackc(&[
        "run",
        "deploy",
        &goldcar,
        "--custom-json",
        "/nonexistent/x.json",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("cannot read /nonexistent/x.json"),
        "{}",
        stderr(&o)
    );

    // Each event takes only its own options.
    let o = stackc(&["run", "configure", &goldcar, "--migrate"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("unexpected argument '--migrate'"),
        "{}",
        stderr(&o)
    );
    let ok = json("ok", r#"{"goldcar":{"currency":"USD"}}"#);
    let o = stackc(&["run", "update-cookbooks", &goldcar, "--custom-json", &ok]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

/// A stack with one cookbook holding every call the cookbook lint knows, on
/// the client `chef` names; the stack file.
fn legacy_cookbooks(name: &str, chef: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stackc-lint-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let book = dir.join("cookbooks/legacy");
    for sub in ["recipes", "libraries", "attributes", "templates/default"] {
        std::fs::create_dir_all(book.join(sub)).unwrap();
    }
    std::fs::write(book.join("metadata.rb"), "name 'legacy'\nversion '1.0.0'\n").unwrap();
    std::fs::write(
        book.join("recipes/default.rb"),
        r#"# node.set['in'] = 'a comment'
node.set['legacy']['a'] = 1
log "node.set['in'] = 'a string'"
deploy_revision "/srv/www/app" do
  repo "https://git.example/app.git"
end
node['legacy']['b'] = 2
"#,
    )
    .unwrap();
    std::fs::write(
        book.join("libraries/helpers.rb"),
        "module Legacy\n  def self.run(cmd)\n    Chef::ShellOut.new(cmd).run_command\n  end\nend\nChef::Platform.set(platform: :ubuntu, resource: :service, provider: Chef::Provider::Service::Upstart)\n",
    )
    .unwrap();
    std::fs::write(
        book.join("attributes/default.rb"),
        "default['legacy']['c'] = 3\nset_unless['legacy']['d'] = 4\n",
    )
    .unwrap();
    // A resource Chef 14 added: Cinc 18 has it, Chef 12 does not.
    std::fs::write(book.join("recipes/host.rb"), "hostname 'web1'\n").unwrap();
    // Templates are not code Chef loads: not read.
    std::fs::write(book.join("templates/default/x.erb"), "<%= node.set %>\n").unwrap();
    std::fs::write(
        dir.join("stack.kdl"),
        format!(
            "stack legacy {{\n    region eu-west-1\n    cookbooks \"cookbooks\"\n    {chef}\n    layer web type=php-app {{\n        recipes {{ setup \"legacy\"; }}\n    }}\n}}\n"
        ),
    )
    .unwrap();
    dir.join("stack.kdl")
}

#[test]
fn check_reports_cookbook_calls_cinc_18_removed_with_file_line_and_help() {
    let stack = legacy_cookbooks("cinc", "");
    let file = stack.display().to_string();
    let out = stackc(&["check", "--message-format", "json", &file]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON object per line"))
        .collect();
    let book = stack.parent().unwrap().join("cookbooks/legacy");
    let got: Vec<(String, u64, String, String)> = lines
        .iter()
        .map(|d| {
            assert_eq!(d["severity"], "warning", "{d}");
            assert!(d["help"].as_str().is_some_and(|h| !h.is_empty()), "{d}");
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let at = |rel: &str| book.join(rel).display().to_string();
    let removed = "stackc::chef_removed".to_string();
    assert_eq!(
        got,
        [
            (
                at("attributes/default.rb"),
                2,
                removed.clone(),
                "`node.set_unless` was removed in Chef 14: Cinc 18.6.2 fails on it".to_string()
            ),
            (
                at("libraries/helpers.rb"),
                3,
                removed.clone(),
                "`Chef::ShellOut` was removed in Chef 13: Cinc 18.6.2 fails on it".to_string()
            ),
            (
                at("libraries/helpers.rb"),
                6,
                removed.clone(),
                "`Chef::Platform.set` was removed in Chef 13: Cinc 18.6.2 fails on it".to_string()
            ),
            (
                at("recipes/default.rb"),
                2,
                removed.clone(),
                "`node.set` was removed in Chef 14: Cinc 18.6.2 fails on it".to_string()
            ),
            (
                at("recipes/default.rb"),
                4,
                removed.clone(),
                "`deploy_revision` was removed in Chef 14: Cinc 18.6.2 fails on it".to_string()
            ),
            (
                at("recipes/default.rb"),
                7,
                removed.clone(),
                "`node[...] =` was removed in Chef 11: Cinc 18.6.2 fails on it".to_string()
            ),
        ]
    );
    // Each help names the replacement.
    let help = |i: usize| lines[i]["help"].as_str().unwrap().to_string();
    assert!(help(0).contains("node.normal"), "{}", help(0));
    assert!(help(1).contains("Mixlib::ShellOut"), "{}", help(1));
    assert!(help(2).contains("provides"), "{}", help(2));
    assert!(help(3).contains("node.normal"), "{}", help(3));
    assert!(help(4).contains("deploy_resource"), "{}", help(4));
    assert!(help(5).contains("node.default["), "{}", help(5));
    // For a terminal: each excerpt of its cookbook file, one summary.
    let out = stackc(&["check", &file]);
    assert_eq!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(err.contains("stackc::chef_removed"), "{err}");
    assert!(
        err.contains(&format!("{}:4:1]", at("recipes/default.rb"))),
        "{err}"
    );
    assert!(err.contains("deploy_revision \"/srv/www/app\" do"), "{err}");
    assert!(err.contains("6 warnings\n"), "{err}");
    assert!(err.lines().last().unwrap().starts_with("ok: "), "{err}");
}

#[test]
fn check_on_chef_12_reports_only_what_chef_12_deprecated_or_removed() {
    let stack = legacy_cookbooks("chef-12", "chef client=\"chef\" version=\"12.22.5\"");
    let out = stackc(&[
        "check",
        "--message-format",
        "json",
        &stack.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let all: Vec<(String, String)> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let d: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // No warning about the stack file: the built-in recipes run on 12.22.
    let got = &all[..];
    let dep = |call: &str, since: &str, removed: &str| {
        (
            "stackc::chef_deprecated".to_string(),
            format!("`{call}` is deprecated since {since} and removed in {removed}: Chef Infra Client 12.22.5 warns about it"),
        )
    };
    // The deploy resource is still Chef 12's; node[...] = was gone in 11.
    assert_eq!(
        got,
        [
            dep("node.set_unless", "Chef 12.12", "Chef 14"),
            dep("Chef::ShellOut", "Chef 11", "Chef 13"),
            dep("Chef::Platform.set", "Chef 12", "Chef 13"),
            dep("node.set", "Chef 12.12", "Chef 14"),
            (
                "stackc::chef_removed".to_string(),
                "`node[...] =` was removed in Chef 11: Chef Infra Client 12.22.5 fails on it"
                    .to_string()
            ),
            (
                "stackc::chef_unavailable".to_string(),
                "Chef Infra Client 12.22.5 has no `hostname` resource (new in Chef 14.0)"
                    .to_string()
            ),
        ]
    );
}

#[test]
fn lock_pins_each_client_package_and_drops_those_no_environment_installs() {
    // The image is pinned already, so `lock` asks no AWS API; both metadata
    // endpoints are a local server.
    let server = common::CincServer::start();
    let path = temp_file(
        "lock-clients",
        br#"stack legacy {
    region us-east-1
    layer web type=custom {
        chef client="chef" version="12.22.5"
    }
    layer jobs type=custom
}
"#,
    );
    let lock = path.parent().unwrap().join("stack.lock");
    let image =
        "image region=\"us-east-1\" os=\"amazon-linux-2023\" arch=\"x86_64\" id=\"ami-12345678\"\n";
    let stale = format!(
        "cinc os=\"amazon-linux-2023\" arch=\"x86_64\" version=\"18.5.0\" sha256=\"{}\" url=\"https://d.example/cinc.rpm\"\n",
        "a".repeat(64)
    );
    std::fs::write(&lock, format!("{image}{stale}")).unwrap();
    let out_dir = path.parent().unwrap().join("out");
    let run = |args: &[&str], chef_metadata: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_stackc"));
        cmd.args(args)
            .arg(&path)
            .current_dir(path.parent().unwrap())
            .env("NO_COLOR", "1")
            .env("STACKC_CINC_METADATA_URL", server.metadata_url())
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing");
        if chef_metadata {
            cmd.env("STACKC_CHEF_METADATA_URL", server.chef_metadata_url());
        } else {
            cmd.env_remove("STACKC_CHEF_METADATA_URL");
        }
        cmd.output().unwrap()
    };
    let out = run(&["lock"], true);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("  - Cinc 18.5.0 for amazon-linux-2023 x86_64: no environment installs it"),
        "{err}"
    );
    let text = std::fs::read_to_string(&lock).unwrap();
    let pinned = |client: &str, v: &str| {
        let url = server.client_package_url(client, "amazon", "2023", "x86_64", v);
        let sha = stackc_core::emit::manifest::sha256_hex(&common::CincServer::package(
            url.rsplit('/').next().unwrap(),
        ));
        format!(
            "{client} os=\"amazon-linux-2023\" arch=\"x86_64\" version=\"{v}\" sha256=\"{sha}\" url=\"{url}\"\n"
        )
    };
    let v = stackc_core::emit::cfn::userdata::CINC_VERSION;
    let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with("//")).collect();
    assert_eq!(
        lines,
        [
            image.trim_end(),
            pinned("cinc", v).trim_end(),
            pinned("chef", "12.22.5").trim_end()
        ],
        "{text}"
    );
    assert_eq!(
        server.requests("/stable/chef/metadata?p=amazon&pv=2023&m=x86_64&v=12.22.5"),
        1
    );
    let out = run(&["lock"], true);
    assert!(
        stderr(&out).contains("is up to date: 1 image and 2 Chef client packages pinned"),
        "{}",
        stderr(&out)
    );
    // Without the chef line, deploy names the Chef Infra Client package and
    // the endpoint `lock` would ask.
    std::fs::write(&lock, format!("{image}{}", pinned("cinc", v))).unwrap();
    let out = run(
        &[
            "--message-format",
            "json",
            "deploy",
            "--yes",
            "--build-dir",
            out_dir.to_str().unwrap(),
        ],
        false,
    );
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|d: &serde_json::Value| d["code"] == "stackc::cinc_not_locked")
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0]["message"]
            .as_str()
            .unwrap()
            .contains("pins no package for Chef Infra Client 12.22.5 on amazon-linux-2023 x86_64"),
        "{lines:?}"
    );
    assert!(
        lines[0]["help"]
            .as_str()
            .unwrap()
            .contains("https://omnitruck.chef.io/stable/chef/metadata"),
        "{lines:?}"
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

/// `stackc completions bash` is a script bash loads and completes commands
/// with; zsh and fish get theirs.
#[test]
fn completions_complete_commands_in_bash() {
    let out = stackc(&["completions", "bash"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let script = temp_file("stackc.bash", &out.stdout);
    let completed = Command::new("bash")
        .arg("-c")
        .arg(
            r#"source "$1"
               COMP_WORDS=(stackc de); COMP_CWORD=1; _stackc stackc de stackc; echo "${COMPREPLY[*]}"
               COMP_WORDS=(stackc deploy --); COMP_CWORD=2; _stackc stackc -- deploy; echo "${COMPREPLY[*]}""#,
        )
        .arg("bash")
        .arg(&script)
        .output()
        .expect("bash");
    let text = String::from_utf8_lossy(&completed.stdout).into_owned();
    let mut lines = text.lines();
    let commands: Vec<&str> = lines.next().unwrap_or_default().split(' ').collect();
    assert_eq!(
        commands,
        ["deploy", "destroy"],
        "{text}{}",
        stderr(&completed)
    );
    let options = lines.next().unwrap_or_default();
    for option in ["--env", "--yes", "--force-unlock"] {
        assert!(options.split(' ').any(|o| o == option), "{options}");
    }
    for shell in ["zsh", "fish"] {
        let out = stackc(&["completions", shell]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("deploy") && text.contains("force-unlock"),
            "{shell}"
        );
    }
    assert_eq!(stackc(&["completions", "csh"]).status.code(), Some(2));
}

/// `stackc man` and `stackc man COMMAND` are roff pages made from the
/// command line's definition: every command and every option of it.
#[test]
fn man_pages_cover_every_command_and_option() {
    let out = stackc(&["man"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let main = String::from_utf8(out.stdout).unwrap();
    assert!(
        main.starts_with(".ie") || main.contains(".TH stackc 1"),
        "{main}"
    );
    assert!(main.contains(".TH stackc 1"));
    for cmd in commands() {
        let cmd = cmd.as_str();
        assert!(
            main.contains(&format!("stackc\\-{}(1)", cmd.replace('-', "\\-"))),
            "{cmd}"
        );
        let out = stackc(&["man", cmd]);
        assert!(out.status.success(), "{cmd}: {}", stderr(&out));
        let page = String::from_utf8(out.stdout).unwrap();
        assert!(page.contains(&format!(".TH stackc-{cmd} 1")), "{page}");
        let help = String::from_utf8(stackc(&[cmd, "--help"]).stdout).unwrap();
        for option in help.split_whitespace().filter(|w| w.starts_with("--")) {
            let option = option.trim_end_matches([',', '.', ')']);
            if option.len() > 2
                && option
                    .chars()
                    .skip(2)
                    .all(|c| c.is_ascii_lowercase() || c == '-')
            {
                // Global options are on stackc(1).
                let roff = option.replace('-', "\\-");
                assert!(
                    page.contains(&roff) || main.contains(&roff),
                    "{cmd}: {option}"
                );
            }
        }
    }
    let out = stackc(&["man", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("commands: init, check"),
        "{}",
        stderr(&out)
    );
}

/// `stackc init` starts a project of each layer type that checks without a
/// warning, formats as written, and builds with its own recipes in the run
/// lists; its Ruby parses; it never overwrites, and refuses a bad name.
#[test]
fn init_writes_a_project_that_checks_and_builds() {
    common::require(&["ruby"]);
    for kind in ["php-app", "nodejs-app", "static-web", "custom"] {
        let dir =
            std::env::temp_dir().join(format!("stackc-init-{}/Shop {kind}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let d = dir.display().to_string();
        let out = stackc(&["init", &d, "--type", kind]);
        assert!(out.status.success(), "{kind}: {}", stderr(&out));
        let file = dir.join("stack.kdl").display().to_string();
        let check = stackc(&["check", &file]);
        assert!(check.status.success(), "{kind}: {}", stderr(&check));
        assert!(
            !stderr(&check).contains("warning"),
            "{kind}: {}",
            stderr(&check)
        );
        let fmt = stackc(&["fmt", "--check", &file]);
        assert!(fmt.status.success(), "{kind}: {}", stderr(&fmt));
        let text = std::fs::read_to_string(&file).unwrap();
        let name = format!("shop-{kind}");
        assert!(text.contains(&format!("stack {name} {{")), "{text}");
        let cookbook = name.replace('-', "_");
        for recipe in
            std::fs::read_dir(dir.join("cookbooks").join(&cookbook).join("recipes")).unwrap()
        {
            let recipe = recipe.unwrap().path();
            let ruby = Command::new("ruby")
                .arg("-c")
                .arg(&recipe)
                .output()
                .unwrap();
            assert!(ruby.status.success(), "{}", recipe.display());
        }
        let out_dir = dir.join("out").display().to_string();
        let build = stackc(&["build", &file, "--out", &out_dir, "--nodes"]);
        assert!(build.status.success(), "{kind}: {}", stderr(&build));
        let layer = if kind == "static-web" {
            "web"
        } else if kind == "custom" {
            "worker"
        } else {
            "app"
        };
        let setup: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join(format!("out/{name}-production/nodes/{layer}/setup.json")))
                .unwrap(),
        )
        .unwrap();
        let run_list = setup["run_list"].to_string();
        assert!(
            run_list.contains(&format!("recipe[{cookbook}::setup]")),
            "{run_list}"
        );
        // Nothing is overwritten, not even a file the user changed.
        std::fs::write(&file, "stack mine { region eu-west-1 }\n").unwrap();
        let again = stackc(&["init", &d, "--type", kind]);
        assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
        assert!(stderr(&again).contains("already exists; nothing was written"));
        assert_eq!(
            std::fs::read_to_string(&file).unwrap(),
            "stack mine { region eu-west-1 }\n"
        );
        let _ = std::fs::remove_dir_all(dir.parent().unwrap());
    }
    let bad = stackc(&["init", "/nonexistent-stackc-init", "--name", "Bad_Name"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("(`bad-name`?)"), "{}", stderr(&bad));
    assert!(!std::path::Path::new("/nonexistent-stackc-init").exists());
}

/// JSON diagnostics carry a fix an editor can apply: the span (offset,
/// length, line, column) and the text to put there.
#[test]
fn json_diagnostics_carry_machine_applicable_fixes() {
    let src = "stack s {\n    region eu-west-1\n    layer api type=custom {\n        instance-type t3.micro\n        scaling {\n            instances min=1 max=3\n            load { up cpu-above=70 for=\"5 min\" add=1 }\n        }\n    }\n}\n";
    let file = temp_file("fix", src.as_bytes());
    let out = stackc(&["--message-format", "json", "check", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let line = String::from_utf8(out.stdout).unwrap();
    let d: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    assert_eq!(d["code"], "stackc::bad_duration");
    let fix = &d["fix"];
    assert_eq!(fix["replacement"], "\"5m\"");
    let (at, len) = (
        fix["offset"].as_u64().unwrap() as usize,
        fix["length"].as_u64().unwrap() as usize,
    );
    assert_eq!(&src[at..at + len], "\"5 min\"");
    assert_eq!(
        (fix["line"].as_u64(), fix["column"].as_u64()),
        (Some(7), Some(40))
    );
    let mut fixed = src.to_string();
    fixed.replace_range(at..at + len, "\"5m\"");
    let again = temp_file("fixed", fixed.as_bytes());
    assert!(stackc(&["check", again.to_str().unwrap()]).status.success());
}

/// `stackc status` run as a user without AWS set up would run it: each
/// failure is one sentence naming the service, the call and the cause, with
/// a fix, and no SDK dump unless `--verbose` asks for it.
fn status_with(env: &[(&str, &str)], extra: &[&str]) -> (Option<i32>, String) {
    let home = std::env::temp_dir().join(format!("stackc-cli-home-{}", std::process::id()));
    std::fs::create_dir_all(home.join(".aws")).unwrap();
    std::fs::write(
        home.join(".aws/config"),
        "[profile dev]\nregion = eu-west-1\n",
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stackc"));
    cmd.args(["status", &example("minimal")])
        .args(extra)
        .env("NO_COLOR", "1")
        .env("HOME", &home)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run stackc");
    (out.status.code(), stderr(&out))
}

/// A port on 127.0.0.1 where nothing listens.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn aws_failures_are_one_sentence_with_a_fix() {
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let creds = [
        ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", "example"),
    ];
    let dumped = |e: &str| e.contains("DispatchFailure(") || e.contains("ConnectorError");

    let (code, err) = status_with(&[("AWS_ENDPOINT_URL", &endpoint)], &[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("error: CloudFormation DescribeStacks: no AWS credentials were found"),
        "{err}"
    );
    assert!(err.contains("help: run `aws configure`"), "{err}");
    assert!(!dumped(&err), "{err}");

    let (code, err) = status_with(&[("AWS_ENDPOINT_URL", &endpoint)], &["--profile", "nosuch"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(
            "the AWS profile `nosuch` is defined in neither ~/.aws/config nor ~/.aws/credentials"
        ),
        "{err}"
    );

    let mut env = creds.to_vec();
    env.push(("AWS_ENDPOINT_URL", &endpoint));
    let (code, err) = status_with(&env, &[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains(&format!("error: CloudFormation DescribeStacks: cannot reach AWS at {endpoint} (AWS_ENDPOINT_URL): the connection was refused")),
        "{err}"
    );
    assert!(!dumped(&err), "{err}");
    let (_, verbose) = status_with(&env, &["--verbose"]);
    assert!(
        verbose.contains("the SDK said: dispatch failure"),
        "{verbose}"
    );
}

/// An endpoint on 127.0.0.1 that answers its `n`th request with the
/// CloudFormation error `answer(n)` gives (HTTP status, code, message), as
/// AWS writes errors of its query protocol.
fn canned_cloudformation(
    answer: impl Fn(usize) -> (&'static str, &'static str, &'static str) + Send + 'static,
) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0u8; 65536];
            let _ = s.read(&mut buf);
            let (status, code, message) = answer(n);
            let body = format!("<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>1</RequestId></ErrorResponse>");
            let _ = write!(
                s,
                "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    endpoint
}

/// `stackc status` with credentials against `endpoint`.
fn status_against(endpoint: &str) -> (Option<i32>, String) {
    status_with(
        &[
            ("AWS_ENDPOINT_URL", endpoint),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "example"),
        ],
        &[],
    )
}

/// A canned CloudFormation answer, as AWS sends it, refusing the call: the
/// message names the IAM action to allow.
#[test]
fn access_denied_names_the_iam_action() {
    let endpoint = canned_cloudformation(|_| {
        (
            "403 Forbidden",
            "AccessDenied",
            "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudformation:DescribeStacks",
        )
    });
    let (code, err) = status_against(&endpoint);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("access denied: CloudFormation DescribeStacks needs cloudformation:DescribeStacks: User: arn:aws:iam::123456789012:user/ci is not authorized"),
        "{err}"
    );
    assert!(err.contains("help: allow that action"), "{err}");
}

/// A throttled call is tried again, and the user is told each time.
#[test]
fn retries_are_said() {
    let endpoint = canned_cloudformation(|n| {
        if n < 2 {
            ("400 Bad Request", "Throttling", "Rate exceeded")
        } else {
            (
                "400 Bad Request",
                "ValidationError",
                "Stack with id minimal-production does not exist",
            )
        }
    });
    let (code, err) = status_against(&endpoint);
    let retries: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("stackc: retrying"))
        .collect();
    assert_eq!(
        retries,
        [
            "stackc: retrying CloudFormation DescribeStacks (attempt 2 of 8)",
            "stackc: retrying CloudFormation DescribeStacks (attempt 3 of 8)"
        ],
        "{err}"
    );
    assert!(err.contains("not deployed"), "{code:?} {err}");
}

/// Every target region boots from the images the lock file pins there: a
/// deploy whose lock pins the stack's region but not another target's is
/// refused before any AWS call, naming that region.
#[test]
fn a_targeted_deploy_needs_the_images_of_every_target_region() {
    let dir = std::env::temp_dir().join(format!("stackc-targets-lock-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    common::copy_dir(&repo().join("examples/multi-region"), &dir);
    let cinc = format!(
        "cinc os=\"amazon-linux-2023\" arch=\"x86_64\" version=\"{}\" sha256=\"{}\" url=\"https://d.example/cinc.rpm\"\n",
        stackc_core::chef::Client::Cinc.default_version(),
        "a".repeat(64)
    );
    std::fs::write(
        dir.join("stack.lock"),
        format!("image region=\"us-east-1\" os=\"amazon-linux-2023\" arch=\"x86_64\" id=\"ami-0123456789abcdef0\"\n{cinc}"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(["deploy", "--yes"])
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("stackc::image_not_locked"), "{err}");
    assert!(err.contains("eu-west-1"), "{err}");
    assert!(!err.contains("127.0.0.1"), "no AWS call was tried: {err}");
    let _ = std::fs::remove_dir_all(&dir);
}
