//! An instance in a box: one instance of a built example, played with the
//! real scripts and the real tools, and no real network.
//!
//! Each test builds a stack file with `stackc build`, takes the user data of
//! a layer's launch template and the Run Command document from the built
//! template, and hands them to `box/run.sh`, which runs in a mount and
//! network namespace of its own (`unshare -m -n`): an overlay over the
//! host's `/` (writes land in the test's directory, never on the host),
//! moto behind a logging proxy on 127.0.0.1, an IMDSv2 double on
//! 169.254.169.254. The user data runs under `bash` as cloud-init runs it,
//! then each Run Command as the SSM agent runs it (`sh`: dash on Ubuntu,
//! bash on Amazon Linux), with bash, dash, curl, jq, tar, sha256sum, flock,
//! apt-get, dpkg and the AWS CLI all real. Chef is the only stand-in
//! (`box/cinc-solo`, which records its runs and fails when told to): on
//! Ubuntu the bootstrap installs it from a real `cinc` .deb the test builds
//! and puts in the artifact bucket; Amazon Linux boxes play an image that
//! has Cinc already.
//!
//! Needs root and unshare, ip, chroot, losetup, mkfs.xfs, nvme, jq, curl,
//! dpkg-deb, moto_server and aws: `./scripts/test` installs them and puts
//! the tests' Python tools on PATH. Without them the tests fail, they do
//! not skip.
//!
//! The harness is in `instance/`: `harness.rs` (plans, playing a box, its
//! outcome), `case.rs` (building what a box plays) and `checks.rs` (what
//! every box asserts). Only top-level files under tests/ are test crates,
//! so those are modules of this one.

#[path = "instance/case.rs"]
mod case;
#[path = "instance/checks.rs"]
mod checks;
mod common;
#[path = "instance/harness.rs"]
mod harness;

use checks::{assert_boots, assert_fails_and_reports};
use harness::{dpkg_installed, mode, play, Fault, Plan, Source, DEPLOYMENT};
use serde_json::Value;

/// A small Ubuntu 22.04 stack: one static-web layer with an app and a
/// secret, nothing else.
const JAMMY: &str = r#"stack jammy {
    region us-east-2
    os ubuntu-22.04
    layer front type=static-web {
        instance-type t3.micro
        scaling { instances min=1 max=2 }
    }
    app site type=static layer=front {
        source git="https://github.com/example/site.git" revision=main
        site www.jammy.example
        secret API_TOKEN ssm="/jammy/api-token"
    }
}
"#;

/// JAMMY with its layer on the Chef Infra Client OpsWorks' Chef 12 stacks
/// ran.
const JAMMY_CHEF_12: &str = r#"stack jammy {
    region us-east-2
    os ubuntu-22.04
    layer front type=static-web {
        instance-type t3.micro
        chef client="chef" version="12.22.5"
        scaling { instances min=1 max=2 }
    }
    app site type=static layer=front {
        source git="https://github.com/example/site.git" revision=main
        site www.jammy.example
        secret API_TOKEN ssm="/jammy/api-token"
    }
}
"#;

