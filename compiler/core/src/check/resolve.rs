//! The program and its environments: each environment overlaid on the
//! stack, resolved and checked.

use super::{app_names, duplicate, overlay, Checker, Keep};
use crate::diag::{self, Code, Diagnostic, Span};
use crate::ir::Stack;
use crate::schema::nodes;
use crate::syntax::{Document, Node};

impl Checker<'_> {
    pub(super) fn program(
        &mut self,
        doc: &Document,
        keep: Keep,
    ) -> Option<(String, Vec<String>, Vec<Stack>)> {
        let stacks: Vec<&Node> = doc.nodes.iter().filter(|n| n.name == "stack").collect();
        for node in doc.nodes.iter().filter(|n| n.name != "stack") {
            self.unknown_node(node, "the file", &["stack"]);
        }
        for extra in stacks.iter().skip(1) {
            self.push(
                Diagnostic::error(
                    Code::DuplicateNode,
                    extra.name_span,
                    "a file holds one stack",
                )
                .related(stacks[0].name_span, "the first stack")
                .help("put each stack in its own file"),
            );
        }
        let Some(stack) = stacks.first() else {
            let span = doc.nodes.first().map_or(Span::new(0, 0), |n| n.name_span);
            self.push(
                Diagnostic::error(Code::MissingStack, span, "the file has no `stack` node")
                    .label("expected `stack NAME { ... }`")
                    .help("start the file with `stack my-app { region eu-west-1 ... }`"),
            );
            return None;
        };
        let kids = self.shape(stack, &nodes::STACK);
        let name = self
            .arg(stack, 0, "a name")
            .and_then(|v| self.name(v, "stack name"));
        let base: Vec<&Node> = kids.iter().filter(|k| k.name != "environment").collect();
        let envs: Vec<&Node> = kids.iter().filter(|k| k.name == "environment").collect();

        let mut env_names: Vec<(String, Span)> = Vec::new();
        let mut overrides: Vec<(String, &Node)> = Vec::new();
        for env in &envs {
            self.shape(env, &nodes::ENVIRONMENT);
            let Some(env_name) = self
                .arg(env, 0, "a name")
                .and_then(|v| self.name(v, "environment name"))
            else {
                continue;
            };
            if let Some((_, first)) = env_names.iter().find(|(n, _)| *n == env_name) {
                self.push(duplicate(
                    "environment",
                    &env_name,
                    env.args[0].span,
                    *first,
                ));
                continue;
            }
            env_names.push((env_name.clone(), env.args[0].span));
            overrides.push((env_name, env));
        }

        // `production` first, then the others in source order.
        let production = overrides.iter().find(|(n, _)| n == "production");
        let order = std::iter::once(("production", production.map(|(_, env)| *env))).chain(
            overrides
                .iter()
                .filter(|(n, _)| n != "production")
                .map(|(n, env)| (n.as_str(), Some(*env))),
        );
        let mut names = Vec::new();
        let mut environments = Vec::new();
        for (env_name, env) in order {
            if matches!(keep, Keep::Only(only) if only != env_name) {
                continue;
            }
            if let Some(stack) = self.environment(name.as_deref(), &base, env, env_name) {
                names.push(env_name.to_string());
                if keep != Keep::None {
                    environments.push(stack);
                }
            }
        }
        Some((name?, names, environments))
    }

    /// Checks one environment: the stack's nodes with the environment's merged over them.
    fn environment(
        &mut self,
        name: Option<&str>,
        base: &[&Node],
        env: Option<&Node>,
        env_name: &str,
    ) -> Option<Stack> {
        let mut env_json = serde_json::Value::Object(Default::default());
        let mut targets = None;
        // The stack's nodes are borrowed; only the nodes an environment
        // overrides are copied (merged).
        let merged;
        let nodes: std::borrow::Cow<[&Node]> = match env {
            None => std::borrow::Cow::Borrowed(base),
            Some(env) => {
                let mut over = Vec::new();
                for kid in env.kids() {
                    match kid.name.as_str() {
                        "custom-json" => {
                            let kids = self.shape(kid, &nodes::CUSTOM_JSON);
                            env_json = self.custom_json(kids);
                            let apps = app_names(base.iter().copied().chain(env.kids()));
                            self.vet_custom_json(kids, &apps);
                        }
                        // An environment's own: not merged over the stack's nodes.
                        "targets" => targets = Some(kid),
                        "layer" | "app" if !self.known_or_new(kid, base) => {}
                        n if nodes::ENVIRONMENT.kid(n).is_some() => over.push(kid),
                        // Reported with the environment's shape.
                        _ => {}
                    }
                }
                merged = overlay::overlay_refs(base, &over);
                std::borrow::Cow::Owned(merged.iter().map(|n| &**n).collect())
            }
        };
        self.stack(name, &nodes, env_name, env_json, targets)
    }

    /// An environment's `layer`/`app` must name one of the stack's, or be a
    /// complete new one (with `type=`).
    fn known_or_new(&mut self, node: &Node, base: &[&Node]) -> bool {
        let Some(name) = node.args.first().and_then(|v| v.as_str()) else {
            return true;
        };
        let known: Vec<&str> = base
            .iter()
            .filter(|b| b.name == node.name)
            .filter_map(|b| b.args.first().and_then(|v| v.as_str()))
            .collect();
        if known.contains(&name) || node.prop("type").is_some() {
            return true;
        }
        let code = if node.name == "layer" {
            Code::UnknownLayer
        } else {
            Code::UnknownApp
        };
        self.push(
            Diagnostic::error(
                code,
                node.args[0].span,
                format!("the stack has no {} `{name}`", node.name),
            )
            .label(format!("unknown {}", node.name))
            .help(match diag::suggest(name, known.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? (a new {} needs `type=`)", node.name),
                None => format!(
                    "to add a new {} in this environment, give it `type=`",
                    node.name
                ),
            }),
        );
        false
    }
}
