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
  "s3 cp") if [[ "$*" == *.json" "* ]]; then cp {r}/deployment.json "${{@: -1}}"; else cp {r}/out/goldcar-production/cookbooks.tar.gz "${{@: -1}}"; fi ;;
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
  case "$1" in
    -j) cp "$2" {r}/ran.json; stat -c %a "$2" "$(dirname "$2")" > {r}/ran.modes; shift 2 ;;
    -c) bags=$(sed -n "s/^data_bag_path '\(.*\)'$/\1/p" "$2"); rm -rf {r}/ran_data_bags; cp -r "$bags" {r}/ran_data_bags; shift 2 ;;
    -o) echo "$2" > {r}/ran.run_list; shift 2 ;;
    *) shift ;;
  esac
done
echo "Cinc Client finished"
exit "${{CINC_EXIT:-0}}"
"#
            ),
        );
        Instance { root }
    }

    fn run(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        self.command(args, extra_env).output().unwrap()
    }

    /// `stackc-run args` on this instance, not started yet.
    fn command(&self, args: &[&str], extra_env: &[(&str, &str)]) -> Command {
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
        cmd
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
    // tree the agent kept as last.json (secret fields null).
    let live: Value = serde_json::from_str(&i.read("state/live.json")).unwrap();
    assert_eq!(live["self"]["id"], "i-0abc");
    assert_eq!(live["app"], "rentals");
    let expected = node_json_view(&i, "deploy", None);
    let last: Value = serde_json::from_str(&i.read("state/last.json")).unwrap();
    assert_eq!(last, expected);
    assert_eq!(
        last["deploy"]["rentals"]["database"]["password"],
        Value::Null
    );

    // Chef got the secret where OpsWorks put it, in a private file of a
    // private run directory that is gone after the run.
    let rentals = &json["deploy"]["rentals"];
    assert_eq!(rentals["database"]["password"], SECRET);
    assert_eq!(rentals["environment_variables"]["DB_PASSWORD"], SECRET);
    assert_eq!(rentals["environment"]["DB_PASSWORD"], SECRET);
    assert_eq!(rentals["environment_variables"]["APP_ENV"], "production");
    assert_eq!(
        i.read("ran.modes").split_whitespace().collect::<Vec<_>>(),
        ["600", "700"]
    );
    let runs: Vec<_> = std::fs::read_dir(i.root.join("state/runs"))
        .unwrap()
        .collect();
    assert!(runs.is_empty(), "the run directory is removed: {runs:?}");
    let bags = i.read("ran_data_bags/aws_opsworks_rds_db_instance/rentals-database.json");
    assert!(bags.contains(SECRET), "{bags}");

    let secrets = i.root.join("secrets/rentals.json");
    let mode = std::fs::metadata(&secrets).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let values: Value = serde_json::from_str(&i.read("secrets/rentals.json")).unwrap();
    assert_eq!(values["DB_PASSWORD"], SECRET);
    // The value is nowhere else: not in the kept JSON, the logs, or the output.
    for place in [
        all_text_under(&i.root.join("state")),
        all_text_under(&i.root.join("log")),
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
    let rentals = &json["deploy"]["rentals"];
    assert_eq!(rentals["database"]["password"], Value::Null);
    assert!(rentals["environment_variables"]
        .get("DB_PASSWORD")
        .is_none());
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
    let o = i.run(&["setup"], &[("ELB_FAIL", "1")]);
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
    // An online instance (configure skips one whose setup has not succeeded).
    assert_eq!(i.run(&["setup"], &[]).status.code(), Some(0));
    std::fs::remove_file(i.root.join("aws.calls")).unwrap();
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
    let o = i.run(&["deploy"], &[("CINC_EXIT", "1")]);
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

/// OpsWorks ran configure on online instances only: before its setup has
/// succeeded (and after it failed) an instance skips the configure that a
/// peer's launch sends to the whole stack.
#[test]
fn configure_runs_on_online_instances_only() {
    require(&["jq", "flock"]);
    let i = Instance::new("configure-online");
    let o = i.run(&["configure"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    assert!(
        said(&o).contains("configure skipped: this instance's setup has not succeeded"),
        "{}",
        said(&o)
    );
    assert!(i.read("ran.json").is_empty(), "Chef did not run");

    let o = i.run(&["setup"], &[("CINC_EXIT", "1")]);
    assert_ne!(o.status.code(), Some(0));
    let o = i.run(&["configure"], &[]);
    assert_eq!(o.status.code(), Some(0));
    assert!(said(&o).contains("configure skipped"), "{}", said(&o));
    let setup: Value = serde_json::from_str(&i.read("ran.json")).unwrap();
    assert_eq!(
        setup["opsworks"]["activity"], "setup",
        "the failed setup's run is the last"
    );

    let o = i.run(&["setup"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let o = i.run(&["configure"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    assert!(said(&o).contains("configure succeeded"), "{}", said(&o));
    let configure: Value = serde_json::from_str(&i.read("ran.json")).unwrap();
    assert_eq!(configure["opsworks"]["activity"], "configure");
}

/// A burst of launches sends a burst of configures; queued behind a run in
/// progress, only the last to arrive runs Chef, the others are superseded.
#[test]
fn a_burst_of_configures_runs_once_with_the_last() {
    require(&["jq", "flock"]);
    let i = Instance::new("configure-burst");
    let o = i.run(&["setup"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    std::fs::remove_file(i.root.join("ran.json")).unwrap();
    let held = i.root.join("held");
    let release = i.root.join("release");
    // A run in progress: something holds the agent's lock until told.
    let mut holder = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "exec 9>'{}'; flock 9; : > '{}'; while [ ! -e '{}' ]; do sleep 0.05; done",
            i.root.join("state/lock").display(),
            held.display(),
            release.display()
        ))
        .spawn()
        .unwrap();
    while !held.exists() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut runs = Vec::new();
    for _ in 0..3 {
        runs.push(
            i.command(&["configure"], &[])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap(),
        );
        // Each takes its ticket before the next starts.
        let tickets = runs.len();
        while std::fs::read_dir(i.root.join("state/queue")).map_or(0, |d| d.count()) < tickets {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    std::fs::write(&release, "").unwrap();
    holder.wait().unwrap();
    let outputs: Vec<String> = runs
        .into_iter()
        .map(|r| {
            let o = r.wait_with_output().unwrap();
            assert_eq!(o.status.code(), Some(0), "{}", said(&o));
            said(&o)
        })
        .collect();
    for early in &outputs[..2] {
        assert!(
            early.contains("configure superseded by a later configure"),
            "{early}"
        );
        assert!(!early.contains("running configure"), "{early}");
    }
    assert!(outputs[2].contains("configure succeeded"), "{}", outputs[2]);
    let chef_runs = std::fs::read_dir(i.root.join("log"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .ends_with("-configure.log")
        })
        .count();
    assert_eq!(chef_runs, 1);
    assert_eq!(
        std::fs::read_dir(i.root.join("state/queue"))
            .unwrap()
            .count(),
        0,
        "every ticket is gone"
    );
}

/// `stackc run deploy --custom-json FILE --migrate`: the deployment's JSON
/// (fetched from the artifact bucket by its sha256) is merged over the node
/// JSON last and the deployed apps get `migrate`, as in OpsWorks.
#[test]
fn a_deployments_custom_json_is_merged_last_and_migrate_set() {
    require(&["jq", "flock", "sha256sum"]);
    let i = Instance::new("deployment-json");
    let custom = r#"{"goldcar":{"currency":"USD"},"deploy":{"rentals":{"feature":"on"}}}"#;
    std::fs::write(i.root.join("deployment.json"), custom).unwrap();
    let sum = Command::new("sha256sum")
        .arg(i.root.join("deployment.json"))
        .output()
        .unwrap();
    let sha = String::from_utf8(sum.stdout).unwrap()[..64].to_string();
    let o = i.run(
        &[
            "deploy",
            "--app",
            "rentals",
            "--custom-json",
            &sha,
            "--migrate",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    assert!(i
        .read("aws.calls")
        .contains(&format!("s3://artifacts/goldcar/production/{sha}.json")));
    let json: Value = serde_json::from_str(&i.read("ran.json")).unwrap();
    assert_eq!(
        json["goldcar"]["currency"], "USD",
        "the deployment's JSON wins"
    );
    assert_eq!(
        json["goldcar"]["cache-ttl"], 300,
        "the stack's custom JSON stays"
    );
    assert_eq!(json["deploy"]["rentals"]["feature"], "on");
    assert_eq!(json["deploy"]["rentals"]["migrate"], true);
    assert_eq!(json["deploy"]["rentals"]["deploy_to"], "/srv/www/rentals");

    // Without --migrate there is no migrate.
    let o = i.run(&["deploy", "--app", "rentals"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let json: Value = serde_json::from_str(&i.read("ran.json")).unwrap();
    assert_ne!(json["deploy"]["rentals"]["migrate"], true);

    // What the bucket holds must be what was named.
    std::fs::write(
        i.root.join("deployment.json"),
        r#"{"goldcar":{"currency":"GBP"}}"#,
    )
    .unwrap();
    let o = i.run(&["deploy", "--custom-json", &sha], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", said(&o));
    assert!(said(&o).contains("does not match sha256"), "{}", said(&o));
    let o = i.run(&["deploy", "--custom-json", "abc"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", said(&o));
}

/// What `stackc node-json` prints (and, given `--secrets` and `--data-bags`,
/// writes) for the agent's own live data.
fn node_json_view(i: &Instance, event: &str, secrets_and_bags: Option<(&Path, &Path)>) -> Value {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stackc"));
    cmd.args([
        "node-json",
        "examples/goldcar/stack.kdl",
        "--layer",
        "web",
        "--event",
        event,
        "--instances",
    ])
    .arg(i.root.join("state/live.json"));
    if let Some((secrets, bags)) = secrets_and_bags {
        cmd.arg("--secrets")
            .arg(secrets)
            .arg("--data-bags")
            .arg(bags);
    }
    let o = cmd.current_dir(repo()).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// `<dir>/<bag>/<item>.json` as {bag: {item: value}}.
fn read_bags(dir: &Path) -> Value {
    let mut bags = serde_json::Map::new();
    for bag in std::fs::read_dir(dir).unwrap() {
        let bag = bag.unwrap().path();
        let mut items = serde_json::Map::new();
        for item in std::fs::read_dir(&bag).unwrap() {
            let item = item.unwrap().path();
            let value: Value = serde_json::from_slice(&std::fs::read(&item).unwrap()).unwrap();
            items.insert(
                item.file_stem().unwrap().to_string_lossy().into_owned(),
                value,
            );
        }
        bags.insert(
            bag.file_name().unwrap().to_string_lossy().into_owned(),
            Value::Object(items),
        );
    }
    Value::Object(bags)
}

#[test]
fn the_agent_hands_chef_what_node_json_shows_for_the_same_inputs() {
    // jq on the instance, jaq in stackc: the same live.jq, secrets.jq and
    // databags.jq on the same bundle, live data and secrets.
    require(&["jq", "flock"]);
    let i = Instance::new("same");
    let secrets = i.root.join("secrets-given.json");
    std::fs::write(
        &secrets,
        serde_json::json!({ "/goldcar/prod/db-password": SECRET }).to_string(),
    )
    .unwrap();
    for (args, event) in [
        (&["deploy", "--app", "rentals"][..], "deploy"),
        (&["setup"][..], "setup"),
        (&["configure"][..], "configure"),
    ] {
        let o = i.run(
            args,
            &[("STACKC_DEPLOYMENT", "5e62c4a1-0d3b-4bde-9b5a-1f2e3d4c5b6a")],
        );
        assert_eq!(o.status.code(), Some(0), "{}", said(&o));
        let chef: Value = serde_json::from_str(&i.read("ran.json")).unwrap();
        let bags_dir = i.root.join(format!("bags-{event}"));
        let shown = node_json_view(&i, event, Some((&secrets, &bags_dir)));
        assert_eq!(chef, shown, "{event}: node JSON");
        assert_eq!(
            read_bags(&i.root.join("ran_data_bags")),
            read_bags(&bags_dir),
            "{event}: data bags"
        );
    }
}

/// jq's output of the agent's program `name` on `input` (an array, slurped
/// from one file per element as the agent passes them).
fn jq_output(name: &str, input: &Value) -> Value {
    let dir = std::env::temp_dir().join(format!("stackc-agent-jq-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut cmd = Command::new("jq");
    cmd.arg("-s")
        .arg("-f")
        .arg(repo().join("stdlib/agent").join(name));
    for (n, part) in input.as_array().unwrap().iter().enumerate() {
        let p = dir.join(format!("{name}.{n}.json"));
        std::fs::write(&p, part.to_string()).unwrap();
        cmd.arg(p);
    }
    let o = cmd.output().unwrap();
    assert!(o.status.success(), "{name}: {}", said(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn jq_and_jaq_agree_on_the_agents_programs_where_goldcar_does_not_reach() {
    // Load balancers, RDS instances, execute_recipes' arguments, dates
    // (databags.jq computes them by arithmetic), instances outside Auto
    // Scaling and an app without secrets: each program under jq (the
    // instance) and jaq (stackc node-json) on the same input.
    use serde_json::json;
    use stackc_core::emit::live;
    require(&["jq"]);
    let stack = json!({"opsworks": {"stack": {"id": "s-prod", "name": "s", "region": "us-east-2",
        "vpc_id": "vpc-1",
        "elb-load-balancers": [{"layer": "web", "name": "s-prod-web", "dns_name": "lb.example"}],
        "rds_instances": [{"db_instance_identifier": "main", "arn": "arn:aws:rds:us-east-2:1:db:main",
            "address": "main.rds.example", "port": 5432, "engine": "postgres", "db_user": "admin",
            "region": "us-east-2"}]},
        "layers": {"web": {"id": "web", "name": "web", "type": "nodejs-app", "host": "web", "instances": {}},
                   "mc": {"id": "mc", "name": "mc", "type": "memcached", "host": "mc", "instances": {}}}}});
    let group = json!({"stackc": {"host_layer": "web", "region": "us-east-2", "os": "ubuntu-22.04"},
        "opsworks": {"instance": {"layers": ["web"], "architecture": "x86_64", "region": "us-east-2"}},
        "deploy": {"api": {"memcached": {"host": null, "port": 11211}, "secrets": {"TOKEN": "/s/token", "KEY": "/s/key"},
                           "environment_variables": {"A": "1"}, "environment": {"A": "1"},
                           "scm": {"scm_type": "git", "repository": "git@x:y.git", "revision": "main",
                                   "ssh_key": null, "ssh_key_secret": "KEY"},
                           "database": {}, "domains": ["api.example"], "document_root": null},
                   "site": {"memcached": {"host": null}, "secrets": {}, "database": {},
                            "scm": {"scm_type": "s3", "repository": "https://s3.amazonaws.com/b/k.zip"}}},
        "run_list": ["recipe[a::b]"], "opsworks_custom_cookbooks": {"enabled": true, "recipes": ["a::b"]}});
    let custom = json!({"deploy": {"api": {"flags": [1, 2]}}});
    // nodes/apps.json: another layer's app, which a deploy, undeploy or
    // rollback carries too (a fifth input), and another view of `api`
    // that the group's own part overrides.
    let apps = json!({"deploy": {"worker": {"memcached": {"host": null}, "secrets": {}, "database": {},
                                            "domains": [], "scm": {"scm_type": "git"}},
                                 "api": {"memcached": {"host": "10.9.9.9", "port": 1}, "domains": ["old.example"]}}});
    let instance = |id: &str, layer: &str, ip: &str, state: Value| {
        json!({"id": id, "layer": layer, "private_ip": ip, "private_dns_name": format!("ip-{ip}"),
               "availability_zone": "us-east-2b", "instance_type": "t3.micro", "lifecycle_state": state})
    };
    for (event, app, recipes, sent_at) in [
        (
            "execute_recipes",
            Value::Null,
            json!(["a::b", "c::d"]),
            json!(951_782_400),
        ),
        (
            "deploy",
            json!("api"),
            Value::Null,
            json!(4_102_444_799_i64),
        ),
        ("undeploy", Value::Null, Value::Null, Value::Null),
    ] {
        let live_data = json!({"event": event, "app": app, "recipes": recipes, "sent_at": sent_at,
            "deployment": null, "log_groups": null,
            "self": {"id": "i-0aa", "private_ip": "10.1.0.5", "availability_zone": "us-east-2a",
                     "instance_type": "t3.micro", "architecture": "aarch64"},
            "instances": [instance("i-0aa", "web", "10.1.0.5", json!("Pending:Wait")),
                          instance("i-0bb", "web", "10.1.0.6", json!("InService")),
                          instance("i-0cc", "mc", "10.1.0.7", Value::Null),
                          instance("i-0dd", "mc", "10.1.0.8", json!("InService"))]});
        let every_app = matches!(event, "deploy" | "undeploy" | "rollback");
        let mut input = json!([stack, group, custom, live_data]);
        if every_app {
            input.as_array_mut().unwrap().push(apps.clone());
        }
        let tree = jq_output("live.jq", &input);
        // The group's own entry wins over the apps part's. Another layer's
        // app comes with the apps part (deploy, undeploy, rollback); a
        // deploy of one app (`app`) then keeps only that one.
        assert_eq!(
            tree["deploy"]["api"]["domains"],
            json!(["api.example"]),
            "{event}"
        );
        assert_eq!(
            tree["deploy"].get("worker").is_some(),
            event == "undeploy",
            "{event}: {}",
            tree["deploy"]
        );
        assert_eq!(
            tree,
            live::run("live.jq", live::LIVE_JQ, &input).unwrap(),
            "{event}: live.jq"
        );
        let secrets = json!({"/s/token": "t-1", "/s/key": "-----BEGIN KEY-----\nabc\n"});
        let input = json!([tree, secrets]);
        let chef = jq_output("secrets.jq", &input);
        assert_eq!(
            chef,
            live::run("secrets.jq", live::SECRETS_JQ, &input).unwrap(),
            "{event}: secrets.jq"
        );
        // The data bags are made from the tree with every app, as the agent does.
        let mut all = live_data.clone();
        all["app"] = Value::Null;
        let mut all_input = json!([stack, group, custom, all]);
        if every_app {
            all_input.as_array_mut().unwrap().push(apps.clone());
        }
        let everything = jq_output("live.jq", &all_input);
        let everything = jq_output("secrets.jq", &json!([everything, secrets]));
        let input = json!([everything, live_data]);
        let bags = jq_output("databags.jq", &input);
        assert_eq!(
            bags,
            live::run("databags.jq", live::DATABAGS_JQ, &input).unwrap(),
            "{event}: databags.jq"
        );
        if event == "execute_recipes" {
            let command = &bags["aws_opsworks_command"]["execute_recipes"];
            assert_eq!(command["sent_at"], "2000-02-29T00:00:00+00:00");
            assert_eq!(command["args"], json!({"recipes": ["a::b", "c::d"]}));
            assert_eq!(chef["run_list"], json!(["recipe[a::b]", "recipe[c::d]"]));
            assert_eq!(
                bags["aws_opsworks_elastic_load_balancer"]["web"],
                json!({"id": "web", "elastic_load_balancer_name": "s-prod-web",
                       "dns_name": "lb.example", "layer_id": "web"})
            );
            assert_eq!(
                bags["aws_opsworks_rds_db_instance"]["main"]["address"],
                "main.rds.example"
            );
            assert_eq!(
                chef["deploy"]["api"]["scm"]["ssh_key"],
                "-----BEGIN KEY-----\nabc\n"
            );
            assert_eq!(chef["deploy"]["api"]["environment"]["TOKEN"], "t-1");
            assert_eq!(chef["deploy"]["site"].get("environment_variables"), None);
            // memcached elsewhere: its online instance, not the one outside Auto Scaling.
            assert_eq!(chef["deploy"]["api"]["memcached"]["host"], "10.1.0.8");
            assert_eq!(
                bags["aws_opsworks_instance"]["web-0aa"]["architecture"],
                "aarch64"
            );
            assert_eq!(
                bags["aws_opsworks_instance"]["web-0aa"]["status"],
                "running_setup"
            );
        }
        if event == "deploy" {
            assert_eq!(
                bags["aws_opsworks_command"]["deploy"]["sent_at"],
                "2099-12-31T23:59:59+00:00"
            );
            assert_eq!(bags["aws_opsworks_app"]["api"]["deploy"], true);
            assert_eq!(bags["aws_opsworks_app"]["site"]["deploy"], false);
            assert_eq!(chef["deploy"].as_object().unwrap().len(), 1);
        }
    }
}

#[test]
fn the_agent_runs_the_client_instance_env_names_in_local_mode() {
    require(&["jq", "flock"]);
    // A recorder for each client's command, keeping its command line.
    let recorder = |i: &Instance, name: &str| {
        let r = i.root.display();
        script(
            &i.root.join("bin").join(name),
            &format!(
                "#!/bin/bash\necho \"{name} $*\" >> {r}/commands\nwhile [ $# -gt 0 ]; do if [ \"$1\" = -c ]; then cp \"$2\" {r}/solo.rb; fi; shift; done\necho \"{name} finished\"\n"
            ),
        );
    };
    let command_lines =
        |i: &Instance| -> Vec<String> { i.read("commands").lines().map(str::to_string).collect() };
    let env = |i: &Instance, extra: &str| {
        let mut text = i.read("instance.env");
        text.push_str(extra);
        std::fs::write(i.root.join("instance.env"), text).unwrap();
    };

    // Chef Infra Client: `chef-client --local-mode`, never cinc-solo.
    let i = Instance::new("chef-client");
    recorder(&i, "chef-client");
    recorder(&i, "cinc-solo");
    env(&i, "STACKC_CHEF_CLIENT=chef\nSTACKC_CHEF_VERSION=12.22.5\n");
    let o = i.run(&["deploy"], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", said(&o));
    let state = i.root.join("state").display().to_string();
    let lines = command_lines(&i);
    assert_eq!(lines.len(), 1, "{lines:?}");
    // The run's private directory holds its config and JSON.
    let run = format!("{state}/runs/run.");
    assert!(
        lines[0].starts_with(&format!("chef-client --local-mode --no-fork -c {run}")),
        "{lines:?}"
    );
    assert!(lines[0].contains("/solo.rb -j "), "{lines:?}");
    assert!(lines[0].contains("/node.json -o recipe["), "{lines:?}");
    assert!(
        said(&o).contains("with chef-client --local-mode:"),
        "{}",
        said(&o)
    );
    // Local mode keeps its node out of the bundle.
    let solo = i.read("solo.rb");
    assert!(
        solo.contains(&format!("chef_repo_path '{state}/chef-repo'")),
        "{solo}"
    );

    // Cinc, and an instance.env written before the choice: cinc-solo.
    for (name, extra) in [("cinc", "STACKC_CHEF_CLIENT=cinc\n"), ("old-env", "")] {
        let i = Instance::new(name);
        recorder(&i, "chef-client");
        recorder(&i, "cinc-solo");
        env(&i, extra);
        let o = i.run(&["deploy"], &[]);
        assert_eq!(o.status.code(), Some(0), "{}", said(&o));
        let lines = command_lines(&i);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("cinc-solo --no-fork -c "), "{lines:?}");
    }

    // A client the agent does not know fails the run, saying so.
    let i = Instance::new("unknown-client");
    recorder(&i, "chef-client");
    recorder(&i, "cinc-solo");
    env(&i, "STACKC_CHEF_CLIENT=puppet\n");
    let o = i.run(&["deploy"], &[]);
    assert_ne!(o.status.code(), Some(0), "{}", said(&o));
    assert!(
        said(&o).contains("unknown Chef client 'puppet'"),
        "{}",
        said(&o)
    );
    assert!(command_lines(&i).is_empty());
}