#[test]
fn goldcar_web_boots_on_amazon_linux_and_runs_commands_under_bash() {
    let o = play(&Plan {
        name: "goldcar-web",
        source: Source::Example("goldcar"),
        env: "production",
        layer: "web",
        fault: Fault::None,
        commands: vec![
            ["configure", "", ""],
            ["deploy", "rentals", ""],
            ["execute_recipes", "", "goldcar::vhosts,php_app::configure"],
            // What `stackc run deploy` sends where the health checks fail.
            ["rollback", "rentals", ""],
        ],
        failing_recipe: None,
        one_kept: false,
        restart: false,
    });
    assert_boots(&o, "web", Some("rentals"));
    // The volume was made and mounted where the stack file says.
    let fstab = std::fs::read_to_string(o.upper("/etc/fstab")).unwrap();
    assert!(fstab.contains(" /srv xfs defaults,nofail 0 2"), "{fstab}");
    let mounts = std::fs::read_to_string(o.dir.join("state/mounts")).unwrap();
    assert!(mounts.lines().any(|l| l == "/srv xfs"), "{mounts}");
    let runs = o.cinc_runs();
    let r = o.report();
    for (i, (rc, out)) in o.commands.iter().enumerate() {
        assert_eq!(*rc, 0, "command {}: {out}\n{r}", i + 1);
    }
    assert_eq!(runs.len(), 6, "{r}");
    assert_eq!(runs[2].0["opsworks"]["activity"], "configure");
    assert_eq!(runs[2].1, o.bundle_run_list("web", "configure"));
    assert_eq!(runs[3].0["opsworks"]["activity"], "deploy");
    assert_eq!(runs[3].1, o.bundle_run_list("web", "deploy"));
    let apps: Vec<&String> = runs[3].0["deploy"].as_object().unwrap().keys().collect();
    assert_eq!(apps, ["rentals"]);
    assert_eq!(
        runs[4].1,
        "recipe[goldcar::vhosts],recipe[php_app::configure]"
    );
    // The rollback of the app: its run list, the app in the node JSON.
    assert_eq!(runs[5].0["opsworks"]["activity"], "rollback");
    assert_eq!(runs[5].1, o.bundle_run_list("web", "rollback"));
    assert!(
        runs[5].1.contains("recipe[stackc_deploy::rollback]"),
        "{}",
        runs[5].1
    );
    let apps: Vec<&String> = runs[5].0["deploy"].as_object().unwrap().keys().collect();
    assert_eq!(apps, ["rentals"]);
    // Each Run Command's id is its deployment id, as OpsWorks' was.
    for (i, (node, _)) in runs[2..].iter().enumerate() {
        let id = format!("b0c5e000-0000-4000-8000-{:012}", i + 1);
        assert_eq!(node["opsworks"]["deployment"], id.as_str());
    }
    let last = o.state["tags"]["stackc:last-run"].as_str().unwrap();
    assert!(last.starts_with("rollback succeeded "), "{last}");
}

#[test]
fn shop_api_boots_on_ubuntu_24_04_and_runs_commands_under_dash() {
    let o = play(&Plan {
        name: "shop-api",
        source: Source::Example("shop"),
        env: "production",
        layer: "api",
        fault: Fault::None,
        commands: vec![
            ["configure", "", ""],
            ["deploy", "api", ""],
            ["update_cookbooks", "", ""],
            ["execute_recipes", "", "shop::box_failure"],
        ],
        failing_recipe: Some("shop::box_failure"),
        one_kept: false,
        restart: false,
    });
    assert_boots(&o, "api", Some("api"));
    let r = o.report();
    for (i, (rc, out)) in o.commands[..3].iter().enumerate() {
        assert_eq!(*rc, 0, "command {}: {out}\n{r}", i + 1);
    }
    let runs = o.cinc_runs();
    assert_eq!(runs.len(), 5, "update_cookbooks runs no recipe\n{r}");
    assert_eq!(runs[2].1, o.bundle_run_list("api", "configure"));
    assert_eq!(runs[3].1, o.bundle_run_list("api", "deploy"));
    assert_eq!(runs[4].1, "recipe[shop::box_failure]");

    // A failed Run Command fails with Chef's code and tells the topic.
    let (rc, out) = &o.commands[3];
    assert_eq!(*rc, 1, "{out}\n{r}");
    assert!(
        out.contains("stackc-run: execute_recipes failed with exit code 1"),
        "{out}"
    );
    let notes = o.state["notifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{r}");
    assert_eq!(
        notes[0]["subject"],
        format!(
            "stackc shop-production: execute_recipes failed on {} (api)",
            o.instance_id
        )
    );
    let message = notes[0]["message"].as_str().unwrap();
    for needle in [
        "The execute_recipes (recipes shop::box_failure) run on instance",
        "-execute_recipes.log",
        &format!("log group /stackc/shop-production/api/{DEPLOYMENT}, stream"),
        "aws ssm start-session --target",
    ] {
        assert!(message.contains(needle), "{needle} not in {message}");
    }
    let last = o.state["tags"]["stackc:last-run"].as_str().unwrap();
    assert!(last.starts_with("execute_recipes failed "), "{last}");
    let secrets = std::fs::read_to_string(o.upper("/etc/stackc/secrets/api.json")).unwrap();
    let secrets: Value = serde_json::from_str(&secrets).unwrap();
    assert_eq!(secrets.as_object().unwrap().len(), 2, "{secrets}");
}

#[test]
fn a_small_stack_boots_on_ubuntu_22_04() {
    let o = play(&Plan {
        name: "jammy-front",
        source: Source::Text(JAMMY),
        env: "production",
        layer: "front",
        fault: Fault::None,
        commands: vec![["deploy", "site", ""]],
        failing_recipe: None,
        one_kept: false,
        restart: false,
    });
    assert_boots(&o, "front", Some("site"));
    assert_eq!(o.commands[0].0, 0, "{}", o.report());
    let last = o.state["tags"]["stackc:last-run"].as_str().unwrap();
    assert!(last.starts_with("deploy succeeded "), "{last}");
}

