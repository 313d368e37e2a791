//! `stackc drift`'s flows with canned answers: CloudFormation's drift
//! detection (which the local AWS double does not model) through the
//! [`StackDrift`] trait and through the real SDK client on the SDK's own
//! mocks, and the fleet's drift through [`Fleet`].

mod common;
use common::{block_on, in_groups, unused};

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use stackc_core::emit::operations::Operations;
use stackc_deploy::cloud::{CloudError, StackInfo};
use stackc_deploy::drift::{
    self, Detection, InstanceProblem, Pins, Polling, PropertyDifference, Report, ResourceDrift,
    StackDrift,
};
use stackc_deploy::fleet::{Fleet, Instance, Invocation, LogEvent, TargetHealth};

const ROOT: &str = "goldcar-production";
const WEB_STACK: &str =
    "arn:aws:cloudformation:eu-west-1:123456789012:stack/goldcar-production-WebStack-1/2";
/// The sha256 of the bundle the pointer names.
const CURRENT: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const PINNED: &str = "ami-0aaaaaaaaaaaaaaaa";

/// goldcar's production as its template records it: web (with cache on
/// its instances) and reports.
fn goldcar() -> Operations {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/goldcar");
    let text = std::fs::read_to_string(dir.join("stack.kdl")).unwrap();
    let opts = stackc_core::check::Options {
        base_dir: &dir,
        files: &stackc_core::check::RealFiles,
    };
    let (program, diags) = stackc_core::check::check_source(&text, &opts);
    assert!(!stackc_core::diag::has_errors(&diags), "{diags:?}");
    Operations::of(program.unwrap().environment("production").unwrap())
}

fn complete(drift: &str) -> Detection {
    Detection {
        status: "DETECTION_COMPLETE".into(),
        stack_drift: Some(drift.into()),
        reason: None,
    }
}

fn in_progress() -> Detection {
    Detection {
        status: "DETECTION_IN_PROGRESS".into(),
        stack_drift: None,
        reason: None,
    }
}

/// CloudFormation and the fleet, canned.
struct Fake {
    nested: Vec<(String, String)>,
    /// The answers to DescribeStackDriftDetectionStatus of each stack, in
    /// turn (the last one repeats).
    detections: HashMap<String, Vec<Detection>>,
    drifts: HashMap<String, Vec<ResourceDrift>>,
    instances: Vec<Instance>,
    pointer: Option<String>,
    detected: RefCell<Vec<String>>,
    asked: RefCell<HashMap<String, usize>>,
}

impl Default for Fake {
    fn default() -> Self {
        Fake {
            nested: Vec::new(),
            detections: HashMap::new(),
            drifts: HashMap::new(),
            instances: Vec::new(),
            pointer: Some(format!(
                r#"{{"bucket":"b","key":"goldcar/production/{CURRENT}.tar.gz","sha256":"{CURRENT}"}}"#
            )),
            detected: RefCell::default(),
            asked: RefCell::default(),
        }
    }
}

impl StackDrift for Fake {
    async fn detect_drift(&self, stack: &str) -> Result<String, CloudError> {
        self.detected.borrow_mut().push(stack.to_string());
        Ok(format!("detection-of-{stack}"))
    }
    async fn drift_detection(&self, id: &str) -> Result<Detection, CloudError> {
        let stack = id.strip_prefix("detection-of-").unwrap();
        let mut asked = self.asked.borrow_mut();
        let n = asked.entry(stack.to_string()).or_default();
        let answers = self.detections.get(stack).cloned().unwrap_or_default();
        let d = answers
            .get(*n)
            .or(answers.last())
            .cloned()
            .unwrap_or_else(|| complete("IN_SYNC"));
        *n += 1;
        Ok(d)
    }
    async fn resource_drifts(&self, stack: &str) -> Result<Vec<ResourceDrift>, CloudError> {
        Ok(self.drifts.get(stack).cloned().unwrap_or_default())
    }
    async fn nested_stacks(&self, _: &str) -> Result<Vec<(String, String)>, CloudError> {
        Ok(self.nested.clone())
    }
}

