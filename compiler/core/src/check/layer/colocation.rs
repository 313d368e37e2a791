//! Layers `on` others: the host, shared types, distinct ports.

use super::Head;
use crate::check::Checker;
use crate::diag::{did_you_mean, Code, Diagnostic};
use crate::ir::Layer;
use crate::stdlib::LayerType;

fn shares(a: &LayerType, b: &LayerType) -> bool {
    a.shares_with.contains(&b.name) && b.shares_with.contains(&a.name)
}

impl Checker<'_> {
    /// `on`: the host exists and has instances; types may share; ports differ.
    pub(super) fn colocation(&mut self, heads: &[Head], layers: &mut [Layer]) -> bool {
        let mut ok = true;
        for (index, head) in heads.iter().enumerate() {
            let Some((host, span)) = &head.on else {
                continue;
            };
            let Some(target) = heads.iter().find(|h| &h.name == host) else {
                let names: Vec<&str> = heads.iter().map(|h| h.name.as_str()).collect();
                self.push(
                    Diagnostic::error(
                        Code::UnknownLayer,
                        *span,
                        format!("there is no layer `{host}`"),
                    )
                    .label("unknown layer")
                    .help(did_you_mean(host, &names)),
                );
                ok = false;
                continue;
            };
            if target.name == head.name || target.on.is_some() {
                self.push(
                    Diagnostic::error(
                        Code::ColocatedChain,
                        *span,
                        format!("layer `{host}` has no instances of its own"),
                    )
                    .label(if target.name == head.name {
                        "a layer cannot run on itself"
                    } else {
                        "itself `on` another layer"
                    })
                    .help("name a layer without `on`"),
                );
                ok = false;
                continue;
            }
            // Every layer on this host, the host included, must share with
            // this one. Two guests are compared once, at the later one.
            let earlier_guests = heads[..index]
                .iter()
                .filter(|o| o.on.as_ref().map(|x| &x.0) == Some(&target.name));
            for other in std::iter::once(target).chain(earlier_guests) {
                if !shares(head.ty, other.ty) {
                    self.push(
                        Diagnostic::error(
                            Code::IncompatibleLayers,
                            *span,
                            format!(
                                "a {} layer cannot share an instance with a {} layer",
                                head.ty.name, other.ty.name
                            ),
                        )
                        .related(
                            other.node.name_span,
                            format!("`{}` is {}", other.name, other.ty.name),
                        )
                        .help(format!(
                            "{} shares with: {}",
                            head.ty.name,
                            head.ty.shares_with.join(", ")
                        )),
                    );
                    ok = false;
                } else if let Some(port) =
                    head.ports().into_iter().find(|p| other.ports().contains(p))
                {
                    self.push(
                        Diagnostic::error(
                            Code::PortConflict,
                            *span,
                            format!(
                                "`{}` and `{}` both listen on port {port}",
                                head.name, other.name
                            ),
                        )
                        .related(
                            other.node.name_span,
                            format!("`{}` listens on {port}", other.name),
                        )
                        .help("give this layer instances of its own (remove `on`)"),
                    );
                    ok = false;
                }
            }
            let host = layers
                .iter()
                .find(|l| l.name == target.name)
                .map(|l| (l.instance_type.clone(), l.chef.clone()));
            if let (Some((t, chef)), Some(layer)) =
                (host, layers.iter_mut().find(|l| l.name == head.name))
            {
                layer.instance_type = t;
                layer.chef = chef;
            }
        }
        ok
    }
}
