//! How long an edit takes to reach the editor as diagnostics: the time from
//! a `didChange` of a generated 1,000-layer stack file (with its cookbooks
//! on disk, so that every recipe is looked up as in an editor) to the
//! `publishDiagnostics` of that version, through the server's JSON-RPC
//! messages on an in-memory connection. Also a burst of edits typed faster
//! than they are checked, a syntax error fixed while it is being checked,
//! and completion, hover and symbols on the same file.
//! Prints figures; asserts nothing.
//!
//! Run: `cargo bench -p stackc-lsp [-- --layers N --runs N]`

use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use lsp_types::{PublishDiagnosticsParams, Url};
use serde_json::{json, Value};

struct Client {
    conn: Connection,
    next: i32,
}

impl Client {
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = RequestId::from(self.next);
        let req = Request::new(id.clone(), method.into(), params);
        self.conn.sender.send(req.into()).unwrap();
        loop {
            match self.conn.receiver.recv().unwrap() {
                Message::Response(r) if r.id == id => return r.response_result.unwrap(),
                _ => {}
            }
        }
    }

    fn notify(&self, method: &str, params: Value) {
        let n = Notification::new(method.into(), params);
        self.conn.sender.send(n.into()).unwrap();
    }

    fn change(&self, uri: &Url, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]}),
        );
    }

    /// Waits for the diagnostics of `version`; how many there are.
    fn diagnostics(&self, version: i32) -> usize {
        loop {
            if let Message::Notification(n) = self.conn.receiver.recv().unwrap() {
                if n.method == "textDocument/publishDiagnostics" {
                    let p: PublishDiagnosticsParams = serde_json::from_value(n.params).unwrap();
                    if p.version == Some(version) {
                        return p.diagnostics.len();
                    }
                }
            }
        }
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let flag = stackc_core::generate::flag;
    let layers = flag("--layers", 1000);
    let runs = flag("--runs", 15);

    let dir = std::env::temp_dir().join(format!("stackc-lsp-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in stackc_core::generate::cookbook(layers) {
        let path = dir.join("cookbooks").join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let text = stackc_core::generate::stack(layers);
    let file = dir.join("stack.kdl");
    std::fs::write(&file, &text).unwrap();
    let uri = Url::from_file_path(&file).unwrap();

    // For reference: the core's checker alone on the same texts, which is
    // what `stackc check` spends on them.
    let core = |text: &str| {
        let mut times = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            std::hint::black_box(stackc_lsp::diagnostics::check(text, &dir));
            times.push(start.elapsed());
        }
        median(times)
    };
    let clean = core(&text);
    let broken = core(&text.replacen("volume \"/data\"", "volume \"/data", 1));
    let stray = core(&text.replacen("instance-type t3.small", "instance-type t3.small=", 1));

    let (server, conn) = Connection::memory();
    let server = thread::spawn(move || stackc_lsp::serve(&server).unwrap());
    let mut client = Client { conn, next: 0 };
    client.request(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {}}),
    );
    client.notify("initialized", json!({}));
    client.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "stackc", "version": 0, "text": text}}),
    );
    client.diagnostics(0);

    println!(
        "stackc lsp, {layers} layers ({} KiB), median of {runs} runs:",
        text.len() / 1024
    );
    let mut version = 0;
    // Each edit is a change of one layer's instance type or volume, as
    // typed: one clean, one with a checker error, two with a syntax error
    // (the fast reader refuses the file; stackc words a string left open,
    // kdl-rs the other, reading only the node the fast reader refused).
    let edits: [(&str, &dyn Fn(usize) -> String); 4] = [
        ("edit, file stays clean", &|i| {
            text.replacen(
                "instance-type t3.small",
                &format!("instance-type t3.{}", ["medium", "large"][i % 2]),
                1,
            )
        }),
        ("edit, an unknown instance type", &|i| {
            text.replacen(
                "instance-type t3.small",
                &format!("instance-type t3.smal{i}"),
                1,
            )
        }),
        ("edit, a syntax error (unclosed string)", &|i| {
            text.replacen("volume \"/data\"", &format!("volume \"/data{i}"), 1)
        }),
        ("edit, a syntax error (a stray `=`)", &|i| {
            text.replacen(
                "instance-type t3.small",
                &format!("instance-type t3.small{i}="),
                1,
            )
        }),
    ];
    for (what, edit) in edits {
        let mut times = Vec::new();
        let mut found = 0;
        for i in 0..runs {
            let edited = edit(i);
            version += 1;
            let start = Instant::now();
            client.change(&uri, version, &edited);
            found = client.diagnostics(version);
            times.push(start.elapsed());
        }
        let (lo, hi) = (*times.iter().min().unwrap(), *times.iter().max().unwrap());
        println!(
            "  didChange -> publishDiagnostics, {what}: {} (min {}, max {}; {found} diagnostics)",
            ms(median(times)),
            ms(lo),
            ms(hi)
        );
    }

    println!(
        "  for reference, the core's check alone: {} on the clean file, {} and {} with the syntax errors",
        ms(clean),
        ms(broken),
        ms(stray)
    );

    // A syntax error typed and closed again 50 ms later (an unclosed
    // string, then its quote): the fix's diagnostics need not wait for the
    // check of the broken text.
    let mut times = Vec::new();
    for i in 0..runs.min(8) {
        version += 1;
        client.change(
            &uri,
            version,
            &text.replacen("volume \"/data\"", "volume \"/dat", 1),
        );
        thread::sleep(Duration::from_millis(50));
        version += 1;
        let fixed = text.replacen("volume \"/data\"", &format!("volume \"/dat{i}\""), 1);
        let start = Instant::now();
        client.change(&uri, version, &fixed);
        client.diagnostics(version);
        times.push(start.elapsed());
    }
    println!(
        "  a syntax error fixed 50 ms later -> the fix's diagnostics: {}",
        ms(median(times))
    );

    // Ten edits sent as fast as they come: the checker coalesces them, so
    // the last one's diagnostics come about one check after it.
    let mut times = Vec::new();
    for _ in 0..runs.min(5) {
        let start = Instant::now();
        for k in 0..10 {
            version += 1;
            let edited = text.replacen(
                "retention=\"30d\"",
                &format!("retention=\"{}d\"", 30 + k),
                1,
            );
            client.change(&uri, version, &edited);
        }
        client.diagnostics(version);
        times.push(start.elapsed());
    }
    println!(
        "  10 edits in a burst -> the last one's diagnostics: {}",
        ms(median(times))
    );

    version += 1;
    client.change(&uri, version, &text);
    client.diagnostics(version);
    let at = |needle: &str, shift: usize| {
        let offset = text.rfind(needle).unwrap() + shift;
        let before = &text[..offset];
        let line = before.matches('\n').count();
        let col = offset - before.rfind('\n').map_or(0, |i| i + 1);
        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": col}})
    };
    for (what, method, params) in [
        (
            "completion of layer= (every layer)",
            "textDocument/completion",
            at("layer=l", 6),
        ),
        (
            "completion of a recipe",
            "textDocument/completion",
            at("setup site::", 6),
        ),
        (
            "hover on a layer type",
            "textDocument/hover",
            at("type=php-app", 6),
        ),
        (
            "document symbols",
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
        ),
    ] {
        let mut times = Vec::new();
        for _ in 0..runs {
            // A new version each time, so that nothing read is reused.
            version += 1;
            client.change(&uri, version, &text);
            let start = Instant::now();
            client.request(method, params.clone());
            times.push(start.elapsed());
        }
        println!("  {what}: {}", ms(median(times)));
    }

    client.request("shutdown", Value::Null);
    client.notify("exit", Value::Null);
    server.join().unwrap();
    let _ = std::fs::remove_dir_all(Path::new(&dir));
}
