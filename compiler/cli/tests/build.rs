//! `stackc build` end to end: every example builds, the templates pass
//! cfn-lint (no errors, no warnings) and checkov, the bootstrap passes
//! shellcheck and stays under EC2's limit, output is byte-identical across
//! runs and checkouts, security defaults hold, and a 60-layer stack splits
//! into nested stacks. Golden copies of the templates live in golden/cfn.

mod common;
use common::{copy_dir, repo, require};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn stackc(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run stackc")
}

fn scratch(name: &str) -> PathBuf {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("stackc-build-{}-{n}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Builds an example into a fresh directory; returns it.
fn build(example: &str, extra: &[&str]) -> PathBuf {
    let out = scratch(&format!("{example}{}", extra.join("")));
    let file = repo().join("examples").join(example).join("stack.kdl");
    let mut args = vec![
        "build",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let o = stackc(&args, &repo());
    assert_eq!(
        o.status.code(),
        Some(0),
        "{example}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

const EXAMPLES: [&str; 3] = ["goldcar", "minimal", "shop"];

/// A tool from the test venv or PATH; the test fails without it (see
/// `common::require`).
fn tool(name: &str) -> PathBuf {
    require(&[name]);
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|p| p.join(name))
                .find(|p| p.is_file())
        })
        .unwrap_or_else(|| panic!("{name} is on PATH but not a file there"))
}

fn templates(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for env in std::fs::read_dir(dir).unwrap() {
        let env = env.unwrap().path();
        for name in ["template.json", "template.yaml"] {
            if env.join(name).is_file() {
                out.push(env.join(name));
            }
        }
        if let Ok(layers) = std::fs::read_dir(env.join("layers")) {
            for l in layers {
                out.push(l.unwrap().path());
            }
        }
    }
    out.sort();
    out
}

fn load(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn resources(t: &Value) -> Vec<(&String, &Value)> {
    t["Resources"].as_object().unwrap().iter().collect()
}

fn cfn_lint(files: &[PathBuf]) {
    let lint = tool("cfn-lint");
    let o = Command::new(lint).args(files).output().unwrap();
    assert!(
        o.status.success() && o.stdout.is_empty(),
        "cfn-lint reported problems:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn examples_pass_cfn_lint_in_json_and_yaml() {
    let mut files = Vec::new();
    for e in EXAMPLES {
        files.extend(templates(&build(e, &[])));
    }
    files.extend(templates(&build("shop", &["--format", "yaml"])));
    assert!(files.iter().any(|f| f.ends_with("template.yaml")));
    assert_eq!(files.len(), 7, "{files:?}");
    cfn_lint(&files);
}

/// checkov finds no failed check in the templates under `dir`.
fn checkov(dir: &Path) {
    let checkov = tool("checkov");
    let o = Command::new(&checkov)
        .args([
            "--framework",
            "cloudformation",
            "--compact",
            "--quiet",
            "--skip-download",
            "-d",
        ])
        .arg(dir)
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "checkov failed on {}:\n{stdout}{}",
        dir.display(),
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn examples_pass_checkov() {
    for e in EXAMPLES {
        checkov(&build(e, &[]));
    }
}

/// The rendered bootstrap of every layer of a template (every `Ref` made a
/// placeholder).
fn user_data(t: &Value) -> Vec<(String, String)> {
    user_data_with(t, &|_| "example-stack-name".to_string())
}

#[test]
fn bootstrap_is_shellcheck_clean_and_small() {
    let shellcheck = tool("shellcheck");
    for e in EXAMPLES {
        let out = build(e, &[]);
        for file in templates(&out) {
            for (id, script) in user_data(&load(&file)) {
                assert!(script.starts_with("#!/bin/bash\n"), "{id}");
                assert!(script.len() < 16 * 1024, "{id}: {} bytes", script.len());
                assert!(script.contains("stackc-run setup"), "{id}");
                let path = out.join(format!("{id}.sh"));
                std::fs::write(&path, &script).unwrap();
                let o = Command::new(&shellcheck).arg(&path).output().unwrap();
                assert!(
                    o.status.success(),
                    "{e} {id}:\n{}",
                    String::from_utf8_lossy(&o.stdout)
                );
            }
        }
    }
}

fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn output_is_identical_across_runs_and_checkouts() {
    let first = tree(&build("goldcar", &[]));
    let again = tree(&build("goldcar", &[]));
    assert_eq!(first, again);
    // Another checkout: a copy at another path, files with other mtimes.
    let elsewhere = scratch("checkout");
    copy_dir(&repo().join("examples/goldcar"), &elsewhere.join("goldcar"));
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let out = elsewhere.join("out");
    let o = stackc(
        &["build", "goldcar/stack.kdl", "--out", out.to_str().unwrap()],
        &elsewhere,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(first, tree(&out));
}

#[test]
fn manifest_lists_every_file_with_size_and_sha256() {
    let out = build("goldcar", &["--env", "test"]);
    let env = out.join("goldcar-test");
    assert!(
        !out.join("goldcar-production").exists(),
        "--env builds one environment"
    );
    let m = load(&env.join("manifest.json"));
    assert_eq!(m["stack_name"], "goldcar-test");
    let files = m["files"].as_array().unwrap();
    let on_disk: Vec<(String, Vec<u8>)> = tree(&env)
        .into_iter()
        .filter(|(p, _)| p != "manifest.json")
        .collect();
    assert_eq!(files.len(), on_disk.len());
    for (f, (path, bytes)) in files.iter().zip(&on_disk) {
        assert_eq!(f["path"], path.as_str());
        assert_eq!(f["bytes"], bytes.len());
        let sha = stackc_core::emit::manifest::sha256_hex(bytes);
        assert_eq!(f["sha256"], sha.as_str());
    }
}

#[test]
fn security_defaults_hold_in_every_template() {
    for e in EXAMPLES {
        for file in templates(&build(e, &[])) {
            let t = load(&file);
            for (id, r) in resources(&t) {
                let p = &r["Properties"];
                match r["Type"].as_str().unwrap() {
                    "AWS::EC2::LaunchTemplate" => {
                        let d = &p["LaunchTemplateData"];
                        assert_eq!(d["MetadataOptions"]["HttpTokens"], "required", "{id}");
                        assert_eq!(d["MetadataOptions"]["HttpPutResponseHopLimit"], 1, "{id}");
                        for disk in d["BlockDeviceMappings"].as_array().unwrap() {
                            assert_eq!(disk["Ebs"]["Encrypted"], true, "{id}");
                        }
                        assert!(d.get("NetworkInterfaces").is_none(), "{id}: no public IPs");
                        // The image is pinned (a parameter deploy fills from
                        // the lock file), never resolved at deploy time.
                        let image = d["ImageId"]["Ref"].as_str().unwrap_or_else(|| {
                            panic!("{id}: ImageId is {} (not a parameter)", d["ImageId"])
                        });
                        assert_eq!(
                            t["Parameters"][image]["Type"], "AWS::EC2::Image::Id",
                            "{id}"
                        );
                    }
                    "AWS::EC2::SecurityGroup" if !id.contains("LoadBalancer") => {
                        assert!(p.get("SecurityGroupIngress").is_none(), "{id}");
                    }
                    "AWS::EC2::SecurityGroupIngress" => {
                        assert!(
                            p.get("CidrIp").is_none(),
                            "{id}: instances admit groups, not ranges"
                        );
                        assert!(p["FromPort"] != 22, "{id}: SSH stays closed");
                    }
                    "AWS::Logs::LogGroup" => {
                        assert!(p.get("KmsKeyId").is_some(), "{id}");
                        // Kept by destroy, so named per deployment: the
                        // next deploy must not find the name taken.
                        assert_eq!(r["DeletionPolicy"], "Retain", "{id}");
                        assert_eq!(r["UpdateReplacePolicy"], "Retain", "{id}");
                        assert!(
                            p["LogGroupName"]
                                .to_string()
                                .contains(r#"{"Ref":"AWS::StackId"}"#),
                            "{id}: {}",
                            p["LogGroupName"]
                        );
                    }
                    "AWS::SNS::Topic" => assert!(p.get("KmsMasterKeyId").is_some(), "{id}"),
                    "AWS::EC2::Subnet" => assert_eq!(p["MapPublicIpOnLaunch"], false, "{id}"),
                    _ => {}
                }
            }
        }
    }
}

/// The statement of this Sid in a role's inline policy.
fn statement<'t>(role: &'t Value, sid: &str) -> Option<&'t Value> {
    role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == sid)
}

#[test]
fn an_app_from_s3_is_readable_by_its_layer_only() {
    let out = build("shop", &["--env", "production"]);
    let t = load(&out.join("shop-production/template.json"));
    let r = &t["Resources"];
    let read = statement(&r["StorefrontInstanceRole"], "ReadAppSources")
        .expect("storefront reads its archive");
    assert_eq!(read["Action"], "s3:GetObject");
    assert_eq!(
        read["Resource"],
        serde_json::json!([{ "Fn::Sub": "arn:${AWS::Partition}:s3:::shop-example-releases/storefront/2026-11-20.tar.gz" }])
    );
    assert!(statement(&r["ApiInstanceRole"], "ReadAppSources").is_none());
}

#[test]
fn goldcar_has_the_architecture_of_the_stack_file() {
    let out = build("goldcar", &[]);
    let prod = load(&out.join("goldcar-production/template.json"));
    let r = &prod["Resources"];
    // web carries cache: one group, two log groups, memcached's port open to the stack.
    assert!(r.get("WebAutoScalingGroup").is_some());
    assert!(r.get("CacheAutoScalingGroup").is_none());
    assert!(r.get("CacheLogGroup").is_some());
    assert_eq!(r["WebPort11211Ingress"]["Properties"]["FromPort"], 11211);
    let asg = &r["WebAutoScalingGroup"]["Properties"];
    assert_eq!(asg["MinSize"], "2");
    assert_eq!(asg["MaxSize"], "10");
    assert_eq!(asg["HealthCheckType"], "ELB");
    // HTTPS with the certificate, HTTP redirects.
    let https = &r["WebHttpsListener"]["Properties"];
    assert_eq!(
        https["Certificates"][0]["CertificateArn"],
        "arn:aws:acm:eu-west-1:123456789012:certificate/abc"
    );
    assert_eq!(
        r["WebHttpListener"]["Properties"]["DefaultActions"][0]["Type"],
        "redirect"
    );
    assert_eq!(
        r["WebTargetGroup"]["Properties"]["HealthCheckPath"],
        "/health"
    );
    // Load scaling: 70% for 5 minutes adds 2.
    let up = &r["WebScaleUpAlarm"]["Properties"];
    assert_eq!(up["Threshold"], 70.0);
    assert_eq!(up["EvaluationPeriods"], 5);
    assert_eq!(
        r["WebScaleUpPolicy"]["Properties"]["StepAdjustments"][0]["ScalingAdjustment"],
        2
    );
    // Time-based reports layer in Madrid time.
    let s1 = &r["ReportsSchedule1"]["Properties"];
    assert_eq!(s1["Recurrence"], "0 7 * * 1,2,3,4,5");
    assert_eq!(s1["TimeZone"], "Europe/Madrid");
    // The stack's own alarm and the default unhealthy-hosts one notify the topic.
    assert_eq!(r["WebErrors5xxAlarm"]["Properties"]["Threshold"], 20.0);
    assert!(r.get("WebUnhealthyHostsAlarm").is_some());
    assert_eq!(
        r["AlarmTopicSubscription1"]["Properties"]["Endpoint"],
        "ops@goldcar.example"
    );
    // Production runs around the clock; test only in working hours.
    assert!(r.get("WebWorkingHoursStop").is_none());
    let test = load(&out.join("goldcar-test/template.json"));
    let stop = &test["Resources"]["ReportsWorkingHoursStop"]["Properties"];
    assert_eq!(stop["MaxSize"], 0);
    assert_eq!(stop["Recurrence"], "0 20 * * 1,2,3,4,5");
    assert_eq!(
        test["Resources"]["WebLaunchTemplate"]["Properties"]["LaunchTemplateData"]["InstanceType"],
        "t3.micro"
    );
}

#[test]
fn sixty_layers_split_into_nested_stacks_that_pass_cfn_lint() {
    let dir = build_generated("sixty", 60, |text| text);
    let env = dir.join("out/bench-production");
    let root = load(&env.join("template.json"));
    let nested: Vec<(&String, &Value)> = resources(&root)
        .into_iter()
        .filter(|(_, r)| r["Type"] == "AWS::CloudFormation::Stack")
        .collect();
    assert_eq!(nested.len(), 60);
    assert!(resources(&root).len() <= 500);
    // Each nested stack gets the image and the Cinc package's sha256.
    assert_eq!(root["Parameters"]["CincSha256X86"]["Type"], "String");
    for (id, r) in &nested {
        let p = &r["Properties"]["Parameters"];
        assert_eq!(p["ImageIdX86"]["Ref"], "ImageIdX86", "{id}");
        assert_eq!(p["CincSha256X86"]["Ref"], "CincSha256X86", "{id}");
    }
    let manifest = load(&env.join("manifest.json"));
    for (id, r) in &nested {
        let url = r["Properties"]["TemplateURL"]["Fn::Sub"].as_str().unwrap();
        let key = url.split_once("URLSuffix}/").unwrap().1;
        let sha = key.rsplit_once('/').unwrap().1.trim_end_matches(".json");
        assert!(
            manifest["files"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["sha256"] == sha),
            "{id}: the nested template it names is in the manifest"
        );
    }
    let files = templates(&dir.join("out"));
    assert_eq!(files.len(), 61);
    for f in &files {
        assert!(std::fs::metadata(f).unwrap().len() < 1024 * 1024);
    }
    cfn_lint(&files);
}

/// Writes the generated stack of `n` layers and its cookbook into a scratch
/// directory, with `edit` applied to the stack text; builds production.
fn build_generated(name: &str, n: usize, edit: impl Fn(String) -> String) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("stack.kdl"), edit(stackc_core::generate::stack(n))).unwrap();
    for (path, text) in stackc_core::generate::cookbook(n) {
        let p = dir.join("cookbooks").join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let o = stackc(&["build", "--env", "production"], &dir);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    dir
}

fn depends_on(r: &Value) -> Vec<&str> {
    match &r["DependsOn"] {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// Elastic Load Balancing checks it may write to the access-log bucket when
/// a load balancer is created with access logs on: the bucket policy must
/// exist first, which only an explicit dependency guarantees.
#[test]
fn load_balancers_wait_for_the_access_log_bucket_policy() {
    let mut seen = 0;
    for e in EXAMPLES {
        for file in templates(&build(e, &[])) {
            let t = load(&file);
            for (id, r) in resources(&t) {
                if r["Type"] != "AWS::ElasticLoadBalancingV2::LoadBalancer" {
                    continue;
                }
                assert!(
                    r["Properties"]["LoadBalancerAttributes"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|a| a["Key"] == "access_logs.s3.enabled" && a["Value"] == "true"),
                    "{id} writes access logs"
                );
                assert!(t["Resources"].get("AccessLogBucketPolicy").is_some());
                assert!(
                    depends_on(r).contains(&"AccessLogBucketPolicy"),
                    "{e} {id}: {:?}",
                    depends_on(r)
                );
                seen += 1;
            }
        }
    }
    assert_eq!(
        seen, 6,
        "goldcar's web in 2 environments, shop's api and storefront in 2"
    );

    // Nested: a layer's load balancer is in its own template, where the
    // policy is a parameter's bucket; the nested stack waits for it.
    let dir = build_generated("nested-lb", 60, |text| {
        text.replace(
            "type=php-app {\n",
            "type=php-app {\n        load-balancer { listener http; }\n",
        )
    });
    let env = dir.join("out/bench-production");
    let root = load(&env.join("template.json"));
    let mut with_lb = 0;
    for (id, r) in resources(&root) {
        if r["Type"] != "AWS::CloudFormation::Stack" {
            continue;
        }
        let lb = r["Properties"]["Parameters"]
            .get("AccessLogBucket")
            .is_some();
        assert_eq!(
            depends_on(r).contains(&"AccessLogBucketPolicy"),
            lb,
            "{id}: {:?}",
            depends_on(r)
        );
        assert!(depends_on(r).contains(&"BundleParameter"), "{id}");
        if lb {
            with_lb += 1;
            let layer = id.trim_end_matches("Stack").to_lowercase();
            let nested = load(&env.join(format!("layers/{layer}.json")));
            let lb = &nested["Resources"][format!("{}LoadBalancer", id.trim_end_matches("Stack"))];
            assert_eq!(
                lb["Type"], "AWS::ElasticLoadBalancingV2::LoadBalancer",
                "{id}"
            );
            assert!(
                depends_on(lb).is_empty(),
                "{id}: no policy in the nested template"
            );
        }
    }
    assert_eq!(with_lb, 15, "every fourth layer is php-app");
    cfn_lint(&[env.join("template.json"), env.join("layers/l0.json")]);
}

/// An environment with targets builds as any other, and its root
/// template records the targets where `deploy` will read them.
/// A StackSet's template is the same for every target: adding or removing
/// an account or region changes no byte of what is built (an update of the
/// StackSet would reach every stack instance), only the instances.
#[test]
fn a_target_added_or_removed_changes_nothing_built() {
    let out = build("multi-region", &[]);
    let dir = scratch("multi-region-one-target");
    copy_dir(&repo().join("examples/multi-region"), &dir);
    let file = dir.join("stack.kdl");
    let text = std::fs::read_to_string(&file).unwrap();
    let one = text.replace(
        "            account \"222222222222\" regions=\"us-east-1\"\n",
        "",
    );
    assert_ne!(one, text);
    std::fs::write(&file, one).unwrap();
    let out_one = dir.join("out");
    let o = stackc(
        &[
            "build",
            file.to_str().unwrap(),
            "--out",
            out_one.to_str().unwrap(),
        ],
        &dir,
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let files = |root: &Path| -> Vec<(String, Vec<u8>)> {
        templates(root)
            .into_iter()
            .map(|f| {
                let rel = f.strip_prefix(root).unwrap().display().to_string();
                (rel, std::fs::read(&f).unwrap())
            })
            .collect()
    };
    let (two, one) = (files(&out), files(&out_one));
    let names: Vec<&str> = two.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"relay-production/template.json"),
        "{names:?}"
    );
    assert!(two == one, "the templates differ");
    assert!(two
        .iter()
        .all(|(_, t)| !String::from_utf8_lossy(t).contains("222222222222")));
}

#[test]
fn golden_templates() {
    for e in EXAMPLES {
        let out = build(e, &[]);
        for file in templates(&out) {
            let rel = file.strip_prefix(&out).unwrap().display().to_string();
            let name = format!("{e}__{}", rel.replace(['/', '.'], "_"));
            insta::with_settings!({
                snapshot_path => repo().join("golden/cfn"),
                prepend_module_to_snapshot => false,
            }, {
                insta::assert_snapshot!(name, std::fs::read_to_string(&file).unwrap());
            });
        }
    }
}

/// The merged node JSON (what a Chef run receives before live data) of
/// every example, environment, instance group and event.
#[test]
fn golden_node_json() {
    use stackc_core::check::{check_source, Options, RealFiles};
    use stackc_core::emit::node;
    use stackc_core::ir::Event;
    for e in EXAMPLES {
        let dir = repo().join("examples").join(e);
        let source = std::fs::read_to_string(dir.join("stack.kdl")).unwrap();
        let opts = Options {
            base_dir: &dir,
            files: &RealFiles,
        };
        let (program, diags) = check_source(&source, &opts);
        assert!(!stackc_core::diag::has_errors(&diags), "{diags:?}");
        for stack in &program.unwrap().environments {
            for host in stack.layers.iter().filter(|l| l.has_instances()) {
                for event in Event::ALL {
                    let json = node::node_json(stack, host, event);
                    let text = serde_json::to_string_pretty(&json).unwrap();
                    // Secrets are references, never values.
                    for app in json["deploy"].as_object().unwrap().values() {
                        assert!(app["database"].get("password").is_none_or(Value::is_null));
                    }
                    let name =
                        format!("{}__{}_{}", stack.qualified_name(), host.name, event.name());
                    insta::with_settings!({
                        snapshot_path => repo().join("golden/nodes"),
                        prepend_module_to_snapshot => false,
                    }, {
                        insta::assert_snapshot!(name, text);
                    });
                }
            }
        }
    }
}

#[test]
fn node_json_command_prints_the_run_of_a_layer_with_instances() {
    let file = repo().join("examples/goldcar/stack.kdl");
    let o = stackc(
        &[
            "node-json",
            file.to_str().unwrap(),
            "--layer",
            "cache",
            "--event",
            "configure",
            "--env",
            "test",
        ],
        &repo(),
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("runs on the instances of `web`"));
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["opsworks"]["activity"], "configure");
    assert_eq!(json["stackc"]["env"], "test");
    assert_eq!(
        json["goldcar"]["cache-ttl"], 5,
        "the environment's custom JSON wins"
    );
    assert_eq!(json["goldcar"]["currency"], "EUR", "the stack's stays");
    let run_list: Vec<&str> = json["run_list"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        run_list,
        [
            "recipe[stackc_base::configure]",
            "recipe[php_app::configure]",
            "recipe[goldcar::vhosts]",
            "recipe[memcached::configure]",
        ]
    );
    assert_eq!(
        json["opsworks"]["instance"]["layers"],
        serde_json::json!(["web", "cache"])
    );
    assert_eq!(json["deploy"]["rentals"]["memcached"]["host"], "127.0.0.1");
    assert_eq!(
        json["deploy"]["rentals"]["secrets"]["DB_PASSWORD"],
        "/goldcar/prod/db-password"
    );
    let web = json["opsworks"]["layers"]["web"]["instances"]
        .as_object()
        .unwrap();
    assert_eq!(web.len(), 1, "test runs one web instance (min=1)");

    // Given instances replace the samples.
    let dir = scratch("instances");
    let instances = dir.join("instances.json");
    let node_json_deploy = || {
        stackc(
            &[
                "node-json",
                file.to_str().unwrap(),
                "--layer",
                "web",
                "--event",
                "deploy",
                "--instances",
                instances.to_str().unwrap(),
            ],
            &repo(),
        )
    };
    std::fs::write(
        &instances,
        r#"{"instances": [{"id": "i-0abc", "layer": "web", "private_ip": "10.40.3.7", "availability_zone": "eu-west-1b", "lifecycle_state": "InService"}]}"#,
    )
    .unwrap();
    let o = node_json_deploy();
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["opsworks"]["instance"]["hostname"], "web-0abc");
    assert_eq!(
        json["opsworks"]["layers"]["web"]["instances"]["web-0abc"]["private_ip"],
        "10.40.3.7"
    );
    assert_eq!(
        json["opsworks"]["layers"]["reports"]["instances"],
        serde_json::json!({})
    );

    // The old per-layer format and unknown layers are refused, with the format.
    for (text, why) in [
        (r#"{"web": [{"id": "i-0abc"}]}"#, "no `instances` list"),
        (
            r#"{"instances": [{"id": "i-0abc", "layer": "cache"}]}"#,
            "`cache` is no layer of the stack with instances of its own",
        ),
    ] {
        std::fs::write(&instances, text).unwrap();
        let o = node_json_deploy();
        assert_eq!(o.status.code(), Some(1));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(why) && err.contains("\"lifecycle_state\""),
            "{err}"
        );
    }

    let bad = stackc(
        &[
            "node-json",
            file.to_str().unwrap(),
            "--layer",
            "web",
            "--event",
            "boot",
        ],
        &repo(),
    );
    assert_eq!(bad.status.code(), Some(2));
    let bad = stackc(
        &[
            "node-json",
            file.to_str().unwrap(),
            "--layer",
            "db",
            "--event",
            "setup",
        ],
        &repo(),
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("layers: web, cache, reports"));
}

/// Builds a stack file written here into a scratch directory; the
/// directory, which holds `out/`.
fn build_text(name: &str, text: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::write(dir.join("stack.kdl"), text).unwrap();
    let o = stackc(&["build", "--nodes"], &dir);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    dir
}

/// The node JSON travels in the bundle: a build writes no copies of it (a
/// file per layer and event, and deploy would upload each) unless asked,
/// and `--nodes`'s copies are the bundle's, outside the manifest.
#[test]
fn node_json_copies_are_written_only_on_request_and_are_the_bundles() {
    let file = repo().join("examples/goldcar/stack.kdl");
    let plain = scratch("nodes-plain");
    let o = stackc(
        &["build", file.to_str().unwrap(), "--env", "production"],
        &plain,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let env = plain.join("out/goldcar-production");
    assert!(!env.join("nodes").exists(), "no loose node JSON by default");
    let manifest = load(&env.join("manifest.json"));
    let listed: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        listed.iter().all(|p| !p.starts_with("nodes/")),
        "{listed:?}"
    );

    let copies = scratch("nodes-copies");
    let o = stackc(
        &[
            "build",
            file.to_str().unwrap(),
            "--env",
            "production",
            "--nodes",
        ],
        &copies,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let env2 = copies.join("out/goldcar-production");
    // The artifacts are the same build's.
    assert_eq!(load(&env2.join("manifest.json")), manifest);
    let unpacked = copies.join("bundle");
    std::fs::create_dir_all(&unpacked).unwrap();
    let tar = Command::new("tar")
        .arg("-xzf")
        .arg(env2.join("cookbooks.tar.gz"))
        .arg("-C")
        .arg(&unpacked)
        .output()
        .unwrap();
    assert!(
        tar.status.success(),
        "{}",
        String::from_utf8_lossy(&tar.stderr)
    );
    // The same parts, as JSON: indented copies, compact in the bundle.
    let parse = |files: Vec<(String, Vec<u8>)>| -> Vec<(String, serde_json::Value)> {
        files
            .into_iter()
            .map(|(p, bytes)| (p, serde_json::from_slice(&bytes).unwrap()))
            .collect()
    };
    let written = tree(&env2.join("nodes"));
    let bundled = tree(&unpacked.join("nodes"));
    let lines = |bytes: &[u8]| bytes.iter().filter(|&&b| b == b'\n').count();
    assert!(
        written.iter().any(|(_, b)| lines(b) > 1),
        "the copies are indented"
    );
    assert!(
        bundled.iter().all(|(_, b)| lines(b) == 1),
        "the bundle's parts are one line each"
    );
    let written = parse(written);
    assert_eq!(written, parse(bundled));
    let names: Vec<&str> = written.iter().map(|(p, _)| p.as_str()).collect();
    for part in [
        "stack.json",
        "apps.json",
        "custom.json",
        "web/deploy.json",
        "reports/setup.json",
    ] {
        assert!(names.contains(&part), "{part} in {names:?}");
    }
}

#[test]
fn several_apps_on_one_layer_get_host_rules() {
    let dir = build_text(
        "hosts",
        r#"stack hosts {
    region eu-west-1
    layer web type=php-app {
        load-balancer {
            listener https certificate="arn:aws:acm:eu-west-1:123456789012:certificate/abc"
        }
    }
    app shop type=php layer=web {
        source git="https://git.example/shop.git"
        site shop.example alias=www.shop.example root=public
    }
    app blog type=php layer=web {
        source git="https://git.example/blog.git"
        site blog.example a.blog.example b.blog.example c.blog.example d.blog.example e.blog.example
    }
}
"#,
    );
    let file = dir.join("out/hosts-production/template.json");
    let t = load(&file);
    let r = &t["Resources"];
    assert_eq!(
        r["WebHttpsListener"]["Properties"]["DefaultActions"][0]["Type"],
        "fixed-response"
    );
    let shop = &r["WebShopHostRule"]["Properties"];
    assert_eq!(shop["Priority"], 1);
    assert_eq!(
        shop["Conditions"][0]["HostHeaderConfig"]["Values"],
        serde_json::json!(["shop.example", "www.shop.example"])
    );
    // Six names: two rules of at most five.
    assert_eq!(r["WebBlogHostRule"]["Properties"]["Priority"], 2);
    assert_eq!(
        r["WebBlogHostRule2"]["Properties"]["Conditions"][0]["HostHeaderConfig"]["Values"],
        serde_json::json!(["e.blog.example"])
    );
    cfn_lint(&[file]);
    checkov(&dir.join("out"));
}

#[test]
fn a_custom_layer_names_the_port_its_load_balancer_forwards_to() {
    let dir = build_text(
        "custom-port",
        r#"stack api {
    region eu-west-1
    layer api type=custom {
        load-balancer port=8000 {
            health-check path="/ping"
        }
    }
}
"#,
    );
    let file = dir.join("out/api-production/template.json");
    let t = load(&file);
    let r = &t["Resources"];
    assert_eq!(r["ApiTargetGroup"]["Properties"]["Port"], 8000);
    assert_eq!(
        r["ApiTargetGroup"]["Properties"]["HealthCheckPath"],
        "/ping"
    );
    // Only the load balancer reaches the port; nothing else is opened.
    let ingress = &r["ApiLoadBalancerIngress"]["Properties"];
    assert_eq!(ingress["FromPort"], 8000);
    assert!(ingress.get("CidrIp").is_none());
    assert!(r.get("ApiPort8000Ingress").is_none());
    // Recipes find it where OpsWorks put a layer's port.
    let stack = load(&dir.join("out/api-production/nodes/stack.json"));
    assert_eq!(stack["opsworks"]["layers"]["api"]["port"], 8000);
    cfn_lint(&[file]);
    checkov(&dir.join("out"));
}

/// The rendered bootstrap of every layer of a template, with each `Ref`
/// replaced by what `value` gives for its parameter or resource.
fn user_data_with(t: &Value, value: &dyn Fn(&str) -> String) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (id, r) in resources(t) {
        if r["Type"] != "AWS::EC2::LaunchTemplate" {
            continue;
        }
        let parts = &r["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Join"][1];
        let text: String = parts
            .as_array()
            .unwrap()
            .iter()
            .map(|p| match p.as_str() {
                Some(s) => s.to_string(),
                None => value(p["Ref"].as_str().unwrap()),
            })
            .collect();
        out.push((id.clone(), text));
    }
    out
}

