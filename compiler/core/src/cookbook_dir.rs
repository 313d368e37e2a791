//! The stack's own cookbooks directory, read as a build reads it (regular
//! files only, no link followed), and linted for the calls the Chef clients
//! of the layers that run it removed, deprecated or do not have yet. `stackc
//! check`, `stackc build` and `stackc lsp` read it here.

use std::path::{Path, PathBuf};

use crate::chef::{lint, Runtime};
use crate::diag::{Code, Diagnostic, Span};
use crate::emit::bundle::CookbookFile;
use crate::ir::Stack;

/// Why the stack's cookbooks cannot go into the bundle.
pub enum Error {
    /// Entries that are not regular files or directories (links, FIFOs,
    /// sockets, devices), or a cookbooks directory that is a link: one
    /// diagnostic each, at the stack file's `cookbooks` node.
    Refused(Vec<Diagnostic>),
    /// A file or directory could not be read.
    Io(PathBuf, std::io::Error),
}

/// The regular files of the stack's cookbooks directory, sorted by path,
/// hidden entries (`.git`, `.kitchen`) skipped and never opened. Nothing is
/// followed: a symbolic link, FIFO, socket or device anywhere inside, or a
/// cookbooks directory that is itself a link, is refused with a diagnostic
/// naming it (all of them, not only the first), so nothing outside the
/// directory, such as /proc/self/environ or ~/.aws/credentials, can enter
/// the bundle. Every command that bundles cookbooks reads them here.
pub fn read(dir: Option<&Path>, span: Span) -> Result<Vec<CookbookFile>, Error> {
    let Some(dir) = dir else {
        return Ok(Vec::new());
    };
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |e| Error::Io(path, e)
    };
    let mut walk = Walk {
        root: dir,
        span,
        files: Vec::new(),
        refused: Vec::new(),
    };
    let top = std::fs::symlink_metadata(dir).map_err(io(dir))?;
    if top.file_type().is_symlink() {
        walk.refuse(dir, top.file_type());
    } else {
        walk.dir(dir)?;
    }
    if !walk.refused.is_empty() {
        return Err(Error::Refused(walk.refused));
    }
    walk.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(walk.files)
}

/// The state of [`read`]' walk.
struct Walk<'a> {
    root: &'a Path,
    span: Span,
    files: Vec<CookbookFile>,
    refused: Vec<Diagnostic>,
}

impl Walk<'_> {
    fn dir(&mut self, dir: &Path) -> Result<(), Error> {
        let io = |e| Error::Io(dir.to_path_buf(), e);
        for entry in std::fs::read_dir(dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            // The entry itself, not what a link points to.
            let ty = entry.file_type().map_err(io)?;
            if ty.is_dir() {
                self.dir(&path)?;
            } else if ty.is_file() {
                self.file(&path)?;
            } else {
                self.refuse(&path, ty);
            }
        }
        Ok(())
    }

    /// Reads a regular file without following a link or waiting on a FIFO
    /// that replaced it since the directory was listed.
    fn file(&mut self, path: &Path) -> Result<(), Error> {
        use std::io::Read as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let io = |e| Error::Io(path.to_path_buf(), e);
        let mut file = match std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(path)
        {
            Ok(f) => f,
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                let ty = std::fs::symlink_metadata(path).map_err(io)?.file_type();
                self.refuse(path, ty);
                return Ok(());
            }
            Err(e) => return Err(io(e)),
        };
        let ty = file.metadata().map_err(io)?.file_type();
        if !ty.is_file() {
            self.refuse(path, ty);
            return Ok(());
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let rel = path
            .strip_prefix(self.root)
            .unwrap_or(path)
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        self.files.push(CookbookFile { path: rel, bytes });
        Ok(())
    }

    fn refuse(&mut self, path: &Path, ty: std::fs::FileType) {
        use std::os::unix::fs::FileTypeExt as _;
        let shown = path.display();
        let (what, help) = if ty.is_symlink() {
            let target = std::fs::read_link(path)
                .map(|t| t.display().to_string())
                .unwrap_or_else(|_| "?".into());
            let what = if path.exists() {
                format!("a symbolic link (to {target})")
            } else {
                format!("a symbolic link (to {target}, which does not exist)")
            };
            let help = if path == self.root {
                format!("name the directory the link points to in the stack file (`cookbooks \"{target}\"`)")
            } else if path.is_file() {
                format!("replace the link with a copy of its file (`cp --remove-destination \"$(readlink -f {shown})\" {shown}`), or remove it")
            } else {
                "replace the link with a copy of what it points to, or remove it".into()
            };
            (what, help)
        } else {
            let what = if ty.is_fifo() {
                "a FIFO (named pipe)"
            } else if ty.is_socket() {
                "a socket"
            } else if ty.is_block_device() {
                "a block device"
            } else if ty.is_char_device() {
                "a character device"
            } else {
                "not a regular file"
            };
            (
                what.to_string(),
                "remove it: only regular files and directories belong in a cookbook".to_string(),
            )
        };
        self.refused.push(
            Diagnostic::error(
                Code::CookbookNotRegularFile,
                self.span,
                format!("{shown} is {what}; only regular files inside the cookbooks directory enter the bundle, and stackc follows no link"),
            )
            .label("cookbooks directory")
            .help(help),
        );
    }
}

/// The findings of the cookbook lint in one file.
#[derive(Debug)]
pub struct Findings {
    /// The file: the cookbooks directory joined with its path inside.
    pub path: PathBuf,
    /// Its text.
    pub text: String,
    /// The warnings, with spans in `text`.
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads each cookbooks directory of `stacks` once and lints its Ruby for
/// the Chef clients of every layer with instances that runs it: the files
/// with findings, in the order of the directories and their files. The
/// resources the directory's cookbooks define are available whatever the
/// client, so they are collected first.
pub fn lint<'a>(stacks: impl IntoIterator<Item = &'a Stack>) -> Result<Vec<Findings>, Error> {
    let mut dirs: Vec<(&Option<PathBuf>, Span, Vec<Runtime>)> = Vec::new();
    for stack in stacks {
        let at = match dirs.iter().position(|(d, _, _)| *d == &stack.cookbooks) {
            Some(at) => at,
            None => {
                dirs.push((&stack.cookbooks, stack.cookbooks_span, Vec::new()));
                dirs.len() - 1
            }
        };
        for host in stack.layers.iter().filter(|l| l.has_instances()) {
            if !dirs[at].2.contains(&host.chef) {
                dirs[at].2.push(host.chef.clone());
            }
        }
    }
    let mut out = Vec::new();
    for (dir, span, runtimes) in dirs {
        let files = read(dir.as_deref(), span)?;
        let Some(dir) = dir else { continue };
        let texts: Vec<(&str, &str)> = files
            .iter()
            .filter_map(|f| Some((f.path.as_str(), std::str::from_utf8(&f.bytes).ok()?)))
            .collect();
        let defined = lint::Defined::collect(texts.iter().copied());
        for (path, text) in texts {
            let diagnostics = lint::lint(path, text, &runtimes, &defined);
            if !diagnostics.is_empty() {
                out.push(Findings {
                    path: dir.join(path),
                    text: text.to_string(),
                    diagnostics,
                });
            }
        }
    }
    Ok(out)
}
