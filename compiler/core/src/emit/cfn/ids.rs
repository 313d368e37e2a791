//! The logical ids of a layer's resources and outputs, in one place: the
//! layer's name in PascalCase followed by what the resource is
//! (`WebAutoScalingGroup`). The resource that is made and every `Ref` or
//! `GetAtt` to it take the id from the same method, so a misspelt suffix
//! cannot leave a dangling reference; the deploy's plan reads the same ids.

use std::fmt;

use super::template::pascal;

/// The ids of one layer's resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerIds {
    prefix: String,
}

macro_rules! ids {
    ($($(#[$doc:meta])* $method:ident => $suffix:literal,)*) => {
        impl LayerIds {
            $(
                $(#[$doc])*
                pub fn $method(&self) -> String {
                    format!("{}{}", self.prefix, $suffix)
                }
            )*
        }
    };
}

impl LayerIds {
    /// The ids of the layer `name`'s resources.
    pub fn new(name: &str) -> LayerIds {
        LayerIds {
            prefix: pascal(name),
        }
    }
}

ids! {
    /// The Auto Scaling group.
    auto_scaling_group => "AutoScalingGroup",
    /// The output with the group's name.
    auto_scaling_group_name => "AutoScalingGroupName",
    /// The launch template.
    launch_template => "LaunchTemplate",
    /// The instances' IAM role.
    instance_role => "InstanceRole",
    /// The instances' instance profile.
    instance_profile => "InstanceProfile",
    /// The instances' security group.
    security_group => "SecurityGroup",
    /// The warm pool of stopped instances.
    warm_pool => "WarmPool",
    /// The layer's log group.
    log_group => "LogGroup",
    /// The output with the log group's name.
    log_group_name => "LogGroupName",
    /// The application load balancer.
    load_balancer => "LoadBalancer",
    /// The output with the load balancer's DNS name.
    load_balancer_dns_name => "LoadBalancerDnsName",
    /// The load balancer's security group.
    load_balancer_security_group => "LoadBalancerSecurityGroup",
    /// The instances' ingress from the load balancer.
    load_balancer_ingress => "LoadBalancerIngress",
    /// The load balancer's target group.
    target_group => "TargetGroup",
    /// The HTTP listener.
    http_listener => "HttpListener",
    /// The HTTPS listener.
    https_listener => "HttpsListener",
    /// The nested stack of the layer's group (large stacks).
    stack => "Stack",
}

/// The prefix alone, for the ids made in one place only
/// (`{ids}Scale{dir}Policy`).
impl fmt::Display for LayerIds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.prefix)
    }
}

/// The layer a logical id belongs to among `layers` (the longest name whose
/// prefix it starts with, followed by a capital letter or a digit), if any.
pub fn layer_of<'a>(logical_id: &str, layers: &'a [String]) -> Option<&'a str> {
    layers
        .iter()
        .filter(|l| {
            let p = pascal(l);
            logical_id.starts_with(&p)
                && logical_id[p.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        .max_by_key(|l| l.len())
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_the_layer_in_pascal_case_and_the_resource() {
        let ids = LayerIds::new("web-api");
        assert_eq!(ids.auto_scaling_group(), "WebApiAutoScalingGroup");
        assert_eq!(ids.launch_template(), "WebApiLaunchTemplate");
        assert_eq!(ids.load_balancer_dns_name(), "WebApiLoadBalancerDnsName");
        assert_eq!(format!("{ids}Scale{}Policy", "Up"), "WebApiScaleUpPolicy");
    }

    #[test]
    fn a_logical_id_belongs_to_the_longest_layer_it_starts_with() {
        let layers = vec!["web".to_string(), "web-api".to_string(), "db".to_string()];
        let of = |id: &str| layer_of(id, &layers);
        assert_eq!(
            of(&LayerIds::new("web-api").target_group()),
            Some("web-api")
        );
        assert_eq!(of(&LayerIds::new("web").target_group()), Some("web"));
        // `Webhooks...` is not web's: a lower-case letter follows the prefix.
        assert_eq!(of("WebhooksQueue"), None);
        assert_eq!(of("Vpc"), None);
    }
}
