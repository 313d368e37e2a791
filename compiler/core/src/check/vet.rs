//! Diagnostics for values whose type is narrower than "a string": each
//! checker place that reads such a value calls one of these (the rules are
//! in `values.rs`).

mod custom_json;

use super::values::{self, describe, printable};
use super::Checker;
use crate::diag::{Code, Diagnostic, Span};
use crate::syntax::Value;
pub(crate) use custom_json::computed_origin;
pub use custom_json::deployment_json_problems;

impl Checker<'_> {
    /// Text that reaches a configuration file on the instance holds no
    /// control character (a newline would start a line of its own).
    pub(super) fn no_control(&mut self, span: Span, text: &str, what: &str) -> bool {
        let Some(c) = values::control_character(text) else {
            return true;
        };
        self.push(
            Diagnostic::error(
                Code::UnsafeValue,
                span,
                format!("the {what} `{}` holds {}", printable(text), describe(c)),
            )
            .label("control character")
            .help(format!(
                "write the {what} on one line without control characters; a multi-line value such as a key or certificate belongs in a `secret NAME ssm=\"/path\"`"
            )),
        );
        false
    }

    /// A mount point or document root: letters, digits and
    /// `values::PATH_PUNCTUATION` only, so fstab, Apache and nginx read it as one path.
    pub(super) fn portable_path(&mut self, span: Span, path: &str, what: &str) -> bool {
        if !self.no_control(span, path, what) {
            return false;
        }
        let Some(c) = values::unsafe_path_character(path) else {
            return true;
        };
        self.push(
            Diagnostic::error(
                Code::UnsafeValue,
                span,
                format!("the {what} `{path}` holds {}", describe(c)),
            )
            .label("not allowed in a path here")
            .help(format!(
                "use letters, digits and `{}` in a {what} (`{}`)",
                values::PATH_PUNCTUATION,
                suggest_path(path)
            )),
        );
        false
    }

    /// A volume's mount point is no system directory.
    pub(super) fn mount_point(&mut self, span: Span, mount: &str) -> Option<()> {
        if !self.portable_path(span, mount, "mount point") {
            return None;
        }
        let Some(dir) = values::system_directory(mount) else {
            return Some(());
        };
        let under = if dir == mount {
            String::new()
        } else {
            format!(" (it is under `{dir}`)")
        };
        self.push(
            Diagnostic::error(
                Code::SystemDirectory,
                span,
                format!("`{mount}` is a system directory{under}; a new volume mounted there hides what the instance runs from"),
            )
            .label("system directory")
            .help("mount the volume on a directory of its own, such as `\"/srv\"`, `\"/data\"` or `\"/var/lib/mysql\"` (`stackc explain system_directory` lists the directories refused)"),
        );
        None
    }

    /// A git `revision=`: a branch, tag or commit id.
    pub(super) fn revision(&mut self, v: &Value, rev: &str) -> Option<()> {
        match values::git_revision(rev) {
            Ok(()) => Some(()),
            Err(m) => {
                self.push(
                    Diagnostic::error(Code::BadRevision, v.span, m)
                        .label("not a ref or commit id")
                        .help("name a branch, tag or commit: `revision=main`, `revision=v1.4.2`, `revision=0a1b2c3d`"),
                );
                None
            }
        }
    }

    /// A database `host=`.
    pub(super) fn db_host(&mut self, v: &Value, text: &str) -> Option<()> {
        match values::host(text) {
            Ok(()) => Some(()),
            Err(m) => {
                self.push(
                    Diagnostic::error(Code::BadHost, v.span, m)
                        .label("not a host")
                        .help("write a host name or an IP address: `host=db.internal`, `host=10.0.3.12`"),
                );
                None
            }
        }
    }

    /// A database `name=` or `user=`.
    pub(super) fn db_identifier(&mut self, v: &Value, text: &str, what: &str) -> Option<()> {
        match values::identifier(text) {
            Ok(()) => Some(()),
            Err(m) => {
                self.push(
                    Diagnostic::error(Code::BadIdentifier, v.span, m)
                        .label(format!("invalid database {what}"))
                        .help(format!("a database {what} starts with a letter or `_` and holds letters, digits, `_`, `-` and `.` (at most 63): `{what}={}`", suggest_identifier(text))),
                );
                None
            }
        }
    }

    /// An `env` value shaped like a credential.
    pub(super) fn env_credential(&mut self, app: &str, name: &str, v: &Value, text: &str) -> bool {
        let Some(what) = values::credential(Some(name), text) else {
            return true;
        };
        self.push(
            Diagnostic::error(
                Code::CredentialValue,
                v.span,
                format!("the value of `{name}` looks like {what}"),
            )
            .label("credential in the stack file")
            .help(format!(
                "store it in SSM Parameter Store (SecureString) and replace this `env` with `secret {name} ssm=\"/{app}/{}\"`",
                name.to_ascii_lowercase().replace('_', "-")
            )),
        );
        false
    }

    /// A source URL: no control characters or spaces, no password.
    pub(super) fn source_url(&mut self, v: &Value, url: &str) -> bool {
        if !self.no_control(v.span, url, "source URL") {
            return false;
        }
        let Some(what) = values::credential(None, url) else {
            return true;
        };
        self.push(
            Diagnostic::error(
                Code::CredentialValue,
                v.span,
                format!("the source URL holds {what}"),
            )
            .label("credential in the stack file")
            .help("remove the credential from the URL; for a private repository store a deploy key in SSM Parameter Store and write `secret DEPLOY_KEY ssm=\"/app/deploy-key\"` and `source git=\"git@host:org/repo.git\" ssh-key-secret=DEPLOY_KEY`"),
        );
        false
    }
}

/// `path` with unsafe characters replaced, for a help line.
fn suggest_path(path: &str) -> String {
    path.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || values::PATH_PUNCTUATION.contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// `text` made an identifier, for a help line.
fn suggest_identifier(text: &str) -> String {
    let mut s: String = text
        .chars()
        .filter(|c| !c.is_control())
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_-.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(63)
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        s.insert(0, '_');
        s.truncate(63);
    }
    s
}

impl Checker<'_> {
    /// A string attribute of a layer type: one line; one named `...-path`
    /// (haproxy's `health-check-path`) is an HTTP path HAProxy reads as one word.
    pub(super) fn attribute_text(&mut self, v: &Value, name: &str, text: &str) -> bool {
        if !self.no_control(v.span, text, name) {
            return false;
        }
        if !name.ends_with("-path") || values::http_path(text) {
            return true;
        }
        self.push(
            Diagnostic::error(
                Code::UnsafeValue,
                v.span,
                format!("`{text}` is not an HTTP path"),
            )
            .label("not a path")
            .help(format!(
                "an HTTP path starts with `/` and holds letters, digits and `{}`: `{name} \"/health\"`",
                values::HTTP_PATH_PUNCTUATION
            )),
        );
        false
    }
}

#[cfg(test)]
mod tests;
