//! StackSet operations with canned answers, for what the local AWS double
//! does not model (it runs every operation to SUCCEEDED at once): a
//! target that fails within the failure tolerance (reported, the run goes
//! on), an operation that fails beyond it (the error names each failed
//! target with CloudFormation's reason and what was not started), and an
//! AWS error of a call. Reaching the instances in their accounts (`run`,
//! `logs`): a role one account refuses is said with its target, and the
//! other targets still run.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::Duration;

use stackc_core::ir::PermissionModel;
use stackc_deploy::cloud::CloudError;
use stackc_deploy::deploy::{answer, DeployError, Options, Ui};
use stackc_deploy::stackset::{
    self, reach, Desired, InstanceInfo, OperationState, Plan, Prefs, StackSetInfo, StackSetRequest,
    StackSets, Step, TargetResult, Who,
};

/// Operations answered from a script: each started operation ends with
/// the next scripted end and results.
#[derive(Default)]
struct Fake {
    ends: RefCell<VecDeque<(OperationState, Vec<TargetResult>)>>,
    current: RefCell<Option<(OperationState, Vec<TargetResult>)>>,
    calls: RefCell<Vec<String>>,
    create_error: Option<CloudError>,
    /// The StackSet's instances (when there are, the StackSet exists).
    instances: Vec<InstanceInfo>,
}

impl Fake {
    fn start(&self, call: &str) -> Result<String, CloudError> {
        self.calls.borrow_mut().push(call.to_string());
        if call == "CreateStackInstances" {
            if let Some(e) = &self.create_error {
                return Err(e.clone());
            }
        }
        *self.current.borrow_mut() = self.ends.borrow_mut().pop_front();
        Ok(format!("op-{}", self.calls.borrow().len()))
    }
}

