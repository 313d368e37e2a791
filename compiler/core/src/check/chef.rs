//! `chef`: the Chef client and version of the stack's instances (on the
//! stack, an environment, or a layer with instances of its own), and the
//! rule that an environment installs one version of each client.

use super::Checker;
use crate::chef::{is_exact_version, major_minor, Client, Runtime};
use crate::diag::{Code, Diagnostic};
use crate::ir::Layer;
use crate::schema::nodes;
use crate::syntax::Node;

/// The oldest Chef the built-in cookbooks run on: `(major, minor)`.
const BUILTIN_COOKBOOKS_NEED: (u32, u32) = (12, 22);

impl Checker<'_> {
    /// `chef client="cinc"|"chef" [version="X.Y.Z"]`.
    pub(super) fn chef(&mut self, node: &Node) -> Option<Runtime> {
        self.shape(node, &nodes::CHEF);
        let client_value = self.prop(node, "client", true)?;
        let name = self.string(client_value, "client")?;
        let Some(client) = Client::parse(name) else {
            self.push(
                Diagnostic::error(
                    Code::BadChefClient,
                    client_value.span,
                    format!("`{name}` is not a Chef client stackc installs"),
                )
                .label("unknown client")
                .help("`client=\"cinc\"` (Cinc 15 to 18, the default) or `client=\"chef\"` (Chef Infra Client 12 to 14, for OpsWorks' Chef 11.10 and 12 cookbooks)"),
            );
            return None;
        };
        let (version, span) = match node.prop("version") {
            None => (client.default_version().to_string(), node.span),
            Some(v) => {
                let text = self.string(v, "version")?;
                let majors = client.majors();
                if !is_exact_version(text) {
                    self.push(
                        Diagnostic::error(
                            Code::BadChefClient,
                            v.span,
                            format!("`{text}` is not an exact {} version", client.title()),
                        )
                        .label("three numbers expected")
                        .help(format!(
                            "write the exact version the lock file pins, such as `version=\"{}\"`",
                            client.default_version()
                        )),
                    );
                    return None;
                }
                if !majors.contains(&major_minor(text).0) {
                    self.push(
                        Diagnostic::error(
                            Code::BadChefClient,
                            v.span,
                            format!(
                                "stackc installs {} {} to {}, not {text}",
                                client.title(),
                                majors.start(),
                                majors.end()
                            ),
                        )
                        .label("unsupported version")
                        .help(match client {
                            Client::Cinc => "Cinc's first release is 15; for an older Chef use `client=\"chef\"` (12 to 14)",
                            Client::Chef => "Chef Infra Client 15 and later need a license; their free build is Cinc: `client=\"cinc\"` with the same version",
                        }),
                    );
                    return None;
                }
                (text.to_string(), node.span)
            }
        };
        Some(Runtime {
            client,
            version,
            span,
        })
    }

    /// The built-in cookbooks run on Chef 12.22 and later (their metadata's
    /// `chef_version`; cookbooks/README.md says how that is proven): a
    /// warning for each layer with instances on an older client.
    pub(super) fn builtin_cookbooks_need_chef_12_22(&mut self, layers: &[Layer]) {
        for layer in layers.iter().filter(|l| l.has_instances()) {
            if major_minor(&layer.chef.version) >= BUILTIN_COOKBOOKS_NEED {
                continue;
            }
            self.push(
                Diagnostic::warning(
                    Code::BuiltinCookbooksNeedChef1222,
                    layer.chef.span,
                    format!(
                        "layer `{}` runs {}, but the built-in cookbooks need Chef 12.22 or later",
                        layer.name,
                        layer.chef.describe()
                    ),
                )
                .label("older than the built-in recipes")
                .help(format!(
                    "the built-in recipes (stackc_base and the layer type's) declare `chef_version '>= 12.22'`, so setup fails in them on this client; choose `version=\"{}\"` (the last Chef 12, OpsWorks' own), or Cinc",
                    Client::Chef.default_version()
                )),
            );
        }
    }

    /// An environment installs one version of each client: the first layer
    /// with instances that chooses a client decides its version.
    pub(super) fn one_version_per_client(&mut self, layers: &[Layer]) {
        let mut first: Vec<&Layer> = Vec::new();
        for layer in layers.iter().filter(|l| l.has_instances()) {
            match first.iter().find(|f| f.chef.client == layer.chef.client) {
                None => first.push(layer),
                Some(f) if f.chef.version == layer.chef.version => {}
                Some(f) => {
                    self.push(
                        Diagnostic::error(
                            Code::ChefVersionConflict,
                            layer.chef.span,
                            format!(
                                "layer `{}` installs {} but layer `{}` installs {}",
                                layer.name,
                                layer.chef.describe(),
                                f.name,
                                f.chef.describe()
                            ),
                        )
                        .label(format!("{} {}", layer.chef.client.title(), layer.chef.version))
                        .related(f.chef.span, format!("`{}` chooses {}", f.name, f.chef.version))
                        .help("an environment installs one version of each client: give both layers the same version"),
                    );
                }
            }
        }
    }
}
