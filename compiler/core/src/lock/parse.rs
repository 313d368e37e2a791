//! Reading a lock file back ([`parse`]), every problem a `bad_lock_file`
//! diagnostic, and the checks on its values.

use super::{Cinc, Image, Lock};
use crate::chef::Client;
use crate::diag::{Code, Diagnostic, Span};
use crate::stdlib::{self, Arch, Stdlib};
use crate::syntax::{self, Node};

/// The help of an error in a line's values.
const REGENERATE: &str = "the lock file is written by `stackc lock`: fix the line, or delete it and run `stackc lock` again";

/// A `bad_lock_file` error.
fn bad(span: Span, message: String, help: &str) -> Diagnostic {
    Diagnostic::error(Code::BadLockFile, span, message).help(help.to_string())
}

/// Reads a lock file; every problem is a `bad_lock_file` diagnostic.
pub fn parse(text: &str) -> Result<Lock, Vec<Diagnostic>> {
    let doc = syntax::parse(text)?;
    let std = stdlib::get();
    let mut diags = Vec::new();
    let mut lock = Lock::default();
    let mut seen_images: Vec<(Image, Span)> = Vec::new();
    let mut seen_cinc: Vec<(Cinc, Span)> = Vec::new();
    for node in &doc.nodes {
        let Some(line) = Line::read(node, &mut diags) else {
            continue;
        };
        if node.name.as_str() == "image" {
            let Some(image) = line.image(std, &mut diags) else {
                continue;
            };
            if let Some((_, first)) = seen_images.iter().find(|(i, _)| {
                (&i.region, &i.os, &i.arch) == (&image.region, &image.os, &image.arch)
            }) {
                diags.push(
                    bad(
                        node.name_span,
                        format!(
                            "{} {} {} is pinned twice",
                            image.region, image.os, image.arch
                        ),
                        "keep one of the two lines",
                    )
                    .related(*first, "first pinned here"),
                );
                continue;
            }
            seen_images.push((image.clone(), node.name_span));
            lock.set(image);
        } else {
            let Some(package) = line.package(std, &mut diags) else {
                continue;
            };
            if let Some((_, first)) = seen_cinc.iter().find(|(c, _)| {
                (c.client, &c.os, &c.arch, &c.version)
                    == (package.client, &package.os, &package.arch, &package.version)
            }) {
                diags.push(
                    bad(
                        node.name_span,
                        format!(
                            "the {} {} package of {} {} is pinned twice",
                            package.client.title(),
                            package.version,
                            package.os,
                            package.arch
                        ),
                        "keep one of the two lines",
                    )
                    .related(*first, "first pinned here"),
                );
                continue;
            }
            seen_cinc.push((package.clone(), node.name_span));
            lock.set_cinc(package);
        }
    }
    if diags.is_empty() {
        Ok(lock)
    } else {
        Err(diags)
    }
}

/// An `image`, `cinc` or `chef` line with every property it takes, each a
/// string.
struct Line<'a> {
    node: &'a Node<'a>,
    /// Its properties' names.
    keys: &'static [&'static str],
    /// Their values and where they are, in the order of `keys`.
    fields: Vec<(String, Span)>,
}

