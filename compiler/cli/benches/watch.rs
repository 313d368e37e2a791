//! The recipe loop's latency: from a recipe saved to `stackc watch`
//! showing the end of its run, against the local AWS double (moto behind
//! the tests' logging proxy). Needs moto, as the CLI tests do:
//!
//!     STACKC_TEST_CMD='cargo bench -p stackc --bench watch' ./scripts/test
//!
//! Prints figures, asserts nothing. `-- --saves N` (default 10).

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use common::watching::{deployed_goldcar, Watching};

fn main() {
    let saves = stackc_core::generate::flag("--saves", 10);
    if std::env::var("STACKC_TEST_AWS_ENDPOINT").is_err() {
        eprintln!("the watch benchmark needs the local AWS double: STACKC_TEST_CMD='cargo bench -p stackc --bench watch' ./scripts/test");
        std::process::exit(2);
    }
    let (proxy, cinc, dir, _) = deployed_goldcar("watch-bench", "ap-south-1");
    let mut watching = Watching::start(&proxy.endpoint, &cinc, &dir, &["--layer", "web"]);
    watching.wait_for("Ctrl-C stops", 0, Duration::from_secs(30));
    let vhosts = dir.join("cookbooks/goldcar/recipes/vhosts.rb");
    let original = std::fs::read_to_string(&vhosts).unwrap();
    let (mut seen, mut shown) = (Vec::new(), Vec::new());
    for i in 0..saves {
        let from = watching.said().len();
        let saved = Instant::now();
        // Each save a new bundle, as an edit makes.
        std::fs::write(&vhosts, format!("{original}\n# save {i}\n")).unwrap();
        watching.wait_for("\nsaved ", from, Duration::from_secs(30));
        seen.push(saved.elapsed());
        watching.wait_for(": Success, ", from, Duration::from_secs(60));
        shown.push(saved.elapsed());
        // A pause between saves, as a person makes.
        std::thread::sleep(Duration::from_millis(300));
    }
    let (code, _) = watching.interrupt();
    println!(
        "stackc watch against the local AWS double (goldcar, layer web), {saves} saves of one recipe:"
    );
    for (what, times) in [
        (
            "save to the save noticed (debounce: 200 ms of quiet)",
            &mut seen,
        ),
        (
            "save to the run's end shown (check, build, publish, run, output)",
            &mut shown,
        ),
    ] {
        times.sort();
        println!(
            "  {what}: median {:.0} ms, min {:.0} ms, max {:.0} ms",
            ms(times[times.len() / 2]),
            ms(times[0]),
            ms(times[times.len() - 1])
        );
    }
    println!("  Ctrl-C: exit {code:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
