//! `stackc build` against `cdk synth` of the same stack: the processes a
//! user runs, on the generated stacks of `stackc_core::generate` (per layer a
//! volume, recipes, load and time scaling, logs, an alarm, an app; a test
//! environment on working hours). The CDK app (benches/cdk/app.js) makes the
//! same resources per environment with aws-cdk-lib; its packages, pinned in
//! benches/cdk/package.json, are installed with npm into
//! ~/.cache/stackc/cdk-bench-<hash> on the first run (that needs the npm
//! registry; without node and npm the CDK column says so).
//!
//! Prints, per number of layers, the median wall time of each process (a
//! rebuild over the previous output, as after an edit, for both; and
//! stackc's first build into a new directory), the resources each wrote
//! (outside nested-stack resources), and the ratio; asserts nothing.
//!
//! Run: `cargo bench -p stackc --no-default-features --bench synth [-- --runs N --cdk-runs M]`
//!
//! `-- --write N DIR` only writes the generated stack of N layers (stack.kdl
//! and its cookbooks) into DIR, to time or profile one build by hand.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CDK_PACKAGE: &str = include_str!("cdk/package.json");
const CDK_APP: &str = include_str!("cdk/app.js");
const CDK_JSON: &str = include_str!("cdk/cdk.json");

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = stackc_core::generate::flag;
    if let Some(i) = args.iter().position(|a| a == "--write") {
        let n = flag("--write", 30);
        let dir = args.get(i + 2).expect("--write N DIR");
        write_stack(Path::new(dir), n);
        return;
    }
    let runs = flag("--runs", 15);
    let cdk_runs = flag("--cdk-runs", 3);
    let work = std::env::temp_dir().join(format!("stackc-synth-bench-{}", std::process::id()));
    let cdk = match cdk_project() {
        Ok(dir) => Some(dir),
        Err(why) => {
            println!("cdk synth: not run ({why})");
            None
        }
    };
    println!(
        "| layers | stackc build: rebuild | first build | resources | cdk synth | resources | cdk synth / stackc rebuild |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for n in [10, 30, 100, 1000] {
        let dir = work.join(format!("l{n}"));
        write_stack(&dir, n);
        let build = |out: &Path| {
            let status = Command::new(env!("CARGO_BIN_EXE_stackc"))
                .arg("build")
                .arg(dir.join("stack.kdl"))
                .arg("--out")
                .arg(out)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("stackc runs");
            assert!(status.success(), "stackc build failed on {n} layers");
        };
        // A rebuild, as after an edit: `out/` holds the previous build
        // (made once first, untimed).
        let out = dir.join("out");
        build(&out);
        let rebuild = median(runs, || build(&out));
        let stackc_resources = resources(&out);
        // A first build, into a directory that does not exist yet; the
        // directories are removed after the runs, not between them.
        let mut fresh = 0;
        let first = median(runs, || {
            fresh += 1;
            build(&dir.join(format!("first-{fresh}")));
        });
        for i in 1..=fresh {
            let _ = std::fs::remove_dir_all(dir.join(format!("first-{i}")));
        }
        // The CDK app has one template per environment, capped at 500
        // resources: past that it would need nested stacks of its own.
        let cdk_cell = match (&cdk, n <= 30) {
            (Some(project), true) => {
                let cdk_out = dir.join("cdk.out");
                synth(project, n, &cdk_out);
                let time = median(cdk_runs, || synth(project, n, &cdk_out));
                Some((time, resources(&cdk_out)))
            }
            _ => None,
        };
        match cdk_cell {
            Some((time, count)) => println!(
                "| {n} | {} | {} | {stackc_resources} | {} | {count} | {:.0}× |",
                show(rebuild),
                show(first),
                show(time),
                time.as_secs_f64() / rebuild.as_secs_f64()
            ),
            None => println!(
                "| {n} | {} | {} | {stackc_resources} | — | — | — |",
                show(rebuild),
                show(first)
            ),
        }
    }
    let _ = std::fs::remove_dir_all(&work);
}

/// The generated stack and its cookbook, in `dir`.
fn write_stack(dir: &Path, n: usize) {
    std::fs::create_dir_all(dir.join("cookbooks")).expect("a work directory");
    std::fs::write(dir.join("stack.kdl"), stackc_core::generate::stack(n)).expect("stack.kdl");
    for (path, text) in stackc_core::generate::cookbook(n) {
        let path = dir.join("cookbooks").join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("cookbook directory");
        std::fs::write(path, text).expect("cookbook file");
    }
}

/// The CDK project: its packages installed once per version of package.json.
fn cdk_project() -> Result<PathBuf, String> {
    for tool in ["node", "npm", "npx"] {
        let found = Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !found {
            return Err(format!("{tool} is not installed"));
        }
    }
    let hash = CDK_PACKAGE.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let home = std::env::var_os("HOME").ok_or("HOME is not set")?;
    let dir = PathBuf::from(home).join(format!(".cache/stackc/cdk-bench-{hash:016x}"));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("app.js"), CDK_APP).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("cdk.json"), CDK_JSON).map_err(|e| e.to_string())?;
    if !dir.join("node_modules/aws-cdk-lib").is_dir() {
        std::fs::write(dir.join("package.json"), CDK_PACKAGE).map_err(|e| e.to_string())?;
        eprintln!("installing the CDK into {} ...", dir.display());
        let status = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("npm install failed in {}", dir.display()));
        }
    }
    Ok(dir)
}

/// One `cdk synth` of `n` layers into `out`, as a user runs it.
fn synth(project: &Path, n: usize, out: &Path) {
    let output = Command::new("npx")
        .args(["cdk", "synth", "--quiet", "--no-notices", "-o"])
        .arg(out)
        .current_dir(project)
        .env("LAYERS", n.to_string())
        .env("CDK_DISABLE_VERSION_CHECK", "1")
        .output()
        .expect("npx runs");
    assert!(
        output.status.success(),
        "cdk synth failed on {n} layers:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The resources of the templates under `dir`, nested stacks not counted.
fn resources(dir: &Path) -> usize {
    let mut count = 0;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            count += resources(&path);
            continue;
        }
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
            continue;
        };
        if let Some(map) = json.get("Resources").and_then(|r| r.as_object()) {
            count += map
                .values()
                .filter(|r| r["Type"] != "AWS::CloudFormation::Stack")
                .count();
        }
    }
    count
}

/// The median wall time of `runs` runs of `f`.
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn show(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.2} s", d.as_secs_f64())
    } else {
        format!("{:.0} ms", d.as_secs_f64() * 1000.0)
    }
}
