//! A layer's recipes: the user's, resolved to cookbooks, and the run list of each event.

use std::collections::BTreeMap;
use std::path::Path;

use super::Head;
use crate::check::{exact, Checker};
use crate::cookbooks;
use crate::diag::{suggest, Code, Diagnostic, Span};
use crate::ir::{Event, Recipe, RecipeOrigin};
use crate::schema::nodes;
use crate::syntax::Node;

impl Checker<'_> {
    pub(super) fn user_recipes(
        &mut self,
        node: &Node,
        cookbooks: Option<&Path>,
    ) -> BTreeMap<Event, Vec<Recipe>> {
        let kids = self.shape(node, &nodes::RECIPES);
        let mut out = BTreeMap::new();
        for kid in kids {
            let (Some(event), Some(def)) = (Event::parse(&kid.name), nodes::RECIPES.kid(&kid.name))
            else {
                continue;
            };
            self.shape(kid, def);
            if kid.args.is_empty() {
                self.arg(kid, 0, "a recipe");
            }
            let list: Vec<Recipe> = kid
                .args
                .iter()
                .filter_map(|v| {
                    let text = self.string(v, "recipe")?;
                    self.resolve_recipe(text, v.span, cookbooks, None)
                })
                .collect();
            out.insert(event, list);
        }
        out
    }

    /// Resolves `cookbook::recipe` to the user's cookbooks or the built-in ones.
    fn resolve_recipe(
        &mut self,
        text: &str,
        span: Span,
        cookbooks: Option<&Path>,
        builtin_of: Option<&str>,
    ) -> Option<Recipe> {
        let Some((cookbook, recipe)) = cookbooks::split_recipe(text) else {
            self.push(
                Diagnostic::error(
                    Code::BadRecipe,
                    span,
                    format!("`{text}` is not a recipe name"),
                )
                .label("not cookbook::recipe")
                .help("write `cookbook::recipe`, or `cookbook` for its default recipe"),
            );
            return None;
        };
        let user_dir = cookbooks
            .map(|d| d.join(cookbook))
            .filter(|d| self.opts.files.is_dir(d));
        let (origin, found) = match &user_dir {
            Some(dir) => (
                RecipeOrigin::User,
                self.opts
                    .files
                    .is_file(&dir.join("recipes").join(format!("{recipe}.rb"))),
            ),
            // The stdlib's own recipes are known to exist (a unit test checks it).
            None => (
                RecipeOrigin::Builtin,
                builtin_of.is_some() || cookbooks::has_recipe(cookbook, recipe),
            ),
        };
        if !found && self.cookbooks_missing && origin == RecipeOrigin::Builtin {
            // The cookbooks directory itself is reported; do not cascade.
            return None;
        }
        if found {
            return Some(Recipe {
                cookbook: cookbook.into(),
                recipe: recipe.into(),
                origin,
            });
        }
        let message = match (&user_dir, builtin_of) {
            (Some(_), Some(ty)) => format!(
                "layer type `{ty}` runs `{cookbook}::{recipe}`, but your cookbook `{cookbook}` (which replaces the built-in one) has no recipes/{recipe}.rb"
            ),
            (Some(dir), None) => format!("cookbook `{cookbook}` has no recipe `{recipe}` ({} is missing)", dir.join("recipes").join(format!("{recipe}.rb")).display()),
            (None, _) if cookbooks::has_cookbook(cookbook) => format!("the built-in cookbook `{cookbook}` has no recipe `{recipe}`"),
            (None, _) => format!("no cookbook `{cookbook}` for recipe `{text}`"),
        };
        let mut fix = None;
        let help = match (&user_dir, cookbooks) {
            (Some(dir), _) => {
                let names: Vec<String> = self
                    .opts
                    .files
                    .file_names(&dir.join("recipes"))
                    .into_iter()
                    .filter_map(|n| n.strip_suffix(".rb").map(str::to_string))
                    .collect();
                match suggest(recipe, names.iter().map(String::as_str)) {
                    Some(near) if near != recipe => {
                        fix = Some(format!("\"{cookbook}::{near}\""));
                        format!("did you mean `{cookbook}::{near}`? (or add recipes/{recipe}.rb to the cookbook)")
                    }
                    _ => format!("add recipes/{recipe}.rb to the cookbook, or fix the name"),
                }
            }
            (None, None) if self.opts.files.is_dir(&self.opts.base_dir.join("cookbooks")) => {
                "your cookbooks are not used yet: add `cookbooks \"./cookbooks\"` to the stack".into()
            }
            (None, _) => match suggest(cookbook, cookbooks::names()) {
                Some(s) if s != cookbook => format!("did you mean the built-in cookbook `{s}`?"),
                _ => "user recipes live in <cookbooks>/<cookbook>/recipes/<recipe>.rb; set the directory with `cookbooks \"./cookbooks\"`".into(),
            },
        };
        let mut d = Diagnostic::error(Code::UnknownRecipe, span, message)
            .label("recipe not found")
            .help(help);
        if let Some(fix) = fix {
            d = d.fix(span, fix);
        }
        self.push(d);
        None
    }

    /// Full run list per event: common, type built-ins, then the user's.
    pub(super) fn run_lists(
        &mut self,
        head: &Head,
        mut user: BTreeMap<Event, Vec<Recipe>>,
        cookbooks: Option<&Path>,
    ) -> Option<BTreeMap<Event, Vec<Recipe>>> {
        let mut out = BTreeMap::new();
        let mut ok = true;
        let type_span = head
            .node
            .prop("type")
            .map_or(head.node.name_span, |v| v.span);
        for event in Event::ALL {
            let builtin = self
                .std
                .common_recipes
                .get(&event)
                .into_iter()
                .chain(head.ty.recipes.get(&event))
                .flatten();
            let mut list = Vec::new();
            for name in builtin {
                match self.resolve_recipe(name, type_span, cookbooks, Some(&head.ty.name)) {
                    Some(r) => list.push(r),
                    None => ok = false,
                }
            }
            list.extend(user.remove(&event).unwrap_or_default());
            out.insert(event, exact(list));
        }
        ok.then_some(out)
    }
}
