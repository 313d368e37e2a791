//! `stackc build`: compile every environment (or one) into
//! `OUT/<stack>-<env>/`: template(s), node JSON, the cookbook bundle and
//! `manifest.json`.

use std::path::{Path, PathBuf};

use stackc_core::cookbook_dir::{self, Error as CookbooksError};
use stackc_core::diag::Diagnostic;
use stackc_core::emit::bundle::CookbookFile;
use stackc_core::emit::{self, Artifact, Format};
use stackc_core::ir::{Program, Stack};

use super::Status;
use crate::cli::MessageFormat;
use crate::output;

/// Selects the environments named by `--env` (all when absent).
pub fn environments<'a>(program: &'a Program, env: Option<&str>) -> Result<Vec<&'a Stack>, Status> {
    let names: Vec<&str> = program
        .environments
        .iter()
        .map(|e| e.env.as_str())
        .collect();
    let names = select(&program.name, names, env)?;
    Ok(program
        .environments
        .iter()
        .filter(|e| names.contains(&e.env.as_str()))
        .collect())
}

/// The names of `stack`'s environments selected by `--env` (all when
/// absent); an unknown one is a usage error listing those there are.
fn select<'a>(stack: &str, names: Vec<&'a str>, env: Option<&str>) -> Result<Vec<&'a str>, Status> {
    let Some(wanted) = env else {
        return Ok(names);
    };
    match names.iter().find(|n| **n == wanted) {
        Some(name) => Ok(vec![*name]),
        None => {
            eprintln!(
                "error: stack `{stack}` has no environment `{wanted}`; it has: {}",
                names.join(", ")
            );
            Err(Status::Usage)
        }
    }
}

/// Prints why the cookbooks cannot go into the bundle, as every command
/// that builds does.
pub fn print_cookbooks_error(
    e: &CookbooksError,
    format: MessageFormat,
    file_name: &str,
    source: &str,
) {
    match e {
        CookbooksError::Refused(diags) => output::print(format, diags, file_name, source),
        CookbooksError::Io(path, e) => {
            eprintln!("error: cannot read {} (cookbooks): {e}", path.display());
        }
    }
}

/// What a build wrote.
pub struct Built {
    /// `out/<stack>-<env>/`.
    pub dir: PathBuf,
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: usize,
}

/// Why a build wrote nothing.
pub enum BuildError {
    /// The cookbooks cannot go into the bundle.
    Cookbooks(CookbooksError),
    /// The stack does not build (its diagnostics).
    Diagnostics(Vec<Diagnostic>),
    /// `out/<stack>-<env>/` could not be written.
    Io(PathBuf, std::io::Error),
}

impl BuildError {
    /// Prints it as every command that builds does.
    pub fn print(&self, format: MessageFormat, file_name: &str, source: &str) {
        match self {
            BuildError::Cookbooks(e) => print_cookbooks_error(e, format, file_name, source),
            BuildError::Diagnostics(diags) => output::print(format, diags, file_name, source),
            BuildError::Io(dir, e) => eprintln!("error: cannot write {}: {e}", dir.display()),
        }
    }
}

/// Builds one environment into `out/<stack>-<env>/` as [`build_into_dir`]
/// does, printing what failed (deploy and `run` build first).
#[cfg(feature = "aws")]
pub fn build_to_dir(
    format: MessageFormat,
    file_name: &str,
    source: &str,
    stack: &Stack,
    template_format: Format,
    out: &Path,
    nodes: bool,
) -> Result<Built, Status> {
    build_into_dir(stack, None, template_format, out, nodes).map_err(|e| {
        e.print(format, file_name, source);
        Status::UserError
    })
}

