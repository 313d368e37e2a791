//! Deploy's failure paths with canned AWS answers (moto models neither
//! stack events nor rollbacks): what the user reads for a failed create, a
//! failed update, streamed events, throttling, access denied and a stack
//! already being changed.

use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::path::PathBuf;
use std::time::Duration;

use stackc_core::emit::manifest::{self, Manifest};
use stackc_core::lock::{self, Cinc, CincNeed, Group, Image, Lock, Need};
use stackc_core::stdlib::Arch;
use stackc_deploy::cloud::{
    Change, ChangeSet, ChangeSetRequest, ChangeSetStatus, ChangeSetSummary, Cloud, CloudError,
    CreatedChangeSet, ExecutionStatus, StackEvent, StackInfo, StackStatus,
};
use stackc_deploy::deploy::{
    self, answer, Artifacts, DeployError, Options, Outcome, Ui, BOOTSTRAP_STACK,
};
use stackc_deploy::images::{self, Wanted};

/// Answers scripted per call; the last answer of a script repeats.
#[derive(Default)]
struct Fake {
    stack: RefCell<VecDeque<Result<Option<StackInfo>, CloudError>>>,
    events: RefCell<VecDeque<Vec<StackEvent>>>,
    change_set: RefCell<Option<ChangeSet>>,
    create_error: RefCell<Option<CloudError>>,
    objects: RefCell<HashSet<String>>,
    /// Objects with contents (the lock), by key, with an ETag each.
    stored: RefCell<Vec<(String, Vec<u8>, String)>>,
    /// The stack's change sets as `list-change-sets` answers.
    change_sets: RefCell<Vec<ChangeSetSummary>>,
    calls: RefCell<Vec<String>>,
    /// Public SSM parameters and their values.
    public: Vec<(String, String)>,
    /// Instances per Auto Scaling group.
    instances: Vec<(String, usize)>,
    /// Groups whose Launch process is suspended.
    suspended: RefCell<Vec<String>>,
}

fn next<T: Clone>(q: &RefCell<VecDeque<T>>) -> T {
    let mut q = q.borrow_mut();
    if q.len() > 1 {
        q.pop_front().unwrap()
    } else {
        q.front().cloned().expect("scripted")
    }
}

const STACK_ID: &str =
    "arn:aws:cloudformation:eu-west-1:123456789012:stack/goldcar-production/1111";

fn info(status: &str) -> Option<StackInfo> {
    Some(StackInfo {
        id: STACK_ID.into(),
        status: status.into(),
        reason: None,
        outputs: vec![("RunDocumentName".into(), "goldcar-run".into())],
        parameters: vec![("BundleSha256".into(), "old".into())],
    })
}

fn event(id: u32, logical: &str, ty: &str, status: &str, reason: Option<&str>) -> StackEvent {
    StackEvent {
        id: format!("e{id}"),
        logical_id: logical.into(),
        resource_type: ty.into(),
        status: status.into(),
        reason: reason.map(str::to_string),
        time: i64::from(id),
    }
}

impl Cloud for Fake {
    async fn describe_stack(&self, name: &str) -> Result<Option<StackInfo>, CloudError> {
        self.calls.borrow_mut().push(format!("describe {name}"));
        if name == BOOTSTRAP_STACK {
            return Ok(Some(StackInfo {
                id: "arn:aws:cloudformation:eu-west-1:123456789012:stack/stackc-bootstrap/0".into(),
                status: StackStatus::CreateComplete,
                reason: None,
                outputs: vec![("ArtifactBucket".into(), "artifacts-123".into())],
                parameters: vec![],
            }));
        }
        next(&self.stack)
    }
    async fn physical_id(&self, _: &str, _: &str) -> Result<Option<String>, CloudError> {
        Ok(None)
    }
    async fn object_exists(&self, _: &str, key: &str) -> Result<bool, CloudError> {
        Ok(self.objects.borrow().contains(key))
    }
    async fn put_object(&self, _: &str, key: &str, _: Vec<u8>) -> Result<(), CloudError> {
        self.objects.borrow_mut().insert(key.to_string());
        self.calls.borrow_mut().push(format!("put {key}"));
        Ok(())
    }
    async fn put_object_if_absent(
        &self,
        _: &str,
        key: &str,
        bytes: Vec<u8>,
    ) -> Result<bool, CloudError> {
        let mut stored = self.stored.borrow_mut();
        if stored.iter().any(|(k, _, _)| k == key) {
            return Ok(false);
        }
        self.calls.borrow_mut().push(format!("lock {key}"));
        let etag = format!("\"{}\"", manifest::sha256_hex(&bytes));
        stored.push((key.to_string(), bytes, etag));
        Ok(true)
    }
    async fn get_object(
        &self,
        _: &str,
        key: &str,
    ) -> Result<Option<(Vec<u8>, String)>, CloudError> {
        Ok(self
            .stored
            .borrow()
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, b, e)| (b.clone(), e.clone())))
    }
    async fn delete_object(
        &self,
        _: &str,
        key: &str,
        if_match: Option<&str>,
    ) -> Result<(), CloudError> {
        self.calls.borrow_mut().push(format!("unlock {key}"));
        self.stored
            .borrow_mut()
            .retain(|(k, _, e)| !(k == key && if_match.is_none_or(|m| m == e)));
        Ok(())
    }
    fn template_url(&self, bucket: &str, key: &str) -> String {
        format!("https://{bucket}.s3.eu-west-1.amazonaws.com/{key}")
    }
    async fn list_change_sets(&self, _: &str) -> Result<Vec<ChangeSetSummary>, CloudError> {
        Ok(self.change_sets.borrow().clone())
    }
    async fn create_change_set(
        &self,
        r: &ChangeSetRequest,
    ) -> Result<CreatedChangeSet, CloudError> {
        self.calls
            .borrow_mut()
            .push(format!("create change set (create: {})", r.create));
        self.calls.borrow_mut().extend(
            r.parameters
                .iter()
                .filter(|(k, _)| k.starts_with("ImageId") || k.starts_with("CincSha256"))
                .map(|(k, v)| format!("parameter {k}={v}")),
        );
        match self.create_error.borrow_mut().take() {
            Some(e) => Err(e),
            None => {
                self.change_sets.borrow_mut().push(ChangeSetSummary {
                    id: "cs-1".into(),
                    name: r.name.clone(),
                    status: ChangeSetStatus::CreateComplete,
                    execution: Some(ExecutionStatus::Available),
                });
                Ok(CreatedChangeSet {
                    id: "cs-1".into(),
                    stack_id: STACK_ID.into(),
                })
            }
        }
    }
    async fn describe_change_set(&self, _: &str, _: &str) -> Result<ChangeSet, CloudError> {
        Ok(self.change_set.borrow().clone().expect("scripted"))
    }
    async fn delete_change_set(&self, _: &str, name: &str) -> Result<(), CloudError> {
        self.calls.borrow_mut().push("delete change set".into());
        self.change_sets
            .borrow_mut()
            .retain(|c| c.name != name && c.id != name);
        Ok(())
    }
    async fn execute_change_set(&self, _: &str, _: &str) -> Result<(), CloudError> {
        self.calls.borrow_mut().push("execute".into());
        Ok(())
    }
    async fn stack_events(&self, _: &str) -> Result<Vec<StackEvent>, CloudError> {
        Ok(next(&self.events))
    }
    async fn delete_stack(&self, stack: &str) -> Result<(), CloudError> {
        self.calls
            .borrow_mut()
            .push(format!("delete stack {stack}"));
        Ok(())
    }
    async fn public_parameter(&self, name: &str) -> Result<Option<String>, CloudError> {
        Ok(self
            .public
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone()))
    }
    async fn group_size(&self, group: &str) -> Result<usize, CloudError> {
        Ok(self
            .instances
            .iter()
            .find(|(g, _)| g == group)
            .map_or(0, |(_, n)| *n))
    }
    async fn resume_launches(&self, groups: &[String]) -> Result<Vec<String>, CloudError> {
        self.calls
            .borrow_mut()
            .push(format!("resume launches of {}", groups.join(",")));
        let mut suspended = self.suspended.borrow_mut();
        let resumed: Vec<String> = suspended
            .iter()
            .filter(|g| groups.contains(g))
            .cloned()
            .collect();
        suspended.retain(|g| !groups.contains(g));
        Ok(resumed)
    }
    async fn run_event(
        &self,
        document: &str,
        _: &str,
        _: &str,
        event: &str,
    ) -> Result<Option<String>, CloudError> {
        self.calls
            .borrow_mut()
            .push(format!("run {event} with {document}"));
        Ok(Some("cmd-1".into()))
    }
}

