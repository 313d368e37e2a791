//! The agent's jq programs (`stdlib/agent/*.jq`, shipped in the bundle under
//! `bin/`), evaluated here with jaq exactly as the agent evaluates them with
//! jq on the instance, so `stackc node-json` shows what a Chef run receives
//! by the same code.

use serde_json::Value;

/// Merges the bundle's node JSON parts and the live data (`live.jq`).
pub const LIVE_JQ: &str = include_str!("../../../../stdlib/agent/live.jq");
/// Puts secret values where OpsWorks put them (`secrets.jq`).
pub const SECRETS_JQ: &str = include_str!("../../../../stdlib/agent/secrets.jq");
/// The Chef 12 data bags of a run (`databags.jq`).
pub const DATABAGS_JQ: &str = include_str!("../../../../stdlib/agent/databags.jq");

/// The agent's programs as the bundle holds them under `bin/`.
pub const PROGRAMS: [(&str, &str); 3] = [
    ("databags.jq", DATABAGS_JQ),
    ("live.jq", LIVE_JQ),
    ("secrets.jq", SECRETS_JQ),
];

/// Runs the jq program `code` (named `name` in errors) on `input` and
/// returns its single output.
pub fn run(name: &str, code: &str, input: &Value) -> Result<Value, String> {
    use jaq_core::load::{Arena, File, Loader};
    use jaq_core::{data, unwrap_valr, Compiler, Ctx, Vars};
    use jaq_json::Val;

    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs());
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs());
    let loader = Loader::new(defs);
    let arena = Arena::default();
    let modules = loader
        .load(&arena, File { code, path: () })
        .map_err(|e| format!("{name}: cannot parse: {e:?}"))?;
    let filter = Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|e| format!("{name}: cannot compile: {e:?}"))?;
    let text = serde_json::to_string(input).map_err(|e| e.to_string())?;
    let input =
        jaq_json::read::parse_single(text.as_bytes()).map_err(|e| format!("{name}: input: {e}"))?;
    let ctx = Ctx::<data::JustLut<Val>>::new(&filter.lut, Vars::new([]));
    let mut outputs = filter.id.run((ctx, input)).map(unwrap_valr);
    let out = match outputs.next() {
        Some(Ok(v)) => v,
        Some(Err(e)) => return Err(format!("{name}: {e}")),
        None => return Err(format!("{name}: no output")),
    };
    if outputs.next().is_some() {
        return Err(format!("{name}: more than one output"));
    }
    serde_json::from_str(&out.to_string()).map_err(|e| format!("{name}: output: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn live_jq_merges_the_parts_and_the_fleet() {
        let stack = json!({"opsworks": {"stack": {"id": "s"}, "layers": {
            "web": {"type": "php-app", "host": "web", "instances": {}},
            "cache": {"type": "memcached", "host": "db", "instances": {}}}}});
        let group = json!({"stackc": {"host_layer": "web", "region": "eu-west-1"},
            "opsworks": {"instance": {"layers": ["web"]}},
            "deploy": {"a": {"memcached": {"host": null}}, "b": {"memcached": {"host": "x"}}},
            "run_list": ["recipe[a]"], "opsworks_custom_cookbooks": {"recipes": ["a"]}});
        let custom = json!({"deploy": {"a": {"flag": 1}}, "run_list": ["nope"]});
        let live = json!({"event": "deploy", "app": "a", "recipes": null, "sent_at": 5,
            "deployment": null, "log_groups": {"web": "/g"},
            "self": {"id": "i-01", "private_ip": "10.0.0.1", "availability_zone": "eu-west-1a",
                     "instance_type": "t3.small", "architecture": "x86_64"},
            "instances": [
                {"id": "i-01", "layer": "web", "private_ip": "10.0.0.1", "private_dns_name": "d1",
                 "availability_zone": "eu-west-1a", "instance_type": "t3.small", "lifecycle_state": "Pending:Wait"},
                {"id": "i-02", "layer": "db", "private_ip": "10.0.0.2", "private_dns_name": "d2",
                 "availability_zone": "eu-west-1b", "instance_type": "t3.small", "lifecycle_state": "InService"},
                {"id": "i-03", "layer": "db", "private_ip": "10.0.0.3", "private_dns_name": "d3",
                 "availability_zone": "eu-west-1b", "instance_type": "t3.small", "lifecycle_state": null}]});
        let out = run("live.jq", LIVE_JQ, &json!([stack, group, custom, live])).unwrap();
        assert_eq!(
            out["run_list"],
            json!(["recipe[a]"]),
            "the group's run list wins"
        );
        assert_eq!(
            out["deploy"],
            json!({"a": {"flag": 1, "memcached": {"host": "10.0.0.2"}}})
        );
        assert_eq!(out["opsworks"]["instance"]["hostname"], "web-01");
        assert_eq!(out["opsworks"]["instance"]["private_dns_name"], "d1");
        assert_eq!(
            out["opsworks"]["layers"]["web"]["instances"]["web-01"]["status"],
            "running_setup"
        );
        assert_eq!(
            out["opsworks"]["layers"]["cache"]["instances"],
            json!({"db-02": {"aws_instance_id": "i-02", "private_ip": "10.0.0.2",
                "private_dns_name": "d2", "availability_zone": "eu-west-1b",
                "instance_type": "t3.small", "region": "eu-west-1", "status": "online",
                "ip": null, "public_dns_name": null, "backends": 1}})
        );
        assert_eq!(out["stackc"]["log_groups"], json!({"web": "/g"}));
        assert_eq!(out["opsworks"]["sent_at"], 5);
    }

    #[test]
    fn live_jq_fills_what_opsworks_added() {
        let stack = json!({"opsworks": {"stack": {"id": "s", "vpc_id": null,
            "elb-load-balancers": [{"layer_id": "php", "layer": "php", "name": null, "dns_name": null},
                                   {"layer_id": "lb", "layer": "lb", "name": null, "dns_name": null}]},
            "layers": {
                "php": {"type": "php-app", "host": "php", "instances": {}},
                "node": {"type": "nodejs-app", "host": "node", "instances": {}},
                "lb": {"type": "haproxy", "host": "lb", "instances": {}}}}});
        let group = json!({"stackc": {"host_layer": "lb", "region": "eu-west-1"},
            "opsworks": {"instance": {"layers": ["lb"], "backends": 2}},
            "haproxy": {"php_backends": [], "nodejs_backends": [], "static_backends": [],
                        "java_backends": [], "rails_backends": []},
            "deploy": {}, "run_list": [], "opsworks_custom_cookbooks": {"recipes": []}});
        let i = |id: &str, layer: &str, ip: &str, state: &str| {
            json!({"id": id, "layer": layer, "private_ip": ip, "private_dns_name": format!("{id}.internal"),
                   "public_ip": null, "public_dns_name": "", "availability_zone": "eu-west-1a",
                   "instance_type": "t3.large", "vpc_id": "vpc-1", "vcpus": 2, "lifecycle_state": state})
        };
        let mut lb = i("i-09", "lb", "10.0.9.9", "Pending:Wait");
        lb["public_ip"] = json!("203.0.113.9");
        lb["public_dns_name"] = json!("ec2-203-0-113-9.compute.amazonaws.com");
        lb["vcpus"] = json!(4);
        let live = json!({"event": "configure", "app": null, "recipes": null, "sent_at": 5,
            "deployment": null, "log_groups": null,
            "self": {"id": "i-09", "private_ip": "10.0.9.9", "availability_zone": "eu-west-1a",
                     "instance_type": "t3.xlarge"},
            "instances": [lb, i("i-02", "php", "10.0.0.2", "InService"),
                          i("i-01", "php", "10.0.0.1", "InService"),
                          i("i-03", "php", "10.0.0.3", "Terminating:Wait"),
                          i("i-04", "node", "10.0.0.4", "InService")],
            "load_balancers": [{"layer": "php", "name": "p", "dns_name": "p-1.elb.amazonaws.com"}]});
        let out = run("live.jq", LIVE_JQ, &json!([stack, group, json!({}), live])).unwrap();
        // The online instances of each app server layer, by name.
        assert_eq!(
            out["haproxy"]["php_backends"],
            json!([{"name": "php-01", "ip": "10.0.0.1", "backends": 2},
                   {"name": "php-02", "ip": "10.0.0.2", "backends": 2}])
        );
        assert_eq!(
            out["haproxy"]["nodejs_backends"],
            json!([{"name": "node-04", "ip": "10.0.0.4", "backends": 2}])
        );
        assert_eq!(out["haproxy"]["static_backends"], json!([]));
        let me = &out["opsworks"]["instance"];
        assert_eq!(me["ip"], "203.0.113.9");
        assert_eq!(
            me["public_dns_name"],
            "ec2-203-0-113-9.compute.amazonaws.com"
        );
        assert_eq!(me["backends"], 4);
        assert_eq!(me["status"], "running_setup");
        assert_eq!(me["private_dns_name"], "i-09.internal");
        assert_eq!(
            out["opsworks"]["layers"]["php"]["instances"]["php-01"]["public_dns_name"],
            Value::Null,
            "EC2's empty name is null"
        );
        assert_eq!(out["opsworks"]["stack"]["vpc_id"], "vpc-1");
        assert_eq!(
            out["opsworks"]["stack"]["elb-load-balancers"],
            json!([{"layer_id": "php", "layer": "php", "name": "p", "dns_name": "p-1.elb.amazonaws.com"},
                   {"layer_id": "lb", "layer": "lb", "name": null, "dns_name": null}])
        );
    }

    #[test]
    fn errors_name_the_program() {
        let e = run("x.jq", ".a.b", &json!({"a": 1})).unwrap_err();
        assert!(e.starts_with("x.jq: "), "{e}");
        assert!(run("y.jq", "(", &json!(null))
            .unwrap_err()
            .starts_with("y.jq: cannot parse"));
    }
}