/// Builds one environment into `out/<stack>-<env>/`. Each artifact is
/// written as it is made into a directory of this build's own beside it,
/// which then takes the old one's place in one atomic step (see
/// [`swap_in`]): builds running at once into one `out/` all succeed, and
/// the directory is always one whole build. A file the previous build
/// wrote with the same contents is linked into the new build rather than
/// written again (a rebuild after a small edit makes few new files).
/// `user` are the stack's cookbooks when the caller has read them already.
/// Writes nothing when the cookbooks are refused.
pub fn build_into_dir(
    stack: &Stack,
    user: Option<&[CookbookFile]>,
    template_format: Format,
    out: &Path,
    nodes: bool,
) -> Result<Built, BuildError> {
    let read;
    let user = match user {
        Some(files) => files,
        None => {
            read = cookbook_dir::read(stack.cookbooks.as_deref(), stack.cookbooks_span)
                .map_err(BuildError::Cookbooks)?;
            &read
        }
    };
    let name = stack.qualified_name();
    let dir = out.join(&name);
    let io_error = |e: std::io::Error| BuildError::Io(dir.clone(), e);
    std::fs::create_dir_all(out).map_err(io_error)?;
    sweep_abandoned(out, &name);
    let tmp = fresh_dir(out, &name).map_err(io_error)?;
    let mut failed: Option<std::io::Error> = None;
    let (mut files, mut bytes) = (0, 0);
    // Writes one file of the build; the first error stops the writing.
    let mut write = |path: &str, contents: &[u8]| {
        if failed.is_some() {
            return;
        }
        let result = write_or_link(&dir.join(path), &tmp.join(path), contents);
        match result {
            Ok(()) => {
                files += 1;
                bytes += contents.len();
            }
            Err(e) => failed = Some(e),
        }
    };
    let built = emit::build_into(stack, user, template_format, &mut |a: Artifact| {
        write(&a.path, &a.bytes)
    });
    if let Err(diags) = built {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(BuildError::Diagnostics(diags));
    }
    // Copies of the bundle's node JSON to read: not artifacts, so not in
    // the manifest.
    if nodes {
        emit::node_files(stack, true, &mut |path, text| write(path, text.as_bytes()));
    }
    if let Some(e) = failed {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(io_error(e));
    }
    if let Err(e) = swap_in(&tmp, &dir) {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(io_error(e));
    }
    Ok(Built { dir, files, bytes })
}

/// Writes `contents` at `path`, or links `previous` there when that file,
/// of the build being replaced, holds exactly these bytes. No file is ever
/// written in place: a linked file is shared only with a build that is
/// about to be removed.
fn write_or_link(previous: &Path, path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let same = std::fs::symlink_metadata(previous)
        .is_ok_and(|m| m.is_file() && m.len() == contents.len() as u64)
        && std::fs::read(previous).is_ok_and(|old| old == contents);
    // The previous build may be swapped out meanwhile: then write.
    if same && std::fs::hard_link(previous, path).is_ok() {
        return Ok(());
    }
    std::fs::write(path, contents)
}

/// The prefix of the directories builds of `name` write into.
fn tmp_prefix(name: &str) -> String {
    format!(".{name}.tmp-")
}