#[test]
fn a_layer_on_chef_12_installs_chef_infra_client_and_runs_it_in_local_mode() {
    let o = play(&Plan {
        name: "jammy-chef-12",
        source: Source::Text(JAMMY_CHEF_12),
        env: "production",
        layer: "front",
        fault: Fault::None,
        commands: vec![["deploy", "site", ""], ["configure", "", ""]],
        failing_recipe: None,
        one_kept: false,
        restart: false,
    });
    let r = o.report();
    assert_eq!(o.client, "chef", "{r}");
    // The chef package from the bucket, checked and installed (assert_boots
    // checks the download, dpkg and /usr/bin/chef-client, and that every
    // run is `chef-client --local-mode`).
    assert_boots(&o, "front", Some("site"));
    for (i, (rc, out)) in o.commands.iter().enumerate() {
        assert_eq!(*rc, 0, "command {}: {out}\n{r}", i + 1);
    }
    let commands = o.chef_commands();
    assert_eq!(commands.len(), 4, "setup, deploy, deploy, configure\n{r}");
    assert!(
        commands.iter().all(|c| c
            .starts_with("chef-client --local-mode --no-fork -c /var/lib/stackc/runs/run.")
            && c.contains("/solo.rb -j /var/lib/stackc/runs/run.")
            && c.contains("/node.json -o ")),
        "{commands:?}"
    );
    assert!(!o.upper("/usr/bin/cinc-solo").exists(), "{r}");
    assert!(!dpkg_installed(&o, "cinc"), "{r}");
    let env = std::fs::read_to_string(o.upper("/etc/stackc/instance.env")).unwrap();
    assert!(
        env.contains("STACKC_CHEF_CLIENT=chef\nSTACKC_CHEF_VERSION=12.22.5\n"),
        "{env}"
    );
    // The run's config, as the recorder kept it (the run directory is gone).
    let solo = std::fs::read_to_string(o.upper("/var/lib/box-cinc/001.config")).unwrap();
    assert!(
        solo.contains("chef_repo_path '/var/lib/stackc/chef-repo'"),
        "{solo}"
    );
}

#[test]
fn a_chef_12_package_with_another_sha256_is_refused_and_reported() {
    let o = play(&Plan {
        name: "chef-sha-mismatch",
        source: Source::Text(JAMMY_CHEF_12),
        env: "production",
        layer: "front",
        fault: Fault::CincShaMismatch,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
        restart: false,
    });
    let r = o.report();
    let (sha, _) = o.cinc.clone().unwrap();
    assert!(
        o.user_data_out
            .contains("the Chef Infra Client package s3://")
            && o.user_data_out.contains(&format!(
                "does not have the sha256 the lock file pins ({sha})"
            )),
        "{r}"
    );
    assert!(!dpkg_installed(&o, "chef"), "{r}");
    assert!(!o.upper("/opt/chef").exists(), "{r}");
    assert!(o.cinc_runs().is_empty(), "{r}");
    assert_fails_and_reports(
        &o,
        "front",
        "installing Chef Infra Client 12.22.5 from s3://",
    );
}

#[test]
fn a_missing_bundle_pointer_is_reported_once() {
    let o = play(&Plan {
        name: "missing-pointer",
        source: Source::Example("shop"),
        env: "staging",
        layer: "api",
        fault: Fault::PointerMissing,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
        restart: false,
    });
    let get = o.calls("ssm", "GetParameter");
    assert_eq!(get.len(), 1, "{}", o.report());
    assert_eq!(get[0]["status"], 400);
    assert!(o.cinc_runs().is_empty());
    assert_fails_and_reports(
        &o,
        "api",
        "reading the bundle pointer /stackc/shop-staging/bundle",
    );
}

#[test]
fn a_missing_bundle_is_reported_at_once() {
    let o = play(&Plan {
        name: "missing-bundle",
        source: Source::Example("goldcar"),
        env: "production",
        layer: "reports",
        fault: Fault::BundleMissing,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
        restart: false,
    });
    let get: Vec<&Value> = o
        .calls
        .iter()
        .filter(|c| c["service"] == "s3" && c["path"].as_str().unwrap().contains(&o.sha256))
        .collect();
    assert!(get.iter().all(|c| c["status"] == 404), "{}", o.report());
    assert!(o.cinc_runs().is_empty());
    assert_fails_and_reports(&o, "reports", "bundle");
}

