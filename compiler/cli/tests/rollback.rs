//! `stackc run deploy` rolls an app back where the load balancer's health
//! checks fail, end to end: the real CLI and AWS SDK against the local AWS
//! double (moto, started by ./scripts/test), through the logging proxy of
//! the instance-in-a-box tests (tests/box/aws_proxy.py). moto reports every
//! registered target healthy; the proxy answers ELBv2 DescribeTargetHealth
//! as AWS would for an instance that fails its checks when its config
//! names the instance, and logs every call, so the test sees which
//! commands went to which instances.

mod common;
use common::{repo, require, stackc, CincServer};

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// The local AWS double; the test fails without it.
fn moto() -> String {
    std::env::var("STACKC_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "STACKC_TEST_AWS_ENDPOINT is not set; run ./scripts/test, which starts the AWS double"
        )
    })
}

/// aws_proxy.py in front of moto on a free port of 127.0.0.1, stopped
/// when dropped.
struct Proxy {
    child: Child,
    endpoint: String,
    config: PathBuf,
    log: PathBuf,
}

impl Proxy {
    fn start(moto: &str, dir: &Path) -> Proxy {
        let moto_port = moto.rsplit(':').next().unwrap().trim_end_matches('/');
        let config = dir.join("proxy.json");
        let log = dir.join("aws-calls.jsonl");
        std::fs::write(&config, "{}").unwrap();
        let mut child = Command::new("python3")
            .arg(repo().join("compiler/cli/tests/box/aws_proxy.py"))
            .args(["0", moto_port])
            .arg(&config)
            .arg(&log)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start aws_proxy.py");
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let port: u16 = first
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("aws_proxy.py printed no port: {first:?}"));
        Proxy {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            config,
            log,
        }
    }

    /// From now on, DescribeTargetHealth reports these instances unhealthy.
    fn fail_health_checks_of(&self, instances: &[&str]) {
        let config = serde_json::json!({ "unhealthy_targets": instances });
        std::fs::write(&self.config, config.to_string()).unwrap();
    }

    /// Every call logged so far.
    fn calls(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The lifecycle commands sent through the proxy after the `from`th call:
/// (event, app, instances sorted).
fn commands_sent(calls: &[serde_json::Value], from: usize) -> Vec<(String, String, Vec<String>)> {
    calls[from..]
        .iter()
        .filter(|c| c["service"] == "ssm" && c["action"] == "SendCommand")
        .map(|c| {
            let p = &c["params"];
            let first = |k: &str| p["Parameters"][k][0].as_str().unwrap_or("").to_string();
            let mut ids: Vec<String> = p["InstanceIds"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_str().unwrap().to_string())
                .collect();
            ids.sort();
            (first("event"), first("app"), ids)
        })
        .collect()
}

/// A VPC with two public and two private subnets in `region`, made in moto.
fn existing_vpc(moto: &str, region: &str) -> Vec<String> {
    let script = format!(
        r#"import boto3
ec2 = boto3.client("ec2", region_name="{region}", endpoint_url="{moto}", aws_access_key_id="t", aws_secret_access_key="t")
vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
ids = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{{i}}.0/24", AvailabilityZone="{region}" + "ab"[i % 2])["Subnet"]["SubnetId"] for i in range(4)]
print(vpc, ",".join(ids[:2]), ",".join(ids[2:]))"#
    );
    let o = Command::new("python3")
        .args(["-c", &script])
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout)
        .unwrap()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

#[test]
fn a_deploy_whose_health_checks_fail_is_rolled_back_on_those_instances() {
    require(&["python3"]);
    let moto = moto();
    let cinc = CincServer::start();
    let dir = std::env::temp_dir().join(format!("stackc-rollback-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let region = "ca-central-1";
    let vpc = existing_vpc(&moto, region);
    // Two web instances behind a load balancer whose checks judge an
    // instance in 5s x (2 + 1) = 15s, and a jobs instance without one.
    std::fs::write(
        dir.join("stack.kdl"),
        format!(
            r#"stack shop {{
    region {region}
    network {{ vpc id={} public-subnets="{}" private-subnets="{}"; }}
    layer web type=php-app {{
        load-balancer {{
            listener http
            health-check path="/health" interval="5s" healthy=2 unhealthy=2
        }}
        scaling {{ instances min=2 max=2; }}
    }}
    layer jobs type=custom
    app store type=php layer=web {{
        source git="https://github.com/example/store.git" revision=v1.0.0
    }}
}}
"#,
            vpc[0], vpc[1], vpc[2]
        ),
    )
    .unwrap();
    let proxy = Proxy::start(&moto, &dir);
    let endpoint = proxy.endpoint.clone();
    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &["bootstrap", "--region", region, "--yes"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = stackc(&endpoint, &cinc, &dir, &["lock"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = stackc(&endpoint, &cinc, &dir, &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &["status", "--message-format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The one result line (diagnostics, objects with a `code`, come first).
    let status: serde_json::Value = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v.get("code").is_none())
        .expect("a status result");
    let ids = |layer: &str| -> Vec<String> {
        let l = status["layers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["layer"] == layer)
            .unwrap_or_else(|| panic!("no layer {layer}: {status}"));
        let mut ids: Vec<String> = l["instances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    let web = ids("web");
    let jobs = ids("jobs");
    assert_eq!((web.len(), jobs.len()), (2, 1), "{status}");
    let mut every = [web.clone(), jobs.clone()].concat();
    every.sort();

    // Healthy (moto's answer, passed through): the deploy stands after the
    // window, and nothing is rolled back.
    let before = proxy.calls().len();
    let started = std::time::Instant::now();
    let o = stackc(&endpoint, &cinc, &dir, &["run", "deploy", "--app", "store"]);
    let healthy_took = started.elapsed();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("watching the load balancer's health checks of 2 instance(s) for 15s"),
        "{err}"
    );
    assert!(
        err.contains("the load balancer reports every deployed instance healthy"),
        "{err}"
    );
    assert!(!err.contains("rolling") && !err.contains("rolled"), "{err}");
    let calls = proxy.calls();
    assert_eq!(
        commands_sent(&calls, before),
        [("deploy".to_string(), "store".to_string(), every.clone())]
    );
    assert!(
        calls[before..]
            .iter()
            .filter(|c| c["action"] == "DescribeTargetHealth")
            .all(|c| c["status"] == 200 && c.get("injected").is_none()),
        "moto answered the health checks"
    );
    assert!(
        healthy_took >= std::time::Duration::from_secs(15),
        "the window was watched: {healthy_took:?}"
    );

    // The first web instance fails its checks: the deploy is rolled back
    // there, and only there, and the command says so and fails.
    let (failing, passing) = (&web[0], &web[1]);
    proxy.fail_health_checks_of(&[failing]);
    let before = proxy.calls().len();
    let o = stackc(&endpoint, &cinc, &dir, &["run", "deploy", "--app", "store"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("error: the load balancer's health checks failed after the deploy:\n"),
        "{err}"
    );
    let reported: Vec<&str> = err
        .lines()
        .filter(|l| l.contains(": unhealthy in target group "))
        .collect();
    assert_eq!(reported.len(), 1, "{err}");
    assert!(
        reported[0].starts_with(&format!("{failing}: unhealthy in target group ")),
        "{err}"
    );
    assert!(
        reported[0].ends_with("(Target.FailedHealthChecks: Health checks failed)"),
        "{err}"
    );
    assert!(
        err.contains("rolling app store back to the previous release on 1 instance(s)"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "rolled app store back on {failing}; the deploy failed"
        )),
        "{err}"
    );
    assert!(
        !err.lines()
            .filter(|l| l.contains("unhealthy") || l.contains("rolled"))
            .any(|l| l.contains(passing.as_str())),
        "{err}"
    );
    let calls = proxy.calls();
    assert_eq!(
        commands_sent(&calls, before),
        [
            ("deploy".to_string(), "store".to_string(), every.clone()),
            (
                "rollback".to_string(),
                "store".to_string(),
                vec![failing.clone()]
            ),
        ],
        "one deploy to every online instance, then one rollback to the failing one"
    );
    let injected: Vec<&serde_json::Value> = calls[before..]
        .iter()
        .filter_map(|c| c.get("injected"))
        .collect();
    assert!(!injected.is_empty(), "the proxy answered the health checks");
    assert!(
        injected.iter().all(|i| *i == &serde_json::json!([failing])),
        "{injected:?}"
    );
    // The rollback went out after the deploy had finished and the checks
    // had failed.
    let sent: Vec<usize> = calls
        .iter()
        .enumerate()
        .skip(before)
        .filter(|(_, c)| c["action"] == "SendCommand")
        .map(|(i, _)| i)
        .collect();
    let judged = calls
        .iter()
        .enumerate()
        .skip(before)
        .position(|(_, c)| c.get("injected").is_some())
        .map(|p| p + before)
        .unwrap();
    assert!(sent[0] < judged && judged < sent[1], "{sent:?} {judged}");
    drop(proxy);
    let _ = std::fs::remove_dir_all(&dir);
}
