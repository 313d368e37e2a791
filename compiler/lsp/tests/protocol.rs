//! The server driven over JSON-RPC, one test per feature, on copies of the
//! repository's examples (whose cookbooks directories are real).

mod common;

use std::path::Path;

use common::{example, pos, Client};
use lsp_types::{DiagnosticSeverity, NumberOrString, Url};
use serde_json::{json, Value};
use stackc_core::check::{self, Options, RealFiles};
use stackc_core::diag::{Severity, SourceIndex};

fn read(dir: &Path) -> (Url, String) {
    let file = dir.join("stack.kdl");
    let text = std::fs::read_to_string(&file).unwrap();
    (Url::from_file_path(file).unwrap(), text)
}

fn labels(items: &Value) -> Vec<String> {
    let items = items
        .as_array()
        .or_else(|| items["items"].as_array())
        .expect("completion items");
    items
        .iter()
        .map(|i| i["label"].as_str().unwrap().to_string())
        .collect()
}

fn item<'v>(items: &'v Value, label: &str) -> &'v Value {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == label)
        .unwrap_or_else(|| panic!("no {label} in {:?}", labels(items)))
}

#[test]
fn diagnostics_are_those_of_stackc_check() {
    let dir = example("shop");
    let (uri, text) = read(&dir);
    // A misspelt recipe (its cookbook has warm_cache.rb), a layer of a type
    // that does not exist, an environment's layer with an instance type that
    // does not exist, and a duplicate app (related location: the first).
    let text = text
        .replace("deploy shop::warm_cache", "deploy shop::warm_cahce")
        .replace("layer storefront type=static-web", "layer storefront type=static-webs")
        .replace(
            "layer api {\n            scaling",
            "layer api {\n            instance-type t3.gigantic\n            scaling",
        )
        .replace("    environment staging", "    app api type=nodejs layer=api { source git=\"https://x.example/a.git\" }\n    environment staging");
    let mut client = Client::start();
    client.open(&uri, &text);
    let got = client.diagnostics(&uri, Some(1));

    let opts = Options {
        base_dir: &dir,
        files: &RealFiles,
    };
    let (_, want) = check::check_source(&text, &opts);
    let index = SourceIndex::new(&text);
    let codes: Vec<String> = want.iter().map(|d| d.code.name()).collect();
    for code in [
        "stackc::unknown_recipe",
        "stackc::unknown_layer_type",
        "stackc::unknown_instance_type",
        "stackc::duplicate_name",
    ] {
        assert!(codes.iter().any(|c| c == code), "{code} not in {codes:?}");
    }
    assert_eq!(got.diagnostics.len(), want.len());
    for (g, w) in got.diagnostics.iter().zip(&want) {
        assert_eq!(g.code, Some(NumberOrString::String(w.code.name())));
        let (line, column) = index.line_column(w.span.offset);
        assert_eq!(
            (g.range.start.line + 1, g.range.start.character + 1),
            (line as u32, column as u32),
            "{}",
            w.message
        );
        let end = (g.range.end.line, g.range.end.character);
        let (el, ec) = index.line_column(w.span.offset + w.span.len);
        assert_eq!(end, (el as u32 - 1, ec as u32 - 1));
        assert!(g.message.starts_with(&w.message));
        if let Some(help) = &w.help {
            assert!(
                g.message.contains(&format!("help: {help}")),
                "{}",
                g.message
            );
        }
        let severity = match w.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        };
        assert_eq!(g.severity, Some(severity));
        let related = g.related_information.clone().unwrap_or_default();
        assert_eq!(related.len(), w.related.len());
        for (r, (span, label)) in related.iter().zip(&w.related) {
            assert_eq!(&r.message, label);
            assert_eq!(r.location.uri, uri);
            let (line, _) = index.line_column(span.offset);
            assert_eq!(r.location.range.start.line + 1, line as u32);
        }
    }
    // The misspelt recipe carries its fix, which a code action applies.
    let recipe = got
        .diagnostics
        .iter()
        .find(|d| d.code == Some(NumberOrString::String("stackc::unknown_recipe".into())))
        .unwrap();
    assert!(recipe.message.contains("did you mean `shop::warm_cache`?"));
    let actions = client.ok(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": recipe.range, "context": {"diagnostics": [recipe]}}),
    );
    let edit = &actions[0]["edit"]["changes"][uri.as_str()][0];
    assert_eq!(edit["newText"], "\"shop::warm_cache\"");

    // Plain HTTP in production is a warning; the version is the edit's.
    let fixed = std::fs::read_to_string(dir.join("stack.kdl")).unwrap();
    let http = fixed.replacen(
        "listener https certificate=\"arn:aws:acm:eu-central-1:123456789012:certificate/0f1e2d3c\"",
        "listener http",
        1,
    );
    client.change(&uri, 2, &http);
    let plain_http = Some(NumberOrString::String(
        "stackc::plain_http_in_production".into(),
    ));
    let warned = client.diagnostics(&uri, Some(2)).diagnostics;
    let w = warned
        .iter()
        .find(|d| d.code == plain_http)
        .expect("plain HTTP");
    assert_eq!(w.severity, Some(DiagnosticSeverity::WARNING));
    // An edit that fixes everything leaves the example's own warnings.
    client.change(&uri, 3, &fixed);
    let after = client.diagnostics(&uri, Some(3)).diagnostics;
    assert_eq!(after.len(), warned.len() - 1);
    assert!(after
        .iter()
        .all(|d| d.severity == Some(DiagnosticSeverity::WARNING)));
    // Closing the file clears its diagnostics too.
    client.change(&uri, 4, "stack x {");
    assert!(!client.diagnostics(&uri, Some(4)).diagnostics.is_empty());
    client.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(client.diagnostics(&uri, None).diagnostics, vec![]);
    client.stop();
}

