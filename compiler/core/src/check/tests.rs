//! Checker tests on whole stacks: resolution, defaults, environments.

use std::path::Path;

use super::{check_source, AllExist, Options};
use crate::diag::{Code, Severity};
use crate::ir::{Event, Listener, Nat, Network, Program, RecipeOrigin};

fn program(src: &str) -> Program {
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    let (p, diags) = check_source(src, &opts);
    // The examples' test environments bound their schedules by working
    // hours, which is worth a warning (tested below); nothing else is.
    assert!(
        diags
            .iter()
            .all(|d| d.code == Code::ScheduleOutsideHours && d.severity == Severity::Warning),
        "{diags:#?}"
    );
    p.expect("program")
}

fn codes(src: &str) -> Vec<Code> {
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    check_source(src, &opts)
        .1
        .into_iter()
        .map(|d| d.code)
        .collect()
}

const GOLDCAR: &str = include_str!("../../../../examples/goldcar/stack.kdl");
const SHOP: &str = include_str!("../../../../examples/shop/stack.kdl");

#[test]
fn goldcar_resolves_as_designed() {
    let p = program(GOLDCAR);
    assert_eq!(p.name, "goldcar");
    let envs: Vec<&str> = p.environments.iter().map(|e| e.env.as_str()).collect();
    assert_eq!(envs, ["production", "test"]);
    let prod = &p.environments[0];
    let web = prod.layer("web").unwrap();
    assert_eq!(web.instance_type.name, "t3.small");
    assert_eq!(web.volumes[0].size_gib, 20);
    let scaling = web.scaling.as_ref().unwrap();
    assert_eq!((scaling.min, scaling.max), (2, 10));
    assert_eq!(scaling.up.as_ref().unwrap().count, 2);
    assert_eq!(scaling.down.as_ref().unwrap().period_secs, 900);
    assert!(matches!(
        web.load_balancer.as_ref().unwrap().listeners[0],
        Listener::Https { .. }
    ));
    assert_eq!(
        web.load_balancer
            .as_ref()
            .unwrap()
            .health_check
            .interval_secs,
        15
    );
    let deploy: Vec<String> = web.recipes[&Event::Deploy]
        .iter()
        .map(|r| r.run_list_name())
        .collect();
    assert_eq!(
        deploy,
        [
            "stackc_deploy::default",
            "php_app::deploy",
            "goldcar::cache_warm"
        ]
    );
    assert_eq!(web.recipes[&Event::Deploy][2].origin, RecipeOrigin::User);
    let cache = prod.layer("cache").unwrap();
    assert_eq!(cache.on.as_deref(), Some("web"));
    assert_eq!(
        cache.instance_type.name, "t3.small",
        "inherits the host's instance type"
    );
    assert_eq!(cache.attributes["memcached"]["memory"], 512);
    assert!(cache.scaling.is_none());
    let reports = prod.layer("reports").unwrap();
    let schedule = reports.scaling.as_ref().unwrap().schedule.as_ref().unwrap();
    assert_eq!(schedule.timezone, chrono_tz::Europe::Madrid);
    assert_eq!(schedule.entries.len(), 2);
    let app = &prod.apps[0];
    assert_eq!(app.sites.len(), 2);
    assert_eq!(app.sites[0].aliases, ["goldcar.example"]);
    assert_eq!(app.secrets[0].ssm, "/goldcar/prod/db-password");
    assert_eq!(app.database.as_ref().unwrap().port, 3306);
    assert_eq!(prod.custom_json["goldcar"]["cache-ttl"], 300);
}

