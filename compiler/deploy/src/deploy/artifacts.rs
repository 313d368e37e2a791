//! The built artifacts of an environment, checked against their manifest,
//! and the images and Chef client packages the lock file pins for them.

use std::path::{Path, PathBuf};

use stackc_core::emit::manifest::{self, Manifest};
use stackc_core::lock::{Cinc, CincNeed, Lock, Need};

use super::DeployError;

/// The artifacts of one environment as `stackc build` wrote them.
pub struct Artifacts {
    /// `out/<stack>-<env>/`.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// The image ids its templates' image parameters take (from the lock
    /// file, see [`Artifacts::pin`]), by parameter.
    pub images: Vec<(String, String)>,
    /// The Cinc packages the instances install (from the lock file).
    pub cinc: Vec<(CincNeed, Cinc)>,
    /// The sha256 of `manifest.json`, which names every other artifact's:
    /// the build as a whole.
    pub manifest_sha256: String,
}

/// What an environment needs and the lock file does not pin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Unpinned {
    /// Images, per region, OS and architecture.
    pub images: Vec<Need>,
    /// Cinc packages, per OS, architecture and version.
    pub cinc: Vec<CincNeed>,
}

impl Artifacts {
    /// Reads `dir/manifest.json` and checks every file against it.
    pub fn load(dir: &Path) -> Result<Artifacts, DeployError> {
        let path = dir.join(manifest::FILE);
        let text = std::fs::read(&path)
            .map_err(|e| DeployError::Artifacts(format!("cannot read {}: {e}", path.display())))?;
        let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| {
            DeployError::Artifacts(format!("{} is not a stackc manifest: {e}", path.display()))
        })?;
        for entry in &manifest.files {
            let bytes = std::fs::read(dir.join(&entry.path)).map_err(|e| {
                DeployError::Artifacts(format!(
                    "cannot read {}: {e}",
                    dir.join(&entry.path).display()
                ))
            })?;
            if manifest::sha256_hex(&bytes) != entry.sha256 {
                return Err(DeployError::Artifacts(format!(
                    "{} changed after the build (its sha256 no longer matches the manifest)",
                    dir.join(&entry.path).display()
                )));
            }
        }
        Ok(Artifacts {
            dir: dir.to_path_buf(),
            manifest,
            images: Vec::new(),
            cinc: Vec::new(),
            manifest_sha256: manifest::sha256_hex(&text),
        })
    }

    /// Takes the images and Cinc packages the templates need from `lock`,
    /// for `region`; returns what it has no pin for.
    pub fn pin(&mut self, lock: &Lock, region: &str) -> Result<(), Unpinned> {
        let mut missing = Unpinned::default();
        self.images.clear();
        self.cinc.clear();
        for need in &self.manifest.images {
            match lock.get(region, &need.os, need.arch) {
                Some(id) => self.images.push((need.parameter.clone(), id.to_string())),
                None => missing.images.push(need.clone()),
            }
        }
        for need in &self.manifest.cinc {
            match lock.cinc(need.client, &need.os, need.arch, &need.version) {
                Some(pin) => self.cinc.push((need.clone(), pin.clone())),
                None => missing.cinc.push(need.clone()),
            }
        }
        if missing == Unpinned::default() {
            Ok(())
        } else {
            Err(missing)
        }
    }

    /// The content-addressed key of a Cinc package in the environment's
    /// prefix of the artifact bucket, which its instances may read.
    pub fn package_key(&self, need: &CincNeed, pin: &Cinc) -> String {
        Manifest::key_for(
            &self.manifest.stack,
            &self.manifest.env,
            &pin.sha256,
            &need.package,
        )
    }

    pub(super) fn entry(&self, path: &str) -> Result<&manifest::Entry, DeployError> {
        self.manifest
            .entry(path)
            .ok_or_else(|| DeployError::Artifacts(format!("the manifest lists no {path}")))
    }
}
