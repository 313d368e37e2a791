//! The built-in and example cookbooks: valid Ruby and ERB, every recipe the
//! stdlib names exists, metadata names each cookbook, and the node JSON has
//! every field OpsWorks' own Chef 11.10 cookbooks read (../shared/OPSWORKS.md
//! §1), so they run on stackc unchanged.

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
