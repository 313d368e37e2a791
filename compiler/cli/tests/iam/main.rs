//! What the built templates' policies allow, evaluated (see `policy.rs`):
//! instances read only their own layer's parameters and complete, signal
//! and tag only their own group, stack and instance; service roles trust
//! only this account's resources; failed lifecycle runs reach the topic
//! and nothing else does.

#[path = "../common/mod.rs"]
mod common;
mod policy;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use policy::{allowed, Env, Request, ACCOUNT, PARTITION};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stackc-iam-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Builds a stack file; returns the output directory.
fn build_file(file: &Path, name: &str) -> PathBuf {
    let out = scratch(name);
    let o = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args([
            "build",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .env("NO_COLOR", "1")
        .output()
        .expect("run stackc");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

fn example(name: &str) -> PathBuf {
    build_file(
        &common::repo().join(format!("examples/{name}/stack.kdl")),
        name,
    )
}

fn template(out: &Path, stack: &str) -> Value {
    let path = out.join(stack).join("template.json");
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

fn ssm_parameter(region: &str, name: &str) -> String {
    format!(
        "arn:{PARTITION}:ssm:{region}:{ACCOUNT}:parameter/{}",
        name.trim_start_matches('/')
    )
}

/// Can the instances of this role read this SSM parameter, alone or in a
/// batch?
fn reads(policies: &[Value], region: &str, name: &str) -> bool {
    let arn = ssm_parameter(region, name);
    allowed(policies, &Request::new("ssm:GetParameter", &arn))
        || allowed(policies, &Request::new("ssm:GetParameters", &arn))
}

/// Can they read this secret the way the agent does (GetParameters), and
/// one by one?
fn reads_secret(policies: &[Value], region: &str, name: &str) -> bool {
    let arn = ssm_parameter(region, name);
    allowed(policies, &Request::new("ssm:GetParameter", &arn))
        && allowed(policies, &Request::new("ssm:GetParameters", &arn))
}

#[test]
fn instances_read_only_their_own_layers_parameters() {
    let out = example_once("goldcar");
    let t = template(&out, "goldcar-production");
    let env = Env::new(&t, "eu-west-1", "goldcar-production");
    let web = env.role_policies("WebInstanceRole");
    let reports = env.role_policies("ReportsInstanceRole");
    let r = "eu-west-1";

    // What the agent needs: the bundle pointer and its app's secret.
    assert!(reads(&web, r, "/stackc/goldcar-production/bundle"));
    assert!(reads_secret(&web, r, "/goldcar/prod/db-password"));
    assert!(reads(&reports, r, "/stackc/goldcar-production/bundle"));
    // The secret is a SecureString: decrypted through SSM only.
    let decrypt = |keys: &[(&str, &str)]| {
        let mut req = Request::new(
            "kms:Decrypt",
            &format!("arn:{PARTITION}:kms:{r}:{ACCOUNT}:key/any"),
        );
        for (k, v) in keys {
            req = req.with(k, v);
        }
        allowed(&web, &req)
    };
    assert!(decrypt(&[(
        "kms:ViaService",
        "ssm.eu-west-1.amazonaws.com"
    )]));
    assert!(!decrypt(&[]));
    assert!(!decrypt(&[(
        "kms:ViaService",
        "s3.eu-west-1.amazonaws.com"
    )]));

    // Not another layer's secret, not another environment's pointer, not
    // anything else of the account, not by path.
    assert!(!reads(&reports, r, "/goldcar/prod/db-password"));
    assert!(!reads(&web, r, "/stackc/goldcar-test/bundle"));
    assert!(!reads(&web, r, "/goldcar/prod/other-password"));
    assert!(!reads(&web, r, "/payroll/db-password"));
    for path in ["/", "/goldcar", "/goldcar/prod", "/stackc"] {
        let arn = ssm_parameter(r, path);
        for policies in [&web, &reports] {
            assert!(
                !allowed(policies, &Request::new("ssm:GetParametersByPath", &arn)),
                "{path}"
            );
        }
    }
    // The SSM agent still works: Run Command and Session Manager.
    for action in [
        "ssm:UpdateInstanceInformation",
        "ssm:ListInstanceAssociations",
        "ec2messages:GetMessages",
        "ec2messages:SendReply",
        "ssmmessages:CreateControlChannel",
        "ssmmessages:OpenDataChannel",
    ] {
        assert!(allowed(&web, &Request::new(action, "*")), "{action}");
    }
}

/// A stack whose environments name different secrets, on two layers.
const TWIN: &str = r#"stack twin {
    region eu-west-1
    layer front type=php-app
    layer back type=nodejs-app
    app site type=php layer=front {
        source git="https://git.example/site.git"
        secret DB_PASSWORD ssm="/twin/prod/site-db"
    }
    app api type=nodejs layer=back {
        source git="https://git.example/api.git"
        secret API_TOKEN ssm="/twin/prod/api-token"
    }
    environment test {
        app site { secret DB_PASSWORD ssm="/twin/test/site-db"; }
        app api { secret API_TOKEN ssm="/twin/test/api-token"; }
    }
}
"#;

#[test]
fn an_environment_reads_its_own_secrets_not_productions() {
    let dir = scratch("twin-src");
    std::fs::write(dir.join("stack.kdl"), TWIN).unwrap();
    let out = build_file(&dir.join("stack.kdl"), "twin");
    let r = "eu-west-1";
    let test = template(&out, "twin-test");
    let env = Env::new(&test, r, "twin-test");
    let front = env.role_policies("FrontInstanceRole");
    let back = env.role_policies("BackInstanceRole");
    assert!(reads_secret(&front, r, "/twin/test/site-db"));
    assert!(
        !reads(&front, r, "/twin/prod/site-db"),
        "production's secret"
    );
    assert!(!reads(&front, r, "/twin/test/api-token"), "another layer's");
    assert!(!reads(&front, r, "/twin/prod/api-token"));
    assert!(reads_secret(&back, r, "/twin/test/api-token"));
    assert!(!reads(&back, r, "/twin/prod/api-token"));
    assert!(!reads(&back, r, "/twin/test/site-db"));
    assert!(!reads(&front, r, "/stackc/twin-production/bundle"));
    assert!(reads(&front, r, "/stackc/twin-test/bundle"));

    let prod = template(&out, "twin-production");
    let env = Env::new(&prod, r, "twin-production");
    let front = env.role_policies("FrontInstanceRole");
    assert!(reads_secret(&front, r, "/twin/prod/site-db"));
    assert!(!reads(&front, r, "/twin/test/site-db"));

    // The example with environments of its own: shop's staging API.
    let out = example_once("shop");
    let staging = template(&out, "shop-staging");
    let env = Env::new(&staging, "eu-central-1", "shop-staging");
    let api = env.role_policies("ApiInstanceRole");
    let r = "eu-central-1";
    assert!(reads_secret(&api, r, "/shop/staging/stripe-api-key"));
    assert!(!reads(&api, r, "/shop/prod/stripe-api-key"));
    assert!(!reads(&api, r, "/shop/prod/db-password"));
}

fn group_arn(region: &str, group: &str) -> String {
    format!(
        "arn:{PARTITION}:autoscaling:{region}:{ACCOUNT}:autoScalingGroup:0a1b2c3d-1111-2222-3333-444455556666:autoScalingGroupName/{group}"
    )
}

#[test]
fn instances_complete_signal_and_tag_only_their_own() {
    let out = example_once("goldcar");
    let t = template(&out, "goldcar-production");
    let env = Env::new(&t, "eu-west-1", "goldcar-production");
    let web = env.role_policies("WebInstanceRole");
    let r = "eu-west-1";

    let complete = |group: &str| {
        allowed(
            &web,
            &Request::new("autoscaling:CompleteLifecycleAction", &group_arn(r, group)),
        )
    };
    assert!(complete("goldcar-production-web"));
    assert!(!complete("goldcar-production-reports"));
    assert!(!complete("goldcar-test-web"));

    // The bootstrap signals the stack its launch template is in (the
    // template's own AWS::StackName): that stack, and no other stack of the
    // same name (an earlier or later deployment).
    let parts = &env.resource("WebLaunchTemplate")["Properties"]["LaunchTemplateData"]["UserData"]
        ["Fn::Base64"]["Fn::Join"][1];
    assert!(parts
        .as_array()
        .unwrap()
        .contains(&serde_json::json!({ "Ref": "AWS::StackName" })));
    let signal = |stack: &str| allowed(&web, &Request::new("cloudformation:SignalResource", stack));
    assert!(signal(&env.stack_id()));
    assert!(!signal(&format!(
        "arn:{PARTITION}:cloudformation:{r}:{ACCOUNT}:stack/goldcar-production/00000000-0000-0000-0000-000000000000"
    )));
    assert!(!signal(&format!(
        "arn:{PARTITION}:cloudformation:{r}:{ACCOUNT}:stack/goldcar-test/5f2a1c3e-0b4d-4e6f-8a9b-0c1d2e3f4a5b"
    )));

    // The agent tags its own instance with the last run, nothing else.
    let me = format!("arn:{PARTITION}:ec2:{r}:{ACCOUNT}:instance/i-0aaa");
    let other = format!("arn:{PARTITION}:ec2:{r}:{ACCOUNT}:instance/i-0bbb");
    let tag = |on: &str, key: &str| {
        allowed(
            &web,
            &Request::new("ec2:CreateTags", on)
                .with("ec2:SourceInstanceARN", &me)
                .with("aws:ARN", on)
                .with("aws:TagKeys", key),
        )
    };
    assert!(tag(&me, "stackc:last-run"));
    assert!(!tag(&other, "stackc:last-run"));
    assert!(!tag(&me, "stackc:layer"));
}

#[test]
fn nested_instances_signal_their_nested_stack() {
    let dir = scratch("nested-src");
    std::fs::write(dir.join("stack.kdl"), stackc_core::generate::stack(60)).unwrap();
    for (path, text) in stackc_core::generate::cookbook(60) {
        let p = dir.join("cookbooks").join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let out = build_file(&dir.join("stack.kdl"), "nested");
    let path = out.join("bench-production/layers/l7.json");
    let t: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let nested = "bench-production-L7Stack-1A2B3C4D5E6F";
    let env = Env::new(&t, "eu-west-1", nested);
    let role = env.role_policies("L7InstanceRole");
    assert!(allowed(
        &role,
        &Request::new("cloudformation:SignalResource", &env.stack_id())
    ));
    let root = format!(
        "arn:{PARTITION}:cloudformation:eu-west-1:{ACCOUNT}:stack/bench-production/5f2a1c3e-0b4d-4e6f-8a9b-0c1d2e3f4a5b"
    );
    assert!(!allowed(
        &role,
        &Request::new("cloudformation:SignalResource", &root)
    ));
    assert!(reads_secret(&role, "eu-west-1", "/bench/a7/db"));
    assert!(!reads(&role, "eu-west-1", "/bench/a5/db"));
    assert!(allowed(
        &role,
        &Request::new(
            "autoscaling:CompleteLifecycleAction",
            &group_arn("eu-west-1", "bench-production-l7")
        )
    ));
    assert!(!allowed(
        &role,
        &Request::new(
            "autoscaling:CompleteLifecycleAction",
            &group_arn("eu-west-1", "bench-production-l6")
        )
    ));
}

/// Every role a service assumes trusts only this account's resources of
/// the right kind; the instance role (EC2 sets no source keys) trusts EC2.
#[test]
fn service_roles_trust_only_this_accounts_resources() {
    let stranger = "210987654321";
    for (example, stack, region) in [
        ("goldcar", "goldcar-production", "eu-west-1"),
        ("shop", "shop-staging", "eu-central-1"),
        ("minimal", "minimal-production", "us-east-1"),
    ] {
        let out = example_once(example);
        let t = template(&out, stack);
        let env = Env::new(&t, region, stack);
        let mut services = Vec::new();
        for role in env.ids_of_type("AWS::IAM::Role") {
            let trust = [env.trust_policy(&role)];
            let service = trust[0]["Statement"][0]["Principal"]["Service"]
                .as_str()
                .unwrap()
                .to_string();
            let assume = |source_account: Option<&str>, source_arn: Option<&str>| {
                let mut req = Request::by_service(&service, "sts:AssumeRole", "*");
                if let Some(a) = source_account {
                    req = req.with("aws:SourceAccount", a);
                }
                if let Some(a) = source_arn {
                    req = req.with("aws:SourceArn", a);
                }
                allowed(&trust, &req)
            };
            let (good, wrong): (String, String) = match service.as_str() {
                "ec2.amazonaws.com" => {
                    assert!(assume(None, None), "{stack} {role}");
                    services.push(service);
                    continue;
                }
                "events.amazonaws.com" => (
                    format!("arn:{PARTITION}:events:{region}:{ACCOUNT}:rule/{stack}-configure"),
                    format!("arn:{PARTITION}:events:{region}:{ACCOUNT}:rule/someone-elses-rule"),
                ),
                "ssm.amazonaws.com" => (
                    format!("arn:{PARTITION}:ssm:{region}:{ACCOUNT}:automation-execution/0f1e2d3c-aaaa-bbbb-cccc-000011112222"),
                    format!("arn:{PARTITION}:ssm:{region}:{ACCOUNT}:maintenancewindow/mw-0123456789abcdef0"),
                ),
                "vpc-flow-logs.amazonaws.com" => (
                    format!("arn:{PARTITION}:ec2:{region}:{ACCOUNT}:vpc-flow-log/fl-0123456789abcdef0"),
                    format!("arn:{PARTITION}:ec2:{region}:{ACCOUNT}:transit-gateway/tgw-0123456789abcdef0"),
                ),
                other => panic!("{stack} {role}: a role for {other} the test does not know"),
            };
            assert!(assume(Some(ACCOUNT), Some(&good)), "{stack} {role}");
            let theirs = good.replace(ACCOUNT, stranger);
            assert!(
                !assume(Some(stranger), Some(&theirs)),
                "{stack} {role}: another account"
            );
            assert!(
                !assume(None, Some(&good)),
                "{stack} {role}: no source account"
            );
            assert!(!assume(Some(ACCOUNT), None), "{stack} {role}: no source");
            assert!(
                !assume(Some(ACCOUNT), Some(&wrong)),
                "{stack} {role}: {wrong}"
            );
            services.push(service);
        }
        services.sort();
        services.dedup();
        let expected = [
            "ec2.amazonaws.com",
            "events.amazonaws.com",
            "ssm.amazonaws.com",
            "vpc-flow-logs.amazonaws.com",
        ];
        assert_eq!(services, expected, "{stack}");
    }
}

/// Each example built once per test binary run.
fn example_once(name: &str) -> PathBuf {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static BUILT: Mutex<Option<HashMap<String, PathBuf>>> = Mutex::new(None);
    let mut built = BUILT.lock().unwrap();
    built
        .get_or_insert_with(HashMap::new)
        .entry(name.to_string())
        .or_insert_with(|| example(name))
        .clone()
}

/// Does an EventBridge event pattern match this event? (The subset the
/// templates use: objects of keys whose values are lists of literals.)
fn pattern_matches(pattern: &Value, event: &Value) -> bool {
    pattern.as_object().unwrap().iter().all(|(key, want)| {
        let got = &event[key];
        match want {
            Value::Object(_) => got.is_object() && pattern_matches(want, got),
            Value::Array(options) => {
                assert!(
                    options.iter().all(|o| !o.is_object()),
                    "content filters: {want}"
                );
                match got {
                    Value::Array(values) => values.iter().any(|v| options.contains(v)),
                    v => options.contains(v),
                }
            }
            other => panic!("a pattern value that is not a list: {other}"),
        }
    })
}

/// What an InputTransformer hands the target for an event: the template
/// with each `<name>` replaced by the value at its path, as EventBridge
/// does for a template that is a JSON string.
fn transform(transformer: &Value, event: &Value) -> String {
    let mut text = transformer["InputTemplate"].as_str().unwrap().to_string();
    for (name, path) in transformer["InputPathsMap"].as_object().unwrap() {
        let path = path.as_str().unwrap().strip_prefix("$.").unwrap();
        let mut v = event;
        for part in path.split('.') {
            v = &v[part];
        }
        let value = v.as_str().unwrap_or_else(|| panic!("{path} in {event}"));
        text = text.replace(&format!("<{name}>"), value);
    }
    serde_json::from_str::<String>(&text)
        .unwrap_or_else(|e| panic!("the message is not a JSON string ({e}): {text}"))
}

fn command_event(document: &str, status: &str) -> Value {
    serde_json::json!({
        "version": "0",
        "id": "4780e1b8-f56b-4de5-95f2-95db273d1602",
        "detail-type": "EC2 Command Invocation Status-change Notification",
        "source": "aws.ssm",
        "account": ACCOUNT,
        "time": "2026-12-02T08:15:02Z",
        "region": "eu-west-1",
        "resources": ["arn:aws:ec2:eu-west-1:123456789012:instance/i-0abc1234def567890"],
        "detail": {
            "command-id": "e8d3c0e4-71f7-4491-898f-c9b35bee5f3b",
            "document-name": document,
            "instance-id": "i-0abc1234def567890",
            "requested-date-time": "2026-12-02T08:14:30.049Z",
            "status": status,
        },
    })
}

fn group_event(kind: &str, group: &str) -> Value {
    serde_json::json!({
        "version": "0",
        "id": "3e3c153a-8339-4e30-8c35-687ebef853fe",
        "detail-type": kind,
        "source": "aws.autoscaling",
        "account": ACCOUNT,
        "time": "2026-12-02T08:40:12Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": {
            "StatusCode": "Cancelled",
            "AutoScalingGroupName": group,
            "ActivityId": "5ef1f5c4-1d6a-4b5e-8b1e-0a5e3c1f9d00",
            "Details": { "Availability Zone": "eu-west-1a", "Subnet ID": "subnet-0123456789abcdef0" },
            "RequestId": "5ef1f5c4-1d6a-4b5e-8b1e-0a5e3c1f9d00",
            "StatusMessage": "Instance failed to complete user's Lifecycle Action: Lifecycle Action with token 7f0e was abandoned: Lifecycle Action Completed with ABANDON Result",
            "EndTime": "2026-12-02T08:40:12Z",
            "EC2InstanceId": "i-0def9876abc543210",
            "StartTime": "2026-12-02T08:30:01Z",
            "Cause": "At 2026-12-02T08:30:01Z an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 1 to 2.",
        },
    })
}

#[test]
fn failed_lifecycle_runs_reach_the_topic_with_what_to_read() {
    let out = example_once("goldcar");
    let t = template(&out, "goldcar-production");
    let env = Env::new(&t, "eu-west-1", "goldcar-production");
    let topic = env.string(&serde_json::json!({ "Ref": "AlarmTopic" }));

    // (a) Failed and timed-out runs of this stack's run document.
    let runs = &env.resource("FailedRunsRule")["Properties"];
    assert_eq!(runs["State"], "ENABLED");
    let target = &runs["Targets"][0];
    assert_eq!(env.string(&target["Arn"]), topic);
    let pattern = &runs["EventPattern"];
    for (document, status, expected) in [
        ("goldcar-production-run", "Failed", true),
        ("goldcar-production-run", "TimedOut", true),
        ("goldcar-production-run", "Success", false),
        ("goldcar-production-run", "InProgress", false),
        ("goldcar-test-run", "Failed", false),
        ("AWS-RunShellScript", "Failed", false),
    ] {
        assert_eq!(
            pattern_matches(pattern, &command_event(document, status)),
            expected,
            "{document} {status}"
        );
    }
    assert_eq!(
        env.string(&env.resource("RunDocument")["Properties"]["Name"]),
        "goldcar-production-run"
    );
    let message = transform(
        &target["InputTransformer"],
        &command_event("goldcar-production-run", "Failed"),
    );
    for part in [
        "goldcar-production",
        "ended Failed on instance i-0abc1234def567890",
        "command e8d3c0e4-71f7-4491-898f-c9b35bee5f3b",
        "aws ssm get-command-invocation --region eu-west-1 --command-id e8d3c0e4-71f7-4491-898f-c9b35bee5f3b --instance-id i-0abc1234def567890",
        "stackc logs --env production --layer LAYER",
        "stream i-0abc1234def567890/stackc-run",
        "stackc:layer tag",
    ] {
        assert!(message.contains(part), "{part:?} in {message}");
    }

    // (b) Launches and terminations the stack's groups could not finish.
    let launches = &env.resource("FailedLaunchesRule")["Properties"];
    let target = &launches["Targets"][0];
    assert_eq!(env.string(&target["Arn"]), topic);
    let pattern = &launches["EventPattern"];
    for (kind, group, expected) in [
        (
            "EC2 Instance Launch Unsuccessful",
            "goldcar-production-web",
            true,
        ),
        (
            "EC2 Instance Launch Unsuccessful",
            "goldcar-production-reports",
            true,
        ),
        (
            "EC2 Instance Terminate Unsuccessful",
            "goldcar-production-web",
            true,
        ),
        (
            "EC2 Instance Launch Successful",
            "goldcar-production-web",
            false,
        ),
        (
            "EC2 Instance Launch Unsuccessful",
            "goldcar-production-cache",
            false,
        ),
        (
            "EC2 Instance Launch Unsuccessful",
            "goldcar-test-web",
            false,
        ),
    ] {
        assert_eq!(
            pattern_matches(pattern, &group_event(kind, group)),
            expected,
            "{kind} {group}"
        );
    }
    let message = transform(
        &target["InputTransformer"],
        &group_event("EC2 Instance Launch Unsuccessful", "goldcar-production-web"),
    );
    for part in [
        "EC2 Instance Launch Unsuccessful in group goldcar-production-web",
        "instance i-0def9876abc543210",
        "abandoned",
        "Cause: At 2026-12-02T08:30:01Z",
        "stream i-0def9876abc543210/stackc-run",
        "the bootstrap's own log is /var/log/stackc/bootstrap.log",
    ] {
        assert!(message.contains(part), "{part:?} in {message}");
    }

    // The topic accepts exactly these rules and the account's alarms.
    let policy = env.resource("AlarmTopicPolicy");
    assert_eq!(
        env.resolve(&policy["Properties"]["Topics"]),
        serde_json::json!([topic])
    );
    let topic_policy = [env.resolve(&policy["Properties"]["PolicyDocument"])];
    let rule = |id: &str| env.string(&serde_json::json!({ "Fn::GetAtt": [id, "Arn"] }));
    let publish = |service: &str, account: &str, source: &str, action: &str| {
        allowed(
            &topic_policy,
            &Request::by_service(service, action, &topic)
                .with("aws:SourceAccount", account)
                .with("aws:SourceArn", source),
        )
    };
    let events = "events.amazonaws.com";
    assert!(publish(
        events,
        ACCOUNT,
        &rule("FailedRunsRule"),
        "sns:Publish"
    ));
    assert!(publish(
        events,
        ACCOUNT,
        &rule("FailedLaunchesRule"),
        "sns:Publish"
    ));
    assert!(!publish(
        events,
        ACCOUNT,
        &rule("ConfigureRule"),
        "sns:Publish"
    ));
    assert!(!publish(
        events,
        ACCOUNT,
        &rule("FailedRunsRule"),
        "sns:Subscribe"
    ));
    let stranger = "210987654321";
    let theirs = rule("FailedRunsRule").replace(ACCOUNT, stranger);
    assert!(!publish(events, stranger, &theirs, "sns:Publish"));
    let alarm = format!("arn:{PARTITION}:cloudwatch:eu-west-1:{ACCOUNT}:alarm:any");
    assert!(publish(
        "cloudwatch.amazonaws.com",
        ACCOUNT,
        &alarm,
        "sns:Publish"
    ));
    assert!(!publish(
        "cloudwatch.amazonaws.com",
        stranger,
        &alarm.replace(ACCOUNT, stranger),
        "sns:Publish"
    ));
    assert!(!publish(
        "s3.amazonaws.com",
        ACCOUNT,
        "arn:aws:s3:::b",
        "sns:Publish"
    ));
    assert!(!allowed(
        &topic_policy,
        &Request::by_identity(
            &format!("arn:{PARTITION}:iam::{stranger}:root"),
            "sns:Publish",
            &topic
        )
    ));

    // The topic is encrypted: the same publishers may use its key, no one else.
    let key = [env.resolve(&env.resource("Key")["Properties"]["KeyPolicy"])];
    let key_arn = env.string(&serde_json::json!({ "Fn::GetAtt": ["Key", "Arn"] }));
    let use_key = |service: &str, account: &str, source: &str, action: &str| {
        allowed(
            &key,
            &Request::by_service(service, action, &key_arn)
                .with("aws:SourceAccount", account)
                .with("aws:SourceArn", source),
        )
    };
    for action in ["kms:GenerateDataKey", "kms:Decrypt"] {
        assert!(use_key(events, ACCOUNT, &rule("FailedRunsRule"), action));
        assert!(use_key(
            events,
            ACCOUNT,
            &rule("FailedLaunchesRule"),
            action
        ));
        assert!(!use_key(events, ACCOUNT, &rule("ShutdownRule"), action));
        assert!(!use_key(events, stranger, &theirs, action));
        assert!(use_key("cloudwatch.amazonaws.com", ACCOUNT, &alarm, action));
    }
    assert!(!use_key(
        events,
        ACCOUNT,
        &rule("FailedRunsRule"),
        "kms:ScheduleKeyDeletion"
    ));
    assert!(allowed(
        &key,
        &Request::by_identity(
            &format!("arn:{PARTITION}:iam::{ACCOUNT}:role/admin"),
            "kms:ScheduleKeyDeletion",
            &key_arn
        )
    ));
    assert!(!allowed(
        &key,
        &Request::by_identity(
            &format!("arn:{PARTITION}:iam::{stranger}:role/admin"),
            "kms:Decrypt",
            &key_arn
        )
    ));
}
