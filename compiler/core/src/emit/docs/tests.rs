use std::path::{Path, PathBuf};

use super::*;
use crate::check::{check_source, Files, Options, RealFiles};

/// A stack directory whose cookbooks directory holds one cookbook, `app`,
/// with every recipe: built-in cookbooks stay built-in.
struct AppCookbook;

impl Files for AppCookbook {
    fn is_file(&self, path: &Path) -> bool {
        path.starts_with("/stack/cookbooks/app/")
    }
    fn is_dir(&self, path: &Path) -> bool {
        path == Path::new("/stack/cookbooks") || path.starts_with("/stack/cookbooks/app")
    }
}

fn program(src: &str) -> Program {
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AppCookbook,
    };
    let (p, diags) = check_source(src, &opts);
    assert!(!crate::diag::has_errors(&diags), "{diags:#?}");
    p.expect("program")
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example(name: &str) -> Program {
    let dir = repo().join("examples").join(name);
    let source = std::fs::read_to_string(dir.join("stack.kdl")).expect("example");
    let opts = Options {
        base_dir: &dir,
        files: &RealFiles,
    };
    let (p, diags) = check_source(&source, &opts);
    assert!(!crate::diag::has_errors(&diags), "{name}: {diags:#?}");
    p.expect("program")
}

/// Parses an SVG document, failing the test when it is not well-formed XML.
fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not well-formed XML: {e}\n{svg}"))
}

fn rect_of<'a>(doc: &'a roxmltree::Document, id: &str) -> (roxmltree::Node<'a, 'a>, [i64; 4]) {
    let g = doc
        .descendants()
        .find(|n| n.attribute("id") == Some(id))
        .unwrap_or_else(|| panic!("no element #{id}"));
    let rect = g
        .children()
        .find(|n| n.has_tag_name("rect"))
        .expect("a card's first child is its box");
    let n = |a: &str| {
        rect.attribute(a)
            .and_then(|v| v.parse().ok())
            .expect("integer")
    };
    (g, [n("x"), n("y"), n("width"), n("height")])
}

#[test]
fn golden_docs_of_every_example() {
    for name in ["goldcar", "minimal", "shop"] {
        let program = example(name);
        for stack in &program.environments {
            let files = emit(&program, stack);
            assert_eq!(
                files.iter().map(|a| a.path.as_str()).collect::<Vec<_>>(),
                [markdown_path(stack), svg_path(stack)]
            );
            let md = String::from_utf8(files[0].bytes.clone()).expect("UTF-8");
            let svg = String::from_utf8(files[1].bytes.clone()).expect("UTF-8");
            parse(&svg);
            insta::with_settings!({
                snapshot_path => repo().join("golden/docs"),
                prepend_module_to_snapshot => false,
            }, {
                insta::assert_snapshot!(format!("{}_md", stack.qualified_name()), md);
                insta::assert_snapshot!(format!("{}_svg", stack.qualified_name()), svg);
            });
        }
    }
}

#[test]
fn same_input_same_bytes() {
    let a = example("goldcar");
    let b = example("goldcar");
    for (x, y) in a.environments.iter().zip(&b.environments) {
        assert_eq!(emit(&a, x), emit(&b, y));
    }
}

const SRC: &str = r#"
stack s {
    region eu-west-1
    cookbooks "./cookbooks"
    description "Tom & Jerry's <script>alert(\"x\")</script> *shop* | ok"
    layer web type=php-app {
        recipes {
            setup app::one app::two
            deploy app::three
        }
        load-balancer { listener http; health-check path="/health?a=1&b=<2>" }
        scaling { instances min=1 max=3 }
    }
    layer cache type=memcached { on web }
    layer jobs type=custom {
        recipes { setup app::jobs }
    }
    app shop type=php layer=web {
        source git="https://example.com/shop.git" revision=v1
        site "a.example" alias="b.example"
        env APP_ENV production
        secret DB_PASSWORD ssm="/s/prod/db-password"
        secret API_TOKEN ssm="/s/prod/api-token"
        database host=db.internal name=shop user=shop password-secret=DB_PASSWORD
    }
}
"#;

#[test]
fn names_and_text_are_escaped_in_the_diagram() {
    let p = program(SRC);
    let svg = svg(&p.environments[0]);
    assert!(
        svg.contains(
            "Tom &amp; Jerry&apos;s &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; *shop* | ok"
        ),
        "{svg}"
    );
    assert!(!svg.contains("<script"), "{svg}");
    let doc = parse(&svg);
    // The parsed text is the original.
    assert!(doc
        .descendants()
        .any(|n| n.text() == Some("Tom & Jerry's <script>alert(\"x\")</script> *shop* | ok")));
    assert!(doc
        .descendants()
        .any(|n| n.text() == Some("health /health?a=1&b=<2>")));
    assert_eq!(
        escape::xml("a\u{1}b\tc<&>\"'"),
        "a\u{FFFD}b c&lt;&amp;&gt;&quot;&apos;"
    );
}

