//! `stackc run`'s fleet flows with canned AWS answers: which instances a
//! lifecycle command goes to, and a deploy checked by the load balancer's
//! health checks and rolled back where they fail (moto reports every
//! registered instance healthy, so the failure paths are canned).

mod common;
use common::{block_on, in_groups, unused};

use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::Duration;

use stackc_deploy::cloud::CloudError;
use stackc_deploy::fleet::{
    self, Fleet, Health, HealthWatch, Instance, Invocation, LogEvent, TargetHealth,
};

const WEB: &str = "shop-production-web";
const TG: &str = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/shop-production-web/0123456789abcdef";

/// A command sent: its parameters and instances.
type Sent = (Vec<(String, String)>, Vec<String>);

/// A fleet whose answers are scripted: its instances, the load balancer's
/// successive health reports (the last repeats) and each command's status
/// per instance.
#[derive(Default)]
struct Fake {
    instances: Vec<Instance>,
    health: RefCell<VecDeque<Vec<TargetHealth>>>,
    /// Status of every invocation of a command with this `event` parameter.
    outcome: Vec<(String, String)>,
    /// Each command sent: its parameters and instances.
    sent: RefCell<Vec<Sent>>,
    health_calls: RefCell<usize>,
}

fn instance(id: &str, lifecycle: &str) -> Instance {
    Instance {
        id: id.into(),
        group: WEB.into(),
        lifecycle: lifecycle.into(),
        zone: "eu-west-1a".into(),
        private_ip: None,
        last_run: None,
        image: None,
    }
}

fn health(id: &str, state: &str, reason: Option<&str>) -> TargetHealth {
    TargetHealth {
        target_group: TG.into(),
        instance: id.into(),
        state: state.into(),
        reason: reason.map(str::to_string),
    }
}

impl Fleet for Fake {
    async fn deployed(
        &self,
        _: &str,
    ) -> Result<Option<(stackc_deploy::cloud::StackInfo, String)>, CloudError> {
        unused()
    }
    async fn launches_suspended(&self, _: &[String]) -> Result<Vec<String>, CloudError> {
        unused()
    }
    async fn instances(&self, groups: &[String]) -> Result<Vec<Instance>, CloudError> {
        Ok(in_groups(&self.instances, groups))
    }
    async fn target_health(
        &self,
        _: &[String],
        instances: &[String],
    ) -> Result<Vec<TargetHealth>, CloudError> {
        *self.health_calls.borrow_mut() += 1;
        let mut q = self.health.borrow_mut();
        let report = if q.len() > 1 {
            q.pop_front().unwrap()
        } else {
            q.front().cloned().unwrap_or_default()
        };
        Ok(report
            .into_iter()
            .filter(|h| instances.contains(&h.instance))
            .collect())
    }
    async fn send(
        &self,
        _: &str,
        instances: &[String],
        parameters: &[(String, String)],
    ) -> Result<String, CloudError> {
        let mut sent = self.sent.borrow_mut();
        sent.push((parameters.to_vec(), instances.to_vec()));
        Ok(format!("command-{}", sent.len()))
    }
    async fn invocation(&self, command: &str, instance: &str) -> Result<Invocation, CloudError> {
        let n: usize = command.trim_start_matches("command-").parse().unwrap();
        let event = self.sent.borrow()[n - 1]
            .0
            .iter()
            .find(|(k, _)| k == "event")
            .map(|(_, v)| v.clone())
            .unwrap();
        let status = self
            .outcome
            .iter()
            .find(|(e, _)| *e == event)
            .map_or("Success".to_string(), |(_, s)| s.clone());
        Ok(Invocation {
            instance: instance.into(),
            status,
            output: format!("stackc-run: {event} done"),
        })
    }
    async fn bundle_pointer(&self, _: &str) -> Result<Option<String>, CloudError> {
        unused()
    }
    async fn set_bundle_pointer(&self, _: &str, _: &str) -> Result<(), CloudError> {
        unused()
    }
    async fn log_groups(&self, _: &str) -> Result<Vec<String>, CloudError> {
        unused()
    }
    async fn logs(&self, _: &[String], _: i64) -> Result<Vec<LogEvent>, CloudError> {
        unused()
    }
}

fn watch() -> HealthWatch {
    HealthWatch {
        groups: vec![WEB.into()],
        window: Duration::from_millis(20),
        poll: Duration::from_millis(1),
    }
}

fn deployed(ids: &[&str]) -> Vec<Invocation> {
    ids.iter()
        .map(|id| Invocation {
            instance: (*id).into(),
            status: "Success".into(),
            output: String::new(),
        })
        .collect()
}

/// `verify_deploy` after a deploy that succeeded on `ids`: whether the
/// deploy stands, and what it said.
fn verify(fake: &Fake, ids: &[&str], app: Option<&str>) -> (bool, String) {
    let mut out = Vec::new();
    let ok = block_on(fleet::verify_deploy(
        fake,
        &mut out,
        "doc",
        &watch(),
        &deployed(ids),
        app,
    ))
    .unwrap();
    (ok, String::from_utf8(out).unwrap())
}

