//! The instance agent `stackc-run`, run here against a real goldcar bundle
//! with `aws`, `curl` (IMDS) and `cinc-solo` replaced by small scripts that
//! answer as EC2, Auto Scaling, SSM and S3 would: fast checks of the merged
//! node JSON, secrets handling, exit codes, notifications and shellcheck,
//! and that the Run Command document is POSIX sh. `instance.rs` runs the
//! same scripts with the real tools in a box.

mod common;
use common::{bundle_sha256, repo, require, run_command};

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn script(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

struct Instance {
    root: PathBuf,
}

const SECRET: &str = "s3cr3t-value-never-logged";
/// The log groups the bootstrap names (`stackc node-json`'s sample stack id).
const WEB_LOGS: &str = "/stackc/goldcar-production/web/5f2a1c3e-0b4d-4e6f-8a9b-0c1d2e3f4a5b";
const CACHE_LOGS: &str = "/stackc/goldcar-production/cache/5f2a1c3e-0b4d-4e6f-8a9b-0c1d2e3f4a5b";
const TOPIC: &str = "arn:aws:sns:eu-west-1:123456789012:goldcar-production-AlarmTopic-1A2B3C";
/// The deployed load balancer of goldcar-production's web layer.
const WEB_LB_ARN: &str =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/gold-WebLo-1A2B3C4D5E6F/50dc6c495c0c9188";
const WEB_LB_DNS: &str = "gold-WebLo-1A2B3C4D5E6F-1234567890.eu-west-1.elb.amazonaws.com";
/// instance.env as bootstraps before the topic wrote it.
const OLD_INSTANCE_ENV: &str = "STACKC_STACK=goldcar\nSTACKC_ENV=production\nSTACKC_LAYER=web\nSTACKC_REGION=eu-west-1\nSTACKC_BUNDLE_PARAMETER=/stackc/goldcar-production/bundle\nSTACKC_LOG_GROUP=/stackc/goldcar-production/web\n";

/// What a run printed, stdout and stderr.
fn said(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

impl Instance {
    /// A fake instance of goldcar-production's web layer.
    fn new(name: &str) -> Instance {
        let root = std::env::temp_dir().join(format!("stackc-agent-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let bin = root.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let out = root.join("out");
        let o = Command::new(env!("CARGO_BIN_EXE_stackc"))
            .args([
                "build",
                "examples/goldcar/stack.kdl",
                "--env",
                "production",
                "--out",
            ])
            .arg(&out)
            .current_dir(repo())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let manifest: Value = serde_json::from_slice(
            &std::fs::read(out.join("goldcar-production/manifest.json")).unwrap(),
        )
        .unwrap();
        let sha = bundle_sha256(&manifest);
        std::fs::write(root.join("bundle.sha"), &sha).unwrap();
        std::fs::write(
            root.join("instance.env"),
            format!(
                "STACKC_STACK=goldcar\nSTACKC_ENV=production\nSTACKC_LAYER=web\nSTACKC_REGION=eu-west-1\nSTACKC_BUNDLE_PARAMETER=/stackc/goldcar-production/bundle\nSTACKC_LOG_GROUP={WEB_LOGS}\nSTACKC_LOG_GROUPS='{{\"web\":\"{WEB_LOGS}\",\"cache\":\"{CACHE_LOGS}\"}}'\nSTACKC_TOPIC_ARN={TOPIC}\n"
            ),
        )
        .unwrap();
        let r = root.display();
        script(
            &bin.join("aws"),
            &format!(
                r#"#!/bin/bash
echo "$*" >> {r}/aws.calls
case "$1 $2" in
  "ssm get-parameter") echo "{{\"bucket\":\"artifacts\",\"key\":\"goldcar/production/$(cat {r}/bundle.sha).tar.gz\",\"sha256\":\"$(cat {r}/bundle.sha)\"}}" ;;
  "s3 cp") cp {r}/out/goldcar-production/cookbooks.tar.gz "${{@: -1}}" ;;
  "ec2 describe-instances") cat <<'JSON'
[{{"InstanceId":"i-0abc","PrivateIpAddress":"10.40.2.10","PrivateDnsName":"ip-10-40-2-10.eu-west-1.compute.internal","PublicDnsName":"","VpcId":"vpc-0f1e2d3c4b5a69788","CpuOptions":{{"CoreCount":1,"ThreadsPerCore":2}},"InstanceType":"t3.small","Placement":{{"AvailabilityZone":"eu-west-1a"}},"Tags":[{{"Key":"stackc:layer","Value":"web"}}]}},
 {{"InstanceId":"i-0def","PrivateIpAddress":"10.40.3.11","PrivateDnsName":"ip-10-40-3-11.eu-west-1.compute.internal","PublicIpAddress":"203.0.113.7","PublicDnsName":"ec2-203-0-113-7.eu-west-1.compute.amazonaws.com","VpcId":"vpc-0f1e2d3c4b5a69788","CpuOptions":{{"CoreCount":1,"ThreadsPerCore":2}},"InstanceType":"t3.small","Placement":{{"AvailabilityZone":"eu-west-1b"}},"Tags":[{{"Key":"stackc:layer","Value":"web"}}]}},
 {{"InstanceId":"i-0boot","PrivateIpAddress":"10.40.3.12","PrivateDnsName":"ip-10-40-3-12.eu-west-1.compute.internal","PublicDnsName":"","VpcId":"vpc-0f1e2d3c4b5a69788","CpuOptions":{{"CoreCount":1,"ThreadsPerCore":2}},"InstanceType":"t3.small","Placement":{{"AvailabilityZone":"eu-west-1b"}},"Tags":[{{"Key":"stackc:layer","Value":"web"}}]}},
 {{"InstanceId":"i-0rep","PrivateIpAddress":"10.40.4.20","PrivateDnsName":"ip-10-40-4-20.eu-west-1.compute.internal","PublicDnsName":"","VpcId":"vpc-0f1e2d3c4b5a69788","CpuOptions":{{"CoreCount":1,"ThreadsPerCore":2}},"InstanceType":"t3.medium","Placement":{{"AvailabilityZone":"eu-west-1a"}},"Tags":[{{"Key":"stackc:layer","Value":"reports"}}]}}]
JSON
  ;;
  "elbv2 describe-load-balancers") if [ -n "${{ELB_FAIL:-}}" ]; then echo "AccessDenied" >&2; exit 254; fi; cat <<'JSON'
[{{"arn":"{WEB_LB_ARN}","name":"gold-WebLo-1A2B3C4D5E6F","dns_name":"{WEB_LB_DNS}"}},
 {{"arn":"arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/other/0a1b2c3d","name":"other","dns_name":"other-1.eu-west-1.elb.amazonaws.com"}}]
JSON
  ;;
  "elbv2 describe-tags") cat <<'JSON'
[{{"ResourceArn":"{WEB_LB_ARN}","Tags":[{{"Key":"stackc:stack","Value":"goldcar"}},{{"Key":"stackc:env","Value":"production"}},{{"Key":"stackc:layer","Value":"web"}}]}},
 {{"ResourceArn":"arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/other/0a1b2c3d","Tags":[{{"Key":"stackc:stack","Value":"goldcar"}},{{"Key":"stackc:env","Value":"test"}},{{"Key":"stackc:layer","Value":"web"}}]}}]
JSON
  ;;
  "autoscaling describe-auto-scaling-instances") echo '[{{"id":"i-0abc","state":"InService"}},{{"id":"i-0def","state":"InService"}},{{"id":"i-0boot","state":"Pending:Wait"}},{{"id":"i-0rep","state":"InService"}}]' ;;
  "ec2 create-tags") if [ -n "${{TAGS_FAIL:-}}" ]; then echo "AccessDenied" >&2; exit 254; fi ;;
  "sns publish") ;;
  "ssm get-parameters") echo '{{"Parameters":[{{"Name":"/goldcar/prod/db-password","Value":"{SECRET}"}}],"InvalidParameters":[]}}' ;;
  *) echo "unexpected aws call: $*" >&2; exit 1 ;;
