//! Importers: another tool's description of a fleet turned into a stack
//! file. Pure like the rest of the core: the caller reads the files and
//! hands over their text; an importer returns the stack file's text and
//! what it could not carry over, as warnings.

pub(crate) mod kdl;
pub mod opsworks;

use std::fmt;

use crate::diag::Diagnostic;

/// Something an importer could not carry over exactly, and what it did
/// instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// What it is about: `stack "goldcar"`, `layer "web"`, `app "rentals"`.
    pub subject: String,
    /// What happened and what to do.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.subject, self.message)
    }
}

/// A problem with one input file; the diagnostic's span points into it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileError {
    /// The file's name, such as `describe-layers.json`.
    pub file: String,
    /// What is wrong, where.
    pub diagnostic: Diagnostic,
}

/// An imported stack file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The stack file, in the canonical form of `stackc fmt`.
    pub kdl: String,
    /// What was not carried over exactly, in file order.
    pub warnings: Vec<Warning>,
}
