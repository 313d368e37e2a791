//! The emitted scheduled actions and update policy, played the way Auto
//! Scaling plays them: every cron action applied at its minute, in its time
//! zone, over weeks that cross a daylight-saving change, against what the
//! stack file asks for (the schedule's sizes inside working hours, none
//! outside them).

use std::path::Path;

use chrono::{DateTime, Datelike, Duration, TimeZone, Timelike, Utc};
use serde_json::Value;

use super::emit;
use super::ids::LayerIds;
use crate::check::{check_source, AllExist, Options};
use crate::emit::Format;
use crate::ir::{Program, Stack};

const GOLDCAR: &str = include_str!("../../../../../examples/goldcar/stack.kdl");
const SHOP: &str = include_str!("../../../../../examples/shop/stack.kdl");
const MINIMAL: &str = include_str!("../../../../../examples/minimal/stack.kdl");

fn program(src: &str) -> Program {
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    let (p, diags) = check_source(src, &opts);
    assert!(!crate::diag::has_errors(&diags), "{diags:#?}");
    p.expect("program")
}

fn template(stack: &Stack) -> Value {
    let artifacts = emit(stack, Format::Json).expect("templates");
    serde_json::from_slice(&artifacts[0].bytes).expect("JSON")
}

/// A cron action as Auto Scaling reads it.
struct Cron {
    minute: u32,
    hour: u32,
    /// Cron day numbers (Sunday 0); every day when empty.
    days: Vec<u32>,
    zone: chrono_tz::Tz,
}

impl Cron {
    fn parse(recurrence: &str, zone: &str) -> Cron {
        let f: Vec<&str> = recurrence.split(' ').collect();
        assert_eq!(f.len(), 5, "{recurrence}");
        assert_eq!((f[2], f[3]), ("*", "*"), "{recurrence}");
        Cron {
            minute: f[0].parse().unwrap(),
            hour: f[1].parse().unwrap(),
            days: if f[4] == "*" {
                Vec::new()
            } else {
                f[4].split(',').map(|d| d.parse().unwrap()).collect()
            },
            zone: zone.parse().unwrap(),
        }
    }

    /// True when the action runs in the minute starting at `t`.
    fn fires(&self, t: DateTime<Utc>) -> bool {
        let local = t.with_timezone(&self.zone);
        local.minute() == self.minute
            && local.hour() == self.hour
            && (self.days.is_empty() || self.days.contains(&local.weekday().num_days_from_sunday()))
    }
}

/// The group's bounds as the actions leave them: min, max, and the desired
/// capacity when the last action pinned it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Group {
    min: u32,
    max: u32,
    desired: Option<u32>,
}

impl Group {
    /// How many instances the group may run: a desired capacity pinned at
    /// min holds it there (the room above is for rolling updates only).
    fn bounds(self) -> (u32, u32) {
        match self.desired {
            Some(d) if d == self.min => (d, d),
            _ => (self.min, self.max),
        }
    }
}

fn number(v: &Value) -> u32 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        v => v.as_u64().unwrap() as u32,
    }
}

/// The scheduled actions of `layer`'s group.
fn actions(t: &Value, layer: &str) -> Vec<(Cron, Group)> {
    let group = LayerIds::new(layer).auto_scaling_group();
    t["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::AutoScaling::ScheduledAction")
        .map(|r| &r["Properties"])
        .filter(|p| p["AutoScalingGroupName"]["Ref"] == group.as_str())
        .map(|p| {
            (
                Cron::parse(
                    p["Recurrence"].as_str().unwrap(),
                    p["TimeZone"].as_str().unwrap(),
                ),
                Group {
                    min: number(&p["MinSize"]),
                    max: number(&p["MaxSize"]),
                    desired: p.get("DesiredCapacity").map(number),
                },
            )
        })
        .collect()
}