impl StackSets for Fake {
    async fn describe_stack_set(&self, _: &str) -> Result<Option<StackSetInfo>, CloudError> {
        Ok((!self.instances.is_empty()).then(|| StackSetInfo {
            template: "{}".into(),
            parameters: Vec::new(),
            permission_model: "SELF_MANAGED".into(),
        }))
    }
    async fn stack_instances(&self, _: &str) -> Result<Vec<InstanceInfo>, CloudError> {
        Ok(self.instances.clone())
    }
    async fn instance_overrides(
        &self,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<Vec<(String, String)>, CloudError> {
        Ok(Vec::new())
    }
    async fn create_stack_set(&self, _: &StackSetRequest) -> Result<(), CloudError> {
        self.calls.borrow_mut().push("CreateStackSet".into());
        Ok(())
    }
    async fn update_stack_set(&self, _: &StackSetRequest, _: &Prefs) -> Result<String, CloudError> {
        self.start("UpdateStackSet")
    }
    async fn create_instances(
        &self,
        _: &str,
        _: &Who,
        _: &str,
        _: &[(String, String)],
        _: &Prefs,
    ) -> Result<String, CloudError> {
        self.start("CreateStackInstances")
    }
    async fn update_instances(
        &self,
        _: &str,
        _: &Who,
        _: &str,
        _: &[(String, String)],
        _: &Prefs,
    ) -> Result<String, CloudError> {
        self.start("UpdateStackInstances")
    }
    async fn delete_instances(
        &self,
        _: &str,
        _: &Who,
        _: &str,
        _: &Prefs,
    ) -> Result<String, CloudError> {
        self.start("DeleteStackInstances")
    }
    async fn delete_stack_set(&self, _: &str) -> Result<(), CloudError> {
        Ok(())
    }
    async fn operation(&self, _: &str, _: &str) -> Result<OperationState, CloudError> {
        Ok(self.current.borrow().as_ref().unwrap().0.clone())
    }
    async fn operation_results(&self, _: &str, _: &str) -> Result<Vec<TargetResult>, CloudError> {
        Ok(self.current.borrow().as_ref().unwrap().1.clone())
    }
}

fn state(status: &str, reason: Option<&str>) -> OperationState {
    OperationState {
        status: status.into(),
        reason: reason.map(str::to_string),
    }
}

fn result(account: &str, region: &str, status: &str, reason: Option<&str>) -> TargetResult {
    TargetResult {
        account: account.into(),
        region: region.into(),
        status: status.into(),
        reason: reason.map(str::to_string),
    }
}

fn desired() -> Desired {
    Desired {
        request: StackSetRequest {
            name: "relay-production".into(),
            template_url: "https://b.s3.us-east-1.amazonaws.com/t.json".into(),
            parameters: Vec::new(),
            permission_model: PermissionModel::SelfManaged,
            tags: Vec::new(),
        },
        template: "{}".into(),
        targets: Vec::new(),
        overrides: Vec::new(),
    }
}

fn plan() -> Plan {
    Plan {
        name: "relay-production".into(),
        model: PermissionModel::SelfManaged,
        steps: vec![
            Step::CreateStackSet,
            Step::Create {
                region: "us-east-1".into(),
                ids: vec!["111111111111".into(), "222222222222".into()],
            },
            Step::Create {
                region: "eu-west-1".into(),
                ids: vec!["111111111111".into()],
            },
        ],
        targets: Vec::new(),
    }
}

async fn run(fake: &Fake) -> (Result<stackset::Report, DeployError>, String) {
    run_plan(fake, &plan()).await
}

async fn run_plan(fake: &Fake, plan: &Plan) -> (Result<stackset::Report, DeployError>, String) {
    let mut out = Vec::new();
    let mut ask = |_: &str| answer(Some(true));
    let mut ui = Ui {
        out: &mut out,
        confirm: &mut ask,
        progress: false,
        color: false,
        json: None,
    };
    let opts = Options {
        poll: Duration::from_millis(1),
        ..Options::default()
    };
    let current = RefCell::new(None);
    let r = stackset::run_operations(
        fake,
        &mut ui,
        &opts,
        plan,
        &desired(),
        &Prefs::default(),
        &current,
    )
    .await;
    (r, String::from_utf8(out).unwrap())
}

#[tokio::test]
async fn a_target_failing_within_the_tolerance_is_reported_and_the_run_goes_on() {
    let fake = Fake::default();
    fake.ends.borrow_mut().extend([
        (
            state("SUCCEEDED", None),
            vec![
                result("111111111111", "us-east-1", "SUCCEEDED", None),
                result("222222222222", "us-east-1", "FAILED", Some("Account 222222222222 should have 'AWSCloudFormationStackSetExecutionRole' role with trust relationship to Role 'AWSCloudFormationStackSetAdministrationRole'.")),
            ],
        ),
        (
            state("SUCCEEDED", None),
            vec![result("111111111111", "eu-west-1", "SUCCEEDED", None)],
        ),
    ]);
    let (r, said) = run(&fake).await;
    let report = r.expect("within tolerance");
    assert!(report.stopped.is_none());
    assert_eq!(report.done.len(), 3);
    assert_eq!(report.failed.len(), 1);
    assert_eq!(report.failed[0].target, "222222222222/us-east-1");
    assert!(report.failed[0]
        .reason
        .contains("AWSCloudFormationStackSetExecutionRole"));
    assert!(
        said.contains("222222222222/us-east-1: FAILED: Account 222222222222"),
        "{said}"
    );
    assert!(said.contains("111111111111/eu-west-1: SUCCEEDED"), "{said}");
}

#[tokio::test]
async fn an_operation_failing_beyond_the_tolerance_stops_the_run_and_says_why() {
    let fake = Fake::default();
    fake.ends.borrow_mut().extend([(
        state("FAILED", Some("The Operation failed: failure tolerance exceeded")),
        vec![
            result("111111111111", "us-east-1", "FAILED", Some("ResourceLogicalId:WorkerGroup, ResourceType:AWS::AutoScaling::AutoScalingGroup, ResourceStatusReason:You have requested more instances than your current instance limit.")),
            result("222222222222", "us-east-1", "CANCELLED", Some("Cancelled since failure tolerance has exceeded")),
        ],
    )]);
    let (r, _) = run(&fake).await;
    let report = r.expect("the run ends with a report");
    assert!(report.stopped.is_some());
    let e = DeployError::TargetsFailed(report);
    let text = e.to_string();
    assert!(text.starts_with("the StackSet operation failed: create instances for 111111111111, 222222222222 in us-east-1: operation op-2 FAILED (The Operation failed: failure tolerance exceeded)"), "{text}");
    assert!(
        text.contains("failed: 111111111111/us-east-1: ResourceLogicalId:WorkerGroup"),
        "{text}"
    );
    assert!(
        text.contains("not started: create instances for 111111111111 in eu-west-1"),
        "{text}"
    );
    // eu-west-1 was never asked for.
    assert_eq!(
        *fake.calls.borrow(),
        ["CreateStackSet", "CreateStackInstances"]
    );
}

#[tokio::test]
async fn an_aws_error_stops_the_run_with_its_classification() {
    let fake = Fake {
        create_error: Some(CloudError::AccessDenied(
            "CloudFormation CreateStackInstances needs cloudformation:CreateStackInstances".into(),
        )),
        ..Fake::default()
    };
    let (r, _) = run(&fake).await;
    let e = r.expect_err("denied");
    let text = e.to_string();
    assert!(text.starts_with("access denied: CloudFormation CreateStackInstances needs cloudformation:CreateStackInstances"), "{text}");
}

/// A target removed from the file: its region's instances are deleted
/// first, then the StackSet and the remaining instances are updated, each
/// operation followed to its end before the next starts.
#[tokio::test]
async fn a_removed_target_is_deleted_before_the_others_are_updated() {
    let fake = Fake::default();
    fake.ends.borrow_mut().extend([
        (
            state("SUCCEEDED", None),
            vec![result("111111111111", "eu-west-1", "SUCCEEDED", None)],
        ),
        (
            state("SUCCEEDED", None),
            vec![result("111111111111", "us-east-1", "SUCCEEDED", None)],
        ),
    ]);
    let plan = Plan {
        name: "relay-production".into(),
        model: PermissionModel::SelfManaged,
        steps: vec![
            Step::Delete {
                region: "eu-west-1".into(),
                ids: vec!["111111111111".into()],
            },
            Step::Update {
                region: "us-east-1".into(),
                ids: vec!["111111111111".into()],
            },
        ],
        targets: Vec::new(),
    };
    let (r, said) = run_plan(&fake, &plan).await;
    let report = r.expect("both succeed");
    assert!(report.stopped.is_none() && report.failed.is_empty());
    assert_eq!(report.done.len(), 2);
    assert_eq!(
        *fake.calls.borrow(),
        ["DeleteStackInstances", "UpdateStackInstances"]
    );
    assert!(said.contains("111111111111/eu-west-1: SUCCEEDED"), "{said}");
}

/// A deletion that fails stops the run before anything else starts.
#[tokio::test]
async fn a_deletion_that_fails_stops_the_run() {
    let fake = Fake::default();
    fake.ends.borrow_mut().extend([(
        state("FAILED", Some("The Operation failed: failure tolerance exceeded")),
        vec![result(
            "111111111111",
            "eu-west-1",
            "FAILED",
            Some("ResourceLogicalId:Vpc, ResourceType:AWS::EC2::VPC, ResourceStatusReason:The vpc has dependencies and cannot be deleted."),
        )],
    )]);
    let plan = Plan {
        name: "relay-production".into(),
        model: PermissionModel::SelfManaged,
        steps: vec![
            Step::Delete {
                region: "eu-west-1".into(),
                ids: vec!["111111111111".into()],
            },
            Step::Update {
                region: "us-east-1".into(),
                ids: vec!["111111111111".into()],
            },
        ],
        targets: Vec::new(),
    };
    let (r, _) = run_plan(&fake, &plan).await;
    let report = r.expect("a report");
    let text = DeployError::TargetsFailed(report).to_string();
    assert!(
        text.contains("failed: 111111111111/eu-west-1: ResourceLogicalId:Vpc"),
        "{text}"
    );
    assert!(
        text.contains("not started: update the instances of 111111111111 in us-east-1"),
        "{text}"
    );
    assert_eq!(*fake.calls.borrow(), ["DeleteStackInstances"]);
}

fn instance(account: &str, region: &str, stack: bool) -> InstanceInfo {
    InstanceInfo {
        account: account.into(),
        region: region.into(),
        unit: None,
        status: if stack { "CURRENT" } else { "INOPERABLE" }.into(),
        detailed: None,
        reason: (!stack).then(|| "ResourceLogicalId:Vpc, ResourceStatusReason:limit".into()),
        stack_id: stack.then(|| {
            format!("arn:aws:cloudformation:{region}:{account}:stack/StackSet-relay-production-1/x")
        }),
    }
}

/// STS: refuses the roles listed, as for a role whose trust policy does
/// not name the caller; otherwise the "client" says whose it is.
#[derive(Default)]
struct Roles {
    refused: Vec<String>,
    asked: RefCell<Vec<String>>,
}

impl reach::Assume for Roles {
    type Client = String;
    async fn assume(&self, role_arn: &str, region: &str) -> Result<String, CloudError> {
        self.asked.borrow_mut().push(format!("{role_arn} {region}"));
        if self.refused.iter().any(|r| r == role_arn) {
            return Err(CloudError::AccessDenied(format!(
                "STS AssumeRole needs sts:AssumeRole: not authorized to perform sts:AssumeRole on {role_arn}"
            )));
        }
        Ok(format!("{role_arn}@{region}"))
    }
}

/// Records where it ran and with whose clients; fails on `fail`.
#[derive(Default)]
struct Job {
    ran: Vec<String>,
    fail: Option<String>,
}

impl reach::OnTarget<String> for Job {
    async fn on(&mut self, target: &reach::Reached, client: &String) -> bool {
        self.ran.push(format!("{} with {client}", target.label()));
        self.fail.as_deref() != Some(target.label().as_str())
    }
}

#[tokio::test]
async fn a_role_one_account_refuses_is_said_with_its_target_and_the_others_still_run() {
    let fake = Fake {
        instances: vec![
            instance("222222222222", "us-east-1", true),
            instance("111111111111", "us-east-1", true),
            instance("222222222222", "eu-west-1", true),
        ],
        ..Fake::default()
    };
    let role = reach::Role::new(reach::EXECUTION_ROLE, "us-east-1");
    let refused = role.arn("111111111111");
    let roles = Roles {
        refused: vec![refused.clone()],
        ..Roles::default()
    };
    let targets = reach::instances(&fake, "relay-production", None)
        .await
        .unwrap()
        .unwrap();
    let mut job = Job::default();
    let mut out = Vec::new();
    let failed = reach::each(&roles, &targets, &role, &mut job, &mut out).await;
    let out = String::from_utf8(out).unwrap();

    // The refused target first (by account), then the others, each with
    // the role assumed in its own account and clients of its region.
    assert_eq!(
        job.ran,
        [
            "222222222222/eu-west-1 with arn:aws:iam::222222222222:role/AWSCloudFormationStackSetExecutionRole@eu-west-1",
            "222222222222/us-east-1 with arn:aws:iam::222222222222:role/AWSCloudFormationStackSetExecutionRole@us-east-1",
        ]
    );
    assert_eq!(roles.asked.borrow().len(), 3);
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0].target, "111111111111/us-east-1");
    assert!(
        out.contains(&format!(
            "error: 111111111111/us-east-1: cannot assume {refused}: access denied: STS AssumeRole needs sts:AssumeRole"
        )),
        "{out}"
    );
    assert!(
        out.contains("help: the role AWSCloudFormationStackSetExecutionRole must exist in 111111111111 and trust the administering account"),
        "{out}"
    );
    assert!(
        out.contains("error: 1 of 3 target(s) failed: 111111111111/us-east-1"),
        "{out}"
    );
}

