//! A seeded mutation fuzzer over what a user runs: `check` (parse, check,
//! diagnostics rendered for a terminal and as JSON), `fmt` (and that its
//! output is a fixed point) and `build` (every environment emitted to
//! artifacts in memory, as `stackc build` does).
//!
//! Inputs are mutations of a corpus (the examples, tests/bad, the formatter's
//! fixtures): byte and token edits, splices between corpus files, long
//! lines, deep nesting, repeated lines and properties, unicode, huge numbers.
//! Input `i` of seed `s` depends on `(s, i)` alone, so any input can be made
//! again with `--seed s --start i --count 1`.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use stackc_core::check::{check_source, AllExist, Options};
use stackc_core::diag::{self, Code, Diagnostic, Span};
use stackc_core::emit::{self, Format};
use stackc_core::{fmt, syntax};

/// A small, fast, seedable generator (SplitMix64): the fuzzer needs
/// reproducible choices, not cryptographic ones.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator for input `index` of run `seed`.
    pub fn for_input(seed: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.bits();
        r
    }

    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.bits() % n as u64) as usize
        }
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The files mutations start from, and the words found in them.
pub struct Corpus {
    /// (name, bytes) of each file.
    pub files: Vec<(String, Vec<u8>)>,
    /// Whitespace-separated words of every file: node names, properties, values.
    words: Vec<Vec<u8>>,
}

impl Corpus {
    /// The examples, tests/bad and the formatter's fixtures under `root`.
    pub fn load(root: &Path) -> std::io::Result<Corpus> {
        let mut paths: Vec<PathBuf> = Vec::new();
        for dir in [
            "examples",
            "tests/bad",
            "tests/fixtures",
            "compiler/core/src/fmt/fixtures",
        ] {
            collect_kdl(&root.join(dir), &mut paths)?;
        }
        paths.sort();
        let mut files = Vec::new();
        for p in paths {
            let name = p.strip_prefix(root).unwrap_or(&p).display().to_string();
            files.push((name, std::fs::read(&p)?));
        }
        let mut words: Vec<Vec<u8>> = files
            .iter()
            .flat_map(|(_, b)| b.split(|c| c.is_ascii_whitespace()))
            .filter(|w| !w.is_empty() && w.len() < 80)
            .map(<[u8]>::to_vec)
            .collect();
        words.sort();
        words.dedup();
        Ok(Corpus { files, words })
    }
}

fn collect_kdl(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !dir.is_dir() {
        return Ok(());
    }
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_kdl(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "kdl") {
            out.push(path);
        }
    }
    Ok(())
}

/// KDL syntax and values that stress the reader and the checker.
const PIECES: &[&str] = &[
    "{",
    "}",
    "\"",
    "=",
    "#",
    "/-",
    "//",
    "/*",
    "*/",
    "\\",
    ";",
    "\n",
    "\r\n",
    "\t",
    " ",
    "(",
    ")",
    "#true",
    "#false",
    "#null",
    "#inf",
    "#-inf",
    "#nan",
    "r#\"",
    "\"#",
    "\"\"\"\n",
    "\n\"\"\"",
    "0",
    "-1",
    "1.5",
    "1e999999",
    "-0",
    "0x",
    "0xffffffffffffffffffffffffffffffffff",
    "0b102",
    "0o9",
    "1_000",
    "99999999999999999999999999999999999999999",
    "1.",
    ".5",
    "1e",
    "é",
    "漢",
    "🦀",
    "\u{200b}",
    "\u{feff}",
    "\u{202e}",
    "\u{0301}",
    "\u{0}",
    "\u{7f}",
    "\u{85}",
    "\u{2028}",
    "ﬀ",
    "\u{fffd}",
    "layer x type=custom",
    "on web",
    "environment staging {",
    "stack s {",
    "type=",
    "count=",
    "min=",
    "max=",
    "10000000000",
    "-9223372036854775809",
    "\"\\u{10ffff}\"",
    "\"\\u{d800}\"",
    "\"\\\n\"",
    "(i8)",
    "(u64)1",
];

