//! An app: its type, source, sites, secrets and database.

use serde::Serialize;

/// The kind of an app, as OpsWorks named it (`application_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AppType {
    /// PHP, served by Apache (mod_php) or nginx with PHP-FPM.
    Php,
    /// Node.js, a systemd service.
    Nodejs,
    /// Java: Tomcat, or a jar as a systemd service.
    Java,
    /// Static files.
    Static,
    /// Anything else: your recipes deploy it.
    Other,
}

impl AppType {
    /// Every kind, in the order the language lists them.
    pub const ALL: [AppType; 5] = [
        AppType::Php,
        AppType::Nodejs,
        AppType::Java,
        AppType::Static,
        AppType::Other,
    ];
    /// Their names, in the same order.
    pub const NAMES: [&'static str; 5] = ["php", "nodejs", "java", "static", "other"];

    /// The name in the stack file and the node JSON.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The kind of this name.
    pub fn parse(name: &str) -> Option<AppType> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl std::fmt::Display for AppType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// An application deployed to a layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct App {
    /// App name.
    pub name: String,
    /// What kind of app.
    #[serde(rename = "type")]
    pub app_type: AppType,
    /// Layer it is deployed to.
    pub layer: String,
    /// Where the code comes from.
    pub source: Source,
    /// Virtual hosts.
    pub sites: Vec<Site>,
    /// Environment variables (literal values).
    pub env: Vec<(String, String)>,
    /// Secrets read from SSM Parameter Store on the instance.
    pub secrets: Vec<Secret>,
    /// Database connection.
    pub database: Option<Database>,
}

/// App source.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Source {
    /// A git repository.
    Git {
        /// Clone URL.
        url: String,
        /// Branch, tag or commit.
        revision: String,
        /// The app secret holding an SSH deploy key, for private repositories.
        ssh_key_secret: Option<String>,
    },
    /// An archive in S3.
    S3 {
        /// `s3://bucket/key`.
        url: String,
    },
    /// An archive over HTTP(S).
    Http {
        /// URL.
        url: String,
    },
}

/// A virtual host.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Site {
    /// Main domain.
    pub domain: String,
    /// Other names.
    pub aliases: Vec<String>,
    /// Document root relative to the release.
    pub root: String,
}

/// A secret reference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Secret {
    /// Variable name.
    pub name: String,
    /// SSM parameter name.
    pub ssm: String,
}

/// Database connection of an app.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Database {
    /// Host.
    pub host: String,
    /// Database name.
    pub name: String,
    /// User.
    pub user: String,
    /// Secret holding the password.
    pub password_secret: Option<String>,
    /// Port.
    pub port: u16,
    /// `mysql` or `postgresql`.
    pub adapter: String,
}