/// What the stack file asks of `layer` at `t`: the sizes of the schedule's
/// last entry at or before `t` (its own bounds without a schedule), inside
/// the working hours; nothing outside them.
fn wanted(stack: &Stack, layer: &str, t: DateTime<Utc>) -> (u32, u32) {
    if let Some(wh) = &stack.working_hours {
        if !wh.state_at(t).unwrap().open {
            return (0, 0);
        }
    }
    let scaling = stack.layer(layer).unwrap().scaling.as_ref().unwrap();
    let Some(schedule) = &scaling.schedule else {
        return (scaling.min, scaling.max);
    };
    let zone: chrono_tz::Tz = schedule.timezone;
    // Back minute by minute (at most a week) to the last entry that ran.
    (0..=7 * 24 * 60)
        .map(|m| (t - Duration::minutes(m)).with_timezone(&zone))
        .find_map(|local| {
            schedule.entries.iter().rev().find(|e| {
                u32::from(e.at.hour) == local.hour()
                    && u32::from(e.at.minute) == local.minute()
                    && e.days
                        .iter()
                        .any(|d| *d as u32 == local.weekday().num_days_from_monday())
            })
        })
        .map_or((scaling.min, scaling.max), |e| (e.min, e.max))
}

/// Plays three weeks of `layer`'s actions, from a Monday two weeks before
/// Europe's spring change of clocks, and compares the group with what the
/// stack asks for after the first week (by then every action has run).
fn play(stack: &Stack, layer: &str) {
    let t = template(stack);
    let actions = actions(&t, layer);
    assert!(!actions.is_empty(), "{layer} has no scheduled action");
    let start = Utc.with_ymd_and_hms(2026, 3, 16, 0, 0, 0).unwrap();
    let mut group: Option<Group> = None;
    let mut checked = 0;
    for m in 0..(21 * 24 * 60) {
        let now = start + Duration::minutes(m);
        let firing: Vec<Group> = actions
            .iter()
            .filter(|(cron, _)| cron.fires(now))
            .map(|(_, g)| *g)
            .collect();
        assert!(
            firing.len() <= 1 || firing.windows(2).all(|w| w[0] == w[1]),
            "{layer}: actions disagree at {now}: {firing:?}"
        );
        if let Some(g) = firing.first() {
            group = Some(*g);
        }
        if m < 7 * 24 * 60 {
            continue;
        }
        let g = group.unwrap_or_else(|| panic!("{layer}: no action ran in a week"));
        assert_eq!(
            g.bounds(),
            wanted(stack, layer, now),
            "{} layer {layer} at {now} ({})",
            stack.qualified_name(),
            now.with_timezone(&chrono_tz::Europe::Madrid)
        );
        checked += 1;
    }
    assert_eq!(checked, 14 * 24 * 60);
}

#[test]
fn goldcar_test_runs_the_reports_schedule_only_inside_working_hours() {
    let p = program(GOLDCAR);
    let test = p.environment("test").unwrap();
    play(test, "reports");
    play(test, "web");
    // Without working hours the schedule is played as written.
    play(p.environment("production").unwrap(), "reports");
}

#[test]
fn shop_staging_bounds_the_storefront_schedule() {
    let p = program(SHOP);
    let staging = p.environment("staging").unwrap();
    play(staging, "storefront");
    play(staging, "api");
    play(p.environment("production").unwrap(), "storefront");
}

#[test]
fn a_schedule_in_a_zone_one_hour_away_is_bounded_across_days() {
    // London is an hour behind Madrid all year. 06:30 in London is before
    // the 08:00 opening in Madrid (moved to it); 19:30 is after the 20:00
    // closing, and on Monday nothing comes before Tuesday's opening, which
    // then keeps the group stopped until the 12:15 entry.
    let src = r#"stack s {
    region eu-west-1
    layer box type=custom {
        scaling {
            instances min=1 max=1
            schedule timezone="Europe/London" {
                at "mon,wed,fri 06:30" min=2 max=2
                at "tue,thu 12:15" min=1 max=4
                at "mon-thu 19:30" min=0 max=0
                at "sun 23:30" min=3 max=5
            }
        }
    }
    environment test {
        working-hours "mon-fri 08:00-20:00" timezone="Europe/Madrid"
    }
}"#;
    let p = program(src);
    play(p.environment("test").unwrap(), "box");
    play(p.environment("production").unwrap(), "box");
}

