//! A client for the tests: drives `stackc_lsp::serve` through an in-memory
//! connection with real JSON-RPC messages, keeping the notifications it
//! receives while it waits for responses.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, RequestId, ResponseError};
use lsp_types::{PublishDiagnosticsParams, Url};
use serde_json::{json, Value};

pub struct Client {
    conn: Connection,
    server: Option<thread::JoinHandle<()>>,
    next: i32,
    /// Notifications received and not yet taken.
    pub notes: Vec<Notification>,
}

const TIMEOUT: Duration = Duration::from_secs(60);

impl Client {
    /// Starts a server and completes the initialize handshake.
    pub fn start() -> Client {
        let (server, conn) = Connection::memory();
        let handle = thread::spawn(move || {
            stackc_lsp::serve(&server).expect("the server stops cleanly");
        });
        let mut client = Client {
            conn,
            server: Some(handle),
            next: 0,
            notes: Vec::new(),
        };
        let init = client.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
        assert!(init.is_ok(), "{init:?}");
        client.notify("initialized", json!({}));
        client
    }

    /// Sends a request and waits for its response.
    pub fn request(&mut self, method: &str, params: Value) -> Result<Value, ResponseError> {
        self.next += 1;
        let id = RequestId::from(self.next);
        let req = Request::new(id.clone(), method.into(), params);
        self.conn.sender.send(req.into()).unwrap();
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.conn.receiver.recv_timeout(left) {
                Ok(Message::Response(r)) if r.id == id => return r.response_result,
                Ok(Message::Notification(n)) => self.notes.push(n),
                Ok(other) => panic!("unexpected message {other:?}"),
                Err(e) => panic!("no response to {method}: {e}"),
            }
        }
    }

    /// The result of a request that must succeed.
    pub fn ok(&mut self, method: &str, params: Value) -> Value {
        match self.request(method, params) {
            Ok(v) => v,
            Err(e) => panic!("{method} failed: {e:?}"),
        }
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        let n = Notification::new(method.into(), params);
        self.conn.sender.send(n.into()).unwrap();
    }

    pub fn open(&mut self, uri: &Url, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "stackc", "version": 1, "text": text}}),
        );
    }

    pub fn change(&mut self, uri: &Url, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// Waits for the diagnostics of `uri` at `version` (any version when
    /// `None`).
    pub fn diagnostics(&mut self, uri: &Url, version: Option<i32>) -> PublishDiagnosticsParams {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let found = self.notes.iter().position(|n| {
                n.method == "textDocument/publishDiagnostics"
                    && serde_json::from_value::<PublishDiagnosticsParams>(n.params.clone())
                        .is_ok_and(|p| &p.uri == uri && (version.is_none() || p.version == version))
            });
            if let Some(i) = found {
                let n = self.notes.remove(i);
                return serde_json::from_value(n.params).unwrap();
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.conn.receiver.recv_timeout(left) {
                Ok(Message::Notification(n)) => self.notes.push(n),
                Ok(other) => panic!("unexpected message {other:?}"),
                Err(e) => panic!("no diagnostics for {uri}: {e}"),
            }
        }
    }

    /// A position request at `(line, character)`.
    pub fn at(&mut self, method: &str, uri: &Url, line: u32, character: u32) -> Value {
        self.ok(
            method,
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )
    }

    /// Shuts the server down as a client does, and waits for it to stop.
    pub fn stop(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.is_ok());
        self.notify("exit", Value::Null);
        self.server.take().unwrap().join().unwrap();
    }
}

/// A copy of an example in a directory of its own, removed when dropped.
pub struct Example(pub PathBuf);

impl std::ops::Deref for Example {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh copy of an example of the repository in a directory of its own.
pub fn example(name: &str) -> Example {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name);
    let to = std::env::temp_dir().join(format!(
        "stackc-lsp-{name}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&to);
    copy(&from, &to);
    Example(to)
}

static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

/// The `(line, character)` of the first occurrence of `needle` in `text`,
/// plus `shift` characters (ASCII lines).
pub fn pos(text: &str, needle: &str, shift: usize) -> (u32, u32) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in text"))
        + shift;
    let before = &text[..at];
    let line = before.matches('\n').count();
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1);
    (line as u32, col as u32)
}
