//! The lock file: `stack.lock` beside `stack.kdl` (any `NAME.kdl` has its
//! `NAME.lock`), the machine image each region, operating system and
//! architecture of the stack boots from. `stackc lock` writes it from the
//! operating systems' public SSM parameters, and only `stackc lock
//! --update` moves an entry to a newer image; it is committed with the
//! stack file. Templates take the image as a parameter ([`parameter`]) that
//! `stackc deploy` fills from this file, so builds stay offline and
//! deterministic, and a new AWS image replaces no instance until the lock
//! says so.
//!
//! ```kdl
//! image region="eu-west-1" os="amazon-linux-2023" arch="x86_64" id="ami-0123456789abcdef0"
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::diag::{Code, Diagnostic, Span};
use crate::ir::Stack;
use crate::stdlib;
use crate::syntax;

/// One pinned image.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Image {
    /// AWS region.
    pub region: String,
    /// Operating system (stdlib name).
    pub os: String,
    /// `x86_64` or `arm64`.
    pub arch: String,
    /// AMI id.
    pub id: String,
}

/// The images of a lock file, sorted by region, OS and architecture, one
/// per triple.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    images: Vec<Image>,
}

impl Lock {
    /// The pinned images, sorted.
    pub fn images(&self) -> &[Image] {
        &self.images
    }

    /// The image id pinned for a region, OS and architecture.
    pub fn get(&self, region: &str, os: &str, arch: &str) -> Option<&str> {
        self.images
            .iter()
            .find(|i| i.region == region && i.os == os && i.arch == arch)
            .map(|i| i.id.as_str())
    }

    /// Pins an image; returns the id it replaces, if any.
    pub fn set(&mut self, image: Image) -> Option<String> {
        let key = |i: &Image| (i.region.clone(), i.os.clone(), i.arch.clone());
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
const HEADER: &str = "// Machine images this stack's instances boot from, pinned by `stackc lock`.\n// Commit this file. `stackc lock --update` moves to the newest images (and\n// the next deploy replaces the instances, one at a time).\n";

/// The lock file's text: the header, then one `image` line per entry, sorted.
pub fn render(lock: &Lock) -> String {
    let mut out = String::from(HEADER);
    for i in &lock.images {
        out.push_str(&format!(
            "image region=\"{}\" os=\"{}\" arch=\"{}\" id=\"{}\"\n",
            i.region, i.os, i.arch, i.id
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
    let mut seen: Vec<(Image, Span)> = Vec::new();
    let bad = |span: Span, message: String, help: &str| {
        Diagnostic::error(Code::BadLockFile, span, message).help(help.to_string())
    };
    const REGENERATE: &str = "the lock file is written by `stackc lock`: fix the line, or delete it and run `stackc lock` again";
    for node in &doc.nodes {
        if node.name.as_str() != "image" || !node.args.is_empty() || node.children.is_some() {
            diags.push(bad(
                node.name_span,
                format!("`{}` is not an image line", node.name.as_str()),
                "each line is `image region=... os=... arch=... id=ami-...`",
            ));
            continue;
        }
        let mut field = |key: &str| -> Option<(String, Span)> {
            match node.prop(key) {
                Some(v) => match v.as_str() {
                    Some(s) => Some((s.to_string(), v.span)),
                    None => {
                        diags.push(bad(v.span, format!("`{key}` must be a string"), REGENERATE));
                        None
                    }
                },
                None => {
                    diags.push(bad(
                        node.name_span,
                        format!("the image has no `{key}`"),
                        REGENERATE,
                    ));
                    None
                }
            }
        };
        let (region, os, arch, id) = (field("region"), field("os"), field("arch"), field("id"));
        for p in &node.props {
            if !["region", "os", "arch", "id"].contains(&p.key.as_str()) {
                diags.push(bad(
                    p.key_span,
                    format!("`{}` is not a property of an image", p.key.as_str()),
                    "an image has region, os, arch and id",
                ));
            }
        }
        let (Some(region), Some(os), Some(arch), Some(id)) = (region, os, arch, id) else {
            continue;
        };
        let mut ok = true;
        if !std.regions.contains(&region.0) {
            diags.push(bad(
                region.1,
                format!("`{}` is not an AWS region", region.0),
                REGENERATE,
            ));
            ok = false;
        }
        if !std.os.contains_key(&os.0) {
            diags.push(bad(
                os.1,
                format!("`{}` is not an operating system stackc knows", os.0),
                REGENERATE,
            ));
            ok = false;
        }
        if !["x86_64", "arm64"].contains(&arch.0.as_str()) {
            diags.push(bad(
                arch.1,
                format!("`{}` is not an architecture: x86_64 or arm64", arch.0),
                REGENERATE,
            ));
            ok = false;
        }
        if !is_image_id(&id.0) {
            diags.push(bad(
                id.1,
                format!(
                    "`{}` is not an image id (ami- and 8 or 17 hex digits)",
                    id.0
                ),
                REGENERATE,
            ));
            ok = false;
        }
        if !ok {
            continue;
        }
        let image = Image {
            region: region.0,
            os: os.0,
            arch: arch.0,
            id: id.0,
        };
        if let Some((_, first)) = seen
            .iter()
            .find(|(i, _)| (&i.region, &i.os, &i.arch) == (&image.region, &image.os, &image.arch))
        {
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
        seen.push((image.clone(), node.name_span));
        lock.set(image);
    }
    if diags.is_empty() {
        Ok(lock)
    } else {
        Err(diags)
    }
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
pub fn parameter(arch: &str) -> String {
    match arch {
        "arm64" => "ImageIdArm64".into(),
        _ => "ImageIdX86".into(),
    }
}

/// An image an environment's template needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Need {
    /// The template parameter that takes it.
    pub parameter: String,
    /// Operating system (stdlib name).
    pub os: String,
    /// `x86_64` or `arm64`.
    pub arch: String,
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
}

/// The images an environment's instance groups boot from: one per
/// architecture of their instance types, x86_64 first.
pub fn needs(stack: &Stack) -> Vec<Need> {
    let mut out: Vec<Need> = Vec::new();
    for host in stack.layers.iter().filter(|l| l.has_instances()) {
        let arch = host.instance_type.arch.as_str();
        let group = Group {
            layer: host.name.clone(),
            group: crate::emit::cfn::group_name(stack, &host.name),
        };
        match out.iter_mut().find(|n| n.arch == arch) {
            Some(n) => n.groups.push(group),
            None => out.push(Need {
                parameter: parameter(arch),
                os: stack.os.name.clone(),
                arch: arch.to_string(),
                ssm: if arch == "arm64" {
                    stack.os.ami_arm64.clone()
                } else {
                    stack.os.ami_x86_64.clone()
                },
                groups: vec![group],
            }),
        }
    }
    out.sort_by(|a, b| (a.arch != "x86_64", &a.arch).cmp(&(b.arch != "x86_64", &b.arch)));
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
            arch: arch.into(),
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
            back.get("eu-west-1", "ubuntu-24.04", "x86_64"),
            Some("ami-0fedcba9876543210")
        );
        assert_eq!(back.get("eu-west-1", "ubuntu-24.04", "arm64"), None);
        // Bare KDL strings read the same.
        let bare =
            parse("image region=eu-west-1 os=amazon-linux-2023 arch=x86_64 id=ami-12345678\n")
                .unwrap();
        assert_eq!(
            bare.get("eu-west-1", "amazon-linux-2023", "x86_64"),
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
