//! The built-in cookbooks, embedded at build time from `cookbooks/`.

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/builtin_cookbooks.rs"));
}

pub use embedded::FILES;

/// True when the built-in cookbook has this recipe.
pub fn has_recipe(cookbook: &str, recipe: &str) -> bool {
    let path = format!("{cookbook}/recipes/{recipe}.rb");
    FILES
        .binary_search_by(|(p, _)| (*p).cmp(path.as_str()))
        .is_ok()
}

/// True when a built-in cookbook of this name exists.
pub fn has_cookbook(cookbook: &str) -> bool {
    let prefix = format!("{cookbook}/");
    FILES.iter().any(|(p, _)| p.starts_with(&prefix))
}

/// Names of the built-in cookbooks.
pub fn names() -> Vec<&'static str> {
    let mut names: Vec<&str> = FILES
        .iter()
        .filter_map(|(p, _)| p.split('/').next())
        .collect();
    names.dedup();
    names
}