esac
"#
            ),
        );
        script(
            &bin.join("curl"),
            r#"#!/bin/bash
for a in "$@"; do last=$a; done
case "$last" in
  */api/token) echo token ;;
  */instance-id) echo i-0abc ;;
  */placement/availability-zone) echo eu-west-1a ;;
  */local-ipv4) echo 10.40.2.10 ;;
  */instance-type) echo t3.small ;;
  *) exit 22 ;;
esac
"#,
        );
        script(
            &bin.join("cinc-solo"),
            &format!(
                r#"#!/bin/bash
while [ $# -gt 0 ]; do
  case "$1" in -j) cp "$2" {r}/ran.json; shift 2 ;; -o) echo "$2" > {r}/ran.run_list; shift 2 ;; *) shift ;; esac
done
echo "Cinc Client finished"
exit "${{CINC_EXIT:-0}}"
"#
            ),
        );
        Instance { root }
    }

    fn run(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        let path = format!(
            "{}:{}",
            self.root.join("bin").display(),
            std::env::var("PATH").unwrap()
        );
        let mut cmd = Command::new("bash");
        cmd.arg(repo().join("stdlib/agent/stackc-run"))
            .args(args)
            .env("PATH", path)
            .env("STACKC_STATE_DIR", self.root.join("state"))
            .env("STACKC_LOG_DIR", self.root.join("log"))
            .env("STACKC_SECRETS_DIR", self.root.join("secrets"))
            .env("STACKC_INSTANCE_ENV", self.root.join("instance.env"))
            .env("STACKC_BIN_DIR", self.root.join("bin"))
            .env("STACKC_IMDS", "http://imds.invalid");
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap_or_default()
    }
}