#[test]
fn environments_overlay_the_stack() {
    let p = program(GOLDCAR);
    let test = p.environment("test").unwrap();
    let web = test.layer("web").unwrap();
    assert_eq!(web.instance_type.name, "t3.micro");
    let scaling = web.scaling.as_ref().unwrap();
    assert_eq!((scaling.min, scaling.max), (1, 2));
    assert!(scaling.up.is_some(), "load rules not overridden are kept");
    assert!(web.load_balancer.is_some());
    assert_eq!(test.env_custom_json["goldcar"]["cache-ttl"], 5);
    assert_eq!(
        test.custom_json["goldcar"]["cache-ttl"], 300,
        "merged at node JSON time, in order"
    );
    let hours = test.working_hours.as_ref().unwrap();
    assert_eq!(hours.timezone, chrono_tz::Europe::Madrid);
    assert_eq!(hours.days.len(), 5);
    assert!(p.environments[0].working_hours.is_none());
}

#[test]
fn working_hours_that_move_or_drop_schedule_entries_are_warnings() {
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    // goldcar's test environment opens at 08:00; reports starts at 07:00.
    let (p, diags) = check_source(GOLDCAR, &opts);
    assert!(p.is_some(), "warnings do not stop the build");
    let seen: Vec<(Severity, Code, usize, &str)> = diags
        .iter()
        .map(|d| {
            let line = crate::diag::line_column(GOLDCAR, d.span.offset).0;
            (d.severity, d.code, line, d.message.as_str())
        })
        .collect();
    let line_of = |text: &str| GOLDCAR.lines().position(|l| l.contains(text)).unwrap() + 1;
    assert_eq!(
        seen,
        [
            (
                Severity::Warning,
                Code::ScheduleOutsideHours,
                line_of("at \"mon-fri 07:00\""),
                "in environment `test`, the schedule entry `mon-fri 07:00` of layer `reports` falls outside the working hours mon-fri 08:00-20:00 (Europe/Madrid): its sizes (min=1 max=3) take effect when they open, at 08:00"
            ),
            (
                Severity::Warning,
                Code::ScheduleOutsideHours,
                line_of("at \"mon-fri 21:00\""),
                "in environment `test`, the schedule entry `mon-fri 21:00` of layer `reports` falls outside the working hours mon-fri 08:00-20:00 (Europe/Madrid): it has no effect there (the layer is stopped, and another entry sets its sizes before they open)"
            ),
        ]
    );
    // A schedule inside the hours is not adjusted.
    let inside = GOLDCAR
        .replace("at \"mon-fri 07:00\"", "at \"mon-fri 09:00\"")
        .replace("at \"mon-fri 21:00\"", "at \"mon-fri 19:00\"");
    assert!(check_source(&inside, &opts).1.is_empty());
    // A schedule in UTC cannot be bounded by hours in Madrid time.
    let utc = GOLDCAR.replace(
        "schedule timezone=\"Europe/Madrid\"",
        "schedule timezone=UTC",
    );
    let (p, diags) = check_source(&utc, &opts);
    assert!(p.is_none());
    let errors: Vec<Code> = diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.code)
        .collect();
    assert_eq!(errors, [Code::ScheduleTimezone]);
}

#[test]
fn load_rules_on_a_fixed_size_layer_are_a_warning_and_left_out() {
    let src = "stack s { region us-east-1; layer box type=custom { scaling { instances min=2 max=2; load { up cpu-above=70; down cpu-below=10; } } } }";
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    let (p, diags) = check_source(src, &opts);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0].code, Code::LoadRulesInert);
    assert_eq!(diags[0].severity, Severity::Warning);
    let p = p.expect("a warning does not stop the build");
    let scaling = p.environments[0]
        .layer("box")
        .unwrap()
        .scaling
        .clone()
        .unwrap();
    assert!(scaling.up.is_none() && scaling.down.is_none());
    let room = src.replace("max=2", "max=3");
    assert!(codes(&room).is_empty());
}

