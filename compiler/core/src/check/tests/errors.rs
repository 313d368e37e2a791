//! Checker tests on errors and warnings: every error of a file, production warnings,
//! environment layers, co-location, volume limits.

use std::path::Path;

use super::{codes, program};
use crate::check::{check_source, AllExist, Options};
use crate::diag::{Code, Severity};

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