#[test]
fn a_bundle_the_role_may_not_read_is_reported_at_once() {
    let o = play(&Plan {
        name: "forbidden-bundle",
        source: Source::Example("shop"),
        env: "production",
        layer: "storefront",
        fault: Fault::BundleForbidden,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
        restart: false,
    });
    let get: Vec<&Value> = o
        .calls
        .iter()
        .filter(|c| c["service"] == "s3" && c["path"].as_str().unwrap().contains(&o.sha256))
        .collect();
    assert!(
        !get.is_empty() && get.iter().all(|c| c["status"] == 403),
        "{}",
        o.report()
    );
    assert!(o.cinc_runs().is_empty());
    assert_fails_and_reports(&o, "storefront", "bundle");
}

#[test]
fn a_bundle_with_another_sha256_is_refused_and_reported() {
    let o = play(&Plan {
        name: "sha-mismatch",
        source: Source::Example("goldcar"),
        env: "production",
        layer: "reports",
        fault: Fault::ShaMismatch,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
        restart: false,
    });
    assert!(o.cinc_runs().is_empty(), "{}", o.report());
    assert!(!o.upper("/var/lib/stackc/current").exists());
    assert!(!o.upper("/usr/local/bin/stackc-run").exists());
    assert_fails_and_reports(&o, "reports", "sha256");
}

#[test]
fn a_cinc_package_with_another_sha256_is_refused_and_reported() {
    let o = play(&Plan {
        name: "cinc-sha-mismatch",
        source: Source::Text(JAMMY),
        env: "production",
        layer: "front",
        fault: Fault::CincShaMismatch,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
        restart: false,
    });
    let r = o.report();
    let (sha, key) = o.cinc.clone().unwrap();
    let fetched = o
        .calls
        .iter()
        .filter(|c| {
            c["service"] == "s3"
                && c["method"] == "GET"
                && c["path"].as_str().unwrap().ends_with(&key)
        })
        .count();
    assert_eq!(fetched, 1, "{r}");
    assert!(
        o.user_data_out.contains(&format!(
            "does not have the sha256 the lock file pins ({sha})"
        )),
        "{r}"
    );
    // Refused before dpkg: nothing installed, no Chef run.
    assert!(!dpkg_installed(&o, "cinc"), "{r}");
    assert!(!o.upper("/opt/cinc").exists(), "{r}");
    assert!(o.cinc_runs().is_empty(), "{r}");
    assert_fails_and_reports(&o, "front", "installing Cinc 18.6.2 from s3://");
}

#[test]
fn a_missing_secret_parameter_is_reported_at_once() {
    let o = play(&Plan {
        name: "missing-secret",
        source: Source::Example("shop"),
        env: "production",
        layer: "api",
        fault: Fault::SecretMissing,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
        restart: false,
    });
    assert!(
        o.cinc_runs().is_empty(),
        "Chef must not run without its secrets\n{}",
        o.report()
    );
    assert_fails_and_reports(&o, "api", "/shop/prod/db-password");
}

#[test]
fn a_failing_setup_recipe_is_reported_at_once() {
    let o = play(&Plan {
        name: "failing-recipe",
        source: Source::Example("goldcar"),
        env: "production",
        layer: "reports",
        fault: Fault::SetupRecipeFails,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
        restart: false,
    });
    let runs = o.cinc_runs();
    assert_eq!(
        runs.len(),
        1,
        "deploy must not run after a failed setup\n{}",
        o.report()
    );
    assert_eq!(runs[0].0["opsworks"]["activity"], "setup");
    assert_fails_and_reports(&o, "reports", "stackc-run setup");
}

#[test]
fn a_second_failed_setup_while_one_is_kept_stops_the_group_launching() {
    let o = play(&Plan {
        name: "second-failure",
        source: Source::Example("goldcar"),
        env: "test",
        layer: "reports",
        fault: Fault::SetupRecipeFails,
        commands: vec![],
        failing_recipe: None,
        one_kept: true,
        restart: false,
    });
    assert!(o.kept_before.is_some());
    assert_fails_and_reports(&o, "reports", "stackc-run setup");
}

