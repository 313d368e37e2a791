//! An environment's targets (`targets { account ...; organizational-unit
//! ... }`), and what cannot work in a target region: a certificate of
//! another region, an existing VPC shared by several targets.

use super::Checker;
use crate::diag::{did_you_mean, Code, Diagnostic, Span};
use crate::ir::{Network, PermissionModel, Target, TargetId, Targets};
use crate::schema::nodes;
use crate::syntax::{Node, Value, ValueKind};

/// Where an environment's load balancers run, which their certificates
/// must match.
#[derive(Clone, Copy)]
pub(super) enum Home<'a> {
    /// Not known (the region or the targets have an error, reported):
    /// nothing is checked against it.
    Unknown,
    /// The stack's region.
    Region(&'a str),
    /// Every target region.
    Targets(&'a [&'a str]),
}

impl Home<'_> {
    /// The `certificate_region` error of a certificate of `region` at
    /// `span`, when it cannot serve where the load balancer runs.
    pub(super) fn certificate(self, region: &str, span: Span) -> Option<Diagnostic> {
        match self {
            Home::Unknown => None,
            Home::Region(home) if home == region => None,
            Home::Region(home) => Some(
                Diagnostic::error(
                    Code::CertificateRegion,
                    span,
                    format!("the certificate is in {region}, the stack in {home}"),
                )
                .label("other region")
                .help(format!(
                    "an ALB needs an ACM certificate of its own region: request or import one in {home}"
                )),
            ),
            Home::Targets(regions) => {
                let others: Vec<&str> = regions.iter().copied().filter(|r| *r != region).collect();
                if others.is_empty() {
                    return None;
                }
                let (s, list) = (if others.len() == 1 { "" } else { "s" }, others.join(", "));
                Some(
                    Diagnostic::error(
                        Code::CertificateRegion,
                        span,
                        format!("the certificate is in {region}: it cannot serve this environment's target region{s} {list}"),
                    )
                    .label("one region's certificate")
                    .help(format!(
                        "a load balancer takes a certificate of its own region, and a certificate per target region is not supported yet: deploy {list} as an environment of its own, whose targets are in that region and whose listener has a certificate there"
                    )),
                )
            }
        }
    }
}

/// `ou-`, 4 to 32 lowercase letters or digits, `-`, 8 to 32 more: the
/// pattern AWS Organizations gives organizational unit ids.
fn is_organizational_unit(id: &str) -> bool {
    let part = |s: &str, min: usize| {
        (min..=32).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    id.strip_prefix("ou-")
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(root, unit)| part(root, 4) && part(unit, 8))
}

fn is_account_id(id: &str) -> bool {
    id.len() == 12 && id.bytes().all(|b| b.is_ascii_digit())
}

