//! What the standard library says of a value, in words for the editor: an
//! instance type's size, what a layer type installs and opens, a metric.

use std::fmt::Write as _;

use stackc_core::ir::Event;
use stackc_core::stdlib::{self, AttributeSpec, AttributeType, InstanceType, LayerType};

/// `2 vCPUs, 4 GiB, x86_64`.
pub fn instance_size(t: &InstanceType) -> String {
    let memory = if t.memory_mib.is_multiple_of(1024) {
        format!("{} GiB", t.memory_mib / 1024)
    } else if t.memory_mib > 1024 {
        format!("{:.1} GiB", f64::from(t.memory_mib) / 1024.0)
    } else {
        format!("{} MiB", t.memory_mib)
    };
    let cpus = if t.vcpus == 1 { "vCPU" } else { "vCPUs" };
    format!("{} {cpus}, {memory}, {}", t.vcpus, t.arch)
}

/// A layer type: its description, ports, app types, neighbours, default
/// instance type, the recipes it runs per event and its attributes.
pub fn layer_type(t: &LayerType) -> String {
    let std = stdlib::get();
    let mut out = format!("layer type {}\n\n{}\n\n", t.name, t.description);
    let ports: Vec<String> = t.ports.iter().map(u16::to_string).collect();
    let _ = writeln!(
        out,
        "Opens ports: {}",
        if ports.is_empty() {
            "none".to_string()
        } else {
            ports.join(", ")
        }
    );
    match (t.http_port, t.user_http_port) {
        (Some(p), _) => {
            let _ = writeln!(out, "Load balancer forwards to: port {p}");
        }
        (None, true) => {
            out.push_str("Load balancer forwards to: the port of `load-balancer port=N`\n")
        }
        (None, false) => {}
    }
    if !t.app_types.is_empty() {
        let apps: Vec<&str> = t.app_types.iter().map(|a| a.name()).collect();
        let _ = writeln!(out, "Runs apps of type: {}", apps.join(", "));
    }
    if !t.shares_with.is_empty() {
        let _ = writeln!(out, "Shares an instance with: {}", t.shares_with.join(", "));
    }
    let _ = writeln!(out, "Default instance type: {}", t.default_instance_type);
    out.push_str("\nInstalls (built-in recipes, after the common ones):\n");
    for event in Event::ALL {
        let common = std.common_recipes.get(&event).into_iter().flatten();
        let own = t.recipes.get(&event).into_iter().flatten();
        let all: Vec<&str> = common.chain(own).map(String::as_str).collect();
        if !all.is_empty() {
            let _ = writeln!(out, "  {:<10} {}", event.name(), all.join(", "));
        }
    }
    if !t.attributes.is_empty() {
        out.push_str("\nAttributes:\n");
        for a in &t.attributes {
            let _ = writeln!(out, "  {:<20} {}", a.name, attribute_type(a));
        }
    }
    out
}

/// `size, default 256MiB (node JSON php_app.memory_limit_mb)`.
pub fn attribute_type(a: &AttributeSpec) -> String {
    let ty = match &a.ty {
        AttributeType::String => "text".to_string(),
        AttributeType::Integer { min, max } => format!("integer {min}–{max}"),
        AttributeType::Boolean => "bool".to_string(),
        AttributeType::Size { .. } => "size".to_string(),
        AttributeType::Duration => "duration".to_string(),
        AttributeType::Enum { values } => values.join(" | "),
    };
    format!("{ty}, default {} (node JSON `{}`)", a.default, a.json)
}

/// A layer type's attribute, for hover.
pub fn attribute(t: &LayerType, a: &AttributeSpec) -> String {
    format!(
        "{} (an attribute of layer type {})\n\n{}\n\nWritten in the layer or in its `attributes` block.",
        a.name,
        t.name,
        attribute_type(a)
    )
}

/// A metric: what it measures and where CloudWatch has it.
pub fn metric(name: &str) -> Option<String> {
    let m = stdlib::get().metric(name)?;
    Some(format!(
        "metric {}\n\n{}\n\nCloudWatch: {} {} ({}, {})",
        m.name, m.description, m.namespace, m.metric_name, m.statistic, m.unit
    ))
}

/// An operating system: its family and packages.
pub fn os(name: &str) -> Option<String> {
    let o = stdlib::get().os.get(name)?;
    Some(format!(
        "operating system {}\n\nFamily: {}; packages: {}",
        o.name,
        o.family.name(),
        o.package
    ))
}
