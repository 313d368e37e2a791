//! Each request's parameters to its feature and its answer back to LSP
//! types. A document the client has not opened gets an empty answer.

use std::collections::HashMap;

use lsp_server::ErrorCode;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CompletionParams,
    CompletionResponse, DocumentFormattingParams, DocumentSymbolParams, DocumentSymbolResponse,
    GotoDefinitionParams, GotoDefinitionResponse, Hover, HoverContents, HoverParams, Location,
    MarkupContent, MarkupKind, PrepareRenameResponse, ReferenceParams, RenameParams,
    TextDocumentPositionParams, TextEdit, WorkspaceEdit,
};
use stackc_core::units;

use crate::document::Document;
use crate::rename;
use crate::server::State;
use crate::{completion, definition, hover as hovering, symbols as outline};

fn doc<'s>(state: &'s State, p: &TextDocumentPositionParams) -> Option<(&'s Document, usize)> {
    let doc = state.docs.get(&p.text_document.uri)?;
    Some((doc, doc.offset(p.position)))
}

pub fn completion(state: &State, p: CompletionParams) -> Option<CompletionResponse> {
    let (doc, offset) = doc(state, &p.text_document_position)?;
    Some(CompletionResponse::Array(completion::complete(
        doc,
        offset,
        &state.root,
    )))
}

pub fn hover(state: &State, p: HoverParams) -> Option<Hover> {
    let (doc, offset) = doc(state, &p.text_document_position_params)?;
    let (text, word) = hovering::hover(doc, offset, &state.root)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::PlainText,
            value: text,
        }),
        range: Some(doc.word_range(word)),
    })
}

pub fn definition(state: &State, p: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let (doc, offset) = doc(state, &p.text_document_position_params)?;
    definition::definition(doc, offset, &state.root).map(GotoDefinitionResponse::Scalar)
}

/// `stackc fmt`'s canonical form as one edit of the whole text; none when
/// the text is already canonical or is not valid KDL (nothing to format).
pub fn formatting(state: &State, p: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
    let doc = state.docs.get(&p.text_document.uri)?;
    let formatted = stackc_core::fmt::format_source(&doc.text).ok()?;
    if formatted == doc.text {
        return Some(Vec::new());
    }
    Some(vec![TextEdit::new(doc.range(0, doc.text.len()), formatted)])
}

pub fn symbols(state: &State, p: DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
    let doc = state.docs.get(&p.text_document.uri)?;
    Some(DocumentSymbolResponse::Nested(outline::symbols(doc)))
}

pub fn prepare_rename(
    state: &State,
    p: TextDocumentPositionParams,
) -> Option<PrepareRenameResponse> {
    let (doc, offset) = doc(state, &p)?;
    let (_, word) = rename::target(doc.tree(), offset)?;
    Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: doc.word_range(word),
        placeholder: word.text.clone(),
    })
}

/// Every place that names the layer or app at the cursor (its declarations
/// included, whatever the client asks: they are where it is named too).
pub fn references(state: &State, p: ReferenceParams) -> Option<Vec<Location>> {
    let (doc, offset) = doc(state, &p.text_document_position)?;
    let (target, _) = rename::target(doc.tree(), offset)?;
    Some(
        rename::references(doc.tree(), &target)
            .into_iter()
            .map(|w| Location::new(doc.uri.clone(), doc.word_range(w)))
            .collect(),
    )
}

/// Renames a layer or an app everywhere in the file; a name the language
/// would refuse is an error response.
pub fn rename(
    state: &State,
    p: RenameParams,
) -> Result<Option<WorkspaceEdit>, (ErrorCode, String)> {
    let Some((doc, offset)) = doc(state, &p.text_document_position) else {
        return Ok(None);
    };
    let Some((target, _)) = rename::target(doc.tree(), offset) else {
        return Err((
            ErrorCode::InvalidRequest,
            "only a layer or an app can be renamed".into(),
        ));
    };
    units::name(&p.new_name).map_err(|e| (ErrorCode::InvalidParams, e))?;
    let edits: Vec<TextEdit> = rename::references(doc.tree(), &target)
        .into_iter()
        .map(|w| TextEdit::new(doc.word_range(w), rename::spelling(w, &p.new_name)))
        .collect();
    let mut changes = HashMap::new();
    changes.insert(doc.uri.clone(), edits);
    Ok(Some(WorkspaceEdit::new(changes)))
}

/// A quick fix for each diagnostic of the request that carries one (the
/// checker's machine-applicable replacements, kept in the diagnostic's
/// `data`).
pub fn code_actions(state: &State, p: CodeActionParams) -> Option<Vec<CodeActionOrCommand>> {
    let doc = state.docs.get(&p.text_document.uri)?;
    let mut out = Vec::new();
    for d in &p.context.diagnostics {
        let Some(fix) = d.data.as_ref().and_then(|data| data.get("fix")) else {
            continue;
        };
        let Ok(edit) = serde_json::from_value::<TextEdit>(fix.clone()) else {
            continue;
        };
        let mut changes = HashMap::new();
        changes.insert(doc.uri.clone(), vec![edit.clone()]);
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Replace with {}", edit.new_text),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![d.clone()]),
            edit: Some(WorkspaceEdit::new(changes)),
            is_preferred: Some(true),
            ..CodeAction::default()
        }));
    }
    Some(out)
}