#[test]
fn shop_example_resolves() {
    let p = program(SHOP);
    let prod = &p.environments[0];
    assert!(matches!(
        prod.network,
        Network::NewVpc {
            zones: 3,
            nat: Nat::Single,
            ..
        }
    ));
    assert_eq!(
        prod.layer("api").unwrap().instance_type.arch,
        crate::stdlib::Arch::Arm64
    );
    assert_eq!(
        prod.layer("api").unwrap().attributes["nodejs_app"]["version"],
        "22"
    );
    assert_eq!(
        prod.layer("cache").unwrap().attributes["memcached"]["memory"],
        1024
    );
    let storefront = prod.layer("storefront").unwrap();
    assert_eq!(
        storefront.attributes["static_web"]["cache_max_age_seconds"],
        86400
    );
    assert_eq!(
        prod.custom_json["shop"]["features"],
        serde_json::json!(["checkout", "wishlist"])
    );
    let staging = p.environment("staging").unwrap();
    assert!(
        matches!(&staging.network, Network::NewVpc { cidr, zones: 2, .. } if cidr.to_string() == "10.61.0.0/16")
    );
    assert_eq!(
        staging.apps[0].secrets[0].ssm,
        "/shop/staging/stripe-api-key"
    );
    assert_eq!(
        staging.apps[0].database.as_ref().unwrap().adapter,
        "postgresql"
    );
}

#[test]
fn defaults_fill_a_bare_layer() {
    let p = program("stack s { region us-east-1; layer box type=custom }");
    let s = &p.environments[0];
    let layer = s.layer("box").unwrap();
    assert_eq!(layer.instance_type.name, "t3.small");
    assert_eq!(layer.scaling.as_ref().map(|s| (s.min, s.max)), Some((1, 1)));
    assert_eq!(layer.log_retention_days, 30);
    assert!(matches!(s.network, Network::NewVpc { zones: 2, .. }));
    assert_eq!(s.os.name, "amazon-linux-2023");
}

#[test]
fn every_error_of_a_file_is_reported_in_order() {
    let src = r#"stack s {
    region eu-west-9
    layer web type=php-ap
    layer db type=custom { instance-type t3.huge; scaling { instances min=3 max=1; } }
}"#;
    assert_eq!(
        codes(src),
        [
            Code::UnknownRegion,
            Code::UnknownLayerType,
            Code::UnknownInstanceType,
            Code::ScalingRange
        ]
    );
}

/// Files with several errors that do not depend on one another: `check`
/// reports each, whatever part of the file fails first.
#[test]
fn independent_errors_are_all_reported_in_one_run() {
    let cases: &[(&str, &[Code])] = &[
        // An error inside a layer hides no app's reference to a layer.
        (
            r#"stack s {
    region eu-west-1
    layer api type=nodejs-app { scaling { instances min=1 max=3; load { up cpu-above=70 for="5 min" add=1 } } }
    app shop type=nodejs layer=apii { source git="https://example.com/shop.git" }
}"#,
            &[Code::BadDuration, Code::UnknownLayer],
        ),
        // The app still fits the layer's type when the layer has an error.
        (
            r#"stack s {
    region eu-west-1
    layer cache type=memcached { memory "lots" }
    app shop type=php layer=cache { source git="https://example.com/shop.git" }
}"#,
            &[Code::BadSize, Code::AppWithoutInstances],
        ),
        // A layer whose type is wrong is still a layer: the app that names
        // it is not told it does not exist.
        (
            r#"stack s {
    region eu-west-9
    layer web type=php-ap { instance-type t3.huge; scaling { instances min=3 max=1 } }
    app shop type=php layer=web { source git="https://example.com/shop.git" }
    app blog type=php layer=wbe { source git="https://example.com/shop.git" }
}"#,
            &[
                Code::UnknownRegion,
                Code::UnknownLayerType,
                Code::UnknownInstanceType,
                Code::ScalingRange,
                Code::UnknownLayer,
            ],
        ),
        // Stack, layer, app and environment errors side by side.
        (
            r#"stack s {
    region eu-west-1
    notify "ops-at-example"
    layer web type=php-app { scaling { instances min=3 max=1 } }
    app shop type=java layer=web { source git="https://example.com/shop.git" }
    environment test { layer wbe { instance-type t3.micro } }
}"#,
            &[
                Code::BadEmail,
                Code::ScalingRange,
                Code::AppLayerMismatch,
                Code::UnknownLayer,
            ],
        ),
    ];
    for (src, expected) in cases {
        assert_eq!(codes(src), *expected, "{src}");
    }
}