/// The refs a launch template's user data joins in.
fn user_data_refs(t: &Value, id: &str) -> Vec<String> {
    t["Resources"][id]["Properties"]["LaunchTemplateData"]["UserData"]["Fn::Base64"]["Fn::Join"][1]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["Ref"].as_str().map(str::to_string))
        .collect()
}

const IMDS: &str = "http://169.254.169.254/";

#[test]
fn the_bootstrap_fetches_nothing_from_the_internet() {
    for e in EXAMPLES {
        let out = build(e, &[]);
        for file in templates(&out) {
            let t = load(&file);
            for (id, script) in user_data(&t) {
                // Every URL is the instance metadata service's.
                for (at, _) in script.match_indices("http") {
                    let rest = &script[at..];
                    if rest.starts_with("http://") || rest.starts_with("https://") {
                        assert!(
                            rest.starts_with(IMDS),
                            "{e} {id}: {}",
                            &rest[..rest.len().min(80)]
                        );
                    }
                }
                // A command continued over lines (`\` at the end) is one.
                let commands = script.replace("\\\n", " ");
                for line in commands.lines() {
                    if line.contains("curl -") || line.contains("wget ") {
                        assert!(line.contains(IMDS), "{e} {id}: {line}");
                    }
                }
                // Cinc comes from the artifact bucket, checked against the
                // sha256 the template takes, in the OS's package format.
                let (stack, env) = file
                    .parent()
                    .unwrap()
                    .file_name()
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .split_once('-')
                    .unwrap();
                let package = if e == "shop" { "deb" } else { "rpm" };
                assert!(
                    script.contains(&format!(
                        "local source=\"s3://${{bucket}}/{stack}/{env}/${{sha}}.{package}\""
                    )),
                    "{e} {id}:\n{script}"
                );
                assert!(
                    script.contains(
                        "aws s3 cp --region \"$REGION\" --only-show-errors \"$source\" \"$pkg\""
                    ),
                    "{e} {id}"
                );
                assert!(script.contains("sha256sum -c --quiet -"), "{e} {id}");
                let refs = user_data_refs(&t, &id);
                assert!(
                    refs.contains(&"ArtifactBucket".to_string()),
                    "{e} {id}: {refs:?}"
                );
                let arch = t["Resources"][&id]["Properties"]["LaunchTemplateData"]["ImageId"]
                    ["Ref"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("ImageId");
                assert!(
                    refs.contains(&format!("CincSha256{arch}")),
                    "{e} {id}: {refs:?}"
                );
                assert_eq!(
                    t["Parameters"][format!("CincSha256{arch}")]["AllowedPattern"],
                    "^[0-9a-f]{64}$"
                );
            }
        }
    }
    // Nor does the agent the instances run.
    let agent = std::fs::read_to_string(repo().join("stdlib/agent/stackc-run")).unwrap();
    for (at, _) in agent.match_indices("http") {
        let rest = &agent[at..];
        if rest.starts_with("http://") || rest.starts_with("https://") {
            assert!(
                rest.starts_with(IMDS.trim_end_matches('/')),
                "agent: {}",
                &rest[..rest.len().min(80)]
            );
        }
    }
}

/// Runs the bootstrap's `install_chef` of `script` under bash, as root runs
/// it at boot but with `aws`, `rpm` and `dpkg` replaced by recorders: `aws
/// s3 cp` copies from `store` (`bucket/key`), the package managers record
/// what they installed (and its sha256) and put `binary` on the PATH.
/// Returns (exit code, output, record).
fn run_install_chef(dir: &Path, script: &str, store: &Path, binary: &str) -> (i32, String, String) {
    let start = script
        .find("install_chef() {")
        .expect("an install_chef function");
    let end = start + script[start..].find("\n}\n").expect("its end") + 3;
    let function = &script[start..end];
    let bin = dir.join("bin");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    let record = dir.join("record");
    let write = |name: &str, text: String| {
        use std::os::unix::fs::PermissionsExt;
        let p = bin.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    write(
        "aws",
        format!(
            r#"#!/bin/sh
echo "aws $*" >> '{record}'
src=""; for a; do case "$a" in s3://*) src=${{a#s3://}};; esac; dest=$a; done
[ -f '{store}'/"$src" ] || {{ echo "fatal error: An error occurred (404) when calling the HeadObject operation: Key not found" >&2; exit 1; }}
cp '{store}'/"$src" "$dest"
"#,
            record = record.display(),
            store = store.display()
        ),
    );
    for pm in ["rpm", "dpkg"] {
        write(
            pm,
            format!(
                r#"#!/bin/sh
for a; do last=$a; done
echo "{pm} $* sha256=$(sha256sum "$last" | cut -d' ' -f1)" >> '{record}'
printf '#!/bin/sh\n' > '{bin}/{binary}'; chmod 755 '{bin}/{binary}'
"#,
                record = record.display(),
                bin = bin.display()
            ),
        );
    }
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -euo pipefail\nREGION=eu-west-1\n{function}install_chef\n"
        ))
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("TMPDIR", &tmp)
        .output()
        .expect("bash");
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "the download is cleaned up"
    );
    (
        o.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        std::fs::read_to_string(&record).unwrap_or_default(),
    )
}

