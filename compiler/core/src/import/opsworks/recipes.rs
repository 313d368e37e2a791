//! A layer's custom recipes per event. OpsWorks' built-in recipes
//! (`DefaultRecipes`) are not imported: the stackc layer type's own recipes
//! take their place.

use super::model::Layer;
use super::Ctx;
use crate::import::kdl::Node;

/// Cookbooks of OpsWorks' own Chef 11.10 recipes, which stackc does not ship.
const OPSWORKS_COOKBOOKS: &[&str] = &[
    "agent_version",
    "apache2",
    "deploy",
    "dependencies",
    "ebs",
    "gem_support",
    "mod_php5_apache2",
    "mysql",
    "nginx",
    "opsworks_agent_monit",
    "opsworks_aws_flow_ruby",
    "opsworks_berkshelf",
    "opsworks_bundler",
    "opsworks_cleanup",
    "opsworks_commons",
    "opsworks_custom_cookbooks",
    "opsworks_ecs",
    "opsworks_ganglia",
    "opsworks_initial_setup",
    "opsworks_java",
    "opsworks_nodejs",
    "opsworks_rubygems",
    "opsworks_shutdown",
    "opsworks_stack_state_sync",
    "passenger_apache2",
    "php",
    "rails",
    "ruby",
    "scm_helper",
    "ssh_host_keys",
    "ssh_users",
    "unicorn",
];

/// The layer's custom recipes (OpsWorks' built-in ones are the stackc
/// type's business).
pub fn node(cx: &mut Ctx, subject: &str, layer: &Layer, ty: &str) -> Option<Node> {
    let r = layer.custom_recipes.as_ref()?;
    let events = [
        ("setup", &r.setup),
        ("configure", &r.configure),
        ("deploy", &r.deploy),
        ("undeploy", &r.undeploy),
        ("shutdown", &r.shutdown),
    ];
    let mut block = Node::new("recipes");
    for (event, list) in events {
        let mut line = Node::new(event);
        let mut any = false;
        for recipe in list {
            let (cookbook, name) = recipe
                .split_once("::")
                .unwrap_or((recipe.as_str(), "default"));
            let valid = |s: &str| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            };
            if !valid(cookbook) || !valid(name) {
                cx.warn(
                    subject,
                    format!("{event} recipe `{recipe}` is not a recipe name: left out"),
                );
                continue;
            }
            if OPSWORKS_COOKBOOKS.contains(&cookbook) {
                cx.warn(
                    subject,
                    format!("{event} recipe `{recipe}` is from OpsWorks' built-in cookbooks, which stackc does not ship: put cookbook `{cookbook}` in ./cookbooks (github.com/aws/opsworks-cookbooks) or remove the recipe; stackc's built-in recipes for a {} layer take the place of OpsWorks' own", ty),
                );
            } else if crate::cookbooks::has_cookbook(cookbook) {
                cx.warn(
                    subject,
                    format!("{event} recipe `{recipe}`: a cookbook `{cookbook}` in ./cookbooks replaces stackc's built-in cookbook of that name, and must then have every recipe stackc's layer types run from it"),
                );
            }
            line = line.s(recipe.as_str());
            any = true;
        }
        if any {
            block.child(line);
        }
    }
    (block != Node::new("recipes")).then_some(block)
}
