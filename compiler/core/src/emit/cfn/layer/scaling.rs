//! A group's scaling: load-rule policies with their alarms, and scheduled
//! actions.

use serde_json::{json, Value};

use super::group::room;
use crate::diag::{Code, Diagnostic};
use crate::emit::cfn::ids::LayerIds;
use crate::emit::cfn::template::{r#ref, Template};
use crate::hours::{self, Kind, Sizes};
use crate::ir::{Layer, LoadRule, Stack};
use crate::units::Weekday;

/// A load rule: an alarm on the group's metric and a step scaling policy.
pub(super) fn load_rule(t: &mut Template, stack: &Stack, host: &Layer, rule: &LoadRule, up: bool) {
    let p = LayerIds::new(&host.name);
    let dir = if up { "Up" } else { "Down" };
    let policy = format!("{p}Scale{dir}Policy");
    let step = if up {
        json!({ "MetricIntervalLowerBound": 0, "ScalingAdjustment": rule.count })
    } else {
        json!({ "MetricIntervalUpperBound": 0, "ScalingAdjustment": -i64::from(rule.count) })
    };
    t.resource(
        &policy,
        "AWS::AutoScaling::ScalingPolicy",
        json!({
            "AutoScalingGroupName": r#ref(&p.auto_scaling_group()),
            "PolicyType": "StepScaling",
            "AdjustmentType": "ChangeInCapacity",
            "EstimatedInstanceWarmup": 300,
            "StepAdjustments": [step],
        }),
    );
    let (period, evaluations) = periods(rule.period_secs);
    t.resource(
        &format!("{p}Scale{dir}Alarm"),
        "AWS::CloudWatch::Alarm",
        json!({
            "AlarmDescription": format!(
                "stackc {}: scale layer {} {} when {} is {} {} for {}s",
                stack.qualified_name(), host.name, if up { "up" } else { "down" },
                rule.metric.name, if up { "above" } else { "below" }, rule.threshold, rule.period_secs
            ),
            "Namespace": rule.metric.namespace,
            "MetricName": rule.metric.metric_name,
            "Statistic": rule.metric.statistic,
            "Dimensions": [{ "Name": "AutoScalingGroupName", "Value": r#ref(&p.auto_scaling_group()) }],
            "Period": period,
            "EvaluationPeriods": evaluations,
            "Threshold": rule.threshold,
            "ComparisonOperator": if up { "GreaterThanThreshold" } else { "LessThanThreshold" },
            "AlarmActions": [r#ref(&policy)],
        }),
    );
}

/// Period and number of evaluation periods for a duration.
pub(super) fn periods(secs: u64) -> (u64, u64) {
    let period = 60;
    (period, secs.div_ceil(period).max(1))
}

/// The group's scheduled actions: its schedule's entries, or, in an
/// environment with working hours, the schedule bounded by them (see
/// [`crate::hours`]): the opening sets the sizes the schedule gives at that
/// moment, entries inside the hours are kept, the closing stops the group.
pub(super) fn schedules(
    t: &mut Template,
    stack: &Stack,
    host: &Layer,
    min: u32,
    max: u32,
) -> Result<(), Diagnostic> {
    let p = LayerIds::new(&host.name);
    let schedule = host.scaling.as_ref().and_then(|s| s.schedule.as_ref());
    let Some(wh) = &stack.working_hours else {
        if let Some(schedule) = schedule {
            for (i, e) in schedule.entries.iter().enumerate() {
                let sizes = Sizes {
                    min: e.min,
                    max: e.max,
                };
                let recurrence = cron(e.at.minute, e.at.hour, &e.days);
                let action =
                    scheduled_action(&p, sizes, &recurrence, schedule.timezone.name(), false);
                t.resource(
                    &format!("{p}Schedule{}", i + 1),
                    "AWS::AutoScaling::ScheduledAction",
                    action,
                );
            }
        }
        return Ok(());
    };
    let bounded = hours::bound(schedule, Sizes { min, max }, wh).map_err(|_| {
        Diagnostic::error(
            Code::ScheduleTimezone,
            schedule.map_or(wh.span, |s| s.span),
            format!(
                "the schedule of layer `{}` and the working hours are in time zones that drift apart",
                host.name
            ),
        )
        .help(format!(
            "write the schedule in the working hours' time zone: `schedule timezone=\"{}\"`",
            wh.timezone
        ))
    })?;
    let mut counts = [0usize; 3];
    for a in &bounded.actions {
        let (base, n) = match a.kind {
            Kind::Open => ("WorkingHoursStart", &mut counts[0]),
            Kind::Schedule => ("Schedule", &mut counts[1]),
            Kind::Close => ("WorkingHoursStop", &mut counts[2]),
        };
        *n += 1;
        let id = match (a.kind, *n) {
            (Kind::Schedule, n) => format!("{p}{base}{n}"),
            (_, 1) => format!("{p}{base}"),
            (_, n) => format!("{p}{base}{n}"),
        };
        let recurrence = cron(a.at.minute, a.at.hour, &a.days);
        let action = scheduled_action(
            &p,
            a.sizes,
            &recurrence,
            wh.timezone.name(),
            a.kind == Kind::Close,
        );
        t.resource(&id, "AWS::AutoScaling::ScheduledAction", action);
    }
    Ok(())
}

/// One scheduled action. A stop also sets the desired capacity to 0; bounds
/// with min = max > 0 get the group's room for rolling updates (see
/// [`room`]) with the desired capacity held at max.
fn scheduled_action(
    p: &LayerIds,
    sizes: Sizes,
    recurrence: &str,
    timezone: &str,
    stop: bool,
) -> Value {
    let (max, desired) = if stop {
        (sizes.max, Some(0))
    } else if sizes.min == sizes.max && sizes.max > 0 {
        (room(sizes.min, sizes.max), Some(sizes.max))
    } else {
        (sizes.max, None)
    };
    let mut action = serde_json::Map::new();
    action.insert(
        "AutoScalingGroupName".into(),
        r#ref(&p.auto_scaling_group()),
    );
    action.insert("MinSize".into(), json!(sizes.min));
    action.insert("MaxSize".into(), json!(max));
    if let Some(d) = desired {
        action.insert("DesiredCapacity".into(), json!(d));
    }
    action.insert("Recurrence".into(), json!(recurrence));
    action.insert("TimeZone".into(), json!(timezone));
    Value::Object(action)
}

/// A cron recurrence: minute, hour, any day of month and month, the days.
fn cron(minute: u8, hour: u8, days: &[Weekday]) -> String {
    let days = if days.len() == 7 {
        "*".to_string()
    } else {
        days.iter()
            .map(|d| d.cron().to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    format!("{minute} {hour} * * {days}")
}
