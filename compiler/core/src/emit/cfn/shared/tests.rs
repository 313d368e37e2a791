//! Tests of the shared resources' names.

use super::*;

fn stack(src: &str) -> Stack {
    let opts = crate::check::Options {
        base_dir: std::path::Path::new("/stack"),
        files: &crate::check::AllExist,
    };
    let (p, diags) = crate::check::check_source(src, &opts);
    assert!(!crate::diag::has_errors(&diags), "{diags:#?}");
    p.expect("program").environments.remove(0)
}

#[test]
fn rule_names_fit_eventbridge_and_stay_apart() {
    let mut stack = stack("stack goldcar {\n    region eu-west-1\n    layer web type=custom\n}\n");
    assert_eq!(
        rule_name(&stack, "configure"),
        "goldcar-production-configure"
    );
    stack.name = "a".repeat(32);
    stack.env = "b".repeat(32);
    let long = rule_name(&stack, "failed-launches");
    assert_eq!(long.len(), MAX_RULE_NAME, "{long}");
    assert!(long.ends_with("-failed-launches"), "{long}");
    stack.env = format!("{}c", "b".repeat(31));
    assert_ne!(rule_name(&stack, "failed-launches"), long);
}
