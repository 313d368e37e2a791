use std::path::PathBuf;

use super::*;
use crate::syntax;

fn language_md() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/language.md")
}

/// docs/language.md is the schema's: a change to a node's text, property or
/// block shows in the docs or fails here. `STACKC_UPDATE_DOCS=1` rewrites it.
#[test]
fn docs_language_md_is_generated_from_the_schema() {
    let generated = markdown(crate::stdlib::get());
    let path = language_md();
    if std::env::var_os("STACKC_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let written = std::fs::read_to_string(&path).unwrap();
    if written != generated {
        let diff = similar::TextDiff::from_lines(&written, &generated)
            .unified_diff()
            .header("docs/language.md", "generated")
            .to_string();
        panic!(
            "docs/language.md is not what the schema generates; run \
             `STACKC_UPDATE_DOCS=1 cargo test -p stackc-core --lib schema` and review:\n{diff}"
        );
    }
}

/// Each example that is plain KDL parses as the node it documents, with
/// only properties the node has, and nodes its block holds.
#[test]
fn every_example_is_the_node_it_documents() {
    let mut checked = 0;
    for (path, def) in all() {
        if def.syntax.is_empty() || def.syntax.contains("...") || def.syntax.contains("ARN") {
            continue;
        }
        let doc = syntax::parse(def.syntax)
            .unwrap_or_else(|e| panic!("{}: `{}` is not KDL: {e:?}", path.join("."), def.syntax));
        let node = &doc.nodes[0];
        assert_eq!(node.name, def.name, "{}", def.syntax);
        for p in &node.props {
            assert!(def.prop(&p.key).is_some(), "{}: {}", def.syntax, p.key);
        }
        assert!(node.args.len() <= def.args.max, "{}", def.syntax);
        for kid in node.kids() {
            let known = def.kid(&kid.name).is_some()
                || def.kids().is_some_and(|k| k.attributes)
                || matches!(def.block, Block::Json);
            assert!(known, "{}: `{}` is not in its block", def.syntax, kid.name);
        }
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} examples were KDL");
}

#[test]
fn a_node_is_found_by_its_name_or_its_path() {
    let names = |q: &str| -> Vec<String> {
        lookup(q)
            .into_iter()
            .map(|(path, _)| path.join("."))
            .collect()
    };
    assert_eq!(names("scaling"), ["stack.layer.scaling"]);
    assert_eq!(names("chef"), ["stack.chef", "stack.layer.chef"]);
    assert_eq!(names("layer.chef"), ["stack.layer.chef"]);
    assert_eq!(names("load.up"), ["stack.layer.scaling.load.up"]);
    assert!(names("nothing").is_empty());
    assert!(names("").is_empty());
    // Every node is reachable, and names in one block are unique.
    for (path, def) in all() {
        let kids = def.kid_names();
        let mut unique = kids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(kids.len(), unique.len(), "{}", path.join("."));
        assert_eq!(FILE.nodes[0].at(&path[1..]).map(|d| d.name), Some(def.name));
    }
}