impl Fleet for Fake {
    async fn deployed(&self, _: &str) -> Result<Option<(StackInfo, String)>, CloudError> {
        unused()
    }
    async fn launches_suspended(&self, _: &[String]) -> Result<Vec<String>, CloudError> {
        Ok(Vec::new())
    }
    async fn instances(&self, groups: &[String]) -> Result<Vec<Instance>, CloudError> {
        Ok(in_groups(&self.instances, groups))
    }
    async fn target_health(
        &self,
        _: &[String],
        _: &[String],
    ) -> Result<Vec<TargetHealth>, CloudError> {
        unused()
    }
    async fn send(
        &self,
        _: &str,
        _: &[String],
        _: &[(String, String)],
    ) -> Result<String, CloudError> {
        unused()
    }
    async fn invocation(&self, _: &str, _: &str) -> Result<Invocation, CloudError> {
        unused()
    }
    async fn bundle_pointer(&self, parameter: &str) -> Result<Option<String>, CloudError> {
        assert_eq!(parameter, "/stackc/goldcar-production/bundle");
        Ok(self.pointer.clone())
    }
    async fn set_bundle_pointer(&self, _: &str, _: &str) -> Result<(), CloudError> {
        unused()
    }
    async fn log_groups(&self, _: &str) -> Result<Vec<String>, CloudError> {
        unused()
    }
    async fn logs(&self, _: &[String], _: i64) -> Result<Vec<LogEvent>, CloudError> {
        unused()
    }
}

const FAST: Polling = Polling {
    every: Duration::from_millis(1),
    timeout: Duration::from_secs(5),
};

fn pins() -> Pins {
    Pins {
        by_group: vec![
            ("goldcar-production-web".into(), PINNED.into()),
            ("goldcar-production-reports".into(), PINNED.into()),
        ],
        any_of: Vec::new(),
        source: "the images stack.lock pins".into(),
    }
}

fn instance(id: &str, layer: &str, last_run: Option<&str>, image: &str) -> Instance {
    Instance {
        id: id.into(),
        group: format!("goldcar-production-{layer}"),
        lifecycle: "InService".into(),
        zone: "eu-west-1a".into(),
        private_ip: Some("10.40.1.10".into()),
        last_run: last_run.map(str::to_string),
        image: Some(image.into()),
    }
}

/// An instance whose last deploy succeeded with the current bundle, on
/// the pinned image.
fn in_sync(id: &str, layer: &str) -> Instance {
    let run = format!(
        "deploy succeeded 2026-12-02T01:00:00Z bundle {}",
        &CURRENT[..12]
    );
    instance(id, layer, Some(&run), PINNED)
}

/// The whole report on `fake`.
fn report(fake: &Fake) -> Result<Report, CloudError> {
    let ops = goldcar();
    block_on(async {
        Ok(Report {
            stack: ROOT.into(),
            resources: drift::resources(fake, &ops, ROOT, FAST).await?,
            fleet: drift::fleet(fake, &ops, &pins()).await?,
        })
    })
}

fn modified_security_group() -> ResourceDrift {
    ResourceDrift {
        logical_id: "WebSecurityGroup".into(),
        physical_id: Some("sg-0123".into()),
        resource_type: "AWS::EC2::SecurityGroup".into(),
        status: "MODIFIED".into(),
        differences: vec![
            PropertyDifference {
                path: "/SecurityGroupIngress/0/FromPort".into(),
                expected: Some("80".into()),
                actual: Some("8080".into()),
                kind: "NOT_EQUAL".into(),
            },
            PropertyDifference {
                path: "/SecurityGroupIngress/1".into(),
                expected: None,
                actual: Some(
                    r#"{"CidrIp":"0.0.0.0/0","FromPort":22,"IpProtocol":"tcp","ToPort":22}"#.into(),
                ),
                kind: "ADD".into(),
            },
        ],
    }
}

#[test]
fn nothing_drifted_is_in_sync_and_says_so() {
    let fake = Fake {
        instances: vec![in_sync("i-1", "web"), in_sync("i-2", "reports")],
        ..Fake::default()
    };
    let r = report(&fake).unwrap();
    assert!(!r.drifted());
    assert_eq!(*fake.detected.borrow(), [ROOT]);
    let text = r.render();
    assert!(text.starts_with("goldcar-production: no drift"), "{text}");
    assert!(!text.contains("drifted"), "{text}");
    assert!(!text.contains("layer "), "{text}");
    assert!(text.contains("2 instances on the current bundle"), "{text}");
}