fn artifacts() -> Artifacts {
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "stackc-canned-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let files = [
        ("template.json", b"{}".to_vec()),
        ("cookbooks.tar.gz", b"new bundle".to_vec()),
    ];
    for (p, b) in &files {
        std::fs::write(dir.join(p), b).unwrap();
    }
    let m = Manifest {
        version: 1,
        stack: "goldcar".into(),
        env: "production".into(),
        stack_name: "goldcar-production".into(),
        region: "eu-west-1".into(),
        template: "template.json".into(),
        bundle: "cookbooks.tar.gz".into(),
        layers: vec!["web".into(), "reports".into()],
        images: vec![Need {
            parameter: lock::parameter(Arch::X86_64),
            os: "amazon-linux-2023".into(),
            arch: Arch::X86_64,
            ssm: AL2023_X86.into(),
            groups: ["web", "reports"]
                .iter()
                .map(|l| Group {
                    layer: l.to_string(),
                    group: format!("goldcar-production-{l}"),
                    client: Default::default(),
                })
                .collect(),
        }],
        cinc: vec![CincNeed {
            parameter: lock::cinc_parameter(Arch::X86_64),
            client: Default::default(),
            os: "amazon-linux-2023".into(),
            arch: Arch::X86_64,
            version: "18.6.2".into(),
            platform: "amazon".into(),
            platform_version: "2023".into(),
            package: "rpm".into(),
        }],
        files: files
            .iter()
            .map(|(p, b)| manifest::entry(&stackc_core::emit::Artifact::new(*p, b.clone())))
            .collect(),
    };
    std::fs::write(dir.join("manifest.json"), serde_json::to_vec(&m).unwrap()).unwrap();
    let mut artifacts = Artifacts::load(&dir).unwrap();
    artifacts.pin(&pinned(NEW_IMAGE), "eu-west-1").unwrap();
    artifacts
}

const AL2023_X86: &str = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
const OLD_IMAGE: &str = "ami-0aaaaaaaaaaaaaaaa";
const NEW_IMAGE: &str = "ami-0bbbbbbbbbbbbbbbb";

/// A lock file pinning goldcar's image in eu-west-1 and its Cinc package.
fn pinned(id: &str) -> Lock {
    let mut lock = Lock::default();
    lock.set(Image {
        region: "eu-west-1".into(),
        os: "amazon-linux-2023".into(),
        arch: Arch::X86_64,
        id: id.into(),
    });
    lock.set_cinc(Cinc {
        client: Default::default(),
        os: "amazon-linux-2023".into(),
        arch: Arch::X86_64,
        version: "18.6.2".into(),
        sha256: manifest::sha256_hex(PACKAGE),
        url: PACKAGE_URL.into(),
    });
    lock
}

/// The Cinc package the lock pins (as far as these tests know).
const PACKAGE: &[u8] = b"cinc 18.6.2 for amazon-linux-2023 x86_64";
/// Where the lock says it is: nothing listens there, so a package not in
/// the cache cannot be had.
const PACKAGE_URL: &str = "http://127.0.0.1:9/cinc-18.6.2-1.amazon2023.x86_64.rpm";

/// A package cache of this test's own, holding `bytes` under the pinned
/// package's sha256 (empty for `None`).
fn cache(name: &str, bytes: Option<&[u8]>) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "stackc-canned-cache-{}-{name}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    if let Some(b) = bytes {
        std::fs::write(dir.join(manifest::sha256_hex(PACKAGE)), b).unwrap();
    }
    dir
}

fn changes() -> ChangeSet {
    ChangeSet {
        status: ChangeSetStatus::CreateComplete,
        reason: None,
        changes: vec![
            Change {
                action: "Add".into(),
                logical_id: "WebAutoScalingGroup".into(),
                resource_type: "AWS::AutoScaling::AutoScalingGroup".into(),
                replacement: None,
            },
            Change {
                action: "Modify".into(),
                logical_id: "BundleParameter".into(),
                resource_type: "AWS::SSM::Parameter".into(),
                replacement: Some("False".into()),
            },
        ],
    }
}

/// Runs deploy; returns what the user saw and the result.
/// The pinned Cinc package is in the bucket already (the tests of the
/// package itself are below).
async fn run(fake: &Fake) -> String {
    fake.objects.borrow_mut().insert(format!(
        "goldcar/production/{}.rpm",
        manifest::sha256_hex(PACKAGE)
    ));
    run_with(fake, cache("run", None)).await
}

/// Runs deploy with a package cache; returns what the user saw and the result.
async fn run_with(fake: &Fake, cache: PathBuf) -> String {
    let mut out = Vec::new();
    let mut no_terminal = |_: &str| answer(None);
    let result = {
        let mut ui = Ui {
            out: &mut out,
            confirm: &mut no_terminal,
            progress: false,
            color: false,
            json: None,
        };
        let opts = Options {
            yes: true,
            poll: Duration::ZERO,
            converge: true,
            cache: Some(cache),
            force_unlock: false,
        };
        deploy::deploy(fake, &mut ui, &opts, &artifacts(), std::future::pending()).await
    };
    let mut text = String::from_utf8(out).unwrap();
    match result {
        Ok(outcome) => text += &format!("=> {outcome:?}\n"),
        Err(e) => text += &format!("=> error: {e}\n"),
    }
    text
}

