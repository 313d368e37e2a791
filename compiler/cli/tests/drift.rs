//! `stackc drift` end to end: goldcar deployed to the local AWS double
//! (moto, started by ./scripts/test) through the logging proxy of the
//! instance-in-a-box tests. moto does not model CloudFormation's drift
//! detection: the proxy answers it (complete at once; the resources a test
//! names drifted). The fleet's part runs on moto's EC2, Auto Scaling and
//! SSM as deployed.

mod common;
use common::stackc;
use common::watching::{deployed_goldcar, moto};

use std::process::{Command, Output};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The report of `stackc drift --message-format json` (after any
/// diagnostics).
fn json_report(o: &Output) -> serde_json::Value {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v.get("drifted").is_some())
        .unwrap_or_else(|| panic!("no report in {}", stdout(o)))
}

const REGION: &str = "us-west-2";

#[test]
fn a_deployed_stack_drifts_when_an_instance_fails_or_a_resource_changes() {
    let (proxy, cinc, dir, web) = deployed_goldcar("drift", REGION);

    // As deployed: nothing drifted, exit 0. The instances have run nothing
    // here (moto runs no agent): their bundle is not compared.
    let before = proxy.calls().len();
    let o = stackc(&proxy.endpoint, &cinc, &dir, &["drift"]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("goldcar-production: no drift"), "{out}");
    assert!(out.contains("the images stack.lock pins"), "{out}");
    assert!(!out.contains("drifted"), "{out}");
    let detections: Vec<_> = proxy.calls()[before..]
        .iter()
        .filter(|c| c["action"] == "DetectStackDrift")
        .map(|c| c["params"]["StackName"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(detections, ["goldcar-production"]);

    // An instance whose last run failed: exit 3, under its layer.
    let first = web.iter().min().unwrap();
    let tagged = Command::new("aws")
        .args(["ec2", "create-tags", "--region", REGION, "--endpoint-url"])
        .arg(moto())
        .args(["--resources", first, "--tags"])
        .arg("Key=stackc:last-run,Value=configure failed 2026-12-02T01:00:00Z bundle 000000000000")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .output()
        .expect("the AWS CLI (./scripts/test installs it)");
    assert!(tagged.status.success(), "{}", stderr(&tagged));
    let o = stackc(&proxy.endpoint, &cinc, &dir, &["drift"]);
    assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(out.starts_with("goldcar-production: drifted\n"), "{out}");
    assert!(
        out.contains(&format!(
            "instances that differ:\n  layer web\n    {first} last run failed: configure failed 2026-12-02T01:00:00Z bundle 000000000000\n    {first} bundle 000000000000 is not the current one ("
        )),
        "{out}"
    );
    assert!(out.contains("0 resources and 1 instance drifted."), "{out}");

    // A resource changed outside stackc, as JSON, from the stack's name
    // alone.
    proxy.drift_resources(serde_json::json!([{
        "logical_id": "WebSecurityGroup",
        "physical_id": "sg-0123",
        "type": "AWS::EC2::SecurityGroup",
        "status": "MODIFIED",
        "differences": [{"path": "/SecurityGroupIngress/0/FromPort", "expected": "80", "actual": "8080"}],
    }]));
    let o = stackc(
        &proxy.endpoint,
        &cinc,
        &dir,
        &[
            "drift",
            "--stack",
            "goldcar-production",
            "--region",
            REGION,
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}{}", stdout(&o), stderr(&o));
    let report = json_report(&o);
    assert_eq!(report["stack"], "goldcar-production");
    assert_eq!(report["drifted"], true);
    let drifted = &report["resources"]["drifted"][0];
    assert_eq!(drifted["layer"], "web", "{report:#}");
    assert_eq!(drifted["logical_id"], "WebSecurityGroup");
    assert_eq!(
        drifted["differences"][0],
        serde_json::json!({"path": "/SecurityGroupIngress/0/FromPort", "expected": "80", "actual": "8080", "type": "NOT_EQUAL"})
    );
    assert_eq!(
        report["fleet"]["pins"], "the images the last deploy pinned",
        "{report:#}"
    );
    let kinds: Vec<&str> = report["fleet"]["instances"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["drift"].as_array().unwrap())
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["failed_run", "old_bundle"], "{report:#}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_stack_that_is_not_deployed_is_an_error_with_a_fix() {
    let moto = moto();
    let cinc = common::CincServer::start();
    let dir = std::env::temp_dir().join(format!("stackc-drift-none-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let o = stackc(
        &moto,
        &cinc,
        &dir,
        &[
            "drift",
            "--stack",
            "nothing-production",
            "--region",
            "eu-west-1",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("error: nothing-production is not deployed in eu-west-1"),
        "{}",
        stderr(&o)
    );
    // Without the file or --stack's region: a usage error.
    let o = stackc(&moto, &cinc, &dir, &["drift", "--timeout", "soon"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}
