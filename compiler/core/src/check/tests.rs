//! Checker tests on whole stacks: resolution, defaults, environments.

mod errors;
mod outline;
mod slips;
mod targets;

use std::path::Path;

use super::{check_source, AllExist, Options};
use crate::diag::{Code, Severity};
use crate::ir::{Event, Listener, Nat, Network, Program, RecipeOrigin};

fn program(src: &str) -> Program {
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    let (p, diags) = check_source(src, &opts);
    // The examples' test environments bound their schedules by working
    // hours, which is worth a warning (tested below); nothing else is.
    assert!(
        diags
            .iter()
            .all(|d| d.code == Code::ScheduleOutsideHours && d.severity == Severity::Warning),
        "{diags:#?}"
    );
    p.expect("program")
}

fn codes(src: &str) -> Vec<Code> {
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    check_source(src, &opts)
        .1
        .into_iter()
        .map(|d| d.code)
        .collect()
}

const GOLDCAR: &str = include_str!("../../../../examples/goldcar/stack.kdl");
const SHOP: &str = include_str!("../../../../examples/shop/stack.kdl");

#[test]
fn goldcar_resolves_as_designed() {
    let p = program(GOLDCAR);
    assert_eq!(p.name, "goldcar");
    let envs: Vec<&str> = p.environments.iter().map(|e| e.env.as_str()).collect();
    assert_eq!(envs, ["production", "test"]);
    let prod = &p.environments[0];
    let web = prod.layer("web").unwrap();
    assert_eq!(web.instance_type.name, "t3.small");
    assert_eq!(web.volumes[0].size_gib, 20);
    let scaling = web.scaling.as_ref().unwrap();
    assert_eq!((scaling.min, scaling.max), (2, 10));
    assert_eq!(scaling.up.as_ref().unwrap().count, 2);
    assert_eq!(scaling.down.as_ref().unwrap().period_secs, 900);
    assert!(matches!(
        web.load_balancer.as_ref().unwrap().listeners[0],
        Listener::Https { .. }
    ));
    assert_eq!(
        web.load_balancer
            .as_ref()
            .unwrap()
            .health_check
            .interval_secs,
        15
    );
    let deploy: Vec<String> = web.recipes[&Event::Deploy]
        .iter()
        .map(|r| r.run_list_name())
        .collect();
    assert_eq!(
        deploy,
        [
            "stackc_deploy::default",
            "php_app::deploy",
            "goldcar::cache_warm"
        ]
    );
    assert_eq!(web.recipes[&Event::Deploy][2].origin, RecipeOrigin::User);
    let cache = prod.layer("cache").unwrap();
    assert_eq!(cache.on.as_deref(), Some("web"));
    assert_eq!(
        cache.instance_type.name, "t3.small",
        "inherits the host's instance type"
    );
    assert_eq!(cache.attributes["memcached"]["memory"], 512);
    assert!(cache.scaling.is_none());
    let reports = prod.layer("reports").unwrap();
    let schedule = reports.scaling.as_ref().unwrap().schedule.as_ref().unwrap();
    assert_eq!(schedule.timezone, chrono_tz::Europe::Madrid);
    assert_eq!(schedule.entries.len(), 2);
    let app = &prod.apps[0];
    assert_eq!(app.sites.len(), 2);
    assert_eq!(app.sites[0].aliases, ["goldcar.example"]);
    assert_eq!(app.secrets[0].ssm, "/goldcar/prod/db-password");
    assert_eq!(app.database.as_ref().unwrap().port, 3306);
    assert_eq!(prod.custom_json["goldcar"]["cache-ttl"], 300);
}

#[test]
fn environments_overlay_the_stack() {
    let p = program(GOLDCAR);
    let test = p.environment("test").unwrap();
    let web = test.layer("web").unwrap();
    assert_eq!(web.instance_type.name, "t3.micro");
    let scaling = web.scaling.as_ref().unwrap();
    assert_eq!((scaling.min, scaling.max), (1, 2));
    assert!(scaling.up.is_some(), "load rules not overridden are kept");
    assert!(web.load_balancer.is_some());
    assert_eq!(test.env_custom_json["goldcar"]["cache-ttl"], 5);
    assert_eq!(
        test.custom_json["goldcar"]["cache-ttl"], 300,
        "merged at node JSON time, in order"
    );
    let hours = test.working_hours.as_ref().unwrap();
    assert_eq!(hours.timezone, chrono_tz::Europe::Madrid);
    assert_eq!(hours.days.len(), 5);
    assert!(p.environments[0].working_hours.is_none());
}