/// The words of a list property (`regions="us-east-1 eu-west-1"`), with
/// the span of each in the file when the value is written without escapes
/// (else the whole value's).
fn words<'t>(text: &'t str, v: &Value) -> Vec<(&'t str, Span)> {
    let base = if v.span.len == text.len() {
        Some(v.span.offset)
    } else if v.span.len == text.len() + 2 {
        Some(v.span.offset + 1)
    } else {
        None
    };
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices().chain([(text.len(), ' ')]) {
        match (c == ' ' || c == ',' || c.is_whitespace(), start) {
            (true, Some(s)) => {
                let span = base.map_or(v.span, |b| Span::new(b + s, i - s));
                out.push((&text[s..i], span));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    out
}

impl Checker<'_> {
    /// `targets { ... }`; `None` when it has an error (reported).
    pub(super) fn targets(&mut self, node: &Node) -> Option<Targets> {
        let kids = self.shape(node, &nodes::TARGETS);
        let errors = self.errors;
        if kids.is_empty() && node.children.is_some() {
            self.push(
                Diagnostic::error(
                    Code::MissingNode,
                    node.name_span,
                    "`targets` names no account or organizational unit",
                )
                .label("empty")
                .help("write `account \"111111111111\" regions=\"eu-west-1\"` in it, or remove `targets` to deploy one stack in the environment's `region`"),
            );
        }
        let mut targets = Vec::new();
        // Every (account or unit, region) with where it is written.
        let mut seen: Vec<(String, String, Span)> = Vec::new();
        let mut first: [Option<&Node>; 2] = [None, None];
        for kid in kids {
            let (def, kind) = match kid.name.as_str() {
                "account" => (&nodes::ACCOUNT, 0),
                "organizational-unit" => (&nodes::ORGANIZATIONAL_UNIT, 1),
                // Reported by the block's shape.
                _ => continue,
            };
            self.shape(kid, def);
            first[kind].get_or_insert(kid);
            let id = self.target_id(kid, kind == 0);
            let regions = self.target_regions(kid);
            let (Some(id), Some(regions)) = (id, regions) else {
                continue;
            };
            let mut kept = Vec::new();
            for (region, span) in regions {
                let again = seen.iter().find(|(i, r, _)| *i == id.id() && *r == region);
                if let Some((_, _, first)) = again {
                    self.push(
                        Diagnostic::error(
                            Code::DuplicateTarget,
                            span,
                            format!("{} {} is targeted in {region} twice", kid.name, id.id()),
                        )
                        .label("again here")
                        .related(*first, "first here")
                        .help("name each region once per account or organizational unit: a StackSet runs one stack instance there"),
                    );
                    continue;
                }
                seen.push((id.id().to_string(), region.clone(), span));
                kept.push(region);
            }
            targets.push(Target {
                target: id,
                regions: kept,
            });
        }
        if let [Some(account), Some(unit)] = first {
            let (later, earlier) = if unit.name_span.offset > account.name_span.offset {
                (unit, account)
            } else {
                (account, unit)
            };
            self.push(
                Diagnostic::error(
                    Code::MixedPermissionModels,
                    later.name_span,
                    "accounts and organizational units in one environment's targets",
                )
                .label(format!("{} here", later.name))
                .related(earlier.name_span, format!("{} here", earlier.name))
                .help("a StackSet is self-managed (accounts) or service-managed (organizational units), not both: put the organizational units in an environment of their own, or list their accounts by id"),
            );
        }
        if self.errors > errors {
            return None;
        }
        let permission_model = if first[1].is_some() {
            PermissionModel::ServiceManaged
        } else {
            PermissionModel::SelfManaged
        };
        Some(Targets {
            permission_model,
            targets,
        })
    }

    /// The id of an `account` (`account` true) or `organizational-unit`.
    fn target_id(&mut self, node: &Node, account: bool) -> Option<TargetId> {
        let what = if account {
            "an account id"
        } else {
            "an organizational unit id"
        };
        let v = self.arg(node, 0, what)?;
        let id = match &v.kind {
            ValueKind::String(s) => s,
            ValueKind::Integer(_) if account => {
                self.wrong_type(
                    v,
                    "an account id",
                    "a string",
                    Some("write the 12 digits in quotes (`account \"012345678901\"`): as a number, leading zeros are lost".into()),
                );
                return None;
            }
            _ => {
                self.string(v, what);
                return None;
            }
        };
        if account && is_account_id(id) {
            return Some(TargetId::Account(id.to_string()));
        }
        if !account && is_organizational_unit(id) {
            return Some(TargetId::OrganizationalUnit(id.to_string()));
        }
        let d = if account {
            let help = if id.starts_with("ou-") {
                format!("`{id}` is an organizational unit: write `organizational-unit \"{id}\" regions=...`")
            } else {
                "an AWS account id is 12 digits (`aws sts get-caller-identity` prints yours)".into()
            };
            Diagnostic::error(
                Code::BadAccountId,
                v.span,
                format!("`{id}` is not an account id"),
            )
            .label("not 12 digits")
            .help(help)
        } else {
            let help = if is_account_id(id) {
                format!("`{id}` is an account id: write `account \"{id}\" regions=...`")
            } else {
                "an organizational unit id is `ou-`, 4 to 32 lowercase letters or digits, `-` and 8 to 32 more (`ou-ab12-34cd56ef`); `aws organizations list-organizational-units-for-parent` lists them".into()
            };
            Diagnostic::error(
                Code::BadOrganizationalUnit,
                v.span,
                format!("`{id}` is not an organizational unit id"),
            )
            .label("expected ou-xxxx-xxxxxxxx")
            .help(help)
        };
        self.push(d);
        None
    }

    /// A target's `regions=`: known regions, at least one, each with its
    /// span; repeats are left to the caller.
    fn target_regions(&mut self, node: &Node) -> Option<Vec<(String, Span)>> {
        let v = self.prop(node, "regions", true)?;
        let text = self.string(v, "regions")?;
        let list = words(text, v);
        if list.is_empty() {
            self.push(
                Diagnostic::error(
                    Code::MissingProperty,
                    v.span,
                    format!("`regions=` of `{}` names no region", node.name),
                )
                .label("empty")
                .help("list the regions to run the environment in, separated by spaces: `regions=\"eu-west-1 us-east-1\"`"),
            );
            return None;
        }
        let mut out = Vec::with_capacity(list.len());
        let mut ok = true;
        for (word, span) in list {
            if self.std.regions.iter().any(|r| r == word) {
                out.push((word.to_string(), span));
                continue;
            }
            ok = false;
            let regions: Vec<&str> = self.std.regions.iter().map(String::as_str).collect();
            self.push(
                Diagnostic::error(
                    Code::UnknownRegion,
                    span,
                    format!("`{word}` is not an AWS region"),
                )
                .label("unknown region")
                .help(did_you_mean(word, &regions)),
            );
        }
        ok.then_some(out)
    }

    /// `vpc id=...` names one account's VPC in one region: with several
    /// targets (or an organizational unit, which holds several accounts)
    /// the other stack instances would not find it.
    pub(super) fn existing_vpc_in_targets(
        &mut self,
        nodes: &[&Node],
        network: &Network,
        targets_node: &Node,
        targets: &Targets,
    ) {
        if !matches!(network, Network::Existing { .. }) || targets.instances() == Some(1) {
            return;
        }
        let Some(id) = nodes
            .iter()
            .filter(|n| n.name == "network")
            .flat_map(|n| n.kids())
            .filter(|k| k.name == "vpc")
            .filter_map(|k| k.prop("id"))
            .next_back()
        else {
            return;
        };
        let how_many = match targets.instances() {
            Some(n) => format!("{n} targets"),
            None => "targets in an organizational unit".into(),
        };
        self.push(
            Diagnostic::error(
                Code::ExistingVpcInTargets,
                id.span,
                format!("an existing VPC cannot serve this environment's {how_many}"),
            )
            .label("one account's VPC in one region")
            .related(targets_node.name_span, "the targets")
            .help("let stackc create a VPC in each target (`vpc cidr=\"10.0.0.0/16\" zones=2`), or target one account in one region with this VPC"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organizational_unit_ids_follow_the_organizations_pattern() {
        assert!(is_organizational_unit("ou-ab12-34cd56ef"));
        assert!(is_organizational_unit(&format!(
            "ou-{}-{}",
            "a".repeat(32),
            "1".repeat(32)
        )));
        for bad in [
            "ou-ab1-34cd56ef",   // root part too short
            "ou-ab12-34cd56e",   // unit part too short
            "ou-AB12-34cd56ef",  // uppercase
            "ou-ab12_34cd56ef",  // no second dash
            "ab12-34cd56ef",     // no prefix
            "ou-ab12-34cd-56ef", // a dash too many
            &format!("ou-{}-34cd56ef", "a".repeat(33)),
        ] {
            assert!(!is_organizational_unit(bad), "{bad}");
        }
    }

    #[test]
    fn account_ids_are_twelve_digits() {
        assert!(is_account_id("012345678901"));
        assert!(!is_account_id("12345678901"));
        assert!(!is_account_id("1234567890123"));
        assert!(!is_account_id("12345678901a"));
    }
}
