//! A layer's alarms, notifying the stack's topic.

use serde_json::json;

use super::scaling::periods;
use super::Shared;
use crate::emit::cfn::ids::LayerIds;
use crate::emit::cfn::template::{get_att, pascal, r#ref, Template};
use crate::ir::{Alarm, Comparison, Layer, Stack};
use crate::stdlib::{self, MetricSource};

/// A layer's alarms: its own, then the defaults of a load-balanced layer
/// (unhealthy hosts, 5xx) unless it sets one on that metric or of that name.
/// The flag is true for a default.
pub fn layer_alarms(layer: &Layer) -> Vec<(Alarm, bool)> {
    let mut all: Vec<(Alarm, bool)> = layer.alarms.iter().map(|a| (a.clone(), false)).collect();
    if layer.load_balancer.is_some() {
        let std = stdlib::get();
        for (name, metric, threshold) in [
            ("unhealthy-hosts", "unhealthy-hosts", 0.0),
            ("errors-5xx", "target-5xx", 10.0),
        ] {
            let Some(m) = std.metric(metric) else {
                continue;
            };
            if !layer
                .alarms
                .iter()
                .any(|a| a.metric.name == metric || a.name == name)
            {
                all.push((
                    Alarm {
                        name: name.to_string(),
                        metric: m.clone(),
                        comparison: Comparison::Above,
                        threshold,
                        period_secs: 300,
                    },
                    true,
                ));
            }
        }
    }
    all
}

/// The layer's alarms (see [`layer_alarms`]).
pub(super) fn alarms(
    t: &mut Template,
    stack: &Stack,
    host: &Layer,
    layer: &Layer,
    shared: &Shared,
) {
    let lp = LayerIds::new(&layer.name);
    let all = layer_alarms(layer);
    for (alarm, _) in all {
        let Alarm {
            name,
            metric,
            comparison,
            threshold,
            period_secs: secs,
        } = alarm;
        let dimensions = match metric.source {
            MetricSource::Instance => json!([{
                "Name": "AutoScalingGroupName",
                "Value": r#ref(&LayerIds::new(&host.name).auto_scaling_group()),
            }]),
            MetricSource::LoadBalancer => json!([
                { "Name": "LoadBalancer", "Value": get_att(&lp.load_balancer(), "LoadBalancerFullName") },
                { "Name": "TargetGroup", "Value": get_att(&lp.target_group(), "TargetGroupFullName") },
            ]),
        };
        let (period, evaluations) = periods(secs);
        t.resource(
            &format!("{lp}{}Alarm", pascal(&name)),
            "AWS::CloudWatch::Alarm",
            json!({
                "AlarmDescription": format!(
                    "stackc {}: layer {}: {} {} {} for {}s",
                    stack.qualified_name(), layer.name, metric.name,
                    if comparison == Comparison::Above { "above" } else { "below" }, threshold, secs
                ),
                "Namespace": metric.namespace,
                "MetricName": metric.metric_name,
                "Statistic": metric.statistic,
                "Dimensions": dimensions,
                "Period": period,
                "EvaluationPeriods": evaluations,
                "Threshold": threshold,
                "ComparisonOperator": if comparison == Comparison::Above { "GreaterThanThreshold" } else { "LessThanThreshold" },
                "TreatMissingData": "notBreaching",
                "AlarmActions": [shared.topic],
                "OKActions": [shared.topic],
            }),
        );
    }
}