fn fleet(health: Vec<Vec<TargetHealth>>) -> Fake {
    Fake {
        instances: vec![instance("i-1", "InService"), instance("i-2", "InService")],
        health: RefCell::new(health.into()),
        ..Fake::default()
    }
}

#[test]
fn commands_go_to_online_instances_only() {
    let fake = Fake {
        instances: vec![
            instance("i-3", "InService"),
            instance("i-1", "InService"),
            instance("i-2", "Pending:Wait"),
            instance("i-4", "Terminating:Wait"),
            Instance {
                group: "shop-production-api".into(),
                ..instance("i-5", "InService")
            },
        ],
        ..Fake::default()
    };
    let online = block_on(fleet::online(&fake, &[WEB.into()])).unwrap();
    assert_eq!(online, ["i-1", "i-3"]);
    let mut out = Vec::new();
    let ran = block_on(fleet::run_and_wait(
        &fake,
        &mut out,
        "doc",
        &[],
        &[("event".into(), "configure".into())],
        Duration::from_millis(1),
    ))
    .unwrap();
    assert!(ran.is_empty());
    assert!(fake.sent.borrow().is_empty(), "nothing is sent to no one");
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "no online instance matched; nothing ran\n"
    );
}

#[test]
fn a_deploy_the_load_balancer_finds_healthy_stands() {
    // Registering, then healthy until the window is over.
    let fake = fleet(vec![
        vec![
            health("i-1", "initial", None),
            health("i-2", "healthy", None),
        ],
        vec![
            health("i-1", "healthy", None),
            health("i-2", "healthy", None),
        ],
    ]);
    let (ok, said) = verify(&fake, &["i-1", "i-2"], Some("shop"));
    assert!(ok, "{said}");
    assert!(fake.sent.borrow().is_empty(), "no rollback: {said}");
    assert!(
        *fake.health_calls.borrow() > 2,
        "the checks are watched for the whole window, not asked once"
    );
    assert!(
        said.contains("watching the load balancer's health checks of 2 instance(s)"),
        "{said}"
    );
    assert!(said.contains("every deployed instance healthy"), "{said}");
}

#[test]
fn a_deploy_the_load_balancer_finds_unhealthy_is_rolled_back_there() {
    let reason = "Target.ResponseCodeMismatch: Health checks failed with these codes: [500]";
    let fake = fleet(vec![
        vec![
            health("i-1", "healthy", None),
            health("i-2", "healthy", None),
        ],
        vec![
            health("i-1", "healthy", None),
            health("i-2", "unhealthy", Some(reason)),
        ],
    ]);
    let (ok, said) = verify(&fake, &["i-1", "i-2"], Some("shop"));
    assert!(!ok, "{said}");
    let sent = fake.sent.borrow();
    assert_eq!(sent.len(), 1, "{said}");
    assert_eq!(
        sent[0].0,
        [
            ("event".to_string(), "rollback".to_string()),
            ("app".to_string(), "shop".to_string())
        ]
    );
    assert_eq!(sent[0].1, ["i-2"], "only where the checks failed");
    assert!(
        said.contains(&format!(
            "i-2: unhealthy in target group shop-production-web/0123456789abcdef ({reason})"
        )),
        "{said}"
    );
    assert!(
        said.contains("rolled app shop back on i-2; the deploy failed"),
        "{said}"
    );
}

#[test]
fn a_target_that_never_becomes_healthy_fails_the_deploy() {
    let fake = fleet(vec![vec![
        health("i-1", "healthy", None),
        health("i-2", "initial", Some("Elb.RegistrationInProgress")),
    ]]);
    let (ok, said) = verify(&fake, &["i-1", "i-2"], None);
    assert!(!ok, "{said}");
    let sent = fake.sent.borrow();
    assert_eq!(sent[0].0, [("event".to_string(), "rollback".to_string())]);
    assert_eq!(sent[0].1, ["i-2"]);
    assert!(said.contains("rolling the apps back"), "{said}");
}

#[test]
fn a_failed_rollback_is_said() {
    let mut fake = fleet(vec![vec![health("i-1", "unhealthy", None)]]);
    fake.outcome = vec![("rollback".into(), "Failed".into())];
    let (ok, said) = verify(&fake, &["i-1"], Some("shop"));
    assert!(!ok);
    assert!(said.contains("the rollback failed too"), "{said}");
}

#[test]
fn without_a_target_group_there_is_nothing_to_watch() {
    let fake = fleet(vec![vec![]]);
    let health = block_on(fleet::watch_health(
        &fake,
        &[WEB.into()],
        &["i-1".into()],
        Duration::from_millis(20),
        Duration::from_millis(1),
    ))
    .unwrap();
    assert_eq!(health, Health::NoLoadBalancer);
    // Instances that did not deploy (another layer's) are not watched.
    let (ok, said) = verify(&fake, &["i-9"], None);
    assert!(ok);
    assert!(said.is_empty(), "{said}");
}
