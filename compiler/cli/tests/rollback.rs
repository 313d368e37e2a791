//! `stackc run deploy` rolls an app back where the load balancer's health
//! checks fail, end to end: the real CLI and AWS SDK against the local AWS
//! double (moto, started by ./scripts/test), through the logging proxy of
//! the instance-in-a-box tests (tests/box/aws_proxy.py). moto reports every
//! registered target healthy; the proxy answers ELBv2 DescribeTargetHealth
//! as AWS would for an instance that fails its checks when its config
//! names the instance, and logs every call, so the test sees which
//! commands went to which instances.

mod common;
use common::proxy::{commands_sent, existing_vpc, Proxy};
use common::{require, stackc, CincServer};

use std::process::Output;

/// The local AWS double; the test fails without it.
fn moto() -> String {
    std::env::var("STACKC_TEST_AWS_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "STACKC_TEST_AWS_ENDPOINT is not set; run ./scripts/test, which starts the AWS double"
        )
    })
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn a_deploy_whose_health_checks_fail_is_rolled_back_on_those_instances() {
    require(&["python3"]);
    let moto = moto();
    let cinc = CincServer::start();
    let dir = std::env::temp_dir().join(format!("stackc-rollback-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let region = "ca-central-1";
    let vpc = existing_vpc(&moto, region);
    // Two web instances behind a load balancer whose checks judge an
    // instance in 5s x (2 + 1) = 15s, and a jobs instance without one.
    std::fs::write(
        dir.join("stack.kdl"),
        format!(
            r#"stack shop {{
    region {region}
    network {{ vpc id={} public-subnets="{}" private-subnets="{}"; }}
    layer web type=php-app {{
        load-balancer {{
            listener http
            health-check path="/health" interval="5s" healthy=2 unhealthy=2
        }}
        scaling {{ instances min=2 max=2; }}
    }}
    layer jobs type=custom
    app store type=php layer=web {{
        source git="https://github.com/example/store.git" revision=v1.0.0
    }}
}}
"#,
            vpc[0], vpc[1], vpc[2]
        ),
    )
    .unwrap();
    let proxy = Proxy::start(&moto, &dir);
    let endpoint = proxy.endpoint.clone();
    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &["bootstrap", "--region", region, "--yes"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = stackc(&endpoint, &cinc, &dir, &["lock"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = stackc(&endpoint, &cinc, &dir, &["deploy", "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    let o = stackc(
        &endpoint,
        &cinc,
        &dir,
        &["status", "--message-format", "json"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let status = common::result(&o);
    let ids = |layer: &str| common::layer_instances(&status, layer);
    let web = ids("web");
    let jobs = ids("jobs");
    assert_eq!((web.len(), jobs.len()), (2, 1), "{status}");
    let mut every = [web.clone(), jobs.clone()].concat();
    every.sort();

    // Healthy (moto's answer, passed through): the deploy stands after the
    // window, and nothing is rolled back.
    let before = proxy.calls().len();
    let started = std::time::Instant::now();
    let o = stackc(&endpoint, &cinc, &dir, &["run", "deploy", "--app", "store"]);
    let healthy_took = started.elapsed();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("watching the load balancer's health checks of 2 instance(s) for 15s"),
        "{err}"
    );
    assert!(
        err.contains("the load balancer reports every deployed instance healthy"),
        "{err}"
    );
    assert!(!err.contains("rolling") && !err.contains("rolled"), "{err}");
    let calls = proxy.calls();
    assert_eq!(
        commands_sent(&calls, before),
        [("deploy".to_string(), "store".to_string(), every.clone())]
    );
    assert!(
        calls[before..]
            .iter()
            .filter(|c| c["action"] == "DescribeTargetHealth")
            .all(|c| c["status"] == 200 && c.get("injected").is_none()),
        "moto answered the health checks"
    );
    assert!(
        healthy_took >= std::time::Duration::from_secs(15),
        "the window was watched: {healthy_took:?}"
    );

    // The first web instance fails its checks: the deploy is rolled back
    // there, and only there, and the command says so and fails.
    let (failing, passing) = (&web[0], &web[1]);
    proxy.fail_health_checks_of(&[failing]);
    let before = proxy.calls().len();
    let o = stackc(&endpoint, &cinc, &dir, &["run", "deploy", "--app", "store"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("error: the load balancer's health checks failed after the deploy:\n"),
        "{err}"
    );
    let reported: Vec<&str> = err
        .lines()
        .filter(|l| l.contains(": unhealthy in target group "))
        .collect();
    assert_eq!(reported.len(), 1, "{err}");
    assert!(
        reported[0].starts_with(&format!("{failing}: unhealthy in target group ")),
        "{err}"
    );
    assert!(
        reported[0].ends_with("(Target.FailedHealthChecks: Health checks failed)"),
        "{err}"
    );
    assert!(
        err.contains("rolling app store back to the previous release on 1 instance(s)"),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "rolled app store back on {failing}; the deploy failed"
        )),
        "{err}"
    );
    assert!(
        !err.lines()
            .filter(|l| l.contains("unhealthy") || l.contains("rolled"))
            .any(|l| l.contains(passing.as_str())),
        "{err}"
    );
    let calls = proxy.calls();
    assert_eq!(
        commands_sent(&calls, before),
        [
            ("deploy".to_string(), "store".to_string(), every.clone()),
            (
                "rollback".to_string(),
                "store".to_string(),
                vec![failing.clone()]
            ),
        ],
        "one deploy to every online instance, then one rollback to the failing one"
    );
    let injected: Vec<&serde_json::Value> = calls[before..]
        .iter()
        .filter_map(|c| c.get("injected"))
        .collect();
    assert!(!injected.is_empty(), "the proxy answered the health checks");
    assert!(
        injected.iter().all(|i| *i == &serde_json::json!([failing])),
        "{injected:?}"
    );
    // The rollback went out after the deploy had finished and the checks
    // had failed.
    let sent: Vec<usize> = calls
        .iter()
        .enumerate()
        .skip(before)
        .filter(|(_, c)| c["action"] == "SendCommand")
        .map(|(i, _)| i)
        .collect();
    let judged = calls
        .iter()
        .enumerate()
        .skip(before)
        .position(|(_, c)| c.get("injected").is_some())
        .map(|p| p + before)
        .unwrap();
    assert!(sent[0] < judged && judged < sent[1], "{sent:?} {judged}");
    drop(proxy);
    let _ = std::fs::remove_dir_all(&dir);
}
