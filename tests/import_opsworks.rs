//! `stackc import opsworks` on the fixtures under tests/fixtures/opsworks:
//! the stack file and warnings of each case are golden (golden/import), the
//! file is in `stackc fmt`'s canonical form and passes the checker once the
//! cookbooks its recipes name exist; bad inputs give coded diagnostics; no
//! mutation of the inputs makes the importer panic or write invalid KDL.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;
use stackc_core::check::{check_source, AllExist, Options, RealFiles};
use stackc_core::diag::{self, Code, Severity};
use stackc_core::import::opsworks::{self, FILES};
use stackc_core::import::{FileError, Imported};
use stackc_tests::repo_root;

fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo_root().join("tests/fixtures/opsworks"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn files(dir: &Path) -> BTreeMap<String, String> {
    FILES
        .iter()
        .filter_map(|f| {
            let text = std::fs::read_to_string(dir.join(f.file)).ok()?;
            Some((f.file.to_string(), text))
        })
        .collect()
}

fn import(dir: &Path) -> Imported {
    opsworks::import(&files(dir)).unwrap_or_else(|e| panic!("{}: {e:?}", dir.display()))
}

fn report(imported: &Imported) -> String {
    let mut out = imported.kdl.clone();
    out.push_str("\n--- warnings ---\n");
    for w in &imported.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

#[test]
fn there_are_the_three_kinds_of_case() {
    let names: Vec<String> = cases()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for want in ["goldcar", "legacy", "minimal"] {
        assert!(names.iter().any(|n| n == want), "no case {want}: {names:?}");
    }
    let minimal = files(&repo_root().join("tests/fixtures/opsworks/minimal"));
    assert_eq!(
        minimal.keys().collect::<Vec<_>>(),
        ["describe-layers.json", "describe-stacks.json"],
        "the minimal case has only the two required files"
    );
}

#[test]
fn imported_stacks_are_golden() {
    for dir in cases() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let imported = import(&dir);
        insta::with_settings!({
            snapshot_path => repo_root().join("golden/import"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, report(&imported));
        });
    }
}

#[test]
fn imported_stacks_are_already_formatted() {
    for dir in cases() {
        let kdl = import(&dir).kdl;
        let formatted = stackc_core::fmt::format_source(&kdl).expect("valid KDL");
        assert_eq!(
            formatted,
            kdl,
            "{}: `stackc fmt` would change it",
            dir.display()
        );
    }
}

/// Every `cookbook::recipe` the layers of a case name.
fn recipes(dir: &Path) -> Vec<(String, String)> {
    let layers: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("describe-layers.json")).unwrap())
            .unwrap();
    let mut out = Vec::new();
    for layer in layers["Layers"].as_array().unwrap() {
        for list in layer["CustomRecipes"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.values())
        {
            for r in list.as_array().into_iter().flatten() {
                let r = r.as_str().unwrap();
                let (cb, name) = r.split_once("::").unwrap_or((r, "default"));
                out.push((cb.to_string(), name.to_string()));
            }
        }
    }
    out
}

