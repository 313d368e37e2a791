//! aws_proxy.py (the instance-in-a-box tests' logging proxy) in front of
//! the local AWS double, for the CLI tests that assert which calls were
//! made: which commands went to which instances, what was published.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::repo;

/// aws_proxy.py in front of moto on a free port of 127.0.0.1, stopped
/// when dropped.
pub struct Proxy {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    config: PathBuf,
    log: PathBuf,
}

impl Proxy {
    pub fn start(moto: &str, dir: &Path) -> Proxy {
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
    pub fn fail_health_checks_of(&self, instances: &[&str]) {
        let config = serde_json::json!({ "unhealthy_targets": instances });
        std::fs::write(&self.config, config.to_string()).unwrap();
    }

    /// From now on, CloudFormation's drift detection finds these resources
    /// drifted (`{logical_id, type, status, differences: [{path, expected,
    /// actual}]}`, as aws_proxy.py reads them).
    pub fn drift_resources(&self, resources: serde_json::Value) {
        let config = serde_json::json!({ "drifted_resources": resources });
        std::fs::write(&self.config, config.to_string()).unwrap();
    }

    /// From now on, STS refuses to let stackc assume these roles (ARNs),
    /// as for a role whose trust policy does not name the caller.
    pub fn refuse_roles(&self, roles: &[&str]) {
        let config = serde_json::json!({ "refused_roles": roles });
        std::fs::write(&self.config, config.to_string()).unwrap();
    }

    /// Every call logged so far.
    pub fn calls(&self) -> Vec<serde_json::Value> {
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

/// The lifecycle commands sent through the proxy after the `from`th call:
/// (event, app, instances sorted).
pub fn commands_sent(
    calls: &[serde_json::Value],
    from: usize,
) -> Vec<(String, String, Vec<String>)> {
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
pub fn existing_vpc(moto: &str, region: &str) -> Vec<String> {
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
