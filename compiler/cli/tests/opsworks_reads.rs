//! The `node[...]` reads of OpsWorks' own Chef 11.10 cookbooks (deploy,
//! mod_php5_apache2, php, opsworks_nodejs, haproxy, memcached), listed in
//! tests/fixtures/opsworks-reads/ by scripts/opsworks-reads.py, resolve on
//! the node JSON `stackc node-json` prints (the build-time tree with the
//! agent's live part merged from sample instances) for the layer and event
//! each list names: present, with the JSON type the cookbook expects. The
//! reads stackc deliberately does not give are listed with a reason, and
//! they are exactly the ones that do not resolve.

mod common;
use common::{repo, require};

use std::process::Command;

use serde_json::Value;

/// One line of a reads list.
#[derive(Debug)]
enum Line {
    Read { path: String, ty: String },
    Missing { path: String },
}

struct Reads {
    name: String,
    layer: String,
    event: String,
    apps: String,
    lines: Vec<Line>,
}

fn parse(name: &str, text: &str) -> Reads {
    let mut r = Reads {
        name: name.into(),
        layer: String::new(),
        event: String::new(),
        apps: String::new(),
        lines: Vec::new(),
    };
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        match word {
            "layer" => r.layer = rest.into(),
            "event" => r.event = rest.into(),
            "apps" => r.apps = rest.into(),
            "read" => {
                let (path, ty) = rest.rsplit_once(' ').expect("read PATH TYPE");
                r.lines.push(Line::Read {
                    path: path.into(),
                    ty: ty.into(),
                });
            }
            "missing" => {
                let (path, why) = rest.split_once(": ").expect("missing PATH: WHY");
                assert!(!why.trim().is_empty(), "{name}: no reason for {path}");
                r.lines.push(Line::Missing { path: path.into() });
            }
            "cookbook" | "ohai" => {}
            other => panic!("{name}: unknown line kind `{other}`"),
        }
    }
    assert!(
        !r.layer.is_empty() && !r.event.is_empty() && !r.apps.is_empty(),
        "{name}: layer, event and apps lines"
    );
    r
}

/// Every value a read reaches: `<app>` is every app of type `apps` (every
/// key outside `deploy`, or with `apps all`), `<...>` every key, `[]` every
/// element. Empty when some step is absent.
fn resolve<'a>(root: &'a Value, path: &str, apps: &str) -> Vec<&'a Value> {
    let mut here = vec![root];
    let mut steps: Vec<&str> = Vec::new();
    for part in path.split('.') {
        match part.strip_suffix("[]") {
            Some(key) => {
                steps.push(key);
                steps.push("[]");
            }
            None => steps.push(part),
        }
    }
    for (n, step) in steps.iter().enumerate() {
        let mut next = Vec::new();
        for v in here {
            if *step == "[]" {
                next.extend(v.as_array().into_iter().flatten());
            } else if step.starts_with('<') {
                let Some(map) = v.as_object() else { continue };
                let only_type = *step == "<app>" && apps != "all" && n > 0 && steps[0] == "deploy";
                next.extend(
                    map.values()
                        .filter(|e| !only_type || e["application_type"] == apps),
                );
            } else if let Some(x) = v.get(*step) {
                next.push(x);
            }
        }
        here = next;
    }
    here
}