#[test]
fn a_group_of_one_keeps_one_in_service_while_it_is_replaced() {
    for (bounds, in_service, max_size) in [
        ("min=1 max=1", 1, 2),
        ("min=3 max=3", 3, 4),
        ("min=1 max=4", 1, 4),
        ("min=0 max=2", 0, 2),
    ] {
        let src = format!(
            "stack s {{ region eu-west-1; layer box type=custom {{ scaling {{ instances {bounds}; }} }} }}"
        );
        let p = program(&src);
        let t = template(&p.environments[0]);
        let group = &t["Resources"]["BoxAutoScalingGroup"];
        let rolling = &group["UpdatePolicy"]["AutoScalingRollingUpdate"];
        assert_eq!(rolling["MinInstancesInService"], in_service, "{bounds}");
        assert_eq!(rolling["MaxBatchSize"], 1, "{bounds}");
        // CloudFormation launches the replacement first, which needs room:
        // MinInstancesInService must be below MaxSize.
        assert_eq!(
            number(&group["Properties"]["MaxSize"]),
            max_size,
            "{bounds}"
        );
        assert!(in_service < max_size, "{bounds}");
        assert!(group
            .get("UpdatePolicy")
            .unwrap()
            .get("AutoScalingReplacingUpdate")
            .is_none());
    }
}

/// Every string in a JSON value, in order (the user data is a join of
/// text and references).
fn strings(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Array(items) => items.iter().for_each(|i| strings(i, out)),
        Value::Object(map) => map.values().for_each(|i| strings(i, out)),
        _ => {}
    }
}

#[test]
fn the_most_volumes_a_layer_takes_attach_on_distinct_devices_the_bootstrap_mounts() {
    let most = super::userdata::VOLUME_DEVICES.len();
    let volumes: String = (0..most)
        .map(|i| format!("volume \"/srv/v{i}\" size=\"1GiB\"; "))
        .collect();
    let src = format!("stack s {{ region us-east-1; layer box type=custom {{ {volumes} }} }}");
    let t = template(&program(&src).environments[0]);
    let data = &t["Resources"]["BoxLaunchTemplate"]["Properties"]["LaunchTemplateData"];
    let devices: Vec<&str> = data["BlockDeviceMappings"]
        .as_array()
        .unwrap()
        .iter()
        .skip(1) // the root volume
        .map(|d| d["DeviceName"].as_str().unwrap())
        .collect();
    assert_eq!(devices.len(), most);
    let distinct: std::collections::BTreeSet<&str> = devices.iter().copied().collect();
    assert_eq!(distinct.len(), most, "{devices:?}");
    assert_eq!((devices[0], devices[most - 1]), ("/dev/sdf", "/dev/sdp"));
    let mut script = String::new();
    strings(&data["UserData"], &mut script);
    let mounted: Vec<String> = script
        .lines()
        .filter_map(|l| l.trim().strip_prefix("mount_volume '"))
        .map(|rest| format!("/dev/{}", &rest[..rest.find('\'').unwrap()]))
        .collect();
    assert_eq!(
        mounted, devices,
        "the bootstrap mounts the devices the template attaches"
    );
    for (i, line) in script
        .lines()
        .filter(|l| l.trim().starts_with("mount_volume '"))
        .enumerate()
    {
        assert!(line.ends_with(&format!("'/srv/v{i}'")), "{line}");
    }
}

