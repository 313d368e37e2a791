//! `stackc explain`: the long text of a diagnostic code.

use stackc_core::diag::{did_you_mean, Code};

use super::Status;

pub fn run(code: Option<&str>) -> Status {
    let Some(name) = code else {
        for c in Code::ALL {
            crate::output::stdout(&format!("{:<36} {}\n", c.name(), c.title()));
        }
        return Status::Ok;
    };
    match Code::lookup(name) {
        Some(c) => {
            crate::output::stdout(&format!(
                "{}: {}\n\n{}\n",
                c.name(),
                c.title(),
                c.explanation()
            ));
            Status::Ok
        }
        None => {
            let slugs: Vec<&str> = Code::ALL.iter().map(|c| c.slug()).collect();
            let slug = name.strip_prefix("stackc::").unwrap_or(name);
            eprintln!("error: unknown diagnostic code `{name}`\n  help: {}\n  `stackc explain` lists every code", did_you_mean(slug, &slugs));
            Status::Usage
        }
    }
}