#[test]
fn imported_stacks_pass_the_checker_with_their_cookbooks() {
    for dir in cases() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let kdl = import(&dir).kdl;
        let work =
            std::env::temp_dir().join(format!("stackc-import-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&work);
        std::fs::create_dir_all(&work).unwrap();
        std::fs::write(work.join("stack.kdl"), &kdl).unwrap();
        if kdl.contains("cookbooks \"./cookbooks\"") {
            std::fs::create_dir_all(work.join("cookbooks")).unwrap();
        }
        for (cb, recipe) in recipes(&dir) {
            let root = work.join("cookbooks").join(&cb);
            std::fs::create_dir_all(root.join("recipes")).unwrap();
            std::fs::write(
                root.join("metadata.rb"),
                format!("name '{cb}'\nversion '1.0.0'\n"),
            )
            .unwrap();
            std::fs::write(
                root.join("recipes").join(format!("{recipe}.rb")),
                "log 'stub'\n",
            )
            .unwrap();
        }
        let opts = Options {
            base_dir: &work,
            files: &RealFiles,
        };
        let (program, diags) = check_source(&kdl, &opts);
        let rendered = diag::render_human(&diags, "stack.kdl", &kdl, false);
        assert!(
            program.is_some() && !diag::has_errors(&diags),
            "{name}:\n{kdl}\n{rendered}"
        );
        let _ = std::fs::remove_dir_all(&work);
    }
}

#[test]
fn the_goldcar_import_keeps_the_opsworks_model() {
    let imported = import(&repo_root().join("tests/fixtures/opsworks/goldcar"));
    let opts = Options {
        base_dir: Path::new("."),
        files: &AllExist,
    };
    let (program, diags) = check_source(&imported.kdl, &opts);
    let program = program.unwrap_or_else(|| panic!("{diags:?}"));
    let stack = &program.environments[0];
    assert_eq!(stack.name, "goldcar-prod");
    assert_eq!(stack.os.name, "amazon-linux-2023");
    let web = stack.layers.iter().find(|l| l.name == "php-app").unwrap();
    let scaling = web.scaling.as_ref().unwrap();
    // Two 24/7, two load-based, one time-based instance.
    assert_eq!((scaling.min, scaling.max), (2, 5));
    assert_eq!(scaling.up.as_ref().unwrap().count, 2);
    assert_eq!(scaling.down.as_ref().unwrap().period_secs, 15 * 60);
    let entries = &scaling.schedule.as_ref().unwrap().entries;
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[0].at.hour, entries[0].min, entries[0].max),
        (7, 3, 5)
    );
    assert_eq!(
        (entries[1].at.hour, entries[1].min, entries[1].max),
        (19, 2, 4)
    );
    assert!(web.load_balancer.is_some());
    let cache = stack.layers.iter().find(|l| l.name == "memcached").unwrap();
    assert_eq!(cache.on.as_deref(), Some("php-app"));
    let rentals = stack.apps.iter().find(|a| a.name == "rentals").unwrap();
    assert_eq!(rentals.layer, "php-app");
    let secrets: Vec<(&str, &str)> = rentals
        .secrets
        .iter()
        .map(|s| (s.name.as_str(), s.ssm.as_str()))
        .collect();
    assert_eq!(
        secrets,
        [
            ("DB_PASSWORD", "/goldcar-prod/rentals/DB_PASSWORD"),
            ("SESSION_SECRET", "/goldcar-prod/rentals/SESSION_SECRET")
        ]
    );
    let custom: Value = serde_json::from_str(
        r#"{"goldcar":{"currency":"EUR","cache_ttl":300,"features":["online-checkin","loyalty"]}}"#,
    )
    .unwrap();
    assert_eq!(stack.custom_json, custom, "custom JSON round-trips");
    // Keys stackc computes are left out (`stackc check` refuses them), with
    // the stack-file lines to write instead.
    assert!(
        imported.warnings.iter().any(|w| w.message.contains(
            "custom JSON `deploy.rentals.environment_variables` is set by stackc from the `env` nodes of app `rentals`: not imported; add to app `rentals`: env CACHE_BACKEND \"memcached\""
        )),
        "{:#?}",
        imported.warnings
    );
    assert!(
        imported
            .warnings
            .iter()
            .any(|w| w.message.contains("/goldcar-prod/rentals/DB_PASSWORD")),
        "a warning names the SSM parameters to create"
    );
}

fn errors(files: &BTreeMap<String, String>) -> Vec<FileError> {
    match opsworks::import(files) {
        Ok(i) => panic!("expected errors, got:\n{}", i.kdl),
        Err(e) => e,
    }
}

fn render(errors: &[FileError], files: &BTreeMap<String, String>) -> String {
    let mut out = String::new();
    for e in errors {
        let source = files.get(&e.file).map_or("", String::as_str);
        out.push_str(&diag::render_human(
            std::slice::from_ref(&e.diagnostic),
            &format!("opsworks/{}", e.file),
            source,
            false,
        ));
    }
    out
}

