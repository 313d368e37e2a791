use super::*;

#[test]
fn the_last_run_tag_is_read_with_and_without_a_bundle() {
    let run = LastRun::parse("configure succeeded 2026-12-02T01:00:00Z bundle 0123456789ab");
    assert_eq!(
        run,
        Some(LastRun {
            event: "configure",
            outcome: "succeeded",
            bundle: Some("0123456789ab"),
        })
    );
    // The bootstrap's own record, and an older agent's, name no bundle.
    let run = LastRun::parse("setup failed 2026-12-02T01:00:00Z").unwrap();
    assert_eq!(
        (run.event, run.outcome, run.bundle),
        ("setup", "failed", None)
    );
    assert_eq!(LastRun::parse("garbage"), None);
    assert_eq!(LastRun::parse(""), None);
}

#[test]
fn pins_are_the_groups_or_any_of_the_deployed_images() {
    let deployed = Pins::deployed(&[
        ("ImageIdX86".into(), "ami-0aaaaaaaaaaaaaaaa".into()),
        ("BundleKey".into(), "k".into()),
        ("ImageIdArm64".into(), "ami-0bbbbbbbbbbbbbbbb".into()),
    ]);
    assert_eq!(
        deployed.for_group("any"),
        ["ami-0aaaaaaaaaaaaaaaa", "ami-0bbbbbbbbbbbbbbbb"]
    );
    let pins = Pins {
        by_group: vec![("g".into(), "ami-0ccccccccccccccccc".into())],
        ..deployed
    };
    assert_eq!(pins.for_group("g"), ["ami-0ccccccccccccccccc"]);
    assert!(Pins::default().for_group("g").is_empty());
}

#[test]
fn the_pointer_names_its_bundle() {
    assert_eq!(
        pointer_sha(r#"{"bucket":"b","key":"k","sha256":"abc"}"#).as_deref(),
        Some("abc")
    );
    assert_eq!(pointer_sha("not json"), None);
}
