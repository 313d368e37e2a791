//! A stack's network: the VPC, its subnets and NAT.

use super::Checker;
use crate::diag::{Code, Diagnostic};
use crate::ir::{Nat, Network};
use crate::schema::nodes;
use crate::syntax::Node;
use crate::units;

impl Checker<'_> {
    pub(super) fn network(&mut self, node: &Node) -> Option<Network> {
        let kids = self.shape(node, &nodes::NETWORK);
        let mut network = None;
        let mut seen = false;
        for kid in kids.iter().filter(|k| k.name == "vpc") {
            seen = true;
            network = self.vpc(kid);
        }
        if !seen && node.children.is_some() {
            self.push(
                Diagnostic::error(Code::MissingNode, node.name_span, "`network` needs a `vpc`")
                    .help("write `vpc cidr=\"10.0.0.0/16\" zones=2` or `vpc id=vpc-... public-subnets=... private-subnets=...`"),
            );
        }
        network
    }

    fn vpc(&mut self, node: &Node) -> Option<Network> {
        self.shape(node, &nodes::VPC);
        let new = node
            .prop("cidr")
            .or(node.prop("zones"))
            .or(node.prop("nat"));
        let existing = node
            .prop("id")
            .or(node.prop("public-subnets"))
            .or(node.prop("private-subnets"));
        if let (Some(a), Some(b)) = (new, existing) {
            self.push(
                Diagnostic::error(
                    Code::NetworkConflict,
                    b.span,
                    "`vpc` both creates a VPC and names an existing one",
                )
                .related(a.span, "creates a VPC")
                .help("keep `cidr=`/`zones=` to create a VPC, or `id=` with subnets to use one"),
            );
            return None;
        }
        if existing.is_some() {
            let vpc_id = self.str_prop(node, "id", true)?;
            let subnets = |cx: &mut Self, key: &str| -> Option<Vec<String>> {
                let text = cx.str_prop(node, key, true)?;
                Some(
                    text.split([',', ' '])
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                )
            };
            let public_subnets = subnets(self, "public-subnets");
            let private_subnets = subnets(self, "private-subnets");
            return Some(Network::Existing {
                vpc_id: vpc_id.to_string(),
                public_subnets: public_subnets?,
                private_subnets: private_subnets?,
            });
        }
        let cidr = match node.prop("cidr") {
            Some(v) => self.parsed(v, "CIDR block", Code::BadCidr, units::cidr),
            None => Some(units::Ipv4Net::DEFAULT_VPC),
        };
        let zones = match node.prop("zones") {
            Some(v) => self.int(v, "zones", 1, 6),
            None => Some(2),
        };
        let nat = match node.prop("nat") {
            None => Some(Nat::PerZone),
            Some(v) => match self.string(v, "nat") {
                Some("per-zone") => Some(Nat::PerZone),
                Some("single") => Some(Nat::Single),
                Some("none") => Some(Nat::None),
                Some(other) => {
                    self.push(
                        Diagnostic::error(Code::WrongType, v.span, format!("`nat={other}` is not known"))
                            .help("use `nat=per-zone` (default, highly available), `nat=single` (cheaper) or `nat=none` (no internet; AWS's APIs through endpoints)"),
                    );
                    None
                }
                None => None,
            },
        };
        Some(Network::NewVpc {
            cidr: cidr?,
            zones: zones? as u8,
            nat: nat?,
        })
    }
}
