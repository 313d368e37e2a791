//! Tests of the vetting of values and of custom JSON.

use std::path::Path;

use crate::check::{check_source, AllExist, Options};
use crate::diag::{Code, Diagnostic, Severity};

fn errors(src: &str) -> Vec<Diagnostic> {
    let opts = Options {
        base_dir: Path::new("/stack"),
        files: &AllExist,
    };
    check_source(src, &opts)
        .1
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

/// A stack with `layer` inside the web layer, `app` inside the app and
/// `json` as the stack's and `env_json` as an environment's custom-json.
fn stack(layer: &str, app: &str, json: &str, env_json: &str) -> String {
    format!(
        r#"stack shop {{
region eu-west-1
layer web type=php-app {{
    {layer}
}}
layer api type=nodejs-app
app site type=php layer=web {{
    source git="https://git.example/site.git" revision=main
    {app}
}}
custom-json {{
    {json}
}}
environment test {{
    custom-json {{
        {env_json}
    }}
}}
}}"#
    )
}

fn codes(layer: &str, app: &str, json: &str, env_json: &str) -> Vec<Code> {
    errors(&stack(layer, app, json, env_json))
        .iter()
        .map(|d| d.code)
        .collect()
}

#[test]
fn values_of_the_wrong_type_are_refused_with_their_code() {
    let cases: &[(&str, &str, Code)] = &[
        (r#"volume "/etc" size="1GiB""#, "", Code::SystemDirectory),
        (
            r#"volume "/usr/local/data" size="1GiB""#,
            "",
            Code::SystemDirectory,
        ),
        (r#"volume "/var" size="1GiB""#, "", Code::SystemDirectory),
        (
            r#"volume "/srv\nUUID=x /etc xfs defaults 0 0" size="1GiB""#,
            "",
            Code::UnsafeValue,
        ),
        (r#"volume "/srv data" size="1GiB""#, "", Code::UnsafeValue),
        (r#"logs "/var/log/a\nb""#, "", Code::UnsafeValue),
        (
            r#"load-balancer { listener http; health-check path="/h\r\nX: y" }"#,
            "",
            Code::UnsafeValue,
        ),
        (
            "",
            r#"site shop.example root="public\n</Directory>""#,
            Code::UnsafeValue,
        ),
        ("", r#"site shop.example root="pub lic""#, Code::UnsafeValue),
        ("", r#"site shop.example root="a$(id)""#, Code::UnsafeValue),
        ("", r#"env GREETING "hi\nEVIL=1""#, Code::UnsafeValue),
        (
            "",
            r#"env AWS_ID AKIAIOSFODNN7EXAMPLE"#,
            Code::CredentialValue,
        ),
        (
            "",
            r#"env DEPLOY_PEM "-----BEGIN PRIVATE KEY-----""#,
            Code::CredentialValue,
        ),
        (
            "",
            r#"database host="db\nx" name=shop user=shop"#,
            Code::BadHost,
        ),
        (
            "",
            r#"database host="db x" name=shop user=shop"#,
            Code::BadHost,
        ),
        (
            "",
            r#"database host=db.internal name="shop\"x" user=shop"#,
            Code::BadIdentifier,
        ),
        (
            "",
            r#"database host=db.internal name=shop user="u\nv""#,
            Code::BadIdentifier,
        ),
    ];
    for (layer, app, code) in cases {
        let got = codes(layer, app, "", "");
        assert!(got.contains(code), "{layer} {app}: {got:?}");
    }
    let src =
        stack("", "", "", "").replace("revision=main", r#"revision="--upload-pack=touch /tmp/x""#);
    let got: Vec<Code> = errors(&src).iter().map(|d| d.code).collect();
    assert_eq!(got, [Code::BadRevision]);
    let src = stack("", "", "", "").replace(
        "https://git.example/site.git",
        "https://deploy:hunter2@git.example/site.git",
    );
    let got: Vec<Code> = errors(&src).iter().map(|d| d.code).collect();
    assert_eq!(got, [Code::CredentialValue]);
    let node = stack("", "", "", "").replace(
        "layer api type=nodejs-app",
        "layer api type=nodejs-app { start-command \"node a.js\\nExecStartPre=/bin/rm\" }",
    );
    let got: Vec<Code> = errors(&node).iter().map(|d| d.code).collect();
    assert_eq!(got, [Code::UnsafeValue]);
    for path in ["/health check", "/#x", "/\"q\"", "health"] {
        let haproxy = stack("", "", "", "").replace(
            "layer api type=nodejs-app",
            &format!("layer lb type=haproxy {{ health-check-path {path:?} }}"),
        );
        let got: Vec<Code> = errors(&haproxy).iter().map(|d| d.code).collect();
        assert_eq!(got, [Code::UnsafeValue], "{path}");
    }
}

#[test]
fn values_of_the_right_type_pass() {
    let src = stack(
        r#"volume "/var/lib/mysql" size="1GiB"; volume "/srv/data-1" size="1GiB"; volume "/home/app" size="1GiB""#,
        r#"site shop.example root="web/public_html"
    env RELEASE_URL "https://cdn.example.com/releases/v1.4.2/app.tar.gz"
    env BUILD_SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    env REQUEST_ID_NAMESPACE "550e8400-e29b-41d4-a716-446655440000"
    database host="10.0.3.12" name=shop_prod user="shop-app""#,
        r#"shop { currency EUR; checksum_sha256 "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"; password_file "/etc/shop/pw"; token_url "https://auth.example.com/token" }
    deploy { site { feature_flags { beta #true }; scm { mirror "https://mirror.example/site.git" } } }
    php_app { extra_modules "gd intl" }
    stackc { team payments }
    opsworks { ruby_version "3.1" }"#,
        r#"deploy { site { feature_flags { beta #false } } }"#,
    )
    .replace("revision=main", r#"revision="release/2024-05""#);
    assert_eq!(errors(&src), []);
}

#[test]
fn a_deployments_custom_json_is_vetted_like_the_stack_files() {
    let apps = ["rentals"];
    let ok = serde_json::json!({
        "deploy": { "rentals": { "feature_flags": { "new_checkout": true } } },
        "goldcar": { "currency": "EUR", "regions": ["es", "pt"] },
    });
    assert_eq!(
        super::deployment_json_problems(&ok, &apps),
        Vec::<String>::new()
    );
    let bad = serde_json::json!({
        "deploy": { "rentals": { "deploy_to": "/etc" } },
        "run_list": ["recipe[x]"],
        "payments": { "stripe": { "api-key": "sk_live_abcdefghijklmnopqrstuvwxyz012345" } },
        "keys": [{ "id": "AKIAABCDEFGHIJKLMNOP" }],
    });
    let problems = super::deployment_json_problems(&bad, &apps);
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(
        problems[0].starts_with("`deploy.rentals.deploy_to` is computed by stackc; set it with "),
        "{problems:#?}"
    );
    assert!(
        problems[3].starts_with("`keys.id` looks like an AWS access key id"),
        "{problems:#?}"
    );
    assert!(
        problems[2].contains("`payments.stripe.api-key` looks like a Stripe secret key"),
        "{problems:#?}"
    );
    assert!(
        problems[2].contains("secret PAYMENTS_STRIPE_API_KEY ssm=\"/payments/stripe/api-key\""),
        "{problems:#?}"
    );
    assert!(
        problems[1].starts_with("`run_list` is computed by stackc"),
        "{problems:#?}"
    );
    assert_eq!(
        super::deployment_json_problems(&serde_json::json!([1]), &apps),
        ["a deployment's custom JSON must be an object (`{ ... }`)"]
    );
}

#[test]
fn custom_json_cannot_replace_what_stackc_computes() {
    let refused = [
        r#"deploy { site { deploy_to "/etc" } }"#,
        r#"deploy { site { user root } }"#,
        r#"deploy { site { scm { repository "file:///etc" } } }"#,
        r#"deploy { site { scm "x" } }"#,
        r#"deploy { site { environment_variables { X "1" } } }"#,
        r#"deploy { site { database { host "evil" } } }"#,
        r#"deploy { other { layer web; deploy_to "/etc" } }"#,
        r#"deploy "nothing""#,
        r#"opsworks { layers { web { instances { } } } }"#,
        r#"stackc { secrets_dir "/tmp" }"#,
        r#"run_list "recipe[evil]""#,
        r#"nodejs_app { start_command "rm -rf /" }"#,
        r#"php_app max_children=100000"#,
    ];
    for json in refused {
        assert_eq!(
            codes("", "", json, ""),
            [Code::ComputedKey],
            "stack: {json}"
        );
        assert_eq!(
            codes("", "", "", json),
            [Code::ComputedKey],
            "environment: {json}"
        );
    }
    let src = stack(
        "",
        "",
        r#"deploy { site { scm { repository "file:///etc" } } }"#,
        "",
    );
    let d = &errors(&src)[0];
    assert_eq!(
        d.message,
        "`deploy.site.scm.repository` is set by stackc from `source` of app `site`"
    );
    assert!(d
        .help
        .as_deref()
        .unwrap()
        .contains("set it with `source` of app `site`"));
    assert_eq!(
        &src[d.span.offset..d.span.offset + d.span.len],
        "repository"
    );
}

#[test]
fn credentials_in_custom_json_are_refused_at_any_depth_with_the_secret_to_write() {
    let src = stack(
        "",
        "",
        r#"payments { stripe { apiKey "sk_live_4eC39HqLyjWDarjtT1zdp7dc" } }"#,
        r#"mail smtp_password="S3cr3tP@ssw0rd""#,
    );
    let diags = errors(&src);
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert!(diags.iter().all(|d| d.code == Code::CredentialValue));
    assert!(
        diags[0]
            .help
            .as_deref()
            .unwrap()
            .contains(r#"secret PAYMENTS_STRIPE_API_KEY ssm="/payments/stripe/api-key""#),
        "{:?}",
        diags[0].help
    );
    assert!(diags[1]
        .help
        .as_deref()
        .unwrap()
        .contains(r#"secret MAIL_SMTP_PASSWORD ssm="/mail/smtp-password""#));
    let list = stack("", "", r#"keys { - "AKIAIOSFODNN7EXAMPLE" }"#, "");
    assert_eq!(
        errors(&list).iter().map(|d| d.code).collect::<Vec<_>>(),
        [Code::CredentialValue]
    );
    let env = stack(
        "",
        r#"env STRIPE "sk_live_4eC39HqLyjWDarjtT1zdp7dc""#,
        "",
        "",
    );
    let d = &errors(&env)[0];
    assert!(d
        .help
        .as_deref()
        .unwrap()
        .contains(r#"secret STRIPE ssm="/site/stripe""#));
}