#[test]
fn install_chef_installs_only_the_pinned_package_from_the_artifact_bucket() {
    let package = b"a Cinc package, as far as this test knows".to_vec();
    let sha = stackc_core::emit::manifest::sha256_hex(&package);
    for (example, tool, ext) in [
        ("goldcar", "rpm -U --replacepkgs", "rpm"),
        ("shop", "dpkg -i", "deb"),
    ] {
        let out = build(example, &[]);
        let t = load(&out.join(format!("{example}-production/template.json")));
        let value = |r: &str| match r {
            "ArtifactBucket" => "artifacts-1".to_string(),
            p if p.starts_with("CincSha256") => sha.clone(),
            other => other.to_string(),
        };
        let (_, script) = user_data_with(&t, &value).remove(0);
        let key = format!("artifacts-1/{example}/production/{sha}.{ext}");
        let case = |name: &str, stored: Option<&[u8]>| {
            let dir = scratch(&format!("cinc-{example}-{name}"));
            let store = dir.join("store");
            if let Some(bytes) = stored {
                let p = store.join(&key);
                std::fs::create_dir_all(p.parent().unwrap()).unwrap();
                std::fs::write(p, bytes).unwrap();
            }
            (
                dir.clone(),
                run_install_chef(&dir, &script, &store, "cinc-solo"),
            )
        };

        // The pinned package: fetched from the bucket, checked, installed.
        let (dir, (code, output, record)) = case("pinned", Some(&package));
        assert_eq!(code, 0, "{example}: {output}");
        assert!(
            output.contains("stackc: installing Cinc 18.6.2 from s3://"),
            "{output}"
        );
        let lines: Vec<&str> = record.lines().collect();
        assert_eq!(lines.len(), 2, "{record}");
        assert!(
            lines[0].starts_with("aws s3 cp --region eu-west-1 --only-show-errors "),
            "{record}"
        );
        assert!(lines[0].contains(&format!(" s3://{key} ")), "{record}");
        assert!(lines[1].starts_with(tool), "{example}: {record}");
        assert!(lines[1].ends_with(&format!("sha256={sha}")), "{record}");
        assert!(dir.join("bin/cinc-solo").is_file());

        // Cinc already there (a custom image): nothing fetched.
        let (code, output, record) =
            run_install_chef(&dir, &script, &dir.join("store"), "cinc-solo");
        assert_eq!(code, 0, "{output}");
        assert_eq!(record.lines().count(), 2, "nothing more: {record}");

        // Another package under that key: refused, nothing installed.
        let (_, (code, output, record)) = case("tampered", Some(b"something else"));
        assert_ne!(code, 0, "{output}");
        assert!(
            output.contains("does not have the sha256 the lock file pins"),
            "{output}"
        );
        assert_eq!(record.lines().count(), 1, "only the download: {record}");

        // Not in the bucket: a failure that says which object.
        let (_, (code, output, record)) = case("missing", None);
        assert_ne!(code, 0, "{output}");
        assert!(
            output.contains(&format!("cannot fetch the Cinc package s3://{key}")),
            "{output}"
        );
        assert_eq!(record.lines().count(), 1, "{record}");
    }
}