#[test]
fn positions_are_utf16_on_non_ascii_lines() {
    let dir = example("minimal");
    let uri = Url::from_file_path(dir.join("stack.kdl")).unwrap();
    // 🦀 is two UTF-16 units, é one; the error is after them on their line.
    let text = "stack minimal {\n    description \"é🦀\"; region eu-nowhere-1\n}\n";
    let mut client = Client::start();
    client.open(&uri, text);
    let d = client.diagnostics(&uri, Some(1));
    let region = d
        .diagnostics
        .iter()
        .find(|d| d.code == Some(NumberOrString::String("stackc::unknown_region".into())))
        .expect("unknown_region");
    let col = "    description \"é🦀\"; region ".encode_utf16().count() as u32;
    assert_eq!(
        (region.range.start.line, region.range.start.character),
        (1, col)
    );
    assert_eq!(
        region.range.end.character,
        col + "eu-nowhere-1".len() as u32
    );
    // Hover at a UTF-16 position past the non-ASCII text finds the word.
    let hover = client.at("textDocument/hover", &uri, 1, col - 3);
    assert!(hover["contents"]["value"]
        .as_str()
        .unwrap()
        .starts_with("region (in stack > region)"));
    client.stop();
}

#[test]
fn completion_in_context() {
    let dir = example("shop");
    let (uri, text) = read(&dir);
    let mut client = Client::start();
    client.open(&uri, &text);

    // Node names in the api layer's block: the schema's, and its type's
    // attributes; instance-type is there already (at most once).
    let (l, c) = pos(&text, "        node-version", 0);
    let items = client.at("textDocument/completion", &uri, l, c);
    let names = labels(&items);
    for n in ["volume", "alarm", "chef", "start-command"] {
        assert!(names.contains(&n.to_string()), "{n} not in {names:?}");
    }
    assert!(!names.contains(&"instance-type".to_string()));
    assert!(!names.contains(&"recipes".to_string()));
    assert!(!names.contains(&"region".to_string()));

    // Layer types after type=, with their description.
    let (l, c) = pos(&text, "type=nodejs-app", 5);
    let items = client.at("textDocument/completion", &uri, l, c);
    assert!(labels(&items).contains(&"php-app".to_string()));
    assert!(item(&items, "memcached")["detail"]
        .as_str()
        .unwrap()
        .contains("emcache"));
    // The edit replaces the whole value being typed.
    let edit = &item(&items, "custom")["textEdit"];
    assert_eq!(edit["range"]["start"]["character"], c - 5 + 5);
    assert_eq!(
        edit["range"]["end"]["character"],
        c + "nodejs-app".len() as u32
    );

    // Instance types with their size.
    let (l, c) = pos(&text, "instance-type t4g.small", 14);
    let items = client.at("textDocument/completion", &uri, l, c);
    assert_eq!(item(&items, "t3.small")["detail"], "2 vCPUs, 2 GiB, x86_64");

    // Layers after `on` (not the layer itself) and after layer=.
    let (l, c) = pos(&text, "on api", 3);
    let names = labels(&client.at("textDocument/completion", &uri, l, c));
    assert_eq!(names, ["api", "storefront"]);
    let (l, c) = pos(&text, "layer=storefront", 6);
    let names = labels(&client.at("textDocument/completion", &uri, l, c));
    assert_eq!(names, ["api", "cache", "storefront"]);

    // OS, region, metric values.
    let (l, c) = pos(&text, "os ubuntu-24.04", 3);
    assert!(labels(&client.at("textDocument/completion", &uri, l, c))
        .contains(&"amazon-linux-2023".into()));
    let (l, c) = pos(&text, "region eu-central-1", 7);
    assert!(labels(&client.at("textDocument/completion", &uri, l, c)).contains(&"eu-west-1".into()));
    let (l, c) = pos(&text, "metric=target-latency", 7);
    assert!(labels(&client.at("textDocument/completion", &uri, l, c)).contains(&"cpu".into()));

    // Secrets of the app, recipes of the cookbooks directory.
    let (l, c) = pos(&text, "password-secret=DB_PASSWORD", 16);
    let names = labels(&client.at("textDocument/completion", &uri, l, c));
    assert_eq!(names, ["STRIPE_API_KEY", "DB_PASSWORD"]);
    let (l, c) = pos(&text, "setup shop::api_tuning", 6);
    let items = client.at("textDocument/completion", &uri, l, c);
    let names = labels(&items);
    assert_eq!(
        &names[..3],
        ["shop::api_tuning", "shop::assets", "shop::warm_cache"]
    );
    assert!(names.contains(&"stackc_base::default".into()));

    // Lifecycle events in a recipes block; properties of a node.
    let (l, c) = pos(&text, "            deploy shop::warm_cache", 12);
    let names = labels(&client.at("textDocument/completion", &uri, l, c));
    assert!(names.contains(&"shutdown".into()) && !names.contains(&"setup".into()));
    let (l, c) = pos(&text, "alarm slow-responses metric", 21);
    let items = client.at("textDocument/completion", &uri, l, c);
    assert_eq!(item(&items, "below")["textEdit"]["newText"], "below=");
    assert!(!labels(&items).contains(&"above".into()));

    // Nothing in a comment; only values inside a string.
    let (l, c) = pos(&text, "An online shop", 3);
    assert_eq!(client.at("textDocument/completion", &uri, l, c), json!([]));
    let (l, c) = pos(&text, "\"/var/log/shop-api", 3);
    assert_eq!(client.at("textDocument/completion", &uri, l, c), json!([]));

    // While typing: a half-written file still completes.
    let half = text.replace(
        "    app api type=nodejs layer=api {",
        "    app api type=nodejs layer=",
    );
    client.change(&uri, 2, &half);
    let (l, c) = pos(&half, "layer=\n", 6);
    let names = labels(&client.at("textDocument/completion", &uri, l, c));
    assert_eq!(names, ["api", "cache", "storefront"]);
    let half = text.replace("        memory \"1GiB\"\n", "        mem\n");
    client.change(&uri, 3, &half);
    let (l, c) = pos(&half, "mem\n", 3);
    let names = labels(&client.at("textDocument/completion", &uri, l, c));
    assert!(names.contains(&"memory".into()), "{names:?}");
    assert!(names.contains(&"instance-type".into()), "{names:?}");
    client.stop();
}

