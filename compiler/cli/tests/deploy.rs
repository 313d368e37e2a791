//! `stackc bootstrap`, `deploy`, `diff` and `destroy` end to end against the
//! local AWS double (moto on 127.0.0.1, started by ./scripts/test, which
//! sets STACKC_TEST_AWS_ENDPOINT and fake credentials).

mod common;
use common::{against_the_double, copy_dir, repo, require, result, stackc, CincServer};

use std::path::Path;
use std::process::{Command, Output};

/// The local AWS double; the test fails without it.
fn endpoint() -> String {
    std::env::var("STACKC_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "STACKC_TEST_AWS_ENDPOINT is not set; run ./scripts/test, which starts the AWS double"
        )
    })
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `stackc lock` pins an image in every target region of an environment
/// with targets (its instances boot there, not in the stack's region).
#[test]
fn lock_pins_the_image_of_every_target_region() {
    let endpoint = endpoint();
    let cinc = CincServer::start();
    let dir = std::env::temp_dir().join(format!("stackc-lock-targets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&repo().join("examples/multi-region"), &dir);
    // The StackSets administered from a region no target runs in.
    let stack = std::fs::read_to_string(dir.join("stack.kdl")).unwrap();
    let moved = stack.replace("    region us-east-1", "    region ap-south-1");
    assert_ne!(stack, moved);
    std::fs::write(dir.join("stack.kdl"), moved).unwrap();
    let o = stackc(&endpoint, &cinc, &dir, &["lock"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lock = std::fs::read_to_string(dir.join("stack.lock")).unwrap();
    let regions: Vec<&str> = lock
        .lines()
        .filter(|l| l.starts_with("image "))
        .filter_map(|l| l.split('"').nth(1))
        .collect();
    // Production targets us-east-1 and eu-west-1, staging eu-west-1; none
    // is pinned for the stack's own region. One OS, one architecture.
    assert_eq!(regions, ["eu-west-1", "us-east-1"], "{lock}");
    let o = stackc(&endpoint, &cinc, &dir, &["lock"]);
    assert!(
        stderr(&o).contains("up to date: 2 images"),
        "{}",
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bootstrap_deploy_status_run_redeploy_and_change() {
    let endpoint = endpoint();
    let cinc = CincServer::start();
    let dir = std::env::temp_dir().join(format!("stackc-deploy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&repo().join("examples/goldcar"), &dir);
    // moto has no ACM certificate of this ARN: serve HTTP in the copy.
    let stack = std::fs::read_to_string(dir.join("stack.kdl")).unwrap();
    std::fs::write(
        dir.join("stack.kdl"),
        stack.replace(
            r#"listener https certificate="arn:aws:acm:eu-west-1:123456789012:certificate/abc""#,
            "listener http",
        ),
    )
    .unwrap();

    // No image is pinned yet: deploy refuses and says how to pin one.
    let o = stackc(&endpoint, &cinc, &dir, &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("stackc::image_not_locked"), "{err}");
    assert!(err.contains("stackc::cinc_not_locked"), "{err}");
    assert!(err.contains("run `stackc lock stack.kdl`"), "{err}");
    // `stackc lock` pins the image Amazon Linux's public parameter names
    // (moto serves those of every region), and the Cinc package Cinc's
    // metadata names (the local stand-in).
    let current = python(
        &endpoint,
        "eu-west-1",
        &format!(
            r#"print(session.client("ssm").get_parameter(Name="{AL2023_X86}")["Parameter"]["Value"])"#
        ),
    );
    let current = current.trim();
    let o = stackc(&endpoint, &cinc, &dir, &["lock"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("wrote stack.lock: commit it"),
        "{}",
        stderr(&o)
    );
    let lock = std::fs::read_to_string(dir.join("stack.lock")).unwrap();
    assert!(
        lock.contains(&format!(
            r#"image region="eu-west-1" os="amazon-linux-2023" arch="x86_64" id="{current}""#
        )),
        "{lock}"
    );
    assert_eq!(
        lock.matches("\nimage ").count(),
        1,
        "one OS, one architecture: {lock}"
    );
    let v = stackc_core::emit::cfn::userdata::CINC_VERSION;
    let package_url = cinc.package_url("amazon", "2023", "x86_64", v);
    let package = CincServer::package(package_url.rsplit('/').next().unwrap());
    let sha = stackc_core::emit::manifest::sha256_hex(&package);
    assert!(
        lock.contains(&format!(
            r#"cinc os="amazon-linux-2023" arch="x86_64" version="{v}" sha256="{sha}" url="{package_url}""#
        )),
        "{lock}"
    );
    assert_eq!(lock.matches("\ncinc ").count(), 1, "{lock}");
    assert_eq!(
        cinc.requests("/stable/cinc/metadata?p=amazon&pv=2023&m=x86_64&v="),
        1
    );
    assert_eq!(cinc.requests("/files/"), 0, "lock downloads no package");
    let o = stackc(&endpoint, &cinc, &dir, &["lock"]);
    assert!(
        stderr(&o).contains("stack.lock is up to date: 1 image and 1 Chef client package pinned"),
        "{}",
        stderr(&o)
    );
    // A pinned image stays pinned until --update.
    std::fs::write(dir.join("stack.lock"), lock.replace(current, OLD_IMAGE)).unwrap();
    let o = stackc(&endpoint, &cinc, &dir, &["lock"]);
    assert!(stderr(&o).contains("up to date"), "{}", stderr(&o));
    let o = stackc(&endpoint, &cinc, &dir, &["lock", "--update"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains(&format!(
            "~ eu-west-1 amazon-linux-2023 x86_64: {OLD_IMAGE} -> {current}"
        )),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("stack.lock")).unwrap(),
        lock
    );

    // Deploying before bootstrap says what to do.
    let o = stackc(&endpoint, &cinc, &dir, &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("run `stackc bootstrap --region eu-west-1`"));

    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &["bootstrap", "--region", "eu-west-1", "--yes"],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("artifact bucket: "));
    // Idempotent. Without --region, bootstrap takes the stack file's
    // region (eu-west-1) as the other commands do, before AWS_REGION.
    let o = against_the_double(
        &mut Command::new(env!("CARGO_BIN_EXE_stackc")),
        &endpoint,
        &cinc,
        &dir,
    )
    .env("AWS_REGION", "us-east-1")
    .args(["bootstrap", "--yes"])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("is up to date"), "{}", stderr(&o));

    let o = stackc(&endpoint, &cinc, &dir, &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.contains("Plan for goldcar-production (new stack)"),
        "{err}"
    );
    // The pinned package went to the environment's prefix of the artifact
    // bucket, downloaded once and kept in the cache.
    assert!(
        err.contains(&format!(
            "Cinc {v} for amazon-linux-2023 x86_64: {} bytes downloaded from {package_url}, sha256 checked",
            package.len()
        )),
        "{err}"
    );
    assert!(
        err.contains("Chef client packages: 1 uploaded, 0 already in s3://"),
        "{err}"
    );
    assert_eq!(cinc.requests("/files/"), 1);
    assert_eq!(
        std::fs::read(dir.join(format!(".cache/stackc/cinc/{sha}"))).unwrap(),
        package
    );
    let key = format!("goldcar/production/{sha}.rpm");
    assert_eq!(
        bucket_object(&endpoint, &key),
        String::from_utf8(package.clone()).unwrap()
    );
    assert!(err.contains("+ WebAutoScalingGroup"), "{err}");
    assert!(err.contains("goldcar-production: CREATE_COMPLETE"), "{err}");

    // The Auto Scaling groups launched their instances.
    let o = stackc(&endpoint, &cinc, &dir, &["status"]);
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(out.contains("layer web: 2 instance(s)"), "{out}");
    assert!(out.contains("online"), "{out}");
    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &["status", "--message-format", "json"],
    );
    let json = result(&o);
    let web = json["layers"][0]["instances"].as_array().unwrap();
    assert_eq!(web.len(), 2);
    // On call, without the stack file: the deployed stack's own record.
    let elsewhere = std::env::temp_dir().join(format!("stackc-oncall-{}", std::process::id()));
    std::fs::create_dir_all(&elsewhere).unwrap();
    let o = stackc(
        &endpoint,
        &cinc,
        &elsewhere,
        &[
            "status",
            "--stack",
            "goldcar-production",
            "--region",
            "eu-west-1",
            "--message-format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(result(&o), json, "the same report as from the stack file");
    let o = against_the_double(
        &mut Command::new(env!("CARGO_BIN_EXE_stackc")),
        &endpoint,
        &cinc,
        &elsewhere,
    )
    .env_remove("AWS_REGION")
    .env_remove("AWS_DEFAULT_REGION")
    .args(["status", "--stack", "goldcar-production"])
    .output()
    .unwrap();
    assert_eq!(o.status.code(), Some(2), "no region: {}", stderr(&o));
    assert!(stderr(&o).contains("pass --region"), "{}", stderr(&o));
    let o = stackc(
        &endpoint,
        &cinc,
        &elsewhere,
        &[
            "status",
            "--stack",
            "goldcar-staging",
            "--region",
            "eu-west-1",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("goldcar-staging is not deployed in eu-west-1"),
        "{}",
        stderr(&o)
    );
    let o = stackc(
        &endpoint,
        &cinc,
        &elsewhere,
        &[
            "logs",
            "--stack",
            "goldcar-production",
            "--region",
            "eu-west-1",
            "--since",
            "1h",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let first = web[0]["id"].as_str().unwrap().to_string();

    // Each instance boots with the bootstrap in its user data, and the
    // load balancer's target group holds the web instances.
    let seen = python(
        &endpoint,
        "eu-west-1",
        &format!(
            r#"import base64
data = ec2.describe_instance_attribute(InstanceId="{first}", Attribute="userData")["UserData"]["Value"]
print(base64.b64decode(data).decode().splitlines()[0])
print("bundle parameter named:", "/stackc/goldcar-production/bundle" in base64.b64decode(data).decode())
elb = session.client("elbv2")
for tg in elb.describe_target_groups()["TargetGroups"]:
    print(tg["TargetGroupName"], len(elb.describe_target_health(TargetGroupArn=tg["TargetGroupArn"])["TargetHealthDescriptions"]))
"#
        ),
    );
    // The launch templates and the instances use the pinned image.
    let images = python(
        &endpoint,
        "eu-west-1",
        r#"for lt in ec2.describe_launch_templates()["LaunchTemplates"]:
    for v in ec2.describe_launch_template_versions(LaunchTemplateId=lt["LaunchTemplateId"])["LaunchTemplateVersions"]:
        print(v["LaunchTemplateData"]["ImageId"])
for r in ec2.describe_instances()["Reservations"]:
    for i in r["Instances"]:
        print(i["ImageId"])
"#,
    );
    assert!(images.lines().count() >= 4, "{images}");
    assert!(images.lines().all(|l| l == current), "{images}");
    let mut lines = seen.lines();
    assert_eq!(lines.next(), Some("#!/bin/bash"), "{seen}");
    assert_eq!(lines.next(), Some("bundle parameter named: True"), "{seen}");
    let targets: Vec<&str> = lines.collect();
    assert_eq!(targets.len(), 1, "one target group (web): {seen}");
    assert!(
        targets[0].ends_with(" 2"),
        "both web instances registered: {seen}"
    );

    // The agent records each run's outcome in a tag; a failed setup shows.
    python(
        &endpoint,
        "eu-west-1",
        &format!(
            r#"ec2.create_tags(Resources=["{first}"], Tags=[{{"Key": "stackc:last-run", "Value": "setup failed 2026-12-02T01:00:00Z"}}])"#
        ),
    );
    let o = stackc(&endpoint, &cinc, &dir, &["status"]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let line = out.lines().find(|l| l.contains(&first)).unwrap();
    assert!(line.contains("setup_failed"), "{out}");
    assert!(
        line.ends_with("last run: setup failed 2026-12-02T01:00:00Z"),
        "{out}"
    );
    assert!(out.contains("no lifecycle run yet"), "{out}");
    assert!(!out.contains("launches suspended"), "{out}");
    // A repeated failed setup suspends the group's launches: status says so.
    python(
        &endpoint,
        "eu-west-1",
        r#"session.client("autoscaling").suspend_processes(AutoScalingGroupName="goldcar-production-web", ScalingProcesses=["Launch"])"#,
    );
    let o = stackc(&endpoint, &cinc, &dir, &["status"]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let web = out.find("layer web:").unwrap();
    assert!(
        out[web..]
            .lines()
            .nth(1)
            .unwrap()
            .trim_start()
            .starts_with("launches suspended after repeated failed setups"),
        "{out}"
    );
    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &["status", "--message-format", "json"],
    );
    let json = result(&o);
    assert_eq!(json["layers"][0]["instances"][0]["state"], "setup_failed");
    let suspended: Vec<(&str, bool)> = json["layers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["layer"].as_str().unwrap(),
                l["launches_suspended"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(suspended.contains(&("web", true)), "{suspended:?}");
    assert!(
        suspended.iter().filter(|(_, s)| *s).count() == 1,
        "{suspended:?}"
    );
    assert_eq!(json["working_hours"], serde_json::Value::Null);

    // run deploy goes to the web layer's instances only, and then watches
    // the load balancer's checks for as long as they take to find a broken
    // instance (goldcar: every 15 s, 3 failures; moto: healthy).
    // A deployment's custom JSON goes to the artifact bucket under its sha256.
    let custom = dir.join("deployment.json");
    std::fs::write(&custom, r#"{"goldcar": {"currency": "USD"}}"#).unwrap();
    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &[
            "run",
            "deploy",
            "--layer",
            "web",
            "--migrate",
            "--custom-json",
            custom.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let custom_sha = stackc_core::emit::manifest::sha256_hex(br#"{"goldcar":{"currency":"USD"}}"#);
    assert!(
        bucket_keys(&endpoint).contains(&format!("goldcar/production/{custom_sha}.json")),
        "{:?}",
        bucket_keys(&endpoint)
    );
    let err = stderr(&o);
    assert!(err.contains("sent to 2 instance(s)"), "{err}");
    assert_eq!(err.matches(": Success").count(), 2, "{err}");
    assert!(
        err.contains("watching the load balancer's health checks of 2 instance(s) for 60s"),
        "{err}"
    );
    assert!(err.contains("every deployed instance healthy"), "{err}");
    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &[
            "run",
            "recipes",
            "goldcar::vhosts",
            "--layer",
            "cache",
            "--message-format",
            "json",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "cache runs on web's instances");
    let ran = result(&o);
    assert_eq!(ran["event"], "execute_recipes");
    assert_eq!(ran["succeeded"], true);
    let ids: Vec<&str> = ran["instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert_eq!(i["status"], "Success", "{ran}");
            i["id"].as_str().unwrap()
        })
        .collect();
    assert_eq!(ids.len(), 2, "{ran}");
    assert!(ids.iter().all(|i| i.starts_with("i-")), "{ran}");
    let o = stackc(&endpoint, &cinc, &dir, &["run", "boot"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unrecognized subcommand 'boot'"),
        "{}",
        stderr(&o)
    );
    // Options that mean nothing for an event are refused, not ignored.
    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &["run", "configure", "--app", "rentals"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unexpected argument '--app'"),
        "{}",
        stderr(&o)
    );
    // Lifecycle events run from the deployed stack's record too; recipes
    // need the cookbooks on disk, so the stack file.
    let o = stackc(
        &endpoint,
        &cinc,
        &elsewhere,
        &[
            "run",
            "configure",
            "--stack",
            "goldcar-production",
            "--region",
            "eu-west-1",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("sent to 2 instance(s)"),
        "{}",
        stderr(&o)
    );
    let o = stackc(
        &endpoint,
        &cinc,
        &elsewhere,
        &[
            "run",
            "recipes",
            "goldcar::vhosts",
            "--stack",
            "goldcar-production",
            "--region",
            "eu-west-1",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("name the stack file, not --stack"),
        "{}",
        stderr(&o)
    );
    let o = stackc(&endpoint, &cinc, &dir, &["logs", "--since", "1h"]);
    assert_eq!(o.status.code(), Some(0));

    // Nothing changed: nothing uploaded, nothing executed.
    let o = stackc(&endpoint, &cinc, &dir, &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(err.contains("artifacts: 0 uploaded"), "{err}");
    assert!(
        err.contains("Chef client packages: 0 uploaded, 1 already in s3://"),
        "{err}"
    );
    assert_eq!(cinc.requests("/files/"), 1, "not downloaded again");

    // A package that is not the one pinned, one that cannot be had, and no
    // pin at all: refused before anything is uploaded or changed.
    let objects = bucket_keys(&endpoint);
    let other = "0".repeat(64);
    for (edited, says) in [
        (
            lock.replace(&sha, &other),
            format!(
                "error: the Cinc package at {package_url} has sha256 {sha}, not the {other} the lock file pins\nnothing was uploaded or changed\nhelp: a package that is not the one pinned may have been tampered with"
            ),
        ),
        (
            lock.replace(&sha, &other)
                .replace(&package_url, "http://127.0.0.1:9/cinc.rpm"),
            "error: cannot download the Cinc package http://127.0.0.1:9/cinc.rpm: ".to_string(),
        ),
        (
            lock.lines()
                .filter(|l| !l.starts_with("cinc "))
                .map(|l| format!("{l}\n"))
                .collect(),
            "stackc::cinc_not_locked".to_string(),
        ),
    ] {
        std::fs::write(dir.join("stack.lock"), &edited).unwrap();
        let o = stackc(&endpoint, &cinc, &dir, &["deploy", "--yes"]);
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(err.contains(&says), "{err}");
        assert!(!err.contains("Plan for"), "{err}");
        assert_eq!(bucket_keys(&endpoint), objects, "nothing uploaded");
    }
    assert!(
        !dir.join(format!(".cache/stackc/cinc/{other}")).exists(),
        "a package that is not the pinned one is not cached"
    );
    std::fs::write(dir.join("stack.lock"), &lock).unwrap();
    assert!(err.contains("goldcar-production is up to date"), "{err}");
    assert!(!err.contains("Plan for"), "{err}");

    // A change: more web instances.
    let stack = std::fs::read_to_string(dir.join("stack.kdl")).unwrap();
    std::fs::write(
        dir.join("stack.kdl"),
        stack.replace("instances min=2 max=10", "instances min=2 max=12"),
    )
    .unwrap();
    // Without --yes and without a terminal nothing changes.
    let o = stackc(&endpoint, &cinc, &dir, &["deploy"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("refusing to change the stack without confirmation"));
    // An environment never deployed: the plan is made offline, and
    // CloudFormation is not asked (it would create the stack to hold a
    // change set).
    let o = stackc(&endpoint, &cinc, &dir, &["diff", "--env", "test"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("Plan for goldcar-test (new stack)"), "{err}");
    assert!(err.contains("goldcar-test is not deployed"), "{err}");
    let stacks = python(
        &endpoint,
        "eu-west-1",
        r#"cfn = session.client("cloudformation")
print(sorted(s["StackName"] for s in cfn.list_stacks()["StackSummaries"]))"#,
    );
    assert!(!stacks.contains("goldcar-test"), "{stacks}");
    let o = stackc(&endpoint, &cinc, &dir, &["diff"]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.contains("Plan for goldcar-production (update)"),
        "{err}"
    );
    assert!(err.contains("~ WebAutoScalingGroup"), "{err}");
    assert!(
        !err.contains("replaces "),
        "new bounds replace no instance: {err}"
    );
    // The same plan as JSON on stdout, for CI.
    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &["diff", "--message-format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("Plan for"), "{}", stderr(&o));
    let plan = result(&o);
    assert_eq!(plan["stack"], "goldcar-production");
    assert_eq!(plan["create"], false);
    let group = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["logical_id"] == "WebAutoScalingGroup")
        .unwrap_or_else(|| panic!("{plan}"));
    assert_eq!(group["action"], "Modify");
    assert_eq!(group["layer"], "web");
    assert_eq!(group["resource_type"], "AWS::AutoScaling::AutoScalingGroup");
    assert_eq!(plan["replacing"], serde_json::json!([]));
    // Another instance type, and a new image in the lock: the plan says the
    // instances are replaced, how many and why. (moto diffs templates, not
    // parameters, so a new image alone would be an empty change set there;
    // the canned deploy tests cover that plan.)
    let edited = std::fs::read_to_string(dir.join("stack.kdl")).unwrap();
    std::fs::write(
        dir.join("stack.kdl"),
        edited.replacen("instance-type t3.small", "instance-type t3.large", 1),
    )
    .unwrap();
    let o = stackc(&endpoint, &cinc, &dir, &["diff"]);
    let err = stderr(&o);
    assert!(
        err.contains(
            "  replaces 2 instances of layer web (rolling, 1 at a time): launch template changed"
        ),
        "{err}"
    );
    std::fs::write(dir.join("stack.lock"), lock.replace(current, OLD_IMAGE)).unwrap();
    let o = stackc(&endpoint, &cinc, &dir, &["diff"]);
    let err = stderr(&o);
    assert!(
        err.contains(&format!(
            "  replaces 2 instances of layer web (rolling, 1 at a time): image {current} -> {OLD_IMAGE}"
        )),
        "{err}"
    );
    std::fs::write(dir.join("stack.lock"), &lock).unwrap();
    std::fs::write(dir.join("stack.kdl"), &edited).unwrap();
    let o = stackc(&endpoint, &cinc, &dir, &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("goldcar-production: UPDATE_COMPLETE"),
        "{}",
        stderr(&o)
    );

    // A saved plan: reviewed once, applied exactly, and only while it
    // still says what a deploy would do.
    let stack_now = std::fs::read_to_string(dir.join("stack.kdl")).unwrap();
    std::fs::write(
        dir.join("stack.kdl"),
        stack_now.replace("instances min=2 max=12", "instances min=2 max=14"),
    )
    .unwrap();
    let plan = dir.join("plan.json");
    let o = stackc(&endpoint, &cinc, &dir, &["diff", "--out", "plan.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("~ WebAutoScalingGroup"), "{err}");
    assert!(err.contains("saved the plan to plan.json"), "{err}");
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_eq!(saved["stack"], "goldcar-production");
    // An edit after the plan: refused, nothing changed.
    std::fs::write(
        dir.join("stack.kdl"),
        stack_now.replace("instances min=2 max=12", "instances min=2 max=16"),
    )
    .unwrap();
    let o = stackc(&endpoint, &cinc, &dir, &["deploy", "--plan", "plan.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the saved plan is out of date, nothing was changed: the stack file or its cookbooks changed"),
        "{}",
        stderr(&o)
    );
    // As reviewed: applied without a question (no terminal here) and
    // without a new change set.
    std::fs::write(
        dir.join("stack.kdl"),
        stack_now.replace("instances min=2 max=12", "instances min=2 max=14"),
    )
    .unwrap();
    let o = stackc(&endpoint, &cinc, &dir, &["deploy", "--plan", "plan.json"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("applying the saved plan"), "{err}");
    assert!(err.contains("goldcar-production: UPDATE_COMPLETE"), "{err}");
    assert!(!err.contains("Plan for"), "{err}");
    let max = python(
        &endpoint,
        "eu-west-1",
        r#"print(session.client("autoscaling").describe_auto_scaling_groups(AutoScalingGroupNames=["goldcar-production-web"])["AutoScalingGroups"][0]["MaxSize"])"#,
    );
    assert!(["14", "15"].contains(&max.trim()), "MaxSize {max}");
    // Applied once: the stack moved on since.
    let o = stackc(&endpoint, &cinc, &dir, &["deploy", "--plan", "plan.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("the saved plan is out of date"),
        "{}",
        stderr(&o)
    );
    let o = stackc(&endpoint, &cinc, &dir, &["deploy", "--plan", "nosuch.json"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("cannot read the plan nosuch.json"),
        "{}",
        stderr(&o)
    );

    // A recipe edited on disk reaches the fleet in one command.
    let recipe = dir.join("cookbooks/goldcar/recipes/vhosts.rb");
    let text = std::fs::read_to_string(&recipe).unwrap();
    std::fs::write(&recipe, text + "\nlog 'edited'\n").unwrap();
    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &["run", "recipes", "goldcar::vhosts", "--layer", "web"],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("published to the fleet"),
        "{}",
        stderr(&o)
    );
    let o = stackc(&endpoint, &cinc, &dir, &["run", "update-cookbooks"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        !stderr(&o).contains("published"),
        "published once: {}",
        stderr(&o)
    );
    // moto cannot delete a VPC it made while instances use it; destroy is
    // tested on a stack in an existing VPC below.
}

/// Amazon Linux 2023's public image parameter for x86_64.
const AL2023_X86: &str = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
/// An image id that is not the current one.
const OLD_IMAGE: &str = "ami-0aaaaaaaaaaaaaaaa";

/// Runs a boto3 script (moto's venv has boto3) against the double, with
/// `session` and its `ec2` client bound; returns what it printed.
fn python(endpoint: &str, region: &str, body: &str) -> String {
    let script = format!(
        r#"import boto3
session = boto3.Session(region_name="{region}", aws_access_key_id="t", aws_secret_access_key="t")
_client = session.client
session.client = lambda name: _client(name, endpoint_url="{endpoint}")
ec2 = session.client("ec2")
{body}
"#
    );
    let o = Command::new("python3")
        .args(["-c", &script])
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// Python that binds `bucket` to the artifact bucket `stackc bootstrap` made
/// in the session's region.
const ARTIFACT_BUCKET: &str = r#"s3 = session.client("s3")
cf = session.client("cloudformation")
bucket = cf.describe_stack_resource(StackName="stackc-bootstrap", LogicalResourceId="ArtifactBucket")["StackResourceDetail"]["PhysicalResourceId"]
"#;

/// The keys of every object in eu-west-1's artifact bucket, sorted.
fn bucket_keys(endpoint: &str) -> Vec<String> {
    let text = python(
        endpoint,
        "eu-west-1",
        &format!(
            r#"{ARTIFACT_BUCKET}
for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
    for o in page.get("Contents", []):
        print(o["Key"])"#
        ),
    );
    let mut keys: Vec<String> = text.lines().map(str::to_string).collect();
    keys.sort();
    keys
}

/// The text of the object under `key` in eu-west-1's artifact bucket.
fn bucket_object(endpoint: &str, key: &str) -> String {
    python(
        endpoint,
        "eu-west-1",
        &format!(
            r#"import sys
{ARTIFACT_BUCKET}
sys.stdout.write(s3.get_object(Bucket=bucket, Key="{key}")["Body"].read().decode())"#
        ),
    )
}

/// A VPC with two public and two private subnets, made in moto.
fn existing_vpc(endpoint: &str) -> (String, String, String) {
    let text = python(
        endpoint,
        "us-east-1",
        r#"vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
ids = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone="us-east-1" + "ab"[i % 2])["Subnet"]["SubnetId"] for i in range(4)]
print(vpc, ",".join(ids[:2]), ",".join(ids[2:]))"#,
    );
    let mut parts = text.split_whitespace().map(str::to_string);
    (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    )
}

/// The names of the log groups under a prefix, sorted.
fn log_groups(endpoint: &str, region: &str, prefix: &str) -> Vec<String> {
    let text = python(
        endpoint,
        region,
        &format!(
            r#"logs = session.client("logs")
for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix="{prefix}"):
    for g in page["logGroups"]:
        print(g["logGroupName"])"#
        ),
    );
    let mut names: Vec<String> = text.lines().map(str::to_string).collect();
    names.sort();
    names
}

#[test]
fn destroy_keeps_the_logs_and_the_stack_deploys_again() {
    let endpoint = endpoint();
    let cinc = CincServer::start();
    let dir = std::env::temp_dir().join(format!("stackc-destroy-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (vpc, public, private) = existing_vpc(&endpoint);
    std::fs::write(
        dir.join("stack.kdl"),
        format!(
            "stack tiny {{\n    region us-east-1\n    network {{ vpc id={vpc} public-subnets=\"{public}\" private-subnets=\"{private}\"; }}\n    layer box type=custom\n}}\n"
        ),
    )
    .unwrap();
    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &["bootstrap", "--region", "us-east-1", "--yes"],
    );
    assert_eq!(o.status.code(), Some(0));
    let o = stackc(&endpoint, &cinc, &dir, &["lock"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = stackc(&endpoint, &cinc, &dir, &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(0));

    // The layer's log group is named for this deployment of the stack.
    let prefix = "/stackc/tiny-production/box/";
    let first = log_groups(&endpoint, "us-east-1", prefix);
    assert_eq!(first.len(), 1, "{first:?}");
    let stack_id = python(
        &endpoint,
        "us-east-1",
        r#"print(session.client("cloudformation").describe_stacks(StackName="tiny-production")["Stacks"][0]["StackId"])"#,
    );
    let uuid = stack_id.trim().rsplit('/').next().unwrap();
    assert_eq!(first[0], format!("{prefix}{uuid}"));
    // An instance wrote to it.
    python(
        &endpoint,
        "us-east-1",
        &format!(
            r#"import time
logs = session.client("logs")
logs.create_log_stream(logGroupName="{group}", logStreamName="i-0feed/stackc-run")
logs.put_log_events(logGroupName="{group}", logStreamName="i-0feed/stackc-run",
    logEvents=[{{"timestamp": int(time.time() * 1000), "message": "stackc-run: setup failed with exit code 1"}}])"#,
            group = first[0]
        ),
    );

    // Without --yes and without a terminal nothing is deleted.
    let o = stackc(&endpoint, &cinc, &dir, &["destroy"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("refusing"));
    let o = stackc(&endpoint, &cinc, &dir, &["destroy", "--yes"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains(
            "tiny-production deleted; kept: the log groups under /stackc/tiny-production/ (`stackc logs` still reads them)"
        ),
        "{}",
        stderr(&o)
    );
    let o = stackc(&endpoint, &cinc, &dir, &["destroy", "--yes"]);
    assert!(stderr(&o).contains("does not exist"));
    let o = stackc(&endpoint, &cinc, &dir, &["status"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("not deployed"));

    // The logs outlive the stack, and `stackc logs` still reads them.
    assert_eq!(log_groups(&endpoint, "us-east-1", prefix), first);
    let o = stackc(&endpoint, &cinc, &dir, &["logs", "--since", "1h"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "box i-0feed/stackc-run stackc-run: setup failed with exit code 1\n"
    );
    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &["logs", "--since", "1h", "--message-format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let line = result(&o);
    assert_eq!(line["layer"], "box");
    assert_eq!(line["stream"], "i-0feed/stackc-run");
    assert_eq!(line["message"], "stackc-run: setup failed with exit code 1");
    assert!(
        line["timestamp"].as_i64().unwrap() > 1_700_000_000_000,
        "{line}"
    );

    // Deployed again: a fresh group beside the kept one, no name clash.
    let o = stackc(&endpoint, &cinc, &dir, &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("tiny-production: CREATE_COMPLETE"),
        "{}",
        stderr(&o)
    );
    let second = log_groups(&endpoint, "us-east-1", prefix);
    assert_eq!(second.len(), 2, "{second:?}");
    assert!(second.contains(&first[0]));
    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &["logs", "--layer", "box", "--since", "1h"],
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("setup failed with exit code 1"));

    let o = stackc(&endpoint, &cinc, &dir, &["destroy", "--yes"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(log_groups(&endpoint, "us-east-1", prefix), second);
}

/// `stackc ARGS` in `dir` on a terminal of its own (`script` gives it a
/// pty, as a user's shell would): what is written to `input` is typed on
/// it (`\x03` is Ctrl-C), and what it prints collects in the returned
/// buffer.
struct OnTerminal {
    child: std::process::Child,
    input: std::process::ChildStdin,
    seen: std::sync::Arc<std::sync::Mutex<String>>,
}

impl OnTerminal {
    fn start(endpoint: &str, cinc: &CincServer, dir: &Path, args: &str) -> OnTerminal {
        require(&["script"]);
        let command = format!("{} {args}", env!("CARGO_BIN_EXE_stackc"));
        let mut child = against_the_double(&mut Command::new("script"), endpoint, cinc, dir)
            .args(["-q", "-f", "-e", "-c", &command, "/dev/null"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("run script");
        let input = child.stdin.take().unwrap();
        let mut output = child.stdout.take().unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = seen.clone();
        std::thread::spawn(move || {
            use std::io::Read;
            let mut buf = [0u8; 4096];
            while let Ok(n) = output.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        OnTerminal { child, input, seen }
    }

    /// Waits (up to a minute) until it has printed `text`.
    fn wait_for(&self, text: &str) {
        for _ in 0..600 {
            if self.seen.lock().unwrap().contains(text) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("never printed {text:?}:\n{}", self.seen.lock().unwrap());
    }

    fn type_in(&mut self, keys: &[u8]) {
        use std::io::Write;
        self.input.write_all(keys).unwrap();
        self.input.flush().unwrap();
    }

    /// Its exit code and everything it printed.
    fn finish(mut self) -> (Option<i32>, String) {
        let status = self.child.wait().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(200));
        let text = self.seen.lock().unwrap().replace('\r', "");
        eprintln!("$ stackc (on a terminal)\n{text}");
        (status.code(), text)
    }
}

#[test]
fn ctrl_c_at_the_prompt_cleans_up_and_a_second_deploy_waits_for_the_first() {
    let endpoint = endpoint();
    let cinc = CincServer::start();
    let dir = std::env::temp_dir().join(format!("stackc-pair-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let region = "eu-central-1";
    let vpc = python(
        &endpoint,
        region,
        r#"vpc = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
ids = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.8.{i}.0/24", AvailabilityZone="eu-central-1" + "ab"[i % 2])["Subnet"]["SubnetId"] for i in range(4)]
print(vpc, ",".join(ids[:2]), ",".join(ids[2:]))"#,
    );
    let v: Vec<&str> = vpc.split_whitespace().collect();
    std::fs::write(
        dir.join("stack.kdl"),
        format!(
            "stack pair {{\n    region {region}\n    network {{ vpc id={} public-subnets=\"{}\" private-subnets=\"{}\"; }}\n    layer box type=custom\n}}\n",
            v[0], v[1], v[2]
        ),
    )
    .unwrap();
    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &["bootstrap", "--region", region, "--yes"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = stackc(&endpoint, &cinc, &dir, &["lock"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let stack_state = || {
        python(
            &endpoint,
            region,
            r#"cf = session.client("cloudformation")
try:
    print(cf.describe_stacks(StackName="pair-production")["Stacks"][0]["StackStatus"])
except Exception as e:
    print("absent")
sets = [c for c in cf.list_change_sets(StackName="pair-production").get("Summaries", []) if c.get("StackName") == "pair-production" and c.get("ExecutionStatus") == "AVAILABLE"]
print(len(sets))
s3 = session.client("s3")
bucket = cf.describe_stack_resource(StackName="stackc-bootstrap", LogicalResourceId="ArtifactBucket")["StackResourceDetail"]["PhysicalResourceId"]
print(len(s3.list_objects_v2(Bucket=bucket, Prefix="_stackc-locks/").get("Contents", [])))"#,
        )
    };

    // Ctrl-C at the prompt of a first deploy: the change set and the empty
    // stack it made are deleted, the lock released, exit 130.
    let mut first = OnTerminal::start(&endpoint, &cinc, &dir, "deploy");
    first.wait_for("Apply this plan to pair-production? [y/N]");
    assert_eq!(stack_state(), "REVIEW_IN_PROGRESS\n1\n1\n");
    first.type_in(b"\x03");
    let (code, text) = first.finish();
    assert_eq!(code, Some(130), "{text}");
    assert!(
        text.contains("interrupted before anything was executed on pair-production\n  deleted: change set stackc-"),
        "{text}"
    );
    assert!(
        text.contains("\n  deleted: the empty stack pair-production (REVIEW_IN_PROGRESS) this run created\nnothing is left behind"),
        "{text}"
    );
    assert_eq!(stack_state(), "absent\n0\n0\n");

    // A deploy waits at its prompt; a second one from another checkout is
    // refused naming it, one from the same checkout too; the first goes on.
    let mut first = OnTerminal::start(&endpoint, &cinc, &dir, "deploy");
    first.wait_for("Apply this plan to pair-production? [y/N]");
    let other = dir.join("other-checkout");
    std::fs::create_dir_all(&other).unwrap();
    for f in ["stack.kdl", "stack.lock"] {
        std::fs::copy(dir.join(f), other.join(f)).unwrap();
    }
    let o = stackc(&endpoint, &cinc, &other, &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert!(
        stderr(&o).contains("error: pair-production is locked: deploy of pair-production by "),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains(&format!("@{} (pid ", host.trim())),
        "{}",
        stderr(&o)
    );
    assert!(
        stderr(&o).contains("rerun with --force-unlock"),
        "{}",
        stderr(&o)
    );
    let o = stackc(&endpoint, &cinc, &dir, &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("holds out/.pair-production.lock"),
        "{}",
        stderr(&o)
    );
    first.type_in(b"y\n");
    let (code, text) = first.finish();
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("pair-production: CREATE_COMPLETE"), "{text}");
    assert_eq!(stack_state(), "CREATE_COMPLETE\n0\n0\n");
}