#[test]
fn a_layer_on_chef_12_takes_and_installs_the_chef_package_beside_cinc() {
    let dir = build_text(
        "chef-12",
        r#"stack legacy {
    region eu-west-1
    layer app type=php-app {
        chef client="chef" version="12.22.5"
    }
    layer cache type=memcached { on app; }
    layer jobs type=custom
}
"#,
    );
    let file = dir.join("out/legacy-production/template.json");
    let t = load(&file);
    // One parameter per client and architecture, described for review.
    let p = &t["Parameters"];
    assert_eq!(p["ChefSha256X86"]["AllowedPattern"], "^[0-9a-f]{64}$");
    assert!(p["ChefSha256X86"]["Description"]
        .as_str()
        .unwrap()
        .starts_with(
        "sha256 of the Chef Infra Client 12.22.5 package of the amazon-linux-2023 x86_64 instances"
    ));
    assert!(p["CincSha256X86"].is_object());
    assert_eq!(
        user_data_refs(&t, "AppLaunchTemplate")
            .iter()
            .filter(|r| r.ends_with("Sha256X86"))
            .collect::<Vec<_>>(),
        ["ChefSha256X86"]
    );
    assert_eq!(
        user_data_refs(&t, "JobsLaunchTemplate")
            .iter()
            .filter(|r| r.ends_with("Sha256X86"))
            .collect::<Vec<_>>(),
        ["CincSha256X86"]
    );
    // The manifest says which package each group installs (deploy pins and
    // uploads both).
    let m = load(&dir.join("out/legacy-production/manifest.json"));
    let packages: Vec<(&str, &str, &str)> = m["cinc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["client"].as_str().unwrap(),
                n["version"].as_str().unwrap(),
                n["parameter"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        packages,
        [
            ("cinc", "18.6.2", "CincSha256X86"),
            ("chef", "12.22.5", "ChefSha256X86")
        ]
    );
    // The app layer's bootstrap installs the chef package, checked, and
    // tells the agent which client to run.
    let package = b"a Chef Infra Client 12 package, as far as this test knows".to_vec();
    let sha = stackc_core::emit::manifest::sha256_hex(&package);
    let value = |r: &str| match r {
        "ArtifactBucket" => "artifacts-1".to_string(),
        p if p.starts_with("ChefSha256") => sha.clone(),
        p if p.starts_with("CincSha256") => "0".repeat(64),
        other => other.to_string(),
    };
    let scripts = user_data_with(&t, &value);
    let (_, script) = scripts
        .iter()
        .find(|(id, _)| id == "AppLaunchTemplate")
        .unwrap();
    assert!(
        script.contains("STACKC_CHEF_CLIENT=chef\nSTACKC_CHEF_VERSION=12.22.5\n"),
        "{script}"
    );
    let key = format!("artifacts-1/legacy/production/{sha}.rpm");
    let run = scratch("chef-12-install");
    let store = run.join("store");
    std::fs::create_dir_all(store.join(&key).parent().unwrap()).unwrap();
    std::fs::write(store.join(&key), &package).unwrap();
    let (code, output, record) = run_install_chef(&run, script, &store, "chef-client");
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("stackc: installing Chef Infra Client 12.22.5 from s3://"),
        "{output}"
    );
    let lines: Vec<&str> = record.lines().collect();
    assert!(lines[0].contains(&format!(" s3://{key} ")), "{record}");
    assert!(
        lines[1].starts_with("rpm -U --replacepkgs ")
            && lines[1].ends_with(&format!("sha256={sha}")),
        "{record}"
    );
    assert!(run.join("bin/chef-client").is_file());
    // The package with another sha256 is refused before rpm runs.
    let tampered = scratch("chef-12-tampered");
    let store = tampered.join("store");
    std::fs::create_dir_all(store.join(&key).parent().unwrap()).unwrap();
    std::fs::write(store.join(&key), b"something else").unwrap();
    let (code, output, record) = run_install_chef(&tampered, script, &store, "chef-client");
    assert_ne!(code, 0, "{output}");
    assert!(
        output.contains(&format!(
            "the Chef Infra Client package s3://{key} does not have the sha256 the lock file pins"
        )),
        "{output}"
    );
    assert_eq!(record.lines().count(), 1, "only the download: {record}");
    // The Cinc layer's bootstrap is unchanged.
    let (_, jobs) = scripts
        .iter()
        .find(|(id, _)| id == "JobsLaunchTemplate")
        .unwrap();
    assert!(jobs.contains("STACKC_CHEF_CLIENT=cinc\nSTACKC_CHEF_VERSION=18.6.2\n"));
    assert!(jobs.contains("local title='Cinc' version='18.6.2' binary='cinc-solo'"));
    cfn_lint(&[file]);
}