#[test]
fn hover_shows_the_schema_and_the_standard_library() {
    let dir = example("shop");
    let (uri, text) = read(&dir);
    let mut client = Client::start();
    client.open(&uri, &text);
    let hover = |client: &mut Client, needle: &str, shift: usize| -> String {
        let (l, c) = pos(&text, needle, shift);
        let h = client.at("textDocument/hover", &uri, l, c);
        h["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    // A node: the text `stackc explain` prints.
    let (path, def) = stackc_core::schema::lookup("layer.scaling")[0].clone();
    assert_eq!(
        hover(&mut client, "        scaling {", 9),
        stackc_core::schema::explain(&path, def)
    );
    // A property.
    assert!(hover(&mut client, "healthy=2", 2).starts_with("healthy=integer 2–10"));
    // A layer type: what it installs and which ports it opens.
    let t = hover(&mut client, "type=memcached", 7);
    assert!(t.contains("Opens ports: 11211"), "{t}");
    assert!(t.contains("memcached::setup"), "{t}");
    // An instance type's size.
    assert_eq!(
        hover(&mut client, "t3.micro", 2),
        "instance type t3.micro: 2 vCPUs, 1 GiB, x86_64"
    );
    // A layer type's attribute, and a layer reference.
    assert!(hover(&mut client, "memory \"1GiB\"", 1).contains("memcached.memory"));
    assert!(hover(&mut client, "on api", 4).starts_with("layer api, type nodejs-app"));
    // What an environment overrides.
    let env = hover(&mut client, "environment staging", 13);
    assert!(env.contains("layer api: scaling"), "{env}");
    // Nothing to say in a comment or custom-json.
    let (l, c) = pos(&text, "currency EUR", 2);
    assert_eq!(client.at("textDocument/hover", &uri, l, c), Value::Null);
    client.stop();
}

#[test]
fn definitions_of_layers_secrets_and_recipes() {
    let dir = example("shop");
    let (uri, text) = read(&dir);
    let mut client = Client::start();
    client.open(&uri, &text);
    let (want_line, want_col) = pos(&text, "layer api type", 6);
    for (needle, shift) in [("on api", 4), ("layer=api", 7), ("        layer api {", 15)] {
        let (l, c) = pos(&text, needle, shift);
        let d = client.at("textDocument/definition", &uri, l, c);
        assert_eq!(d["uri"], uri.as_str(), "{needle}");
        assert_eq!(
            d["range"]["start"],
            json!({"line": want_line, "character": want_col}),
            "{needle}"
        );
    }
    let (l, c) = pos(&text, "password-secret=DB_PASSWORD", 20);
    let d = client.at("textDocument/definition", &uri, l, c);
    let (sl, sc) = pos(&text, "secret DB_PASSWORD", 7);
    assert_eq!(d["range"]["start"], json!({"line": sl, "character": sc}));
    let (l, c) = pos(&text, "shop::api_tuning", 3);
    let d = client.at("textDocument/definition", &uri, l, c);
    let file = Url::from_file_path(dir.join("cookbooks/shop/recipes/api_tuning.rb")).unwrap();
    assert_eq!(d["uri"], file.as_str());
    // A word that names nothing has no definition.
    let (l, c) = pos(&text, "region eu-central-1", 2);
    assert_eq!(
        client.at("textDocument/definition", &uri, l, c),
        Value::Null
    );
    client.stop();
}

#[test]
fn formatting_symbols_and_rename() {
    let dir = example("goldcar");
    let (uri, text) = read(&dir);
    let messy = text.replace(
        "    region eu-west-1\n",
        "  region   eu-west-1;description \"x\"\n",
    );
    let mut client = Client::start();
    client.open(&uri, &messy);
    let edits = client.ok(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    let edits = edits.as_array().unwrap();
    assert_eq!(edits.len(), 1);
    assert_eq!(
        edits[0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    assert_eq!(
        edits[0]["newText"],
        stackc_core::fmt::format_source(&messy).unwrap()
    );
    let text = stackc_core::fmt::format_source(&text).unwrap();
    client.change(&uri, 2, &text);
    let none = client.ok(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(none, json!([]));

    let symbols = client.ok(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let stack = &symbols[0];
    assert_eq!(stack["name"], "goldcar");
    let kids: Vec<&str> = stack["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(kids, ["web", "cache", "reports", "rentals", "test"]);
    let test = &stack["children"][4];
    assert_eq!(test["children"][0]["name"], "web");
    assert_eq!(stack["children"][0]["detail"], "php-app");

    // Renaming the web layer from `on web` renames its declaration, the
    // environment's override, `on` and `layer=`.
    let (l, c) = pos(&text, "on web", 4);
    let prepared = client.at("textDocument/prepareRename", &uri, l, c);
    assert_eq!(prepared["placeholder"], "web");
    let edit = client.ok(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": {"line": l, "character": c}, "newName": "front"}),
    );
    let edits = edit["changes"][uri.as_str()].as_array().unwrap();
    assert_eq!(edits.len(), 4);
    assert!(edits.iter().all(|e| e["newText"] == "front"));
    // References are the same places.
    let refs = client.ok(
        "textDocument/references",
        json!({"textDocument": {"uri": uri}, "position": {"line": l, "character": c}, "context": {"includeDeclaration": true}}),
    );
    let ranges: Vec<&Value> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["range"])
        .collect();
    let renamed: Vec<&Value> = edits.iter().map(|e| &e["range"]).collect();
    assert_eq!(ranges, renamed);
    // An app too; a name the language refuses is an error response.
    let (l, c) = pos(&text, "app rentals", 5);
    let edit = client.ok(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": {"line": l, "character": c}, "newName": "cars"}),
    );
    assert_eq!(edit["changes"][uri.as_str()].as_array().unwrap().len(), 1);
    let bad = client.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": {"line": l, "character": c}, "newName": "Not A Name"}),
    );
    assert!(bad.unwrap_err().message.contains("not a valid name"));
    let (l, c) = pos(&text, "region eu-west-1", 2);
    assert_eq!(
        client.at("textDocument/prepareRename", &uri, l, c),
        Value::Null
    );
    client.stop();
}

#[test]
fn malformed_requests_get_errors_and_nothing_panics() {
    let dir = example("goldcar");
    let (uri, text) = read(&dir);
    let mut client = Client::start();
    let r = client.request("textDocument/hover", json!({"textDocument": 7}));
    assert_eq!(
        r.unwrap_err().code,
        lsp_server::ErrorCode::InvalidParams as i32
    );
    let r = client.request("textDocument/teleport", json!({}));
    assert_eq!(
        r.unwrap_err().code,
        lsp_server::ErrorCode::MethodNotFound as i32
    );
    let again = client.request("initialize", json!({"capabilities": {}}));
    assert_eq!(
        again.unwrap_err().code,
        lsp_server::ErrorCode::InvalidRequest as i32
    );
    // Notifications that do not fit their method are dropped.
    client.notify("textDocument/didOpen", json!({"textDocument": "?"}));
    client.notify("textDocument/didChange", json!([1, 2]));
    client.notify("$/unknown", Value::Null);
    // A document never opened: empty answers.
    let other = Url::parse("file:///nowhere/stack.kdl").unwrap();
    assert_eq!(
        client.at("textDocument/completion", &other, 0, 0),
        Value::Null
    );

    // Every prefix of a real file (as when it is typed), with garbage at
    // the end, at every line's start, middle and end: every request answers.
    client.open(&uri, "");
    let cut: Vec<usize> = (0..text.len())
        .step_by(97)
        .filter(|&i| text.is_char_boundary(i))
        .collect();
    for (v, &end) in cut.iter().enumerate() {
        let half = format!("{}\u{1F980}\"=#{{/-", &text[..end]);
        client.change(&uri, v as i32 + 2, &half);
        let lines = half.lines().count() as u32;
        for line in [0, lines / 2, lines.saturating_sub(1), lines + 3] {
            for character in [0, 3, 9, 200] {
                for method in [
                    "textDocument/completion",
                    "textDocument/hover",
                    "textDocument/definition",
                    "textDocument/prepareRename",
                ] {
                    let r = client.request(
                        method,
                        json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
                    );
                    assert!(
                        r.is_ok(),
                        "{method} on {line}:{character} of a {end}-byte prefix: {r:?}"
                    );
                }
            }
        }
        for method in ["textDocument/documentSymbol", "textDocument/formatting"] {
            let r = client.request(
                method,
                json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
            );
            assert!(r.is_ok(), "{method}: {r:?}");
        }
    }
    // The checker has seen them all too and still answers (the example's
    // warnings only).
    client.change(&uri, 100_000, &text);
    let last = client.diagnostics(&uri, Some(100_000)).diagnostics;
    assert!(!last.is_empty());
    assert!(last
        .iter()
        .all(|d| d.severity == Some(DiagnosticSeverity::WARNING)));
    client.stop();
}

#[test]
fn a_burst_of_edits_ends_with_the_newest_texts_diagnostics() {
    let dir = example("goldcar");
    let (uri, text) = read(&dir);
    let broken = text.replacen("volume \"/srv\"", "volume \"/srv", 1);
    let mut client = Client::start();
    client.open(&uri, &broken);
    for version in 2..=30 {
        client.change(
            &uri,
            version,
            if version % 2 == 0 { &text } else { &broken },
        );
    }
    client.change(&uri, 31, &broken);
    let last = client.diagnostics(&uri, Some(31));
    assert_eq!(
        last.diagnostics[0].code,
        Some(NumberOrString::String("stackc::kdl_syntax".into()))
    );
    // Whatever else was published came before, never after, the newest:
    // the notes kept so far all came before it.
    let before = client.notes.len();
    std::thread::sleep(std::time::Duration::from_millis(300));
    let r = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": uri}, "position": {"line": 0, "character": 0}}),
    );
    assert!(r.is_ok());
    assert!(
        !client.notes[before..]
            .iter()
            .any(|n| n.method == "textDocument/publishDiagnostics"),
        "published after version 31: {:?}",
        &client.notes[before..]
    );
    client.stop();
}

/// As `stackc check` does, the cookbook lint's warnings are published on the
/// cookbook file and line, and taken back once a later check no longer
/// finds them; what a build refuses in the directory (a link) is an error
/// on the stack file's `cookbooks` node.
#[test]
fn cookbook_warnings_and_refusals_are_published_as_stackc_check_reports_them() {
    let dir = example("shop");
    let (uri, text) = read(&dir);
    let recipe = dir.join("cookbooks/shop/recipes/api_tuning.rb");
    let clean = std::fs::read_to_string(&recipe).unwrap();
    std::fs::write(
        &recipe,
        format!("{clean}node.set['shop']['tuned'] = true\n"),
    )
    .unwrap();
    let recipe_uri = Url::from_file_path(&recipe).unwrap();
    let removed = Some(NumberOrString::String("stackc::chef_removed".into()));

    let mut client = Client::start();
    client.open(&uri, &text);
    let found = client.diagnostics(&recipe_uri, None).diagnostics;
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].code, removed);
    assert_eq!(found[0].severity, Some(DiagnosticSeverity::WARNING));
    assert_eq!(found[0].range.start.line as usize, clean.lines().count());
    assert!(found[0].message.contains("help: "), "{}", found[0].message);

    // Fixed on disk: the next check of the stack file takes it back.
    std::fs::write(&recipe, &clean).unwrap();
    client.change(&uri, 2, &text);
    assert_eq!(
        client
            .diagnostics(&uri, Some(2))
            .diagnostics
            .iter()
            .filter(|d| d.severity == Some(DiagnosticSeverity::ERROR))
            .count(),
        0
    );
    assert_eq!(client.diagnostics(&recipe_uri, None).diagnostics, vec![]);

    // A link in the cookbooks directory is refused on the stack file.
    std::os::unix::fs::symlink("/etc/passwd", dir.join("cookbooks/shop/recipes/passwd.rb"))
        .unwrap();
    client.change(&uri, 3, &text);
    let got = client.diagnostics(&uri, Some(3)).diagnostics;
    let refused = got
        .iter()
        .find(|d| {
            d.code
                == Some(NumberOrString::String(
                    "stackc::cookbook_not_regular_file".into(),
                ))
        })
        .unwrap_or_else(|| panic!("no refusal in {got:?}"));
    assert_eq!(refused.severity, Some(DiagnosticSeverity::ERROR));
    assert!(
        refused.message.contains("passwd.rb is a symbolic link"),
        "{}",
        refused.message
    );
    let (line, _) = pos(&text, "cookbooks \"./cookbooks\"", 0);
    assert_eq!(refused.range.start.line, line);
    client.stop();
}
