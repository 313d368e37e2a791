//! Artifacts of one environment: CloudFormation template(s), the cookbook
//! bundle, node JSON, and the manifest. Emitters read only the IR.
//!
//! Contract between the emitters and the instance:
//! - The bundle `cookbooks.tar.gz` holds `cookbooks/<name>/...` (built-in
//!   cookbooks overlaid by the stack's), `nodes/<layer>/<event>.json` and
//!   `bin/stackc-run` (the agent).
//! - The template takes parameters `ArtifactBucket`, `BundleKey` and
//!   `BundleSha256`, and stores them as JSON `{"bucket","key","sha256"}` in
//!   the SSM parameter `/stackc/<stack>-<env>/bundle`, so a new bundle changes
//!   one parameter and no instance.
//! - User data writes `/etc/stackc/instance.env` (STACKC_STACK, STACKC_ENV,
//!   STACKC_LAYER (the host layer), STACKC_REGION, STACKC_BUNDLE_PARAMETER,
//!   STACKC_LOG_GROUP), fetches the bundle, installs `stackc-run` and runs
//!   `stackc-run setup` then `stackc-run deploy`.

pub mod manifest;

use serde::Serialize;

/// A file produced by the build, relative to `out/<stack>-<env>/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// Relative path with `/` separators.
    pub path: String,
    /// Contents.
    pub bytes: Vec<u8>,
}

impl Artifact {
    /// A new artifact.
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        Artifact {
            path: path.into(),
            bytes: bytes.into(),
        }
    }
}

/// Output format of templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// `template.json`.
    #[default]
    Json,
    /// `template.yaml`.
    Yaml,
}
