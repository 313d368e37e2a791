//! The Chef client an instance group installs and runs its cookbooks with:
//! Cinc (the free build of Chef Infra Client, 18 by default) or Chef Infra
//! Client itself in an older major version, for cookbooks written for
//! OpsWorks' Chef 11.10 and 12 that Cinc 18 no longer runs. A `chef` node
//! on the stack or a layer chooses it; the lock file pins its package per
//! OS and architecture; the bootstrap installs it; the agent runs it.
//! [`lint`] reads a stack's cookbooks for what the chosen client removed or
//! deprecated.

pub mod lint;

use serde::{Deserialize, Serialize};

use crate::diag::Span;

/// Which Chef client.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Client {
    /// Cinc Client, the free distribution of Chef Infra Client (`cinc-solo`).
    #[default]
    Cinc,
    /// Chef Infra Client as Chef (Progress) builds it (`chef-client`).
    Chef,
}

impl Client {
    /// Every client, as written in a stack file.
    pub const ALL: [Client; 2] = [Client::Cinc, Client::Chef];

    /// Its name in a stack file and a lock file: `cinc` or `chef`.
    pub fn name(self) -> &'static str {
        match self {
            Client::Cinc => "cinc",
            Client::Chef => "chef",
        }
    }

    /// Reads a name as [`Client::name`] writes it.
    pub fn parse(name: &str) -> Option<Client> {
        Client::ALL.into_iter().find(|c| c.name() == name)
    }

    /// How people call it: `Cinc` or `Chef Infra Client`.
    pub fn title(self) -> &'static str {
        match self {
            Client::Cinc => "Cinc",
            Client::Chef => "Chef Infra Client",
        }
    }

    /// The version installed when the stack file names none.
    pub fn default_version(self) -> &'static str {
        match self {
            Client::Cinc => crate::emit::cfn::userdata::CINC_VERSION,
            Client::Chef => CHEF_12_VERSION,
        }
    }

    /// The major versions stackc runs: Cinc from its first release (15) to
    /// 18; Chef Infra Client 12 to 14, the ones without a license to accept
    /// (Chef 15 and later are Cinc's, free).
    pub fn majors(self) -> std::ops::RangeInclusive<u32> {
        match self {
            Client::Cinc => 15..=18,
            Client::Chef => 12..=14,
        }
    }

    /// The command the agent runs cookbooks with, and its arguments before
    /// the agent's own (both run in local mode, so `search` and data bags
    /// work).
    pub fn command(self) -> &'static str {
        match self {
            Client::Cinc => "cinc-solo",
            Client::Chef => "chef-client --local-mode",
        }
    }

    /// The executable the package installs and the bootstrap looks for.
    pub fn binary(self) -> &'static str {
        match self {
            Client::Cinc => "cinc-solo",
            Client::Chef => "chef-client",
        }
    }

    /// The package's metadata endpoint (Omnitruck), which answers `url`,
    /// `sha256` and `version` for a platform, platform version, machine and
    /// version.
    pub fn metadata_url(self) -> &'static str {
        match self {
            Client::Cinc => "https://omnitruck.cinc.sh/stable/cinc/metadata",
            Client::Chef => "https://omnitruck.chef.io/stable/chef/metadata",
        }
    }

    /// The environment variable that points `stackc lock` at another
    /// metadata endpoint for this client (a mirror, or a test's server).
    pub fn metadata_url_var(self) -> &'static str {
        match self {
            Client::Cinc => "STACKC_CINC_METADATA_URL",
            Client::Chef => "STACKC_CHEF_METADATA_URL",
        }
    }

    /// The prefix of the template parameters that take its package's sha256
    /// (`CincSha256X86`, `ChefSha256Arm64`).
    pub fn parameter_prefix(self) -> &'static str {
        match self {
            Client::Cinc => "Cinc",
            Client::Chef => "Chef",
        }
    }
}

/// The last Chef Infra Client 12, the default of `chef client="chef"`: the
/// client of OpsWorks' Chef 12 stacks, which runs most cookbooks written for
/// its Chef 11.10 stacks too.
pub const CHEF_12_VERSION: &str = "12.22.5";

/// A client and its exact version, as an instance group installs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Runtime {
    /// Which client.
    pub client: Client,
    /// Its exact version (`18.6.2`).
    pub version: String,
    /// Where it is chosen (the `chef` node of the layer or the stack; no
    /// span for the default).
    #[serde(skip)]
    pub span: Span,
}

impl Default for Runtime {
    fn default() -> Self {
        Runtime {
            client: Client::Cinc,
            version: Client::Cinc.default_version().to_string(),
            span: Span::new(0, 0),
        }
    }
}

impl Runtime {
    /// The major version (`18`).
    pub fn major(&self) -> u32 {
        major_minor(&self.version).0
    }

    /// `Cinc 18.6.2`, `Chef Infra Client 12.22.5`.
    pub fn describe(&self) -> String {
        format!("{} {}", self.client.title(), self.version)
    }
}

/// The major and minor numbers of a version (0 for a part that is missing
/// or not a number).
pub fn major_minor(version: &str) -> (u32, u32) {
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

/// Three numbers separated by dots: `12.22.5`.
pub fn is_exact_version(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 6 && p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clients_read_back_their_names_and_versions_parse() {
        for c in Client::ALL {
            assert_eq!(Client::parse(c.name()), Some(c));
            assert!(is_exact_version(c.default_version()));
            assert!(c.majors().contains(&major_minor(c.default_version()).0));
        }
        assert_eq!(Client::parse("chef-client"), None);
        assert_eq!(major_minor("12.22.5"), (12, 22));
        assert!(!is_exact_version("18"));
        assert!(!is_exact_version("18.6"));
        assert!(!is_exact_version("18.6.x"));
        assert_eq!(Runtime::default().describe(), "Cinc 18.6.2");
    }
}