#[tokio::test]
async fn failed_create_is_rolled_back_and_every_failure_is_shown() {
    let fake = Fake::default();
    fake.stack.borrow_mut().extend([
        Ok(None),
        Ok(info("CREATE_IN_PROGRESS")),
        Ok(info("ROLLBACK_IN_PROGRESS")),
        Ok(info("ROLLBACK_COMPLETE")),
    ]);
    fake.events.borrow_mut().extend([
        vec![],
        vec![event(2, "WebLaunchTemplate", "AWS::EC2::LaunchTemplate", "CREATE_COMPLETE", None), event(1, "goldcar-production", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", Some("User Initiated"))],
        vec![
            event(4, "goldcar-production", "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS", Some("The following resource(s) failed to create: [WebAutoScalingGroup]. Rollback requested by user.")),
            event(3, "WebAutoScalingGroup", "AWS::AutoScaling::AutoScalingGroup", "CREATE_FAILED", Some("You have requested more vCPU capacity than your current vCPU limit of 8 allows")),
            event(2, "WebLaunchTemplate", "AWS::EC2::LaunchTemplate", "CREATE_COMPLETE", None),
            event(1, "goldcar-production", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", Some("User Initiated")),
        ],
    ]);
    *fake.change_set.borrow_mut() = Some(changes());
    insta::assert_snapshot!(run(&fake).await);
}

#[tokio::test]
async fn failed_update_rolls_back_to_the_previous_version() {
    let fake = Fake::default();
    fake.stack.borrow_mut().extend([
        Ok(info("UPDATE_COMPLETE")),
        Ok(info("UPDATE_ROLLBACK_IN_PROGRESS")),
        Ok(info("UPDATE_ROLLBACK_COMPLETE")),
    ]);
    fake.events.borrow_mut().extend([
        vec![event(
            1,
            "goldcar-production",
            "AWS::CloudFormation::Stack",
            "UPDATE_COMPLETE",
            None,
        )],
        vec![
            event(
                3,
                "WebTargetGroup",
                "AWS::ElasticLoadBalancingV2::TargetGroup",
                "UPDATE_FAILED",
                Some("Health check interval must be greater than the timeout"),
            ),
            event(
                2,
                "goldcar-production",
                "AWS::CloudFormation::Stack",
                "UPDATE_IN_PROGRESS",
                Some("User Initiated"),
            ),
            event(
                1,
                "goldcar-production",
                "AWS::CloudFormation::Stack",
                "UPDATE_COMPLETE",
                None,
            ),
        ],
    ]);
    *fake.change_set.borrow_mut() = Some(changes());
    let text = run(&fake).await;
    assert!(
        !fake.calls.borrow().iter().any(|c| c.starts_with("run ")),
        "no converge after a failed update"
    );
    insta::assert_snapshot!(text);
}

#[tokio::test]
async fn events_stream_in_order_once_each_and_the_fleet_converges() {
    let fake = Fake::default();
    fake.stack.borrow_mut().extend([
        Ok(info("UPDATE_COMPLETE")),
        Ok(info("UPDATE_IN_PROGRESS")),
        Ok(info("UPDATE_IN_PROGRESS")),
        Ok(info("UPDATE_COMPLETE")),
    ]);
    let e1 = event(
        2,
        "goldcar-production",
        "AWS::CloudFormation::Stack",
        "UPDATE_IN_PROGRESS",
        Some("User Initiated"),
    );
    let e2 = event(
        3,
        "BundleParameter",
        "AWS::SSM::Parameter",
        "UPDATE_IN_PROGRESS",
        None,
    );
    let e3 = event(
        4,
        "BundleParameter",
        "AWS::SSM::Parameter",
        "UPDATE_COMPLETE",
        None,
    );
    let e4 = event(
        5,
        "goldcar-production",
        "AWS::CloudFormation::Stack",
        "UPDATE_COMPLETE",
        None,
    );
    let old = event(
        1,
        "goldcar-production",
        "AWS::CloudFormation::Stack",
        "CREATE_COMPLETE",
        None,
    );
    fake.events.borrow_mut().extend([
        vec![old.clone()],
        vec![e1.clone(), old.clone()],
        vec![e3.clone(), e2.clone(), e1.clone(), old.clone()],
        vec![e4, e3, e2, e1, old],
    ]);
    *fake.change_set.borrow_mut() = Some(changes());
    let text = run(&fake).await;
    assert!(fake
        .calls
        .borrow()
        .contains(&"run configure with goldcar-production-run".to_string()));
    insta::assert_snapshot!(text);
}

#[tokio::test]
async fn throttling_is_retried_until_it_passes() {
    let fake = Fake::default();
    fake.stack.borrow_mut().extend([
        Err(CloudError::Throttled("Rate exceeded".into())),
        Err(CloudError::Throttled("Rate exceeded".into())),
        Ok(info("UPDATE_COMPLETE")),
        Ok(info("UPDATE_COMPLETE")),
    ]);
    fake.events.borrow_mut().extend([vec![]]);
    *fake.change_set.borrow_mut() = Some(ChangeSet {
        status: ChangeSetStatus::Failed,
        reason: Some("The submitted information didn't contain changes. Submit different information to create a change set.".into()),
        changes: vec![],
    });
    let text = run(&fake).await;
    assert!(text.contains("=> UpToDate"), "{text}");
    insta::assert_snapshot!(text);
}

#[tokio::test]
async fn access_denied_says_what_is_missing() {
    let fake = Fake::default();
    fake.stack.borrow_mut().extend([Ok(None)]);
    fake.events.borrow_mut().extend([vec![]]);
    *fake.create_error.borrow_mut() = Some(CloudError::AccessDenied(
        "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudformation:CreateChangeSet".into(),
    ));
    insta::assert_snapshot!(run(&fake).await);
}

#[tokio::test]
async fn a_stack_being_changed_is_left_alone() {
    let fake = Fake::default();
    fake.stack
        .borrow_mut()
        .extend([Ok(info("UPDATE_IN_PROGRESS"))]);
    let text = run(&fake).await;
    assert!(!fake
        .calls
        .borrow()
        .iter()
        .any(|c| c.starts_with("put ") || c.starts_with("create")));
    insta::assert_snapshot!(text);
}

#[tokio::test]
async fn lock_reads_each_images_public_parameter() {
    // moto serves Amazon Linux's parameters but not Canonical's: these are
    // the answers SSM gives for Ubuntu in eu-central-1.
    let ubuntu = |arch: &str| Wanted {
        os: "ubuntu-24.04".into(),
        arch: Arch::parse(arch).unwrap(),
        ssm: format!(
            "/aws/service/canonical/ubuntu/server/24.04/stable/current/{}/hvm/ebs-gp3/ami-id",
            if arch == "arm64" { "arm64" } else { "amd64" }
        ),
    };
    let fake = Fake {
        public: vec![
            (ubuntu("x86_64").ssm, "ami-0e872aee57663ae2d".into()),
            (ubuntu("arm64").ssm, "ami-0a628e1e89aaedf80".into()),
        ],
        ..Fake::default()
    };
    let images = images::resolve(&fake, "eu-central-1", &[ubuntu("x86_64"), ubuntu("arm64")])
        .await
        .unwrap();
    let mut lock = Lock::default();
    for i in images {
        lock.set(i);
    }
    assert_eq!(
        lock.get("eu-central-1", "ubuntu-24.04", Arch::X86_64),
        Some("ami-0e872aee57663ae2d")
    );
    assert_eq!(
        lock.get("eu-central-1", "ubuntu-24.04", Arch::Arm64),
        Some("ami-0a628e1e89aaedf80")
    );

    // A region without the parameter says so; a value that is not an image is refused.
    let missing = images::resolve(&Fake::default(), "eu-central-1", &[ubuntu("x86_64")])
        .await
        .unwrap_err();
    assert!(
        matches!(&missing, CloudError::NotFound(m) if m.contains("eu-central-1 has no public parameter /aws/service/canonical/ubuntu/server/24.04")),
        "{missing}"
    );
    let odd = Fake {
        public: vec![(ubuntu("x86_64").ssm, "not-an-image".into())],
        ..Fake::default()
    };
    let err = images::resolve(&odd, "eu-central-1", &[ubuntu("x86_64")])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("not an image id"), "{err}");
}

/// `stackc diff` against an update whose lock pins a new image.
async fn plan(fake: &Fake, artifacts: &Artifacts) -> (String, Result<Outcome, DeployError>) {
    let mut out = Vec::new();
    let mut no_terminal = |_: &str| answer(None);
    let result = {
        let mut ui = Ui {
            out: &mut out,
            confirm: &mut no_terminal,
            progress: false,
            color: false,
            json: None,
        };
        let opts = Options {
            yes: true,
            poll: Duration::ZERO,
            converge: false,
            cache: None,
            force_unlock: false,
        };
        deploy::diff(fake, &mut ui, &opts, artifacts, std::future::pending()).await
    };
    (String::from_utf8(out).unwrap(), result)
}

#[tokio::test]
async fn a_new_image_in_the_lock_shows_the_instances_it_replaces() {
    let mut deployed = info("UPDATE_COMPLETE").unwrap();
    deployed
        .parameters
        .push((lock::parameter(Arch::X86_64), OLD_IMAGE.into()));
    let fake = Fake {
        instances: vec![("goldcar-production-web".into(), 2)],
        ..Fake::default()
    };
    fake.stack.borrow_mut().push_back(Ok(Some(deployed)));
    *fake.change_set.borrow_mut() = Some(ChangeSet {
        status: ChangeSetStatus::CreateComplete,
        reason: None,
        changes: ["Web", "Reports"]
            .iter()
            .flat_map(|p| {
                [
                    Change {
                        action: "Modify".into(),
                        logical_id: format!("{p}LaunchTemplate"),
                        resource_type: "AWS::EC2::LaunchTemplate".into(),
                        replacement: Some("False".into()),
                    },
                    Change {
                        action: "Modify".into(),
                        logical_id: format!("{p}AutoScalingGroup"),
                        resource_type: "AWS::AutoScaling::AutoScalingGroup".into(),
                        replacement: Some("False".into()),
                    },
                ]
            })
            .collect(),
    });
    let (text, result) = plan(&fake, &artifacts()).await;
    assert_eq!(result.unwrap(), Outcome::Planned);
    assert!(
        text.contains(&format!(
            "  replaces 2 instances of layer web (rolling, 1 at a time): image {OLD_IMAGE} -> {NEW_IMAGE}\n"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "  layer reports: no instance running to replace; new ones start with the change: image {OLD_IMAGE} -> {NEW_IMAGE}\n"
        )),
        "{text}"
    );
    // The pinned id is what the change set gets.
    assert!(
        fake.calls
            .borrow()
            .contains(&format!("parameter ImageIdX86={NEW_IMAGE}")),
        "{:?}",
        fake.calls.borrow()
    );

    // The same image: nothing is replaced.
    let fake = Fake {
        instances: vec![("goldcar-production-web".into(), 2)],
        ..Fake::default()
    };
    let mut same = info("UPDATE_COMPLETE").unwrap();
    same.parameters
        .push((lock::parameter(Arch::X86_64), NEW_IMAGE.into()));
    fake.stack.borrow_mut().push_back(Ok(Some(same)));
    *fake.change_set.borrow_mut() = Some(changes());
    let (text, _) = plan(&fake, &artifacts()).await;
    assert!(
        !text.contains("replaces ") && !text.contains("to replace"),
        "{text}"
    );
}

#[tokio::test]
async fn an_image_the_lock_does_not_pin_is_refused() {
    let mut artifacts = artifacts();
    let missing = artifacts
        .pin(&pinned(NEW_IMAGE), "eu-central-1")
        .unwrap_err();
    assert_eq!(missing.images.len(), 1);
    assert_eq!(missing.images[0].arch, Arch::X86_64);
    assert!(
        missing.cinc.is_empty(),
        "packages are pinned for any region"
    );
    let fake = Fake::default();
    fake.stack.borrow_mut().push_back(Ok(None));
    let (text, result) = plan(&fake, &artifacts).await;
    let err = result.unwrap_err();
    assert!(matches!(err, DeployError::ImageNotPinned(_)), "{err}");
    assert!(err.to_string().contains("run `stackc lock`"), "{err}");
    assert!(!text.contains("Plan for"), "{text}");
    assert!(
        !fake
            .calls
            .borrow()
            .iter()
            .any(|c| c.starts_with("create change set")),
        "no change set without a pinned image"
    );
}

#[tokio::test]
async fn deploy_resumes_launches_a_failed_setup_suspended_before_executing() {
    let fake = Fake::default();
    *fake.suspended.borrow_mut() = vec!["goldcar-production-reports".into()];
    fake.stack
        .borrow_mut()
        .extend([Ok(info("UPDATE_COMPLETE")), Ok(info("UPDATE_COMPLETE"))]);
    fake.events.borrow_mut().extend([vec![event(
        1,
        "goldcar-production",
        "AWS::CloudFormation::Stack",
        "UPDATE_COMPLETE",
        None,
    )]]);
    *fake.change_set.borrow_mut() = Some(changes());
    let text = run(&fake).await;
    assert!(
        text.contains("goldcar-production-reports: launches resumed"),
        "{text}"
    );
    let calls = fake.calls.borrow();
    let resume = calls
        .iter()
        .position(|c| c == "resume launches of goldcar-production-web,goldcar-production-reports")
        .unwrap_or_else(|| panic!("{calls:?}"));
    let execute = calls.iter().position(|c| c == "execute").unwrap();
    assert!(resume < execute, "{calls:?}");
    assert!(fake.suspended.borrow().is_empty());
}

#[tokio::test]
async fn deploy_with_nothing_to_change_resumes_launches_too() {
    let fake = Fake::default();
    *fake.suspended.borrow_mut() = vec!["goldcar-production-web".into()];
    fake.stack
        .borrow_mut()
        .extend([Ok(info("UPDATE_COMPLETE"))]);
    *fake.change_set.borrow_mut() = Some(ChangeSet {
        status: ChangeSetStatus::Failed,
        reason: Some("The submitted information didn't contain changes.".into()),
        changes: vec![],
    });
    let text = run(&fake).await;
    assert!(text.contains("up to date"), "{text}");
    assert!(
        text.contains("goldcar-production-web: launches resumed"),
        "{text}"
    );
    assert!(!fake.calls.borrow().contains(&"execute".to_string()));
}

#[tokio::test]
async fn the_pinned_cinc_package_goes_to_the_bucket_once() {
    let key = format!("goldcar/production/{}.rpm", manifest::sha256_hex(PACKAGE));
    let created = || {
        let fake = Fake::default();
        fake.stack
            .borrow_mut()
            .extend([Ok(None), Ok(info("CREATE_COMPLETE"))]);
        fake.events.borrow_mut().push_back(vec![]);
        *fake.change_set.borrow_mut() = Some(changes());
        fake
    };
    let fake = created();
    let cached = cache("once", Some(PACKAGE));
    let text = run_with(&fake, cached.clone()).await;
    assert!(text.contains("=> Applied"), "{text}");
    assert!(
        text.contains("Chef client packages: 1 uploaded, 0 already in s3://artifacts-123"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Cinc 18.6.2 for amazon-linux-2023 x86_64: {} bytes from the cache ({}), sha256 checked",
            PACKAGE.len(),
            cached.join(manifest::sha256_hex(PACKAGE)).display()
        )),
        "{text}"
    );
    let calls = fake.calls.borrow().clone();
    assert_eq!(
        calls.iter().filter(|c| **c == format!("put {key}")).count(),
        1,
        "{calls:?}"
    );
    // The change set gets its sha256, which the user data checks.
    assert!(
        calls.contains(&format!(
            "parameter CincSha256X86={}",
            manifest::sha256_hex(PACKAGE)
        )),
        "{calls:?}"
    );

    // Already in the bucket: neither fetched nor uploaded again, even with
    // an empty cache and the package's URL unreachable.
    let again = created();
    again.objects.borrow_mut().insert(key.clone());
    let text = run_with(&again, cache("again", None)).await;
    assert!(text.contains("=> Applied"), "{text}");
    assert!(
        text.contains("Chef client packages: 0 uploaded, 1 already in s3://artifacts-123"),
        "{text}"
    );
    assert!(!again.calls.borrow().contains(&format!("put {key}")));
}

#[tokio::test]
async fn a_cinc_package_that_cannot_be_had_stops_deploy_before_anything_changes() {
    for (name, cached) in [("empty", None), ("damaged", Some(&b"not the package"[..]))] {
        let fake = Fake::default();
        fake.stack.borrow_mut().push_back(Ok(None));
        *fake.change_set.borrow_mut() = Some(changes());
        let text = run_with(&fake, cache(name, cached)).await;
        assert!(
            text.contains(&format!(
                "=> error: cannot download the Cinc package {PACKAGE_URL}: "
            )),
            "{name}: {text}"
        );
        assert!(text.contains("nothing was uploaded or changed"), "{text}");
        assert!(
            text.contains("check this machine's connection to that URL"),
            "{text}"
        );
        let calls = fake.calls.borrow();
        assert!(
            !calls
                .iter()
                .any(|c| c.starts_with("put ") || c.starts_with("create change set")),
            "{name}: {calls:?}"
        );
    }
}

#[tokio::test]
async fn a_new_cinc_package_in_the_lock_shows_the_instances_it_replaces() {
    let mut deployed = info("UPDATE_COMPLETE").unwrap();
    deployed.parameters.extend([
        (lock::parameter(Arch::X86_64), NEW_IMAGE.into()),
        (lock::cinc_parameter(Arch::X86_64), "0".repeat(64)),
    ]);
    let fake = Fake {
        instances: vec![("goldcar-production-web".into(), 2)],
        ..Fake::default()
    };
    fake.stack.borrow_mut().push_back(Ok(Some(deployed)));
    *fake.change_set.borrow_mut() = Some(ChangeSet {
        status: ChangeSetStatus::CreateComplete,
        reason: None,
        changes: vec![Change {
            action: "Modify".into(),
            logical_id: "WebLaunchTemplate".into(),
            resource_type: "AWS::EC2::LaunchTemplate".into(),
            replacement: Some("False".into()),
        }],
    });
    let (text, result) = plan(&fake, &artifacts()).await;
    assert_eq!(result.unwrap(), Outcome::Planned);
    assert!(
        text.contains(&format!(
            "  replaces 2 instances of layer web (rolling, 1 at a time): Cinc package 000000000000 -> {}\n",
            &manifest::sha256_hex(PACKAGE)[..12]
        )),
        "{text}"
    );
    // A plan needs the package's sha256, not the package.
    assert!(
        !fake.calls.borrow().iter().any(|c| c.ends_with(".rpm")),
        "{:?}",
        fake.calls.borrow()
    );
}

/// Runs deploy with these options, answers and interruption; returns what
/// the user saw and the result.
async fn deploy_with(
    fake: &Fake,
    opts: &Options,
    confirm: &mut dyn FnMut(&str) -> deploy::Answer,
    interrupt: impl std::future::Future<Output = ()>,
) -> (String, Result<Outcome, DeployError>) {
    fake.objects.borrow_mut().insert(format!(
        "goldcar/production/{}.rpm",
        manifest::sha256_hex(PACKAGE)
    ));
    let mut out = Vec::new();
    let result = {
        let mut ui = Ui {
            out: &mut out,
            confirm,
            progress: false,
            color: false,
            json: None,
        };
        deploy::deploy(fake, &mut ui, opts, &artifacts(), interrupt).await
    };
    (String::from_utf8(out).unwrap(), result)
}

fn quick(yes: bool) -> Options {
    Options {
        yes,
        poll: Duration::ZERO,
        converge: false,
        cache: None,
        force_unlock: false,
    }
}

const LOCK_KEY: &str = "_stackc-locks/goldcar-production.json";

/// A lock object as another run wrote it.
fn held_by(fake: &Fake, host: &str, pid: u32) {
    let holder = stackc_deploy::lock::Holder {
        stack: "goldcar-production".into(),
        operation: "deploy".into(),
        user: "bob".into(),
        host: host.into(),
        pid,
        since: 1_795_990_000,
        token: "theirs".into(),
    };
    fake.stored.borrow_mut().push((
        LOCK_KEY.into(),
        serde_json::to_vec(&holder).unwrap(),
        "\"etag-theirs\"".into(),
    ));
}

#[tokio::test]
async fn a_second_deploy_is_refused_naming_who_holds_the_lock_and_the_first_succeeds() {
    let fake = Fake::default();
    fake.stack
        .borrow_mut()
        .extend([Ok(info("UPDATE_COMPLETE"))]);
    fake.events.borrow_mut().push_back(vec![]);
    *fake.change_set.borrow_mut() = Some(changes());
    let at_prompt = std::rc::Rc::new(tokio::sync::Notify::new());
    let go_on = std::rc::Rc::new(tokio::sync::Notify::new());
    let first = async {
        let (at, go) = (at_prompt.clone(), go_on.clone());
        let mut ask = move |_: &str| -> deploy::Answer {
            at.notify_one();
            let go = go.clone();
            Box::pin(async move {
                go.notified().await;
                Some(true)
            })
        };
        deploy_with(&fake, &quick(false), &mut ask, std::future::pending()).await
    };
    let second = async {
        // While the first waits for its answer.
        at_prompt.notified().await;
        let mut never = |_: &str| answer(None);
        let result = deploy_with(&fake, &quick(true), &mut never, std::future::pending()).await;
        go_on.notify_one();
        result
    };
    let ((first_text, first), (second_text, second)) = tokio::join!(first, second);
    let err = second.unwrap_err();
    let text = err.to_string();
    let me = stackc_deploy::lock::Holder::here("goldcar-production", "deploy");
    assert!(
        text.starts_with(&format!(
            "goldcar-production is locked: deploy of goldcar-production by {}@{} (pid {}) since ",
            me.user, me.host, me.pid
        )),
        "{text}"
    );
    assert!(
        text.contains("(s3://artifacts-123/_stackc-locks/goldcar-production.json)"),
        "{text}"
    );
    assert!(text.contains("rerun with --force-unlock"), "{text}");
    assert!(!second_text.contains("Plan for"), "{second_text}");
    assert!(
        matches!(first, Ok(Outcome::Applied { .. })),
        "{first:?}\n{first_text}"
    );
    // One change set, one execution, and the lock is gone.
    let calls = fake.calls.borrow();
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.starts_with("create change set"))
            .count(),
        1,
        "{calls:?}"
    );
    assert_eq!(
        calls.iter().filter(|c| *c == "execute").count(),
        1,
        "{calls:?}"
    );
    assert!(fake.stored.borrow().is_empty(), "the lock is released");
}

