//! `stackc lsp`: the language server (stackc-lsp) on stdin and stdout.

use super::Status;

pub fn run() -> Status {
    match stackc_lsp::run_stdio() {
        Ok(()) => Status::Ok,
        Err(e) => {
            eprintln!("error: stackc lsp: {e}");
            Status::UserError
        }
    }
}
