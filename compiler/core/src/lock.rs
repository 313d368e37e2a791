//! The lock file: `stack.lock` beside `stack.kdl` (any `NAME.kdl` has its
//! `NAME.lock`), the machine image each region, operating system and
//! architecture of the stack boots from, and the Chef client package (Cinc,
//! or Chef Infra Client where a `chef` node chooses it) each client,
//! version, operating system and architecture installs. `stackc lock`
//! writes it from the operating systems' public SSM parameters and from the
//! clients' package metadata (Omnitruck), and only `stackc lock --update` moves an entry to a newer
//! image; it is committed with the stack file. Templates take the image and
//! the package's sha256 as parameters ([`parameter`], [`cinc_parameter`])
//! that `stackc deploy` fills from this file, so builds stay offline and
//! deterministic, a new AWS image replaces no instance until the lock says
//! so, and instances install exactly the package the lock pins.
//!
//! ```kdl
//! image region="eu-west-1" os="amazon-linux-2023" arch="x86_64" id="ami-0123456789abcdef0"
//! cinc os="amazon-linux-2023" arch="x86_64" version="18.6.2" sha256="…" url="https://…"
//! chef os="amazon-linux-2023" arch="x86_64" version="12.22.5" sha256="…" url="https://…"
//! ```

mod needs;
mod parse;
#[cfg(test)]
mod tests;

pub use needs::{
    cinc_needs, cinc_parameter, client_parameter, needs, parameter, CincNeed, Group, Need,
};
pub use parse::{is_image_id, is_package_url, is_sha256, parse};

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::chef::Client;
use crate::stdlib::Arch;

/// One pinned image.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Image {
    /// AWS region.
    pub region: String,
    /// Operating system (stdlib name).
    pub os: String,
    /// The architecture.
    pub arch: Arch,
    /// AMI id.
    pub id: String,
}

/// One pinned Chef client package (the name is from when Cinc was the only
/// client): what the client's metadata endpoint answered for an operating
/// system, architecture and version when it was locked.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Cinc {
    /// Which client (`cinc` lines, or `chef` lines).
    #[serde(default)]
    pub client: Client,
    /// Operating system (stdlib name).
    pub os: String,
    /// The architecture.
    pub arch: Arch,
    /// Its version, exact.
    pub version: String,
    /// Lowercase hex sha256 of the package.
    pub sha256: String,
    /// Where the package is downloaded from.
    pub url: String,
}

/// The images of a lock file, sorted by region, OS and architecture, one
/// per triple; and its Chef client packages, sorted by client, OS,
/// architecture and version, one per quadruple.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    images: Vec<Image>,
    cinc: Vec<Cinc>,
}

impl Lock {
    /// The pinned images, sorted.
    pub fn images(&self) -> &[Image] {
        &self.images
    }

    /// The pinned Cinc packages, sorted.
    pub fn cinc_packages(&self) -> &[Cinc] {
        &self.cinc
    }

    /// The package pinned for a client, OS, architecture and version.
    pub fn cinc(&self, client: Client, os: &str, arch: Arch, version: &str) -> Option<&Cinc> {
        self.cinc
            .iter()
            .find(|c| c.client == client && c.os == os && c.arch == arch && c.version == version)
    }

    /// Pins a package (one per client, OS, architecture and version);
    /// returns the one it replaces, if any.
    pub fn set_cinc(&mut self, package: Cinc) -> Option<Cinc> {
        let key = |c: &Cinc| (c.client, c.os.clone(), c.arch, c.version.clone());
        match self.cinc.binary_search_by_key(&key(&package), key) {
            Ok(at) => Some(std::mem::replace(&mut self.cinc[at], package)),
            Err(at) => {
                self.cinc.insert(at, package);
                None
            }
        }
    }

    /// Drops the packages `keep` says no to (`stackc lock` drops those no
    /// environment installs any more); returns them.
    pub fn retain_cinc(&mut self, mut keep: impl FnMut(&Cinc) -> bool) -> Vec<Cinc> {
        let (kept, dropped) = std::mem::take(&mut self.cinc)
            .into_iter()
            .partition(|c| keep(c));
        self.cinc = kept;
        dropped
    }

    /// The image id pinned for a region, OS and architecture.
    pub fn get(&self, region: &str, os: &str, arch: Arch) -> Option<&str> {
        self.images
            .iter()
            .find(|i| i.region == region && i.os == os && i.arch == arch)
            .map(|i| i.id.as_str())
    }

    /// Pins an image; returns the id it replaces, if any.
    pub fn set(&mut self, image: Image) -> Option<String> {
        let key = |i: &Image| (i.region.clone(), i.os.clone(), i.arch);
        match self.images.binary_search_by_key(&key(&image), key) {
            Ok(at) => Some(std::mem::replace(&mut self.images[at].id, image.id)),
            Err(at) => {
                self.images.insert(at, image);
                None
            }
        }
    }
}

/// The lock file of a stack file: same directory and name, `.lock`.
pub fn path_for(stack_file: &Path) -> PathBuf {
    stack_file.with_extension("lock")
}

/// What the lock file starts with.
const HEADER: &str = "// Machine images this stack's instances boot from and the Chef client packages\n// they install, pinned by `stackc lock`. Commit this file. `stackc lock --update`\n// moves to the newest images (and the next deploy replaces the instances, one\n// at a time).\n";

/// The lock file's text: the header, then one `image` line per image and
/// one `cinc` line per package, each sorted.
pub fn render(lock: &Lock) -> String {
    let mut out = String::from(HEADER);
    for i in &lock.images {
        out.push_str(&format!(
            "image region=\"{}\" os=\"{}\" arch=\"{}\" id=\"{}\"\n",
            i.region, i.os, i.arch, i.id
        ));
    }
    for c in &lock.cinc {
        out.push_str(&format!(
            "{} os=\"{}\" arch=\"{}\" version=\"{}\" sha256=\"{}\" url=\"{}\"\n",
            c.client.name(),
            c.os,
            c.arch,
            c.version,
            c.sha256,
            c.url
        ));
    }
    out
}