#[test]
fn production_on_plain_http_or_one_unscaled_instance_is_a_warning() {
    let app = r#"app shop type=php layer=web { source git="https://example.com/shop.git" }"#;
    let https =
        r#"listener https certificate="arn:aws:acm:us-east-1:123456789012:certificate/abc""#;
    let stack = |layer_body: &str, rest: &str| {
        format!("stack s {{\n    region us-east-1\n    layer web type=php-app {{ {layer_body} }}\n    {rest}\n}}")
    };
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    let warned = |src: &str| -> Vec<(Code, String)> {
        let (program, diags) = check_source(src, &opts);
        assert!(program.is_some(), "warnings build: {diags:#?}");
        assert!(diags.iter().all(|d| d.severity == Severity::Warning));
        diags
            .iter()
            .map(|d| {
                (
                    d.code,
                    src[d.span.offset..d.span.offset + d.span.len].to_string(),
                )
            })
            .collect()
    };
    // Plain HTTP in production, at the listener.
    let src = stack(
        "load-balancer { listener http; }; scaling { instances min=2 max=4; }",
        "",
    );
    assert_eq!(
        warned(&src),
        [(Code::PlainHttpInProduction, "listener http".to_string())]
    );
    // One instance behind the load balancer, or serving an app, and nothing
    // that scales it: at `instances`, or at the layer when it has none.
    let src = stack(
        &format!("load-balancer {{ {https}; }}; scaling {{ instances min=1 max=3; }}"),
        "",
    );
    assert_eq!(
        warned(&src),
        [(
            Code::SingleInstanceInProduction,
            "instances min=1 max=3".to_string()
        )]
    );
    assert_eq!(
        warned(&stack("instance-type t3.small", app)),
        [(Code::SingleInstanceInProduction, "web".to_string())]
    );
    // Scaled by load or by a schedule, or two: no warning.
    for scaling in [
        r#"scaling { instances min=1 max=3; load { up cpu-above=70 for="5m" add=1; }; }"#,
        r#"scaling { instances min=1 max=3; schedule { at "mon-fri 08:00" min=2 max=3; }; }"#,
        "scaling { instances min=2 max=2; }",
    ] {
        assert_eq!(warned(&stack(scaling, app)), [], "{scaling}");
    }
    // A layer that serves nothing may run alone.
    let worker = "stack s { region us-east-1; layer jobs type=custom; }";
    assert_eq!(warned(worker), []);
    // Another environment may be small and plain: the warnings are about
    // production only.
    let src = stack(
        &format!("load-balancer {{ {https}; }}; scaling {{ instances min=2 max=4; }}"),
        &format!("{app}\n    environment test {{ layer web {{ load-balancer {{ listener http; }}; scaling {{ instances min=1 max=1; }}; }}; }}"),
    );
    assert_eq!(warned(&src), []);
}

#[test]
fn environment_layers_must_exist_or_be_new() {
    let src = "stack s { region us-east-1; layer web type=custom; environment test { layer wbe { instance-type t3.micro; }; } }";
    assert_eq!(codes(src), [Code::UnknownLayer]);
    let src = "stack s { region us-east-1; layer web type=custom; environment test { layer extra type=custom; } }";
    let p = program(src);
    assert_eq!(p.environment("test").unwrap().layers.len(), 2);
    assert_eq!(p.environments[0].layers.len(), 1);
}

