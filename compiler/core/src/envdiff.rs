//! What differs between two environments of a stack (`stackc diff --env test
//! --against production`), for review: layers, sizes, scaling, recipes, apps,
//! working hours and custom JSON.
//!
//! Each environment is first turned into a review view (a JSON tree keyed by
//! layer and app names, values worded as a reviewer reads them); the two views
//! are then compared leaf by leaf. A layer or app only one side has is one
//! change, not one per field. Secrets appear by SSM parameter name only, as
//! in the IR.

use serde_json::{json, Map, Value};

use crate::emit::node::custom_part;
use crate::ir::{Comparison, Layer, Listener, Network, Source, Stack};
use crate::units::{days_text, duration_text};

/// One difference: where, and the value on each side (`None`: absent there).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// Path in the review view: `["layer web", "instance-type"]`.
    pub path: Vec<String>,
    /// The value in the environment compared against.
    pub before: Option<Value>,
    /// The value in the environment under review.
    pub after: Option<Value>,
}

/// The differences from `base` to `other`, in view order (stack, layers in
/// `other`'s order then removed ones, apps likewise, custom JSON).
pub fn compare(base: &Stack, other: &Stack) -> Vec<Change> {
    let mut out = Vec::new();
    walk(
        &mut Vec::new(),
        Some(&view(base)),
        Some(&view(other)),
        &mut out,
    );
    out
}

/// Renders the changes as the text `stackc diff --against` prints.
pub fn render(base: &Stack, other: &Stack, changes: &[Change]) -> String {
    let mut text = format!(
        "{} compared with {} ({} difference{})\n",
        other.qualified_name(),
        base.qualified_name(),
        changes.len(),
        if changes.len() == 1 { "" } else { "s" }
    );
    if changes.is_empty() {
        text.push_str("  the two environments compile to the same stack\n");
        return text;
    }
    let mut section: Option<&str> = None;
    for change in changes {
        let head = change.path[0].as_str();
        if section != Some(head) {
            text.push_str(&format!("  {head}\n"));
            section = Some(head);
        }
        let field = change.path[1..].join(".");
        let line = match (&change.before, &change.after) {
            (None, Some(v)) if field.is_empty() => format!("+ added: {}", summary(v)),
            (Some(_), None) if field.is_empty() => "- removed".to_string(),
            (None, Some(v)) => format!("+ {field}: {}", show(v)),
            (Some(v), None) => format!("- {field}: {}", show(v)),
            (Some(a), Some(b)) => format!("~ {field}: {} -> {}", show(a), show(b)),
            (None, None) => continue,
        };
        text.push_str(&format!("    {line}\n"));
    }
    text
}

