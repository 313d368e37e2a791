//! Helpers the CLI's integration tests share.
#![allow(dead_code)]

pub mod proxy;
pub mod watching;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

/// The sha256 of the cookbook bundle a build's manifest lists.
pub fn bundle_sha256(manifest: &serde_json::Value) -> String {
    manifest["files"]
        .as_array()
        .expect("the manifest lists files")
        .iter()
        .find(|f| f["path"] == "cookbooks.tar.gz")
        .expect("the manifest lists the bundle")["sha256"]
        .as_str()
        .expect("a sha256")
        .to_string()
}

/// Copies a directory tree.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let target = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &target);
        } else {
            std::fs::copy(&p, &target).unwrap();
        }
    }
}

/// Fails the test unless every one of `tools` is on PATH: a check that
/// cannot run must not pass. ./scripts/test installs them all.
pub fn require(tools: &[&str]) {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|tool| {
            !Command::new("sh")
                .args(["-c", &format!("command -v {tool}")])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .collect();
    assert!(
        missing.is_empty(),
        "this test needs {missing:?}: run it through ./scripts/test, which installs them and puts its Python tools on PATH"
    );
}

/// A stand-in for Cinc's (and Chef's) metadata endpoint and download site,
/// on 127.0.0.1: `/stable/cinc/metadata?p=..&pv=..&m=..&v=..` (and
/// `/stable/chef/metadata?...`) answers Omnitruck's `key value` lines for
/// the platforms stackc uses (amazon, ubuntu), naming a package under
/// `/files/` whose bytes [`CincServer::package`] makes; every other path is
/// a 404. Each request's path is recorded.
pub struct CincServer {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl CincServer {
    /// Listens on a free port until the test process ends.
    pub fn start() -> CincServer {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a local port");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (seen, origin) = (requests.clone(), base.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                if reader.read_line(&mut first).is_err() {
                    continue;
                }
                loop {
                    let mut header = String::new();
                    match reader.read_line(&mut header) {
                        Ok(0) | Err(_) => break,
                        Ok(_) if header == "\r\n" || header == "\n" => break,
                        Ok(_) => {}
                    }
                }
                let target = first.split_whitespace().nth(1).unwrap_or("/").to_string();
                seen.lock().unwrap().push(target.clone());
                let (status, body) = match CincServer::answer(&origin, &target) {
                    Some(body) => ("200 OK", body),
                    None => ("404 Not Found", b"not found\n".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        });
        CincServer { base, requests }
    }

    /// The metadata endpoint, for STACKC_CINC_METADATA_URL.
    pub fn metadata_url(&self) -> String {
        format!("{}/stable/cinc/metadata", self.base)
    }

    /// The bytes served as a package file.
    pub fn package(file: &str) -> Vec<u8> {
        format!("not really Cinc, but served as {file}\n").into_bytes()
    }

    /// Chef's metadata endpoint, for STACKC_CHEF_METADATA_URL.
    pub fn chef_metadata_url(&self) -> String {
        format!("{}/stable/chef/metadata", self.base)
    }

    /// The URL of the package of a platform, version, machine and Cinc version.
    pub fn package_url(&self, p: &str, pv: &str, m: &str, v: &str) -> String {
        self.client_package_url("cinc", p, pv, m, v)
    }

    /// [`CincServer::package_url`] of a client (`cinc` or `chef`).
    pub fn client_package_url(&self, client: &str, p: &str, pv: &str, m: &str, v: &str) -> String {
        format!(
            "{}{}",
            self.base,
            CincServer::package_path(client, p, pv, m, v)
        )
    }

    fn package_path(client: &str, p: &str, pv: &str, m: &str, v: &str) -> String {
        let file = if p == "ubuntu" {
            let arch = if m == "aarch64" { "arm64" } else { "amd64" };
            format!("{client}_{v}-1_{arch}.deb")
        } else {
            format!("{client}-{v}-1.{p}{pv}.{m}.rpm")
        };
        format!("/files/stable/{client}/{v}/{p}/{pv}/{file}")
    }

    fn answer(origin: &str, target: &str) -> Option<Vec<u8>> {
        let metadata = ["cinc", "chef"].into_iter().find_map(|client| {
            target
                .strip_prefix(&format!("/stable/{client}/metadata?"))
                .map(|query| (client, query))
        });
        if let Some((client, query)) = metadata {
            let get = |k: &str| {
                query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix(&format!("{k}=")))
                    .map(str::to_string)
            };
            let (p, pv, m, v) = (get("p")?, get("pv")?, get("m")?, get("v")?);
            if !["amazon", "ubuntu"].contains(&p.as_str()) {
                return None;
            }
            let path = CincServer::package_path(client, &p, &pv, &m, &v);
            let file = path.rsplit('/').next().unwrap();
            let sha = stackc_core::emit::manifest::sha256_hex(&CincServer::package(file));
            return Some(
                format!("sha256\t{sha}\nurl\t{origin}{path}\nversion\t{v}\n").into_bytes(),
            );
        }
        let file = target
            .strip_prefix("/files/stable/cinc/")
            .or_else(|| target.strip_prefix("/files/stable/chef/"))?
            .rsplit('/')
            .next()?;
        Some(CincServer::package(file))
    }

    /// How many requests asked for a path containing `part`.
    pub fn requests(&self, part: &str) -> usize {
        self.requests
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.contains(part))
            .count()
    }
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
/// `params` are event, app and recipes; the others take their defaults.
pub fn run_command(document: &serde_json::Value, params: [&str; 3]) -> String {
    let [event, app, recipes] = params;
    run_command_with(
        document,
        &[("event", event), ("app", app), ("recipes", recipes)],
    )
}

