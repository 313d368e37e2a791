//! Uploads to the artifact bucket: the build's artifacts, and the Chef
//! client packages the lock file pins (staged and checked first).

use super::{retry, Artifacts, DeployError, Options, Ui};
use crate::cloud::Cloud;

/// Uploads every artifact under its content-addressed key, skipping keys
/// already present; returns how many were uploaded.
pub async fn upload<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    bucket: &str,
    artifacts: &Artifacts,
) -> Result<usize, DeployError> {
    let mut uploaded = 0;
    for entry in &artifacts.manifest.files {
        let key = artifacts.manifest.key(entry);
        if retry(&Options::default_quick(), || {
            cloud.object_exists(bucket, &key)
        })
        .await?
        {
            continue;
        }
        let bytes = std::fs::read(artifacts.dir.join(&entry.path))
            .map_err(|e| DeployError::Artifacts(format!("cannot read {}: {e}", entry.path)))?;
        cloud.put_object(bucket, &key, bytes).await?;
        uploaded += 1;
    }
    ui.say(&format!(
        "artifacts: {uploaded} uploaded, {} already in s3://{bucket}",
        artifacts.manifest.files.len() - uploaded
    ));
    Ok(uploaded)
}

/// The Cinc packages the environment's instances install that the artifact
/// bucket lacks, with their keys and bytes: from the local cache or
/// downloaded, each checked against the sha256 the lock file pins. Nothing
/// is uploaded here, so a package that cannot be had stops deploy before
/// anything changes.
pub(crate) async fn stage_packages<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    opts: &Options,
    bucket: &str,
    artifacts: &Artifacts,
) -> Result<Vec<(String, Vec<u8>)>, DeployError> {
    let mut staged: Vec<(String, Vec<u8>)> = Vec::new();
    for (need, pin) in &artifacts.cinc {
        let key = artifacts.package_key(need, pin);
        if staged.iter().any(|(k, _)| *k == key)
            || retry(&Options::default_quick(), || {
                cloud.object_exists(bucket, &key)
            })
            .await?
        {
            continue;
        }
        let (bytes, source) = crate::cinc::package(pin, opts.cache.as_deref())
            .await
            .map_err(DeployError::Package)?;
        let from = match source {
            crate::cinc::Source::Cache(path) => format!("from the cache ({})", path.display()),
            crate::cinc::Source::Download => format!("downloaded from {}", pin.url),
        };
        ui.say(&format!(
            "{} {} for {} {}: {} bytes {from}, sha256 checked",
            pin.client.title(),
            pin.version,
            pin.os,
            pin.arch,
            bytes.len(),
        ));
        staged.push((key, bytes));
    }
    Ok(staged)
}

/// Uploads the staged Cinc packages; returns how many.
pub(crate) async fn upload_packages<C: Cloud>(
    cloud: &C,
    ui: &mut Ui<'_>,
    bucket: &str,
    artifacts: &Artifacts,
    staged: Vec<(String, Vec<u8>)>,
) -> Result<usize, DeployError> {
    let uploaded = staged.len();
    for (key, bytes) in staged {
        cloud.put_object(bucket, &key, bytes).await?;
    }
    if !artifacts.cinc.is_empty() {
        ui.say(&format!(
            "Chef client packages: {uploaded} uploaded, {} already in s3://{bucket}",
            artifacts.cinc.len() - uploaded
        ));
    }
    Ok(uploaded)
}