#[test]
fn working_hours_that_move_or_drop_schedule_entries_are_warnings() {
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    // goldcar's test environment opens at 08:00; reports starts at 07:00.
    let (p, diags) = check_source(GOLDCAR, &opts);
    assert!(p.is_some(), "warnings do not stop the build");
    let seen: Vec<(Severity, Code, usize, &str)> = diags
        .iter()
        .map(|d| {
            let line = crate::diag::line_column(GOLDCAR, d.span.offset).0;
            (d.severity, d.code, line, d.message.as_str())
        })
        .collect();
    let line_of = |text: &str| GOLDCAR.lines().position(|l| l.contains(text)).unwrap() + 1;
    assert_eq!(
        seen,
        [
            (
                Severity::Warning,
                Code::ScheduleOutsideHours,
                line_of("at \"mon-fri 07:00\""),
                "in environment `test`, the schedule entry `mon-fri 07:00` of layer `reports` falls outside the working hours mon-fri 08:00-20:00 (Europe/Madrid): its sizes (min=1 max=3) take effect when they open, at 08:00"
            ),
            (
                Severity::Warning,
                Code::ScheduleOutsideHours,
                line_of("at \"mon-fri 21:00\""),
                "in environment `test`, the schedule entry `mon-fri 21:00` of layer `reports` falls outside the working hours mon-fri 08:00-20:00 (Europe/Madrid): it has no effect there (the layer is stopped, and another entry sets its sizes before they open)"
            ),
        ]
    );
    // A schedule inside the hours is not adjusted.
    let inside = GOLDCAR
        .replace("at \"mon-fri 07:00\"", "at \"mon-fri 09:00\"")
        .replace("at \"mon-fri 21:00\"", "at \"mon-fri 19:00\"");
    assert!(check_source(&inside, &opts).1.is_empty());
    // A schedule in UTC cannot be bounded by hours in Madrid time.
    let utc = GOLDCAR.replace(
        "schedule timezone=\"Europe/Madrid\"",
        "schedule timezone=UTC",
    );
    let (p, diags) = check_source(&utc, &opts);
    assert!(p.is_none());
    let errors: Vec<Code> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.code)
        .collect();
    assert_eq!(errors, [Code::ScheduleTimezone]);
}

#[test]
fn load_rules_on_a_fixed_size_layer_are_a_warning_and_left_out() {
    let src = "stack s { region us-east-1; layer box type=custom { scaling { instances min=2 max=2; load { up cpu-above=70; down cpu-below=10; } } } }";
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    let (p, diags) = check_source(src, &opts);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, Code::LoadRulesInert);
    assert_eq!(diags[0].severity, Severity::Warning);
    let p = p.expect("a warning does not stop the build");
    let scaling = p.environments[0]
        .layer("box")
        .unwrap()
        .scaling
        .clone()
        .unwrap();
    assert!(scaling.up.is_none() && scaling.down.is_none());
    let room = src.replace("max=2", "max=3");
    assert!(codes(&room).is_empty());
}

#[test]
fn shop_example_resolves() {
    let p = program(SHOP);
    let prod = &p.environments[0];
    assert!(matches!(
        prod.network,
        Network::NewVpc {
            zones: 3,
            nat: Nat::Single,
            ..
        }
    ));
    assert_eq!(
        prod.layer("api").unwrap().instance_type.arch,
        crate::stdlib::Arch::Arm64
    );
    assert_eq!(
        prod.layer("api").unwrap().attributes["nodejs_app"]["version"],
        "22"
    );
    assert_eq!(
        prod.layer("cache").unwrap().attributes["memcached"]["memory"],
        1024
    );
    let storefront = prod.layer("storefront").unwrap();
    assert_eq!(
        storefront.attributes["static_web"]["cache_max_age_seconds"],
        86400
    );
    assert_eq!(
        prod.custom_json["shop"]["features"],
        serde_json::json!(["checkout", "wishlist"])
    );
    let staging = p.environment("staging").unwrap();
    assert!(
        matches!(&staging.network, Network::NewVpc { cidr, zones: 2, .. } if cidr.to_string() == "10.61.0.0/16")
    );
    assert_eq!(
        staging.apps[0].secrets[0].ssm,
        "/shop/staging/stripe-api-key"
    );
    assert_eq!(
        staging.apps[0].database.as_ref().unwrap().adapter,
        "postgresql"
    );
}

#[test]
fn defaults_fill_a_bare_layer() {
    let p = program("stack s { region us-east-1; layer box type=custom }");
    let s = &p.environments[0];
    let layer = s.layer("box").unwrap();
    assert_eq!(layer.instance_type.name, "t3.small");
    assert_eq!(layer.scaling.as_ref().map(|s| (s.min, s.max)), Some((1, 1)));
    assert_eq!(layer.log_retention_days, 30);
    assert!(matches!(s.network, Network::NewVpc { zones: 2, .. }));
    assert_eq!(s.os.name, "amazon-linux-2023");
}
