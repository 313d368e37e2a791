//! `stackc explain`: the long text of a diagnostic code, or a node of the
//! language as its schema describes it.

use stackc_core::diag::{suggest, Code};
use stackc_core::schema;

use super::Status;

pub fn run(code: Option<&str>) -> Status {
    let Some(name) = code else {
        for c in Code::ALL {
            crate::output::stdout(&format!("{:<36} {}\n", c.name(), c.title()));
        }
        return Status::Ok;
    };
    if let Some(c) = Code::lookup(name) {
        crate::output::stdout(&format!(
            "{}: {}\n\n{}\n",
            c.name(),
            c.title(),
            c.explanation()
        ));
        return Status::Ok;
    }
    let nodes = schema::lookup(name);
    if !nodes.is_empty() {
        let texts: Vec<String> = nodes
            .iter()
            .map(|(path, def)| schema::explain(path, def))
            .collect();
        crate::output::stdout(&texts.join("\n"));
        return Status::Ok;
    }
    let slug = name.strip_prefix("stackc::").unwrap_or(name);
    let mut known: Vec<&str> = Code::ALL.iter().map(|c| c.slug()).collect();
    let all = schema::all();
    known.extend(all.iter().map(|(_, def)| def.name));
    let hint = match suggest(slug, known.iter().copied()) {
        Some(s) => format!("did you mean `{s}`?\n  "),
        None => String::new(),
    };
    eprintln!(
        "error: `{name}` is neither a diagnostic code nor a node of the language\n  help: {hint}`stackc explain` lists every code; docs/language.md, every node"
    );
    Status::Usage
}
