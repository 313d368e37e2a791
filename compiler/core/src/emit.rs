//! Artifacts of one environment: CloudFormation template(s), the cookbook
//! bundle, node JSON, and the manifest. Emitters read only the IR.
//!
//! Contract between the emitters and the instance:
//! - The bundle `cookbooks.tar.gz` holds `cookbooks/<name>/...` (built-in
//!   cookbooks overlaid by the stack's), the node JSON in three parts that
//!   the agent merges (`nodes/stack.json`; `nodes/<layer>/<event>.json` per
//!   instance group and event; `nodes/custom.json`, merged last; see
//!   docs/node-json.md) and `bin/stackc-run` (the agent).
//! - The template takes parameters `ArtifactBucket`, `BundleKey` and
//!   `BundleSha256`, and stores them as JSON `{"bucket","key","sha256"}` in
//!   the SSM parameter `/stackc/<stack>-<env>/bundle`, so a new bundle changes
//!   one parameter and no instance.
//! - User data writes `/etc/stackc/instance.env` (STACKC_STACK, STACKC_ENV,
//!   STACKC_LAYER (the host layer), STACKC_REGION, STACKC_BUNDLE_PARAMETER,
//!   STACKC_LOG_GROUP), fetches the bundle, installs `stackc-run` and runs
//!   `stackc-run setup` then `stackc-run deploy`.

pub mod bundle;
pub mod cfn;
pub mod manifest;
pub mod node;

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

use crate::diag::Diagnostic;
use crate::ir::{Event, Stack};

/// Path of the bundle in `out/<stack>-<env>/`.
pub const BUNDLE: &str = "cookbooks.tar.gz";

/// Builds every artifact of one environment: template(s), node JSON, the
/// bundle, and last `manifest.json`. `user_cookbooks` are the files of the
/// stack's cookbooks directory.
pub fn build(
    stack: &Stack,
    user_cookbooks: &[bundle::CookbookFile],
    format: Format,
) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
    let diags = bundle::check_metadata(user_cookbooks, stack.cookbooks_span);
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut out = cfn::emit(stack, format)?;

    let mut entries = std::collections::BTreeMap::new();
    for (path, bytes) in bundle::merged_cookbooks(user_cookbooks) {
        entries.insert(format!("cookbooks/{path}"), bytes);
    }
    let mut node_file = |path: String, json: &serde_json::Value| {
        let mut text = serde_json::to_string_pretty(json).expect("JSON values serialize");
        text.push('\n');
        entries.insert(path.clone(), text.clone().into_bytes());
        out.push(Artifact::new(path, text));
    };
    node_file("nodes/stack.json".into(), &node::stack_part(stack));
    node_file("nodes/custom.json".into(), &node::custom_part(stack));
    for host in stack.layers.iter().filter(|l| l.has_instances()) {
        for event in Event::ALL {
            let path = format!("nodes/{}/{}.json", host.name, event.name());
            node_file(path, &node::group_part(stack, host, event));
        }
    }
    entries.insert("bin/stackc-run".into(), bundle::AGENT.as_bytes().to_vec());
    out.push(Artifact::new(BUNDLE, bundle::tar_gz(&entries)));
    out.sort_by(|a, b| a.path.cmp(&b.path));

    let manifest = manifest::Manifest {
        version: 1,
        stack: stack.name.clone(),
        env: stack.env.clone(),
        stack_name: stack.qualified_name(),
        region: stack.region.clone(),
        template: cfn::root_path(format),
        bundle: BUNDLE.into(),
        layers: stack.layers.iter().map(|l| l.name.clone()).collect(),
        files: out.iter().map(manifest::entry).collect(),
    };
    let mut text = serde_json::to_string_pretty(&manifest).expect("the manifest serializes");
    text.push('\n');
    out.push(Artifact::new(manifest::FILE, text));
    Ok(out)
}