/// Writes `n` copies of `unit` at `at`.
fn insert_repeated(bytes: &mut Vec<u8>, at: usize, unit: &[u8], n: usize) {
    let piece: Vec<u8> = unit.iter().copied().cycle().take(unit.len() * n).collect();
    bytes.splice(at..at, piece);
}

/// Byte offsets of the starts of lines.
fn line_starts(bytes: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .filter(|&i| i < bytes.len())
        .collect()
}

/// The line (without its end) starting at a random line start.
fn random_line(rng: &mut Rng, bytes: &[u8]) -> (usize, usize) {
    let starts = line_starts(bytes);
    if starts.is_empty() {
        return (0, 0);
    }
    let start = *rng.pick(&starts);
    let end = bytes[start..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |p| start + p + 1);
    (start, end)
}

/// Applies one random mutation.
fn mutate_once(rng: &mut Rng, corpus: &Corpus, bytes: &mut Vec<u8>) {
    let len = bytes.len();
    let at = rng.below(len + 1);
    // The large mutations (repeated lines, long lines, deep nesting, many
    // properties) are rarer: they make inputs of 100 KB and more.
    let mut kind = rng.below(15);
    if (10..=13).contains(&kind) && rng.below(4) != 0 {
        kind = rng.below(10);
    }
    match kind {
        0 => {
            if len > 0 {
                let i = rng.below(len);
                bytes[i] = rng.bits() as u8;
            }
        }
        1 => {
            let end = (at + 1 + rng.below(64)).min(len);
            bytes.drain(at.min(end)..end);
        }
        2 | 3 => {
            let piece = rng.pick(PIECES).as_bytes();
            bytes.splice(at..at, piece.iter().copied());
        }
        4 | 5 => {
            let word = rng.pick(&corpus.words).clone();
            let sep = *rng.pick(&[b" ".as_slice(), b"\n", b"=", b""]);
            bytes.splice(at..at, sep.iter().chain(&word).copied());
        }
        6 => {
            let end = (at + 1 + rng.below(256)).min(len);
            let copy = bytes[at.min(end)..end].to_vec();
            bytes.splice(end..end, copy);
        }
        7 => {
            // Splice: a piece of another corpus file replaces a piece of this one.
            let other = &rng.pick(&corpus.files).1;
            let from = rng.below(other.len() + 1);
            let to = (from + rng.below(512)).min(other.len());
            let end = (at + rng.below(128)).min(len);
            bytes.splice(at..end, other[from..to].iter().copied());
        }
        8 => {
            let (a, b) = (random_line(rng, bytes), random_line(rng, bytes));
            let (first, second) = if a.0 <= b.0 { (a, b) } else { (b, a) };
            if first.1 <= second.0 {
                let second_text = bytes[second.0..second.1].to_vec();
                let first_text = bytes[first.0..first.1].to_vec();
                bytes.splice(second.0..second.1, first_text);
                bytes.splice(first.0..first.1, second_text);
            }
        }
        9 => {
            let (start, end) = random_line(rng, bytes);
            bytes.drain(start..end);
        }
        10 => {
            // A line repeated: many layers, apps, rules, duplicates.
            let (start, end) = random_line(rng, bytes);
            let line = bytes[start..end].to_vec();
            let n = *rng.pick(&[2, 10, 100, 1000]);
            insert_repeated(bytes, end, &line, n);
        }
        11 => {
            // A long line: past column 65,535 and beyond.
            let n = *rng.pick(&[100, 1000, 65_535, 65_536, 70_000]);
            let unit = *rng.pick(&[b"x".as_slice(), b" ", b"a=1 ", "é".as_bytes(), b"\"", b"{"]);
            insert_repeated(bytes, at, unit, n / unit.len());
        }
        12 => {
            let depth = *rng.pick(&[10, 63, 64, 65, 200, 2000]);
            let open = *rng.pick(&[b"a {".as_slice(), b"custom-json {", b"{", b"layer x {"]);
            insert_repeated(bytes, at, open, depth);
            let close_at = rng.below(bytes.len() + 1).max(at + open.len() * depth);
            insert_repeated(bytes, close_at.min(bytes.len()), b"}", depth);
        }
        13 => {
            // Many properties on one node.
            let n = *rng.pick(&[10, 100, 1000]);
            let prop = *rng.pick(&[b" p=1".as_slice(), b" type=custom", b" x=\"y\""]);
            let (_, end) = random_line(rng, bytes);
            let at = end.saturating_sub(1).min(bytes.len());
            insert_repeated(bytes, at, prop, n);
        }
        _ => {
            let digits = 1 + rng.below(400);
            let mut n: Vec<u8> = (0..digits).map(|_| b'0' + rng.below(10) as u8).collect();
            if rng.below(2) == 0 {
                n.insert(0, b'-');
            }
            bytes.splice(at..at, n);
        }
    }
}