#[test]
fn private_subnets_reach_s3_through_a_gateway_endpoint() {
    for (example, zones) in [("goldcar", 2), ("shop", 3)] {
        let out = build(example, &[]);
        let t = load(&out.join(format!("{example}-production/template.json")));
        let e = &t["Resources"]["S3GatewayEndpoint"];
        assert_eq!(e["Type"], "AWS::EC2::VPCEndpoint");
        let p = &e["Properties"];
        assert_eq!(p["VpcEndpointType"], "Gateway");
        assert_eq!(
            p["ServiceName"]["Fn::Sub"],
            "com.amazonaws.${AWS::Region}.s3"
        );
        assert_eq!(p["VpcId"]["Ref"], "Vpc");
        // On every private route table, and on no public one.
        let private: Vec<Value> = resources(&t)
            .into_iter()
            .filter(|(id, r)| r["Type"] == "AWS::EC2::RouteTable" && id.starts_with("Private"))
            .map(|(id, _)| serde_json::json!({ "Ref": id }))
            .collect();
        assert_eq!(private.len(), zones);
        assert_eq!(p["RouteTableIds"], Value::Array(private));
    }
    // In a VPC of yours, the endpoints are yours too.
    let dir = build_text(
        "existing-vpc",
        "stack tiny {\n    region us-east-1\n    network { vpc id=vpc-12345678 public-subnets=\"subnet-1a,subnet-1b\" private-subnets=\"subnet-2a,subnet-2b\"; }\n    layer box type=custom\n}\n",
    );
    let t = load(&dir.join("out/tiny-production/template.json"));
    assert!(resources(&t)
        .iter()
        .all(|(_, r)| r["Type"] != "AWS::EC2::VPCEndpoint"));
}