#[test]
fn colocation_rules_follow_opsworks() {
    let ok = "stack s { region us-east-1; layer web type=php-app; layer cache type=memcached { on web; } }";
    assert!(codes(ok).is_empty());
    let java = "stack s { region us-east-1; layer app type=java-app; layer cache type=memcached { on app; } }";
    assert_eq!(codes(java), [Code::IncompatibleLayers]);
    let two_apps = "stack s { region us-east-1; layer web type=php-app; layer api type=nodejs-app { on web; } }";
    assert_eq!(codes(two_apps), [Code::IncompatibleLayers]);
    let ports = "stack s { region us-east-1; layer web type=php-app; layer edge type=custom { on web; }; layer lb type=haproxy { on edge; } }";
    assert_eq!(codes(ports), [Code::ColocatedChain]);
    // Two guests that clash clash once, not once from each side, at the
    // later one.
    let guests = "stack s { region us-east-1; layer web type=custom; layer a type=php-app { on web; }; layer b type=nodejs-app { on web; } }";
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    let diags = check_source(guests, &opts).1;
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(
        diags[0].message,
        "a nodejs-app layer cannot share an instance with a php-app layer"
    );
}

#[test]
fn fmt_is_a_fixed_point_and_keeps_the_meaning_of_every_example() {
    for (name, src) in [
        ("goldcar", GOLDCAR),
        ("shop", SHOP),
        (
            "minimal",
            include_str!("../../../../examples/minimal/stack.kdl"),
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
        include_str!("../../../../examples/minimal/stack.kdl"),
        &generated,
    ] {
        let (program, diags) = check_source(src, &opts);
        let program = program.expect("program");
        let (outline, outline_diags) = super::outline_source(src, &opts);
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
            let (alone, _) = super::environment_source(src, &opts, &env.env);
            let alone = alone.expect("environment");
            // Debug shows spans too, which `==` ignores.
            assert_eq!(format!("{alone:?}"), format!("{env:?}"));
        }
        assert!(super::environment_source(src, &opts, "nope").0.is_none());
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
    let (outline, outline_diags) = super::outline_source(src, &opts);
    assert!(program.is_none() && outline.is_none());
    assert!(!diags.is_empty());
    assert_eq!(format!("{outline_diags:?}"), format!("{diags:?}"));
    assert!(super::environment_source(src, &opts, "production")
        .0
        .is_none());
}

#[test]
fn a_layer_takes_as_many_volumes_as_there_are_device_names() {
    let most = crate::emit::cfn::userdata::VOLUME_DEVICES.len();
    let stack = |n: usize| {
        let volumes: String = (0..n)
            .map(|i| format!("volume \"/srv/v{i}\" size=\"1GiB\"; "))
            .collect();
        format!("stack s {{ region us-east-1; layer box type=custom {{ {volumes} }} }}")
    };
    assert_eq!(
        program(&stack(most)).environments[0].layers[0]
            .volumes
            .len(),
        most
    );
    assert_eq!(codes(&stack(most + 1)), [Code::TooManyVolumes]);
    assert_eq!(codes(&stack(most + 2)), [Code::TooManyVolumes; 2]);
    // An environment that adds one past the last is refused too.
    let over = stack(most).replace(
        " } }",
        " }; environment test { layer box { volume \"/srv/extra\" size=\"1GiB\" } } }",
    );
    assert_eq!(codes(&over), [Code::TooManyVolumes]);
}

/// A file system with one user cookbook, `myapi`, whose recipes are
/// `worker` and `setup`.
struct OneCookbook;

impl super::Files for OneCookbook {
    fn is_file(&self, path: &Path) -> bool {
        ["worker.rb", "setup.rb"]
            .iter()
            .any(|r| path == Path::new("/stack/cookbooks/myapi/recipes").join(r))
    }
    fn is_dir(&self, path: &Path) -> bool {
        path == Path::new("/stack/cookbooks") || path.starts_with("/stack/cookbooks/myapi")
    }
    fn file_names(&self, dir: &Path) -> Vec<String> {
        if dir == Path::new("/stack/cookbooks/myapi/recipes") {
            vec!["worker.rb".into(), "setup.rb".into(), "README.md".into()]
        } else {
            Vec::new()
        }
    }
}

/// The usual slips of a first stack file each get one error whose help
/// says what to write, and the fix an editor can apply as is: a duration
/// in words, a recipe one letter off, a node one block too high, YAML's
/// `key: value`.
#[test]
fn first_hour_slips_get_the_spelling_to_write_and_a_fix() {
    let src = r#"stack s {
    region eu-west-1
    cookbooks "./cookbooks"
    layer api type=custom {
        instance-type t3.micro
        instances min=1 max=2
        recipes { setup myapi::wrker; configure "myapi::settup" }
        scaling {
            instances min: 1 max: 3
            load { up cpu-above=70 for="5 min" add=1 }
        }
    }
}
"#;
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &OneCookbook,
    };
    let diags = check_source(src, &opts).1;
    let fixed = |code: Code, from: &str| {
        let d = diags
            .iter()
            .find(|d| d.code == code && src[d.span.offset..].starts_with(from))
            .unwrap_or_else(|| panic!("no {code:?} at {from}: {diags:#?}"));
        let fix = d.fix.as_ref().unwrap_or_else(|| panic!("no fix: {d:#?}"));
        let mut out = src.to_string();
        out.replace_range(
            fix.span.offset..fix.span.offset + fix.span.len,
            &fix.replacement,
        );
        (d.help.clone().unwrap(), out)
    };
    let (help, out) = fixed(Code::BadDuration, "\"5 min\"");
    assert_eq!(help, "write `\"5m\"`");
    assert!(out.contains(r#"for="5m" add=1"#));
    let (help, out) = fixed(Code::UnknownRecipe, "myapi::wrker");
    assert!(help.starts_with("did you mean `myapi::worker`?"), "{help}");
    assert!(out.contains(r#"setup "myapi::worker";"#));
    let (_, out) = fixed(Code::UnknownRecipe, "\"myapi::settup\"");
    assert!(out.contains(r#"configure "myapi::setup" }"#));
    let (help, out) = fixed(Code::UnexpectedArgument, "min: 1");
    assert_eq!(help, "write `min=1`");
    assert!(out.contains("instances min=1 max: 3"));
    let (_, out) = fixed(Code::UnexpectedArgument, "max: 3");
    assert!(out.contains("instances min: 1 max=3"));
    let nested = diags
        .iter()
        .find(|d| d.code == Code::UnknownNode)
        .expect("instances in the layer");
    assert_eq!(
        nested.help.as_deref(),
        Some("`instances` goes inside `scaling { }`: `scaling { instances ... }`")
    );
    // One error each, and no `min=`/`max=` missing besides YAML's spelling.
    assert!(
        !diags.iter().any(|d| d.code == Code::MissingProperty),
        "{diags:#?}"
    );
    assert_eq!(diags.len(), 6, "{diags:#?}");
}

/// A name far longer than any stackc knows gets no "did you mean": its
/// Jaro–Winkler distance to each candidate costs the product of the
/// lengths (a 65 KB time zone from the fuzzer took 1.4 s against the 600
/// zones).
#[test]
fn an_absurdly_long_name_gets_no_suggestion() {
    let zone = format!("Europe/Madri{}d", "a=1 ".repeat(20_000));
    let src = format!(
        "stack s {{\n    region eu-west-1\n    working-hours \"mon-fri 08:00-20:00\" timezone=\"{zone}\"\n}}\n"
    );
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    let diags = check_source(&src, &opts).1;
    let bad = diags
        .iter()
        .find(|d| d.code == Code::BadTimezone)
        .unwrap_or_else(|| panic!("{diags:#?}"));
    assert!(!bad
        .help
        .as_deref()
        .unwrap_or_default()
        .contains("did you mean"));
    assert_eq!(
        crate::diag::suggest("Europe/Madri", ["Europe/Madrid"]),
        Some("Europe/Madrid")
    );
    assert_eq!(crate::diag::suggest(&zone, ["Europe/Madrid"]), None);
}
