//! `stackc lock`: the current machine image of each region, operating
//! system and architecture, read from the operating system's public SSM
//! parameter (`/aws/service/ami-amazon-linux-latest/...`,
//! `/aws/service/canonical/ubuntu/...`), to be pinned in the lock file.

use stackc_core::lock::{is_image_id, Image};

use crate::cloud::{Cloud, CloudError};

/// An image to look up in one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    /// Operating system (stdlib name).
    pub os: String,
    /// The architecture.
    pub arch: stackc_core::stdlib::Arch,
    /// Its public SSM parameter.
    pub ssm: String,
}

/// The current image of each of `wanted` in `region` (the region `cloud`
/// talks to), in the same order.
pub async fn resolve<C: Cloud>(
    cloud: &C,
    region: &str,
    wanted: &[Wanted],
) -> Result<Vec<Image>, CloudError> {
    let mut out = Vec::with_capacity(wanted.len());
    for w in wanted {
        let id = cloud.public_parameter(&w.ssm).await?.ok_or_else(|| {
            CloudError::NotFound(format!(
                "{region} has no public parameter {} ({} {}): is the operating system published in this region?",
                w.ssm, w.os, w.arch
            ))
        })?;
        if !is_image_id(&id) {
            return Err(CloudError::Other(format!(
                "the public parameter {} in {region} holds `{id}`, not an image id",
                w.ssm
            )));
        }
        out.push(Image {
            region: region.to_string(),
            os: w.os.clone(),
            arch: w.arch,
            id,
        });
    }
    Ok(out)
}