#[tokio::test]
async fn a_lock_whose_holder_is_gone_is_taken_over_and_another_needs_force_unlock() {
    let ready = || {
        let fake = Fake::default();
        fake.stack
            .borrow_mut()
            .extend([Ok(info("UPDATE_COMPLETE"))]);
        fake.events.borrow_mut().push_back(vec![]);
        *fake.change_set.borrow_mut() = Some(changes());
        fake
    };
    let mut never = |_: &str| answer(None);
    // Held by a process of this machine that no longer runs: stale.
    let fake = ready();
    held_by(&fake, &stackc_deploy::lock::host_name(), 999_999_999);
    let (text, result) = deploy_with(&fake, &quick(true), &mut never, std::future::pending()).await;
    assert!(
        matches!(result, Ok(Outcome::Applied { .. })),
        "{result:?}\n{text}"
    );
    assert!(
        text.contains(&format!(
            "removed the lock of deploy of goldcar-production by bob@{} (pid 999999999) since 2026-11-29 ",
            stackc_deploy::lock::host_name()
        )),
        "{text}"
    );
    assert!(fake.stored.borrow().is_empty());

    // Held from another machine: refused, nothing uploaded or created.
    let fake = ready();
    held_by(&fake, "ci-runner-7", 4242);
    let (_, result) = deploy_with(&fake, &quick(true), &mut never, std::future::pending()).await;
    let err = result.unwrap_err().to_string();
    assert!(
        err.contains(
            "deploy of goldcar-production by bob@ci-runner-7 (pid 4242) since 2026-11-29 "
        ),
        "{err}"
    );
    assert!(
        !fake
            .calls
            .borrow()
            .iter()
            .any(|c| c.starts_with("put ") || c.starts_with("create")),
        "{:?}",
        fake.calls.borrow()
    );
    assert_eq!(fake.stored.borrow().len(), 1, "their lock is left alone");

    // --force-unlock removes it and deploys.
    let opts = Options {
        force_unlock: true,
        ..quick(true)
    };
    let (text, result) = deploy_with(&fake, &opts, &mut never, std::future::pending()).await;
    assert!(
        matches!(result, Ok(Outcome::Applied { .. })),
        "{result:?}\n{text}"
    );
    assert!(
        text.contains("removed the lock of deploy of goldcar-production by bob@ci-runner-7"),
        "{text}"
    );
    assert!(fake.stored.borrow().is_empty());
}

