//! stackc-lsp: `stackc lsp`, the language server of stack files, over
//! stdio. Diagnostics come from the core's checker (the same as `stackc
//! check`), formatting from its formatter; completion, hover, definitions,
//! symbols and renames read a tolerant tree of the text (`tree`), since a
//! file being edited seldom parses, and the language's schema and standard
//! library.
#![warn(missing_docs)]

mod completion;
mod definition;
pub mod diagnostics;
mod document;
mod facts;
mod handlers;
mod hover;
mod place;
pub mod position;
mod rename;
mod server;
mod symbols;
mod tree;

pub use server::{capabilities, serve};

/// Runs the server on stdin and stdout until the client says `exit`.
pub fn run_stdio() -> std::io::Result<()> {
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let served = serve(&connection);
    drop(connection);
    if let Err(e) = served {
        return Err(std::io::Error::other(e.to_string()));
    }
    io_threads.join()
}
