//! `stackc-fuzz`: the standing fuzz run over check, fmt and build.
//!
//! ```text
//! cargo run --release -p stackc-tests --bin stackc-fuzz -- --count 1000000
//! cargo run --release -p stackc-tests --bin stackc-fuzz -- --seed 42 --start 1234 --count 1
//! cargo run --release -p stackc-tests --bin stackc-fuzz -- --replay fuzz-findings/panic-42-1234.kdl
//! ```
//!
//! Prints the seed, progress, every panicking or slow input (over the limit
//! in process CPU time, which a shared machine does not stretch; saved under
//! `--out`, default `fuzz-findings/`), and the figures; exits 1 when it found
//! any.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use stackc_tests::fuzz::{exercise, Corpus, Run, Summary};

struct Args {
    seed: u64,
    start: u64,
    count: u64,
    slow: Duration,
    out: PathBuf,
    replay: Option<PathBuf>,
}

const USAGE: &str = "usage: stackc-fuzz [--seed N] [--start N] [--count N] [--slow-ms N] [--out DIR] | --replay FILE";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64),
        start: 0,
        count: 10_000,
        slow: Duration::from_secs(2),
        out: PathBuf::from("fuzz-findings"),
        replay: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        let number = |v: String| v.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--seed" => args.seed = number(value()?)?,
            "--start" => args.start = number(value()?)?,
            "--count" => args.count = number(value()?)?,
            "--slow-ms" => args.slow = Duration::from_millis(number(value()?)?),
            "--out" => args.out = PathBuf::from(value()?),
            "--replay" => args.replay = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown argument `{flag}`")),
        }
    }
    Ok(args)
}

fn main() {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Some(file) = &args.replay {
        let bytes = std::fs::read(file).unwrap_or_else(|e| {
            eprintln!("error: cannot read {}: {e}", file.display());
            std::process::exit(2);
        });
        let t = Instant::now();
        let cpu = stackc_tests::fuzz::process_cpu_time();
        exercise(&bytes);
        println!(
            "{}: {} bytes, {:.3?} CPU, {:.3?} wall",
            file.display(),
            bytes.len(),
            stackc_tests::fuzz::process_cpu_time().saturating_sub(cpu),
            t.elapsed()
        );
        return;
    }
    let root = stackc_tests::repo_root();
    let corpus = Corpus::load(&root).unwrap_or_else(|e| {
        eprintln!("error: cannot read the corpus: {e}");
        std::process::exit(2);
    });
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!("error: cannot create {}: {e}", args.out.display());
        std::process::exit(2);
    }
    println!(
        "stackc-fuzz: seed {} inputs {}..{} corpus {} files; findings in {}",
        args.seed,
        args.start,
        args.start + args.count,
        corpus.files.len(),
        args.out.display()
    );
    let run = Run {
        corpus: &corpus,
        seed: args.seed,
        start: args.start,
        count: args.count,
        slow: args.slow,
        save_dir: Some(args.out.clone()),
    };
    let began = Instant::now();
    let mut reported = 0;
    let summary = run.go(&mut |s: &Summary| {
        for f in &s.findings[reported..] {
            let what = f.panic.as_deref().unwrap_or("slow");
            println!(
                "FINDING input {} ({:.3?} CPU, {:.3?} wall): {what}; saved to {}",
                f.index,
                f.time,
                f.wall,
                f.saved
                    .as_ref()
                    .map_or("(not saved)".into(), |p| p.display().to_string())
            );
        }
        reported = s.findings.len();
        if s.inputs.is_multiple_of(10_000) {
            println!(
                "{} inputs, {:.0?}, max {:.3?} CPU, {:.3?} wall",
                s.inputs,
                began.elapsed(),
                s.max,
                s.max_wall
            );
        }
    });
    let _ = std::fs::remove_file(args.out.join("current.kdl"));
    println!(
        "done: seed {} inputs {} ({:.1} MiB) in {:.1?}; CPU per input mean {:.3?} max {:.3?} (input {}); max wall {:.3?}; panics {}; over {:?} CPU: {}",
        args.seed,
        summary.inputs,
        summary.bytes as f64 / (1024.0 * 1024.0),
        began.elapsed(),
        summary.total / summary.inputs.max(1) as u32,
        summary.max,
        summary.max_index,
        summary.max_wall,
        summary.panics(),
        args.slow,
        summary.slow()
    );
    if !summary.findings.is_empty() {
        std::process::exit(1);
    }
}
