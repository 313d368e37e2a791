//! Tests of the lock file: what it writes and reads back, its errors, and
//! what a stack needs locked.

use super::*;
use crate::check::{check_source, AllExist, Options};
use crate::diag::Code;
use crate::stdlib;

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
        parse("image region=eu-west-1 os=amazon-linux-2023 arch=x86_64 id=ami-12345678\n").unwrap();
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
    let shop = check_source(include_str!("../../../../examples/shop/stack.kdl"), &opts)
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
    let goldcar = check_source(
        include_str!("../../../../examples/goldcar/stack.kdl"),
        &opts,
    )
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
    let shop = check_source(include_str!("../../../../examples/shop/stack.kdl"), &opts)
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