/// A change set CloudFormation refuses.
fn refused() -> ChangeSet {
    ChangeSet {
        status: ChangeSetStatus::Failed,
        reason: Some("Template format error: Unresolved resource dependencies [Nope]".into()),
        changes: vec![],
    }
}

#[tokio::test]
async fn a_failed_change_set_deletes_only_the_empty_stack_this_run_created() {
    let mut never = |_: &str| answer(None);
    let deleted = |fake: &Fake| -> Vec<String> {
        fake.calls
            .borrow()
            .iter()
            .filter(|c| c.starts_with("delete stack"))
            .cloned()
            .collect()
    };
    // This run created it, and it is still empty: deleted, by its id.
    let fake = Fake::default();
    fake.stack
        .borrow_mut()
        .extend([Ok(None), Ok(info("REVIEW_IN_PROGRESS"))]);
    *fake.change_set.borrow_mut() = Some(refused());
    let (_, result) = deploy_with(&fake, &quick(true), &mut never, std::future::pending()).await;
    assert!(
        matches!(result, Err(DeployError::ChangeSetFailed(_))),
        "{result:?}"
    );
    assert_eq!(deleted(&fake), [format!("delete stack {STACK_ID}")]);

    // Meanwhile another deploy made a stack of that name (another id): kept.
    let fake = Fake::default();
    let mut theirs = info("REVIEW_IN_PROGRESS").unwrap();
    theirs.id = STACK_ID.replace("1111", "2222");
    fake.stack.borrow_mut().extend([Ok(None), Ok(Some(theirs))]);
    *fake.change_set.borrow_mut() = Some(refused());
    let (_, result) = deploy_with(&fake, &quick(true), &mut never, std::future::pending()).await;
    assert!(
        matches!(result, Err(DeployError::ChangeSetFailed(_))),
        "{result:?}"
    );
    assert!(deleted(&fake).is_empty(), "{:?}", fake.calls.borrow());

    // Ours, but another deploy's change set waits on it: kept.
    let fake = Fake::default();
    fake.stack
        .borrow_mut()
        .extend([Ok(None), Ok(info("REVIEW_IN_PROGRESS"))]);
    fake.change_sets
        .borrow_mut()
        .push(pending_change_set_of_another_deploy());
    *fake.change_set.borrow_mut() = Some(refused());
    let (_, result) = deploy_with(&fake, &quick(true), &mut never, std::future::pending()).await;
    assert!(
        matches!(result, Err(DeployError::ChangeSetFailed(_))),
        "{result:?}"
    );
    assert!(deleted(&fake).is_empty(), "{:?}", fake.calls.borrow());
}

