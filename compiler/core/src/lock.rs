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

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::chef::Client;
use crate::diag::{Code, Diagnostic, Span};
use crate::ir::Stack;
use crate::stdlib::{self, Arch};
use crate::syntax;

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

/// Reads a lock file; every problem is a `bad_lock_file` diagnostic.
pub fn parse(text: &str) -> Result<Lock, Vec<Diagnostic>> {
    let doc = syntax::parse(text)?;
    let std = stdlib::get();
    let mut diags = Vec::new();
    let mut lock = Lock::default();
    let mut seen_images: Vec<(Image, Span)> = Vec::new();
    let mut seen_cinc: Vec<(Cinc, Span)> = Vec::new();
    let bad = |span: Span, message: String, help: &str| {
        Diagnostic::error(Code::BadLockFile, span, message).help(help.to_string())
    };
    const REGENERATE: &str = "the lock file is written by `stackc lock`: fix the line, or delete it and run `stackc lock` again";
    for node in &doc.nodes {
        let (what, keys, shape): (&str, &[&str], &str) = match node.name.as_str() {
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
                continue;
            }
        };
        if !node.args.is_empty() || node.children.is_some() {
            diags.push(bad(
                node.name_span,
                format!("{what} line takes only properties"),
                shape,
            ));
            continue;
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
        if fields.len() != keys.len() {
            continue;
        }
        let mut ok = true;
        let mut check = |valid: bool, span: Span, message: String| {
            if !valid {
                diags.push(bad(span, message, REGENERATE));
                ok = false;
            }
        };
        let field = |key: &str| &fields[keys.iter().position(|k| *k == key).expect("a key")];
        let (os, arch) = (field("os"), field("arch"));
        check(
            std.os.contains_key(&os.0),
            os.1,
            format!("`{}` is not an operating system stackc knows", os.0),
        );
        let parsed_arch = Arch::parse(&arch.0);
        check(
            parsed_arch.is_some(),
            arch.1,
            format!("`{}` is not an architecture: x86_64 or arm64", arch.0),
        );
        if node.name.as_str() == "image" {
            let (region, id) = (field("region"), field("id"));
            check(
                std.regions.contains(&region.0),
                region.1,
                format!("`{}` is not an AWS region", region.0),
            );
            check(
                is_image_id(&id.0),
                id.1,
                format!(
                    "`{}` is not an image id (ami- and 8 or 17 hex digits)",
                    id.0
                ),
            );
            let (true, Some(arch)) = (ok, parsed_arch) else {
                continue;
            };
            let image = Image {
                region: region.0.clone(),
                os: os.0.clone(),
                arch,
                id: id.0.clone(),
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
            let (version, sha256, url) = (field("version"), field("sha256"), field("url"));
            let client = Client::parse(node.name.as_str()).expect("a cinc or chef line");
            check(
                is_version(&version.0),
                version.1,
                format!(
                    "`{}` is not a {} version (numbers and dots)",
                    version.0,
                    client.title()
                ),
            );
            check(
                is_sha256(&sha256.0),
                sha256.1,
                format!("`{}` is not a sha256 (64 lowercase hex digits)", sha256.0),
            );
            check(
                is_package_url(&url.0),
                url.1,
                format!("`{}` is not an http(s) URL", url.0),
            );
            let (true, Some(arch)) = (ok, parsed_arch) else {
                continue;
            };
            let package = Cinc {
                client,
                os: os.0.clone(),
                arch,
                version: version.0.clone(),
                sha256: sha256.0.clone(),
                url: url.0.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::{check_source, AllExist, Options};

    fn image(region: &str, os: &str, arch: &str, id: &str) -> Image {
        Image {
            region: region.into(),
            os: os.into(),
            arch: Arch::parse(arch).expect("an architecture"),
            id: id.into(),
        }
    }

    #[test]
    fn a_lock_reads_back_what_it_wrote_sorted_one_line_per_image() {
        let mut lock = Lock::default();
        assert_eq!(
            lock.set(image(
                "eu-west-1",
                "ubuntu-24.04",
                "x86_64",
                "ami-0123456789abcdef0"
            )),
            None
        );
        lock.set(image(
            "eu-central-1",
            "amazon-linux-2023",
            "arm64",
            "ami-12345678",
        ));
        lock.set(image(
            "eu-west-1",
            "amazon-linux-2023",
            "x86_64",
            "ami-0aaaaaaaaaaaaaaaa",
        ));
        assert_eq!(
            lock.set(image(
                "eu-west-1",
                "ubuntu-24.04",
                "x86_64",
                "ami-0fedcba9876543210"
            )),
            Some("ami-0123456789abcdef0".into())
        );
        let text = render(&lock);
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("image "))
                .collect::<Vec<_>>(),
            [
                r#"image region="eu-central-1" os="amazon-linux-2023" arch="arm64" id="ami-12345678""#,
                r#"image region="eu-west-1" os="amazon-linux-2023" arch="x86_64" id="ami-0aaaaaaaaaaaaaaaa""#,
                r#"image region="eu-west-1" os="ubuntu-24.04" arch="x86_64" id="ami-0fedcba9876543210""#,
            ]
        );
        let back = parse(&text).expect("its own output parses");
        assert_eq!(back, lock);
        assert_eq!(render(&back), text);
        assert_eq!(
            back.get("eu-west-1", "ubuntu-24.04", Arch::X86_64),
            Some("ami-0fedcba9876543210")
        );
        assert_eq!(back.get("eu-west-1", "ubuntu-24.04", Arch::Arm64), None);
        // Bare KDL strings read the same.
        let bare =
            parse("image region=eu-west-1 os=amazon-linux-2023 arch=x86_64 id=ami-12345678\n")
                .unwrap();
        assert_eq!(
            bare.get("eu-west-1", "amazon-linux-2023", Arch::X86_64),
            Some("ami-12345678")
        );
    }

    #[test]
    fn mistakes_in_a_lock_file_are_coded_diagnostics_on_their_line() {
        let text = r#"image region="eu-west-1" os="amazon-linux-2023" arch="x86_64" id="ami-12345678"
image region="eu-west-1" os="amazon-linux-2023" arch="x86_64" id="ami-87654321"
image region="mars-1" os="amazon-linux-2023" arch="x86_64" id="ami-12345678"
image region="eu-west-1" os="windows" arch="x86_64" id="ami-12345678"
image region="eu-west-1" os="amazon-linux-2023" arch="sparc" id="ami-12345678"
image region="eu-west-1" os="amazon-linux-2023" arch="arm64" id="ami-XYZ"
image region="eu-west-1" os="amazon-linux-2023" arch="arm64"
image region="eu-west-1" os="amazon-linux-2023" arch="arm64" id=5
image region="eu-west-1" os="amazon-linux-2023" arch="arm64" id="ami-12345678" date="today"
ami eu-west-1
"#;
        let diags = parse(text).unwrap_err();
        let lines: Vec<(usize, Code)> = diags
            .iter()
            .map(|d| (crate::diag::line_column(text, d.span.offset).0, d.code))
            .collect();
        assert_eq!(
            lines,
            (2..=10).map(|l| (l, Code::BadLockFile)).collect::<Vec<_>>()
        );
        assert!(diags.iter().all(|d| d.help.is_some()));
        assert_eq!(
            diags[0].message,
            "eu-west-1 amazon-linux-2023 x86_64 is pinned twice"
        );
        // Not KDL at all: the parser's own diagnostic.
        let diags = parse("image region=\"eu-west-1").unwrap_err();
        assert_eq!(diags[0].code, Code::KdlSyntax);
    }

    fn cinc(os: &str, arch: &str, version: &str, digit: char) -> Cinc {
        Cinc {
            client: Client::Cinc,
            os: os.into(),
            arch: Arch::parse(arch).expect("an architecture"),
            version: version.into(),
            sha256: std::iter::repeat_n(digit, 64).collect(),
            url: format!("https://downloads.example/{os}/{arch}/cinc-{version}.pkg"),
        }
    }

    #[test]
    fn cinc_packages_read_back_after_the_images_one_per_os_and_architecture() {
        let mut lock = Lock::default();
        lock.set(image(
            "eu-west-1",
            "ubuntu-24.04",
            "x86_64",
            "ami-0123456789abcdef0",
        ));
        assert_eq!(
            lock.set_cinc(cinc("ubuntu-24.04", "x86_64", "18.6.2", 'a')),
            None
        );
        lock.set_cinc(cinc("amazon-linux-2023", "arm64", "18.6.2", 'b'));
        // Another version of the same OS and architecture is another entry
        // (environments may differ); `stackc lock` drops the one no
        // environment installs.
        assert_eq!(
            lock.set_cinc(cinc("ubuntu-24.04", "x86_64", "18.7.1", 'c')),
            None
        );
        let dropped = lock.retain_cinc(|c| c.version != "18.6.2" || c.os != "ubuntu-24.04");
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].sha256, "a".repeat(64));
        // The same package again replaces it.
        let again = lock.set_cinc(cinc("ubuntu-24.04", "x86_64", "18.7.1", 'd'));
        assert_eq!(again.map(|c| c.sha256), Some("c".repeat(64)));
        lock.set_cinc(cinc("ubuntu-24.04", "x86_64", "18.7.1", 'c'));
        // A Chef Infra Client package of the same OS and architecture.
        lock.set_cinc(Cinc {
            client: Client::Chef,
            ..cinc("ubuntu-24.04", "x86_64", "12.22.5", 'e')
        });
        let text = render(&lock);
        let lines: Vec<&str> = text.lines().filter(|l| !l.starts_with("//")).collect();
        assert_eq!(
            lines,
            [
                r#"image region="eu-west-1" os="ubuntu-24.04" arch="x86_64" id="ami-0123456789abcdef0""#,
                &format!(
                    r#"cinc os="amazon-linux-2023" arch="arm64" version="18.6.2" sha256="{}" url="https://downloads.example/amazon-linux-2023/arm64/cinc-18.6.2.pkg""#,
                    "b".repeat(64)
                ),
                &format!(
                    r#"cinc os="ubuntu-24.04" arch="x86_64" version="18.7.1" sha256="{}" url="https://downloads.example/ubuntu-24.04/x86_64/cinc-18.7.1.pkg""#,
                    "c".repeat(64)
                ),
                &format!(
                    r#"chef os="ubuntu-24.04" arch="x86_64" version="12.22.5" sha256="{}" url="https://downloads.example/ubuntu-24.04/x86_64/cinc-12.22.5.pkg""#,
                    "e".repeat(64)
                ),
            ]
        );
        let back = parse(&text).expect("its own output parses");
        assert_eq!(back, lock);
        assert_eq!(render(&back), text);
        assert_eq!(
            back.cinc(Client::Cinc, "ubuntu-24.04", Arch::X86_64, "18.7.1")
                .map(|c| c.sha256.as_str()),
            Some("c".repeat(64).as_str())
        );
        assert_eq!(
            back.cinc(Client::Chef, "ubuntu-24.04", Arch::X86_64, "12.22.5")
                .map(|c| c.sha256.as_str()),
            Some("e".repeat(64).as_str())
        );
        // Another version or client than the one pinned is not pinned.
        assert_eq!(
            back.cinc(Client::Cinc, "ubuntu-24.04", Arch::X86_64, "18.6.2"),
            None
        );
        assert_eq!(
            back.cinc(Client::Cinc, "ubuntu-24.04", Arch::X86_64, "12.22.5"),
            None
        );
        assert_eq!(
            back.cinc(Client::Cinc, "ubuntu-24.04", Arch::Arm64, "18.7.1"),
            None
        );
    }

    #[test]
    fn mistakes_in_a_cinc_line_are_coded_diagnostics_on_their_line() {
        let sha = "0".repeat(64);
        let text = format!(
            r#"cinc os="amazon-linux-2023" arch="x86_64" version="18.6.2" sha256="{sha}" url="https://d.example/a.rpm"
cinc os="amazon-linux-2023" arch="x86_64" version="18.6.2" sha256="{sha}" url="https://d.example/b.rpm"
cinc os="windows" arch="x86_64" version="18.6.2" sha256="{sha}" url="https://d.example/a.rpm"
cinc os="amazon-linux-2023" arch="arm64" version="latest" sha256="{sha}" url="https://d.example/a.rpm"
cinc os="amazon-linux-2023" arch="arm64" version="18.6.2" sha256="ABC" url="https://d.example/a.rpm"
cinc os="amazon-linux-2023" arch="arm64" version="18.6.2" sha256="{sha}" url="ftp://d.example/a.rpm"
cinc os="amazon-linux-2023" arch="arm64" version="18.6.2" url="https://d.example/a.rpm"
cinc os="amazon-linux-2023" arch="arm64" version="18.6.2" sha256="{sha}" url="https://d.example/a.rpm" md5="x"
cinc "amazon-linux-2023"
"#
        );
        let diags = parse(&text).unwrap_err();
        let lines: Vec<(usize, Code)> = diags
            .iter()
            .map(|d| (crate::diag::line_column(&text, d.span.offset).0, d.code))
            .collect();
        assert_eq!(
            lines,
            (2..=9).map(|l| (l, Code::BadLockFile)).collect::<Vec<_>>()
        );
        assert!(diags.iter().all(|d| d.help.is_some()));
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "the Cinc 18.6.2 package of amazon-linux-2023 x86_64 is pinned twice",
                "`windows` is not an operating system stackc knows",
                "`latest` is not a Cinc version (numbers and dots)",
                "`ABC` is not a sha256 (64 lowercase hex digits)",
                "`ftp://d.example/a.rpm` is not an http(s) URL",
                "a Cinc package has no `sha256`",
                "`md5` is not a property of a Cinc package",
                "a Cinc package line takes only properties",
            ]
        );
    }

    #[test]
    fn an_environment_installs_one_cinc_package_per_architecture_from_the_stdlib() {
        let opts = Options {
            base_dir: Path::new("/stack"),
            files: &AllExist,
        };
        let shop = check_source(include_str!("../../../examples/shop/stack.kdl"), &opts)
            .0
            .unwrap();
        let needs = cinc_needs(&shop.environments[0]);
        let summary: Vec<(&str, &str, &str, String)> = needs
            .iter()
            .map(|n| {
                (
                    n.parameter.as_str(),
                    n.arch.name(),
                    n.package.as_str(),
                    n.metadata_query(),
                )
            })
            .collect();
        let v = crate::emit::cfn::userdata::CINC_VERSION;
        assert_eq!(
            summary,
            [
                (
                    "CincSha256X86",
                    "x86_64",
                    "deb",
                    format!("p=ubuntu&pv=24.04&m=x86_64&v={v}")
                ),
                (
                    "CincSha256Arm64",
                    "arm64",
                    "deb",
                    format!("p=ubuntu&pv=24.04&m=aarch64&v={v}")
                ),
            ]
        );
        let goldcar = check_source(include_str!("../../../examples/goldcar/stack.kdl"), &opts)
            .0
            .unwrap();
        let needs = cinc_needs(&goldcar.environments[0]);
        assert_eq!(needs.len(), 1);
        assert_eq!(needs[0].package, "rpm");
        assert_eq!(
            needs[0].metadata_query(),
            format!("p=amazon&pv=2023&m=x86_64&v={v}")
        );
        // Every stdlib OS says how Cinc names it and which package it takes.
        for os in stdlib::get().os.values() {
            assert!(
                !os.cinc_platform.is_empty() && !os.cinc_platform_version.is_empty(),
                "{}",
                os.name
            );
            let expected = if os.family == stdlib::OsFamily::Ubuntu {
                "deb"
            } else {
                "rpm"
            };
            assert_eq!(os.package, expected, "{}", os.name);
        }
    }

    #[test]
    fn an_environment_needs_one_image_per_architecture_of_its_groups() {
        let opts = Options {
            base_dir: Path::new("/stack"),
            files: &AllExist,
        };
        let shop = check_source(include_str!("../../../examples/shop/stack.kdl"), &opts)
            .0
            .unwrap();
        let needs = needs(&shop.environments[0]);
        let summary: Vec<(&str, &str, Vec<&str>)> = needs
            .iter()
            .map(|n| {
                (
                    n.parameter.as_str(),
                    n.ssm.as_str(),
                    n.groups.iter().map(|g| g.group.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "ImageIdX86",
                    "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
                    vec!["shop-production-storefront"]
                ),
                (
                    "ImageIdArm64",
                    "/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id",
                    vec!["shop-production-api"]
                ),
            ]
        );
        assert_eq!(
            path_for(Path::new("examples/shop/stack.kdl")),
            Path::new("examples/shop/stack.lock")
        );
    }
}
