//! The Visual Studio Code extension (editors/vscode) builds and packages
//! with npm as its README says, offline, with the npm packages
//! ./scripts/test installs from its lock file: the package holds the
//! language definition and the bundled client, which starts `stackc lsp`.

use std::path::Path;
use std::process::Command;

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        if name == "node_modules" || name == "dist" || name.to_string_lossy().ends_with(".vsix") {
            continue;
        }
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &to.join(&name));
        } else {
            std::fs::copy(e.path(), to.join(&name)).unwrap();
        }
    }
}

#[test]
fn the_vscode_extension_builds_and_packages_with_npm() {
    let modules = std::env::var("STACKC_VSCODE_MODULES").unwrap_or_else(|_| {
        panic!("STACKC_VSCODE_MODULES is not set; run ./scripts/test, which installs the extension's npm packages")
    });
    for tool in ["npm", "python3"] {
        let found = Command::new(tool).arg("--version").output();
        assert!(
            found.is_ok_and(|o| o.status.success()),
            "{tool} is needed to build the VS Code extension; ./scripts/test's machine has it"
        );
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../editors/vscode");
    let dir = std::env::temp_dir().join(format!("stackc-vscode-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy(&source, &dir);
    std::os::unix::fs::symlink(&modules, dir.join("node_modules")).unwrap();

    let o = Command::new("npm")
        .args(["run", "package"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.status.success(), "npm run package:\n{said}");

    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(source.join("package.json")).unwrap())
            .unwrap();
    let vsix = dir.join(format!(
        "stackc-{}.vsix",
        manifest["version"].as_str().unwrap()
    ));
    let listed = Command::new("python3")
        .args(["-m", "zipfile", "-l"])
        .arg(&vsix)
        .output()
        .unwrap();
    assert!(
        listed.status.success(),
        "{}",
        String::from_utf8_lossy(&listed.stderr)
    );
    let listed = String::from_utf8_lossy(&listed.stdout);
    for file in [
        "extension/package.json",
        "extension/language-configuration.json",
        "extension/dist/extension.js",
    ] {
        assert!(
            listed.contains(file),
            "{file} is not in the package:\n{listed}"
        );
    }
    assert!(!listed.contains("node_modules"), "{listed}");
    // The language: stack.kdl and *.stack.kdl; the client: bundled, with
    // only `vscode` left to the editor, starting `<stackc.path> lsp`.
    let language = &manifest["contributes"]["languages"][0];
    assert_eq!(language["id"], "stackc");
    assert_eq!(language["filenames"][0], "stack.kdl");
    assert_eq!(language["extensions"][0], ".stack.kdl");
    let bundle = std::fs::read_to_string(dir.join("dist/extension.js")).unwrap();
    assert!(
        bundle.contains("BaseLanguageClient {"),
        "the client is bundled"
    );
    assert!(!bundle.contains("require(\"vscode-languageclient"));
    assert!(bundle.contains("require(\"vscode\")"));
    assert!(bundle.contains("args: [\"lsp\"]"));
    let _ = std::fs::remove_dir_all(&dir);
}