/// A change set another deploy made, waiting to be executed.
fn pending_change_set_of_another_deploy() -> ChangeSetSummary {
    ChangeSetSummary {
        id: "cs-theirs".into(),
        name: "stackc-theirs".into(),
        status: ChangeSetStatus::CreateComplete,
        execution: Some(ExecutionStatus::Available),
    }
}

#[tokio::test]
async fn a_stack_another_deploy_is_creating_is_left_alone_and_an_abandoned_one_is_taken_over() {
    let mut never = |_: &str| answer(None);
    // REVIEW_IN_PROGRESS with a change set: another deploy is creating it.
    let fake = Fake::default();
    fake.stack
        .borrow_mut()
        .extend([Ok(info("REVIEW_IN_PROGRESS"))]);
    fake.change_sets
        .borrow_mut()
        .push(pending_change_set_of_another_deploy());
    let (_, result) = deploy_with(&fake, &quick(true), &mut never, std::future::pending()).await;
    let err = result.unwrap_err().to_string();
    assert!(err.contains("being changed by another operation"), "{err}");
    assert!(err.contains("stackc-theirs (CREATE_COMPLETE)"), "{err}");
    assert!(
        err.contains(&format!(
            "aws cloudformation delete-stack --stack-name {STACK_ID}"
        )),
        "{err}"
    );
    let calls = fake.calls.borrow().clone();
    assert!(
        !calls
            .iter()
            .any(|c| c.starts_with("put ") || c.starts_with("create") || c.starts_with("delete")),
        "{calls:?}"
    );

    // With no change set, a run stopped before it executed one left it:
    // deploy creates the stack in it, and a failure does not delete it.
    let fake = Fake::default();
    fake.stack
        .borrow_mut()
        .extend([Ok(info("REVIEW_IN_PROGRESS"))]);
    *fake.change_set.borrow_mut() = Some(refused());
    let (text, _) = deploy_with(&fake, &quick(true), &mut never, std::future::pending()).await;
    assert!(
        text.contains("REVIEW_IN_PROGRESS with no change set"),
        "{text}"
    );
    let calls = fake.calls.borrow().clone();
    assert!(
        calls.contains(&"create change set (create: true)".to_string()),
        "{calls:?}"
    );
    assert!(
        !calls.iter().any(|c| c.starts_with("delete stack")),
        "{calls:?}"
    );
}