fn all_text_under(dir: &Path) -> String {
    let mut s = String::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                s += &all_text_under(&p);
            } else if let Ok(t) = std::fs::read(&p) {
                s += &String::from_utf8_lossy(&t);
            }
        }
    }
    s
}

#[test]
fn agent_is_shellcheck_clean() {
    require(&["shellcheck"]);
    let o = Command::new("shellcheck")
        .arg(repo().join("stdlib/agent/stackc-run"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
}

#[test]
fn deploy_merges_live_instances_and_resolves_secrets_privately() {
    require(&["jq", "flock"]);
    let i = Instance::new("deploy");
    let o = i.run(&["deploy", "--app", "rentals"], &[]);
    let output = said(&o);
    assert_eq!(o.status.code(), Some(0), "{output}");
    assert!(output.contains("deploy succeeded"), "{output}");

    let json: Value = serde_json::from_str(&i.read("ran.json")).unwrap();
    assert_eq!(json["opsworks"]["activity"], "deploy");
    assert!(json["opsworks"]["sent_at"].as_u64().unwrap() > 1_700_000_000);
    assert_eq!(json["opsworks"]["instance"]["hostname"], "web-0abc");
    assert_eq!(json["opsworks"]["instance"]["private_ip"], "10.40.2.10");
    let web = json["opsworks"]["layers"]["web"]["instances"]
        .as_object()
        .unwrap();
    let mut names: Vec<&String> = web.keys().collect();
    names.sort();
    // Online instances and this one; the instance still in setup is left out.
    assert_eq!(names, ["web-0abc", "web-0def"]);
    assert_eq!(web["web-0def"]["private_ip"], "10.40.3.11");
    assert_eq!(
        json["opsworks"]["layers"]["cache"]["instances"],
        json["opsworks"]["layers"]["web"]["instances"],
        "cache runs on web's instances"
    );
    assert_eq!(
        json["opsworks"]["layers"]["reports"]["instances"]["reports-0rep"]["status"],
        "online"
    );
    assert_eq!(
        i.read("ran.run_list").trim(),
        "recipe[stackc_deploy::default],recipe[php_app::deploy],recipe[goldcar::cache_warm]"
    );
    // What OpsWorks added about the instances: public address and name
    // (null without one), HAProxy's weight, status, region, the VPC.
    let me = &json["opsworks"]["instance"];
    assert_eq!(
        me["private_dns_name"],
        "ip-10-40-2-10.eu-west-1.compute.internal"
    );
    assert_eq!(me["ip"], Value::Null);
    assert_eq!(me["public_dns_name"], Value::Null);
    assert_eq!(me["backends"], 2);
    assert_eq!(me["status"], "online");
    assert_eq!(me["region"], "eu-west-1");
    assert_eq!(me["os"], "amazon-linux-2023");
    assert_eq!(web["web-0def"]["ip"], "203.0.113.7");
    assert_eq!(
        web["web-0def"]["public_dns_name"],
        "ec2-203-0-113-7.eu-west-1.compute.amazonaws.com"
    );
    assert_eq!(web["web-0def"]["region"], "eu-west-1");
    assert_eq!(web["web-0def"]["backends"], 2);
    assert_eq!(json["opsworks"]["stack"]["vpc_id"], "vpc-0f1e2d3c4b5a69788");
    // The stack's load balancer (by its stackc tags; another environment's
    // is not this stack's).
    assert_eq!(
        json["opsworks"]["stack"]["elb-load-balancers"],
        serde_json::json!([{ "layer_id": "web", "layer": "web",
            "name": "gold-WebLo-1A2B3C4D5E6F", "dns_name": WEB_LB_DNS }])
    );
    // The log groups (named per deployment) come from the bootstrap.
    assert_eq!(json["stackc"]["log_groups"]["web"], WEB_LOGS);
    assert_eq!(json["stackc"]["log_groups"]["cache"], CACHE_LOGS);

    // What the agent learned is kept (no secrets in it); given to `stackc
    // node-json`, which runs the same live.jq with jaq, it gives the very
    // tree Chef received.
    let live: Value = serde_json::from_str(&i.read("state/live.json")).unwrap();
    assert_eq!(live["self"]["id"], "i-0abc");
    assert_eq!(live["app"], "rentals");
    let o = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args([
            "node-json",
            "examples/goldcar/stack.kdl",
            "--layer",
            "web",
            "--event",
            "deploy",
            "--instances",
        ])
        .arg(i.root.join("state/live.json"))
        .current_dir(repo())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let expected: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json, expected);

    let secrets = i.root.join("secrets/rentals.json");
    let mode = std::fs::metadata(&secrets).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let values: Value = serde_json::from_str(&i.read("secrets/rentals.json")).unwrap();
    assert_eq!(values["DB_PASSWORD"], SECRET);
    // The value is nowhere else: not in the node JSON, the logs, or the output.
    for place in [
        all_text_under(&i.root.join("state")),
        all_text_under(&i.root.join("log")),
        i.read("ran.json"),
        output,
    ] {
        assert!(!place.contains(SECRET));
    }

    // get-json prints the last run's tree.
    let o = i.run(&["get-json"], &[]);
    let last: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(last["opsworks"]["activity"], "deploy");

    // A second run reuses the bundle: one download in all.
    let o = i.run(&["configure"], &[]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let downloads = i
        .read("aws.calls")
        .lines()
        .filter(|l| l.starts_with("s3 cp"))
        .count();
    assert_eq!(downloads, 1);
    assert!(i
        .read("ran.run_list")
        .contains("recipe[memcached::configure]"));
}

#[test]
fn a_deploy_lists_every_app_but_reads_only_the_instances_own_secrets() {
    require(&["jq", "flock"]);
    let i = Instance::new("other-layer");
    let env = i
        .read("instance.env")
        .replace("STACKC_LAYER=web", "STACKC_LAYER=reports");
    std::fs::write(i.root.join("instance.env"), env).unwrap();
    let o = i.run(&["deploy"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    // OpsWorks ran Deploy on every instance: reports sees rentals too.
    let json: Value = serde_json::from_str(&i.read("ran.json")).unwrap();
    assert_eq!(json["deploy"]["rentals"]["layer"], "web");
    assert_eq!(json["opsworks"]["applications"][0]["name"], "rentals");
    // Its secrets are web's: a reports instance does not ask for them.
    assert!(
        !i.read("aws.calls").contains("ssm get-parameters"),
        "{}",
        i.read("aws.calls")
    );
    assert!(!i.root.join("secrets/rentals.json").exists());
    // Other events carry the apps of the instance's own layers only.
    let o = i.run(&["configure"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let json: Value = serde_json::from_str(&i.read("ran.json")).unwrap();
    assert_eq!(json["deploy"], serde_json::json!({}));
}

#[test]
fn a_load_balancer_look_up_that_fails_leaves_its_names_null() {
    require(&["jq", "flock"]);
    let i = Instance::new("elb-denied");
    let o = i.run(&["configure"], &[("ELB_FAIL", "1")]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    assert!(
        said(&o).contains("could not list the load balancers"),
        "{}",
        said(&o)
    );
    let json: Value = serde_json::from_str(&i.read("ran.json")).unwrap();
    assert_eq!(
        json["opsworks"]["stack"]["elb-load-balancers"],
        serde_json::json!([{ "layer_id": "web", "layer": "web", "name": null, "dns_name": null }])
    );
}

#[test]
fn failures_are_reported_with_their_exit_code() {
    require(&["jq", "flock"]);
    let i = Instance::new("fail");
    let o = i.run(&["setup"], &[("CINC_EXIT", "3")]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        said(&o).contains("setup failed with exit code 3"),
        "{}",
        said(&o)
    );
    // The outcome is tagged on the instance for `stackc status` (setup_failed).
    let tagged = |what: &str| {
        i.read("aws.calls").lines().any(|l| {
            l.starts_with("ec2 create-tags --region eu-west-1 --resources i-0abc --tags Key=stackc:last-run,Value=")
                && l.contains(what)
        })
    };
    // First `started` (running_setup while it runs), then the outcome.
    let calls = i.read("aws.calls");
    let started = calls.find("Value=setup started 20");
    let failed = calls.find("Value=setup failed 20");
    assert!(
        started.is_some() && failed.is_some() && started < failed,
        "{calls}"
    );
    assert!(tagged("Value=setup failed 20"), "{}", i.read("aws.calls"));
    // Tagging is best effort: a refused tag does not change the run's code.
    let o = i.run(&["setup"], &[("CINC_EXIT", "0"), ("TAGS_FAIL", "1")]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(said(&o).contains("could not record setup succeeded"));

    // A bundle that does not match its sha256 is refused.
    std::fs::write(i.root.join("bundle.sha"), "0".repeat(64)).unwrap();
    let o = i.run(&["deploy"], &[]);
    assert_ne!(o.status.code(), Some(0));
    assert!(said(&o).contains("does not match sha256"));
    assert!(tagged("Value=deploy failed 20"), "{}", i.read("aws.calls"));
    assert!(
        !i.read("ran.json").contains("\"activity\": \"deploy\""),
        "cinc must not run"
    );

    // Usage errors exit 2.
    assert_eq!(i.run(&["boot"], &[]).status.code(), Some(2));
    assert_eq!(i.run(&["execute_recipes"], &[]).status.code(), Some(2));
}

#[test]
fn execute_recipes_runs_exactly_the_named_recipes() {
    require(&["jq", "flock"]);
    let i = Instance::new("exec");
    let o = i.run(
        &[
            "execute_recipes",
            "--recipes",
            "goldcar::vhosts,php_app::configure",
        ],
        &[],
    );
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        i.read("ran.run_list").trim(),
        "recipe[goldcar::vhosts],recipe[php_app::configure]"
    );
    let json: Value = serde_json::from_str(&i.read("ran.json")).unwrap();
    assert_eq!(json["opsworks"]["activity"], "execute_recipes");
    assert!(i
        .read("aws.calls")
        .contains("Key=stackc:last-run,Value=execute_recipes succeeded 20"));
}

#[test]
fn a_failed_run_tells_the_topic_which_instance_event_and_log() {
    require(&["jq", "flock"]);
    let i = Instance::new("notify");
    let o = i.run(&["configure"], &[("CINC_EXIT", "1")]);
    assert_eq!(o.status.code(), Some(1), "{}", said(&o));
    let calls = i.read("aws.calls");
    let publish = calls
        .split("\n")
        .position(|l| l.starts_with("sns publish"))
        .map(|n| calls.split("\n").skip(n).collect::<Vec<_>>().join("\n"))
        .unwrap_or_else(|| panic!("no notification:\n{calls}"));
    assert!(publish.starts_with(&format!("sns publish --region eu-west-1 --topic-arn {TOPIC} --subject stackc goldcar-production: configure failed on i-0abc (web) --message ")), "{publish}");
    let log = std::fs::read_dir(i.root.join("log"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("-configure.log"))
        .unwrap();
    for needle in [
        "instance i-0abc (layer web, region eu-west-1) failed with exit code 1",
        &format!("on the instance: {}", log.display()),
        &format!("log group {WEB_LOGS}, stream i-0abc/stackc-run"),
        "stackc-run: configure failed with exit code 1",
    ] {
        assert!(publish.contains(needle), "{needle} not in {publish}");
    }
    // The run's log holds what stackc-run said as well as Chef's output.
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.contains("stackc-run: running configure") && text.contains("Cinc Client finished"),
        "{text}"
    );
    assert_eq!(
        std::fs::metadata(&log).unwrap().permissions().mode() & 0o777,
        0o640
    );

    // Under the bootstrap, the bootstrap reports (once, for the whole boot).
    std::fs::remove_file(i.root.join("aws.calls")).unwrap();
    let o = i.run(&["setup"], &[("CINC_EXIT", "1"), ("STACKC_BOOTSTRAP", "1")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!i.read("aws.calls").contains("sns publish"));

    // An instance launched before the topic reached instance.env still runs.
    std::fs::write(i.root.join("instance.env"), OLD_INSTANCE_ENV).unwrap();
    let o = i.run(&["configure"], &[("CINC_EXIT", "1")]);
    assert_eq!(o.status.code(), Some(1));
    assert!(said(&o).contains("no topic to notify"), "{}", said(&o));
    assert!(!i.read("aws.calls").contains("sns publish"));
}

/// The lines of the Run Command document of each example, with its
/// parameters substituted as SSM does (as text).
fn run_documents() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for example in ["goldcar", "shop", "minimal"] {
        let dir =
            std::env::temp_dir().join(format!("stackc-agent-doc-{}-{example}", std::process::id()));
        let o = Command::new(env!("CARGO_BIN_EXE_stackc"))
            .args(["build", &format!("examples/{example}/stack.kdl"), "--out"])
            .arg(&dir)
            .current_dir(repo())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for env in std::fs::read_dir(&dir).unwrap() {
            let template: Value = serde_json::from_slice(
                &std::fs::read(env.unwrap().path().join("template.json")).unwrap(),
            )
            .unwrap();
            let document = &template["Resources"]["RunDocument"];
            for (event, app, recipes) in [
                ("configure", "", ""),
                ("deploy", "rentals", ""),
                ("execute_recipes", "", "goldcar::vhosts,php_app::configure"),
            ] {
                let script = run_command(document, [event, app, recipes]);
                out.push((format!("{example} {event}"), script));
            }
        }
    }
    out
}

#[test]
fn the_run_document_is_posix_sh() {
    // The SSM agent runs it with `sh`: dash on Ubuntu.
    require(&["shellcheck", "dash"]);
    for (name, script) in run_documents() {
        assert!(!script.contains("{{"), "{name}: {script}");
        let o = Command::new("sh")
            .args([
                "-c",
                "printf '%s\\n' \"$1\" | shellcheck -s sh -",
                "sh",
                &script,
            ])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{name}:\n{}",
            String::from_utf8_lossy(&o.stdout)
        );
        let o = Command::new("dash")
            .args(["-n", "-c", &script])
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{name}:\n{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
