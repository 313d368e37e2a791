//! The flows of `status`, `run` and `logs` on a deployed environment, from
//! what its template records, with canned AWS answers.

mod common;
use common::{block_on, in_groups, unused};

use std::cell::RefCell;
use std::path::Path;
use std::time::Duration;

use stackc_core::emit::operations::Operations;
use stackc_deploy::cloud::{CloudError, StackInfo, StackStatus};
use stackc_deploy::fleet::{Fleet, Instance, Invocation, LogEvent, TargetHealth};
use stackc_deploy::ops::{self, Command};

/// goldcar's environment `env`: web (app rentals, a load balancer checking
/// every 15 s, 3 failures), cache on web's instances, reports on its own.
fn goldcar(env: &str) -> stackc_core::ir::Stack {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/goldcar");
    let text = std::fs::read_to_string(dir.join("stack.kdl")).unwrap();
    let opts = stackc_core::check::Options {
        base_dir: &dir,
        files: &stackc_core::check::RealFiles,
    };
    let (program, diags) = stackc_core::check::check_source(&text, &opts);
    assert!(!stackc_core::diag::has_errors(&diags), "{diags:?}");
    program.unwrap().environment(env).unwrap().clone()
}

/// The root template goldcar's build writes.
fn template(stack: &stackc_core::ir::Stack) -> String {
    let artifacts = stackc_core::emit::cfn::emit(stack, stackc_core::emit::Format::Json).unwrap();
    let root = artifacts
        .iter()
        .find(|a| a.path == "template.json")
        .unwrap();
    String::from_utf8(root.bytes.clone()).unwrap()
}

#[derive(Default)]
struct Fake {
    template: Option<String>,
    instances: Vec<Instance>,
    suspended: Vec<String>,
    log_groups: Vec<String>,
    events: Vec<LogEvent>,
    asked_logs_of: RefCell<Vec<String>>,
}

fn info() -> StackInfo {
    StackInfo {
        id: "arn:aws:cloudformation:eu-west-1:123456789012:stack/goldcar-production/1".into(),
        status: StackStatus::UpdateComplete,
        reason: None,
        outputs: vec![("WebLoadBalancerDnsName".into(), "web.elb.example".into())],
        parameters: Vec::new(),
    }
}

impl Fleet for Fake {
    async fn deployed(&self, _: &str) -> Result<Option<(StackInfo, String)>, CloudError> {
        Ok(self.template.clone().map(|t| (info(), t)))
    }
    async fn launches_suspended(&self, groups: &[String]) -> Result<Vec<String>, CloudError> {
        Ok(self
            .suspended
            .iter()
            .filter(|g| groups.contains(g))
            .cloned()
            .collect())
    }
    async fn instances(&self, groups: &[String]) -> Result<Vec<Instance>, CloudError> {
        Ok(in_groups(&self.instances, groups))
    }
    async fn target_health(
        &self,
        _: &[String],
        _: &[String],
    ) -> Result<Vec<TargetHealth>, CloudError> {
        unused()
    }
    async fn send(
        &self,
        _: &str,
        _: &[String],
        _: &[(String, String)],
    ) -> Result<String, CloudError> {
        unused()
    }
    async fn invocation(&self, _: &str, _: &str) -> Result<Invocation, CloudError> {
        unused()
    }
    async fn bundle_pointer(&self, _: &str) -> Result<Option<String>, CloudError> {
        unused()
    }
    async fn set_bundle_pointer(&self, _: &str, _: &str) -> Result<(), CloudError> {
        unused()
    }
    async fn log_groups(&self, prefix: &str) -> Result<Vec<String>, CloudError> {
        Ok(self
            .log_groups
            .iter()
            .filter(|g| g.starts_with(prefix))
            .cloned()
            .collect())
    }
    async fn logs(&self, groups: &[String], since_ms: i64) -> Result<Vec<LogEvent>, CloudError> {
        self.asked_logs_of
            .borrow_mut()
            .extend(groups.iter().cloned());
        Ok(self
            .events
            .iter()
            .filter(|e| groups.contains(&e.group) && e.time >= since_ms)
            .cloned()
            .collect())
    }
}

