//! `manifest.json`: every artifact of an environment with its size and
//! sha256. Deploy reads this, never the stack file.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Artifact;

/// The name of the manifest file in `out/<stack>-<env>/`.
pub const FILE: &str = "manifest.json";

/// What a build produced for one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Manifest format version.
    pub version: u32,
    /// Stack name.
    pub stack: String,
    /// Environment name.
    pub env: String,
    /// CloudFormation stack name (`<stack>-<env>`).
    pub stack_name: String,
    /// AWS region.
    pub region: String,
    /// Path of the root template.
    pub template: String,
    /// Path of the cookbook bundle.
    pub bundle: String,
    /// The stack's layers, in source order (deploy groups its plan by them).
    #[serde(default)]
    pub layers: Vec<String>,
    /// The machine images the templates take as parameters (deploy fills
    /// them from the lock file).
    #[serde(default)]
    pub images: Vec<crate::lock::Need>,
    /// The Cinc packages the instances install, whose sha256 the templates
    /// take as parameters (deploy fills them from the lock file and puts
    /// the packages in the artifact bucket).
    #[serde(default)]
    pub cinc: Vec<crate::lock::CincNeed>,
    /// Every artifact but the manifest, sorted by path.
    pub files: Vec<Entry>,
}

/// One artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Path relative to the environment's directory.
    pub path: String,
    /// Size in bytes.
    pub bytes: u64,
    /// Lowercase hex sha256.
    pub sha256: String,
}

impl Manifest {
    /// The entry of a path.
    pub fn entry(&self, path: &str) -> Option<&Entry> {
        self.files.iter().find(|e| e.path == path)
    }

    /// Content-addressed S3 key of an artifact: `<stack>/<env>/<sha256>.<ext>`.
    pub fn key(&self, entry: &Entry) -> String {
        let file = entry
            .path
            .rsplit_once('/')
            .map_or(entry.path.as_str(), |(_, f)| f);
        let ext = if file.ends_with(".tar.gz") {
            "tar.gz"
        } else {
            file.rsplit_once('.').map_or("bin", |(_, e)| e)
        };
        Manifest::key_for(&self.stack, &self.env, &entry.sha256, ext)
    }

    /// `<stack>/<env>/<sha256>.<ext>`.
    pub fn key_for(stack: &str, env: &str, sha256: &str, ext: &str) -> String {
        format!("{stack}/{env}/{sha256}.{ext}")
    }
}

/// Lowercase hex sha256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// An entry for an artifact.
pub fn entry(artifact: &Artifact) -> Entry {
    Entry {
        path: artifact.path.clone(),
        bytes: artifact.bytes.len() as u64,
        sha256: sha256_hex(&artifact.bytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_content_addressed() {
        let m = Manifest {
            version: 1,
            stack: "goldcar".into(),
            env: "test".into(),
            stack_name: "goldcar-test".into(),
            region: "eu-west-1".into(),
            template: "template.json".into(),
            bundle: "cookbooks.tar.gz".into(),
            layers: vec!["web".into()],
            images: Vec::new(),
            cinc: Vec::new(),
            files: vec![entry(&Artifact::new("cookbooks.tar.gz", b"x".to_vec()))],
        };
        let e = &m.files[0];
        assert_eq!(
            e.sha256,
            "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
        );
        assert_eq!(m.key(e), format!("goldcar/test/{}.tar.gz", e.sha256));
        let nested = Entry {
            path: "layers/web.json".into(),
            bytes: 1,
            sha256: "ab".into(),
        };
        assert_eq!(m.key(&nested), "goldcar/test/ab.json");
    }
}
