//! `stackc run recipes`: the cookbooks as they are on disk published to
//! the fleet. For one stack the bucket and the fleet are in one account
//! ([`publish_bundle`]); a StackSet's bundle goes to each target region's
//! bucket in the administering account ([`upload_bundle`]) and each target
//! account's fleet is pointed at it ([`point_to_bundle`]).

use super::Fleet;
use crate::deploy::{Artifacts, DeployError};

/// A bundle in a bucket: what the bundle parameter points the fleet at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleAt {
    /// The bucket.
    pub bucket: String,
    /// Its content-addressed key.
    pub key: String,
    /// Its sha256.
    pub sha256: String,
}

impl BundleAt {
    /// The environment's bundle (as `artifacts` lists it) in `bucket`.
    pub fn of(artifacts: &Artifacts, bucket: &str) -> Result<BundleAt, DeployError> {
        let m = &artifacts.manifest;
        let Some(bundle) = m.entry(&m.bundle) else {
            return Err(DeployError::Artifacts(
                "the manifest lists no bundle".into(),
            ));
        };
        Ok(BundleAt {
            bucket: bucket.to_string(),
            key: m.key(bundle),
            sha256: bundle.sha256.clone(),
        })
    }

    /// The bundle parameter's value.
    fn pointer(&self) -> String {
        serde_json::json!({ "bucket": self.bucket, "key": self.key, "sha256": self.sha256 })
            .to_string()
    }
}

/// Uploads the environment's bundle and points the bundle parameter at it
/// when the fleet runs another one, so `stackc run recipes` reaches the
/// instances with the recipes as they are on disk. Returns true when the
/// bundle changed.
pub async fn publish_bundle<C: crate::cloud::Cloud + Fleet>(
    cloud: &C,
    out: &mut dyn std::io::Write,
    artifacts: &Artifacts,
    bucket: &str,
) -> Result<bool, DeployError> {
    let m = &artifacts.manifest;
    let at = BundleAt::of(artifacts, bucket)?;
    if cloud.describe_stack(&m.stack_name).await?.is_none() {
        return Err(DeployError::Artifacts(format!(
            "{} is not deployed; run `stackc deploy` first",
            m.stack_name
        )));
    }
    let parameter = stackc_core::emit::cfn::bundle_parameter_for(&m.stack_name);
    if current_sha(cloud, &parameter).await?.as_deref() == Some(at.sha256.as_str()) {
        return Ok(false);
    }
    upload_bundle(cloud, artifacts, bucket).await?;
    set_pointer(cloud, out, &parameter, &at).await?;
    Ok(true)
}

/// Puts the environment's bundle in `bucket` unless it is there already
/// (the key is content-addressed).
pub async fn upload_bundle<C: crate::cloud::Cloud>(
    cloud: &C,
    artifacts: &Artifacts,
    bucket: &str,
) -> Result<BundleAt, DeployError> {
    let at = BundleAt::of(artifacts, bucket)?;
    if !cloud.object_exists(bucket, &at.key).await? {
        let m = &artifacts.manifest;
        let path = m.entry(&m.bundle).map(|b| artifacts.dir.join(&b.path));
        let bytes = path
            .map(std::fs::read)
            .transpose()
            .map_err(|e| DeployError::Artifacts(format!("cannot read the bundle: {e}")))?
            .unwrap_or_default();
        cloud.put_object(bucket, &at.key, bytes).await?;
    }
    Ok(at)
}

/// Points the bundle parameter of `stack_name`'s fleet at `at` when it
/// names another bundle; true when it did.
pub async fn point_to_bundle<F: Fleet>(
    fleet: &F,
    out: &mut dyn std::io::Write,
    stack_name: &str,
    at: &BundleAt,
) -> Result<bool, DeployError> {
    let parameter = stackc_core::emit::cfn::bundle_parameter_for(stack_name);
    if current_sha(fleet, &parameter).await?.as_deref() == Some(at.sha256.as_str()) {
        return Ok(false);
    }
    set_pointer(fleet, out, &parameter, at).await?;
    Ok(true)
}

async fn set_pointer<F: Fleet>(
    fleet: &F,
    out: &mut dyn std::io::Write,
    parameter: &str,
    at: &BundleAt,
) -> Result<(), DeployError> {
    fleet.set_bundle_pointer(parameter, &at.pointer()).await?;
    let _ = writeln!(
        out,
        "the cookbooks changed since the last deploy: bundle {} published to the fleet (the next `stackc deploy` records it in the stack)",
        &at.sha256[..12.min(at.sha256.len())]
    );
    Ok(())
}

/// The sha256 of the bundle the fleet is pointed at.
async fn current_sha<F: Fleet>(fleet: &F, parameter: &str) -> Result<Option<String>, DeployError> {
    let current = fleet.bundle_pointer(parameter).await?;
    Ok(current
        .as_deref()
        .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .and_then(|v| v["sha256"].as_str().map(str::to_string)))
}