fn instance(id: &str, group: &str, lifecycle: &str) -> Instance {
    Instance {
        id: id.into(),
        group: group.into(),
        lifecycle: lifecycle.into(),
        zone: "eu-west-1a".into(),
        private_ip: Some("10.40.1.10".into()),
        last_run: None,
        image: None,
    }
}

#[test]
fn the_template_records_what_operating_the_environment_needs() {
    let stack = goldcar("production");
    let fake = Fake {
        template: Some(template(&stack)),
        ..Fake::default()
    };
    let deployed = block_on(ops::deployed(&fake, "goldcar-production"))
        .unwrap()
        .unwrap();
    let recorded = deployed.operations.unwrap();
    assert_eq!(recorded, Operations::of(&stack));
    assert_eq!(recorded.stack_name(), "goldcar-production");
    assert_eq!(
        recorded.groups(),
        [
            ("web".to_string(), "goldcar-production-web".to_string()),
            (
                "reports".to_string(),
                "goldcar-production-reports".to_string()
            ),
        ]
    );
    let cache = recorded.layer("cache").unwrap();
    assert_eq!(cache.host, "web");
    assert_eq!(cache.group, None);
    assert_eq!(cache.log_group_prefix, "/stackc/goldcar-production/cache");
    // The test environment records its working hours.
    let test = goldcar("test");
    let fake = Fake {
        template: Some(template(&test)),
        ..Fake::default()
    };
    let recorded = block_on(ops::deployed(&fake, "goldcar-test"))
        .unwrap()
        .unwrap()
        .operations
        .unwrap();
    assert_eq!(recorded.working_hours, test.working_hours);
    assert!(recorded.working_hours.is_some());
}