#[tokio::test]
async fn a_target_without_a_stack_or_whose_run_failed_counts_as_failed() {
    let fake = Fake {
        instances: vec![
            instance("111111111111", "us-east-1", false),
            instance("111111111111", "eu-west-1", true),
            instance("222222222222", "us-east-1", true),
        ],
        ..Fake::default()
    };
    let role = reach::Role::new("relay-operator", "us-east-1");
    let roles = Roles::default();
    let mut job = Job {
        fail: Some("111111111111/eu-west-1".into()),
        ..Job::default()
    };
    let targets = reach::instances(&fake, "relay-production", None)
        .await
        .unwrap()
        .unwrap();
    let mut out = Vec::new();
    let failed = reach::each(&roles, &targets, &role, &mut job, &mut out).await;
    let out = String::from_utf8(out).unwrap();
    let names: Vec<&str> = failed.iter().map(|f| f.target.as_str()).collect();
    assert_eq!(names, ["111111111111/eu-west-1", "111111111111/us-east-1"]);
    // No role is assumed for an instance that has no stack.
    assert_eq!(roles.asked.borrow().len(), 2);
    assert_eq!(job.ran.len(), 2);
    assert!(
        out.contains("error: 111111111111/us-east-1: the stack instance has no stack (INOPERABLE: ResourceLogicalId:Vpc"),
        "{out}"
    );

    // --target: only that instance.
    let only = ("222222222222".to_string(), "us-east-1".to_string());
    let one = reach::instances(&fake, "relay-production", Some(&only))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].label(), "222222222222/us-east-1");
}
