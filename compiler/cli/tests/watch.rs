//! `stackc watch` end to end: the real CLI and AWS SDK against the local
//! AWS double (moto, started by ./scripts/test) through the logging proxy
//! of the instance-in-a-box tests, which records every call. A deployed
//! goldcar, the watch started on its web layer, one recipe saved: one
//! bundle published, one command sent, to one instance, naming that
//! recipe; Ctrl-C ends it with exit 0 and nothing more sent.

mod common;
use common::proxy::Proxy;
use common::watching::{deployed_goldcar, Watching};
use common::{copy_dir, repo, stackc, CincServer};

use std::process::Output;
use std::time::Duration;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The calls that change something, after the `from`th: S3 PUTs, SSM
/// PutParameter and SendCommand.
fn changes(proxy: &Proxy, from: usize) -> Vec<serde_json::Value> {
    proxy.calls()[from..]
        .iter()
        .filter(|c| {
            c["method"] == "PUT"
                || c["action"] == "PutParameter"
                || c["action"] == "SendCommand"
                || c["action"] == "CancelCommand"
        })
        .cloned()
        .collect()
}

#[test]
fn a_saved_recipe_publishes_one_bundle_and_runs_it_on_one_instance() {
    let (proxy, cinc, dir, web) = deployed_goldcar("watch", "ap-northeast-1");
    let mut watching = Watching::start(&proxy.endpoint, &cinc, &dir, &["--layer", "web"]);
    watching.wait_for("Ctrl-C stops", 0, Duration::from_secs(20));
    let said = watching.said();
    assert!(
        said.contains(&format!(
            "watching cookbooks and stack.kdl: each save runs on {} (layer web, the first online instance)",
            web.iter().min().unwrap()
        )),
        "{said}"
    );
    let before = proxy.calls().len();
    // The instance's Chef output, as its CloudWatch agent ships it to the
    // layer's log group (stream `<instance>/stackc-run`), and another web
    // instance's: moto runs no agent, so the lines are put there, stamped
    // a little ahead so that they count as the coming run's.
    let chosen = web.iter().min().unwrap();
    let other = web.iter().max().unwrap();
    ship_log_lines(
        "ap-northeast-1",
        "/stackc/goldcar-production/web/",
        &[
            (
                &format!("{chosen}/stackc-run"),
                "Recipe: goldcar::vhosts (from the log)",
            ),
            (&format!("{other}/stackc-run"), "another instance's run"),
        ],
    );

    // An editor's save: a swap file beside the recipe (ignored), then the
    // recipe itself.
    let recipes = dir.join("cookbooks/goldcar/recipes");
    std::fs::write(recipes.join(".vhosts.rb.swp"), "swap").unwrap();
    let vhosts = recipes.join("vhosts.rb");
    let mut text = std::fs::read_to_string(&vhosts).unwrap();
    text.push_str("\n# saved by the watch test\n");
    let from = watching.said().len();
    std::fs::write(&vhosts, text).unwrap();
    watching.wait_for(": Success, ", from, Duration::from_secs(30));
    // Nothing more goes out while it waits for the next save.
    std::thread::sleep(Duration::from_millis(800));
    let done = proxy.calls().len();
    let said = watching.said();
    assert!(
        said.contains("saved cookbooks/goldcar/recipes/vhosts.rb\n"),
        "{said}"
    );
    assert!(
        said.contains("recipes: goldcar::vhosts (the recipes saved)"),
        "{said}"
    );
    // The run's lines come from its instance's stream, no other's.
    assert!(
        said.contains("Recipe: goldcar::vhosts (from the log)\n"),
        "{said}"
    );
    assert!(!said.contains("another instance's run"), "{said}");

    let calls = changes(&proxy, before);
    let bundles: Vec<&serde_json::Value> = calls
        .iter()
        .filter(|c| c["method"] == "PUT" && c["action"].as_str().unwrap().ends_with(".tar.gz"))
        .collect();
    assert_eq!(bundles.len(), 1, "one bundle published: {calls:#?}");
    let pointer: Vec<&serde_json::Value> = calls
        .iter()
        .filter(|c| c["action"] == "PutParameter")
        .collect();
    assert_eq!(pointer.len(), 1, "{calls:#?}");
    assert_eq!(
        pointer[0]["params"]["Name"],
        "/stackc/goldcar-production/bundle"
    );
    let sent: Vec<&serde_json::Value> = calls
        .iter()
        .filter(|c| c["action"] == "SendCommand")
        .collect();
    assert_eq!(sent.len(), 1, "one command: {calls:#?}");
    let p = &sent[0]["params"];
    let ids = p["InstanceIds"].as_array().unwrap();
    assert_eq!(ids.len(), 1, "to one instance: {p}");
    let instance = ids[0].as_str().unwrap();
    assert!(
        web.iter().any(|w| w == instance),
        "{instance} is web's: {web:?}"
    );
    assert_eq!(p["Parameters"]["event"][0], "execute_recipes");
    assert_eq!(p["Parameters"]["recipes"][0], "goldcar::vhosts");
    assert_eq!(p["DocumentName"], "goldcar-production-run");
    assert_eq!(calls.len(), 3, "nothing else changed: {calls:#?}");

    let (code, said) = watching.interrupt();
    eprintln!("$ stackc watch --layer web\n{said}");
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("stopped watching"), "{said}");
    assert!(
        changes(&proxy, done).is_empty(),
        "nothing sent after the run: {:#?}",
        changes(&proxy, done)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Puts one line in each of these streams of the log group that starts
/// with `prefix` in moto (through boto3, which moto's server brings).
fn ship_log_lines(region: &str, prefix: &str, lines: &[(&str, &str)]) {
    let script = r#"
import json, sys, time, boto3
endpoint, region, prefix, lines = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
logs = boto3.client("logs", endpoint_url=endpoint, region_name=region,
                    aws_access_key_id="testing", aws_secret_access_key="testing")
groups = [g["logGroupName"] for g in logs.describe_log_groups(logGroupNamePrefix=prefix)["logGroups"]]
assert len(groups) == 1, groups
at = int(time.time() * 1000) + 10000
for stream, message in lines:
    logs.create_log_stream(logGroupName=groups[0], logStreamName=stream)
    logs.put_log_events(logGroupName=groups[0], logStreamName=stream,
                        logEvents=[{"timestamp": at, "message": message}])
"#;
    let o = std::process::Command::new("python3")
        .args([
            "-c",
            script,
            &common::watching::moto(),
            region,
            prefix,
            &serde_json::to_string(lines).unwrap(),
        ])
        .output()
        .expect("python3");
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn watch_refuses_what_it_cannot_run() {
    let dir = std::env::temp_dir().join(format!("stackc-watch-usage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&repo().join("examples/goldcar"), &dir);
    let cinc = CincServer::start();
    // Nothing is asked of AWS for a bad recipe name or a missing --layer.
    let o = stackc(
        "http://127.0.0.1:9",
        &cinc,
        &dir,
        &["watch", "--layer", "web", "--recipes", "a b"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("`a b` is not a recipe"),
        "{}",
        stderr(&o)
    );
    let o = stackc("http://127.0.0.1:9", &cinc, &dir, &["watch"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--layer"), "{}", stderr(&o));
    // A stack file with errors: its diagnostics, exit 1.
    std::fs::write(
        dir.join("stack.kdl"),
        "stack goldcar { layer web type=nosuch }\n",
    )
    .unwrap();
    let o = stackc(
        "http://127.0.0.1:9",
        &cinc,
        &dir,
        &["watch", "--layer", "web"],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("stackc::"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&dir);
}
