//! An environment with `targets` deployed as one StackSet to the local AWS
//! double (moto, started by ./scripts/test), through the logging proxy:
//! bootstrap makes a bucket per target region, deploy creates the StackSet
//! and an instance per account and region, a redeploy with nothing
//! changed starts no operation, a removed target's instance is deleted,
//! `--target` narrows diff, status and destroy, and `run` and `logs` act
//! on each stack instance with a role assumed in its account. moto runs every
//! operation to SUCCEEDED at once; failures are tested with fakes
//! (compiler/deploy/tests/stacksets.rs).

mod common;
use common::proxy::Proxy;
use common::watching::moto;
use common::{copy_dir, repo, require, stackc, CincServer};

use std::process::Output;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The StackSet calls the proxy saw since `from`.
fn actions(proxy: &Proxy, from: usize) -> Vec<String> {
    proxy.calls()[from..]
        .iter()
        .filter_map(|c| c["action"].as_str().map(str::to_string))
        .filter(|a| a.contains("StackSet") || a.contains("StackInstances"))
        .collect()
}

/// moto's account: self-managed instances there are stacks moto can
/// create (their nested templates are in that account's buckets).
const ACCOUNT: &str = "123456789012";

fn stack_file(targets: &str) -> String {
    let text = std::fs::read_to_string(repo().join("examples/multi-region/stack.kdl")).unwrap();
    let start = text.find("    environment production {").unwrap();
    let end = text.rfind("}\n").unwrap();
    format!(
        "{}    environment production {{\n        targets {{\n{targets}        }}\n    }}\n{}",
        &text[..start],
        &text[end..]
    )
}

#[test]

