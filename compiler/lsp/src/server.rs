//! The server: the initialize handshake, the open documents, and each
//! request and notification dispatched to its feature. A request whose
//! parameters do not fit its method, for a method the server does not
//! know, or whose handler panics, gets an error response; the server goes
//! on.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    InitializeParams, OneOf, RenameOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, Url, WorkDoneProgressOptions,
};
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use crate::diagnostics::{Checker, Job};
use crate::document::{file_path, Document};
use crate::handlers;

/// What the server can do, as `initialize` answers.
pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec!["=".into(), ":".into()]),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(lsp_types::HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        ..ServerCapabilities::default()
    }
}

/// Serves one client on `connection` until it asks the server to exit.
pub fn serve(connection: &Connection) -> Result<(), lsp_server::ProtocolError> {
    let (id, params) = connection.initialize_start()?;
    let init: Option<InitializeParams> = serde_json::from_value(params).ok();
    let result = serde_json::json!({
        "capabilities": capabilities(),
        "serverInfo": ServerInfo {
            name: "stackc".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        },
    });
    // Not `initialize_finish`, which takes anything but `initialized` next
    // as the end of the session: a client that sends a document first is
    // served all the same.
    if connection
        .sender
        .send(Response::new_ok(id, result).into())
        .is_err()
    {
        return Ok(());
    }
    let sender = connection.sender.clone();
    let checker = Checker::start(move |n| {
        let _ = sender.send(Message::Notification(n));
    });
    let mut state = State {
        docs: HashMap::new(),
        root: root_dir(init.as_ref()),
        checker,
    };
    for msg in &connection.receiver {
        match msg {
            Message::Request(req) => {
                if connection.handle_shutdown(&req)? {
                    return Ok(());
                }
                let response = state.request(req);
                if connection.sender.send(response.into()).is_err() {
                    return Ok(());
                }
            }
            Message::Notification(n) if n.method == "exit" => return Ok(()),
            Message::Notification(n) => state.notification(n),
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// The directory a document that is not a file resolves its paths against:
/// the workspace's root, else the server's directory.
fn root_dir(init: Option<&InitializeParams>) -> PathBuf {
    #[allow(deprecated)] // root_uri: what clients without workspace folders send.
    let from_client = init.and_then(|p| {
        p.workspace_folders
            .as_ref()
            .and_then(|f| f.first())
            .map(|f| f.uri.clone())
            .or_else(|| p.root_uri.clone())
    });
    from_client
        .as_ref()
        .and_then(file_path)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The open documents and the checking thread.
pub struct State {
    pub(crate) docs: HashMap<Url, Document>,
    pub(crate) root: PathBuf,
    checker: Checker,
}

impl State {
    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let method = req.method.clone();
        match catch_unwind(AssertUnwindSafe(|| self.dispatch(req))) {
            Ok(Ok(result)) => Response::new_ok(id, result),
            Ok(Err((code, message))) => Response::new_err(id, code as i32, message),
            Err(_) => Response::new_err(
                id,
                ErrorCode::InternalError as i32,
                format!("stackc lsp failed on {method}; please report it"),
            ),
        }
    }

    fn dispatch(&mut self, req: Request) -> Result<Json, (ErrorCode, String)> {
        use lsp_types::request::*;
        let json = |v: Result<Json, serde_json::Error>| {
            v.map_err(|e| (ErrorCode::InternalError, e.to_string()))
        };
        match req.method.as_str() {
            Completion::METHOD => json(serde_json::to_value(handlers::completion(
                self,
                params(req)?,
            ))),
            HoverRequest::METHOD => json(serde_json::to_value(handlers::hover(self, params(req)?))),
            GotoDefinition::METHOD => json(serde_json::to_value(handlers::definition(
                self,
                params(req)?,
            ))),
            Formatting::METHOD => json(serde_json::to_value(handlers::formatting(
                self,
                params(req)?,
            ))),
            DocumentSymbolRequest::METHOD => {
                json(serde_json::to_value(handlers::symbols(self, params(req)?)))
            }
            PrepareRenameRequest::METHOD => json(serde_json::to_value(handlers::prepare_rename(
                self,
                params(req)?,
            ))),
            References::METHOD => json(serde_json::to_value(handlers::references(
                self,
                params(req)?,
            ))),
            Rename::METHOD => json(serde_json::to_value(handlers::rename(self, params(req)?)?)),
            CodeActionRequest::METHOD => json(serde_json::to_value(handlers::code_actions(
                self,
                params(req)?,
            ))),
            Initialize::METHOD => Err((
                ErrorCode::InvalidRequest,
                "the server is already initialized".into(),
            )),
            other => Err((
                ErrorCode::MethodNotFound,
                format!("stackc lsp does not handle {other}"),
            )),
        }
    }

    fn notification(&mut self, n: Notification) {
        use lsp_types::notification::*;
        let _ = catch_unwind(AssertUnwindSafe(|| match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(n.params)
                {
                    let d = p.text_document;
                    self.open(Document::new(d.uri, d.text, d.version));
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(n.params)
                {
                    // Full sync: the last change holds the whole text.
                    if let Some(change) = p.content_changes.into_iter().last() {
                        let d = p.text_document;
                        self.open(Document::new(d.uri, change.text, d.version));
                    }
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(n.params)
                {
                    self.docs.remove(&p.text_document.uri);
                    self.checker.send(Job::Clear(p.text_document.uri));
                }
            }
            _ => {}
        }));
    }

    /// Keeps a document's new text and has it checked.
    fn open(&mut self, doc: Document) {
        self.checker.send(Job::Check {
            uri: doc.uri.clone(),
            version: doc.version,
            text: doc.text.clone(),
            base_dir: doc.base_dir(&self.root),
        });
        self.docs.insert(doc.uri.clone(), doc);
    }
}

/// A request's parameters, or the error response for parameters that do
/// not fit its method.
fn params<P: DeserializeOwned>(req: Request) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(req.params).map_err(|e| {
        (
            ErrorCode::InvalidParams,
            format!("invalid parameters for {}: {e}", req.method),
        )
    })
}
