//! A layer's logs and alarms.

use super::absolute_path;
use crate::check::{duplicate, firsts, Checker};
use crate::diag::{did_you_mean, Code, Diagnostic, Span};
use crate::ir::{Alarm, Comparison};
use crate::schema::nodes;
use crate::stdlib::MetricSource;
use crate::syntax::{Node, Value};
use crate::units;

impl Checker<'_> {
    pub(super) fn logs(&mut self, node: &Node, retention: &mut Option<(u32, Span)>) -> Vec<String> {
        self.shape(node, &nodes::LOGS);
        if node.args.is_empty() {
            self.arg(node, 0, "a log file path");
        }
        if let Some(v) = node.prop("retention") {
            if let Some(days) = self.retention(v) {
                match retention {
                    Some((d, first)) if *d != days => self.push(
                        Diagnostic::error(
                            Code::BadRetention,
                            v.span,
                            format!("the layer's logs already keep {d} days"),
                        )
                        .related(*first, "set here")
                        .help("a layer's log files share one log group: give the retention once"),
                    ),
                    _ => *retention = Some((days, v.span)),
                }
            }
        }
        node.args
            .iter()
            .filter_map(|v| {
                self.parsed(v, "log file path", Code::BadPath, absolute_path)
                    .filter(|p| self.no_control(v.span, p, "log file path"))
            })
            .collect()
    }

    fn retention(&mut self, v: &Value) -> Option<u32> {
        let secs = self.duration(v, "retention")?;
        let days = secs / 86_400;
        if secs % 86_400 == 0 && units::RETENTION_DAYS.contains(&(days as u32)) {
            return Some(days as u32);
        }
        let closest = units::RETENTION_DAYS
            .iter()
            .min_by_key(|d| (i64::from(**d) - days as i64).abs())
            .copied()
            .unwrap_or(30);
        self.push(
            Diagnostic::error(Code::BadRetention, v.span, "CloudWatch Logs does not offer this retention")
                .label("not a CloudWatch retention")
                .help(format!("the closest one is retention=\"{closest}d\"; `stackc explain bad_retention` lists them")),
        );
        None
    }

    pub(super) fn alarms(&mut self, nodes: &[&Node], has_lb: bool) -> Option<Vec<Alarm>> {
        let mut out: Vec<(Alarm, Span)> = Vec::new();
        let mut ok = true;
        for node in nodes {
            let before = self.errors;
            if let Some(a) = self.alarm(node, has_lb) {
                if let Some((_, first)) = out.iter().find(|(x, _)| x.name == a.name) {
                    self.push(duplicate("alarm", &a.name, node.args[0].span, *first));
                } else {
                    out.push((a, node.args[0].span));
                }
            }
            ok &= self.errors == before;
        }
        ok.then(|| firsts(out))
    }

    fn alarm(&mut self, node: &Node, has_lb: bool) -> Option<Alarm> {
        self.shape(node, &nodes::ALARM);
        let name = self
            .arg(node, 0, "a name")
            .and_then(|v| self.name(v, "alarm name"));
        let metric = self.prop(node, "metric", true).and_then(|v| {
            let text = self.string(v, "metric")?;
            let Some(m) = self.std.metric(text) else {
                let names: Vec<&str> = self.std.metrics.iter().map(|m| m.name.as_str()).collect();
                self.push(
                    Diagnostic::error(
                        Code::UnknownMetric,
                        v.span,
                        format!("unknown metric `{text}`"),
                    )
                    .label("unknown metric")
                    .help(did_you_mean(text, &names)),
                );
                return None;
            };
            if m.source == MetricSource::LoadBalancer && !has_lb {
                self.push(
                    Diagnostic::error(
                        Code::MetricNeedsLoadBalancer,
                        v.span,
                        format!("`{text}` comes from a load balancer, and this layer has none"),
                    )
                    .label("needs a load balancer")
                    .help("add a `load-balancer` block to the layer, or use cpu, memory or load"),
                );
                return None;
            }
            Some(m.clone())
        });
        let (comparison, threshold) = match (node.prop("above"), node.prop("below")) {
            (Some(a), None) => (Comparison::Above, a),
            (None, Some(b)) => (Comparison::Below, b),
            (Some(_), Some(b)) => {
                self.push(
                    Diagnostic::error(
                        Code::DuplicateProperty,
                        b.span,
                        "an alarm takes `above=` or `below=`, not both",
                    )
                    .help("make two alarms for two thresholds"),
                );
                return None;
            }
            (None, None) => {
                self.push(
                    Diagnostic::error(
                        Code::MissingProperty,
                        node.name_span,
                        "the alarm needs `above=` or `below=`",
                    )
                    .help("for example `alarm errors-5xx metric=target-5xx above=20 for=\"5m\"`"),
                );
                return None;
            }
        };
        let percent = metric.as_ref().is_some_and(|m| m.unit == "Percent");
        let threshold = self.number(
            threshold,
            "threshold",
            0.0,
            if percent { 100.0 } else { 1e9 },
        );
        let period = match node.prop("for") {
            Some(v) => self.period(v),
            None => Some(300),
        };
        Some(Alarm {
            name: name?,
            metric: metric?,
            comparison,
            threshold: threshold?,
            period_secs: period?,
        })
    }
}