/// Where a schedule or working hours stop instances, the group keeps a warm
/// pool of stopped instances that scale-in returns them to, big enough for
/// every instance the layer ever runs (a closing sets the group's maximum
/// to 0, which would otherwise leave the pool no room); elsewhere none. The
/// stop rule sends only those groups' returns to the stop runbook.
#[test]
fn schedules_and_working_hours_stop_instances_into_a_warm_pool() {
    let p = program(GOLDCAR);
    for stack in &p.environments {
        let t = template(stack);
        let mut warm_groups = Vec::new();
        for (layer, warm) in [("web", stack.env == "test"), ("reports", true)] {
            let pool = &t["Resources"][LayerIds::new(layer).warm_pool()];
            assert_eq!(!pool.is_null(), warm, "{} {layer}", stack.env);
            if !warm {
                continue;
            }
            let props = &pool["Properties"];
            assert_eq!(props["PoolState"], "Stopped");
            assert_eq!(props["InstanceReusePolicy"]["ReuseOnScaleIn"], true);
            let capacity = number(&props["MaxGroupPreparedCapacity"]);
            let group = &t["Resources"][LayerIds::new(layer).auto_scaling_group()]["Properties"];
            let most = actions(&t, layer)
                .iter()
                .map(|(_, g)| g.bounds().1)
                .chain([number(&group["MinSize"])])
                .max()
                .unwrap();
            assert!(
                capacity >= most,
                "{} {layer}: {capacity} < {most}",
                stack.env
            );
            assert!(actions(&t, layer)
                .iter()
                .any(|(_, g)| g.max == 0 || g.desired == Some(0)));
            warm_groups.push(group["AutoScalingGroupName"].clone());
            // The bootstrap installs the unit that sets a started instance up again.
            let data = serde_json::to_string(
                &t["Resources"][LayerIds::new(layer).launch_template()]["Properties"]
                    ["LaunchTemplateData"]["UserData"],
            )
            .unwrap();
            assert!(data.contains("stackc-boot.service"), "{layer}");
            assert!(
                data.contains("autoscaling/target-lifecycle-state"),
                "{layer}"
            );
            // systemd lets the unit run as long as the launch hook waits.
            let minutes: u64 = data
                .split("TimeoutStartSec=")
                .nth(1)
                .and_then(|r| r.split("min").next())
                .and_then(|m| m.parse().ok())
                .expect("a TimeoutStartSec in minutes");
            let hooks = group["LifecycleHookSpecificationList"].as_array().unwrap();
            let launch = hooks
                .iter()
                .find(|h| h["LifecycleTransition"] == "autoscaling:EC2_INSTANCE_LAUNCHING")
                .unwrap();
            assert!(minutes * 60 >= launch["HeartbeatTimeout"].as_u64().unwrap());
        }
        // A warm group's instance held by the termination hook (back to the
        // pool, or terminating) or by the launch hook on its way back goes to
        // the stop runbook; the other groups' to the shutdown runbook.
        let stop = &t["Resources"]["StopRule"]["Properties"];
        assert_eq!(
            stop["EventPattern"]["detail"]["AutoScalingGroupName"],
            Value::Array(warm_groups.clone())
        );
        assert_eq!(
            stop["EventPattern"]["detail-type"][0],
            "EC2 Instance-terminate Lifecycle Action"
        );
        let back = &t["Resources"]["ReturnRule"]["Properties"];
        assert_eq!(
            back["EventPattern"]["detail"]["AutoScalingGroupName"],
            Value::Array(warm_groups.clone())
        );
        assert_eq!(back["EventPattern"]["detail"]["Destination"][0], "WarmPool");
        assert_eq!(
            back["EventPattern"]["detail"]["Origin"][0],
            "AutoScalingGroup"
        );
        for rule in [stop, back] {
            let target = rule["Targets"][0]["Arn"]["Fn::Sub"].as_str().unwrap();
            assert!(target.contains("${StopRunbook}"), "{target}");
        }
        let shutdown = &t["Resources"]["ShutdownRule"]["Properties"];
        let cold = &shutdown["EventPattern"]["detail"]["AutoScalingGroupName"];
        match stack.env.as_str() {
            "test" => assert!(shutdown.is_null(), "every group of test is warm"),
            _ => assert_eq!(cold, &serde_json::json!(["goldcar-production-web"])),
        }
        let steps = &t["Resources"]["StopRunbook"]["Properties"]["Content"]["mainSteps"];
        let names: Vec<&str> = steps
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["runShutdown", "completeLifecycleAction", "configureOthers"]
        );
    }
    // A stack with neither keeps no pool, no stop rule and no boot unit.
    let t = template(&program(MINIMAL).environments[0]);
    let resources = t["Resources"].as_object().unwrap();
    assert!(!resources
        .values()
        .any(|r| r["Type"] == "AWS::AutoScaling::WarmPool"
            || r["Type"] == "AWS::AutoScaling::ScheduledAction"));
    assert!(!resources.contains_key("StopRule") && !resources.contains_key("StopRunbook"));
    assert!(!resources.contains_key("ReturnRule") && resources.contains_key("ShutdownRule"));
    assert!(!serde_json::to_string(&t).unwrap().contains("stackc-boot"));
}
