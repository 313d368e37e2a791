//! An instance in a box: one instance of a built example, played with the
//! real scripts and the real tools, and no real network.
//!
//! Each test builds a stack file with `stackc build`, takes the user data of
//! a layer's launch template and the Run Command document from the built
//! template, and hands them to `box/run.sh`, which runs in a mount and
//! network namespace of its own (`unshare -m -n`): an overlay over the
//! host's `/` (writes land in the test's directory, never on the host),
//! moto behind a logging proxy on 127.0.0.1, an IMDSv2 double on
//! 169.254.169.254. The user data runs under `bash` as cloud-init runs it,
//! then each Run Command as the SSM agent runs it (`sh`: dash on Ubuntu,
//! bash on Amazon Linux), with bash, dash, curl, jq, tar, sha256sum, flock,
//! apt-get, dpkg and the AWS CLI all real. Chef is the only stand-in
//! (`box/cinc-solo`, which records its runs and fails when told to): on
//! Ubuntu the bootstrap installs it from a real `cinc` .deb the test builds
//! and puts in the artifact bucket; Amazon Linux boxes play an image that
//! has Cinc already.
//!
//! Needs root and unshare, ip, chroot, losetup, mkfs.xfs, nvme, jq, curl,
//! dpkg-deb, moto_server and aws: `./scripts/test` installs them and puts the tests'
//! Python tools on PATH. Without them the tests fail, they do not skip.

mod common;
use common::repo;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::{json, Value};

/// What the test makes go wrong.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fault {
    None,
    /// The bundle pointer parameter does not exist (a failure inside a
    /// command substitution).
    PointerMissing,
    /// The pointer names a key with no object.
    BundleMissing,
    /// The pointer names a bucket the instance role may not read.
    BundleForbidden,
    /// The object is not the bundle whose sha256 the pointer holds.
    ShaMismatch,
    /// One of the app's secret parameters does not exist.
    SecretMissing,
    /// A setup recipe fails.
    SetupRecipeFails,
    /// jq is not installed and no package mirror answers.
    MirrorUnreachable,
    /// The Cinc package in the bucket is not the one whose sha256 is pinned
    /// (Ubuntu boxes, which install Cinc at boot).
    CincShaMismatch,
}

