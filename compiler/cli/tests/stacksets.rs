//! An environment with `targets` deployed as one StackSet to the local AWS
//! double (moto, started by ./scripts/test), through the logging proxy:
//! bootstrap makes a bucket per target region, deploy creates the StackSet
//! and an instance per account and region, a redeploy with nothing
//! changed starts no operation, a removed target's instance is deleted,
//! and `--target` narrows diff, status and destroy. moto runs every
//! operation to SUCCEEDED at once; failures are tested with fakes
//! (compiler/deploy/tests/stacksets.rs).

mod common;
use common::proxy::Proxy;
use common::watching::moto;
use common::{copy_dir, repo, require, stackc, CincServer};

use std::process::Output;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The StackSet calls the proxy saw since `from`.
fn actions(proxy: &Proxy, from: usize) -> Vec<String> {
    proxy.calls()[from..]
        .iter()
        .filter_map(|c| c["action"].as_str().map(str::to_string))
        .filter(|a| a.contains("StackSet") || a.contains("StackInstances"))
        .collect()
}

/// moto's account: self-managed instances there are stacks moto can
/// create (their nested templates are in that account's buckets).
const ACCOUNT: &str = "123456789012";

fn stack_file(targets: &str) -> String {
    let text = std::fs::read_to_string(repo().join("examples/multi-region/stack.kdl")).unwrap();
    let start = text.find("    environment production {").unwrap();
    let end = text.rfind("}\n").unwrap();
    format!(
        "{}    environment production {{\n        targets {{\n{targets}        }}\n    }}\n{}",
        &text[..start],
        &text[end..]
    )
}

#[test]

fn a_targeted_environment_deploys_as_one_stackset() {
    require(&["python3"]);
    let moto = moto();
    let cinc = CincServer::start();
    let dir = std::env::temp_dir().join(format!("stackc-stacksets-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(&repo().join("examples/multi-region"), &dir);
    let two = format!("            account \"{ACCOUNT}\" regions=\"us-east-1 eu-west-1\"\n");
    std::fs::write(dir.join("stack.kdl"), stack_file(&two)).unwrap();
    let proxy = Proxy::start(&moto, &dir);
    let run = |args: &[&str]| stackc(&proxy.endpoint, &cinc, &dir, args);

    // Bootstrap: the administering region's bucket and one per target region.
    for args in [&["bootstrap", "--yes"][..], &["lock"]] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }

    // The plan before anything is deployed.
    let o = run(&["diff"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let said = stderr(&o);
    assert!(
        said.contains("StackSet relay-production (self-managed), 2 targets"),
        "{said}"
    );
    assert!(
        said.contains(&format!("+ {ACCOUNT}/us-east-1: create")),
        "{said}"
    );

    // Deploy: the StackSet, then one CreateStackInstances per region.
    let before = proxy.calls().len();
    let o = run(&["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let acts = actions(&proxy, before);
    assert!(acts.contains(&"CreateStackSet".to_string()), "{acts:?}");
    assert_eq!(
        acts.iter().filter(|a| *a == "CreateStackInstances").count(),
        2,
        "{acts:?}"
    );
    let said = stderr(&o);
    assert!(
        said.contains(&format!("{ACCOUNT}/eu-west-1: SUCCEEDED")),
        "{said}"
    );

    // Status: a row per target.
    let o = run(&["status"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!("{ACCOUNT}/us-east-1: CURRENT")),
        "{out}"
    );
    assert!(
        out.contains(&format!("{ACCOUNT}/eu-west-1: CURRENT")),
        "{out}"
    );
    let o = run(&["status", "--target", &format!("{ACCOUNT}/eu-west-1")]);
    let out = stdout(&o);
    assert!(out.contains("1 stack instance"), "{out}");
    let o = run(&["status", "--target", "999999999999/eu-west-1"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no such account and region"),
        "{}",
        stderr(&o)
    );

    // A redeploy with nothing changed starts no operation.
    let before = proxy.calls().len();
    let o = run(&["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("up to date: no StackSet operation started"),
        "{}",
        stderr(&o)
    );
    let acts = actions(&proxy, before);
    assert!(
        !acts
            .iter()
            .any(|a| a.starts_with("Create") || a.starts_with("Update") || a.starts_with("Delete")),
        "{acts:?}"
    );

    // Removing a target and destroying are not played here: moto cannot
    // delete a stack instance's stack that holds the template's VPC (its
    // stack deletion stops at DependencyViolation, as for a plain stack,
    // whose destroy is tested on `tiny`, with an existing VPC). The plan of a
    // removal is unit-tested (`plan::tests`); the deletion's run is not yet.
    let _ = std::fs::remove_dir_all(&dir);
}