#[test]
fn without_nat_the_instances_reach_every_api_their_role_allows_through_endpoints() {
    let dir = build_text(
        "no-nat",
        "stack sealed {\n    region eu-west-1\n    network { vpc cidr=\"10.9.0.0/16\" zones=2 nat=none; }\n    layer box type=custom {\n        volume \"/data\" size=\"10GiB\"\n        logs \"/var/log/messages\"\n    }\n    layer web type=php-app { load-balancer; }\n}\n",
    );
    let file = dir.join("out/sealed-production/template.json");
    let t = load(&file);
    // No way out: no NAT gateway, and no route in a private route table.
    for (id, r) in resources(&t) {
        assert!(
            !matches!(
                r["Type"].as_str(),
                Some("AWS::EC2::NatGateway" | "AWS::EC2::EIP")
            ),
            "{id}"
        );
        if r["Type"] == "AWS::EC2::Route" {
            let table = r["Properties"]["RouteTableId"]["Ref"].as_str().unwrap();
            assert!(!table.starts_with("Private"), "{id} routes {table}");
        }
    }
    let endpoints: Vec<(String, String)> = resources(&t)
        .into_iter()
        .filter(|(_, r)| r["Type"] == "AWS::EC2::VPCEndpoint")
        .map(|(_, r)| {
            let p = &r["Properties"];
            let service = p["ServiceName"]["Fn::Sub"]
                .as_str()
                .unwrap()
                .trim_start_matches("com.amazonaws.${AWS::Region}.")
                .to_string();
            (service, p["VpcEndpointType"].as_str().unwrap().to_string())
        })
        .collect();
    // Every service the instance role lets an instance call itself (not
    // through another service, as kms:ViaService says) has an endpoint:
    // interface ones with private DNS in the private subnets, S3's gateway.
    let role = resources(&t)
        .into_iter()
        .find(|(id, _)| id.ends_with("InstanceRole"))
        .unwrap()
        .1;
    let mut services: Vec<String> = Vec::new();
    for policy in role["Properties"]["Policies"].as_array().unwrap() {
        for s in policy["PolicyDocument"]["Statement"].as_array().unwrap() {
            if s["Condition"]["StringEquals"]["kms:ViaService"].is_object()
                || s["Condition"]["StringEquals"]["kms:ViaService"].is_string()
            {
                continue;
            }
            let actions = match &s["Action"] {
                Value::String(a) => vec![a.clone()],
                Value::Array(a) => a.iter().map(|a| a.as_str().unwrap().to_string()).collect(),
                other => panic!("{other}"),
            };
            for a in actions {
                let prefix = a.split(':').next().unwrap();
                // CloudWatch's API is the `monitoring` endpoint.
                let service = if prefix == "cloudwatch" {
                    "monitoring"
                } else {
                    prefix
                };
                if !services.iter().any(|s| s == service) {
                    services.push(service.to_string());
                }
            }
        }
    }
    assert!(services.len() >= 9, "{services:?}");
    for service in &services {
        let kind = if service == "s3" {
            "Gateway"
        } else {
            "Interface"
        };
        assert!(
            endpoints.iter().any(|(s, k)| s == service && k == kind),
            "no {kind} endpoint for {service}: {endpoints:?}"
        );
    }
    // And every `aws <service>` the bootstrap runs is among them.
    for (id, script) in user_data(&t) {
        for (at, _) in script.match_indices("aws ") {
            let word = script[at + 4..].split_whitespace().next().unwrap_or("");
            if word.chars().all(|c| c.is_ascii_lowercase()) && !word.is_empty() {
                assert!(services.iter().any(|s| s == word), "{id}: aws {word}");
            }
        }
    }
    cfn_lint(&[file]);
    checkov(&dir.join("out"));
}

/// The bootstrap's `mount_volume` refuses a mount point outside the
/// checker's characters (a newline would add an /etc/fstab entry, a space
/// split one) before it looks for the volume; a plain one gets that far.
#[test]
fn mount_volume_refuses_a_mount_point_that_would_add_an_fstab_line() {
    require(&["bash"]);
    let out = build("goldcar", &[]);
    let t = load(&out.join("goldcar-production/template.json"));
    let (_, script) = user_data_with(&t, &|r: &str| r.to_string())
        .into_iter()
        .find(|(_, s)| s.contains("mount_volume() {"))
        .expect("goldcar's web layer mounts a volume");
    let start = script.find("mount_volume() {").unwrap();
    let end = start + script[start..].find("\n}\n").expect("its end") + 3;
    let function = &script[start..end];
    for (mount, refused) in [
        ("/srv", false),
        ("/var/lib/my-sql_1.2", false),
        ("/srv\nUUID=x /etc xfs defaults 0 0", true),
        ("/srv data", true),
        ("srv", true),
        ("/srv/$(touch pwned)", true),
        ("/srv\t/etc", true),
    ] {
        let o = Command::new("bash")
            .arg("-c")
            .arg(format!(
                "{function}device_for() {{ echo LOOKED >&2; return 1; }}\nsleep() {{ :; }}\nmount_volume sdf \"$1\""
            ))
            .arg("bash")
            .arg(mount)
            .output()
            .expect("bash");
        let text = String::from_utf8_lossy(&o.stdout);
        let looked = String::from_utf8_lossy(&o.stderr).contains("LOOKED");
        assert_eq!(o.status.code(), Some(1), "{mount:?}: {text}");
        if refused {
            assert!(
                text.contains("stackc: refusing mount point"),
                "{mount:?}: {text}"
            );
            assert!(!looked, "{mount:?}: {text}");
        } else {
            assert!(text.contains("never appeared"), "{mount:?}: {text}");
            assert!(looked, "{mount:?}: {text}");
        }
    }
}