#[test]
fn markdown_escapes_free_text() {
    let p = program(SRC);
    let md = markdown(&p, &p.environments[0]);
    assert!(
        md.contains("Tom \\& Jerry's \\<script\\>alert(\"x\")\\</script\\> \\*shop\\* \\| ok"),
        "{md}"
    );
    assert_eq!(escape::code("a`b"), "``a`b``");
    assert_eq!(escape::code("`x"), "`` `x ``");
    assert_eq!(escape::code(""), "`\"\"`");
}

#[test]
fn secrets_appear_by_name_and_parameter_only() {
    let p = program(SRC);
    let md = markdown(&p, &p.environments[0]);
    assert!(
        md.contains(
            "- **Secrets (resolved on the instance):** `DB_PASSWORD` from SSM parameter `/s/prod/db-password`, `API_TOKEN` from SSM parameter `/s/prod/api-token`\n"
        ),
        "{md}"
    );
    assert!(md.contains("password from secret `DB_PASSWORD`"), "{md}");
    // Plain environment values are configuration and shown.
    assert!(md.contains("`APP_ENV`=`production`"), "{md}");
    // The diagram names no secret at all.
    let svg = svg(&p.environments[0]);
    assert!(
        !svg.contains("DB_PASSWORD") && !svg.contains("/s/prod/"),
        "{svg}"
    );
}

#[test]
fn colocated_layers_are_drawn_inside_their_host() {
    let p = program(SRC);
    let svg = svg(&p.environments[0]);
    let doc = parse(&svg);
    let (web, [wx, wy, ww, wh]) = rect_of(&doc, "layer-web");
    let (cache, [cx, cy, cw, ch]) = rect_of(&doc, "layer-cache");
    assert!(
        cache.ancestors().any(|a| a == web),
        "cache's group is inside web's"
    );
    assert!(
        wx < cx && cx + cw < wx + ww && wy < cy && cy + ch < wy + wh,
        "cache's box lies inside web's: {:?} {:?}",
        [wx, wy, ww, wh],
        [cx, cy, cw, ch]
    );
    // A layer with instances of its own is a box of its own, below web's.
    let (jobs, [_, jy, _, _]) = rect_of(&doc, "layer-jobs");
    assert!(!jobs.ancestors().any(|a| a == web));
    assert!(jy >= wy + wh);
}

#[test]
fn recipes_are_listed_in_run_order_with_the_built_in_ones() {
    let p = program(SRC);
    let md = markdown(&p, &p.environments[0]);
    assert!(
        md.contains(
            "| setup | `stackc_base::default` → `php_app::setup` → **`app::one`** → **`app::two`** |\n"
        ),
        "{md}"
    );
    assert!(
        md.contains(
            "| deploy | `stackc_deploy::default` → `php_app::deploy` → **`app::three`** |\n"
        ),
        "{md}"
    );
    // The co-located layer's own list, run after its host's.
    assert!(
        md.contains("| setup | `stackc_base::default` → `memcached::setup` |\n"),
        "{md}"
    );
}

#[test]
fn a_memcached_layer_elsewhere_is_linked_from_the_app_layers() {
    let src = r#"
stack s {
    region eu-west-1
    layer web type=php-app { load-balancer { listener http } }
    layer cache type=memcached
    app shop type=php layer=web {
        source git="https://example.com/shop.git" revision=v1
        site "a.example"
    }
}
"#;
    let p = program(src);
    let stack = &p.environments[0];
    let svg = svg(stack);
    let doc = parse(&svg);
    let links: Vec<_> = doc
        .descendants()
        .filter(|n| n.attribute("class") == Some("link") && n.has_tag_name("path"))
        .collect();
    // One link, plus the legend's sample.
    assert_eq!(links.len(), 2, "{svg}");
    let md = markdown(&p, stack);
    assert!(md.contains("- **Uses:** `cache` (memcached)\n"), "{md}");
    assert!(
        md.contains("- **Memcached:** `cache` on the instances of `cache` (port 11211)\n"),
        "{md}"
    );
}

#[test]
fn environments_show_their_differences_from_production() {
    let p = example("goldcar");
    let md = markdown(&p, &p.environments[1]);
    assert!(md.contains("| `test` (this page) | `goldcar-test` | mon-fri 08:00–20:00 (Europe/Madrid); every layer scales to 0 outside them |\n"), "{md}");
    assert!(
        md.contains("### `test` compared with `production`\n\n```text\ngoldcar-test compared with goldcar-production (5 differences)\n"),
        "{md}"
    );
}
