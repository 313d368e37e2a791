//! The change set a flow asks for: its name, and the stack's parameters
//! (the bucket, the bundle, the pinned images and Chef client packages).

use super::{Artifacts, DeployError};
use crate::cloud::{ChangeSetRequest, StackInfo, TemplateSource};

pub(super) fn change_set_name() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("stackc-{secs}-{}", std::process::id())
}

pub(super) fn stack_request(
    artifacts: &Artifacts,
    bucket: &str,
    template_url: String,
    create: bool,
) -> Result<ChangeSetRequest, DeployError> {
    let m = &artifacts.manifest;
    let bundle = artifacts.entry(&m.bundle)?;
    let mut parameters = vec![
        ("ArtifactBucket".into(), bucket.to_string()),
        ("BundleKey".into(), m.key(bundle)),
        ("BundleSha256".into(), bundle.sha256.clone()),
    ];
    for need in &m.images {
        let id = artifacts
            .images
            .iter()
            .find(|(p, _)| *p == need.parameter)
            .map(|(_, id)| id.clone())
            .ok_or_else(|| DeployError::ImageNotPinned(format!("{} {}", need.os, need.arch)))?;
        parameters.push((need.parameter.clone(), id));
    }
    for need in &m.cinc {
        let sha = artifacts
            .cinc
            .iter()
            .find(|(n, _)| n.parameter == need.parameter)
            .map(|(_, pin)| pin.sha256.clone())
            .ok_or_else(|| {
                DeployError::CincNotPinned(format!(
                    "{} {} on {} {}",
                    need.client.title(),
                    need.version,
                    need.os,
                    need.arch
                ))
            })?;
        parameters.push((need.parameter.clone(), sha));
    }
    Ok(ChangeSetRequest {
        stack: m.stack_name.clone(),
        name: change_set_name(),
        create,
        template: TemplateSource::Url(template_url),
        parameters,
        tags: vec![
            ("stackc:stack".into(), m.stack.clone()),
            ("stackc:env".into(), m.env.clone()),
        ],
    })
}

/// True when the stack runs a bundle and the request sets another.
pub(super) fn bundle_changes(existing: Option<&StackInfo>, request: &ChangeSetRequest) -> bool {
    let new = request
        .parameters
        .iter()
        .find(|(k, _)| k == "BundleSha256")
        .map(|(_, v)| v.as_str());
    existing
        .and_then(|i| i.parameter("BundleSha256"))
        .is_some_and(|old| Some(old) != new)
}
