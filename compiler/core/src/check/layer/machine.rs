//! A layer's machines: instance type and volumes.

use super::absolute_path;
use crate::check::Checker;
use crate::diag::{suggest, Code, Diagnostic};
use crate::emit::cfn::userdata::VOLUME_DEVICES;
use crate::ir::Volume;
use crate::schema::nodes;
use crate::syntax::Node;

impl Checker<'_> {
    pub(super) fn instance_type(&mut self, node: &Node) -> Option<crate::stdlib::InstanceType> {
        self.shape(node, &nodes::INSTANCE_TYPE);
        let v = self.arg(node, 0, "an instance type")?;
        let text = self.string(v, "instance type")?;
        if let Some(t) = self.std.instance_types.get(text) {
            return Some(t.clone());
        }
        let names: Vec<&str> = self.std.instance_types.keys().map(String::as_str).collect();
        self.push(
            Diagnostic::error(
                Code::UnknownInstanceType,
                v.span,
                format!("unknown instance type `{text}`"),
            )
            .label("unknown instance type")
            .help(match suggest(text, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "see stdlib/instance-types.kdl for the accepted types".into(),
            }),
        );
        None
    }

    /// A volume past the last device name a layer's volumes take
    /// (`/dev/sdp`): two volumes on one device would not both attach.
    pub(super) fn too_many_volumes(&mut self, node: &Node) {
        self.push(
            Diagnostic::error(
                Code::TooManyVolumes,
                node.name_span,
                format!(
                    "a layer has at most {} volumes (/dev/sdf to /dev/sdp)",
                    VOLUME_DEVICES.len()
                ),
            )
            .label("one volume too many")
            .help("put several directories on one volume (mount it once and use subdirectories), or move some to another layer"),
        );
    }

    pub(super) fn volume(&mut self, node: &Node, seen: &[Volume]) -> Option<Volume> {
        self.shape(node, &nodes::VOLUME);
        let v = self.arg(node, 0, "a mount point")?;
        let mount = self.parsed(v, "mount point", Code::BadPath, absolute_path);
        let size = self.prop(node, "size", true).and_then(|s| {
            let bytes = self.size(s, "size")?;
            let gib = bytes.div_ceil(1 << 30);
            if !(1..=16384).contains(&gib) {
                self.push(
                    Diagnostic::error(Code::OutOfRange, s.span, "an EBS volume is 1 GiB to 16 TiB")
                        .label("out of range"),
                );
                return None;
            }
            Some(gib)
        });
        let mount = mount?;
        if seen.iter().any(|s| s.mount == mount) || mount == "/" {
            self.push(
                Diagnostic::error(
                    Code::DuplicateName,
                    v.span,
                    format!("`{mount}` is already a mount point"),
                )
                .help("each volume needs its own mount point; `/` is the root volume"),
            );
            return None;
        }
        self.mount_point(v.span, &mount)?;
        Some(Volume {
            mount,
            size_gib: size?,
        })
    }
}