#[test]
fn a_modified_resource_is_a_diff_under_its_layer() {
    let fake = Fake {
        detections: HashMap::from([(
            ROOT.to_string(),
            vec![in_progress(), in_progress(), complete("DRIFTED")],
        )]),
        drifts: HashMap::from([(ROOT.to_string(), vec![modified_security_group()])]),
        instances: vec![in_sync("i-1", "web")],
        ..Fake::default()
    };
    let r = report(&fake).unwrap();
    assert!(r.drifted());
    assert_eq!(r.resources.drifted(), 1);
    assert!(r.resources.failures().is_empty());
    // Asked until it finished.
    assert_eq!(fake.asked.borrow()[ROOT], 3);
    let text = r.render();
    let expected = "\
goldcar-production: drifted
resources changed outside stackc (CloudFormation drift detection of 1 stack):
  layer web
    ~ WebSecurityGroup AWS::EC2::SecurityGroup sg-0123: modified
        /SecurityGroupIngress/0/FromPort: expected 80, actual 8080
        /SecurityGroupIngress/1: added {\"CidrIp\":\"0.0.0.0/0\",\"FromPort\":22,\"IpProtocol\":\"tcp\",\"ToPort\":22} (the template has none)
1 resource and 0 instances drifted.
";
    assert!(text.starts_with(expected), "{text}");
}

#[test]
fn a_deleted_resource_and_the_nested_stacks_are_checked_each() {
    // A large stack: web's group is a nested stack, detected on its own
    // (a detection on the root does not look into nested stacks).
    let fake = Fake {
        nested: vec![("WebStack".into(), WEB_STACK.into())],
        detections: HashMap::from([
            (ROOT.to_string(), vec![complete("DRIFTED")]),
            (
                WEB_STACK.to_string(),
                vec![in_progress(), complete("DRIFTED")],
            ),
        ]),
        drifts: HashMap::from([
            (
                ROOT.to_string(),
                vec![ResourceDrift {
                    logical_id: "AlarmTopic".into(),
                    physical_id: Some("arn:aws:sns:eu-west-1:123456789012:t".into()),
                    resource_type: "AWS::SNS::Topic".into(),
                    status: "DELETED".into(),
                    differences: Vec::new(),
                }],
            ),
            (
                WEB_STACK.to_string(),
                vec![
                    ResourceDrift {
                        logical_id: "WebLogGroup".into(),
                        physical_id: Some("/stackc/goldcar-production/web/x".into()),
                        resource_type: "AWS::Logs::LogGroup".into(),
                        status: "DELETED".into(),
                        differences: Vec::new(),
                    },
                    // An id of no layer, in web's nested stack: web's.
                    ResourceDrift {
                        logical_id: "ScaleUpAlarm".into(),
                        physical_id: None,
                        resource_type: "AWS::CloudWatch::Alarm".into(),
                        status: "MODIFIED".into(),
                        differences: Vec::new(),
                    },
                    // cache runs on web's instances: its resources are its own.
                    ResourceDrift {
                        logical_id: "CacheLogGroup".into(),
                        physical_id: None,
                        resource_type: "AWS::Logs::LogGroup".into(),
                        status: "DELETED".into(),
                        differences: Vec::new(),
                    },
                ],
            ),
        ]),
        ..Fake::default()
    };
    let r = report(&fake).unwrap();
    assert_eq!(*fake.detected.borrow(), [ROOT, WEB_STACK]);
    assert_eq!(r.resources.drifted(), 4);
    let layers: Vec<(Option<&str>, &str)> = r
        .resources
        .by_layer()
        .into_iter()
        .map(|(l, _, d)| (l, d.logical_id.as_str()))
        .collect();
    assert_eq!(
        layers,
        [
            (None, "AlarmTopic"),
            (Some("cache"), "CacheLogGroup"),
            (Some("web"), "ScaleUpAlarm"),
            (Some("web"), "WebLogGroup"),
        ]
    );
    let text = r.render();
    assert!(
        text.contains("  stack\n    - AlarmTopic AWS::SNS::Topic arn:aws:sns:eu-west-1:123456789012:t: deleted\n"),
        "{text}"
    );
    assert!(
        text.contains("  layer web\n    ~ ScaleUpAlarm AWS::CloudWatch::Alarm: modified\n    - WebLogGroup AWS::Logs::LogGroup /stackc/goldcar-production/web/x: deleted\n"),
        "{text}"
    );
    assert!(
        text.contains("4 resources and 0 instances drifted."),
        "{text}"
    );
}

#[test]
fn a_failed_detection_is_reported_with_its_reason() {
    let fake = Fake {
        detections: HashMap::from([(
            ROOT.to_string(),
            vec![Detection {
                status: "DETECTION_FAILED".into(),
                stack_drift: Some("DRIFTED".into()),
                reason: Some("Failed to detect drift on resource [WebLaunchTemplate]".into()),
            }],
        )]),
        drifts: HashMap::from([(ROOT.to_string(), vec![modified_security_group()])]),
        ..Fake::default()
    };
    let r = report(&fake).unwrap();
    // What it could check is still reported.
    assert_eq!(r.resources.drifted(), 1);
    assert_eq!(
        r.resources.failures(),
        [(
            ROOT,
            "Failed to detect drift on resource [WebLaunchTemplate]"
        )]
    );
    let json = r.to_json();
    assert_eq!(
        json["resources"]["stacks"][0]["detection"],
        "DETECTION_FAILED"
    );
    assert_eq!(
        json["resources"]["stacks"][0]["reason"],
        "Failed to detect drift on resource [WebLaunchTemplate]"
    );
}

#[test]
fn a_detection_that_does_not_finish_in_time_is_an_error() {
    let fake = Fake {
        detections: HashMap::from([(ROOT.to_string(), vec![in_progress()])]),
        ..Fake::default()
    };
    let ops = goldcar();
    let polling = Polling {
        every: Duration::from_millis(5),
        timeout: Duration::from_millis(30),
    };
    let e = block_on(drift::resources(&fake, &ops, ROOT, polling)).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("drift detection of goldcar-production did not finish"),
        "{text}"
    );
    assert!(text.contains("detection-of-goldcar-production"), "{text}");
    assert!(text.contains("help: "), "{text}");
}