impl<'a> Line<'a> {
    /// The line of `node`, or `None` with its errors in `diags` when it is
    /// not an image, cinc or chef line, has arguments or a block, or lacks a
    /// property or has another.
    fn read(node: &'a Node<'a>, diags: &mut Vec<Diagnostic>) -> Option<Line<'a>> {
        let (what, keys, shape): (&str, &'static [&'static str], &str) = match node.name.as_str() {
            "image" => (
                "an image",
                &["region", "os", "arch", "id"],
                "an image has region, os, arch and id",
            ),
            "cinc" => (
                "a Cinc package",
                &["os", "arch", "version", "sha256", "url"],
                "a Cinc package has os, arch, version, sha256 and url",
            ),
            "chef" => (
                "a Chef Infra Client package",
                &["os", "arch", "version", "sha256", "url"],
                "a Chef Infra Client package has os, arch, version, sha256 and url",
            ),
            _ => {
                diags.push(bad(
                    node.name_span,
                    format!("`{}` is not an image, cinc or chef line", node.name.as_str()),
                    "each line is `image region=... os=... arch=... id=ami-...`, or `cinc` or `chef` with `os=... arch=... version=... sha256=... url=...`",
                ));
                return None;
            }
        };
        if !node.args.is_empty() || node.children.is_some() {
            diags.push(bad(
                node.name_span,
                format!("{what} line takes only properties"),
                shape,
            ));
            return None;
        }
        let mut fields: Vec<(String, Span)> = Vec::new();
        for key in keys {
            match node.prop(key) {
                Some(v) => match v.as_str() {
                    Some(s) => fields.push((s.to_string(), v.span)),
                    None => {
                        diags.push(bad(v.span, format!("`{key}` must be a string"), REGENERATE))
                    }
                },
                None => diags.push(bad(
                    node.name_span,
                    format!("{what} has no `{key}`"),
                    REGENERATE,
                )),
            }
        }
        for p in &node.props {
            if !keys.contains(&p.key.as_str()) {
                diags.push(bad(
                    p.key_span,
                    format!("`{}` is not a property of {what}", p.key.as_str()),
                    shape,
                ));
            }
        }
        (fields.len() == keys.len()).then_some(Line { node, keys, fields })
    }

    /// The value of property `key` and where it is.
    fn field(&self, key: &str) -> &(String, Span) {
        &self.fields[self.keys.iter().position(|k| *k == key).expect("a key")]
    }

    /// Checks the line's `os` and `arch`, and returns the architecture.
    fn os_arch(&self, std: &Stdlib, check: &mut Check) -> Option<Arch> {
        let (os, arch) = (self.field("os"), self.field("arch"));
        check.that(
            std.os.contains_key(&os.0),
            os.1,
            format!("`{}` is not an operating system stackc knows", os.0),
        );
        let parsed_arch = Arch::parse(&arch.0);
        check.that(
            parsed_arch.is_some(),
            arch.1,
            format!("`{}` is not an architecture: x86_64 or arm64", arch.0),
        );
        parsed_arch
    }

    /// The image of an `image` line, or `None` with its errors in `diags`.
    fn image(&self, std: &Stdlib, diags: &mut Vec<Diagnostic>) -> Option<Image> {
        let mut check = Check { diags, ok: true };
        let parsed_arch = self.os_arch(std, &mut check);
        let (os, region, id) = (self.field("os"), self.field("region"), self.field("id"));
        check.that(
            std.regions.contains(&region.0),
            region.1,
            format!("`{}` is not an AWS region", region.0),
        );
        check.that(
            is_image_id(&id.0),
            id.1,
            format!(
                "`{}` is not an image id (ami- and 8 or 17 hex digits)",
                id.0
            ),
        );
        let (true, Some(arch)) = (check.ok, parsed_arch) else {
            return None;
        };
        Some(Image {
            region: region.0.clone(),
            os: os.0.clone(),
            arch,
            id: id.0.clone(),
        })
    }

    /// The package of a `cinc` or `chef` line, or `None` with its errors in
    /// `diags`.
    fn package(&self, std: &Stdlib, diags: &mut Vec<Diagnostic>) -> Option<Cinc> {
        let mut check = Check { diags, ok: true };
        let parsed_arch = self.os_arch(std, &mut check);
        let os = self.field("os");
        let (version, sha256, url) = (
            self.field("version"),
            self.field("sha256"),
            self.field("url"),
        );
        let client = Client::parse(self.node.name.as_str()).expect("a cinc or chef line");
        check.that(
            is_version(&version.0),
            version.1,
            format!(
                "`{}` is not a {} version (numbers and dots)",
                version.0,
                client.title()
            ),
        );
        check.that(
            is_sha256(&sha256.0),
            sha256.1,
            format!("`{}` is not a sha256 (64 lowercase hex digits)", sha256.0),
        );
        check.that(
            is_package_url(&url.0),
            url.1,
            format!("`{}` is not an http(s) URL", url.0),
        );
        let (true, Some(arch)) = (check.ok, parsed_arch) else {
            return None;
        };
        Some(Cinc {
            client,
            os: os.0.clone(),
            arch,
            version: version.0.clone(),
            sha256: sha256.0.clone(),
            url: url.0.clone(),
        })
    }
}

/// The checks of one line's values: each that fails is an error.
struct Check<'d> {
    diags: &'d mut Vec<Diagnostic>,
    /// No check has failed.
    ok: bool,
}

impl Check<'_> {
    fn that(&mut self, valid: bool, span: Span, message: String) {
        if !valid {
            self.diags.push(bad(span, message, REGENERATE));
            self.ok = false;
        }
    }
}

/// Numbers separated by dots: `18.6.2`.
fn is_version(v: &str) -> bool {
    !v.is_empty()
        && v.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// 64 lowercase hex digits.
pub fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// An `https://` (or, for a local mirror, `http://`) URL with a host and no
/// spaces or quotes. The sha256 beside it is what makes the package
/// trusted, not the transport.
pub fn is_package_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| {
        !r.is_empty()
            && !r.starts_with('/')
            && !r
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '\\')
    })
}

/// `ami-` and 8 or 17 lowercase hex digits.
pub fn is_image_id(id: &str) -> bool {
    id.strip_prefix("ami-").is_some_and(|hex| {
        matches!(hex.len(), 8 | 17)
            && hex
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
    })
}