/// The stack file a box plays.
enum Source {
    /// `examples/<name>/stack.kdl`.
    Example(&'static str),
    /// A stack file written by the test.
    Text(&'static str),
}

/// A box to play: a layer of an environment of a stack file.
struct Plan {
    name: &'static str,
    source: Source,
    env: &'static str,
    layer: &'static str,
    fault: Fault,
    /// Run Commands after boot: event, app, recipes.
    commands: Vec<[&'static str; 3]>,
    /// A recipe Chef fails whenever a run list holds it.
    failing_recipe: Option<&'static str>,
    /// Another instance of the group is already kept after a failed setup.
    one_kept: bool,
}

/// Seconds the box gives each script before it counts as hung.
const LIMIT_SECONDS: u64 = 240;
/// The last part of the box's CloudFormation stack id, which log groups are
/// named after.
const DEPLOYMENT: &str = "5f2a1c3e-0b4d-4e6f-8a9b-0c1d2e3f4a5b";
/// A failure must be reported within this many seconds, not after the
/// lifecycle hook's 1,800.
const REPORT_SECONDS: f64 = 60.0;

fn tool_missing(tool: &str) -> bool {
    !Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn require_tools() {
    let missing: Vec<&str> = [
        "unshare",
        "ip",
        "chroot",
        "losetup",
        "mkfs.xfs",
        "nvme",
        "jq",
        "curl",
        "moto_server",
        "aws",
        "dpkg-deb",
    ]
    .into_iter()
    .filter(|t| tool_missing(t))
    .collect();
    assert!(
        missing.is_empty(),
        "the instance-in-a-box tests need {missing:?}: run them through ./scripts/test, which installs them and puts its Python tools (moto_server, aws) on PATH"
    );
    // The AWS CLI the instance scripts run is the one tests/requirements.txt pins.
    let requirements = std::fs::read_to_string(repo().join("tests/requirements.txt")).unwrap();
    let pinned = requirements
        .lines()
        .find_map(|l| l.strip_prefix("awscli=="))
        .expect("tests/requirements.txt pins awscli");
    let version = Command::new("aws").arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&version.stdout).into_owned()
        + &String::from_utf8_lossy(&version.stderr);
    assert!(
        version.starts_with(&format!("aws-cli/{pinned} ")),
        "the aws on PATH is {version:?}, not the pinned awscli {pinned}: run the tests through ./scripts/test, which puts its virtual environment first on PATH"
    );
    let uid = Command::new("id").arg("-u").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&uid.stdout).trim(),
        "0",
        "the instance-in-a-box tests need root (namespaces, mounts, loop devices)"
    );
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json_lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The templates of a built environment: the root, then nested ones.
fn templates(out: &Path) -> Vec<Value> {
    let mut all = vec![read_json(&out.join("template.json"))];
    if let Ok(dir) = std::fs::read_dir(out.join("layers")) {
        let mut paths: Vec<PathBuf> = dir.map(|e| e.unwrap().path()).collect();
        paths.sort();
        all.extend(paths.iter().map(|p| read_json(p)));
    }
    all
}

fn tags(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["Key"].as_str().unwrap().to_string(),
                t["Value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Matches `^[CLASS]*$`, the only shape of allowedPattern the run
/// document uses; anything else fails the test.
fn allowed(pattern: &str, value: &str) -> bool {
    let class = pattern
        .strip_prefix("^[")
        .and_then(|p| p.strip_suffix("]*$"))
        .unwrap_or_else(|| panic!("allowedPattern {pattern} is not ^[...]*$"));
    let chars: Vec<char> = class.chars().collect();
    let mut ok: Vec<(char, char)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if i + 2 < chars.len() && chars[i + 1] == '-' {
            ok.push((chars[i], chars[i + 2]));
            i += 3;
        } else {
            ok.push((chars[i], chars[i]));
            i += 1;
        }
    }
    value
        .chars()
        .all(|c| ok.iter().any(|(a, b)| (*a..=*b).contains(&c)))
}

/// The script the SSM agent writes for a Run Command of the document:
/// its lines with the parameters substituted as text, as SSM does, after
/// checking them against the document's allowed values and patterns.
fn run_command(document: &Value, params: [&str; 3]) -> String {
    let content = &document["Properties"]["Content"];
    let mut text = content["mainSteps"][0]["inputs"]["runCommand"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    for (name, value) in ["event", "app", "recipes"].into_iter().zip(params) {
        let spec = &content["parameters"][name];
        if let Some(values) = spec["allowedValues"].as_array() {
            assert!(values.iter().any(|v| v == value), "{name}={value}");
        }
        if let Some(pattern) = spec["allowedPattern"].as_str() {
            assert!(allowed(pattern, value), "{name}={value} against {pattern}");
        }
        for mark in [format!("{{{{ {name} }}}}"), format!("{{{{{name}}}}}")] {
            text = text.replace(&mark, value);
        }
    }
    assert!(!text.contains("{{"), "unsubstituted parameter in\n{text}");
    text
}

/// What one box left behind.
struct Outcome {
    dir: PathBuf,
    stack_name: String,
    log_group: String,
    topic_arn: String,
    sha256: String,
    /// The Cinc package the bootstrap had to install: its sha256 and key in
    /// the artifact bucket (None: the image has Cinc, as on Amazon Linux).
    cinc: Option<(String, String)>,
    secrets: Vec<String>,
    instance_id: String,
    /// The instance the box had kept before this one failed, if any.
    kept_before: Option<String>,
    user_data_rc: i32,
    user_data_seconds: f64,
    user_data_out: String,
    commands: Vec<(i32, String)>,
    calls: Vec<Value>,
    imds: Vec<Value>,
    state: Value,
    start: f64,
}

impl Outcome {
    fn upper(&self, path: &str) -> PathBuf {
        self.dir.join("upper").join(path.trim_start_matches('/'))
    }

    fn calls(&self, service: &str, action: &str) -> Vec<&Value> {
        self.calls
            .iter()
            .filter(|c| c["service"] == service && c["action"] == action)
            .collect()
    }

    /// The recorded Chef runs: (node JSON, run list), in order.
    fn cinc_runs(&self) -> Vec<(Value, String)> {
        let dir = self.upper("/var/lib/box-cinc");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".run_list"))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
            .iter()
            .map(|n| {
                let stem = n.trim_end_matches(".run_list");
                (
                    read_json(&dir.join(format!("{stem}.json"))),
                    std::fs::read_to_string(dir.join(n))
                        .unwrap()
                        .trim()
                        .to_string(),
                )
            })
            .collect()
    }

    /// The run list of an event in the bundle the instance fetched.
    fn bundle_run_list(&self, layer: &str, event: &str) -> String {
        let node = read_json(&self.upper(&format!(
            "/var/lib/stackc/bundles/{}/nodes/{layer}/{event}.json",
            self.sha256
        )));
        node["run_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect::<Vec<_>>()
            .join(",")
    }

    fn report(&self) -> String {
        format!(
            "box {}\n--- user data (exit {}) ---\n{}\n--- commands ---\n{:?}\n--- calls ---\n{}",
            self.dir.display(),
            self.user_data_rc,
            self.user_data_out,
            self.commands,
            self.calls
                .iter()
                .map(|c| format!("{} {} {}", c["service"], c["action"], c["status"]))
                .collect::<Vec<_>>()
                .join("\n")
        )
    }

    /// Every file the instance and the doubles wrote, but the secrets
    /// directory, the volume images and the box's input (`case.json`,
    /// which seeds the parameters).
    fn all_text_but_secrets(&self) -> Vec<(PathBuf, String)> {
        fn walk(dir: &Path, skip: &Path, out: &mut Vec<(PathBuf, String)>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for e in entries.flatten() {
                let p = e.path();
                let meta = std::fs::symlink_metadata(&p).unwrap();
                if p == skip
                    || p.extension().is_some_and(|x| x == "img")
                    || p.file_name().is_some_and(|n| n == "case.json")
                {
                    continue;
                }
                if meta.is_dir() {
                    walk(&p, skip, out);
                } else if meta.is_file() {
                    if let Ok(bytes) = std::fs::read(&p) {
                        out.push((p, String::from_utf8_lossy(&bytes).into_owned()));
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.dir, &self.upper("/etc/stackc/secrets"), &mut out);
        out
    }
}

/// Builds the plan's stack file, seeds and runs the box, and returns what
/// it left.
fn play(plan: &Plan) -> Outcome {
    require_tools();
    let started = Instant::now();
    let dir = std::env::temp_dir().join(format!("stackc-box-{}-{}", std::process::id(), plan.name));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("out");
    let file = match plan.source {
        Source::Example(name) => repo().join("examples").join(name).join("stack.kdl"),
        Source::Text(text) => {
            std::fs::write(dir.join("stack.kdl"), text).unwrap();
            dir.join("stack.kdl")
        }
    };
    let o = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .arg("build")
        .arg(&file)
        .args(["--env", plan.env, "--out"])
        .arg(&out)
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest_path = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path().join("manifest.json"))
        .find(|p| p.is_file())
        .unwrap();
    let built = manifest_path.parent().unwrap().to_path_buf();
    let manifest = read_json(&manifest_path);
    let stack_name = manifest["stack_name"].as_str().unwrap().to_string();
    let region = manifest["region"].as_str().unwrap().to_string();
    let sha256 = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "cookbooks.tar.gz")
        .unwrap()["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let key = format!(
        "{}/{}/{sha256}.tar.gz",
        manifest["stack"].as_str().unwrap(),
        manifest["env"].as_str().unwrap()
    );

    let templates = templates(&built);
    let root = &templates[0];
    let resources = || {
        templates
            .iter()
            .flat_map(|t| t["Resources"].as_object().unwrap().iter())
    };
    let (lt_id, launch_template) = resources()
        .find(|(_, r)| {
            r["Type"] == "AWS::EC2::LaunchTemplate"
                && tags(&r["Properties"]["LaunchTemplateData"]["TagSpecifications"][0]["Tags"])
                    .contains(&("stackc:layer".into(), plan.layer.into()))
        })
        .unwrap_or_else(|| panic!("no launch template for layer {}", plan.layer));
    let data = &launch_template["Properties"]["LaunchTemplateData"];
    let (group_id, group) = resources()
        .find(|(_, r)| {
            r["Type"] == "AWS::AutoScaling::AutoScalingGroup"
                && r["Properties"]["LaunchTemplate"]["LaunchTemplateId"]["Ref"] == lt_id.as_str()
        })
        .unwrap();
    let setup_hook = group["Properties"]["LifecycleHookSpecificationList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["LifecycleTransition"] == "autoscaling:EC2_INSTANCE_LAUNCHING")
        .unwrap()["LifecycleHookName"]
        .clone();
    let topic_name = format!("{stack_name}-AlarmTopic-BOX");
    let topic_arn = format!("arn:aws:sns:{region}:123456789012:{topic_name}");

    // The names CloudFormation gives at deploy time: a log group is named
    // after the stack id (its last part here); the bucket is the box's.
    let bucket = format!("stackc-artifacts-{region}-box");
    let log_group = |id: &str| -> Option<String> {
        let r = &root["Resources"][id];
        if r["Type"] != "AWS::Logs::LogGroup" {
            return None;
        }
        let prefix = r["Properties"]["LogGroupName"]["Fn::Join"][1][0].as_str()?;
        Some(format!("{prefix}{DEPLOYMENT}"))
    };
    let layer_log_group = resources()
        .filter_map(|(id, _)| log_group(id))
        .find(|name| name.starts_with(&format!("/stackc/{stack_name}/{}/", plan.layer)))
        .unwrap_or_else(|| panic!("no log group for layer {}", plan.layer));
    // Ubuntu boxes have no Cinc: the bootstrap installs the package the
    // artifact bucket holds, a real .deb whose payload is the recording
    // cinc-solo. Amazon Linux boxes play an image that has Cinc already,
    // which the bootstrap leaves alone.
    let setup = read_json(&built.join(format!("nodes/{}/setup.json", plan.layer)));
    let cinc = (setup["stackc"]["os_family"] == "ubuntu").then(|| {
        let deb = cinc_deb(&dir, "cinc", "18.6.2-1");
        let sha = stackc_core::emit::manifest::sha256_hex(&std::fs::read(&deb).unwrap());
        let key = format!(
            "{}/{}/{sha}.deb",
            manifest["stack"].as_str().unwrap(),
            manifest["env"].as_str().unwrap()
        );
        let stored = match plan.fault {
            // Another build of the package under the pinned key.
            Fault::CincShaMismatch => cinc_deb(&dir, "other", "18.6.1-1"),
            _ => deb,
        };
        (sha, key, stored)
    });
    assert!(
        cinc.is_some() || plan.fault != Fault::CincShaMismatch,
        "only Ubuntu boxes install Cinc"
    );
    // The user data as CloudFormation renders it for this stack.
    let join = &data["UserData"]["Fn::Base64"]["Fn::Join"];
    assert_eq!(join[0], "");
    let user_data: String = join[1]
        .as_array()
        .unwrap()
        .iter()
        .map(|part| match part {
            Value::String(s) => s.clone(),
            p if *p == json!({ "Ref": "AWS::StackName" }) => stack_name.clone(),
            p if *p == json!({ "Ref": "AlarmTopic" }) => topic_arn.clone(),
            p if *p == json!({ "Ref": "ArtifactBucket" }) => bucket.clone(),
            // The pinned package; with Cinc in the image, never fetched.
            p if p["Ref"]
                .as_str()
                .is_some_and(|r| r.starts_with("CincSha256")) =>
            {
                cinc.as_ref()
                    .map_or_else(|| "0".repeat(64), |(sha, _, _)| sha.clone())
            }
            p if p["Ref"].as_str().and_then(log_group).is_some() => {
                log_group(p["Ref"].as_str().unwrap()).unwrap()
            }
            p => panic!("the user data joins {p}, which the box cannot resolve"),
        })
        .collect();
    std::fs::write(dir.join("part-001"), &user_data).unwrap();

    let document = &root["Resources"]["RunDocument"];
    for (i, params) in plan.commands.iter().enumerate() {
        std::fs::write(
            dir.join(format!("ssm-{}.sh", i + 1)),
            run_command(document, *params),
        )
        .unwrap();
    }

    // The secrets the layer's apps name, each with a value to look for.
    let mut secret_names: Vec<String> = setup["deploy"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|app| {
            app["secrets"]
                .as_object()
                .map(|s| {
                    s.values()
                        .map(|v| v.as_str().unwrap().to_string())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .collect();
    secret_names.sort();
    secret_names.dedup();
    let mut secrets = serde_json::Map::new();
    for (i, name) in secret_names.iter().enumerate() {
        secrets.insert(name.clone(), json!(format!("box-secret-{i}-Zq8vN3")));
    }
    let values: Vec<String> = secrets
        .values()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    if plan.fault == Fault::SecretMissing {
        let first = secret_names.first().expect("the layer's apps have secrets");
        secrets.remove(first);
    }

    let mut case = json!({
        "region": region,
        "os_family": setup["stackc"]["os_family"],
        "limit_seconds": LIMIT_SECONDS,
        "bucket": bucket,
        "key": key,
        "bundle_file": built.join("cookbooks.tar.gz"),
        "bundle_parameter": format!("/stackc/{stack_name}/bundle"),
        "pointer": { "bucket": bucket, "key": key, "sha256": sha256 },
        "secrets": secrets,
        "instance_tags": Value::Object(
            tags(&data["TagSpecifications"][0]["Tags"])
                .into_iter()
                .map(|(k, v)| (k, json!(v)))
                .collect(),
        ),
        "instance_type": data["InstanceType"],
        "availability_zone": format!("{region}a"),
        "group": group["Properties"]["AutoScalingGroupName"],
        "setup_hook": setup_hook,
        "cfn_stack": stack_name,
        "cfn_resource": group_id,
        "topic_name": topic_name,
        "topic_arn": topic_arn,
        "log_groups": [layer_log_group.clone()],
        "volumes": data["BlockDeviceMappings"]
            .as_array()
            .unwrap()
            .iter()
            .skip(1)
            .map(|d| d["DeviceName"].as_str().unwrap().trim_start_matches("/dev/").to_string())
            .collect::<Vec<_>>(),
        "hide_tools": [],
        "mirror_unreachable": false,
        "fail_recipe": plan.failing_recipe.unwrap_or(""),
        "one_kept": plan.one_kept,
        "cinc_preinstalled": cinc.is_none(),
        "cinc_package": cinc.as_ref().map(|(_, key, file)| json!({ "key": key, "file": file })),
    });
    match plan.fault {
        Fault::None | Fault::SecretMissing | Fault::CincShaMismatch => {}
        Fault::PointerMissing => {
            case["bundle_parameter"] = json!(format!("/stackc/{stack_name}/elsewhere"))
        }
        Fault::BundleMissing => case["upload_bundle"] = json!(false),
        Fault::BundleForbidden => {
            let other = format!("stackc-artifacts-{region}-other");
            case["forbidden_bucket"] = json!(other);
            case["pointer"]["bucket"] = json!(other);
        }
        Fault::ShaMismatch => {
            case["pointer"]["sha256"] =
                json!("5e1f00d4e53b0d3f6d3a4f1c0b7e9a2d8c6b4a29f7e5d3c1b0a9f8e7d6c5b4a3")
        }
        Fault::SetupRecipeFails => {
            let last = setup["run_list"].as_array().unwrap().last().unwrap();
            let recipe = last.as_str().unwrap();
            case["fail_recipe"] = json!(recipe.trim_start_matches("recipe[").trim_end_matches(']'));
        }
        Fault::MirrorUnreachable => {
            case["hide_tools"] = json!(["jq"]);
            case["mirror_unreachable"] = json!(true);
        }
    }
    std::fs::write(
        dir.join("case.json"),
        serde_json::to_string_pretty(&case).unwrap(),
    )
    .unwrap();

    let o = Command::new("unshare")
        .args(["-m", "-n", "--propagation", "private", "bash"])
        .arg(repo().join("compiler/cli/tests/box/run.sh"))
        .arg(&dir)
        .output()
        .unwrap();
    let state = dir.join("state");
    let text = |name: &str| std::fs::read_to_string(state.join(name)).unwrap_or_default();
    assert!(
        o.status.success(),
        "the box itself failed:\n{}\n{}\nuser data:\n{}\nmoto:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
        text("user-data.out"),
        text("moto.log"),
    );
    let number = |name: &str| -> f64 { text(name).trim().parse().unwrap() };
    let start = number("user-data.start");
    let mut commands = Vec::new();
    for i in 1..=plan.commands.len() {
        commands.push((
            number(&format!("ssm-{i}.rc")) as i32,
            text(&format!("ssm-{i}.out")),
        ));
    }
    let outcome = Outcome {
        stack_name: stack_name.clone(),
        log_group: layer_log_group,
        topic_arn,
        sha256,
        cinc: cinc.map(|(sha, key, _)| (sha, key)),
        secrets: values,
        instance_id: read_json(&state.join("imds.json"))["instance_id"]
            .as_str()
            .unwrap()
            .to_string(),
        kept_before: read_json(&state.join("imds.json"))["kept_before"]
            .as_str()
            .map(str::to_string),
        user_data_rc: number("user-data.rc") as i32,
        user_data_seconds: number("user-data.end") - start,
        user_data_out: text("user-data.out"),
        commands,
        calls: json_lines(&state.join("aws-calls.jsonl")),
        imds: json_lines(&state.join("imds.jsonl")),
        state: read_json(&state.join("state.json")),
        start,
        dir,
    };
    eprintln!(
        "box {}: user data {:.1} s, whole box {:.1} s",
        plan.name,
        outcome.user_data_seconds,
        started.elapsed().as_secs_f64()
    );
    // Nothing reached the host: the instance's writes are in the overlay.
    assert!(
        !Path::new("/etc/stackc").exists(),
        "the box wrote to the host's /etc"
    );
    assert!(
        !Path::new("/var/lib/stackc").exists(),
        "the box wrote to the host's /var"
    );
    assert!(
        !Path::new("/usr/local/bin/stackc-run").exists(),
        "the box wrote to the host's /usr"
    );
    assert!(
        outcome.upper("/etc/stackc/instance.env").is_file(),
        "{}",
        outcome.report()
    );
    outcome
}

/// Builds a `cinc` package laid out as Cinc's is (the client under
/// /opt/cinc, cinc-solo linked from /usr/bin) whose cinc-solo is the box's
/// recording one; returns the .deb.
fn cinc_deb(dir: &Path, name: &str, version: &str) -> PathBuf {
    let root = dir.join(format!("{name}-deb"));
    std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
    std::fs::create_dir_all(root.join("opt/cinc/bin")).unwrap();
    std::fs::create_dir_all(root.join("usr/bin")).unwrap();
    std::fs::write(
        root.join("DEBIAN/control"),
        format!(
            "Package: cinc\nVersion: {version}\nArchitecture: all\n\
             Maintainer: stackc tests <tests@stackc.invalid>\n\
             Description: Cinc client (the instance-in-a-box recorder)\n"
        ),
    )
    .unwrap();
    let solo = root.join("opt/cinc/bin/cinc-solo");
    std::fs::copy(repo().join("compiler/cli/tests/box/cinc-solo"), &solo).unwrap();
    std::fs::set_permissions(&solo, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("/opt/cinc/bin/cinc-solo", root.join("usr/bin/cinc-solo")).unwrap();
    let deb = dir.join(format!("{name}.deb"));
    let o = Command::new("dpkg-deb")
        .args(["--build", "--root-owner-group"])
        .arg(&root)
        .arg(&deb)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    deb
}

/// A box that passed leaves nothing behind; a failed one stays for reading.
impl Drop for Outcome {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Whether dpkg in the box counts the package as installed.
fn dpkg_installed(o: &Outcome, package: &str) -> bool {
    let status = std::fs::read_to_string(o.upper("/var/lib/dpkg/status")).unwrap_or_default();
    status.split("\n\n").any(|stanza| {
        stanza.lines().any(|l| l == format!("Package: {package}"))
            && stanza.lines().any(|l| l == "Status: install ok installed")
    })
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The checks every box makes: the AWS CLI found its credentials through
/// IMDSv2 only, and no secret value is anywhere but the secrets files.
fn common_checks(o: &Outcome) {
    assert!(
        o.imds
            .iter()
            .any(|r| r["method"] == "PUT" && r["status"] == 200),
        "no IMDSv2 token was asked for"
    );
    let tokenless: Vec<&Value> = o
        .imds
        .iter()
        .filter(|r| r["method"] == "GET" && r["token"] != true)
        .collect();
    assert!(
        tokenless.is_empty(),
        "metadata read without a token: {tokenless:?}"
    );
    assert!(
        o.imds.iter().any(|r| r["path"]
            .as_str()
            .unwrap()
            .starts_with("/latest/meta-data/iam/security-credentials/")),
        "the AWS CLI did not take the role's credentials from IMDS"
    );
    for (path, text) in o.all_text_but_secrets() {
        for secret in &o.secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a secret value is in {}",
                path.display()
            );
        }
    }
}

/// The happy path of a boot, then Run Commands: bundle fetched and
/// verified, setup then deploy with the bundle's run lists, secrets
/// private, lifecycle action completed, CloudFormation signalled, runs
/// tagged, no notification.
fn assert_boots(o: &Outcome, layer: &str, app: Option<&str>) {
    let r = o.report();
    assert_eq!(o.user_data_rc, 0, "{r}");
    common_checks(o);

    // The bundle: fetched once, verified, unpacked under its sha256.
    let pointer = o.calls("ssm", "GetParameter");
    assert!(!pointer.is_empty(), "{r}");
    assert!(pointer
        .iter()
        .all(|c| c["params"]["Name"] == format!("/stackc/{}/bundle", o.stack_name)));
    let downloads: Vec<&Value> = o
        .calls
        .iter()
        .filter(|c| {
            c["service"] == "s3"
                && c["method"] == "GET"
                && c["path"].as_str().unwrap().contains(&o.sha256)
        })
        .collect();
    assert_eq!(downloads.len(), 1, "one download of the bundle\n{r}");
    assert_eq!(downloads[0]["status"], 200);
    assert_eq!(
        std::fs::read_to_string(o.upper("/var/lib/stackc/bundle.sha256"))
            .unwrap()
            .trim(),
        o.sha256
    );
    assert_eq!(
        std::fs::read_link(o.upper("/var/lib/stackc/current")).unwrap(),
        Path::new("/var/lib/stackc/bundles").join(&o.sha256)
    );
    assert_eq!(mode(&o.upper("/usr/local/bin/stackc-run")), 0o755);

    // Cinc: on a box without it, the pinned package fetched once from the
    // artifact bucket and installed by dpkg (the Chef runs below are that
    // package's cinc-solo, the only one in the box).
    let packages: Vec<&Value> = o
        .calls
        .iter()
        .filter(|c| {
            c["service"] == "s3"
                && c["method"] == "GET"
                && [".deb", ".rpm"]
                    .iter()
                    .any(|x| c["path"].as_str().unwrap().ends_with(x))
        })
        .collect();
    match &o.cinc {
        Some((sha, key)) => {
            assert_eq!(packages.len(), 1, "one download of the Cinc package\n{r}");
            assert!(
                packages[0]["path"]
                    .as_str()
                    .unwrap()
                    .ends_with(key.as_str()),
                "{r}"
            );
            assert_eq!(packages[0]["status"], 200, "{r}");
            assert!(key.ends_with(&format!("/{sha}.deb")), "{key}");
            assert!(
                o.user_data_out
                    .contains("stackc: installing Cinc 18.6.2 from s3://")
                    && o.user_data_out.contains(key.as_str()),
                "{r}"
            );
            assert!(dpkg_installed(o, "cinc"), "dpkg did not install cinc\n{r}");
            assert_eq!(mode(&o.upper("/opt/cinc/bin/cinc-solo")), 0o755);
            assert_eq!(
                std::fs::read_link(o.upper("/usr/bin/cinc-solo")).unwrap(),
                Path::new("/opt/cinc/bin/cinc-solo")
            );
        }
        None => assert!(packages.is_empty(), "Cinc is in the image\n{r}"),
    }

    // Chef: setup, then deploy, with the bundle's run lists.
    let runs = o.cinc_runs();
    assert!(runs.len() >= 2, "{r}");
    for (i, event) in ["setup", "deploy"].iter().enumerate() {
        assert_eq!(runs[i].0["opsworks"]["activity"], *event, "{r}");
        assert_eq!(runs[i].1, o.bundle_run_list(layer, event), "{event}");
        assert_eq!(
            runs[i].0["opsworks"]["instance"]["aws_instance_id"],
            o.instance_id
        );
    }

    // Secrets: 0600 files in a 0700 directory, with the values.
    if let Some(app) = app {
        let secrets_dir = o.upper("/etc/stackc/secrets");
        assert_eq!(mode(&secrets_dir), 0o700);
        let file = secrets_dir.join(format!("{app}.json"));
        assert_eq!(mode(&file), 0o600);
        let values = std::fs::read_to_string(&file).unwrap();
        for secret in &o.secrets {
            assert!(values.contains(secret.as_str()), "{values}");
        }
    }

    // Auto Scaling and CloudFormation are told, once each, that setup worked.
    let hook = o.calls("autoscaling", "CompleteLifecycleAction");
    assert_eq!(hook.len(), 1, "{r}");
    assert_eq!(hook[0]["params"]["LifecycleActionResult"], "CONTINUE");
    assert_eq!(hook[0]["params"]["InstanceId"], o.instance_id);
    assert_eq!(hook[0]["status"], 200, "{r}");
    let signal = o.calls("cloudformation", "SignalResource");
    assert_eq!(signal.len(), 1, "{r}");
    assert_eq!(signal[0]["params"]["Status"], "SUCCESS");
    assert_eq!(signal[0]["status"], 200, "{r}");
    let boot_end = o.start + o.user_data_seconds;
    assert!(
        o.calls("sns", "Publish")
            .iter()
            .all(|c| c["t"].as_f64().unwrap() > boot_end),
        "a boot that worked notifies nothing\n{r}"
    );

    // Each run is recorded on the instance's tag.
    let tagged: Vec<String> = o
        .calls("ec2", "CreateTags")
        .iter()
        .map(|c| {
            c["params"]["Tag.1.Value"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert!(
        tagged.iter().any(|t| t.starts_with("setup succeeded ")),
        "{tagged:?}"
    );
    assert!(
        tagged.iter().any(|t| t.starts_with("deploy succeeded ")),
        "{tagged:?}"
    );
    assert!(o.state["tags"]["stackc:last-run"].is_string());
}

/// A failed boot: reported within seconds to Auto Scaling, CloudFormation
/// (FAILURE), the instance's tag (`setup failed`) and the stack's topic
/// (which instance, layer, event, and which logs to read), each once; the
/// script ends instead of waiting out the hook. Bounded: the first failed
/// instance of a group is kept in Standby for inspection (the lifecycle
/// action continues, then the instance leaves service, protected from
/// scale-in); a failure while one is kept suspends the group's launches
/// and abandons the launch.
fn assert_fails_and_reports(o: &Outcome, layer: &str, why: &str) {
    let r = o.report();
    assert_ne!(o.user_data_rc, 0, "{r}");
    assert_ne!(o.user_data_rc, 124, "the user data hung\n{r}");
    common_checks(o);
    let reported = |c: &Value| c["t"].as_f64().unwrap() - o.start;

    let hook = o.calls("autoscaling", "CompleteLifecycleAction");
    assert_eq!(hook.len(), 1, "{r}");
    assert_eq!(hook[0]["status"], 200, "{r}");
    let standby = o.calls("autoscaling", "EnterStandby");
    let suspended = o.calls("autoscaling", "SuspendProcesses");
    let outcome = match &o.kept_before {
        None => {
            assert_eq!(
                hook[0]["params"]["LifecycleActionResult"], "CONTINUE",
                "{r}"
            );
            let protect = o.calls("autoscaling", "SetInstanceProtection");
            assert_eq!(protect.len(), 1, "{r}");
            assert_eq!(protect[0]["params"]["ProtectedFromScaleIn"], "true");
            assert_eq!(standby.len(), 1, "{r}");
            assert_eq!(standby[0]["params"]["InstanceIds.member.1"], o.instance_id);
            assert_eq!(
                standby[0]["params"]["ShouldDecrementDesiredCapacity"],
                "false"
            );
            assert_eq!(standby[0]["status"], 200, "{r}");
            assert!(suspended.is_empty(), "{r}");
            assert_eq!(o.state["lifecycle_state"], "Standby", "{r}");
            assert_eq!(o.state["protected_from_scale_in"], true, "{r}");
            assert_eq!(o.state["suspended_processes"], json!([]));
            "is kept for inspection"
        }
        Some(kept) => {
            assert_eq!(hook[0]["params"]["LifecycleActionResult"], "ABANDON", "{r}");
            assert!(standby.is_empty(), "{r}");
            assert_eq!(suspended.len(), 1, "{r}");
            assert_eq!(
                suspended[0]["params"]["ScalingProcesses.member.1"],
                "Launch"
            );
            assert_eq!(suspended[0]["status"], 200, "{r}");
            assert_eq!(o.state["suspended_processes"], json!(["Launch"]), "{r}");
            assert!(
                o.state["notifications"][0]["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains(&format!("Instance {kept} is already kept")),
                "{r}"
            );
            "Launch process is suspended"
        }
    };
    assert!(
        reported(hook[0]) < REPORT_SECONDS,
        "reported after {:.0} s",
        reported(hook[0])
    );
    let signal = o.calls("cloudformation", "SignalResource");
    assert_eq!(signal.len(), 1, "{r}");
    assert_eq!(signal[0]["params"]["Status"], "FAILURE");
    assert_eq!(signal[0]["status"], 200, "{r}");
    assert!(
        o.state["tags"]["stackc:last-run"]
            .as_str()
            .unwrap_or("")
            .starts_with("setup failed "),
        "{}\n{r}",
        o.state["tags"]
    );

    let published = o.calls("sns", "Publish");
    assert_eq!(published.len(), 1, "one notification\n{r}");
    assert_eq!(published[0]["params"]["TopicArn"], o.topic_arn);
    assert_eq!(published[0]["status"], 200, "{r}");
    let notes = o.state["notifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{r}");
    let message = notes[0]["message"].as_str().unwrap();
    let subject = notes[0]["subject"].as_str().unwrap();
    for needle in [
        o.instance_id.as_str(),
        "setup",
        layer,
        "/var/log/stackc/",
        o.log_group.as_str(),
    ] {
        assert!(
            message.contains(needle),
            "the notification lacks {needle}:\n{message}"
        );
    }
    assert!(
        subject.contains(&o.instance_id) && subject.contains("setup failed"),
        "{subject}"
    );
    assert!(
        message.contains(why),
        "the notification does not say {why:?}:\n{message}"
    );
    assert!(
        message.replace('\n', " ").contains(outcome),
        "the notification does not say {outcome:?}:\n{message}"
    );
    assert!(
        o.user_data_seconds < REPORT_SECONDS,
        "the user data ran {:.0} s",
        o.user_data_seconds
    );
}

/// A small Ubuntu 22.04 stack: one static-web layer with an app and a
/// secret, nothing else.
const JAMMY: &str = r#"stack jammy {
    region us-east-2
    os ubuntu-22.04
    layer front type=static-web {
        instance-type t3.micro
        scaling { instances min=1 max=2 }
    }
    app site type=static layer=front {
        source git="https://github.com/example/site.git" revision=main
        site www.jammy.example
        secret API_TOKEN ssm="/jammy/api-token"
    }
}
"#;

#[test]
fn goldcar_web_boots_on_amazon_linux_and_runs_commands_under_bash() {
    let o = play(&Plan {
        name: "goldcar-web",
        source: Source::Example("goldcar"),
        env: "production",
        layer: "web",
        fault: Fault::None,
        commands: vec![
            ["configure", "", ""],
            ["deploy", "rentals", ""],
            ["execute_recipes", "", "goldcar::vhosts,php_app::configure"],
        ],
        failing_recipe: None,
        one_kept: false,
    });
    assert_boots(&o, "web", Some("rentals"));
    // The volume was made and mounted where the stack file says.
    let fstab = std::fs::read_to_string(o.upper("/etc/fstab")).unwrap();
    assert!(fstab.contains(" /srv xfs defaults,nofail 0 2"), "{fstab}");
    let mounts = std::fs::read_to_string(o.dir.join("state/mounts")).unwrap();
    assert!(mounts.lines().any(|l| l == "/srv xfs"), "{mounts}");
    let runs = o.cinc_runs();
    let r = o.report();
    for (i, (rc, out)) in o.commands.iter().enumerate() {
        assert_eq!(*rc, 0, "command {}: {out}\n{r}", i + 1);
    }
    assert_eq!(runs.len(), 5, "{r}");
    assert_eq!(runs[2].0["opsworks"]["activity"], "configure");
    assert_eq!(runs[2].1, o.bundle_run_list("web", "configure"));
    assert_eq!(runs[3].0["opsworks"]["activity"], "deploy");
    assert_eq!(runs[3].1, o.bundle_run_list("web", "deploy"));
    let apps: Vec<&String> = runs[3].0["deploy"].as_object().unwrap().keys().collect();
    assert_eq!(apps, ["rentals"]);
    assert_eq!(
        runs[4].1,
        "recipe[goldcar::vhosts],recipe[php_app::configure]"
    );
    let last = o.state["tags"]["stackc:last-run"].as_str().unwrap();
    assert!(last.starts_with("execute_recipes succeeded "), "{last}");
}

#[test]
fn shop_api_boots_on_ubuntu_24_04_and_runs_commands_under_dash() {
    let o = play(&Plan {
        name: "shop-api",
        source: Source::Example("shop"),
        env: "production",
        layer: "api",
        fault: Fault::None,
        commands: vec![
            ["configure", "", ""],
            ["deploy", "api", ""],
            ["update_cookbooks", "", ""],
            ["execute_recipes", "", "shop::box_failure"],
        ],
        failing_recipe: Some("shop::box_failure"),
        one_kept: false,
    });
    assert_boots(&o, "api", Some("api"));
    let r = o.report();
    for (i, (rc, out)) in o.commands[..3].iter().enumerate() {
        assert_eq!(*rc, 0, "command {}: {out}\n{r}", i + 1);
    }
    let runs = o.cinc_runs();
    assert_eq!(runs.len(), 5, "update_cookbooks runs no recipe\n{r}");
    assert_eq!(runs[2].1, o.bundle_run_list("api", "configure"));
    assert_eq!(runs[3].1, o.bundle_run_list("api", "deploy"));
    assert_eq!(runs[4].1, "recipe[shop::box_failure]");

    // A failed Run Command fails with Chef's code and tells the topic.
    let (rc, out) = &o.commands[3];
    assert_eq!(*rc, 1, "{out}\n{r}");
    assert!(
        out.contains("stackc-run: execute_recipes failed with exit code 1"),
        "{out}"
    );
    let notes = o.state["notifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{r}");
    assert_eq!(
        notes[0]["subject"],
        format!(
            "stackc shop-production: execute_recipes failed on {} (api)",
            o.instance_id
        )
    );
    let message = notes[0]["message"].as_str().unwrap();
    for needle in [
        "The execute_recipes (recipes shop::box_failure) run on instance",
        "-execute_recipes.log",
        &format!("log group /stackc/shop-production/api/{DEPLOYMENT}, stream"),
        "aws ssm start-session --target",
    ] {
        assert!(message.contains(needle), "{needle} not in {message}");
    }
    let last = o.state["tags"]["stackc:last-run"].as_str().unwrap();
    assert!(last.starts_with("execute_recipes failed "), "{last}");
    let secrets = std::fs::read_to_string(o.upper("/etc/stackc/secrets/api.json")).unwrap();
    let secrets: Value = serde_json::from_str(&secrets).unwrap();
    assert_eq!(secrets.as_object().unwrap().len(), 2, "{secrets}");
}

#[test]
fn a_small_stack_boots_on_ubuntu_22_04() {
    let o = play(&Plan {
        name: "jammy-front",
        source: Source::Text(JAMMY),
        env: "production",
        layer: "front",
        fault: Fault::None,
        commands: vec![["deploy", "site", ""]],
        failing_recipe: None,
        one_kept: false,
    });
    assert_boots(&o, "front", Some("site"));
    assert_eq!(o.commands[0].0, 0, "{}", o.report());
    let last = o.state["tags"]["stackc:last-run"].as_str().unwrap();
    assert!(last.starts_with("deploy succeeded "), "{last}");
}

#[test]
fn a_missing_bundle_pointer_is_reported_once() {
    let o = play(&Plan {
        name: "missing-pointer",
        source: Source::Example("shop"),
        env: "staging",
        layer: "api",
        fault: Fault::PointerMissing,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
    });
    let get = o.calls("ssm", "GetParameter");
    assert_eq!(get.len(), 1, "{}", o.report());
    assert_eq!(get[0]["status"], 400);
    assert!(o.cinc_runs().is_empty());
    assert_fails_and_reports(
        &o,
        "api",
        "reading the bundle pointer /stackc/shop-staging/bundle",
    );
}

#[test]
fn a_missing_bundle_is_reported_at_once() {
    let o = play(&Plan {
        name: "missing-bundle",
        source: Source::Example("goldcar"),
        env: "production",
        layer: "reports",
        fault: Fault::BundleMissing,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
    });
    let get: Vec<&Value> = o
        .calls
        .iter()
        .filter(|c| c["service"] == "s3" && c["path"].as_str().unwrap().contains(&o.sha256))
        .collect();
    assert!(get.iter().all(|c| c["status"] == 404), "{}", o.report());
    assert!(o.cinc_runs().is_empty());
    assert_fails_and_reports(&o, "reports", "bundle");
}

#[test]
fn a_bundle_the_role_may_not_read_is_reported_at_once() {
    let o = play(&Plan {
        name: "forbidden-bundle",
        source: Source::Example("shop"),
        env: "production",
        layer: "storefront",
        fault: Fault::BundleForbidden,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
    });
    let get: Vec<&Value> = o
        .calls
        .iter()
        .filter(|c| c["service"] == "s3" && c["path"].as_str().unwrap().contains(&o.sha256))
        .collect();
    assert!(
        !get.is_empty() && get.iter().all(|c| c["status"] == 403),
        "{}",
        o.report()
    );
    assert!(o.cinc_runs().is_empty());
    assert_fails_and_reports(&o, "storefront", "bundle");
}

#[test]
fn a_bundle_with_another_sha256_is_refused_and_reported() {
    let o = play(&Plan {
        name: "sha-mismatch",
        source: Source::Example("goldcar"),
        env: "production",
        layer: "reports",
        fault: Fault::ShaMismatch,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
    });
    assert!(o.cinc_runs().is_empty(), "{}", o.report());
    assert!(!o.upper("/var/lib/stackc/current").exists());
    assert!(!o.upper("/usr/local/bin/stackc-run").exists());
    assert_fails_and_reports(&o, "reports", "sha256");
}

#[test]
fn a_cinc_package_with_another_sha256_is_refused_and_reported() {
    let o = play(&Plan {
        name: "cinc-sha-mismatch",
        source: Source::Text(JAMMY),
        env: "production",
        layer: "front",
        fault: Fault::CincShaMismatch,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
    });
    let r = o.report();
    let (sha, key) = o.cinc.clone().unwrap();
    let fetched = o
        .calls
        .iter()
        .filter(|c| {
            c["service"] == "s3"
                && c["method"] == "GET"
                && c["path"].as_str().unwrap().ends_with(&key)
        })
        .count();
    assert_eq!(fetched, 1, "{r}");
    assert!(
        o.user_data_out.contains(&format!(
            "does not have the sha256 the lock file pins ({sha})"
        )),
        "{r}"
    );
    // Refused before dpkg: nothing installed, no Chef run.
    assert!(!dpkg_installed(&o, "cinc"), "{r}");
    assert!(!o.upper("/opt/cinc").exists(), "{r}");
    assert!(o.cinc_runs().is_empty(), "{r}");
    assert_fails_and_reports(&o, "front", "installing Cinc 18.6.2 from s3://");
}

#[test]
fn a_missing_secret_parameter_is_reported_at_once() {
    let o = play(&Plan {
        name: "missing-secret",
        source: Source::Example("shop"),
        env: "production",
        layer: "api",
        fault: Fault::SecretMissing,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
    });
    assert!(
        o.cinc_runs().is_empty(),
        "Chef must not run without its secrets\n{}",
        o.report()
    );
    assert_fails_and_reports(&o, "api", "/shop/prod/db-password");
}

#[test]
fn a_failing_setup_recipe_is_reported_at_once() {
    let o = play(&Plan {
        name: "failing-recipe",
        source: Source::Example("goldcar"),
        env: "production",
        layer: "reports",
        fault: Fault::SetupRecipeFails,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
    });
    let runs = o.cinc_runs();
    assert_eq!(
        runs.len(),
        1,
        "deploy must not run after a failed setup\n{}",
        o.report()
    );
    assert_eq!(runs[0].0["opsworks"]["activity"], "setup");
    assert_fails_and_reports(&o, "reports", "stackc-run setup");
}

#[test]
fn a_second_failed_setup_while_one_is_kept_stops_the_group_launching() {
    let o = play(&Plan {
        name: "second-failure",
        source: Source::Example("goldcar"),
        env: "test",
        layer: "reports",
        fault: Fault::SetupRecipeFails,
        commands: vec![],
        failing_recipe: None,
        one_kept: true,
    });
    assert!(o.kept_before.is_some());
    assert_fails_and_reports(&o, "reports", "stackc-run setup");
}

#[test]
fn an_unreachable_package_mirror_fails_fast_and_is_reported() {
    let o = play(&Plan {
        name: "no-mirror",
        source: Source::Text(JAMMY),
        env: "production",
        layer: "front",
        fault: Fault::MirrorUnreachable,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
    });
    // apt-get tried the mirror and gave up on its own timeout.
    assert!(
        o.user_data_out.contains("stackc: installing jq"),
        "{}",
        o.report()
    );
    assert!(
        o.user_data_out.contains("connection timed out"),
        "{}",
        o.report()
    );
    // Hidden by an overlay whiteout, and not installed since.
    assert!(!o.upper("/usr/bin/jq").is_file());
    assert!(o.cinc_runs().is_empty());
    assert_fails_and_reports(&o, "front", "jq");
}