/// Every file under `dir` whose bytes contain `needle`.
fn files_containing(dir: &Path, needle: &[u8]) -> Vec<String> {
    fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut child = Command::new("gzip")
            .args(["-dc"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("gzip");
        use std::io::{Read, Write};
        child.stdin.take().unwrap().write_all(bytes).unwrap();
        child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
        child.wait().unwrap();
        out
    }
    tree(dir)
        .into_iter()
        .filter(|(path, bytes)| {
            let plain = if path.ends_with(".gz") {
                gunzip(bytes)
            } else {
                bytes.clone()
            };
            plain.windows(needle.len()).any(|w| w == needle)
        })
        .map(|(path, _)| path)
        .collect()
}

#[test]
fn links_fifos_and_files_outside_the_cookbooks_never_enter_the_bundle() {
    require(&["mkfifo", "gzip"]);
    let dir = scratch("links");
    copy_dir(&repo().join("examples/goldcar"), &dir.join("goldcar"));
    let secret = dir.join("credentials");
    std::fs::write(&secret, "aws_secret_access_key = SECRET-OUTSIDE-0123\n").unwrap();
    let files = dir.join("goldcar/cookbooks/goldcar/files/default");
    std::fs::create_dir_all(&files).unwrap();
    std::os::unix::fs::symlink("/proc/self/environ", files.join("environ")).unwrap();
    std::os::unix::fs::symlink(&secret, files.join("credentials")).unwrap();
    std::os::unix::fs::symlink("../nowhere", files.join("dangling")).unwrap();
    std::os::unix::fs::symlink("../../metadata.rb", files.join("inside")).unwrap();
    let fifo = files.join("pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    // A hidden entry is skipped, never opened: a FIFO there does not stall.
    assert!(Command::new("mkfifo")
        .arg(files.join(".pipe"))
        .status()
        .unwrap()
        .success());
    let out = dir.join("out");
    let run = |command: &str| {
        Command::new(env!("CARGO_BIN_EXE_stackc"))
            .args([command, "goldcar/stack.kdl", "--message-format", "json"])
            .args(if command == "build" {
                vec!["--env", "production", "--out", out.to_str().unwrap()]
            } else {
                vec![]
            })
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .env("AWS_SECRET_ACCESS_KEY", "SECRET-ENV-4567")
            .output()
            .expect("run stackc")
    };
    // (code, message, help) of each diagnostic.
    let diagnostics = |o: &Output| -> Vec<(String, String, String)> {
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| {
                let d: Value = serde_json::from_str(l).unwrap();
                let field = |k: &str| d[k].as_str().unwrap_or_default().to_string();
                (field("code"), field("message"), field("help"))
            })
            .filter(|d| d.0 != "stackc::schedule_outside_hours")
            .collect()
    };
    for command in ["build", "check"] {
        let o = run(command);
        let diags = diagnostics(&o);
        assert_eq!(o.status.code(), Some(1), "{command}: {diags:?}");
        assert_eq!(diags.len(), 5, "{command}: {diags:?}");
        let cookbooks = dir.join("goldcar/cookbooks/goldcar/files/default");
        for (name, what, help) in [
            (
                "credentials",
                format!("is a symbolic link (to {})", secret.display()),
                "replace the link with a copy of its file (`cp --remove-destination",
            ),
            (
                "dangling",
                "is a symbolic link (to ../nowhere, which does not exist)".into(),
                "replace the link with a copy of what it points to, or remove it",
            ),
            (
                "environ",
                "is a symbolic link (to /proc/self/environ)".into(),
                "replace the link with a copy of its file",
            ),
            (
                "inside",
                "is a symbolic link (to ../../metadata.rb)".into(),
                "replace the link with a copy of its file",
            ),
            (
                "pipe",
                "is a FIFO (named pipe)".into(),
                "remove it: only regular files and directories belong in a cookbook",
            ),
        ] {
            let d = diags
                .iter()
                .find(|d| d.1.contains(&format!("/files/default/{name} ")))
                .unwrap_or_else(|| panic!("{command}: {name}: {diags:?}"));
            assert_eq!(d.0, "stackc::cookbook_not_regular_file");
            let shown = cookbooks
                .join(name)
                .strip_prefix(&dir)
                .unwrap()
                .display()
                .to_string();
            assert!(
                d.1.starts_with(&format!("{shown} {what}; ")),
                "{command}: {d:?}"
            );
            assert!(d.2.starts_with(help), "{command}: {d:?}");
        }
        assert!(!diags.iter().any(|d| d.1.contains(".pipe")), "{diags:?}");
    }
    assert!(!out.exists(), "nothing is written");

    // Once they are gone the stack builds, and no artifact holds a secret.
    for name in ["environ", "credentials", "dangling", "inside", "pipe"] {
        std::fs::remove_file(files.join(name)).unwrap();
    }
    std::fs::write(files.join("motd"), "welcome\n").unwrap();
    let o = run("build");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(files_containing(&out, b"welcome\n")
        .contains(&"goldcar-production/cookbooks.tar.gz".to_string()));
    for needle in [&b"SECRET-OUTSIDE-0123"[..], b"SECRET-ENV-4567"] {
        assert_eq!(files_containing(&out, needle), Vec::<String>::new());
    }

    // A cookbooks directory that is itself a link is refused too, naming
    // what to write in the stack file instead.
    let real = dir.join("shared-cookbooks");
    std::fs::rename(dir.join("goldcar/cookbooks"), &real).unwrap();
    std::os::unix::fs::symlink(&real, dir.join("goldcar/cookbooks")).unwrap();
    let o = run("build");
    let diags = diagnostics(&o);
    assert_eq!(o.status.code(), Some(1), "{diags:?}");
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0].0, "stackc::cookbook_not_regular_file");
    assert!(
        diags[0]
            .1
            .starts_with("goldcar/cookbooks is a symbolic link"),
        "{diags:?}"
    );
    assert!(
        diags[0]
            .2
            .contains(&format!("(`cookbooks \"{}\"`)", real.display())),
        "{diags:?}"
    );
}

#[test]
fn builds_at_once_into_one_out_dir_all_succeed_and_leave_one_whole_build() {
    let expected = tree(&build("goldcar", &[]).join("goldcar-production"));
    let out = scratch("concurrent");
    let file = repo().join("examples/goldcar/stack.kdl");
    let builds: Vec<std::process::Child> = (0..20)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_stackc"))
                .args(["build", file.to_str().unwrap(), "--env", "production"])
                .args(["--out", out.to_str().unwrap()])
                .env("NO_COLOR", "1")
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("run stackc")
        })
        .collect();
    for b in builds {
        let o = b.wait_with_output().unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert_eq!(tree(&out.join("goldcar-production")), expected);
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        ["goldcar-production"],
        "no temporary directory is left"
    );
}

