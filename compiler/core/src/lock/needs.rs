//! What a stack needs locked: the image of each region, operating system
//! and architecture its instances use, and the client package each
//! installs, with the template parameters that take them.

use serde::{Deserialize, Serialize};

use crate::chef::Client;
use crate::ir::Stack;
use crate::stdlib::Arch;

/// The template parameter that takes the image of an architecture.
pub fn parameter(arch: Arch) -> String {
    match arch {
        Arch::Arm64 => "ImageIdArm64".into(),
        Arch::X86_64 => "ImageIdX86".into(),
    }
}

/// An image an environment's template needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Need {
    /// The template parameter that takes it.
    pub parameter: String,
    /// Operating system (stdlib name).
    pub os: String,
    /// The architecture.
    pub arch: Arch,
    /// The public SSM parameter holding the OS's current image there.
    pub ssm: String,
    /// The instance groups (layer, Auto Scaling group) that boot from it.
    pub groups: Vec<Group>,
}

/// An instance group, by layer and Auto Scaling group name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    /// The layer with instances of its own.
    pub layer: String,
    /// Its Auto Scaling group.
    pub group: String,
    /// The Chef client its instances install (Cinc in manifests written
    /// before there was a choice).
    #[serde(default)]
    pub client: Client,
}

/// The images an environment's instance groups boot from: one per
/// architecture of their instance types, x86_64 first.
pub fn needs(stack: &Stack) -> Vec<Need> {
    let mut out: Vec<Need> = Vec::new();
    for host in stack.layers.iter().filter(|l| l.has_instances()) {
        let arch = host.instance_type.arch;
        let group = Group {
            layer: host.name.clone(),
            group: crate::emit::cfn::group_name(stack, &host.name),
            client: host.chef.client,
        };
        match out.iter_mut().find(|n| n.arch == arch) {
            Some(n) => n.groups.push(group),
            None => out.push(Need {
                parameter: parameter(arch),
                os: stack.os.name.clone(),
                arch,
                ssm: match arch {
                    Arch::Arm64 => stack.os.ami_arm64.clone(),
                    Arch::X86_64 => stack.os.ami_x86_64.clone(),
                },
                groups: vec![group],
            }),
        }
    }
    out.sort_by_key(|n| n.arch);
    out
}

/// The template parameter that takes the sha256 of the Cinc package of an
/// architecture.
pub fn cinc_parameter(arch: Arch) -> String {
    client_parameter(Client::Cinc, arch)
}

/// The template parameter that takes the sha256 of a client's package for
/// an architecture: `CincSha256X86`, `ChefSha256Arm64`.
pub fn client_parameter(client: Client, arch: Arch) -> String {
    let arch = match arch {
        Arch::Arm64 => "Arm64",
        Arch::X86_64 => "X86",
    };
    format!("{}Sha256{arch}", client.parameter_prefix())
}

/// A Chef client package an environment's instances install (the name is
/// from when Cinc was the only client).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CincNeed {
    /// The template parameter that takes its sha256.
    pub parameter: String,
    /// Which client (Cinc in manifests written before there was a choice).
    #[serde(default)]
    pub client: Client,
    /// Operating system (stdlib name).
    pub os: String,
    /// The architecture.
    pub arch: Arch,
    /// The client version the instances install.
    pub version: String,
    /// The OS as the metadata endpoint names it (`p`).
    pub platform: String,
    /// The OS version as Cinc's metadata endpoint names it (`pv`).
    pub platform_version: String,
    /// `rpm` or `deb`: the extension of its key in the artifact bucket.
    pub package: String,
}

impl CincNeed {
    /// The architecture as Cinc's metadata endpoint names it (`m`).
    pub fn machine(&self) -> &'static str {
        match self.arch {
            Arch::Arm64 => "aarch64",
            Arch::X86_64 => "x86_64",
        }
    }

    /// The query string of its metadata request.
    pub fn metadata_query(&self) -> String {
        format!(
            "p={}&pv={}&m={}&v={}",
            self.platform,
            self.platform_version,
            self.machine(),
            self.version
        )
    }
}

/// The Chef client packages an environment's instances install: one per
/// client (Cinc first) and architecture of its instance groups, the
/// architectures in the order of [`needs`]. The checker allows one version
/// of each client per environment.
pub fn cinc_needs(stack: &Stack) -> Vec<CincNeed> {
    let mut out: Vec<CincNeed> = Vec::new();
    for client in Client::ALL {
        for n in needs(stack) {
            let Some(version) = n
                .groups
                .iter()
                .filter_map(|g| stack.layer(&g.layer))
                .find(|l| l.chef.client == client)
                .map(|l| l.chef.version.clone())
            else {
                continue;
            };
            out.push(CincNeed {
                parameter: client_parameter(client, n.arch),
                client,
                version,
                platform: stack.os.cinc_platform.clone(),
                platform_version: stack.os.cinc_platform_version.clone(),
                package: stack.os.package.clone(),
                os: n.os,
                arch: n.arch,
            });
        }
    }
    out
}
