//! Checker tests on the slips of a first stack file: the spelling to write,
//! the fix, and no suggestion for absurd names.

use std::path::Path;

use crate::check::{check_source, AllExist, Options};
use crate::diag::Code;

/// A file system with one user cookbook, `myapi`, whose recipes are
/// `worker` and `setup`.
struct OneCookbook;

impl crate::check::Files for OneCookbook {
    fn is_file(&self, path: &Path) -> bool {
        ["worker.rb", "setup.rb"]
            .iter()
            .any(|r| path == Path::new("/stack/cookbooks/myapi/recipes").join(r))
    }
    fn is_dir(&self, path: &Path) -> bool {
        path == Path::new("/stack/cookbooks") || path.starts_with("/stack/cookbooks/myapi")
    }
    fn file_names(&self, dir: &Path) -> Vec<String> {
        if dir == Path::new("/stack/cookbooks/myapi/recipes") {
            vec!["worker.rb".into(), "setup.rb".into(), "README.md".into()]
        } else {
            Vec::new()
        }
    }
}

/// The usual slips of a first stack file each get one error whose help
/// says what to write, and the fix an editor can apply as is: a duration
/// in words, a recipe one letter off, a node one block too high, YAML's
/// `key: value`.
#[test]
fn first_hour_slips_get_the_spelling_to_write_and_a_fix() {
    let src = r#"stack s {
    region eu-west-1
    cookbooks "./cookbooks"
    layer api type=custom {
        instance-type t3.micro
        instances min=1 max=2
        recipes { setup myapi::wrker; configure "myapi::settup" }
        scaling {
            instances min: 1 max: 3
            load { up cpu-above=70 for="5 min" add=1 }
        }
    }
}
"#;
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &OneCookbook,
    };
    let diags = check_source(src, &opts).1;
    let fixed = |code: Code, from: &str| {
        let d = diags
            .iter()
            .find(|d| d.code == code && src[d.span.offset..].starts_with(from))
            .unwrap_or_else(|| panic!("no {code:?} at {from}: {diags:#?}"));
        let fix = d.fix.as_ref().unwrap_or_else(|| panic!("no fix: {d:#?}"));
        let mut out = src.to_string();
        out.replace_range(
            fix.span.offset..fix.span.offset + fix.span.len,
            &fix.replacement,
        );
        (d.help.clone().unwrap(), out)
    };
    let (help, out) = fixed(Code::BadDuration, "\"5 min\"");
    assert_eq!(help, "write `\"5m\"`");
    assert!(out.contains(r#"for="5m" add=1"#));
    let (help, out) = fixed(Code::UnknownRecipe, "myapi::wrker");
    assert!(help.starts_with("did you mean `myapi::worker`?"), "{help}");
    assert!(out.contains(r#"setup "myapi::worker";"#));
    let (_, out) = fixed(Code::UnknownRecipe, "\"myapi::settup\"");
    assert!(out.contains(r#"configure "myapi::setup" }"#));
    let (help, out) = fixed(Code::UnexpectedArgument, "min: 1");
    assert_eq!(help, "write `min=1`");
    assert!(out.contains("instances min=1 max: 3"));
    let (_, out) = fixed(Code::UnexpectedArgument, "max: 3");
    assert!(out.contains("instances min: 1 max=3"));
    let nested = diags
        .iter()
        .find(|d| d.code == Code::UnknownNode)
        .expect("instances in the layer");
    assert_eq!(
        nested.help.as_deref(),
        Some("`instances` goes inside `scaling { }`: `scaling { instances ... }`")
    );
    // One error each, and no `min=`/`max=` missing besides YAML's spelling.
    assert!(
        !diags.iter().any(|d| d.code == Code::MissingProperty),
        "{diags:#?}"
    );
    assert_eq!(diags.len(), 6, "{diags:#?}");
}

/// A name far longer than any stackc knows gets no "did you mean": its
/// Jaro–Winkler distance to each candidate costs the product of the
/// lengths (a 65 KB time zone from the fuzzer took 1.4 s against the 600
/// zones).
#[test]
fn an_absurdly_long_name_gets_no_suggestion() {
    let zone = format!("Europe/Madri{}d", "a=1 ".repeat(20_000));
    let src = format!(
        "stack s {{\n    region eu-west-1\n    working-hours \"mon-fri 08:00-20:00\" timezone=\"{zone}\"\n}}\n"
    );
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    let diags = check_source(&src, &opts).1;
    let bad = diags
        .iter()
        .find(|d| d.code == Code::BadTimezone)
        .unwrap_or_else(|| panic!("{diags:#?}"));
    assert!(!bad
        .help
        .as_deref()
        .unwrap_or_default()
        .contains("did you mean"));
    assert_eq!(
        crate::diag::suggest("Europe/Madri", ["Europe/Madrid"]),
        Some("Europe/Madrid")
    );
    assert_eq!(crate::diag::suggest(&zone, ["Europe/Madrid"]), None);
}