/// `stackc node-json ... --data-bags DIR` for goldcar's web layer.
fn goldcar_bags(name: &str, event: &str, extra: &[&str]) -> (Output, PathBuf) {
    let dir = scratch(name);
    let bags = dir.join("bags");
    let secrets = dir.join("secrets.json");
    std::fs::write(&secrets, r#"{"/goldcar/prod/db-password": "pw-Zq8vN3"}"#).unwrap();
    let file = repo().join("examples/goldcar/stack.kdl");
    let mut args = vec![
        "node-json",
        file.to_str().unwrap(),
        "--layer",
        "web",
        "--event",
        event,
        "--secrets",
        secrets.to_str().unwrap(),
        "--data-bags",
        bags.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    (stackc(&args, &repo()), bags)
}

fn bag_items(bags: &Path, bag: &str) -> Vec<(String, Value)> {
    let mut items: Vec<(String, Value)> = std::fs::read_dir(bags.join(bag))
        .unwrap_or_else(|e| panic!("bag {bag}: {e}"))
        .map(|e| {
            let p = e.unwrap().path();
            let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
            (p.file_stem().unwrap().to_string_lossy().into_owned(), v)
        })
        .collect();
    items.sort_by(|a, b| a.0.cmp(&b.0));
    items
}

/// Every item of `bag` has exactly `fields` (OpsWorks' Data Bag Reference)
/// and its `id`, which is its file name.
fn assert_fields(bags: &Path, bag: &str, fields: &[&str]) -> Vec<(String, Value)> {
    let items = bag_items(bags, bag);
    for (name, item) in &items {
        assert_eq!(item["id"], name.as_str(), "{bag}/{name}");
        let mut keys: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        keys.sort();
        let mut want: Vec<&str> = fields.iter().copied().chain(["id"]).collect();
        want.sort();
        assert_eq!(keys, want, "{bag}/{name}");
    }
    items
}

#[test]
fn node_json_writes_the_chef_12_data_bags_of_opsworks_reference() {
    let (o, bags) = goldcar_bags("bags", "deploy", &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let json: Value = serde_json::from_slice(&o.stdout).unwrap();
    // --secrets: the JSON is what Chef gets.
    assert_eq!(
        json["deploy"]["rentals"]["database"]["password"],
        "pw-Zq8vN3"
    );
    assert_eq!(
        json["deploy"]["rentals"]["environment_variables"]["DB_PASSWORD"],
        "pw-Zq8vN3"
    );

    let apps = assert_fields(
        &bags,
        "aws_opsworks_app",
        &[
            "app_id",
            "app_source",
            "attributes",
            "data_sources",
            "deploy",
            "domains",
            "enable_ssl",
            "environment",
            "name",
            "shortname",
            "ssl_configuration",
            "type",
        ],
    );
    assert_eq!(apps.len(), 1);
    let app = &apps[0].1;
    assert_eq!(apps[0].0, "rentals");
    assert_eq!(app["shortname"], "rentals");
    assert_eq!(app["type"], "other");
    assert_eq!(app["deploy"], true);
    assert_eq!(app["environment"]["DB_PASSWORD"], "pw-Zq8vN3");
    assert_eq!(app["environment"]["APP_ENV"], "production");
    assert_eq!(
        app["app_source"],
        serde_json::json!({"type": "git", "url": "https://github.com/goldcar/rentals.git",
            "revision": "v1.4.2", "user": null, "password": null, "ssh_key": null})
    );
    assert_eq!(app["attributes"]["document_root"], "public");
    assert_eq!(
        app["ssl_configuration"],
        serde_json::json!({"certificate": null, "private_key": null, "chain": null})
    );
    assert_eq!(app["domains"][0], "www.goldcar.example");

    let instances = assert_fields(
        &bags,
        "aws_opsworks_instance",
        &[
            "ami_id",
            "architecture",
            "auto_scaling_type",
            "availability_zone",
            "created_at",
            "ebs_optimized",
            "ec2_instance_id",
            "elastic_ip",
            "hostname",
            "instance_id",
            "instance_type",
            "layer_ids",
            "os",
            "private_dns",
            "private_ip",
            "public_dns",
            "public_ip",
            "root_device_type",
            "root_device_volume_id",
            "self",
            "ssh_host_dsa_key_fingerprint",
            "ssh_host_dsa_key_private",
            "ssh_host_dsa_key_public",
            "ssh_host_rsa_key_fingerprint",
            "ssh_host_rsa_key_private",
            "ssh_host_rsa_key_public",
            "status",
            "subnet_id",
            "virtualization_type",
        ],
    );
    let me: Vec<&(String, Value)> = instances
        .iter()
        .filter(|(_, i)| i["self"] == true)
        .collect();
    assert_eq!(me.len(), 1, "one item is this instance");
    assert_eq!(
        me[0].1["hostname"],
        json["opsworks"]["instance"]["hostname"]
    );
    assert_eq!(me[0].1["layer_ids"], serde_json::json!(["web", "cache"]));
    assert_eq!(
        me[0].1["private_ip"],
        json["opsworks"]["instance"]["private_ip"]
    );
    assert!(instances.iter().any(|(n, i)| n.starts_with("reports-")
        && i["layer_ids"] == serde_json::json!(["reports"])
        && i["self"] == false
        && i["status"] == "online"));

    let layers = assert_fields(
        &bags,
        "aws_opsworks_layer",
        &[
            "ecs_cluster_arn",
            "layer_id",
            "name",
            "packages",
            "shortname",
            "type",
            "volume_configurations",
        ],
    );
    let names: Vec<&str> = layers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["cache", "reports", "web"]);
    assert!(layers.iter().all(|(_, l)| l["type"] == "custom"));

    let stacks = assert_fields(
        &bags,
        "aws_opsworks_stack",
        &[
            "arn",
            "custom_cookbooks_source",
            "name",
            "region",
            "stack_id",
            "use_custom_cookbooks",
            "vpc_id",
        ],
    );
    assert_eq!(stacks.len(), 1);
    assert_eq!(stacks[0].0, "goldcar-production");
    assert_eq!(stacks[0].1["region"], "eu-west-1");
    assert_eq!(stacks[0].1["name"], "goldcar");

    let commands = assert_fields(
        &bags,
        "aws_opsworks_command",
        &[
            "args",
            "command_id",
            "iam_user_arn",
            "instance_id",
            "sent_at",
            "type",
        ],
    );
    assert_eq!(commands.len(), 1);
    assert_eq!(commands[0].1["type"], "deploy");
    assert_eq!(commands[0].1["instance_id"], me[0].1["ec2_instance_id"]);

    // The app's database, found as Chef 12 cookbooks find it: by the arn
    // of the app's data source.
    let rds = assert_fields(
        &bags,
        "aws_opsworks_rds_db_instance",
        &[
            "address",
            "db_instance_identifier",
            "db_password",
            "db_user",
            "engine",
            "port",
            "rds_db_instance_arn",
            "region",
        ],
    );
    assert_eq!(rds.len(), 1);
    assert_eq!(
        rds[0].1["rds_db_instance_arn"],
        app["data_sources"][0]["arn"]
    );
    assert_eq!(rds[0].1["db_password"], "pw-Zq8vN3");
    assert_eq!(
        rds[0].1["address"],
        json["deploy"]["rentals"]["database"]["host"]
    );
    assert_eq!(app["data_sources"][0]["database_name"], "rentals");

    // web's load balancer (not deployed offline: no DNS name yet); stackc
    // manages no users.
    let elbs = bag_items(&bags, "aws_opsworks_elastic_load_balancer");
    assert_eq!(elbs.len(), 1, "{elbs:?}");
    assert_eq!(elbs[0].0, "web");
    assert_eq!(elbs[0].1["layer_id"], "web");
    assert_eq!(elbs[0].1["dns_name"], Value::Null);
    assert!(bag_items(&bags, "aws_opsworks_user").is_empty());

    // Setup deploys every app; configure none.
    for (event, deploy) in [("setup", true), ("configure", false)] {
        let (o, bags) = goldcar_bags(&format!("bags-{event}"), event, &[]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(
            bag_items(&bags, "aws_opsworks_app")[0].1["deploy"],
            deploy,
            "{event}"
        );
    }
}

#[test]
fn node_json_refuses_secrets_it_cannot_read_or_that_lack_a_parameter() {
    let dir = scratch("bad-secrets");
    let file = repo().join("examples/goldcar/stack.kdl");
    for (text, why) in [
        (r#"["x"]"#, "not a JSON object"),
        (r#"{"/goldcar/prod/db-password": 5}"#, "is not a string"),
        (r#"{"/other": "x"}"#, "secrets missing"),
    ] {
        let secrets = dir.join("secrets.json");
        std::fs::write(&secrets, text).unwrap();
        let o = stackc(
            &[
                "node-json",
                file.to_str().unwrap(),
                "--layer",
                "web",
                "--event",
                "deploy",
                "--secrets",
                secrets.to_str().unwrap(),
            ],
            &repo(),
        );
        assert_eq!(o.status.code(), Some(1), "{text}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(why), "{err}");
        if why == "secrets missing" {
            assert!(err.contains("/goldcar/prod/db-password"), "{err}");
        }
        assert!(o.stdout.is_empty());
    }
}