/// Inputs are cut to this size, as fuzzers bound their inputs: the
/// compiler's time on large files is the benchmarks' business, and kdl-rs,
/// which reports syntax errors, reads broken text at about 100 KB/s.
pub const MAX_INPUT: usize = 128 * 1024;

/// Input `index` of run `seed`: a corpus file with 1 to 6 mutations.
pub fn input(corpus: &Corpus, seed: u64, index: u64) -> Vec<u8> {
    let mut rng = Rng::for_input(seed, index);
    let mut bytes = rng.pick(&corpus.files).1.clone();
    for _ in 0..1 + rng.below(6) {
        mutate_once(&mut rng, corpus, &mut bytes);
        bytes.truncate(MAX_INPUT);
    }
    bytes
}

/// Runs what `stackc check`, `stackc fmt` and `stackc build` run on `bytes`
/// and returns `check`'s diagnostics. Panics when the compiler panics, or
/// breaks a promise: a diagnostic outside the file, a formatted text that
/// formats differently again.
pub fn exercise(bytes: &[u8]) -> Vec<Diagnostic> {
    let text = match syntax::decode(bytes) {
        Ok(t) => t,
        Err(d) => {
            render(std::slice::from_ref(&d), "");
            return vec![d];
        }
    };
    let opts = Options {
        base_dir: Path::new("/fuzz"),
        files: &AllExist,
    };
    let (program, diags) = check_source(text, &opts);
    for d in &diags {
        assert!(
            d.span.offset + d.span.len <= text.len(),
            "{d:?} points outside the {} bytes of input",
            text.len()
        );
    }
    render(&diags, text);
    if let Some(program) = program.filter(|_| !diag::has_errors(&diags)) {
        for stack in &program.environments {
            if let Err(d) = emit::build_into(stack, &[], Format::Json, &mut |a| {
                std::hint::black_box(a);
            }) {
                render(&d, text);
            }
            emit::docs::emit(&program, stack);
        }
    }
    // `stackc fmt` formats what parses (the parse errors are those above).
    if syntax::parse(text).is_err() {
        return diags;
    }
    match fmt::format_source(text) {
        Ok(formatted) => {
            let again = fmt::format_source(&formatted).expect("formatted output parses");
            assert_eq!(formatted, again, "fmt is not a fixed point");
        }
        Err(e) => {
            let diags: Vec<Diagnostic> = e
                .diagnostics
                .into_iter()
                .map(|d| Diagnostic::error(Code::KdlSyntax, Span::from(d.span), "cannot format"))
                .collect();
            render(&diags, text);
        }
    }
    diags
}

/// Renders diagnostics as the CLI does, for a terminal and as JSON.
fn render(diags: &[Diagnostic], text: &str) {
    std::hint::black_box(diag::render_human(diags, "stack.kdl", text, false));
    let index = diag::SourceIndex::new(text);
    for d in diags {
        std::hint::black_box(d.to_json_indexed("stack.kdl", &index).to_string());
    }
}

/// The CPU time this process has used, its threads included (kdl-rs runs
/// on a thread of its own).
pub fn process_cpu_time() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut t) } == 0;
    if ok {
        Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
    } else {
        Duration::ZERO
    }
}

