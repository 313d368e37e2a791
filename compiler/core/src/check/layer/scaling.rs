//! A layer's scaling: bounds, load rules, periods and the schedule.

use crate::check::{exact, Checker};
use crate::diag::{Code, Diagnostic, Span};
use crate::ir::{LoadRule, Scaling, Schedule, ScheduleEntry};
use crate::schema::{nodes, NodeDef};
use crate::syntax::{Node, Value};
use crate::units;

impl Checker<'_> {
    pub(super) fn scaling(&mut self, node: &Node) -> Option<Scaling> {
        let kids = self.shape(node, &nodes::SCALING);
        let mut bounds = Some((1, 1));
        let (mut up, mut down, mut schedule) = (None, None, None);
        let mut ok = true;
        for kid in kids {
            let before = self.errors;
            match kid.name.as_str() {
                "instances" => {
                    self.shape(kid, &nodes::INSTANCES);
                    bounds = self.bounds(kid);
                }
                "load" => (up, down) = self.load(kid),
                "schedule" => schedule = self.schedule(kid),
                _ => {}
            }
            ok &= self.errors == before;
        }
        let (min, max) = bounds?;
        // A group whose min is its max gets one instance of room above max
        // for rolling updates (see emit::cfn::layer): a load rule could use
        // that room and has none of its own, so it is left out, with a
        // warning (an environment pinning a layer to one size is common).
        if (up.is_some() || down.is_some()) && min == max {
            let span = kids
                .iter()
                .find(|k| k.name == "load")
                .map_or(node.name_span, |k| k.name_span);
            self.push(
                Diagnostic::warning(
                    Code::LoadRulesInert,
                    span,
                    format!("these load rules can never act: min and max are both {min}"),
                )
                .label("no scaling policy is emitted for them")
                .help(format!(
                    "raise max above {min} in `instances` to let them scale, or remove `load`"
                )),
            );
            up = None;
            down = None;
        }
        ok.then_some(Scaling {
            min,
            max,
            up,
            down,
            schedule,
        })
    }

    /// `min=` and `max=` with 0 <= min <= max <= 1000.
    fn bounds(&mut self, node: &Node) -> Option<(u32, u32)> {
        let min = self
            .prop(node, "min", true)
            .and_then(|v| self.int(v, "min", 0, 1000));
        let max = self
            .prop(node, "max", true)
            .and_then(|v| self.int(v, "max", 0, 1000));
        let (min, max) = (min?, max?);
        if min > max {
            let span = node.prop("max").map_or(node.name_span, |v| v.span);
            self.push(
                Diagnostic::error(
                    Code::ScalingRange,
                    span,
                    format!("max={max} is below min={min}"),
                )
                .label("below min")
                .help(format!("raise max to at least {min}, or lower min")),
            );
            return None;
        }
        Some((min as u32, max as u32))
    }

    fn load(&mut self, node: &Node) -> (Option<LoadRule>, Option<LoadRule>) {
        let kids = self.shape(node, &nodes::LOAD);
        let mut up: Option<(LoadRule, Span)> = None;
        let mut down: Option<(LoadRule, Span)> = None;
        for kid in kids {
            match kid.name.as_str() {
                "up" => up = self.load_rule(kid, &nodes::UP, "above", "add"),
                "down" => down = self.load_rule(kid, &nodes::DOWN, "below", "remove"),
                _ => {}
            }
        }
        if kids.is_empty() && node.children.is_some() {
            self.push(
                Diagnostic::error(Code::MissingNode, node.name_span, "`load` has no rules")
                    .help("add `up cpu-above=70 for=\"5m\" add=1` and `down cpu-below=25 for=\"15m\" remove=1`"),
            );
        }
        if let (Some((u, _)), Some((d, dspan))) = (&up, &down) {
            if u.metric.name == d.metric.name && d.threshold >= u.threshold {
                self.push(
                    Diagnostic::error(
                        Code::ScalingThresholds,
                        *dspan,
                        format!(
                            "scale-in threshold ({}) is not below scale-out threshold ({}) for {}",
                            d.threshold, u.threshold, u.metric.name
                        ),
                    )
                    .label("not below the up threshold")
                    .help("leave a gap between the two, such as up at 70 and down at 25"),
                );
                return (None, None);
            }
        }
        (up.map(|(r, _)| r), down.map(|(r, _)| r))
    }

    fn load_rule(
        &mut self,
        node: &Node,
        def: &'static NodeDef,
        dir: &str,
        count_key: &str,
    ) -> Option<(LoadRule, Span)> {
        let keys: Vec<String> = ["cpu", "memory", "load"]
            .iter()
            .map(|m| format!("{m}-{dir}"))
            .collect();
        self.shape(node, def);
        let given: Vec<_> = node
            .props
            .iter()
            .filter(|p| keys.iter().any(|k| p.key == *k))
            .collect();
        let Some(first) = given.first() else {
            self.push(
                Diagnostic::error(
                    Code::MissingProperty,
                    node.name_span,
                    format!("`{}` needs a threshold", node.name),
                )
                .help(format!(
                    "add one of {}",
                    keys.iter()
                        .map(|k| format!("{k}="))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
            return None;
        };
        if let Some(second) = given.iter().skip(1).find(|p| p.key != first.key) {
            self.push(
                Diagnostic::error(
                    Code::DuplicateProperty,
                    second.value.span,
                    format!("`{}` takes one threshold", node.name),
                )
                .related(first.value.span, "first threshold")
                .help("a rule watches one metric; keep one threshold"),
            );
            return None;
        }
        let metric_name = first.key.split('-').next().unwrap_or("cpu");
        let max = if metric_name == "load" { 1000.0 } else { 100.0 };
        let threshold = self.number(&first.value, &first.key, 0.0, max);
        let period = match node.prop("for") {
            Some(v) => self.period(v),
            None => Some(300),
        };
        let count = match node.prop(count_key) {
            Some(v) => self.int(v, count_key, 1, 100),
            None => Some(1),
        };
        let metric = self.std.metric(metric_name)?.clone();
        Some((
            LoadRule {
                metric,
                threshold: threshold?,
                period_secs: period?,
                count: count? as u32,
            },
            first.value.span,
        ))
    }

    /// An alarm or scaling period: whole minutes, 1 minute to 1 day.
    pub(super) fn period(&mut self, v: &Value) -> Option<u64> {
        let secs = self.duration(v, "period")?;
        if secs < 60 || secs % 60 != 0 || secs > 86_400 {
            self.push(
                Diagnostic::error(
                    Code::BadDuration,
                    v.span,
                    "CloudWatch evaluates whole minutes, from 1m to 1d",
                )
                .label("not whole minutes")
                .help(format!(
                    "use a whole number of minutes, such as for=\"{}m\"",
                    (secs / 60).clamp(1, 1440)
                )),
            );
            return None;
        }
        Some(secs)
    }

    fn schedule(&mut self, node: &Node) -> Option<Schedule> {
        let kids = self.shape(node, &nodes::SCHEDULE);
        let timezone = match node.prop("timezone") {
            Some(v) => self.timezone(v),
            None => Some(chrono_tz::UTC),
        };
        let mut entries = Vec::new();
        let mut ok = true;
        for kid in kids {
            if kid.name != "at" {
                ok = false;
                continue;
            }
            self.shape(kid, &nodes::AT);
            let when = self
                .arg(kid, 0, "days and a time such as \"mon-fri 07:00\"")
                .and_then(|v| self.parsed(v, "schedule", Code::BadSchedule, units::day_time));
            let bounds = self.bounds(kid);
            match (when, bounds) {
                (Some((days, at)), Some((min, max))) => entries.push(ScheduleEntry {
                    days,
                    at,
                    min,
                    max,
                    span: kid.args[0].span,
                }),
                _ => ok = false,
            }
        }
        if kids.is_empty() {
            self.push(
                Diagnostic::error(
                    Code::MissingNode,
                    node.name_span,
                    "`schedule` has no entries",
                )
                .help("add entries such as `at \"mon-fri 07:00\" min=1 max=3`"),
            );
            return None;
        }
        Some(Schedule {
            timezone: timezone?,
            entries: exact(entries),
            span: node.prop("timezone").map_or(node.name_span, |v| v.span),
        })
        .filter(|_| ok)
    }
}