fn minimal() -> BTreeMap<String, String> {
    files(&repo_root().join("tests/fixtures/opsworks/minimal"))
}

#[test]
fn bad_inputs_give_coded_diagnostics() {
    let mut rendered = String::new();
    let mut check = |title: &str, files: BTreeMap<String, String>, want: &[Code]| {
        let errs = errors(&files);
        let codes: Vec<Code> = errs.iter().map(|e| e.diagnostic.code).collect();
        assert_eq!(codes, want, "{title}");
        for e in &errs {
            assert_eq!(e.diagnostic.severity, Severity::Error);
            assert!(e.diagnostic.help.is_some(), "{title}: no help line");
        }
        rendered.push_str(&format!("## {title}\n{}\n", render(&errs, &files)));
    };

    check(
        "no files",
        BTreeMap::new(),
        &[Code::ImportMissingFile, Code::ImportMissingFile],
    );

    let mut f = minimal();
    f.remove("describe-layers.json");
    check(
        "missing describe-layers.json",
        f,
        &[Code::ImportMissingFile],
    );

    let mut f = minimal();
    f.insert(
        "describe-layers.json".into(),
        "{\n    \"Layers\": [\n        {\"LayerId\": \"x\",\n    ]\n}\n".into(),
    );
    check("bad JSON", f, &[Code::ImportBadJson]);

    let mut f = minimal();
    f.insert("describe-layers.json".into(), String::new());
    check("empty file", f, &[Code::ImportBadJson]);

    let mut f = minimal();
    let stacks = f["describe-stacks.json"].clone();
    f.insert("describe-layers.json".into(), stacks);
    check(
        "describe-stacks output saved as describe-layers.json",
        f,
        &[Code::ImportWrongShape],
    );

    let mut f = minimal();
    f.insert(
        "describe-apps.json".into(),
        "[{\"Shortname\": \"a\"}]\n".into(),
    );
    check("an array, as --query prints", f, &[Code::ImportWrongShape]);

    let mut f = minimal();
    f.insert(
        "describe-instances.json".into(),
        "{\n  \"Instances\": [\n    {\"InstanceId\": \"i1\", \"LayerIds\": \"11aa22bb\"}\n  ]\n}\n"
            .into(),
    );
    check("a field of the wrong type", f, &[Code::ImportWrongShape]);

    let mut f = minimal();
    f.insert(
        "describe-layers.json".into(),
        "{\"Layers\": [{\"LayerId\": \"x\", \"Type\": \"custom\"}]}".into(),
    );
    check("a missing field", f, &[Code::ImportWrongShape]);

    let mut f = minimal();
    f.insert("describe-stacks.json".into(), "{\"Stacks\": []}".into());
    check("no stack", f, &[Code::ImportStackCount]);

    let mut f = minimal();
    f.insert(
        "describe-stacks.json".into(),
        r#"{"Stacks": [{"StackId": "a", "Name": "one", "Region": "eu-west-1"}, {"StackId": "b", "Name": "two", "Region": "eu-west-1"}]}"#.into(),
    );
    check(
        "two stacks, neither the layers'",
        f,
        &[Code::ImportStackCount],
    );

    let mut f = minimal();
    f.remove("describe-stacks.json");
    f.insert("describe-apps.json".into(), "{\"Apps\": 7}".into());
    check(
        "every problem at once",
        f,
        &[Code::ImportMissingFile, Code::ImportWrongShape],
    );

    insta::with_settings!({
        snapshot_path => repo_root().join("golden/import"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!("errors", rendered);
    });
}

#[test]
fn json_errors_point_at_their_line_and_column() {
    let mut f = minimal();
    let text = "{\n    \"Layers\": [\n        {\"LayerId\": \"x\",\n    ]\n}\n";
    f.insert("describe-layers.json".into(), text.into());
    let e = &errors(&f)[0];
    assert_eq!(e.file, "describe-layers.json");
    let (line, column) = diag::line_column(text, e.diagnostic.span.offset);
    assert_eq!((line, column), (4, 5), "{e:?}");

    // A byte order mark (PowerShell's UTF-8) is skipped, and offsets still
    // point into the file as it is.
    let text = "\u{feff}{\"Layers\": [{\"LayerId\": 5}]}";
    f.insert("describe-layers.json".into(), text.into());
    let e = &errors(&f)[0];
    assert_eq!(e.diagnostic.code, Code::ImportWrongShape);
    assert_eq!(
        &text[e.diagnostic.span.offset..e.diagnostic.span.offset + 1],
        "5",
        "the span points at the value of the wrong type"
    );
}

#[test]
fn several_stacks_pick_the_one_the_layers_belong_to() {
    let dir = repo_root().join("tests/fixtures/opsworks/legacy");
    let stacks: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("describe-stacks.json")).unwrap())
            .unwrap();
    assert_eq!(stacks["Stacks"].as_array().unwrap().len(), 2);
    assert!(import(&dir).kdl.contains("stack legacy-shop {"));
}

