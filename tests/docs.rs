//! The documentation says what is true of the language: every KDL example
//! in README.md and docs/ parses (a whole stack also checks), the KDL in
//! docs/language.md's tables parses, and every link points at a file of the
//! repository or a heading of its page.

use std::path::{Path, PathBuf};

use stackc_core::check::{check_source, AllExist, Options};
use stackc_core::diag::has_errors;
use stackc_core::syntax;
use stackc_tests::repo_root;

/// The Markdown pages of the repository.
fn pages() -> Vec<PathBuf> {
    let root = repo_root();
    let mut pages = vec![
        root.join("README.md"),
        root.join("cookbooks/README.md"),
        root.join("stdlib/README.md"),
    ];
    for entry in std::fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            pages.push(path);
        }
    }
    pages.sort();
    pages
}

/// The fenced blocks of `text` in `language`, with their first line.
fn fenced<'a>(text: &'a str, language: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        if line.trim_start() == format!("```{language}") {
            let body: Vec<&'a str> = lines
                .by_ref()
                .map(|(_, l)| l)
                .take_while(|l| !l.trim_start().starts_with("```"))
                .collect();
            out.push((n + 2, body.join("\n") + "\n"));
        }
    }
    out
}

#[test]
fn kdl_examples_parse_and_whole_stacks_check() {
    let mut seen = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for (line, block) in fenced(&text, "kdl") {
            seen += 1;
            let at = format!("{}:{line}", page.display());
            if let Err(e) = syntax::parse(&block) {
                panic!("{at}: the example does not parse: {e:#?}");
            }
            if block.trim_start().starts_with("stack ") || block.contains("\nstack ") {
                let opts = Options {
                    base_dir: Path::new("/stack"),
                    files: &AllExist,
                };
                let diags = check_source(&block, &opts).1;
                assert!(!has_errors(&diags), "{at}: {diags:#?}");
            }
        }
    }
    assert!(seen >= 3, "{seen} KDL examples");
}

/// A table cell's KDL that is meant literally: no `...` and no placeholder
/// (a word in capitals, such as NAME or EMAIL).
fn literal_kdl(cell: &str) -> bool {
    !cell.contains("...")
        && !cell.contains('|')
        && !cell
            .split(|c: char| !c.is_ascii_alphanumeric())
            .any(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_uppercase()))
}

#[test]
fn the_language_tables_kdl_parses() {
    let text = std::fs::read_to_string(repo_root().join("docs/language.md")).unwrap();
    let mut checked = 0;
    let mut broken = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let Some(cell) = line
            .strip_prefix("| `")
            .and_then(|rest| rest.split_once("` |"))
            .map(|(cell, _)| cell)
        else {
            continue;
        };
        // A cell may show alternatives: `a` / `b`.
        for snippet in cell.split("` / `") {
            if !literal_kdl(snippet) {
                continue;
            }
            checked += 1;
            if syntax::parse(snippet).is_err() {
                broken.push(format!("docs/language.md:{}: `{snippet}`", n + 1));
            }
        }
    }
    assert!(broken.is_empty(), "not KDL:\n{}", broken.join("\n"));
    assert!(checked >= 8, "only {checked} snippets were literal KDL");
}

/// GitHub's anchor of a heading.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

#[test]
fn links_point_at_files_and_headings_of_the_repository() {
    let mut links = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let anchors: Vec<String> = text
            .lines()
            .filter_map(|l| l.strip_prefix('#'))
            .map(|h| slug(h.trim_start_matches('#')))
            .collect();
        let mut rest = text.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            let target = &after[..end];
            rest = &after[end..];
            links += 1;
            let at = format!("{}: link `{target}`", page.display());
            assert!(
                !target.contains("://"),
                "{at}: the docs link only to files in the repository"
            );
            let (file, anchor) = target.split_once('#').unwrap_or((target, ""));
            if file.is_empty() {
                assert!(anchors.iter().any(|a| a == anchor), "{at}: no such heading");
            } else {
                let path = page.parent().unwrap().join(file);
                assert!(path.exists(), "{at}: no such file");
            }
        }
    }
    assert!(links >= 10, "{links} links");
}
