//! Synthetic stack files of any size, for the benchmarks and for tests of
//! CloudFormation's limits (a 60-layer stack must split into nested stacks).
//! Every layer names `site::setup_<i>` and `site::deploy`; [`cookbook`]
//! writes the matching cookbook.

use std::fmt::Write as _;

/// A stack of `n` layers (php, nodejs, custom and static in turn), each with
/// a volume, recipes, load and time scaling, logs and an alarm, an app per
/// non-custom layer, and a `test` environment on working hours.
pub fn stack(n: usize) -> String {
    let mut s = String::from(
        "stack bench {\n    region eu-west-1\n    cookbooks \"./cookbooks\"\n    notify \"ops@bench.example\"\n    network { vpc cidr=\"10.40.0.0/16\" zones=3; }\n    custom-json { bench { ttl 300; tags { - a; - b; } } }\n",
    );
    for i in 0..n {
        let ty = ["php-app", "nodejs-app", "custom", "static-web"][i % 4];
        let _ = write!(
            s,
            r#"    layer l{i} type={ty} {{
        instance-type t3.small
        volume "/data" size="20GiB"
        recipes {{
            setup site::setup_{i}
            deploy site::deploy
        }}
        scaling {{
            instances min=1 max=6
            load {{
                up cpu-above=70 for="5m" add=2
                down cpu-below=20 for="15m" remove=1
            }}
            schedule timezone="Europe/Madrid" {{
                at "mon-fri 09:00" min=2 max=6
                at "mon-fri 19:00" min=1 max=2
            }}
        }}
        logs "/var/log/l{i}/*.log" retention="30d"
        alarm high-cpu metric=cpu above=90 for="10m"
    }}
"#
        );
        let app_type = ["php", "nodejs", "", "static"][i % 4];
        if !app_type.is_empty() {
            let _ = write!(
                s,
                "    app a{i} type={app_type} layer=l{i} {{\n        source git=\"https://git.example/a{i}.git\" revision=v1.0.{i}\n        site a{i}.bench.example alias=www.a{i}.bench.example root=public\n        env APP_ENV production\n        secret DB_PASSWORD ssm=\"/bench/a{i}/db\"\n    }}\n"
            );
        }
    }
    s.push_str("    environment test {\n        working-hours \"mon-fri 08:00-20:00\" timezone=\"Europe/Madrid\"\n");
    for i in (0..n).step_by(10) {
        let _ = writeln!(
            s,
            "        layer l{i} {{ instance-type t3.micro; scaling {{ instances min=1 max=2; }} }}"
        );
    }
    s.push_str("    }\n}\n");
    s
}

/// The `site` cookbook the generated stack needs: (path under the cookbooks
/// directory, contents).
pub fn cookbook(n: usize) -> Vec<(String, String)> {
    let mut files = vec![
        (
            "site/metadata.rb".to_string(),
            "name 'site'\nversion '1.0.0'\n".to_string(),
        ),
        (
            "site/recipes/deploy.rb".to_string(),
            "log 'deploy'\n".to_string(),
        ),
    ];
    for i in 0..n {
        files.push((
            format!("site/recipes/setup_{i}.rb"),
            format!("log 'setup {i}'\n"),
        ));
    }
    files
}

/// The number after `name` on a benchmark's command line
/// (`cargo bench ... -- --layers 100`), or `default`.
pub fn flag(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