#[test]
fn a_template_without_the_record_or_with_another_version_is_said() {
    // Deployed by an older stackc: no record, not an error.
    let fake = Fake {
        template: Some(r#"{"Resources": {}}"#.into()),
        ..Fake::default()
    };
    let deployed = block_on(ops::deployed(&fake, "old-production"))
        .unwrap()
        .unwrap();
    assert_eq!(deployed.operations, None);
    // Not deployed.
    let none = Fake::default();
    assert_eq!(
        block_on(ops::deployed(&none, "x-production")).unwrap(),
        None
    );
    // A record this stackc cannot read.
    for (metadata, says) in [
        (
            r#"{"version": 2}"#,
            "has version 2; this stackc reads version 1",
        ),
        (r#"{"version": 1, "stack": 3}"#, "cannot be read"),
        (
            r#"{"version": 1, "stack": "s", "env": "e", "region": "r", "layers": [], "apps": [],
                "working_hours": {"days": ["mon"], "start": {"hour": 30, "minute": 0},
                "end": {"hour": 20, "minute": 0}, "timezone": "UTC"}}"#,
            "working hours stackc cannot read",
        ),
    ] {
        let fake = Fake {
            template: Some(format!(
                r#"{{"Metadata": {{"stackc:operations": {metadata}}}}}"#
            )),
            ..Fake::default()
        };
        let err = block_on(ops::deployed(&fake, "s-e"))
            .unwrap_err()
            .to_string();
        assert!(err.contains(says), "{err}");
        assert!(err.contains("deploy it again with this stackc"), "{err}");
    }
}

/// goldcar: web (app rentals) with cache on it, reports on its own.
#[test]
fn deploys_reach_every_group_rollbacks_the_apps_layer() {
    let ops = Operations::of(&goldcar("production"));
    let all = ["goldcar-production-web", "goldcar-production-reports"];
    assert_eq!(
        ops::targeted_groups(&ops, Command::Deploy, None, Some("rentals")),
        all
    );
    assert_eq!(
        ops::targeted_groups(&ops, Command::Undeploy, None, Some("rentals")),
        all
    );
    assert_eq!(
        ops::targeted_groups(&ops, Command::Configure, None, None),
        all
    );
    assert_eq!(
        ops::targeted_groups(&ops, Command::Rollback, None, Some("rentals")),
        ["goldcar-production-web"]
    );
    assert_eq!(
        ops::targeted_groups(&ops, Command::Deploy, Some("reports"), Some("rentals")),
        ["goldcar-production-reports"]
    );
    // A layer `on` another runs on the host's instances.
    assert_eq!(
        ops::targeted_groups(&ops, Command::ExecuteRecipes, Some("cache"), None),
        ["goldcar-production-web"]
    );
}

#[test]
fn a_deploy_is_watched_for_as_long_as_the_checks_take_to_find_a_broken_instance() {
    let ops = Operations::of(&goldcar("production"));
    let poll = Duration::from_secs(3);
    let groups = ops::targeted_groups(&ops, Command::Deploy, None, None);
    // goldcar's web: every 15 s, 3 failures: 60 s; reports has no load balancer.
    let watch = ops::health_watch(&ops, &groups, poll).unwrap();
    assert_eq!(watch.groups, ["goldcar-production-web"]);
    assert_eq!(watch.window, Duration::from_secs(60));
    let reports = vec!["goldcar-production-reports".to_string()];
    assert!(ops::health_watch(&ops, &reports, poll).is_none());
}

#[test]
fn status_groups_the_instances_per_layer_from_the_record() {
    let ops = Operations::of(&goldcar("production"));
    let fake = Fake {
        instances: vec![
            instance("i-1", "goldcar-production-web", "InService"),
            instance("i-2", "goldcar-production-web", "Pending"),
            instance("i-3", "other-production-web", "InService"),
        ],
        suspended: vec!["goldcar-production-reports".into()],
        ..Fake::default()
    };
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let status = block_on(ops::status(&fake, &ops, &info(), now)).unwrap();
    assert_eq!(status.stack, "goldcar-production");
    let ids: Vec<(&str, Vec<&str>)> = status
        .layers
        .iter()
        .map(|(l, i)| (l.as_str(), i.iter().map(|x| x.id.as_str()).collect()))
        .collect();
    assert_eq!(ids, [("web", vec!["i-1", "i-2"]), ("reports", vec![])]);
    assert_eq!(status.launches_suspended, ["reports"]);
    let text = status.render();
    assert!(
        text.starts_with(
            "goldcar-production: UPDATE_COMPLETE\n  WebLoadBalancerDnsName = web.elb.example\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("layer reports: 0 instance(s)\n  launches suspended"),
        "{text}"
    );
    let json = status.to_json();
    assert_eq!(json["layers"][0]["instances"][0]["state"], "online");
    assert_eq!(json["layers"][0]["instances"][1]["state"], "pending");
    assert_eq!(json["layers"][1]["launches_suspended"], true);
    assert_eq!(json["outputs"]["WebLoadBalancerDnsName"], "web.elb.example");
}

#[test]
fn logs_are_read_from_every_deployment_of_the_layers_and_no_other() {
    let ops = Operations::of(&goldcar("production"));
    let event = |group: &str, time: i64| LogEvent {
        group: group.into(),
        stream: "i-1/stackc-run".into(),
        time,
        message: format!("line of {group}"),
    };
    let fake = Fake {
        log_groups: vec![
            "/stackc/goldcar-production/web/stack-1".into(),
            "/stackc/goldcar-production/web/stack-2".into(),
            "/stackc/goldcar-production/web".into(),
            // Another layer whose name starts with `web`: not web's.
            "/stackc/goldcar-production/webhooks/stack-1".into(),
            "/stackc/goldcar-production/reports/stack-2".into(),
        ],
        events: vec![
            event("/stackc/goldcar-production/web/stack-1", 10),
            event("/stackc/goldcar-production/reports/stack-2", 20),
            event("/stackc/goldcar-production/web/stack-2", 5),
        ],
        ..Fake::default()
    };
    let groups = block_on(ops::log_groups(&fake, &ops, &["web"])).unwrap();
    let names: Vec<&str> = groups.iter().map(|(g, _)| g.as_str()).collect();
    assert_eq!(
        names,
        [
            "/stackc/goldcar-production/web",
            "/stackc/goldcar-production/web/stack-1",
            "/stackc/goldcar-production/web/stack-2",
        ]
    );
    assert!(groups.iter().all(|(_, l)| l == "web"));
    let all = block_on(ops::log_groups(&fake, &ops, &["web", "reports"])).unwrap();
    let events = block_on(ops::log_events(&fake, &all, 6)).unwrap();
    let seen: Vec<(&str, i64)> = events.iter().map(|(l, e)| (l.as_str(), e.time)).collect();
    assert_eq!(seen, [("web", 10), ("reports", 20)]);
}
