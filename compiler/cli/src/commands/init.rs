//! `stackc init`: a stack file and a cookbook of one's own to start from,
//! which `stackc check` and `stackc build` accept as written.

use std::path::Path;

use super::Status;
use crate::cli::InitType;

/// The longest name stackc takes.
const MAX_NAME: usize = 32;

/// A valid stackc name (lowercase letters, digits and dashes, starting with
/// a letter, at most 32) made from `raw`, or `None` when nothing is left.
fn name_from(raw: &str) -> Option<String> {
    let mut name = String::new();
    for c in raw.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_lowercase() || c.is_ascii_digit() {
            c
        } else {
            '-'
        };
        if !(c == '-' && (name.is_empty() || name.ends_with('-'))) {
            name.push(c);
        }
    }
    let name = name.trim_start_matches(|c: char| !c.is_ascii_lowercase());
    let name: String = name.chars().take(MAX_NAME).collect();
    let name = name.trim_end_matches('-');
    (!name.is_empty()).then(|| name.to_string())
}

/// The stack file.
fn stack_file(name: &str, cookbook: &str, kind: InitType, region: &str) -> String {
    let (layer, layer_type, app_type) = match kind {
        InitType::PhpApp => ("app", "php-app", Some("php")),
        InitType::NodejsApp => ("app", "nodejs-app", Some("nodejs")),
        InitType::StaticWeb => ("web", "static-web", Some("static")),
        InitType::Custom => ("worker", "custom", None),
    };
    let deploy = if app_type.is_some() {
        format!("\n            deploy {cookbook}::deploy")
    } else {
        String::new()
    };
    let mut s = format!(
        r#"// The stack {name}, written by `stackc init`: one layer of instances and
// its recipes{app_note}. `stackc check` reads it, `stackc build` compiles it
// into out/; docs/language.md (or `stackc explain CODE` for a diagnostic)
// has the rest of the language.
stack {name} {{
    region {region}
    os amazon-linux-2023
    cookbooks "./cookbooks"                 // your cookbooks, merged over the built-in ones

    layer {layer} type={layer_type} {{
        instance-type t3.small
        recipes {{                           // run after the built-in ones of each event
            setup {cookbook}::setup{deploy}
        }}
        scaling {{
            instances min=2 max=4               // two, one per zone: one can fail
            load {{                              // up to four under load
                up cpu-above=70 for="5m" add=1
                down cpu-below=25 for="15m" remove=1
            }}
        }}
    }}
"#,
        app_note = if app_type.is_some() {
            " and an app"
        } else {
            ""
        },
    );
    if let Some(app_type) = app_type {
        s.push_str(&format!(
            r#"
    app {name} type={app_type} layer={layer} {{
        source git="https://github.com/example/{name}.git" revision=main
        site {name}.example.com
        env APP_ENV production
    }}
"#
        ));
    }
    s.push_str("}\n");
    s
}

fn metadata(cookbook: &str, name: &str) -> String {
    format!(
        "name '{cookbook}'\n\
         description 'The recipes of the stack {name}'\n\
         version '0.1.0'\n\
         chef_version '>= 18.0'\n\
         supports 'amazon'\n\
         supports 'ubuntu'\n"
    )
}

fn setup_recipe(cookbook: &str) -> String {
    format!(
        r##"#
# Cookbook:: {cookbook}
# Recipe:: setup
#
# Runs at setup, after stackc's base recipes and the layer type's. The node
# JSON is shaped like OpsWorks' (`stackc node-json` prints it).

directory '/etc/{cookbook}' do
  owner 'root'
  group 'root'
  mode '0755'
end

file '/etc/{cookbook}/instance' do
  content "#{{node['opsworks']['instance']['hostname']}} in layer #{{node['stackc']['layer']}}\n"
  mode '0644'
end
"##
    )
}

fn deploy_recipe(cookbook: &str) -> String {
    format!(
        r##"#
# Cookbook:: {cookbook}
# Recipe:: deploy
#
# Runs at deploy, after the built-in deploy of the apps, which lists each
# app under `deploy` as OpsWorks did.

node['deploy'].each do |name, app|
  log "#{{name}} is deployed in #{{app['current_path']}}"
end
"##
    )
}

pub fn run(dir: &Path, kind: InitType, name: Option<&str>, region: &str) -> Status {
    let name = match name {
        Some(n) => match stackc_core::units::name(n) {
            Ok(()) => n.to_string(),
            Err(message) => {
                let hint = name_from(n).map_or(String::new(), |s| format!(" (`{s}`?)"));
                eprintln!("error: {message}{hint}");
                return Status::Usage;
            }
        },
        None => {
            let base = std::fs::canonicalize(dir)
                .unwrap_or_else(|_| dir.to_path_buf())
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            name_from(&base).unwrap_or_else(|| "myapp".to_string())
        }
    };
    let cookbook = name.replace('-', "_");
    let mut files = vec![
        (
            dir.join("stack.kdl"),
            stack_file(&name, &cookbook, kind, region),
        ),
        (
            dir.join("cookbooks").join(&cookbook).join("metadata.rb"),
            metadata(&cookbook, &name),
        ),
        (
            dir.join("cookbooks")
                .join(&cookbook)
                .join("recipes/setup.rb"),
            setup_recipe(&cookbook),
        ),
    ];
    if kind != InitType::Custom {
        files.push((
            dir.join("cookbooks")
                .join(&cookbook)
                .join("recipes/deploy.rb"),
            deploy_recipe(&cookbook),
        ));
    }
    // Nothing is overwritten: a file already there stops everything.
    if let Some((path, _)) = files.iter().find(|(p, _)| p.exists()) {
        eprintln!(
            "error: {} already exists; nothing was written (init starts a new project)",
            path.display()
        );
        return Status::UserError;
    }
    for (path, text) in &files {
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(path)
            })
            .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()));
        if let Err(e) = written {
            eprintln!("error: cannot write {}: {e}", path.display());
            return Status::UserError;
        }
        eprintln!("wrote {}", path.display());
    }
    let file = dir.join("stack.kdl");
    eprintln!(
        "next: stackc check {f}; stackc build {f}; then `stackc lock {f}` pins the images, \
         `stackc bootstrap` and `stackc deploy {f}` put it on AWS (README: \"Deploying to a real account\")",
        f = file.display()
    );
    Status::Ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_valid() {
        assert_eq!(name_from("My App").as_deref(), Some("my-app"));
        assert_eq!(
            name_from("2024_shop--Front_").as_deref(),
            Some("shop-front")
        );
        assert_eq!(name_from("___").as_deref(), None);
        assert_eq!(name_from(&"a".repeat(40)).map(|s| s.len()), Some(MAX_NAME));
        // What it makes is what the checker takes.
        for raw in ["My App", "2024_shop--Front_", &"a".repeat(40), "x-1-"] {
            let name = name_from(raw).unwrap();
            assert_eq!(stackc_core::units::name(&name), Ok(()), "{raw}");
        }
    }
}