#[tokio::test]
async fn ctrl_c_at_the_prompt_deletes_the_change_set_and_the_stack_this_run_created() {
    let fake = Fake::default();
    fake.stack
        .borrow_mut()
        .extend([Ok(None), Ok(info("REVIEW_IN_PROGRESS"))]);
    *fake.change_set.borrow_mut() = Some(changes());
    let signal = std::rc::Rc::new(tokio::sync::Notify::new());
    let at = signal.clone();
    // Ctrl-C while the question waits for its answer.
    let mut ask = move |_: &str| -> deploy::Answer {
        at.notify_one();
        Box::pin(std::future::pending())
    };
    let (_, result) = deploy_with(&fake, &quick(false), &mut ask, signal.notified()).await;
    let err = result.unwrap_err();
    assert!(matches!(err, DeployError::Interrupted(_)), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with("interrupted before anything was executed on goldcar-production\n  deleted: change set stackc-"),
        "{text}"
    );
    assert!(
        text.ends_with("\n  deleted: the empty stack goldcar-production (REVIEW_IN_PROGRESS) this run created\nnothing is left behind (uploaded artifacts stay in the bucket under their content address, for the next deploy)"),
        "{text}"
    );
    let calls = fake.calls.borrow().clone();
    assert!(!calls.contains(&"execute".to_string()), "{calls:?}");
    assert!(
        calls.contains(&format!("delete stack {STACK_ID}")),
        "{calls:?}"
    );
    assert!(fake.change_sets.borrow().is_empty());
    assert!(fake.stored.borrow().is_empty(), "the lock is released");
}

#[tokio::test]
async fn ctrl_c_after_execution_leaves_cloudformation_running_and_says_so() {
    let fake = Fake::default();
    fake.stack
        .borrow_mut()
        .extend([Ok(info("UPDATE_COMPLETE")), Ok(info("UPDATE_IN_PROGRESS"))]);
    fake.events.borrow_mut().push_back(vec![]);
    *fake.change_set.borrow_mut() = Some(changes());
    // The stack never settles; Ctrl-C comes once execution was asked for.
    let executed = async {
        while !fake.calls.borrow().contains(&"execute".to_string()) {
            tokio::task::yield_now().await;
        }
    };
    let mut never = |_: &str| answer(None);
    let opts = Options {
        poll: Duration::from_millis(5),
        ..quick(true)
    };
    let (_, result) = deploy_with(&fake, &opts, &mut never, executed).await;
    let text = result.unwrap_err().to_string();
    assert_eq!(
        text,
        "interrupted: the change set of goldcar-production had started; CloudFormation carries on with it (stackc stopped watching, it did not stop the stack)\nhelp: follow it with `stackc status` or in the CloudFormation console"
    );
    let calls = fake.calls.borrow().clone();
    assert!(!calls.iter().any(|c| c.starts_with("delete")), "{calls:?}");
    assert!(fake.stored.borrow().is_empty(), "the lock is released");
}

/// `stackc diff` of a stack never deployed changes nothing: the plan comes
/// from the built template, with no upload, change set or stack.
#[tokio::test]
async fn diff_of_a_new_stack_is_made_offline() {
    let fake = Fake::default();
    fake.stack.borrow_mut().push_back(Ok(None));
    let artifacts = artifacts();
    std::fs::write(
        artifacts.dir.join("template.json"),
        r#"{"Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC"},
            "WebAutoScalingGroup": {"Type": "AWS::AutoScaling::AutoScalingGroup"},
            "WebLaunchTemplate": {"Type": "AWS::EC2::LaunchTemplate"}
        }}"#,
    )
    .unwrap();
    let (text, result) = plan(&fake, &artifacts).await;
    assert_eq!(result.unwrap(), Outcome::Planned, "{text}");
    assert!(
        text.contains("Plan for goldcar-production (new stack):"),
        "{text}"
    );
    for id in ["Vpc", "WebAutoScalingGroup", "WebLaunchTemplate"] {
        assert!(text.contains(id), "{id} in {text}");
    }
    assert!(text.contains("layer web"), "{text}");
    assert!(
        text.contains("goldcar-production is not deployed: the plan comes from the built template; nothing was uploaded or created"),
        "{text}"
    );
    let calls = fake.calls.borrow();
    assert!(
        !calls.iter().any(|c| c.starts_with("put ")
            || c.starts_with("create ")
            || c.contains("change set")
            || c.starts_with("delete")),
        "{calls:?}"
    );
}

/// Runs `op` under the stack's lock with these options, nobody to ask;
/// what the user saw and the result.
async fn flow(
    fake: &Fake,
    opts: &Options,
    op: deploy::Operation<'_>,
) -> (String, Result<Outcome, DeployError>) {
    let mut out = Vec::new();
    let mut no_terminal = |_: &str| answer(None);
    let result = {
        let mut ui = Ui {
            out: &mut out,
            confirm: &mut no_terminal,
            progress: false,
            color: false,
            json: None,
        };
        deploy::locked(fake, &mut ui, opts, op, std::future::pending()).await
    };
    (String::from_utf8(out).unwrap(), result)
}

/// Saves a plan of `artifacts` (`stackc diff --out`); what the user saw and
/// the plan.
async fn save(fake: &Fake, artifacts: &Artifacts) -> (String, deploy::SavedPlan) {
    let op = deploy::Operation::SavePlan(artifacts);
    match flow(fake, &quick(false), op).await {
        (text, Ok(Outcome::Saved(plan))) => (text, *plan),
        (text, other) => panic!("{other:?}\n{text}"),
    }
}

