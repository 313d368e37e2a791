//! Reading the describe-* files: JSON syntax, the top-level key each
//! command prints, the shapes of the records, and which stack to import.
//! Every problem becomes a diagnostic pointing into its file.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use super::model::{
    App, AppsFile, Elb, ElbFile, Instance, InstancesFile, Layer, LayersFile, LoadBased,
    LoadBasedFile, Stack, StacksFile, TimeBased, TimeBasedFile,
};
use crate::diag::{Code, Diagnostic, Span};
use crate::import::FileError;

/// A describe-* file the importer reads.
pub struct FileSpec {
    /// `describe-layers.json`.
    pub file: &'static str,
    /// The top-level key the AWS CLI prints.
    pub key: &'static str,
    /// The command that writes it, with its arguments.
    pub command: &'static str,
    /// Whether the import needs it.
    pub required: bool,
}

/// The files, in the order they are read.
pub const FILES: &[FileSpec] = &[
    FileSpec {
        file: "describe-stacks.json",
        key: "Stacks",
        command: "aws opsworks describe-stacks --stack-ids STACK_ID",
        required: true,
    },
    FileSpec {
        file: "describe-layers.json",
        key: "Layers",
        command: "aws opsworks describe-layers --stack-id STACK_ID",
        required: true,
    },
    FileSpec {
        file: "describe-apps.json",
        key: "Apps",
        command: "aws opsworks describe-apps --stack-id STACK_ID",
        required: false,
    },
    FileSpec {
        file: "describe-instances.json",
        key: "Instances",
        command: "aws opsworks describe-instances --stack-id STACK_ID",
        required: false,
    },
    FileSpec {
        file: "describe-load-based-auto-scaling.json",
        key: "LoadBasedAutoScalingConfigurations",
        command: "aws opsworks describe-load-based-auto-scaling --layer-ids LAYER_ID...",
        required: false,
    },
    FileSpec {
        file: "describe-time-based-auto-scaling.json",
        key: "TimeBasedAutoScalingConfigurations",
        command: "aws opsworks describe-time-based-auto-scaling --instance-ids INSTANCE_ID...",
        required: false,
    },
    FileSpec {
        file: "describe-elastic-load-balancers.json",
        key: "ElasticLoadBalancers",
        command: "aws opsworks describe-elastic-load-balancers --stack-id STACK_ID",
        required: false,
    },
];

/// Everything read from the files. `None`: the optional file was not given.
pub struct Inputs {
    /// The stack being imported.
    pub stack: Stack,
    /// Its layers.
    pub layers: Vec<Layer>,
    /// Its apps.
    pub apps: Option<Vec<App>>,
    /// Its instances.
    pub instances: Option<Vec<Instance>>,
    /// Load-based scaling per layer.
    pub load: Option<Vec<LoadBased>>,
    /// Time-based schedules per instance.
    pub time: Option<Vec<TimeBased>>,
    /// Classic Load Balancers.
    pub elbs: Option<Vec<Elb>>,
}

/// Reads every file; all problems of all files are reported together.
pub fn inputs(files: &BTreeMap<String, String>) -> Result<Inputs, Vec<FileError>> {
    let mut errors = Vec::new();
    let stacks: Option<StacksFile> = parse(files, &FILES[0], &mut errors);
    let layers: Option<LayersFile> = parse(files, &FILES[1], &mut errors);
    let apps: Option<AppsFile> = parse(files, &FILES[2], &mut errors);
    let instances: Option<InstancesFile> = parse(files, &FILES[3], &mut errors);
    let load: Option<LoadBasedFile> = parse(files, &FILES[4], &mut errors);
    let time: Option<TimeBasedFile> = parse(files, &FILES[5], &mut errors);
    let elbs: Option<ElbFile> = parse(files, &FILES[6], &mut errors);
    let (Some(stacks), Some(layers)) = (stacks, layers) else {
        return Err(errors);
    };
    let stack = pick_stack(stacks.stacks, &layers.layers, files, &mut errors);
    let (Some(stack), true) = (stack, errors.is_empty()) else {
        return Err(errors);
    };
    Ok(Inputs {
        stack,
        layers: layers.layers,
        apps: apps.map(|a| a.apps),
        instances: instances.map(|i| i.instances),
        load: load.map(|l| l.load_based_auto_scaling_configurations),
        time: time.map(|t| t.time_based_auto_scaling_configurations),
        elbs: elbs.map(|e| e.elastic_load_balancers),
    })
}