/// Colours a change listing for a terminal, as `diff --color` does: a line
/// whose first mark is `+` green, `-` red, `~` yellow.
pub fn paint(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    for line in text.split_inclusive('\n') {
        let code = match line.trim_start().as_bytes() {
            [b'+', b' ', ..] => Some("32"),
            [b'-', b' ', ..] => Some("31"),
            [b'~', b' ', ..] => Some("33"),
            _ => None,
        };
        match code {
            Some(code) => {
                let body = line.trim_start().trim_end_matches('\n');
                let indent = &line[..line.len() - line.trim_start().len()];
                out.push_str(&format!("{indent}\x1b[{code}m{body}\x1b[0m"));
                out.push_str(&line[indent.len() + body.len()..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

fn walk(path: &mut Vec<String>, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<Change>) {
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            let keys = y.keys().chain(x.keys().filter(|k| !y.contains_key(*k)));
            for key in keys {
                path.push(key.clone());
                walk(path, x.get(key), y.get(key), out);
                path.pop();
            }
        }
        (a, b) if a == b => {}
        (a, b) => out.push(Change {
            path: path.clone(),
            before: a.cloned(),
            after: b.cloned(),
        }),
    }
}

/// A whole added layer or app, in one line.
fn summary(v: &Value) -> String {
    match v {
        Value::Object(m) => m
            .iter()
            .filter(|(_, v)| matches!(v, Value::String(_) | Value::Number(_)))
            .map(|(k, v)| format!("{k} {}", show(v)))
            .collect::<Vec<_>>()
            .join(", "),
        v => show(v),
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) if items.iter().all(Value::is_string) => {
            let names: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
            format!("[{}]", names.join(", "))
        }
        v => v.to_string(),
    }
}

/// The review view of one environment.
pub fn view(stack: &Stack) -> Value {
    let mut root = Map::new();
    root.insert("stack".into(), stack_view(stack));
    for layer in &stack.layers {
        root.insert(format!("layer {}", layer.name), layer_view(layer));
    }
    for app in &stack.apps {
        let source = match &app.source {
            Source::Git {
                url,
                revision,
                ssh_key_secret,
            } => match ssh_key_secret {
                Some(key) => format!("git {url} at {revision} (key from secret {key})"),
                None => format!("git {url} at {revision}"),
            },
            Source::S3 { url } => format!("s3 {url}"),
            Source::Http { url } => format!("http {url}"),
        };
        let mut v = json!({
            "type": app.app_type,
            "layer": app.layer,
            "source": source,
            "sites": app.sites.iter().map(|s| {
                let mut site = s.domain.clone();
                if !s.aliases.is_empty() {
                    site.push_str(&format!(" (alias {})", s.aliases.join(", ")));
                }
                format!("{site} -> {}", s.root)
            }).collect::<Vec<_>>(),
            "env": app.env.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect::<Map<_, _>>(),
            "secrets": app.secrets.iter().map(|s| (s.name.clone(), Value::String(format!("ssm {}", s.ssm)))).collect::<Map<_, _>>(),
        });
        if let Some(db) = &app.database {
            v["database"] = Value::String(format!(
                "{} {}@{}:{}/{}",
                db.adapter, db.user, db.host, db.port, db.name
            ));
        }
        root.insert(format!("app {}", app.name), v);
    }
    root.insert("custom-json".into(), custom_part(stack));
    Value::Object(root)
}

fn stack_view(stack: &Stack) -> Value {
    let network = match &stack.network {
        Network::NewVpc { cidr, zones, nat } => {
            format!("new VPC {cidr} in {zones} zones, {}", nat.describe())
        }
        Network::Existing {
            vpc_id,
            public_subnets,
            private_subnets,
        } => format!(
            "VPC {vpc_id}, public subnets {}, private subnets {}",
            public_subnets.join(" "),
            private_subnets.join(" ")
        ),
    };
    let mut v = json!({
        "region": stack.region,
        "os": stack.os,
        "network": network,
        "notify": stack.notify,
        "working-hours": match &stack.working_hours {
            Some(w) => w.to_string(),
            None => "always on".to_string(),
        },
    });
    if let Some(d) = &stack.description {
        v["description"] = Value::String(d.clone());
    }
    v
}

fn layer_view(layer: &Layer) -> Value {
    let mut v = Map::new();
    let mut put = |k: &str, x: Value| {
        v.insert(k.to_string(), x);
    };
    put("type", json!(layer.type_name));
    match &layer.on {
        Some(host) => put("on", json!(host)),
        None => {
            put("instance-type", json!(layer.instance_type.name));
            put("chef", json!(layer.chef.describe()));
        }
    }
    put(
        "volumes",
        json!(layer
            .volumes
            .iter()
            .map(|v| format!("{} {} GiB", v.mount, v.size_gib))
            .collect::<Vec<_>>()),
    );
    if let Some(s) = &layer.scaling {
        put("min", json!(s.min));
        put("max", json!(s.max));
        let rule = |r: &Option<crate::ir::LoadRule>, word: &str, verb: &str| match r {
            Some(r) => json!(format!(
                "{} {word} {} for {}: {verb} {}",
                r.metric.name,
                r.threshold,
                duration_text(r.period_secs),
                r.count
            )),
            None => json!("none"),
        };
        put("scale-up", rule(&s.up, "above", "add"));
        put("scale-down", rule(&s.down, "below", "remove"));
        put(
            "schedule",
            match &s.schedule {
                Some(sched) => json!(sched
                    .entries
                    .iter()
                    .map(|e| format!(
                        "{} {} min {} max {} ({})",
                        days_text(&e.days),
                        e.at,
                        e.min,
                        e.max,
                        sched.timezone
                    ))
                    .collect::<Vec<_>>()),
                None => json!([]),
            },
        );
    }
    put(
        "load-balancer",
        match &layer.load_balancer {
            Some(lb) => {
                let listeners: Vec<String> = lb
                    .listeners
                    .iter()
                    .map(|l| match l {
                        Listener::Http => "http".to_string(),
                        Listener::Https { certificate } => format!("https ({certificate})"),
                    })
                    .collect();
                let hc = &lb.health_check;
                json!({
                    "listeners": listeners,
                    "health-check": format!(
                        "{} every {}, healthy {}, unhealthy {}",
                        hc.path, duration_text(hc.interval_secs), hc.healthy, hc.unhealthy
                    ),
                })
            }
            None => json!("none"),
        },
    );
    put(
        "recipes",
        Value::Object(
            layer
                .recipes
                .iter()
                .map(|(e, rs)| {
                    let names: Vec<String> = rs.iter().map(|r| r.run_list_name()).collect();
                    (e.name().to_string(), json!(names))
                })
                .collect(),
        ),
    );
    put("logs", json!(layer.logs));
    put(
        "log-retention",
        json!(format!("{} days", layer.log_retention_days)),
    );
    put(
        "alarms",
        Value::Object(
            layer
                .alarms
                .iter()
                .map(|a| {
                    let cmp = match a.comparison {
                        Comparison::Above => "above",
                        Comparison::Below => "below",
                    };
                    let text = format!(
                        "{} {cmp} {} for {}",
                        a.metric.name,
                        a.threshold,
                        duration_text(a.period_secs)
                    );
                    (a.name.clone(), json!(text))
                })
                .collect(),
        ),
    );
    put("attributes", layer.attributes.clone());
    Value::Object(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::AllExist;

    fn program(src: &str) -> crate::ir::Program {
        let opts = crate::check::Options {
            base_dir: std::path::Path::new("/stack"),
            files: &AllExist,
        };
        let (p, diags) = crate::check::check_source(src, &opts);
        assert!(!crate::diag::has_errors(&diags), "{diags:#?}");
        p.expect("program")
    }

    #[test]
    fn a_painted_listing_colours_each_mark_and_keeps_the_text() {
        let text = "Plan for s (update):\n  layer web\n    + WebGroup  AWS::AutoScaling::AutoScalingGroup\n    - Old  X\n    ~ Lt  Y  (in place)\n1 to add, 1 to change (0 replaced or possibly replaced), 1 to remove.\n";
        let painted = paint(text);
        assert!(
            painted.contains("    \x1b[32m+ WebGroup  AWS::AutoScaling::AutoScalingGroup\x1b[0m\n")
        );
        assert!(painted.contains("    \x1b[31m- Old  X\x1b[0m\n"));
        assert!(painted.contains("    \x1b[33m~ Lt  Y  (in place)\x1b[0m\n"));
        // The counts line starts with a digit: not a mark.
        assert!(painted.ends_with("1 to remove.\n"));
        let plain: String = painted
            .replace("\x1b[32m", "")
            .replace("\x1b[31m", "")
            .replace("\x1b[33m", "")
            .replace("\x1b[0m", "");
        assert_eq!(plain, text);
    }

    const SRC: &str = r#"
stack s {
    region eu-west-1
    network { vpc cidr="10.0.0.0/16" zones=2 }
    custom-json { app { ttl 300; debug #false } }
    layer web type=php-app {
        instance-type t3.small
        scaling { instances min=2 max=10 }
    }
    layer cache type=memcached { on web }
    app shop type=php layer=web {
        source git="https://example.com/shop.git" revision=v1
        site shop.example root=public
        secret DB_PASSWORD ssm="/s/prod/db"
    }
    environment test {
        layer web { instance-type t3.micro; scaling { instances min=1 max=2 } }
        layer jobs type=custom { scaling { instances min=0 max=1 } }
        working-hours "mon-fri 08:00-20:00" timezone="Europe/Madrid"
        custom-json { app { ttl 5 } }
    }
}
"#;

    #[test]
    fn overrides_show_as_changes_and_nothing_else() {
        let p = program(SRC);
        let (prod, test) = (&p.environments[0], &p.environments[1]);
        let changes = compare(prod, test);
        let lines: Vec<String> = changes
            .iter()
            .map(|c| format!("{} {:?} {:?}", c.path.join("/"), c.before, c.after))
            .collect();
        assert!(
            lines.iter().any(|l| l.starts_with("stack/working-hours")),
            "{lines:#?}"
        );
        assert!(
            lines.contains(
                &r#"layer web/instance-type Some(String("t3.small")) Some(String("t3.micro"))"#
                    .to_string()
            ),
            "{lines:#?}"
        );
        assert!(
            lines.contains(&"layer web/min Some(Number(2)) Some(Number(1))".to_string()),
            "{lines:#?}"
        );
        assert!(
            lines.contains(&"layer web/max Some(Number(10)) Some(Number(2))".to_string()),
            "{lines:#?}"
        );
        assert!(
            lines.contains(&"custom-json/app/ttl Some(Number(300)) Some(Number(5))".to_string()),
            "{lines:#?}"
        );
        let added = changes
            .iter()
            .find(|c| c.path == ["layer jobs"])
            .expect("jobs added");
        assert!(added.before.is_none() && added.after.is_some());
        // Nothing about the untouched layer, app or the rest of the custom JSON.
        assert!(
            !lines.iter().any(|l| l.starts_with("layer cache")
                || l.starts_with("app shop")
                || l.contains("debug")),
            "{lines:#?}"
        );
        assert_eq!(changes.len(), 6, "{lines:#?}");

        let text = render(prod, test, &changes);
        assert!(
            text.starts_with("s-test compared with s-production (6 differences)\n"),
            "{text}"
        );
        assert!(
            text.contains("  layer web\n    ~ instance-type: t3.small -> t3.micro\n"),
            "{text}"
        );
        assert!(
            text.contains("  layer jobs\n    + added: type custom, instance-type "),
            "{text}"
        );
    }

    #[test]
    fn an_environment_against_itself_has_no_differences() {
        let p = program(SRC);
        let test = &p.environments[1];
        assert!(compare(test, test).is_empty());
        assert!(render(test, test, &[]).contains("the same stack"));
    }

    #[test]
    fn removed_layers_and_reversed_comparisons() {
        let p = program(SRC);
        let (prod, test) = (&p.environments[0], &p.environments[1]);
        let changes = compare(test, prod);
        let removed = changes
            .iter()
            .find(|c| c.path == ["layer jobs"])
            .expect("jobs removed");
        assert!(removed.before.is_some() && removed.after.is_none());
        assert!(render(test, prod, &changes).contains("  layer jobs\n    - removed\n"));
    }
}