/// One input that panicked or was slow.
#[derive(Debug)]
pub struct Finding {
    /// Index of the input in its run.
    pub index: u64,
    /// The panic message, or `None` for a slow input.
    pub panic: Option<String>,
    /// The process CPU time it took (what the slow limit is held to: the
    /// machine may be shared, which stretches wall time, not CPU time).
    pub time: Duration,
    /// The wall time it took.
    pub wall: Duration,
    /// Where the input was saved.
    pub saved: Option<PathBuf>,
}

/// What a run found.
#[derive(Debug, Default)]
pub struct Summary {
    /// Inputs run.
    pub inputs: u64,
    /// Inputs that panicked or were slow.
    pub findings: Vec<Finding>,
    /// Longest CPU time of one input.
    pub max: Duration,
    /// Longest wall time of one input.
    pub max_wall: Duration,
    /// Index of that input.
    pub max_index: u64,
    /// Sum of the CPU times.
    pub total: Duration,
    /// Bytes of input.
    pub bytes: u64,
}

impl Summary {
    /// Inputs that panicked.
    pub fn panics(&self) -> usize {
        self.findings.iter().filter(|f| f.panic.is_some()).count()
    }

    /// Inputs that took longer than the slow limit.
    pub fn slow(&self) -> usize {
        self.findings.iter().filter(|f| f.panic.is_none()).count()
    }
}

/// A run's settings.
pub struct Run<'c> {
    /// The corpus.
    pub corpus: &'c Corpus,
    /// The seed.
    pub seed: u64,
    /// First input index.
    pub start: u64,
    /// How many inputs.
    pub count: u64,
    /// Inputs taking more CPU time are findings.
    pub slow: Duration,
    /// Where findings are saved (none: not saved).
    pub save_dir: Option<PathBuf>,
}

thread_local! {
    /// Set while this thread runs an input: its panics are kept, not printed.
    static CAPTURING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    static LAST_PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Keeps the panic messages of inputs for the report instead of printing
/// them; other panics (a failing test beside this one) print as before.
fn quiet_panics() {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !CAPTURING.with(std::cell::Cell::get) {
                return previous(info);
            }
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into());
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{message}{place}")));
        }));
    });
}

impl Run<'_> {
    /// Runs the inputs; `progress` is called after each with the summary so far.
    pub fn go(&self, progress: &mut dyn FnMut(&Summary)) -> Summary {
        quiet_panics();
        let mut summary = Summary::default();
        for index in self.start..self.start + self.count {
            let bytes = input(self.corpus, self.seed, index);
            if let Some(dir) = &self.save_dir {
                // Kept while the input runs: an abort (stack overflow) leaves it.
                let _ = std::fs::write(dir.join("current.kdl"), &bytes);
            }
            let t = Instant::now();
            let cpu = process_cpu_time();
            CAPTURING.with(|c| c.set(true));
            let result = std::panic::catch_unwind(|| exercise(&bytes));
            CAPTURING.with(|c| c.set(false));
            let time = process_cpu_time().saturating_sub(cpu);
            let wall = t.elapsed();
            summary.inputs += 1;
            summary.bytes += bytes.len() as u64;
            summary.total += time;
            summary.max_wall = summary.max_wall.max(wall);
            if time > summary.max {
                summary.max = time;
                summary.max_index = index;
            }
            let panic = result.err().map(|_| {
                LAST_PANIC
                    .with(|p| p.borrow_mut().take())
                    .unwrap_or_default()
            });
            if panic.is_some() || time > self.slow {
                let saved = self.save(index, panic.is_some(), &bytes);
                summary.findings.push(Finding {
                    index,
                    panic,
                    time,
                    wall,
                    saved,
                });
            }
            progress(&summary);
        }
        summary
    }

    fn save(&self, index: u64, panicked: bool, bytes: &[u8]) -> Option<PathBuf> {
        let dir = self.save_dir.as_ref()?;
        let kind = if panicked { "panic" } else { "slow" };
        let path = dir.join(format!("{kind}-{}-{index}.kdl", self.seed));
        std::fs::write(&path, bytes).ok().map(|()| path)
    }
}
