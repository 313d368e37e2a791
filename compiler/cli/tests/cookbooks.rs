//! The built-in and example cookbooks: valid Ruby and ERB, the built-in
//! ones also as the Ruby of Chef Infra Client 12.22 reads it, every recipe
//! the stdlib names exists, metadata names each cookbook, and the node JSON
//! has every field OpsWorks' own Chef 11.10 cookbooks read
//! (../shared/OPSWORKS.md §1), so they run on stackc unchanged. And a
//! stack's own vendored cookbook: `stackc check` takes the resource it
//! defines as available on an older Chef client.

mod common;
use common::{repo, require};

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

fn cookbook_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![repo().join("cookbooks")];
    for e in ["goldcar", "shop"] {
        dirs.push(repo().join("examples").join(e).join("cookbooks"));
    }
    dirs
}

#[test]
fn every_ruby_file_parses() {
    require(&["ruby"]);
    let mut rb = Vec::new();
    for d in cookbook_dirs() {
        files(&d, "rb", &mut rb);
    }
    assert!(rb.len() > 40, "{}", rb.len());
    for f in rb {
        let o = Command::new("ruby").arg("-c").arg(&f).output().unwrap();
        assert!(
            o.status.success(),
            "{}: {}",
            f.display(),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn every_template_compiles() {
    require(&["ruby"]);
    let mut erb = Vec::new();
    for d in cookbook_dirs() {
        files(&d, "erb", &mut erb);
    }
    assert!(erb.len() > 10);
    for f in erb {
        let src = Command::new("erb")
            .args(["-x", "-T", "-"])
            .arg(&f)
            .output()
            .unwrap();
        assert!(src.status.success(), "{}", f.display());
        let mut ruby = Command::new("ruby")
            .arg("-c")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write as _;
        ruby.stdin.take().unwrap().write_all(&src.stdout).unwrap();
        let o = ruby.wait_with_output().unwrap();
        assert!(
            o.status.success(),
            "{}: {}",
            f.display(),
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// The Ruby that Chef Infra Client 12.22 runs the built-in cookbooks with:
/// its omnibus package embeds Ruby 2.3.6 (chef/chef's `omnibus_overrides.rb`
/// at v12.22.5; Chef 13 moved to 2.4), so the cookbooks must parse as 2.3
/// and call no method a later Ruby added.
const CHEF_12_RUBY: &str = "23";

/// The built-in cookbooks' Ruby files, and their templates compiled to Ruby
/// by ERB into `scratch`: (the file `ruby-parse` reads, the name to report).
fn built_in_ruby(scratch: &Path) -> Vec<(PathBuf, String)> {
    let root = repo().join("cookbooks");
    let name = |p: &Path| p.strip_prefix(repo()).unwrap().display().to_string();
    let mut rb = Vec::new();
    files(&root, "rb", &mut rb);
    rb.sort();
    let mut out: Vec<(PathBuf, String)> = rb.iter().map(|p| (p.clone(), name(p))).collect();
    let mut erb = Vec::new();
    files(&root, "erb", &mut erb);
    erb.sort();
    std::fs::create_dir_all(scratch).unwrap();
    for (i, t) in erb.iter().enumerate() {
        let src = Command::new("erb")
            .args(["-x", "-T", "-"])
            .arg(t)
            .output()
            .unwrap();
        assert!(src.status.success(), "{}", t.display());
        let compiled = scratch.join(format!("template-{i}.rb"));
        std::fs::write(&compiled, &src.stdout).unwrap();
        out.push((compiled, format!("{} (compiled by erb -x)", name(t))));
    }
    out
}

/// Parses `files` with whitequark's parser as Ruby 2.`CHEF_12_RUBY` would
/// (`ruby-parse --23 -B`: no syntax trees printed, a report of how many
/// files parsed) and returns each error as `name:line:column: message`.
/// `ruby-parse` exits 0 even when a file does not parse, so the errors are
/// read from its output, and the count of files parsed must match.
fn ruby_2_3_errors(files: &[(PathBuf, String)]) -> Vec<String> {
    let o = Command::new("ruby-parse")
        .arg(format!("--{CHEF_12_RUBY}"))
        .arg("-B")
        .args(files.iter().map(|(p, _)| p))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "ruby-parse failed: {out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut errors = Vec::new();
    for line in out.lines() {
        for (path, name) in files {
            let prefix = format!("{}:", path.display());
            let Some(rest) = line.strip_prefix(&prefix) else {
                continue;
            };
            // `file:3:1: error: unexpected token kRESCUE` (the source line
            // and a caret follow as `file:3: ...`, which are not errors).
            if rest.contains(": error: ") || rest.contains(": fatal: ") {
                errors.push(format!("{name}:{rest}"));
            }
        }
    }
    let parsed = format!("Parsed {} files", files.len() - errors.len());
    assert!(
        out.contains(&parsed) || !errors.is_empty(),
        "ruby-parse did not parse every file ({parsed} expected): {out}"
    );
    if files.len() > 1 {
        assert!(
            out.contains(&format!("Using Parser::Ruby{CHEF_12_RUBY} to parse")),
            "{out}"
        );
    }
    errors
}

/// Every built-in .rb file, and every template's Ruby, parses as Ruby 2.3,
/// the Ruby of Chef Infra Client 12.22 (none of Ruby 2.4's and later
/// grammar: `rescue` inside `do ... end` without `begin`, `then`-less
/// pattern matching, endless methods, `...`, numbered parameters, hash
/// shorthand).
#[test]
fn built_in_cookbooks_parse_as_the_ruby_of_chef_12_22() {
    require(&["ruby-parse", "erb"]);
    let scratch = std::env::temp_dir().join(format!("stackc-ruby23-{}", std::process::id()));
    let files = built_in_ruby(&scratch);
    assert!(files.len() > 60, "{}", files.len());
    let errors = ruby_2_3_errors(&files);
    assert!(
        errors.is_empty(),
        "not Ruby 2.3 (Chef Infra Client 12.22's Ruby):\n{}",
        errors.join("\n")
    );
    // The check finds what it must: Ruby 2.5's `rescue` in a `do` block,
    // named by file and line.
    let bad = scratch.join("rescue_in_block.rb");
    std::fs::write(
        &bad,
        "[1].each do |x|\n  Integer(x)\nrescue ArgumentError\n  nil\nend\n",
    )
    .unwrap();
    let errors = ruby_2_3_errors(&[(bad, "rescue_in_block.rb".into())]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("rescue_in_block.rb:3:1: error:"),
        "{errors:?}"
    );
    std::fs::remove_dir_all(&scratch).ok();
}

/// Methods Ruby added after 2.3 (each with the Ruby that added it, from
/// Ruby's NEWS files): a built-in cookbook calling one fails on Chef Infra
/// Client 12.22 with NoMethodError. Names that older classes also define
/// (`Hash#slice`, `Hash#compact`, `Array#append`) are left out.
const RUBY_AFTER_2_3: &[(&str, &str)] = &[
    ("match?", "2.4"),
    ("sum", "2.4"),
    ("clamp", "2.4"),
    ("transform_values", "2.4"),
    ("transform_values!", "2.4"),
    ("casecmp?", "2.4"),
    ("unpack1", "2.4"),
    ("digits", "2.4"),
    ("children", "2.5"),
    ("each_child", "2.5"),
    ("delete_prefix", "2.5"),
    ("delete_suffix", "2.5"),
    ("transform_keys", "2.5"),
    ("yield_self", "2.5"),
    ("full_message", "2.5"),
    ("then", "2.6"),
    ("filter", "2.6"),
    ("filter_map", "2.7"),
    ("tally", "2.7"),
    ("except", "3.0"),
    ("intersect?", "3.1"),
];

/// The Ruby code of a built-in file: a .rb file whole, a template's code
/// between `<%` and `%>` (the rest blanked, lines kept).
fn ruby_code(path: &Path, text: &str) -> String {
    if path.extension().is_some_and(|e| e == "rb") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("<%") {
        out.extend(
            rest[..open]
                .chars()
                .map(|c| if c == '\n' { c } else { ' ' }),
        );
        let after = &rest[open..];
        let close = after.find("%>").map_or(after.len(), |c| c + 2);
        out.push_str(&after[..close]);
        rest = &after[close..];
    }
    out.extend(rest.chars().map(|c| if c == '\n' { c } else { ' ' }));
    out
}

#[test]
fn built_in_cookbooks_call_no_method_newer_than_chef_12_22_s_ruby() {
    let mut paths = Vec::new();
    files(&repo().join("cookbooks"), "rb", &mut paths);
    files(&repo().join("cookbooks"), "erb", &mut paths);
    paths.sort();
    assert!(paths.len() > 60, "{}", paths.len());
    let find = |text: &str| -> Vec<(usize, &'static str, &'static str)> {
        // Comments and strings blanked, as the cookbook lint reads Ruby.
        let m = stackc_core::chef::lint::mask(text);
        let mut hits = Vec::new();
        for (i, w) in m.windows(2).enumerate() {
            if w[0] != b'.' || !(w[1].is_ascii_lowercase() || w[1] == b'_') {
                continue;
            }
            let start = i + 1;
            let mut end = start;
            while end < m.len() && (m[end].is_ascii_alphanumeric() || m[end] == b'_') {
                end += 1;
            }
            if end < m.len() && matches!(m[end], b'?' | b'!') {
                end += 1;
            }
            let name = std::str::from_utf8(&m[start..end]).unwrap();
            if let Some(&(method, ruby)) = RUBY_AFTER_2_3.iter().find(|(n, _)| *n == name) {
                let line = text[..start].matches('\n').count() + 1;
                hits.push((line, method, ruby));
            }
        }
        hits
    };
    // The check finds what it must.
    assert_eq!(
        find("s = 'a'\nok = s.match?(/a/) # .then in a comment\nDir.children('/x').sum\n"),
        [
            (2, "match?", "2.4"),
            (3, "children", "2.5"),
            (3, "sum", "2.4")
        ]
    );
    let mut found = Vec::new();
    for p in paths {
        let text = std::fs::read_to_string(&p).unwrap();
        for (line, method, ruby) in find(&ruby_code(&p, &text)) {
            found.push(format!(
                "{}:{line}: `{method}` is Ruby {ruby}; Chef Infra Client 12.22 runs Ruby 2.3",
                p.strip_prefix(repo()).unwrap().display()
            ));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The built-in templates and helpers rendered with adversarial values
/// (newlines, `</Directory>`, `$()`, quotes) by Ruby's ERB and minitest:
/// each is quoted for its target or refused; `.env` files are sourced by
/// sh, dash and bash. See `cookbooks/escape_test.rb`.
#[test]
fn templates_escape_or_refuse_adversarial_values() {
    require(&["ruby", "dash", "bash"]);
    let o = Command::new("ruby")
        .arg(repo().join("compiler/cli/tests/cookbooks/escape_test.rb"))
        .arg(repo())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains(" 0 failures, 0 errors"), "{out}");
}

#[test]
fn every_stdlib_recipe_exists_and_metadata_names_its_cookbook() {
    let std = stackc_core::stdlib::get();
    let mut names: Vec<String> = Vec::new();
    for t in std.layer_types.values() {
        names.extend(t.recipes.values().flatten().cloned());
    }
    names.extend(std.common_recipes.values().flatten().cloned());
    names.sort();
    names.dedup();
    assert!(names.len() > 30);
    for name in names {
        let (cb, recipe) = name.split_once("::").unwrap();
        let path = repo()
            .join("cookbooks")
            .join(cb)
            .join("recipes")
            .join(format!("{recipe}.rb"));
        assert!(path.is_file(), "{name}: {} is missing", path.display());
    }
    for d in cookbook_dirs() {
        for e in std::fs::read_dir(&d).unwrap() {
            let dir = e.unwrap().path();
            if !dir.is_dir() {
                continue;
            }
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            let meta = std::fs::read_to_string(dir.join("metadata.rb")).unwrap();
            assert!(
                meta.contains(&format!("name '{name}'")),
                "{}",
                dir.display()
            );
            assert!(
                meta.lines().any(|l| l.starts_with("version '")),
                "{}",
                dir.display()
            );
        }
    }
}

/// The `deploy[app]` and `opsworks` fields OpsWorks sent to Chef 11.10 and
/// its deploy, php and nodejs cookbooks read (OPSWORKS.md §1).
const OPSWORKS_PATHS: &[&str] = &[
    "opsworks.activity",
    "opsworks.sent_at",
    "opsworks.deployment",
    "opsworks.stack.name",
    "opsworks.stack.id",
    "opsworks.stack.vpc_id",
    "opsworks.stack.elb-load-balancers",
    "opsworks.stack.rds_instances",
    "opsworks.applications",
    "opsworks.instance.layers",
    "opsworks.instance.instance_type",
    "opsworks.instance.hostname",
    "opsworks.instance.private_ip",
    "opsworks.instance.availability_zone",
    "opsworks.instance.aws_instance_id",
    "opsworks.layers.web.id",
    "opsworks.layers.web.name",
    "opsworks.layers.web.instances",
    "opsworks_custom_cookbooks.enabled",
    "opsworks_custom_cookbooks.recipes",
    "deploy.rentals.application",
    "deploy.rentals.application_type",
    "deploy.rentals.domains",
    "deploy.rentals.document_root",
    "deploy.rentals.deploy_to",
    "deploy.rentals.user",
    "deploy.rentals.group",
    "deploy.rentals.keep_releases",
    "deploy.rentals.environment_variables",
    "deploy.rentals.environment",
    "deploy.rentals.migrate",
    "deploy.rentals.rails_env",
    "deploy.rentals.auto_bundle_on_deploy",
    "deploy.rentals.restart_command",
    "deploy.rentals.sleep_before_restart",
    "deploy.rentals.scm.scm_type",
    "deploy.rentals.scm.repository",
    "deploy.rentals.scm.revision",
    "deploy.rentals.scm.user",
    "deploy.rentals.scm.password",
    "deploy.rentals.scm.ssh_key",
    "deploy.rentals.ssl_support",
    "deploy.rentals.ssl_certificate",
    "deploy.rentals.ssl_certificate_key",
    "deploy.rentals.ssl_certificate_ca",
    "deploy.rentals.database.adapter",
    "deploy.rentals.database.database",
    "deploy.rentals.database.host",
    "deploy.rentals.database.port",
    "deploy.rentals.database.username",
    "deploy.rentals.database.password",
    "deploy.rentals.database.reconnect",
    "deploy.rentals.memcached.host",
    "deploy.rentals.memcached.port",
    "deploy.rentals.symlinks",
    "deploy.rentals.symlink_before_migrate",
    "deploy.rentals.stack.needs_reload",
];

#[test]
fn node_json_has_every_field_opsworks_cookbooks_read() {
    let o = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args([
            "node-json",
            "examples/goldcar/stack.kdl",
            "--layer",
            "web",
            "--event",
            "deploy",
        ])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    for path in OPSWORKS_PATHS {
        let mut v = &json;
        for key in path.split('.') {
            v = v
                .get(key)
                .unwrap_or_else(|| panic!("node JSON lacks {path}"));
        }
    }
    assert_eq!(json["opsworks"]["applications"][0]["slug_name"], "rentals");
}

#[test]
fn check_takes_a_resource_a_vendored_cookbook_defines_as_available() {
    // tests/bad/chef-12-vendored-resource.kdl runs Chef Infra Client 12.22
    // (no `hostname`, no `timezone`); its cookbooks vendor `hostname`.
    let stack = repo().join("tests/bad/chef-12-vendored-resource.kdl");
    let out = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(["check", "--message-format", "json"])
        .arg(&stack)
        .env("NO_COLOR", "1")
        .output()
        .expect("run stackc");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let recipe = repo().join("tests/bad/chef-12-vendored-cookbooks/shop/recipes/setup.rb");
    let got: Vec<(String, u64, String, String)> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("a JSON object per line"))
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [(
            recipe.display().to_string(),
            5,
            "stackc::chef_unavailable".to_string(),
            "Chef Infra Client 12.22.5 has no `timezone` resource (new in Chef 14.6)".to_string()
        )]
    );
}
