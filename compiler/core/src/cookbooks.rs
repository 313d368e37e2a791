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

/// `cookbook::recipe` (or `cookbook`, its `default` recipe) as its
/// cookbook and recipe; `None` when either is empty or has a character
/// other than letters, digits, `_` and `-`.
pub fn split_recipe(text: &str) -> Option<(&str, &str)> {
    let (cookbook, recipe) = text.split_once("::").unwrap_or((text, "default"));
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    (valid(cookbook) && valid(recipe)).then_some((cookbook, recipe))
}

/// Whether `text` (`cookbook::recipe`, or `cookbook` for its default
/// recipe) names a recipe the instances have: in the user's cookbooks
/// directory `user` (a cookbook there replaces the built-in one of its
/// name) or among the built-in cookbooks. `Err` is one sentence saying
/// what is missing, with the nearest name when there is one; what `stackc
/// run recipes` checks before anything is published.
pub fn find_recipe(user: Option<&std::path::Path>, text: &str) -> Result<(), String> {
    use crate::diag::suggest;
    let Some((cookbook, recipe)) = split_recipe(text) else {
        return Err(format!(
            "`{text}` is not a recipe name; write cookbook::recipe, or cookbook for its default recipe"
        ));
    };
    let listing = |dir: &std::path::Path, suffix: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.strip_suffix(suffix).map(str::to_string)
            })
            .collect();
        names.sort();
        names
    };
    let near = |names: &[String]| {
        suggest(recipe, names.iter().map(String::as_str))
            .filter(|n| *n != recipe)
            .map(|n| format!("; did you mean `{cookbook}::{n}`?"))
            .unwrap_or_default()
    };
    if let Some(dir) = user.map(|u| u.join(cookbook)).filter(|d| d.is_dir()) {
        let recipes = dir.join("recipes");
        if recipes.join(format!("{recipe}.rb")).is_file() {
            return Ok(());
        }
        return Err(format!(
            "cookbook `{cookbook}` has no recipe `{recipe}` ({} is missing){}",
            recipes.join(format!("{recipe}.rb")).display(),
            near(&listing(&recipes, ".rb"))
        ));
    }
    if has_recipe(cookbook, recipe) {
        return Ok(());
    }
    if has_cookbook(cookbook) {
        let prefix = format!("{cookbook}/recipes/");
        let builtin: Vec<String> = FILES
            .iter()
            .filter_map(|(p, _)| p.strip_prefix(&prefix)?.strip_suffix(".rb"))
            .map(str::to_string)
            .collect();
        return Err(format!(
            "the built-in cookbook `{cookbook}` has no recipe `{recipe}`{}",
            near(&builtin)
        ));
    }
    let mut cookbooks: Vec<String> = names().into_iter().map(str::to_string).collect();
    if let Some(u) = user {
        cookbooks.extend(listing(u, ""));
    }
    let nearest = suggest(cookbook, cookbooks.iter().map(String::as_str))
        .filter(|n| *n != cookbook)
        .map(|n| format!("; did you mean `{n}::{recipe}`?"))
        .unwrap_or_default();
    let place = match user {
        Some(u) => format!("in {} or among the built-in ones", u.display()),
        None => "among the built-in ones (the stack names no `cookbooks` directory)".to_string(),
    };
    Err(format!("no cookbook `{cookbook}` {place}{nearest}"))
}

#[cfg(test)]
mod find_recipe_tests {
    use super::find_recipe;

    fn user() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("stackc-find-recipe-{}", std::process::id()));
        let recipes = dir.join("shop/recipes");
        std::fs::create_dir_all(&recipes).unwrap();
        std::fs::write(recipes.join("worker.rb"), "").unwrap();
        std::fs::write(recipes.join("default.rb"), "").unwrap();
        dir
    }

    #[test]
    fn a_recipe_is_the_users_or_a_built_in_one_and_a_typo_is_named_with_the_nearest() {
        let dir = user();
        let u = Some(dir.as_path());
        assert_eq!(find_recipe(u, "shop::worker"), Ok(()));
        assert_eq!(find_recipe(u, "shop"), Ok(()));
        let typo = find_recipe(u, "shop::wroker").unwrap_err();
        assert!(
            typo.starts_with("cookbook `shop` has no recipe `wroker`"),
            "{typo}"
        );
        assert!(typo.ends_with("did you mean `shop::worker`?"), "{typo}");
        let (builtin, _) = super::FILES[0].0.split_once('/').unwrap();
        let some = super::FILES
            .iter()
            .find_map(|(p, _)| {
                p.strip_prefix(&format!("{builtin}/recipes/"))?
                    .strip_suffix(".rb")
            })
            .unwrap();
        assert_eq!(find_recipe(u, &format!("{builtin}::{some}")), Ok(()));
        assert_eq!(find_recipe(None, &format!("{builtin}::{some}")), Ok(()));
        let missing = find_recipe(u, &format!("{builtin}::nope_nope")).unwrap_err();
        assert!(
            missing.starts_with(&format!(
                "the built-in cookbook `{builtin}` has no recipe `nope_nope`"
            )),
            "{missing}"
        );
        let none = find_recipe(u, "shopp::worker").unwrap_err();
        assert!(none.starts_with("no cookbook `shopp` in "), "{none}");
        assert!(none.ends_with("did you mean `shop::worker`?"), "{none}");
        let unset = find_recipe(None, "shop::worker").unwrap_err();
        assert!(
            unset.contains("the stack names no `cookbooks` directory"),
            "{unset}"
        );
        assert!(find_recipe(u, "shop::")
            .unwrap_err()
            .contains("is not a recipe name"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