/// [`run_command`] with the parameters given by name; those not given take
/// the document's default, as SSM does.
pub fn run_command_with(document: &serde_json::Value, params: &[(&str, &str)]) -> String {
    let content = &document["Properties"]["Content"];
    let mut text = content["mainSteps"][0]["inputs"]["runCommand"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    for (name, spec) in content["parameters"].as_object().unwrap() {
        let value = params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| *v)
            .or_else(|| spec["default"].as_str())
            .unwrap_or_else(|| panic!("{name} has no default and is not given"));
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

/// `command` run in `dir` against the AWS double and the Cinc stand-in,
/// with a package cache of the directory's own.
pub fn against_the_double<'c>(
    command: &'c mut Command,
    endpoint: &str,
    cinc: &CincServer,
    dir: &Path,
) -> &'c mut Command {
    command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("STACKC_CINC_METADATA_URL", cinc.metadata_url())
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
}

/// Runs stackc in `dir` against the AWS double (or a proxy in front of
/// it) and the Cinc stand-in; prints what it said on stderr.
pub fn stackc(endpoint: &str, cinc: &CincServer, dir: &Path, args: &[&str]) -> Output {
    let o = against_the_double(
        &mut Command::new(env!("CARGO_BIN_EXE_stackc")),
        endpoint,
        cinc,
        dir,
    )
    .args(args)
    .output()
    .expect("run stackc");
    eprintln!(
        "$ stackc {}\n{}",
        args.join(" "),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// The results of a `--message-format json` command: its stdout's JSON
/// lines but the diagnostics (objects with a `code`, which come first).
#[allow(dead_code)]
pub fn results(o: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{e}: {l}"))
        })
        .filter(|v| v.get("code").is_none())
        .collect()
}

/// The one result of a `--message-format json` command.
#[allow(dead_code)]
pub fn result(o: &Output) -> serde_json::Value {
    let mut all = results(o);
    assert_eq!(all.len(), 1, "{all:?}");
    all.remove(0)
}

/// The ids of `layer`'s instances in `stackc status`'s JSON, sorted.
#[allow(dead_code)]
pub fn layer_instances(status: &serde_json::Value, layer: &str) -> Vec<String> {
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
}
