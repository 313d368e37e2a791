//! Checker tests on whole-program views: fmt round trips, environments
//! resolved one at a time, outlines.

use std::path::Path;

use super::{program, GOLDCAR, SHOP};
use crate::check::{check_source, AllExist, Options};

#[test]
fn fmt_is_a_fixed_point_and_keeps_the_meaning_of_every_example() {
    for (name, src) in [
        ("goldcar", GOLDCAR),
        ("shop", SHOP),
        (
            "minimal",
            include_str!("../../../../../examples/minimal/stack.kdl"),
        ),
    ] {
        let formatted = crate::fmt::format_source(src).unwrap();
        assert_eq!(
            crate::fmt::format_source(&formatted).unwrap(),
            formatted,
            "{name}: not a fixed point"
        );
        assert_eq!(
            program(&formatted),
            program(src),
            "{name}: formatting changed the meaning"
        );
    }
}

#[test]
fn environments_resolved_one_at_a_time_are_those_of_the_program() {
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    let generated = crate::generate::stack(60);
    for src in [
        GOLDCAR,
        SHOP,
        include_str!("../../../../../examples/minimal/stack.kdl"),
        &generated,
    ] {
        let (program, diags) = check_source(src, &opts);
        let program = program.expect("program");
        let (outline, outline_diags) = crate::check::outline_source(src, &opts);
        assert_eq!(format!("{outline_diags:?}"), format!("{diags:?}"));
        let outline = outline.expect("outline");
        assert_eq!(outline.name, program.name);
        let names: Vec<&str> = program
            .environments
            .iter()
            .map(|e| e.env.as_str())
            .collect();
        assert_eq!(outline.environments, names);
        for env in &program.environments {
            let (alone, _) = crate::check::environment_source(src, &opts, &env.env);
            let alone = alone.expect("environment");
            // Debug shows spans too, which `==` ignores.
            assert_eq!(format!("{alone:?}"), format!("{env:?}"));
        }
        assert!(crate::check::environment_source(src, &opts, "nope")
            .0
            .is_none());
    }
}

#[test]
fn an_outline_reports_what_check_reports() {
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    let src = "stack s { region us-east-1; layer web type=php-app { instance-type t9.huge; }; environment test { layer web { scaling { instances min=3 max=2; }; }; }; }";
    let (program, diags) = check_source(src, &opts);
    let (outline, outline_diags) = crate::check::outline_source(src, &opts);
    assert!(program.is_none() && outline.is_none());
    assert!(!diags.is_empty());
    assert_eq!(format!("{outline_diags:?}"), format!("{diags:?}"));
    assert!(crate::check::environment_source(src, &opts, "production")
        .0
        .is_none());
}
