//! The box's harness: what a test asks for (a [`Plan`]), playing it
//! (`box/run.sh` in namespaces of its own) and what it left (an
//! [`Outcome`]).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use crate::case::prepare;
use crate::common::{repo, require};

/// What the test makes go wrong.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fault {
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
pub enum Source {
    /// `examples/<name>/stack.kdl`.
    Example(&'static str),
    /// A stack file written by the test.
    Text(&'static str),
}

/// A box to play: a layer of an environment of a stack file.
pub struct Plan {
    pub name: &'static str,
    pub source: Source,
    pub env: &'static str,
    pub layer: &'static str,
    pub fault: Fault,
    /// Run Commands after boot: event, app, recipes.
    pub commands: Vec<[&'static str; 3]>,
    /// A recipe Chef fails whenever a run list holds it.
    pub failing_recipe: Option<&'static str>,
    /// Another instance of the group is already kept after a failed setup.
    pub one_kept: bool,
    /// The instance launches into the warm pool, is stopped and started
    /// again (`box/run.sh` plays it) before the Run Commands.
    pub restart: bool,
}

/// Seconds the box gives each script before it counts as hung.
pub const LIMIT_SECONDS: u64 = 240;
/// The last part of the box's CloudFormation stack id, which log groups are
/// named after.
pub const DEPLOYMENT: &str = "5f2a1c3e-0b4d-4e6f-8a9b-0c1d2e3f4a5b";
/// A failure must be reported within this many seconds, not after the
/// lifecycle hook's 1,800.
pub const REPORT_SECONDS: f64 = 60.0;
pub fn require_tools() {
    require(&[
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
    ]);
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

pub fn read_json(path: &Path) -> Value {
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
/// What one box left behind.
pub struct Outcome {
    pub dir: PathBuf,
    pub stack_name: String,
    pub log_group: String,
    pub topic_arn: String,
    pub sha256: String,
    /// The Chef client package the bootstrap had to install: its sha256 and
    /// key in the artifact bucket (None: the image has Cinc, as on Amazon
    /// Linux).
    pub cinc: Option<(String, String)>,
    /// The layer's Chef client: `cinc` or `chef`.
    pub client: String,
    pub secrets: Vec<String>,
    pub instance_id: String,
    /// The instance the box had kept before this one failed, if any.
    pub kept_before: Option<String>,
    pub user_data_rc: i32,
    pub user_data_seconds: f64,
    pub user_data_out: String,
    pub commands: Vec<(i32, String)>,
    /// The boot after a stop and start, when the plan restarts.
    pub restart: Option<Restart>,
    pub calls: Vec<Value>,
    pub imds: Vec<Value>,
    pub state: Value,
    pub start: f64,
}

/// The boot that starts a stopped instance again (`stackc-boot.service`).
pub struct Restart {
    pub rc: i32,
    pub out: String,
    /// AWS calls made before the stop (the first boot's).
    pub calls_before: usize,
    /// Mount points of the volumes marked before the stop, and those whose
    /// mark was still there after the start.
    pub marked: Vec<String>,
    pub marks_kept: Vec<String>,
}

impl Outcome {
    pub fn upper(&self, path: &str) -> PathBuf {
        self.dir.join("upper").join(path.trim_start_matches('/'))
    }

    pub fn calls(&self, service: &str, action: &str) -> Vec<&Value> {
        self.calls
            .iter()
            .filter(|c| c["service"] == service && c["action"] == action)
            .collect()
    }

    /// The instance's downloads of its bundle from the artifact bucket.
    pub fn bundle_downloads(&self) -> Vec<&Value> {
        self.calls
            .iter()
            .filter(|c| {
                c["service"] == "s3"
                    && c["method"] == "GET"
                    && c["path"].as_str().unwrap().contains(&self.sha256)
            })
            .collect()
    }

    /// The recorder's files of one kind (`argv`, `run_list`, ...), in the
    /// order of the runs: (stem, trimmed contents).
    fn recorded(&self, ext: &str) -> Vec<(String, String)> {
        let dir = self.upper("/var/lib/box-cinc");
        let suffix = format!(".{ext}");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(&suffix))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
            .iter()
            .map(|n| {
                let text = std::fs::read_to_string(dir.join(n)).unwrap();
                (
                    n.trim_end_matches(&suffix).to_string(),
                    text.trim().to_string(),
                )
            })
            .collect()
    }

    /// The command line of each recorded Chef run (the command as called,
    /// then its arguments), in order.
    pub fn chef_commands(&self) -> Vec<String> {
        self.recorded("argv").into_iter().map(|(_, c)| c).collect()
    }

    /// The recorded Chef runs: (node JSON, run list), in order.
    pub fn cinc_runs(&self) -> Vec<(Value, String)> {
        let dir = self.upper("/var/lib/box-cinc");
        self.recorded("run_list")
            .into_iter()
            .map(|(stem, run_list)| (read_json(&dir.join(format!("{stem}.json"))), run_list))
            .collect()
    }

    /// The run list of an event in the bundle the instance fetched.
    pub fn bundle_run_list(&self, layer: &str, event: &str) -> String {
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

    pub fn report(&self) -> String {
        format!(
            "box {}\n--- user data (exit {}) ---\n{}\n{}--- commands ---\n{:?}\n--- calls ---\n{}",
            self.dir.display(),
            self.user_data_rc,
            self.user_data_out,
            self.restart.as_ref().map_or(String::new(), |r| format!(
                "--- after the restart (exit {}) ---\n{}\n",
                r.rc, r.out
            )),
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
    pub fn all_text_but_secrets(&self) -> Vec<(PathBuf, String)> {
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
        // The Chef stand-in keeps what Chef got, secrets included.
        let recorder = self.upper("/var/lib/box-cinc");
        out.retain(|(p, _)| !p.starts_with(&recorder));
        out
    }
}
/// Builds the plan's stack file, seeds and runs the box, and returns what
/// it left.
pub fn play(plan: &Plan) -> Outcome {
    require_tools();
    let started = Instant::now();
    let dir = std::env::temp_dir().join(format!("stackc-box-{}-{}", std::process::id(), plan.name));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let case = prepare(plan, &dir);

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
    let lines = |name: &str| -> Vec<String> { text(name).lines().map(str::to_string).collect() };
    let restart = plan.restart.then(|| Restart {
        rc: number("restart.rc") as i32,
        out: text("restart.out"),
        calls_before: number("restart-at-call") as usize,
        marked: lines("restart-marks"),
        marks_kept: lines("restart-marks-kept"),
    });
    let outcome = Outcome {
        stack_name: case.stack_name,
        log_group: case.log_group,
        topic_arn: case.topic_arn,
        sha256: case.sha256,
        cinc: case.cinc,
        client: case.client,
        secrets: case.secrets,
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
        restart,
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
/// A box that passed leaves nothing behind; a failed one stays for reading.
impl Drop for Outcome {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Whether dpkg in the box counts the package as installed.
pub fn dpkg_installed(o: &Outcome, package: &str) -> bool {
    let status = std::fs::read_to_string(o.upper("/var/lib/dpkg/status")).unwrap_or_default();
    status.split("\n\n").any(|stanza| {
        stanza.lines().any(|l| l == format!("Package: {package}"))
            && stanza.lines().any(|l| l == "Status: install ok installed")
    })
}

pub fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}
