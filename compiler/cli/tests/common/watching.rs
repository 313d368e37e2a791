//! goldcar deployed to the local AWS double, and `stackc watch` running
//! on it as a child process: for the watch test and its benchmark.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::proxy::Proxy;
use super::{against_the_double, copy_dir, repo, require, stackc, CincServer};

/// The local AWS double; fails without it.
pub fn moto() -> String {
    std::env::var("STACKC_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "STACKC_TEST_AWS_ENDPOINT is not set; run ./scripts/test, which starts the AWS double"
        )
    })
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// goldcar deployed in `region` (one no other test deploys to, so that
/// the stack is the caller's alone), from a directory of its own: the
/// proxy in front of moto, the Cinc stand-in, the directory and web's
/// instances.
pub fn deployed_goldcar(name: &str, region: &str) -> (Proxy, CincServer, PathBuf, Vec<String>) {
    require(&["python3"]);
    let moto = moto();
    let cinc = CincServer::start();
    let dir = std::env::temp_dir().join(format!("stackc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&repo().join("examples/goldcar"), &dir);
    // moto has no ACM certificate of this ARN: serve HTTP in the copy.
    let stack = std::fs::read_to_string(dir.join("stack.kdl")).unwrap();
    let stack = stack
        .replace(
            r#"listener https certificate="arn:aws:acm:eu-west-1:123456789012:certificate/abc""#,
            "listener http",
        )
        .replace("region eu-west-1", &format!("region {region}"));
    std::fs::write(dir.join("stack.kdl"), stack).unwrap();
    let proxy = Proxy::start(&moto, &dir);
    let endpoint = proxy.endpoint.clone();
    for args in [
        &["bootstrap", "--yes"][..],
        &["lock"],
        &["deploy", "--yes", "--no-converge"],
    ] {
        let o = stackc(&endpoint, &cinc, &dir, args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &["status", "--message-format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let status = super::result(&o);
    let web = super::layer_instances(&status, "web");
    assert_eq!(web.len(), 2, "{status}");
    (proxy, cinc, dir, web)
}

/// `stackc watch` running, its stderr read as it comes.
pub struct Watching {
    child: Child,
    said: Arc<Mutex<String>>,
}

impl Watching {
    pub fn start(endpoint: &str, cinc: &CincServer, dir: &Path, args: &[&str]) -> Watching {
        let mut child = against_the_double(
            &mut Command::new(env!("CARGO_BIN_EXE_stackc")),
            endpoint,
            cinc,
            dir,
        )
        .arg("watch")
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start stackc watch");
        let said = Arc::new(Mutex::new(String::new()));
        for pipe in [
            Box::new(child.stderr.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stdout.take().unwrap()),
        ] {
            let said = said.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    said.lock().unwrap().push_str(&format!("{line}\n"));
                }
            });
        }
        Watching { child, said }
    }

    /// What it said so far (stderr and stdout, as they came).
    pub fn said(&self) -> String {
        self.said.lock().unwrap().clone()
    }

    /// Waits until it has said `text` (after `from` bytes), at most `within`;
    /// when it did, how long that took.
    pub fn wait_for(&mut self, text: &str, from: usize, within: Duration) -> Duration {
        let started = Instant::now();
        loop {
            let said = self.said();
            if said.get(from..).is_some_and(|s| s.contains(text)) {
                return started.elapsed();
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "stackc watch ended ({status}) before saying {text:?}:\n{}",
                    self.said()
                );
            }
            assert!(
                started.elapsed() < within,
                "stackc watch did not say {text:?} within {within:?}:\n{said}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Ctrl-C; its exit code.
    pub fn interrupt(mut self) -> (Option<i32>, String) {
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) on the child this test started and has not reaped.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
        let started = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if started.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                panic!("stackc watch did not stop on Ctrl-C:\n{}", self.said());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        std::thread::sleep(Duration::from_millis(100));
        (status.code(), self.said())
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
