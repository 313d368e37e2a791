//! Compile-time benchmark: generated stacks of 10 to 1,000 layers, each size
//! in its own process so peak RSS is that size's. Prints a table; asserts nothing.
//!
//! Each run does what `stackc build` does: parse and check the whole file
//! (keeping no resolved environment), drop the syntax tree, then for each
//! environment in turn read the cookbooks, resolve the environment alone
//! (parsing again), build it handing each artifact on (here: counting it) as
//! soon as it is made, and drop it.
//!
//! Run: `cargo bench -p stackc-core --features bench-support --bench compile`

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

// Every user recipe exists: the benchmark measures the compiler, not the disk.
use stackc_core::check::{self, AllExist, Options};
use stackc_core::emit::{self, bundle::CookbookFile};

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    // The system's realloc, as the CLI gets it (the default would allocate,
    // copy and free, which changes peak RSS).
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            if new_size >= layout.size() {
                let grow = new_size - layout.size();
                let now = CURRENT.fetch_add(grow, Ordering::Relaxed) + grow;
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        new
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Measures one size in this process and prints one table row.
fn measure(n: usize) {
    let src = stackc_core::generate::stack(n);
    let opts = Options {
        base_dir: Path::new("/bench"),
        files: &AllExist,
    };
    let runs = if n >= 1000 { 5 } else { 15 };
    // In memory, as `stackc build` reads them from disk for each environment.
    let cookbook = || -> Vec<CookbookFile> {
        stackc_core::generate::cookbook(n)
            .into_iter()
            .map(|(path, text)| CookbookFile {
                path,
                bytes: text.into_bytes(),
            })
            .collect()
    };
    let mut parse = Vec::new();
    let mut total = Vec::new();
    let mut built = Vec::new();
    let mut built_all = Vec::new();
    let mut envs = 0;
    let mut files = 0;
    let mut out_bytes = 0;
    PEAK.store(CURRENT.load(Ordering::Relaxed), Ordering::Relaxed);
    for _ in 0..runs {
        let t = Instant::now();
        let doc = stackc_core::syntax::parse(&src).expect("generated stack parses");
        parse.push(t.elapsed());
        let (outline, diags) = check::outline(&doc, &opts);
        // `check::outline_source`, which `stackc build` calls, drops the tree here.
        drop(doc);
        total.push(t.elapsed());
        assert!(
            !stackc_core::diag::has_errors(&diags),
            "generated stack has errors: {:?}",
            diags.first()
        );
        let outline = outline.expect("outline");
        envs = outline.environments.len();
        let t = Instant::now();
        for (i, name) in outline.environments.iter().enumerate() {
            let cookbook = cookbook();
            let env = check::environment_source(&src, &opts, name)
                .0
                .expect("environment");
            let (mut n, mut size) = (0, 0);
            emit::build_into(&env, &cookbook, emit::Format::Json, &mut |a| {
                n += 1;
                size += a.bytes.len();
            })
            .expect("generated stack builds");
            if i == 0 {
                built.push(t.elapsed());
                files = n;
                out_bytes = size;
            }
        }
        built_all.push(t.elapsed());
    }
    let heap = PEAK.load(Ordering::Relaxed);
    let rss = peak_rss_kib();
    // Counted after the measurements: reading the templates back is not
    // part of a build.
    let resources = count_resources(&src, &opts, &cookbook());
    println!(
        "{n:>6} layers {:>8.1} KiB source {envs} envs   parse {:>9.2?}   parse+check {:>9.2?}   build one env {:>9.2?} ({resources} resources, {files} files, {:.1} MiB; all envs {:>9.2?})   peak heap {:>7.1} MiB   peak RSS {:>7.1} MiB",
        src.len() as f64 / 1024.0,
        median(parse),
        median(total),
        median(built),
        out_bytes as f64 / (1024.0 * 1024.0),
        median(built_all),
        heap as f64 / (1024.0 * 1024.0),
        rss as f64 / 1024.0,
    );
}

/// Resources in the first environment's templates (root and nested).
fn count_resources(src: &str, opts: &Options, cookbook: &[CookbookFile]) -> usize {
    #[derive(serde::Deserialize)]
    struct Template {
        #[serde(rename = "Resources")]
        resources: std::collections::BTreeMap<String, serde::de::IgnoredAny>,
    }
    let (program, _) = check::check_source(src, opts);
    let mut resources = 0;
    emit::build_into(
        &program.expect("program").environments[0],
        cookbook,
        emit::Format::Json,
        &mut |a| {
            if a.path.starts_with("template.") || a.path.starts_with("layers/") {
                let t: Template = serde_json::from_slice(&a.bytes).expect("template JSON");
                resources += t.resources.len();
            }
        },
    )
    .expect("generated stack builds");
    resources
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--size") {
        let n = args
            .get(pos + 1)
            .and_then(|s| s.parse().ok())
            .expect("--size N");
        measure(n);
        return;
    }
    println!("stackc compile benchmark: parse, check and build (templates, node JSON, bundle) of every environment of generated stacks, as `stackc build` does; median of runs, each size in its own process");
    let exe = std::env::current_exe().expect("current exe");
    for n in [10, 30, 100, 1000] {
        let status = Command::new(&exe)
            .args(["--size", &n.to_string()])
            .status()
            .expect("run child");
        assert!(status.success(), "size {n} failed");
    }
}
