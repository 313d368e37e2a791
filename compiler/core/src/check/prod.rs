//! Warnings about production that is easy to get wrong and still builds:
//! a load balancer that serves plain HTTP, and a layer that serves traffic
//! from one instance that nothing scales.

use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::ir::{App, Layer, Listener};
use crate::syntax::Node;

/// The environment these warnings are about.
pub(super) const PRODUCTION: &str = "production";

impl Checker<'_> {
    /// Warns about production's layers (the stack as written, not another
    /// environment, which may well be small and plain).
    pub(super) fn production_warnings(&mut self, nodes: &[&Node], layers: &[Layer], apps: &[App]) {
        for layer in layers {
            let Some(node) = nodes.iter().find(|n| {
                n.name == "layer" && n.args.first().and_then(|a| a.as_str()) == Some(&layer.name)
            }) else {
                continue;
            };
            if let Some(lb) = &layer.load_balancer {
                if lb.listeners.iter().all(|l| matches!(l, Listener::Http)) {
                    self.plain_http(node, &layer.name);
                }
            }
            let serves =
                layer.load_balancer.is_some() || apps.iter().any(|a| a.layer == layer.name);
            if serves && layer.has_instances() && most_instances(layer) <= 1 {
                self.single_instance(node, layer);
            }
        }
    }

    fn plain_http(&mut self, layer: &Node, name: &str) {
        let listener = layer
            .kids()
            .iter()
            .filter(|k| k.name == "load-balancer")
            .flat_map(|k| k.kids())
            .find(|k| k.name == "listener");
        let span = listener.map_or(layer.name_span, Node::head_span);
        self.push(
            Diagnostic::warning(
                Code::PlainHttpInProduction,
                span,
                format!("layer `{name}`'s load balancer serves production over plain HTTP"),
            )
            .label("no HTTPS listener")
            .help("listen with `listener https certificate=\"arn:aws:acm:...\"` (HTTP then redirects to HTTPS); keep plain HTTP to an environment other than production"),
        );
    }

    fn single_instance(&mut self, layer: &Node, ir: &Layer) {
        let instances = layer
            .kids()
            .iter()
            .filter(|k| k.name == "scaling")
            .flat_map(|k| k.kids())
            .find(|k| k.name == "instances");
        let span = instances
            .map(Node::head_span)
            .or_else(|| layer.args.first().map(|a| a.span))
            .unwrap_or(layer.name_span);
        let why = if ir.load_balancer.is_some() {
            "its load balancer"
        } else {
            "its apps"
        };
        self.push(
            Diagnostic::warning(
                Code::SingleInstanceInProduction,
                span,
                format!(
                    "layer `{}` serves production from a single instance and nothing scales it",
                    ir.name
                ),
            )
            .label("one instance")
            .help(format!(
                "{why} go down with that instance until Auto Scaling has replaced it (a failed health check, a problem in its zone): run two or more, one per zone, with `scaling {{ instances min=2 max=4 }}`, or add `load` rules"
            )),
        );
    }
}

/// The most instances a layer runs: its max when load rules or a schedule
/// move it, else its min (the group stays there).
fn most_instances(layer: &Layer) -> u32 {
    match &layer.scaling {
        None => 1,
        Some(s) if s.up.is_some() || s.schedule.is_some() => s.max,
        Some(s) => s.min,
    }
}
