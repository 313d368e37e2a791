//! The outline of a file: the stack, its layers and apps, its environments
//! and the layers and apps they declare or override.

use lsp_types::{DocumentSymbol, SymbolKind};

use crate::document::Document;
use crate::tree::Node;

/// The document's symbols, nested.
pub fn symbols(doc: &Document) -> Vec<DocumentSymbol> {
    doc.tree()
        .nodes
        .iter()
        .filter(|n| n.name.text == "stack")
        .map(|stack| {
            let mut s = symbol(doc, stack, SymbolKind::MODULE, None);
            s.children = Some(members(doc, stack, true));
            s
        })
        .collect()
}

fn members(doc: &Document, block: &Node, environments: bool) -> Vec<DocumentSymbol> {
    let mut out = Vec::new();
    for n in block.kids() {
        let ty = n.prop("type").map(|t| t.text.clone());
        match n.name.text.as_str() {
            "layer" => out.push(symbol(doc, n, SymbolKind::CLASS, ty)),
            "app" => {
                let detail = match (ty, n.prop("layer")) {
                    (Some(t), Some(l)) => Some(format!("{t} on {}", l.text)),
                    (t, _) => t,
                };
                out.push(symbol(doc, n, SymbolKind::OBJECT, detail));
            }
            "environment" if environments => {
                let mut s = symbol(doc, n, SymbolKind::NAMESPACE, None);
                s.children = Some(members(doc, n, false));
                out.push(s);
            }
            _ => {}
        }
    }
    out
}

#[allow(deprecated)] // `deprecated` is a field every DocumentSymbol must set.
fn symbol(doc: &Document, n: &Node, kind: SymbolKind, detail: Option<String>) -> DocumentSymbol {
    let name_word = n.arg0().unwrap_or(&n.name);
    // Editors refuse a symbol without a name.
    let name = [&name_word.text, &n.name.text]
        .into_iter()
        .find(|t| !t.trim().is_empty())
        .map_or_else(|| "(unnamed)".to_string(), |t| t.clone());
    DocumentSymbol {
        name,
        detail,
        kind,
        tags: None,
        deprecated: None,
        range: doc.range(n.name.start, n.end(doc.text.len())),
        selection_range: doc.word_range(name_word),
        children: None,
    }
}