/// Every scalar and container position of a JSON tree.
fn paths(v: &Value, here: Vec<String>, out: &mut Vec<Vec<String>>) {
    out.push(here.clone());
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let mut p = here.clone();
                p.push(k.clone());
                paths(v, p, out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                let mut p = here.clone();
                p.push(i.to_string());
                paths(v, p, out);
            }
        }
        _ => {}
    }
}

fn replace(v: &mut Value, path: &[String], with: Value) {
    let mut cur = v;
    for key in path {
        cur = match cur {
            Value::Object(m) => m.get_mut(key).unwrap(),
            Value::Array(a) => &mut a[key.parse::<usize>().unwrap()],
            _ => unreachable!(),
        };
    }
    *cur = with;
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1.0e6f64..1.0e6).prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
        prop_oneof![
            Just("on"),
            Just("off"),
            Just("timer"),
            Just("load"),
            Just("Monday"),
            Just("php-app"),
            Just("custom"),
            Just("git"),
            Just("s3"),
            Just("/srv"),
            Just("a::b"),
            Just("10"),
            Just("-1"),
            Just("{\"a\": [1, {}]}"),
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[A-Za-z]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Replacing any value of the goldcar or legacy inputs gives a stack
    /// file or diagnostics, never a panic; a stack file is canonical KDL
    /// that checks without errors (recipes assumed present) except for a
    /// region stackc does not know.
    #[test]
    fn mutated_inputs_never_break_the_importer(
        case in prop_oneof![Just("goldcar"), Just("legacy")],
        file in 0usize..7,
        pick in any::<prop::sample::Index>(),
        with in any_json(),
    ) {
        let dir = repo_root().join("tests/fixtures/opsworks").join(case);
        let mut inputs = files(&dir);
        let name = FILES[file].file;
        if let Some(text) = inputs.get(name) {
            let mut json: Value = serde_json::from_str(text).unwrap();
            let mut all = Vec::new();
            paths(&json, Vec::new(), &mut all);
            let path = pick.get(&all).clone();
            replace(&mut json, &path, with);
            inputs.insert(name.to_string(), serde_json::to_string_pretty(&json).unwrap());
        }
        match opsworks::import(&inputs) {
            Err(errs) => prop_assert!(!errs.is_empty()),
            Ok(imported) => {
                let formatted = stackc_core::fmt::format_source(&imported.kdl);
                prop_assert!(formatted.as_ref().is_ok_and(|f| *f == imported.kdl), "{}", imported.kdl);
                let opts = Options { base_dir: Path::new("."), files: &AllExist };
                let (_, diags) = check_source(&imported.kdl, &opts);
                let bad: Vec<String> = diags
                    .iter()
                    .filter(|d| d.severity == Severity::Error && d.code != Code::UnknownRegion)
                    .map(|d| format!("{}: {}", d.code.name(), d.message))
                    .collect();
                prop_assert!(bad.is_empty(), "{}\n{:?}", imported.kdl, bad);
            }
        }
    }
}
