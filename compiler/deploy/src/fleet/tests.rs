//! Unit tests of the fleet module: instance states and `stackc status`.

use super::*;
use crate::cloud::StackStatus;

#[test]
fn lifecycle_states_map_to_opsworks_states() {
    assert_eq!(opsworks_state("Pending:Wait"), "running_setup");
    assert_eq!(opsworks_state("InService"), "online");
    assert_eq!(opsworks_state("Terminating:Wait"), "shutting_down");
    assert_eq!(opsworks_state("Terminated"), "terminated");
    assert_eq!(opsworks_state("Pending"), "pending");
}

fn instance(lifecycle: &str, last_run: Option<&str>) -> Instance {
    Instance {
        id: "i-0123456789abcdef0".into(),
        group: "shop-production-web".into(),
        lifecycle: lifecycle.into(),
        zone: "eu-west-1a".into(),
        private_ip: Some("10.0.1.10".into()),
        last_run: last_run.map(str::to_string),
        image: None,
    }
}

#[test]
fn a_failed_setup_shows_as_setup_failed_until_the_instance_is_gone() {
    let failed = Some("setup failed 2026-12-02T01:00:00Z");
    assert_eq!(instance("Pending:Wait", None).state(), "booting");
    let running = Some("setup started 2026-12-02T00:58:00Z");
    assert_eq!(instance("Pending:Wait", running).state(), "running_setup");
    assert_eq!(instance("Pending:Wait", failed).state(), "setup_failed");
    assert_eq!(instance("Terminating:Wait", failed).state(), "setup_failed");
    assert_eq!(instance("Terminated", failed).state(), "terminated");
    // Only setup's failure changes the state; a failed deploy leaves the
    // instance online (OpsWorks did the same) and shows in the last run.
    let deploy = Some("deploy failed 2026-12-02T01:00:00Z");
    assert_eq!(instance("InService", deploy).state(), "online");
    let ok = Some("setup succeeded 2026-12-02T01:00:00Z");
    assert_eq!(instance("InService", ok).state(), "online");
}

fn madrid() -> stackc_core::ir::WorkingHours {
    let (days, start, end) = stackc_core::units::working_hours("mon-fri 08:00-20:00").unwrap();
    stackc_core::ir::WorkingHours {
        days,
        start,
        end,
        timezone: "Europe/Madrid".parse().unwrap(),
        span: Default::default(),
    }
}

#[test]
fn status_says_which_layers_launch_no_instance() {
    let layers = vec![
        (
            "web".to_string(),
            vec![instance(
                "Standby",
                Some("setup failed 2026-12-02T09:00:00Z"),
            )],
        ),
        ("api".to_string(), vec![]),
    ];
    let suspended = vec!["web".to_string()];
    let report = StatusReport {
        stack: "shop-production",
        status: &StackStatus::UpdateComplete,
        outputs: &[],
        hours: None,
        layers: &layers,
        launches_suspended: &suspended,
    };
    let text = render_status(&report);
    assert_eq!(
        text.lines().nth(1),
        Some("layer web: 1 instance(s)"),
        "{text}"
    );
    assert_eq!(
        text.lines().nth(2).map(str::trim),
        Some(LAUNCHES_SUSPENDED),
        "{text}"
    );
    assert!(text.ends_with("layer api: 0 instance(s)\n"), "{text}");
}

#[test]
fn status_says_when_the_stack_next_stops_or_starts() {
    use chrono::TimeZone;
    let outputs = vec![("WebLoadBalancerDns".to_string(), "web.example".to_string())];
    let layers = vec![(
        "web".to_string(),
        vec![instance(
            "InService",
            Some("configure succeeded 2026-12-02T09:00:00Z"),
        )],
    )];
    // Wednesday 10:00 UTC = 11:00 in Madrid: open until 20:00 CET.
    let wednesday = chrono::Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap();
    let report = StatusReport {
        stack: "shop-test",
        status: &StackStatus::UpdateComplete,
        outputs: &outputs,
        hours: HoursNow::at(&madrid(), wednesday),
        layers: &layers,
        launches_suspended: &[],
    };
    assert_eq!(
        render_status(&report),
        "shop-test: UPDATE_COMPLETE\n  \
         WebLoadBalancerDns = web.example\n\
         working hours mon-fri 08:00-20:00 (Europe/Madrid): open, stops Wed 2026-12-02 20:00 +01:00\n\
         layer web: 1 instance(s)\n  \
         i-0123456789abcdef0  online         eu-west-1a   10.0.1.10       last run: configure succeeded 2026-12-02T09:00:00Z\n"
    );
    // Friday 21:00 in Madrid: closed until Monday 08:00.
    let friday = chrono::Utc.with_ymd_and_hms(2026, 12, 4, 20, 0, 0).unwrap();
    let h = HoursNow::at(&madrid(), friday).unwrap();
    assert!(!h.open);
    assert_eq!(h.next_change.to_rfc3339(), "2026-12-07T08:00:00+01:00");
    assert_eq!(
        serde_json::to_value(&h).unwrap()["next_change"],
        "2026-12-07T08:00:00+01:00"
    );
    assert_eq!(
        h.describe(),
        "closed (layers at 0), starts Mon 2026-12-07 08:00 +01:00"
    );
}
