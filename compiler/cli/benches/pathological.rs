//! Pathological inputs benchmark: the `stackc` process a user runs, on stack
//! files with absurd numbers of things (properties on one node, layers, a
//! long comment, one after a line continuation, raw strings that never
//! close on their line, a long multi-line string),
//! for `check`, `build` and `fmt`. Prints a table (time, exit code, bytes
//! of output); asserts nothing. A run over `LIMIT` is stopped and shown as
//! such.
//!
//! Run: `cargo bench -p stackc --bench pathological`

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A run is stopped after this long, unless `--limit SECONDS` says otherwise.
const LIMIT: Duration = Duration::from_secs(120);

/// `n` properties on one layer node, on one line.
fn properties(n: usize) -> String {
    let mut s = String::from("stack many {\n    region us-east-1\n    layer box type=custom");
    for i in 0..n {
        let _ = write!(s, " p{i}=\"v\"");
    }
    s.push_str(" {\n        instance-type t3.micro\n    }\n}\n");
    s
}

/// `n` layers, one line each.
fn layers(n: usize) -> String {
    let mut s = String::from("stack many {\n    region us-east-1\n");
    for i in 0..n {
        let _ = writeln!(
            s,
            "    layer l{i} type=custom {{ instance-type t3.micro; }}"
        );
    }
    s.push_str("}\n");
    s
}

/// A comment of `10 n` characters in a small stack (kdl-rs reads a comment
/// at ~10 µs per character).
fn comment(n: usize) -> String {
    format!(
        "// {}\nstack many {{\n    region us-east-1\n    layer box type=custom {{\n        instance-type t3.micro\n    }}\n}}\n",
        "x".repeat(10 * n)
    )
}

/// A comment of `10 n` characters after a line continuation (which the
/// fast reader leaves to kdl-rs).
fn continued_comment(n: usize) -> String {
    format!(
        "stack many {{\n    region us-east-1\n    layer box \\ // {}\n        type=custom {{\n        instance-type t3.micro\n    }}\n}}\n",
        "x".repeat(10 * n)
    )
}

/// `n` raw strings opened on one line and never closed (kdl-rs reads each
/// to the end of the line).
fn raw_strings(n: usize) -> String {
    format!(
        "stack many {{\n    region us-east-1\n    layer box type=custom {}\n}}\n",
        "#\"x ".repeat(n)
    )
}

/// A multi-line string of `10 n` characters, on a node left out with `/-`.
fn multi_line(n: usize) -> String {
    format!(
        "stack many {{\n    region us-east-1\n    /-note \"\"\"\n    {}\n    \"\"\"\n    layer box type=custom {{\n        instance-type t3.micro\n    }}\n}}\n",
        "x".repeat(10 * n)
    )
}

/// Runs `stackc args` with stdout and stderr counted, not kept; the time,
/// the exit code (`None`: stopped) and the bytes of output.
fn time(args: &[&str], limit: Duration) -> (Duration, Option<i32>, usize) {
    let dir = std::env::temp_dir().join(format!("stackc-bench-out-{}", std::process::id()));
    let out = dir.join("stdout");
    let err = dir.join("stderr");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let t = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(std::fs::File::create(&out).expect("stdout file"))
        .stderr(std::fs::File::create(&err).expect("stderr file"))
        .stdin(Stdio::null())
        .spawn()
        .expect("run stackc");
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if t.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = t.elapsed();
    let bytes = [out, err]
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len() as usize))
        .sum();
    let _ = std::fs::remove_dir_all(&dir);
    (elapsed, code, bytes)
}

/// Writes a stack file of `n` of something.
type MakeStack = fn(usize) -> String;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let limit = args
        .iter()
        .position(|a| a == "--limit")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .map_or(LIMIT, Duration::from_secs);
    println!(
        "stackc pathological inputs: the release `stackc` process on absurd stack files; one run each, stopped after {limit:?}"
    );
    println!("| input | source | command | time | exit | output |");
    println!("|---|---:|---|---:|---:|---:|");
    let dir = std::env::temp_dir().join(format!("stackc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let cases: [(&str, MakeStack); 6] = [
        ("properties on one node", properties),
        ("layers", layers),
        ("comment characters / 10", comment),
        ("continued-comment characters / 10", continued_comment),
        ("raw strings never closed on one line", raw_strings),
        ("multi-line string characters / 10", multi_line),
    ];
    for (what, make) in cases {
        for n in [10_000, 100_000] {
            let file = dir.join(format!("{}-{n}.kdl", what.split(' ').next().unwrap_or("x")));
            let text = make(n);
            std::fs::write(&file, &text).expect("write the stack file");
            let file = file.display().to_string();
            let out = dir.join("out").display().to_string();
            for (name, args) in [
                ("check", vec!["check", &file]),
                ("build", vec!["build", &file, "--out", &out]),
                ("fmt", vec!["fmt", "--stdout", &file]),
            ] {
                let (elapsed, code, bytes) = time(&args, limit);
                let code = code.map_or("stopped".into(), |c| c.to_string());
                println!(
                    "| {n} {what} | {:.1} KiB | {name} | {elapsed:.2?} | {code} | {:.1} KiB |",
                    text.len() as f64 / 1024.0,
                    bytes as f64 / 1024.0
                );
                let _ = std::fs::remove_dir_all(Path::new(&out));
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
