//! Artifacts of one environment: CloudFormation template(s), the cookbook
//! bundle, node JSON, and the manifest; and its documentation (`docs`).
//! Emitters read only the IR.
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
//!   STACKC_LOG_GROUP (the host layer's log group) and STACKC_LOG_GROUPS (a
//!   JSON object: layer → log group; the names are the template's, one per
//!   deployment, so the build cannot know them), fetches the bundle,
//!   installs `stackc-run` and runs `stackc-run setup` then
//!   `stackc-run deploy`. The agent hands STACKC_LOG_GROUPS to Chef as
//!   `stackc.log_groups`.

pub mod bundle;
pub mod cfn;
pub mod docs;
pub mod live;
pub mod manifest;
pub mod node;
pub mod operations;

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
/// bundle, and last `manifest.json`, sorted by path with the manifest last.
/// `user_cookbooks` are the files of the stack's cookbooks directory.
pub fn build(
    stack: &Stack,
    user_cookbooks: &[bundle::CookbookFile],
    format: Format,
) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
    let mut out = Vec::new();
    build_into(stack, user_cookbooks, format, &mut |a| out.push(a))?;
    out.sort_by(|a, b| {
        (a.path == manifest::FILE, &a.path).cmp(&(b.path == manifest::FILE, &b.path))
    });
    Ok(out)
}

/// Builds the artifacts of one environment and hands each to `sink` as soon
/// as it is made (`manifest.json` last), so a build keeps little in memory.
pub fn build_into(
    stack: &Stack,
    user_cookbooks: &[bundle::CookbookFile],
    format: Format,
    sink: &mut dyn FnMut(Artifact),
) -> Result<(), Vec<Diagnostic>> {
    let diags = bundle::check_metadata(user_cookbooks, stack.cookbooks_span);
    if !diags.is_empty() {
        return Err(diags);
    }
    let mut files: Vec<manifest::Entry> = Vec::new();
    let mut emit = |a: Artifact| {
        files.push(manifest::entry(&a));
        sink(a);
    };
    cfn::emit_into(stack, format, &mut emit)?;

    // The bundle, in path order: bin/, cookbooks/, nodes/.
    let mut tar = bundle::TarGz::new();
    for (name, code) in live::PROGRAMS {
        tar.append(&format!("bin/{name}"), code.as_bytes());
    }
    tar.append("bin/stackc-run", bundle::AGENT.as_bytes());
    for (path, bytes) in bundle::merged_cookbooks(user_cookbooks) {
        tar.append(&format!("cookbooks/{path}"), &bytes);
    }
    // The node JSON parts travel in the bundle only, compact: the agent
    // reads them with jq (`stackc build --nodes` writes indented copies to
    // read).
    node_files(stack, false, &mut |path, text| {
        tar.append(path, text.as_bytes())
    });
    emit(Artifact::new(BUNDLE, tar.finish()));

    files.sort_by(|a, b| a.path.cmp(&b.path));
    let manifest = manifest::Manifest {
        version: 1,
        stack: stack.name.clone(),
        env: stack.env.clone(),
        stack_name: stack.qualified_name(),
        region: stack.region.clone(),
        template: cfn::root_path(format),
        bundle: BUNDLE.into(),
        layers: stack.layers.iter().map(|l| l.name.clone()).collect(),
        images: crate::lock::needs(stack),
        cinc: crate::lock::cinc_needs(stack),
        files,
    };
    let mut text = serde_json::to_string_pretty(&manifest).expect("the manifest serializes");
    text.push('\n');
    sink(Artifact::new(manifest::FILE, text));
    Ok(())
}

/// The node JSON parts of the bundle (`nodes/...`), in path order, each
/// handed to `sink` as it is made: the bundle's (compact), and `stackc
/// build --nodes`'s copies (`pretty`: indented).
pub fn node_files(stack: &Stack, pretty: bool, sink: &mut dyn FnMut(&str, &str)) {
    enum Part<'a> {
        Stack,
        Apps,
        Custom,
        Group(&'a crate::ir::Layer, Event),
    }
    let mut parts: Vec<(String, Part)> = vec![
        ("nodes/stack.json".into(), Part::Stack),
        ("nodes/apps.json".into(), Part::Apps),
        ("nodes/custom.json".into(), Part::Custom),
    ];
    for host in stack.layers.iter().filter(|l| l.has_instances()) {
        for event in Event::ALL {
            parts.push((
                format!("nodes/{}/{}.json", host.name, event.name()),
                Part::Group(host, event),
            ));
        }
    }
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    // A group's parts are next to each other (`nodes/<host>/`): what they
    // share is made once.
    let mut group: Option<node::GroupParts> = None;
    for (path, part) in parts {
        let json = match part {
            Part::Stack => node::stack_part(stack),
            Part::Apps => node::apps_part(stack),
            Part::Custom => node::custom_part(stack),
            Part::Group(host, event) => {
                let parts = match &mut group {
                    Some(g) if std::ptr::eq(g.host(), host) => g,
                    _ => group.insert(node::GroupParts::new(stack, host)),
                };
                parts.part(event)
            }
        };
        let mut text = if pretty {
            serde_json::to_string_pretty(&json)
        } else {
            serde_json::to_string(&json)
        }
        .expect("JSON values serialize");
        text.push('\n');
        sink(&path, &text);
    }
}