fn a_targeted_environment_deploys_as_one_stackset() {
    require(&["python3"]);
    let moto = moto();
    let cinc = CincServer::start();
    let dir = std::env::temp_dir().join(format!("stackc-stacksets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&repo().join("examples/multi-region"), &dir);
    let two = format!("            account \"{ACCOUNT}\" regions=\"us-east-1 eu-west-1\"\n");
    std::fs::write(dir.join("stack.kdl"), stack_file(&two)).unwrap();
    let proxy = Proxy::start(&moto, &dir);
    let run = |args: &[&str]| stackc(&proxy.endpoint, &cinc, &dir, args);

    // Bootstrap: the administering region's bucket and one per target region.
    for args in [&["bootstrap", "--yes"][..], &["lock"]] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }

    // The plan before anything is deployed.
    let o = run(&["diff"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let said = stderr(&o);
    assert!(
        said.contains("StackSet relay-production (self-managed), 2 targets"),
        "{said}"
    );
    assert!(
        said.contains(&format!("+ {ACCOUNT}/us-east-1: create")),
        "{said}"
    );

    // Deploy: the StackSet, then one CreateStackInstances per region.
    let before = proxy.calls().len();
    let o = run(&["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let calls = proxy.calls()[before..].to_vec();
    let offerings: Vec<&serde_json::Value> = calls
        .iter()
        .filter(|c| c["action"] == "DescribeInstanceTypeOfferings")
        .collect();
    assert_eq!(
        regions(&offerings),
        ["eu-west-1", "us-east-1"],
        "each target region is asked which instance types it offers: {calls:#?}"
    );
    let acts = actions(&proxy, before);
    assert!(acts.contains(&"CreateStackSet".to_string()), "{acts:?}");
    assert_eq!(
        acts.iter().filter(|a| *a == "CreateStackInstances").count(),
        2,
        "{acts:?}"
    );
    let said = stderr(&o);
    assert!(
        said.contains(&format!("{ACCOUNT}/eu-west-1: SUCCEEDED")),
        "{said}"
    );

    // Status: a row per target.
    let o = run(&["status"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!("{ACCOUNT}/us-east-1: CURRENT")),
        "{out}"
    );
    assert!(
        out.contains(&format!("{ACCOUNT}/eu-west-1: CURRENT")),
        "{out}"
    );
    let o = run(&["status", "--target", &format!("{ACCOUNT}/eu-west-1")]);
    let out = stdout(&o);
    assert!(out.contains("1 stack instance"), "{out}");
    let o = run(&["status", "--target", "999999999999/eu-west-1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no such account and region"),
        "{}",
        stderr(&o)
    );

    // A redeploy with nothing changed starts no operation.
    let before = proxy.calls().len();
    let o = run(&["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("up to date: no StackSet operation started"),
        "{}",
        stderr(&o)
    );
    let acts = actions(&proxy, before);
    assert!(
        !acts
            .iter()
            .any(|a| a.starts_with("Create") || a.starts_with("Update") || a.starts_with("Delete")),
        "{acts:?}"
    );

    run_and_logs_reach_each_target(&proxy, &run);
    recipes_and_custom_json_reach_each_region(&proxy, &dir, &run);
    drift_of_each_target(&proxy, &run);

    // Removing a target and destroying are not played here: moto cannot
    // delete a stack instance's stack that holds the template's VPC (its
    // stack deletion stops at DependencyViolation, as for a plain stack,
    // whose destroy is tested on `tiny`, with an existing VPC). The plan of a
    // removal is unit-tested (`plan::tests`); the deletion's run is not yet.
    let _ = std::fs::remove_dir_all(&dir);
}

/// A layer's instance type one target region does not offer (m7a in
/// us-west-1, as moto's offerings say, from AWS's) is refused by `diff`
/// and `deploy` with its code at the layer, before any StackSet call.
#[test]
fn an_instance_type_a_target_region_does_not_offer_is_refused() {
    require(&["python3"]);
    let moto = moto();
    let cinc = CincServer::start();
    let dir = std::env::temp_dir().join(format!("stackc-stacksets-offered-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&repo().join("examples/multi-region"), &dir);
    let two = format!("            account \"{ACCOUNT}\" regions=\"us-east-1 us-west-1\"\n");
    let text = stack_file(&two).replacen("instance-type t3.small", "instance-type m7a.large", 1);
    std::fs::write(dir.join("stack.kdl"), text).unwrap();
    let proxy = Proxy::start(&moto, &dir);
    let run = |args: &[&str]| stackc(&proxy.endpoint, &cinc, &dir, args);
    let o = run(&["lock"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for args in [&["diff"][..], &["deploy", "--yes"]] {
        let before = proxy.calls().len();
        let o = run(args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        let said = stderr(&o);
        assert!(said.contains("instance_type_not_offered"), "{said}");
        assert!(
            said.contains("layer `worker` runs m7a.large, which us-west-1 does not offer"),
            "{said}"
        );
        assert!(!said.contains("us-east-1 does not offer"), "{said}");
        let acts = actions(&proxy, before);
        assert!(acts.is_empty(), "nothing asked of StackSets: {acts:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// The execution role stackc assumes in the target account by default.
fn execution_role() -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/AWSCloudFormationStackSetExecutionRole")
}

/// `stackc run` and `stackc logs` on the stack instances: the role is
/// assumed in the target account (moto's own here: it gives the assumed
/// role's credentials that account's backends, as AWS does), and each
/// region's instances are reached with those credentials.
fn run_and_logs_reach_each_target(proxy: &Proxy, run: &dyn Fn(&[&str]) -> Output) {
    let before = proxy.calls().len();
    let o = run(&["run", "configure"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let calls = proxy.calls()[before..].to_vec();
    let assumed: Vec<&serde_json::Value> = calls
        .iter()
        .filter(|c| c["action"] == "AssumeRole")
        .collect();
    assert_eq!(assumed.len(), 2, "one AssumeRole per target: {assumed:?}");
    for a in &assumed {
        assert_eq!(a["params"]["RoleArn"], execution_role().as_str(), "{a}");
        assert_eq!(a["params"]["RoleSessionName"], "stackc-run", "{a}");
    }
    let sends: Vec<&serde_json::Value> = calls
        .iter()
        .filter(|c| c["action"] == "SendCommand")
        .collect();
    assert_eq!(regions(&sends), ["eu-west-1", "us-east-1"], "{sends:?}");
    for send in &sends {
        let region = send["region"].as_str().unwrap();
        // Signed with the assumed role's temporary credentials.
        assert!(send["key"].as_str().unwrap().starts_with("ASIA"), "{send}");
        let mut named: Vec<String> = send["params"]["InstanceIds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i.as_str().unwrap().to_string())
            .collect();
        named.sort();
        assert_eq!(named, running_instances(region), "{send}");
        assert_eq!(send["params"]["DocumentName"], "relay-production-run");
    }
    let said = stderr(&o);
    for region in ["us-east-1", "eu-west-1"] {
        assert!(
            said.contains(&format!("{ACCOUNT}/{region}: ")),
            "each target's lines say whose they are: {said}"
        );
    }

    // One target, by --target.
    let before = proxy.calls().len();
    let o = run(&[
        "run",
        "configure",
        "--target",
        &format!("{ACCOUNT}/eu-west-1"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sends: Vec<serde_json::Value> = proxy.calls()[before..]
        .iter()
        .filter(|c| c["action"] == "SendCommand")
        .cloned()
        .collect();
    assert_eq!(sends.len(), 1, "{sends:?}");
    assert_eq!(sends[0]["region"], "eu-west-1");

    // JSON: one object per target, which says whose it is.
    let o = run(&["run", "configure", "--message-format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut said: Vec<String> = common::results(&o)
        .iter()
        .map(|r| format!("{} {}", r["target"].as_str().unwrap(), r["succeeded"]))
        .collect();
    said.sort();
    assert_eq!(
        said,
        [
            format!("{ACCOUNT}/eu-west-1 true"),
            format!("{ACCOUNT}/us-east-1 true")
        ]
    );

    // Logs: a line shipped in the target account's log group of the
    // layer, read with the assumed role.
    put_log_line(
        "eu-west-1",
        "/stackc/relay-production/worker/",
        "i-0 hello from eu-west-1",
    );
    let before = proxy.calls().len();
    let o = run(&["logs", "--target", &format!("{ACCOUNT}/eu-west-1")]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!("{ACCOUNT}/eu-west-1 worker "))
            && out.contains("hello from eu-west-1"),
        "{out}"
    );
    let o = run(&[
        "logs",
        "--target",
        &format!("{ACCOUNT}/eu-west-1"),
        "--message-format",
        "json",
    ]);
    let lines = common::results(&o);
    assert!(
        lines
            .iter()
            .any(|l| l["target"] == format!("{ACCOUNT}/eu-west-1").as_str()
                && l["layer"] == "worker"
                && l["message"] == "i-0 hello from eu-west-1"),
        "{lines:?}"
    );
    let reads: Vec<serde_json::Value> = proxy.calls()[before..]
        .iter()
        .filter(|c| c["service"] == "logs")
        .cloned()
        .collect();
    assert!(!reads.is_empty());
    for r in &reads {
        assert_eq!(r["region"], "eu-west-1", "{r}");
        assert!(r["key"].as_str().unwrap().starts_with("ASIA"), "{r}");
    }

    // A role the target account refuses: each target says so, exit 1.
    proxy.refuse_roles(&[&execution_role()]);
    let o = run(&["run", "configure"]);
    proxy.refuse_roles(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let said = stderr(&o);
    for region in ["us-east-1", "eu-west-1"] {
        assert!(
            said.contains(&format!(
                "error: {ACCOUNT}/{region}: cannot assume {}: access denied",
                execution_role()
            )),
            "{said}"
        );
    }
    assert!(said.contains("2 of 2 target(s) failed"), "{said}");

    // --role-name chooses another role.
    let before = proxy.calls().len();
    let o = run(&["logs", "--role-name", "relay-operator"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let roles: Vec<String> = proxy.calls()[before..]
        .iter()
        .filter(|c| c["action"] == "AssumeRole")
        .map(|c| c["params"]["RoleArn"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        roles,
        vec![format!("arn:aws:iam::{ACCOUNT}:role/relay-operator"); 2]
    );
}

/// `stackc run recipes` and `--custom-json` with targets: the bundle of
/// the cookbooks on disk and the custom JSON go to each target region's
/// bucket in the administering account (its credentials), each target's
/// fleet is pointed at the bundle with the assumed role, and the command
/// names the recipes and the custom JSON.
fn recipes_and_custom_json_reach_each_region(
    proxy: &Proxy,
    dir: &std::path::Path,
    run: &dyn Fn(&[&str]) -> Output,
) {
    let recipes = dir.join("cookbooks/relay/recipes");
    std::fs::create_dir_all(&recipes).unwrap();
    std::fs::write(recipes.join("default.rb"), "log 'edited on disk'\n").unwrap();
    std::fs::write(
        dir.join("cookbooks/relay/metadata.rb"),
        "name 'relay'\nversion '0.1.0'\n",
    )
    .unwrap();
    let file = dir.join("stack.kdl");
    let text = std::fs::read_to_string(&file).unwrap();
    let text = text.replacen(
        "    region us-east-1",
        "    cookbooks \"./cookbooks\"\n    region us-east-1",
        1,
    );
    std::fs::write(&file, text).unwrap();
    let before = proxy.calls().len();
    let o = run(&["run", "recipes", "relay::default"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let calls = proxy.calls()[before..].to_vec();
    let mut bundles: Vec<String> = calls
        .iter()
        .filter(|c| c["method"] == "PUT" && c["action"].as_str().unwrap().ends_with(".tar.gz"))
        .map(|c| {
            // The administering account's credentials, the region's bucket.
            assert!(!c["key"].as_str().unwrap().starts_with("ASIA"), "{c}");
            let region = c["region"].as_str().unwrap();
            assert!(
                c["action"]
                    .as_str()
                    .unwrap()
                    .starts_with("PUT /stackc-artifacts-relay-production-")
                    || c["path"]
                        .as_str()
                        .unwrap()
                        .contains("stackc-artifacts-relay-production"),
                "{c}"
            );
            region.to_string()
        })
        .collect();
    bundles.sort();
    assert_eq!(
        bundles,
        ["eu-west-1", "us-east-1"],
        "one bundle per region: {calls:#?}"
    );
    let mut pointed: Vec<String> = calls
        .iter()
        .filter(|c| c["action"] == "PutParameter")
        .map(|c| {
            assert_eq!(
                c["params"]["Name"], "/stackc/relay-production/bundle",
                "{c}"
            );
            assert!(c["key"].as_str().unwrap().starts_with("ASIA"), "{c}");
            c["region"].as_str().unwrap().to_string()
        })
        .collect();
    pointed.sort();
    assert_eq!(pointed, ["eu-west-1", "us-east-1"], "{calls:#?}");
    let sends: Vec<&serde_json::Value> = calls
        .iter()
        .filter(|c| c["action"] == "SendCommand")
        .collect();
    assert_eq!(sends.len(), 2, "{sends:?}");
    for send in &sends {
        assert_eq!(
            send["params"]["Parameters"]["recipes"],
            serde_json::json!(["relay::default"]),
            "{send}"
        );
    }

    // The same bundle again: nothing uploaded or pointed.
    let before = proxy.calls().len();
    let o = run(&[
        "run",
        "recipes",
        "relay::default",
        "--target",
        &format!("{ACCOUNT}/eu-west-1"),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let calls = proxy.calls()[before..].to_vec();
    assert!(
        !calls
            .iter()
            .any(|c| c["method"] == "PUT" || c["action"] == "PutParameter"),
        "{calls:#?}"
    );

    // A deployment's custom JSON: stored in each region's bucket under its
    // sha256, named in each target's command.
    let custom = dir.join("deployment.json");
    std::fs::write(&custom, r#"{"relay": {"verbose": true}}"#).unwrap();
    let before = proxy.calls().len();
    let o = run(&[
        "run",
        "configure",
        "--custom-json",
        custom.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let calls = proxy.calls()[before..].to_vec();
    let stored: Vec<&serde_json::Value> = calls
        .iter()
        .filter(|c| c["method"] == "PUT" && c["action"].as_str().unwrap().ends_with(".json"))
        .collect();
    assert_eq!(regions(&stored), ["eu-west-1", "us-east-1"], "{calls:#?}");
    let sends: Vec<&serde_json::Value> = calls
        .iter()
        .filter(|c| c["action"] == "SendCommand")
        .collect();
    assert_eq!(sends.len(), 2, "{sends:?}");
    for send in &sends {
        let sha = send["params"]["Parameters"]["custom_json"][0]
            .as_str()
            .unwrap();
        assert_eq!(sha.len(), 64, "{send}");
    }
}

/// `stackc drift` of the stack instances: CloudFormation's drift
/// detection of each instance's stack (by its id) in its account and
/// region, with the assumed role; the reports say whose they are.
fn drift_of_each_target(proxy: &Proxy, run: &dyn Fn(&[&str]) -> Output) {
    let before = proxy.calls().len();
    let o = run(&["drift"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    for region in ["us-east-1", "eu-west-1"] {
        assert!(
            out.contains(&format!("{ACCOUNT}/{region}: relay-production: no drift")),
            "{out}"
        );
    }
    let calls = proxy.calls()[before..].to_vec();
    let detections: Vec<&serde_json::Value> = calls
        .iter()
        .filter(|c| c["action"] == "DetectStackDrift")
        .collect();
    assert_eq!(
        regions(&detections),
        ["eu-west-1", "us-east-1"],
        "{detections:?}"
    );
    for d in &detections {
        let region = d["region"].as_str().unwrap();
        let stack = d["params"]["StackName"].as_str().unwrap();
        assert!(
            stack.starts_with(&format!(
                "arn:aws:cloudformation:{region}:{ACCOUNT}:stack/StackSet-relay-production-"
            )),
            "the stack instance's own stack: {d}"
        );
        assert!(d["key"].as_str().unwrap().starts_with("ASIA"), "{d}");
    }
    assert!(calls
        .iter()
        .filter(|c| c["action"] == "AssumeRole")
        .all(|c| c["params"]["RoleSessionName"] == "stackc-drift"));

    // A resource changed in one target: only that target is checked, it
    // drifted (exit 3), and its JSON report says whose it is.
    proxy.drift_resources(serde_json::json!([{
        "logical_id": "WorkerSecurityGroup",
        "physical_id": "sg-0123",
        "type": "AWS::EC2::SecurityGroup",
        "status": "MODIFIED",
        "differences": [{"path": "/Tags/0/Value", "expected": "relay", "actual": "other"}],
    }]));
    let o = run(&[
        "drift",
        "--target",
        &format!("{ACCOUNT}/eu-west-1"),
        "--json",
    ]);
    proxy.drift_resources(serde_json::json!([]));
    assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
    let reports = common::results(&o);
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(
        reports[0]["target"],
        format!("{ACCOUNT}/eu-west-1").as_str()
    );
    assert_eq!(reports[0]["drifted"], true);
    assert_eq!(
        reports[0]["resources"]["drifted"][0]["logical_id"],
        "WorkerSecurityGroup"
    );

    // A role one cannot assume: an error (exit 1), not drift.
    proxy.refuse_roles(&[&execution_role()]);
    let o = run(&["drift"]);
    proxy.refuse_roles(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2 of 2 target(s) failed"),
        "{}",
        stderr(&o)
    );
}

/// The regions of logged calls, sorted.
fn regions(calls: &[&serde_json::Value]) -> Vec<String> {
    let mut r: Vec<String> = calls
        .iter()
        .map(|c| c["region"].as_str().unwrap_or_default().to_string())
        .collect();
    r.sort();
    r
}

/// The in-service instances of relay-production's Auto Scaling groups in
/// a region of moto (sorted ids); other tests share the double, so other
/// stacks' instances may run there too.
fn running_instances(region: &str) -> Vec<String> {
    let script = r#"
import json, sys, boto3
asg = boto3.client("autoscaling", endpoint_url=sys.argv[1], region_name=sys.argv[2],
                   aws_access_key_id="testing", aws_secret_access_key="testing")
ids = [i["InstanceId"] for g in asg.describe_auto_scaling_groups()["AutoScalingGroups"]
       if g["AutoScalingGroupName"].startswith("relay-production-")
       for i in g["Instances"] if i["LifecycleState"] == "InService"]
print(json.dumps(sorted(ids)))
"#;
    let o = std::process::Command::new("python3")
        .args(["-c", script, &moto(), region])
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", stderr(&o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Puts one line in the log group under `prefix` of `region`, in the
/// target account: with credentials of the execution role assumed there,
/// as an instance of that account writes with its own.
fn put_log_line(region: &str, prefix: &str, message: &str) {
    let script = r#"
import sys, time, boto3
endpoint, region, prefix, message, role = sys.argv[1:6]
sts = boto3.client("sts", endpoint_url=endpoint, region_name=region,
                   aws_access_key_id="testing", aws_secret_access_key="testing")
c = sts.assume_role(RoleArn=role, RoleSessionName="instance")["Credentials"]
logs = boto3.client("logs", endpoint_url=endpoint, region_name=region,
                    aws_access_key_id=c["AccessKeyId"],
                    aws_secret_access_key=c["SecretAccessKey"],
                    aws_session_token=c["SessionToken"])
groups = [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=prefix)["logGroups"]]
assert len(groups) == 1, groups
logs.create_log_stream(logGroupName=groups[0], logStreamName="i-0")
logs.put_log_events(logGroupName=groups[0], logStreamName="i-0",
                    logEvents=[{"timestamp": int(time.time() * 1000), "message": message}])
"#;
    let o = std::process::Command::new("python3")
        .args([
            "-c",
            script,
            &moto(),
            region,
            prefix,
            message,
            &execution_role(),
        ])
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", stderr(&o));
}
