//! `stackc run recipes`: the cookbooks as they are on disk published to
//! the fleet.

use super::Fleet;

/// Uploads the environment's bundle when the fleet runs another one and
/// points the bundle parameter at it, so `stackc run recipes` reaches the
/// instances with the recipes as they are on disk. Returns true when the
/// bundle changed.
pub async fn publish_bundle<C: crate::cloud::Cloud + Fleet>(
    cloud: &C,
    out: &mut dyn std::io::Write,
    artifacts: &crate::deploy::Artifacts,
    bucket: &str,
) -> Result<bool, crate::deploy::DeployError> {
    let m = &artifacts.manifest;
    let Some(bundle) = m.entry(&m.bundle) else {
        return Err(crate::deploy::DeployError::Artifacts(
            "the manifest lists no bundle".into(),
        ));
    };
    if cloud.describe_stack(&m.stack_name).await?.is_none() {
        return Err(crate::deploy::DeployError::Artifacts(format!(
            "{} is not deployed; run `stackc deploy` first",
            m.stack_name
        )));
    }
    let parameter = stackc_core::emit::cfn::bundle_parameter_for(&m.stack_name);
    let current = cloud.bundle_pointer(&parameter).await?;
    let current_sha = current
        .as_deref()
        .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
        .and_then(|v| v["sha256"].as_str().map(str::to_string));
    if current_sha.as_deref() == Some(bundle.sha256.as_str()) {
        return Ok(false);
    }
    let key = m.key(bundle);
    if !cloud.object_exists(bucket, &key).await? {
        let bytes = std::fs::read(artifacts.dir.join(&bundle.path)).map_err(|e| {
            crate::deploy::DeployError::Artifacts(format!("cannot read the bundle: {e}"))
        })?;
        cloud.put_object(bucket, &key, bytes).await?;
    }
    let pointer =
        serde_json::json!({ "bucket": bucket, "key": key, "sha256": bundle.sha256 }).to_string();
    cloud.set_bundle_pointer(&parameter, &pointer).await?;
    let _ = writeln!(
        out,
        "the cookbooks changed since the last deploy: bundle {} published to the fleet (the next `stackc deploy` records it in the stack)",
        &bundle.sha256[..12]
    );
    Ok(true)
}
