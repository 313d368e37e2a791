//! A layer's load balancer: its security group, the load balancer, the target
//! group, the listeners and host rules.

use serde_json::json;

use super::Shared;
use crate::emit::cfn::ids::LayerIds;
use crate::emit::cfn::shared::group_name;
use crate::emit::cfn::template::{get_att, pascal, r#ref, tags, Template};
use crate::ir::{Layer, Stack};

/// An application load balancer in front of `layer`, running on the
/// instances of `host`.
pub(super) fn load_balancer(
    t: &mut Template,
    stack: &Stack,
    host: &Layer,
    layer: &Layer,
    shared: &Shared,
) {
    let Some(lb) = &layer.load_balancer else {
        return;
    };
    let lp = LayerIds::new(&layer.name);
    let port = layer.http_port.unwrap_or(80);
    let https = lb.certificate();
    let mut ingress = vec![json!({
        "IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "CidrIp": "0.0.0.0/0",
        "Description": if https.is_some() { "HTTP from anywhere, redirected to HTTPS" } else { "HTTP from anywhere" },
    })];
    if https.is_some() {
        ingress.push(json!({
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0",
            "Description": "HTTPS from anywhere",
        }));
    }
    t.resource(
        &lp.load_balancer_security_group(),
        "AWS::EC2::SecurityGroup",
        json!({
            "GroupDescription": format!("stackc {}: load balancer of layer {}", stack.qualified_name(), layer.name),
            "VpcId": shared.vpc_id,
            "SecurityGroupIngress": ingress,
            "SecurityGroupEgress": [{
                "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
                "DestinationSecurityGroupId": get_att(&LayerIds::new(&host.name).security_group(), "GroupId"),
                "Description": format!("to the instances of layer {} on port {port}", host.name),
            }],
            "Tags": tags(&[("Name", &format!("{}-lb", group_name(stack, &layer.name)))]),
        }),
    )
    .skip_checks(&[
        ("CKV_AWS_260", "a public load balancer accepts HTTP on port 80 (redirected to HTTPS when a certificate is given)"),
    ]);
    t.resource(
        &lp.load_balancer(),
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        json!({
            "Type": "application",
            "Scheme": "internet-facing",
            "Subnets": shared.public_subnets,
            "SecurityGroups": [get_att(&lp.load_balancer_security_group(), "GroupId")],
            "LoadBalancerAttributes": [
                { "Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true" },
                { "Key": "access_logs.s3.enabled", "Value": "true" },
                { "Key": "access_logs.s3.bucket", "Value": shared.access_log_bucket },
                { "Key": "access_logs.s3.prefix", "Value": format!("{}/{}", stack.qualified_name(), layer.name) },
            ],
            "Tags": tags(&[("stackc:stack", &stack.name), ("stackc:env", &stack.env), ("stackc:layer", &layer.name)]),
        }),
    )
    .depends_on(shared.load_balancer_depends_on)
    .skip_checks(&[(
        "CKV_AWS_150",
        "deletion protection would keep `stackc destroy` from removing test environments",
    )]);
    target_group(t, layer, shared);
    listeners(t, stack, layer);
}

/// The target group of `layer`'s instances, with the health check.
fn target_group(t: &mut Template, layer: &Layer, shared: &Shared) {
    let Some(lb) = &layer.load_balancer else {
        return;
    };
    let lp = LayerIds::new(&layer.name);
    let port = layer.http_port.unwrap_or(80);
    let hc = &lb.health_check;
    t.resource(
        &lp.target_group(),
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        json!({
            "VpcId": shared.vpc_id,
            "Protocol": "HTTP",
            "Port": port,
            "TargetType": "instance",
            "HealthCheckProtocol": "HTTP",
            "HealthCheckPath": hc.path,
            "HealthCheckIntervalSeconds": hc.interval_secs,
            "HealthyThresholdCount": hc.healthy,
            "UnhealthyThresholdCount": hc.unhealthy,
            "TargetGroupAttributes": [{ "Key": "deregistration_delay.timeout_seconds", "Value": "30" }],
            "Tags": tags(&[("stackc:layer", &layer.name)]),
        }),
    );
}

/// The listeners of `layer`'s load balancer (HTTPS with an HTTP redirect,
/// or HTTP alone) and, for several apps, one host rule per app.
fn listeners(t: &mut Template, stack: &Stack, layer: &Layer) {
    let Some(lb) = &layer.load_balancer else {
        return;
    };
    let lp = LayerIds::new(&layer.name);
    let https = lb.certificate();
    let forward = json!([{ "Type": "forward", "TargetGroupArn": r#ref(&lp.target_group()) }]);
    // Several apps on one layer: the listener answers only their host names,
    // one rule per app (five names per rule, the load balancer's limit).
    let sites: Vec<(&str, Vec<&str>)> = stack
        .apps
        .iter()
        .filter(|a| a.layer == layer.name && !a.sites.is_empty())
        .map(|a| {
            let names = a
                .sites
                .iter()
                .flat_map(|s| {
                    std::iter::once(s.domain.as_str()).chain(s.aliases.iter().map(String::as_str))
                })
                .collect();
            (a.name.as_str(), names)
        })
        .collect();
    let by_host = sites.len() >= 2;
    let default_action = if by_host {
        json!([{
            "Type": "fixed-response",
            "FixedResponseConfig": {
                "StatusCode": "404",
                "ContentType": "text/plain",
                "MessageBody": "no site of this name here",
            },
        }])
    } else {
        forward.clone()
    };
    let serving_listener = format!(
        "{lp}{}Listener",
        if https.is_some() { "Https" } else { "Http" }
    );
    if by_host {
        let mut priority = 1;
        for (app, names) in &sites {
            for (i, chunk) in names.chunks(5).enumerate() {
                let suffix = if i == 0 {
                    String::new()
                } else {
                    (i + 1).to_string()
                };
                t.resource(
                    &format!("{lp}{}HostRule{suffix}", pascal(app)),
                    "AWS::ElasticLoadBalancingV2::ListenerRule",
                    json!({
                        "ListenerArn": r#ref(&serving_listener),
                        "Priority": priority,
                        "Conditions": [{ "Field": "host-header", "HostHeaderConfig": { "Values": chunk } }],
                        "Actions": forward,
                    }),
                );
                priority += 1;
            }
        }
    }
    match https {
        Some(certificate) => {
            t.resource(
                &lp.https_listener(),
                "AWS::ElasticLoadBalancingV2::Listener",
                json!({
                    "LoadBalancerArn": r#ref(&lp.load_balancer()),
                    "Port": 443,
                    "Protocol": "HTTPS",
                    "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
                    "Certificates": [{ "CertificateArn": certificate }],
                    "DefaultActions": default_action,
                }),
            );
            t.resource(
                &lp.http_listener(),
                "AWS::ElasticLoadBalancingV2::Listener",
                json!({
                    "LoadBalancerArn": r#ref(&lp.load_balancer()),
                    "Port": 80,
                    "Protocol": "HTTP",
                    "DefaultActions": [{
                        "Type": "redirect",
                        "RedirectConfig": { "Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301" },
                    }],
                }),
            )
            .skip_checks(&[("CKV_AWS_2", "this listener only redirects HTTP to HTTPS")]);
        }
        None => {
            t.resource(
                &lp.http_listener(),
                "AWS::ElasticLoadBalancingV2::Listener",
                json!({
                    "LoadBalancerArn": r#ref(&lp.load_balancer()),
                    "Port": 80,
                    "Protocol": "HTTP",
                    "DefaultActions": default_action,
                }),
            )
            .skip_checks(&[
                ("CKV_AWS_2", "the stack file asks for `listener http` only; add `listener https certificate=...` for TLS"),
                ("CKV_AWS_103", "no TLS on a plain HTTP listener"),
            ]);
        }
    }
}