#[test]
fn instances_with_a_failed_run_an_old_bundle_or_an_unpinned_image_drifted() {
    let old = "configure succeeded 2026-12-02T01:00:00Z bundle 000000000000";
    let failed = format!(
        "configure failed 2026-12-02T02:00:00Z bundle {}",
        &CURRENT[..12]
    );
    let mut gone = in_sync("i-5", "web");
    gone.lifecycle = "Terminating".into();
    gone.image = Some("ami-0ffffffffffffffff".into());
    let fake = Fake {
        instances: vec![
            in_sync("i-1", "web"),
            instance("i-2", "web", Some(old), PINNED),
            instance("i-3", "web", Some(&failed), PINNED),
            instance(
                "i-4",
                "reports",
                Some(&format!(
                    "setup succeeded 2026-12-01T00:00:00Z bundle {}",
                    &CURRENT[..12]
                )),
                "ami-0bbbbbbbbbbbbbbbb",
            ),
            // On its way out: not judged.
            gone,
            // No run recorded yet (or by an older agent): its bundle is unknown.
            instance("i-6", "web", None, PINNED),
            // The bootstrap's own record of a failed setup names no bundle.
            instance(
                "i-7",
                "web",
                Some("setup failed 2026-12-02T03:00:00Z"),
                PINNED,
            ),
        ],
        ..Fake::default()
    };
    let r = report(&fake).unwrap();
    assert!(r.drifted());
    let problems: Vec<(&str, Vec<&str>)> = r
        .fleet
        .instances
        .iter()
        .map(|i| {
            (
                i.instance.id.as_str(),
                i.problems.iter().map(InstanceProblem::kind).collect(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            ("i-4", vec!["unpinned_image"]),
            ("i-1", vec![]),
            ("i-2", vec!["old_bundle"]),
            ("i-3", vec!["failed_run"]),
            ("i-6", vec![]),
            ("i-7", vec!["failed_run"]),
        ]
    );
    assert_eq!(r.fleet.drifted(), 4);
    let text = r.render();
    for line in [
        "  layer reports\n    i-4 image ami-0bbbbbbbbbbbbbbbb is not the pinned ami-0aaaaaaaaaaaaaaaa\n",
        "    i-2 bundle 000000000000 is not the current one (0123456789ab)\n",
        "    i-3 last run failed: configure failed 2026-12-02T02:00:00Z bundle 0123456789ab\n",
        "    i-7 last run failed: setup failed 2026-12-02T03:00:00Z\n",
        "note: i-6, i-7 record no bundle",
        "0 resources and 4 instances drifted.",
    ] {
        assert!(text.contains(line), "{line:?} not in\n{text}");
    }
    assert!(!text.contains("i-5"), "{text}");
    assert!(!text.contains("i-1 "), "{text}");
}

#[test]
fn without_pins_or_a_pointer_nothing_is_judged_on_them() {
    let fake = Fake {
        instances: vec![instance(
            "i-1",
            "web",
            Some("deploy succeeded 2026-12-02T01:00:00Z bundle 000000000000"),
            "ami-0bbbbbbbbbbbbbbbb",
        )],
        pointer: None,
        ..Fake::default()
    };
    let ops = goldcar();
    let f = block_on(drift::fleet(&fake, &ops, &Pins::default())).unwrap();
    assert_eq!(f.drifted(), 0);
    assert_eq!(f.bundle, None);
}

#[test]
fn the_json_report_has_a_stable_shape() {
    let fake = Fake {
        drifts: HashMap::from([(ROOT.to_string(), vec![modified_security_group()])]),
        detections: HashMap::from([(ROOT.to_string(), vec![complete("DRIFTED")])]),
        instances: vec![
            in_sync("i-1", "web"),
            instance(
                "i-2",
                "web",
                Some("configure succeeded 2026-12-02T01:00:00Z bundle 000000000000"),
                "ami-0bbbbbbbbbbbbbbbb",
            ),
        ],
        ..Fake::default()
    };
    let json = report(&fake).unwrap().to_json();
    let expected = serde_json::json!({
        "stack": "goldcar-production",
        "drifted": true,
        "resources": {
            "stacks": [{
                "stack": "goldcar-production", "layer": null,
                "detection": "DETECTION_COMPLETE", "drift": "DRIFTED", "reason": null,
            }],
            "drifted": [{
                "layer": "web",
                "stack": "goldcar-production",
                "logical_id": "WebSecurityGroup",
                "physical_id": "sg-0123",
                "resource_type": "AWS::EC2::SecurityGroup",
                "status": "MODIFIED",
                "differences": [
                    {"path": "/SecurityGroupIngress/0/FromPort", "expected": "80", "actual": "8080", "type": "NOT_EQUAL"},
                    {"path": "/SecurityGroupIngress/1", "expected": null,
                     "actual": "{\"CidrIp\":\"0.0.0.0/0\",\"FromPort\":22,\"IpProtocol\":\"tcp\",\"ToPort\":22}", "type": "ADD"},
                ],
            }],
        },
        "fleet": {
            "bundle": CURRENT,
            "pins": "the images stack.lock pins",
            "instances": [
                {
                    "id": "i-1", "layer": "web", "state": "online", "image": PINNED,
                    "last_run": "deploy succeeded 2026-12-02T01:00:00Z bundle 0123456789ab",
                    "bundle_unknown": false, "drift": [],
                },
                {
                    "id": "i-2", "layer": "web", "state": "online", "image": "ami-0bbbbbbbbbbbbbbbb",
                    "last_run": "configure succeeded 2026-12-02T01:00:00Z bundle 000000000000",
                    "bundle_unknown": false,
                    "drift": [
                        {"kind": "old_bundle", "message": "bundle 000000000000 is not the current one (0123456789ab)",
                         "has": "000000000000", "current": "0123456789ab"},
                        {"kind": "unpinned_image", "message": "image ami-0bbbbbbbbbbbbbbbb is not the pinned ami-0aaaaaaaaaaaaaaaa",
                         "has": "ami-0bbbbbbbbbbbbbbbb", "pinned": [PINNED]},
                    ],
                },
            ],
        },
    });
    assert_eq!(json, expected, "{json:#}");
}

/// The real SDK client on the SDK's mocks: what `Aws` makes of
/// CloudFormation's drift answers.
mod sdk {
    use aws_sdk_cloudformation::operation::describe_stack_drift_detection_status::DescribeStackDriftDetectionStatusOutput;
    use aws_sdk_cloudformation::operation::describe_stack_resource_drifts::DescribeStackResourceDriftsOutput;
    use aws_sdk_cloudformation::operation::detect_stack_drift::DetectStackDriftOutput;
    use aws_sdk_cloudformation::operation::list_stack_resources::ListStackResourcesOutput;
    use aws_sdk_cloudformation::types::{
        DifferenceType, PropertyDifference, StackDriftDetectionStatus, StackDriftStatus,
        StackResourceDrift, StackResourceDriftStatus, StackResourceSummary,
    };
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
    use stackc_deploy::aws::{Aws, Clients};
    use stackc_deploy::drift::StackDrift;

    use super::*;

    /// Deploy's clients with CloudFormation answering `rules`.
    fn aws(rules: &[&Rule]) -> Aws {
        use aws_sdk_cloudformation::config::retry::RetryConfig;
        let region = aws_config::Region::new("eu-west-1");
        let latest = aws_config::BehaviorVersion::latest();
        macro_rules! unused {
            ($sdk:ident) => {
                $sdk::Client::from_conf(
                    $sdk::Config::builder()
                        .behavior_version(latest)
                        .region(region.clone())
                        .build(),
                )
            };
        }
        Aws::from_clients(Clients {
            cloudformation: mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, rules, |c| c
                .retry_config(RetryConfig::disabled())),
            s3: unused!(aws_sdk_s3),
            ssm: unused!(aws_sdk_ssm),
            autoscaling: unused!(aws_sdk_autoscaling),
            ec2: unused!(aws_sdk_ec2),
            logs: unused!(aws_sdk_cloudwatchlogs),
            elb: unused!(aws_sdk_elasticloadbalancingv2),
            region: "eu-west-1".into(),
        })
    }

    #[test]
    fn the_sdks_answers_become_the_report() {
        let detect = mock!(aws_sdk_cloudformation::Client::detect_stack_drift)
            .match_requests(|r| r.stack_name().is_some())
            .then_output(|| {
                DetectStackDriftOutput::builder()
                    .stack_drift_detection_id("d-1")
                    .build()
            });
        let status = mock!(aws_sdk_cloudformation::Client::describe_stack_drift_detection_status)
            .match_requests(|r| r.stack_drift_detection_id() == Some("d-1"))
            .then_output(|| {
                DescribeStackDriftDetectionStatusOutput::builder()
                    .stack_id(
                        "arn:aws:cloudformation:eu-west-1:123456789012:stack/goldcar-production/1",
                    )
                    .stack_drift_detection_id("d-1")
                    .detection_status(StackDriftDetectionStatus::DetectionFailed)
                    .stack_drift_status(StackDriftStatus::Drifted)
                    .detection_status_reason("Failed to detect drift on resource [X]")
                    .timestamp(aws_smithy_types::DateTime::from_secs(0))
                    .build()
            });
        // Asked for the modified and deleted ones only.
        let drifts = mock!(aws_sdk_cloudformation::Client::describe_stack_resource_drifts)
            .match_requests(|r| {
                r.stack_resource_drift_status_filters()
                    == [
                        StackResourceDriftStatus::Modified,
                        StackResourceDriftStatus::Deleted,
                    ]
            })
            .then_output(|| {
                DescribeStackResourceDriftsOutput::builder()
                    .stack_resource_drifts(
                        StackResourceDrift::builder()
                            .stack_id("s")
                            .logical_resource_id("WebSecurityGroup")
                            .physical_resource_id("sg-0123")
                            .resource_type("AWS::EC2::SecurityGroup")
                            .stack_resource_drift_status(StackResourceDriftStatus::Modified)
                            .property_differences(
                                PropertyDifference::builder()
                                    .property_path("/SecurityGroupIngress/0/FromPort")
                                    .expected_value("80")
                                    .actual_value("8080")
                                    .difference_type(DifferenceType::NotEqual)
                                    .build(),
                            )
                            .timestamp(aws_smithy_types::DateTime::from_secs(0))
                            .build(),
                    )
                    // Not asked for: left out even when answered.
                    .stack_resource_drifts(
                        StackResourceDrift::builder()
                            .stack_id("s")
                            .logical_resource_id("AlarmTopic")
                            .resource_type("AWS::SNS::Topic")
                            .stack_resource_drift_status(StackResourceDriftStatus::InSync)
                            .timestamp(aws_smithy_types::DateTime::from_secs(0))
                            .build(),
                    )
                    .build()
            });
        let resources =
            mock!(aws_sdk_cloudformation::Client::list_stack_resources).then_output(|| {
                ListStackResourcesOutput::builder()
                    .stack_resource_summaries(
                        StackResourceSummary::builder()
                            .logical_resource_id("WebStack")
                            .physical_resource_id(WEB_STACK)
                            .resource_type("AWS::CloudFormation::Stack")
                            .last_updated_timestamp(aws_smithy_types::DateTime::from_secs(0))
                            .resource_status(
                                aws_sdk_cloudformation::types::ResourceStatus::CreateComplete,
                            )
                            .build(),
                    )
                    .stack_resource_summaries(
                        StackResourceSummary::builder()
                            .logical_resource_id("AlarmTopic")
                            .physical_resource_id("arn:aws:sns:eu-west-1:123456789012:t")
                            .resource_type("AWS::SNS::Topic")
                            .last_updated_timestamp(aws_smithy_types::DateTime::from_secs(0))
                            .resource_status(
                                aws_sdk_cloudformation::types::ResourceStatus::CreateComplete,
                            )
                            .build(),
                    )
                    .build()
            });
        let aws = aws(&[&detect, &status, &drifts, &resources]);
        block_on(async {
            assert_eq!(aws.detect_drift(ROOT).await.unwrap(), "d-1");
            let d = aws.drift_detection("d-1").await.unwrap();
            assert!(d.failed());
            assert_eq!(d.stack_drift.as_deref(), Some("DRIFTED"));
            assert_eq!(
                d.reason.as_deref(),
                Some("Failed to detect drift on resource [X]")
            );
            let drifts = aws.resource_drifts(ROOT).await.unwrap();
            assert_eq!(
                drifts,
                [ResourceDrift {
                    logical_id: "WebSecurityGroup".into(),
                    physical_id: Some("sg-0123".into()),
                    resource_type: "AWS::EC2::SecurityGroup".into(),
                    status: "MODIFIED".into(),
                    differences: vec![super::PropertyDifference {
                        path: "/SecurityGroupIngress/0/FromPort".into(),
                        expected: Some("80".into()),
                        actual: Some("8080".into()),
                        kind: "NOT_EQUAL".into(),
                    }],
                }]
            );
            assert_eq!(
                aws.nested_stacks(ROOT).await.unwrap(),
                [("WebStack".to_string(), WEB_STACK.to_string())]
            );
        });
    }

    #[test]
    fn a_refused_detection_names_the_call_and_the_iam_action() {
        let denied = mock!(aws_sdk_cloudformation::Client::detect_stack_drift).then_http_response(|| {
            let mut r = aws_smithy_runtime_api::client::orchestrator::HttpResponse::new(
                aws_smithy_runtime_api::http::StatusCode::try_from(403).unwrap(),
                aws_smithy_types::body::SdkBody::from(
                    "<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized</Message></Error><RequestId>1</RequestId></ErrorResponse>",
                ),
            );
            r.headers_mut().insert("content-type", "text/xml");
            r
        });
        let aws = aws(&[&denied]);
        let e = block_on(aws.detect_drift(ROOT)).unwrap_err();
        assert!(
            e.to_string()
                .contains("CloudFormation DetectStackDrift needs cloudformation:DetectStackDrift"),
            "{e}"
        );
    }
}