#[test]
fn an_unreachable_package_mirror_fails_fast_and_is_reported() {
    let o = play(&Plan {
        name: "no-mirror",
        source: Source::Text(JAMMY),
        env: "production",
        layer: "front",
        fault: Fault::MirrorUnreachable,
        commands: vec![],
        failing_recipe: None,
        one_kept: false,
        restart: false,
    });
    // apt-get tried the mirror and gave up on its own timeout.
    assert!(
        o.user_data_out.contains("stackc: installing jq"),
        "{}",
        o.report()
    );
    assert!(
        o.user_data_out.contains("connection timed out"),
        "{}",
        o.report()
    );
    // Hidden by an overlay whiteout, and not installed since.
    assert!(!o.upper("/usr/bin/jq").is_file());
    assert!(o.cinc_runs().is_empty());
    assert_fails_and_reports(&o, "front", "jq");
}

/// OpsWorks stopped time-based instances instead of terminating them, and
/// ran setup whenever one started. goldcar's test environment has working
/// hours, so its web group keeps a warm pool: an instance launches into the
/// pool (set up, then stopped by Auto Scaling), and a scale-out starts it
/// again, when the stackc-boot unit sets it up again with its disks as they
/// were. Played as Auto Scaling and systemd do it: IMDS tells the target
/// lifecycle state, the box unmounts the volume and empties /run and /tmp,
/// then mounts /etc/fstab's volumes and runs the unit's ExecStart.
#[test]
fn a_warm_pool_instance_is_set_up_stopped_and_set_up_again_when_it_starts() {
    let o = play(&Plan {
        name: "goldcar-test-warm",
        source: Source::Example("goldcar"),
        env: "test",
        layer: "web",
        fault: Fault::None,
        commands: vec![["configure", "", ""]],
        failing_recipe: None,
        one_kept: false,
        restart: true,
    });
    let r = o.report();
    checks::common_checks(&o);
    assert_eq!(o.user_data_rc, 0, "{r}");
    assert!(
        o.user_data_out
            .contains("stackc: on the way to Warmed:Stopped"),
        "{r}"
    );
    let restart = o.restart.as_ref().unwrap();
    assert_eq!(restart.rc, 0, "{r}");
    assert!(
        restart
            .out
            .contains("stackc: restarted; on the way to InService"),
        "{r}"
    );
    assert_eq!(mode(&o.upper("/var/lib/stackc/boot.sh")), 0o700);

    // Setup and deploy at each boot, with the bundle's run lists; then the
    // Run Command.
    let runs = o.cinc_runs();
    let events: Vec<&str> = runs
        .iter()
        .map(|(node, _)| node["opsworks"]["activity"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        ["setup", "deploy", "setup", "deploy", "configure"],
        "{r}"
    );
    assert_eq!(runs[2].1, o.bundle_run_list("web", "setup"));
    assert_eq!(o.commands[0].0, 0, "{r}");
    // OpsWorks' deployment id is the Run Command's id; boots have none.
    assert_eq!(
        runs[4].0["opsworks"]["deployment"],
        "b0c5e000-0000-4000-8000-000000000001"
    );
    assert!(runs[..4]
        .iter()
        .all(|(node, _)| node["opsworks"]["deployment"].is_null()));

    // The volume was mounted again from /etc/fstab, not formatted: what was
    // written on it before the stop is still there.
    assert_eq!(restart.marked, ["/srv"], "{r}");
    assert_eq!(restart.marks_kept, restart.marked, "{r}");
    let fstab = std::fs::read_to_string(o.upper("/etc/fstab")).unwrap();
    assert_eq!(fstab.matches(" /srv xfs ").count(), 1, "{fstab}");

    // Each boot completed the launch hook that held it (Warmed:Pending:Wait,
    // then Pending:Wait) and fetched the bundle the pointer names; neither
    // signalled CloudFormation (a rolling update waits for new instances in
    // service only).
    let completions: Vec<(usize, &Value)> = o
        .calls
        .iter()
        .enumerate()
        .filter(|(_, c)| c["service"] == "autoscaling" && c["action"] == "CompleteLifecycleAction")
        .collect();
    assert_eq!(completions.len(), 2, "{r}");
    assert!(completions[0].0 < restart.calls_before, "{r}");
    assert!(completions[1].0 >= restart.calls_before, "{r}");
    for (_, c) in &completions {
        assert_eq!(c["params"]["LifecycleActionResult"], "CONTINUE", "{r}");
        assert_eq!(c["status"], 200, "{r}");
    }
    assert!(
        o.calls("cloudformation", "SignalResource").is_empty(),
        "{r}"
    );
    assert_eq!(o.bundle_downloads().len(), 2, "{r}");
}