/// Applies a saved plan (`stackc deploy --plan`), converging the fleet.
async fn apply(
    fake: &Fake,
    artifacts: &Artifacts,
    plan: &deploy::SavedPlan,
) -> (String, Result<Outcome, DeployError>) {
    let opts = Options {
        converge: true,
        ..quick(false)
    };
    flow(fake, &opts, deploy::Operation::ApplyPlan(artifacts, plan)).await
}

/// goldcar deployed, with one event so far; the change set of its update.
fn deployed_with_a_change_set() -> (Fake, StackEvent) {
    let fake = Fake::default();
    let old = event(
        1,
        "goldcar-production",
        "AWS::CloudFormation::Stack",
        "CREATE_COMPLETE",
        None,
    );
    fake.stack
        .borrow_mut()
        .extend([Ok(info("UPDATE_COMPLETE"))]);
    fake.events.borrow_mut().extend([vec![old.clone()]]);
    *fake.change_set.borrow_mut() = Some(changes());
    fake.objects.borrow_mut().insert(format!(
        "goldcar/production/{}.rpm",
        manifest::sha256_hex(PACKAGE)
    ));
    (fake, old)
}

#[tokio::test]
async fn a_saved_plan_is_applied_as_reviewed_without_a_new_change_set() {
    let (fake, old) = deployed_with_a_change_set();
    let built = artifacts();
    let (text, plan) = save(&fake, &built).await;
    assert!(
        text.contains("Plan for goldcar-production (update):"),
        "{text}"
    );
    assert!(text.contains("+ WebAutoScalingGroup"), "{text}");
    // The change set is kept for the deploy; nothing was executed.
    assert_eq!(plan.change_set, "cs-1");
    assert_eq!(plan.last_event.as_deref(), Some("e1"));
    assert_eq!(plan.changes, 2);
    assert_eq!(plan.manifest_sha256, built.manifest_sha256);
    {
        let calls = fake.calls.borrow();
        assert!(
            !calls
                .iter()
                .any(|c| c == "delete change set" || c == "execute"),
            "{calls:?}"
        );
        // deploy's uploads: the artifacts (the Cinc package is there already).
        assert!(
            calls
                .iter()
                .any(|c| c.starts_with("put goldcar/production/")),
            "{calls:?}"
        );
    }
    assert_eq!(fake.change_sets.borrow().len(), 1);
    // The plan file round-trips.
    let written = serde_json::to_string(&plan).unwrap();
    let plan: deploy::SavedPlan = serde_json::from_str(&written).unwrap();

    // deploy --plan: the stack as it was, then the update's events.
    let done = event(
        2,
        "goldcar-production",
        "AWS::CloudFormation::Stack",
        "UPDATE_COMPLETE",
        None,
    );
    *fake.stack.borrow_mut() = [
        Ok(info("UPDATE_COMPLETE")),
        Ok(info("UPDATE_IN_PROGRESS")),
        Ok(info("UPDATE_COMPLETE")),
    ]
    .into();
    *fake.events.borrow_mut() = [vec![old.clone()], vec![old.clone()], vec![done, old]].into();
    fake.calls.borrow_mut().clear();
    let (text, result) = apply(&fake, &built, &plan).await;
    assert!(
        matches!(&result, Ok(Outcome::Applied { status, .. }) if *status == StackStatus::UpdateComplete),
        "{result:?}\n{text}"
    );
    assert!(
        text.contains("applying the saved plan: 2 change(s) to goldcar-production"),
        "{text}"
    );
    let calls = fake.calls.borrow();
    assert!(
        !calls.iter().any(|c| c.starts_with("create change set")),
        "{calls:?}"
    );
    assert!(
        !calls.iter().any(|c| c.starts_with("put goldcar/")),
        "nothing uploaded: {calls:?}"
    );
    assert_eq!(
        calls.iter().filter(|c| *c == "execute").count(),
        1,
        "{calls:?}"
    );
    // The bundle changed (old -> the build's): configure runs after.
    assert!(
        calls
            .iter()
            .any(|c| c == "run configure with goldcar-production-run"),
        "{calls:?}"
    );
}

#[tokio::test]
async fn a_saved_plan_that_no_longer_says_what_deploy_would_do_is_refused() {
    let (fake, old) = deployed_with_a_change_set();
    let built = artifacts();
    let (_, plan) = save(&fake, &built).await;
    let refused = |result: &Result<Outcome, DeployError>, says: &str| {
        let e = match result {
            Err(e @ DeployError::PlanStale(_)) => e.to_string(),
            other => panic!("{other:?}"),
        };
        assert!(e.contains(says), "{e}");
        assert!(e.contains("nothing was changed"), "{e}");
        assert!(e.contains("stackc diff --out PLAN"), "{e}");
    };
    let reset = |events: Vec<StackEvent>| {
        *fake.stack.borrow_mut() = [Ok(info("UPDATE_COMPLETE"))].into();
        *fake.events.borrow_mut() = [events].into();
        fake.calls.borrow_mut().clear();
    };
    // Another build (the stack file or the cookbooks changed).
    reset(vec![old.clone()]);
    let mut other = plan.clone();
    other.manifest_sha256 = "0".repeat(64);
    refused(
        &apply(&fake, &built, &other).await.1,
        "the stack file or its cookbooks changed",
    );
    // Other pins in the lock file.
    reset(vec![old.clone()]);
    let mut repinned = artifacts();
    repinned.pin(&pinned(OLD_IMAGE), "eu-west-1").unwrap();
    refused(
        &apply(&fake, &repinned, &plan).await.1,
        "the lock file pins other images",
    );
    // The stack changed since (another deploy, or the console).
    let since = event(
        7,
        "goldcar-production",
        "AWS::CloudFormation::Stack",
        "UPDATE_COMPLETE",
        None,
    );
    reset(vec![since, old.clone()]);
    refused(
        &apply(&fake, &built, &plan).await.1,
        "goldcar-production changed since it was made",
    );
    // Its change set was executed or deleted.
    reset(vec![old.clone()]);
    fake.change_sets.borrow_mut()[0].execution = Some(ExecutionStatus::Obsolete);
    refused(
        &apply(&fake, &built, &plan).await.1,
        "can no longer run (CREATE_COMPLETE, OBSOLETE)",
    );
    reset(vec![old.clone()]);
    fake.change_sets.borrow_mut().clear();
    refused(
        &apply(&fake, &built, &plan).await.1,
        "its change set is gone",
    );
    // Another stack's plan.
    reset(vec![old]);
    let mut elsewhere = plan.clone();
    elsewhere.stack = "goldcar-test".into();
    refused(
        &apply(&fake, &built, &elsewhere).await.1,
        "it is a plan for goldcar-test",
    );
    // Nothing was executed, created or uploaded by any of them.
    let calls = fake.calls.borrow();
    assert!(
        !calls
            .iter()
            .any(|c| c == "execute" || c.starts_with("create change set") || c.starts_with("put ")),
        "{calls:?}"
    );
}