/// The stack to import: the only one, or the one the layers belong to
/// (`aws opsworks describe-stacks` without arguments lists every stack).
fn pick_stack(
    mut stacks: Vec<Stack>,
    layers: &[Layer],
    files: &BTreeMap<String, String>,
    errors: &mut Vec<FileError>,
) -> Option<Stack> {
    let file = FILES[0].file;
    let text = files.get(file).map_or("", |t| t.as_str());
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let span = point(body, first_char(body), text.len() - body.len());
    match stacks.len() {
        0 => errors.push(FileError {
            file: file.into(),
            diagnostic: Diagnostic::error(
                Code::ImportStackCount,
                span,
                "describe-stacks.json lists no stack",
            )
            .label("an empty list")
            .help(format!(
                "save the stack to import: `{} > {file}`",
                FILES[0].command
            )),
        }),
        1 => return Some(stacks.remove(0)),
        n => {
            let owner = layers.iter().find_map(|l| l.stack_id.as_deref());
            if let Some(i) = owner.and_then(|id| stacks.iter().position(|s| s.stack_id == id)) {
                return Some(stacks.swap_remove(i));
            }
            let names: Vec<String> = stacks
                .iter()
                .map(|s| format!("\"{}\" ({})", s.name, s.stack_id))
                .collect();
            errors.push(FileError {
                file: file.into(),
                diagnostic: Diagnostic::error(
                    Code::ImportStackCount,
                    span,
                    format!(
                        "describe-stacks.json lists {n} stacks, and the layers name none of them"
                    ),
                )
                .label("several stacks")
                .help(format!(
                    "import one stack at a time: `{} > {file}` with one of {}",
                    FILES[0].command,
                    names.join(", ")
                )),
            })
        }
    }
    None
}

/// Parses one file into its shape, or records why it cannot.
fn parse<T: DeserializeOwned>(
    files: &BTreeMap<String, String>,
    spec: &FileSpec,
    errors: &mut Vec<FileError>,
) -> Option<T> {
    let error = |d: Diagnostic| FileError {
        file: spec.file.into(),
        diagnostic: d,
    };
    let Some(text) = files.get(spec.file) else {
        if spec.required {
            errors.push(error(
                Diagnostic::error(
                    Code::ImportMissingFile,
                    Span::new(0, 0),
                    format!("{} is missing", spec.file),
                )
                .label("needed here")
                .help(format!("save it with `{} > {}`", spec.command, spec.file)),
            ));
        }
        return None;
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let bom = files.get(spec.file).map_or(0, |t| t.len() - text.len());
    if text.trim().is_empty() {
        errors.push(error(
            Diagnostic::error(
                Code::ImportBadJson,
                Span::new(0, 0),
                format!("{} is empty", spec.file),
            )
            .help(format!(
                "save the output of `{} > {}` again",
                spec.command, spec.file
            )),
        ));
        return None;
    }
    let json: Json = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let span = point(text, offset(text, e.line(), e.column()), bom);
            errors.push(error(
                Diagnostic::error(
                    Code::ImportBadJson,
                    span,
                    format!("{} is not valid JSON: {}", spec.file, message(&e)),
                )
                .label("here")
                .help(format!(
                    "save the unchanged output of `{}` (the AWS CLI's default JSON output)",
                    spec.command
                )),
            ));
            return None;
        }
    };
    let start = point(text, first_char(text), bom);
    let Json::Object(top) = &json else {
        errors.push(error(
            Diagnostic::error(
                Code::ImportWrongShape,
                start,
                format!(
                    "{} holds {}, not the object `{{\"{}\": [...]}}` the AWS CLI prints",
                    spec.file,
                    kind(&json),
                    spec.key
                ),
            )
            .label("expected an object")
            .help(format!(
                "save the output of `{}` without --query or --output options",
                spec.command
            )),
        ));
        return None;
    };
    if !top.contains_key(spec.key) {
        let other = FILES
            .iter()
            .find(|f| f.file != spec.file && top.contains_key(f.key));
        let help = match other {
            Some(f) => format!(
                "it holds `{}`, which {} prints: were the files swapped? {} must hold the output of `{}`",
                f.key, f.file, spec.file, spec.command
            ),
            None => format!(
                "save the output of `{}` without --query or --output options",
                spec.command
            ),
        };
        errors.push(error(
            Diagnostic::error(
                Code::ImportWrongShape,
                start,
                format!("{} has no `{}` list", spec.file, spec.key),
            )
            .label(format!("expected `{}` in this object", spec.key))
            .help(help),
        ));
        return None;
    }
    match serde_json::from_str::<T>(text) {
        Ok(v) => Some(v),
        Err(e) => {
            let span = point(text, offset(text, e.line(), e.column()), bom);
            errors.push(error(
                Diagnostic::error(
                    Code::ImportWrongShape,
                    span,
                    format!(
                        "{} is not shaped like `{}` output: {}",
                        spec.file,
                        spec.command,
                        message(&e)
                    ),
                )
                .label(if e.to_string().starts_with("missing field") {
                    "in this record"
                } else {
                    "unexpected here"
                })
                .help(format!(
                    "the file must be the unchanged JSON output of `{}`; fields are named as in the OpsWorks API",
                    spec.command
                )),
            ));
            None
        }
    }
}

/// serde_json's message without its ` at line L column C` suffix (the span
/// says where).
fn message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_string()
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// Byte offset of serde_json's 1-based line and (byte) column; column 0 is
/// the end of the previous line.
fn offset(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// A one-character span at `at` (of `text`, which starts `shift` bytes into
/// the file), moved back to a character boundary; empty at the end.
fn point(text: &str, at: usize, shift: usize) -> Span {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let len = text[at..].chars().next().map_or(0, char::len_utf8);
    Span::new(shift + at, len)
}

fn first_char(text: &str) -> usize {
    text.find(|c: char| !c.is_whitespace()).unwrap_or(0)
}