/// A new, empty directory beside `out/<name>` that no other build uses:
/// named after this process and a counter, created exclusively.
fn fresh_dir(out: &Path, name: &str) -> std::io::Result<PathBuf> {
    static BUILDS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    loop {
        let n = BUILDS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = out.join(format!("{}{}-{n}", tmp_prefix(name), std::process::id()));
        match std::fs::create_dir(&tmp) {
            Ok(()) => return Ok(tmp),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Removes what builds of `name` that were killed left in `out/`: their
/// directories name a process that no longer runs.
fn sweep_abandoned(out: &Path, name: &str) {
    let prefix = tmp_prefix(name);
    let Ok(entries) = std::fs::read_dir(out) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        if pid.is_some_and(|p| !stackc_core::process::alive(p)) {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// Puts the finished build `tmp` at `dir` atomically and removes what was
/// there: at no moment is `dir` missing or a mix of two builds. Another
/// build may swap its own in at the same time; each swap is whole, so the
/// last one stays.
fn swap_in(tmp: &Path, dir: &Path) -> std::io::Result<()> {
    loop {
        match std::fs::rename(tmp, dir) {
            Ok(()) => return Ok(()),
            // `dir` exists: a directory cannot be renamed over a full one.
            Err(_) if dir.is_dir() => match exchange(tmp, dir) {
                // `tmp` now holds the previous build.
                Ok(()) => return std::fs::remove_dir_all(tmp),
                // `dir` went away in between: rename again.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            },
            Err(e) => return Err(e),
        }
    }
}

/// Exchanges two directories in one step (Linux `renameat2` with
/// `RENAME_EXCHANGE`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt as _;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both paths are NUL-terminated C strings that outlive the call.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Elsewhere: the old build is moved aside first, so `dir` is missing for
/// a moment (a reader may see no build, never a mix).
#[cfg(not(target_os = "linux"))]
fn exchange(tmp: &Path, dir: &Path) -> std::io::Result<()> {
    let aside = fresh_dir(dir.parent().unwrap_or(Path::new(".")), "replaced")?;
    std::fs::remove_dir(&aside)?;
    std::fs::rename(dir, &aside)?;
    std::fs::rename(tmp, dir)?;
    std::fs::rename(&aside, tmp)
}

pub fn run(
    format: MessageFormat,
    path: &Path,
    env: Option<&str>,
    out: &Path,
    template_format: Format,
    nodes: bool,
) -> Status {
    // The whole file is checked once (every diagnostic, every environment
    // resolved); then the environments build side by side, as many at once
    // as there are processors, and what each did is printed in the file's
    // order.
    let (file, program) = match super::check::load(format, path) {
        Ok(x) => x,
        Err(status) => return status,
    };
    let stacks = match environments(&program, env) {
        Ok(s) => s,
        Err(status) => return status,
    };
    // Environments share their cookbooks directory (unless one names its
    // own): each directory is read once.
    type Read = Result<Vec<CookbookFile>, CookbooksError>;
    let mut cookbooks: Vec<(Option<&Path>, Read)> = Vec::new();
    for stack in &stacks {
        let dir = stack.cookbooks.as_deref();
        if !cookbooks.iter().any(|(d, _)| *d == dir) {
            cookbooks.push((dir, cookbook_dir::read(dir, stack.cookbooks_span)));
        }
    }
    let mut status = Status::Ok;
    for (_, read) in &cookbooks {
        if let Err(e) = read {
            print_cookbooks_error(e, format, &file.name(), &file.text);
            status = Status::UserError;
        }
    }
    let results = parallel(&stacks, |stack| {
        let dir = stack.cookbooks.as_deref();
        // Those whose cookbooks were refused (said above) do not build.
        let Some((_, Ok(user))) = cookbooks.iter().find(|(d, _)| *d == dir) else {
            return None;
        };
        Some(build_into_dir(
            stack,
            Some(user),
            template_format,
            out,
            nodes,
        ))
    });
    for (stack, result) in stacks.iter().zip(results) {
        match result {
            Some(Ok(built)) if format == MessageFormat::Human => {
                eprintln!(
                    "built {} → {} ({} files, {} bytes)",
                    stack.qualified_name(),
                    built.dir.display(),
                    built.files,
                    built.bytes
                );
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                e.print(format, &file.name(), &file.text);
                status = Status::UserError;
            }
            None => {}
        }
    }
    status
}

/// `job` of each of `items`, run on up to as many threads as there are
/// processors; the results in the order of `items`.
fn parallel<T: Sync, R: Send>(items: &[T], job: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(&job).collect();
    }
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            return mine;
                        };
                        mine.push((i, job(item)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| match w.join() {
                Ok(results) => results,
                // A panicking job panics the build, as it would unthreaded.
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}