fn type_ok(v: &Value, ty: &str) -> bool {
    let (ty, nullable) = match ty.strip_suffix('?') {
        Some(t) => (t, true),
        None => (ty, false),
    };
    if v.is_null() {
        return nullable;
    }
    match ty {
        "string" => v.is_string(),
        "integer" => v.is_i64() || v.is_u64(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        other => panic!("unknown type {other}"),
    }
}

fn node_json(layer: &str, event: &str) -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args([
            "node-json",
            "tests/fixtures/opsworks-reads/stack.kdl",
            "--layer",
            layer,
            "--event",
            event,
        ])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn lists() -> Vec<Reads> {
    let dir = repo().join("tests/fixtures/opsworks-reads");
    let mut out = Vec::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "txt") {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            out.push(parse(&name, &std::fs::read_to_string(&p).unwrap()));
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

#[test]
fn every_cookbook_of_the_issue_has_a_list() {
    let names: Vec<String> = lists().into_iter().map(|r| r.name).collect();
    assert_eq!(
        names,
        [
            "deploy-nodejs",
            "deploy-php",
            "deploy-web",
            "haproxy",
            "memcached",
            "mod_php5_apache2",
            "opsworks_nodejs",
            "php",
        ]
    );
}

#[test]
fn opsworks_cookbook_reads_resolve_on_the_node_json() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for list in lists() {
        let json = node_json(&list.layer, &list.event);
        for line in &list.lines {
            match line {
                Line::Read { path, ty } => {
                    let found = resolve(&json, path, &list.apps);
                    checked += 1;
                    if found.is_empty() {
                        failures.push(format!("{}: {path} is absent", list.name));
                    }
                    for v in found {
                        if !type_ok(v, ty) {
                            failures.push(format!("{}: {path} is {v}, not {ty}", list.name));
                        }
                    }
                }
                Line::Missing { path } => {
                    let found = resolve(&json, path, &list.apps);
                    if !found.is_empty() {
                        failures.push(format!(
                            "{}: {path} is listed as not given but resolves to {:?}",
                            list.name, found
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 200, "only {checked} reads checked");
}

#[test]
fn the_resolver_expands_apps_keys_and_elements() {
    let json = serde_json::json!({
        "deploy": {
            "a": { "application_type": "php", "x": 1 },
            "b": { "application_type": "nodejs" },
        },
        "list": [{ "k": "v" }, { "k": "w" }],
        "empty": [],
    });
    assert_eq!(resolve(&json, "deploy.<app>.x", "php").len(), 1);
    assert!(resolve(&json, "deploy.<app>.x", "nodejs").is_empty());
    assert!(resolve(&json, "deploy.<app>.x", "all").len() == 1);
    assert_eq!(resolve(&json, "list[].k", "all").len(), 2);
    assert!(resolve(&json, "empty[].k", "all").is_empty());
    assert!(type_ok(&Value::Null, "string?") && !type_ok(&Value::Null, "string"));
}

/// jq on the instance and jaq in `stackc node-json` run the same live.jq:
/// on an HAProxy instance (the lists of backends, public names, the VPC and
/// load balancers) they give the same tree.
#[test]
fn the_agents_jq_and_node_json_agree_on_an_haproxy_instance() {
    require(&["jq", "tar"]);
    let dir = std::env::temp_dir().join(format!("stackc-reads-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let o = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(["build", "tests/fixtures/opsworks-reads/stack.kdl", "--out"])
        .arg(dir.join("out"))
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let bundle = dir.join("bundle");
    std::fs::create_dir_all(&bundle).unwrap();
    let o = Command::new("tar")
        .arg("-xzf")
        .arg(dir.join("out/reads-production/cookbooks.tar.gz"))
        .arg("-C")
        .arg(&bundle)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let instance = |id: &str, layer: &str, ip: &str, public: Option<&str>, state: &str| {
        serde_json::json!({
            "id": id, "layer": layer, "private_ip": ip,
            "private_dns_name": format!("ip-{}.eu-west-1.compute.internal", ip.replace('.', "-")),
            "public_ip": public,
            "public_dns_name": public.map_or(String::new(), |p| format!("ec2-{}.eu-west-1.compute.amazonaws.com", p.replace('.', "-"))),
            "availability_zone": "eu-west-1b", "instance_type": "t3.large",
            "vpc_id": "vpc-0a1b2c3d4e5f60718", "vcpus": 2, "lifecycle_state": state,
        })
    };
    let live = serde_json::json!({
        "event": "configure", "app": null, "recipes": null, "sent_at": 1764690000,
        "deployment": "5e62c4a1-0000-4000-8000-000000000001",
        "log_groups": { "lb": "/stackc/reads-production/lb/x" },
        "self": { "id": "i-0lb1", "private_ip": "10.9.5.10", "availability_zone": "eu-west-1b",
                  "instance_type": "t3.large", "architecture": "x86_64" },
        "instances": [
            instance("i-0lb1", "lb", "10.9.5.10", Some("203.0.113.5"), "InService"),
            instance("i-0php2", "php", "10.9.1.11", None, "InService"),
            instance("i-0php1", "php", "10.9.1.10", None, "InService"),
            instance("i-0php3", "php", "10.9.1.12", None, "Pending:Wait"),
            instance("i-0node1", "node", "10.9.2.10", None, "InService"),
            instance("i-0stat1", "static", "10.9.3.10", None, "InService"),
            instance("i-0sess1", "sessions", "10.9.6.10", None, "InService"),
        ],
        "load_balancers": [
            { "layer": "php", "name": "reads-PhpLo-1", "dns_name": "reads-PhpLo-1-1.eu-west-1.elb.amazonaws.com" }
        ],
    });
    let live_file = dir.join("live.json");
    std::fs::write(&live_file, live.to_string()).unwrap();
    let nodes = bundle.join("nodes");
    let o = Command::new("jq")
        .arg("-s")
        .arg("-f")
        .arg(bundle.join("bin/live.jq"))
        .arg(nodes.join("stack.json"))
        .arg(nodes.join("lb/configure.json"))
        .arg(nodes.join("custom.json"))
        .arg(&live_file)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let by_jq: Value = serde_json::from_slice(&o.stdout).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args([
            "node-json",
            "tests/fixtures/opsworks-reads/stack.kdl",
            "--layer",
            "lb",
            "--event",
            "configure",
            "--instances",
        ])
        .arg(&live_file)
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let by_jaq: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(by_jq, by_jaq);
    // And what they agree on is OpsWorks' shape.
    assert_eq!(
        by_jq["haproxy"]["php_backends"],
        serde_json::json!([
            { "name": "php-0php1", "ip": "10.9.1.10", "backends": 2 },
            { "name": "php-0php2", "ip": "10.9.1.11", "backends": 2 }
        ])
    );
    assert_eq!(by_jq["haproxy"]["java_backends"], serde_json::json!([]));
    assert_eq!(by_jq["opsworks"]["instance"]["ip"], "203.0.113.5");
    assert_eq!(
        by_jq["opsworks"]["stack"]["vpc_id"],
        "vpc-0a1b2c3d4e5f60718"
    );
    assert_eq!(
        by_jq["opsworks"]["stack"]["elb-load-balancers"][0]["dns_name"],
        "reads-PhpLo-1-1.eu-west-1.elb.amazonaws.com"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
