//! What deploy needs from AWS, as a small trait with plain data types, so
//! the flows can run against the real SDK (`crate::aws`) or against canned
//! responses in tests.

use std::fmt;

pub use aws_sdk_cloudformation::types::{
    ChangeSetStatus, ExecutionStatus, ResourceStatus, StackStatus,
};

/// Where an operation on a stack or a resource stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// CloudFormation is working on it.
    InProgress,
    /// It finished.
    Complete,
    /// It failed.
    Failed,
    /// CloudFormation left it alone (a resource kept on delete).
    Skipped,
}

/// The questions deploy asks of a stack's or a resource's status, answered
/// from the SDK's enums. A status newer than this SDK knows (its `Unknown`)
/// answers no to all of them: following a stack stops there and reports it
/// as a failure rather than waiting on a status it cannot read.
pub trait Status {
    /// Its phase, and whether the operation is a rollback; `None` for a
    /// status this SDK does not know.
    fn phase(&self) -> Option<(Phase, bool)>;

    /// `..._IN_PROGRESS` (including the cleanups after an update).
    fn is_in_progress(&self) -> bool {
        matches!(self.phase(), Some((Phase::InProgress, _)))
    }

    /// `..._COMPLETE`, a rollback's too.
    fn is_complete(&self) -> bool {
        matches!(self.phase(), Some((Phase::Complete, _)))
    }

    /// `..._FAILED`.
    fn is_failed(&self) -> bool {
        matches!(self.phase(), Some((Phase::Failed, _)))
    }

    /// `..._ROLLBACK_...`, `ROLLBACK_...`.
    fn is_rollback(&self) -> bool {
        matches!(self.phase(), Some((_, true)))
    }

    /// Complete, and not by rolling back: what was asked was done.
    fn is_success(&self) -> bool {
        self.is_complete() && !self.is_rollback()
    }
}

impl Status for StackStatus {
    fn phase(&self) -> Option<(Phase, bool)> {
        use Phase::*;
        use StackStatus as S;
        Some(match self {
            S::CreateInProgress
            | S::DeleteInProgress
            | S::ImportInProgress
            | S::ReviewInProgress
            | S::UpdateInProgress
            | S::UpdateCompleteCleanupInProgress => (InProgress, false),
            S::ImportRollbackInProgress
            | S::RollbackInProgress
            | S::UpdateRollbackInProgress
            | S::UpdateRollbackCompleteCleanupInProgress => (InProgress, true),
            S::CreateComplete | S::DeleteComplete | S::ImportComplete | S::UpdateComplete => {
                (Complete, false)
            }
            S::ImportRollbackComplete | S::RollbackComplete | S::UpdateRollbackComplete => {
                (Complete, true)
            }
            S::CreateFailed | S::DeleteFailed | S::UpdateFailed => (Failed, false),
            S::ImportRollbackFailed | S::RollbackFailed | S::UpdateRollbackFailed => (Failed, true),
            _ => return None,
        })
    }
}

impl Status for ResourceStatus {
    fn phase(&self) -> Option<(Phase, bool)> {
        use Phase::*;
        use ResourceStatus as R;
        Some(match self {
            R::CreateInProgress
            | R::DeleteInProgress
            | R::ExportInProgress
            | R::ImportInProgress
            | R::UpdateInProgress => (InProgress, false),
            R::ExportRollbackInProgress
            | R::ImportRollbackInProgress
            | R::RollbackInProgress
            | R::UpdateRollbackInProgress => (InProgress, true),
            R::CreateComplete
            | R::DeleteComplete
            | R::ExportComplete
            | R::ImportComplete
            | R::UpdateComplete => (Complete, false),
            R::ExportRollbackComplete
            | R::ImportRollbackComplete
            | R::RollbackComplete
            | R::UpdateRollbackComplete => (Complete, true),
            R::CreateFailed
            | R::DeleteFailed
            | R::ExportFailed
            | R::ImportFailed
            | R::UpdateFailed => (Failed, false),
            R::ExportRollbackFailed
            | R::ImportRollbackFailed
            | R::RollbackFailed
            | R::UpdateRollbackFailed => (Failed, true),
            R::DeleteSkipped => (Skipped, false),
            _ => return None,
        })
    }
}

/// A stack as `describe-stacks` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackInfo {
    /// The stack id (an ARN, unique to this stack: a stack deleted and
    /// created again under the same name has another).
    pub id: String,
    /// `CREATE_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE`, ...
    pub status: StackStatus,
    /// Why it is in that status, when CloudFormation says.
    pub reason: Option<String>,
    /// Outputs by key.
    pub outputs: Vec<(String, String)>,
    /// Parameters by key.
    pub parameters: Vec<(String, String)>,
}

impl StackInfo {
    /// A parameter's value.
    pub fn parameter(&self, key: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// True while CloudFormation, or another deploy, is working on the
    /// stack. A stack `REVIEW_IN_PROGRESS` is being created by a deploy that
    /// has made its change set and not executed it yet; one left so by a
    /// run that was killed has no change set, and deploy takes it over (see
    /// `deploy::prepare`).
    pub fn in_progress(&self) -> bool {
        self.status.is_in_progress()
    }

    /// An output's value.
    pub fn output(&self, key: &str) -> Option<&str> {
        self.outputs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// Where a change set's template comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateSource {
    /// A template uploaded to S3.
    Url(String),
    /// A small template passed inline.
    Body(String),
}

/// A change set to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSetRequest {
    /// Stack name.
    pub stack: String,
    /// Change set name.
    pub name: String,
    /// True to create the stack, false to update it.
    pub create: bool,
    /// The template.
    pub template: TemplateSource,
    /// Parameters.
    pub parameters: Vec<(String, String)>,
    /// Stack tags.
    pub tags: Vec<(String, String)>,
}

/// One change of a change set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// `Add`, `Modify`, `Remove`.
    pub action: String,
    /// Logical id.
    pub logical_id: String,
    /// `AWS::EC2::LaunchTemplate`, ...
    pub resource_type: String,
    /// `True`, `False`, `Conditional` (modifications only).
    pub replacement: Option<String>,
}

/// A change set as `describe-change-set` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSet {
    /// `CREATE_PENDING`, `CREATE_IN_PROGRESS`, `CREATE_COMPLETE`, `FAILED`.
    pub status: ChangeSetStatus,
    /// Why, when it failed.
    pub reason: Option<String>,
    /// The changes.
    pub changes: Vec<Change>,
}

impl ChangeSet {
    /// True while CloudFormation is still making it.
    pub fn being_made(&self) -> bool {
        matches!(
            self.status,
            ChangeSetStatus::CreatePending | ChangeSetStatus::CreateInProgress
        )
    }

    /// True when CloudFormation refused it because the stack already is
    /// what it asks for. AWS says so only in words: the change set is
    /// `FAILED`, and its StatusReason reads "The submitted information
    /// didn't contain changes. Submit different information to create a
    /// change set." (for a stack with no resource changes, "No updates are
    /// to be performed."). There is no code for it, so this is the one
    /// place that reads that text.
    pub fn has_no_changes(&self) -> bool {
        self.status == ChangeSetStatus::Failed
            && self.reason.as_deref().is_some_and(|r| {
                r.contains("didn't contain changes") || r.contains("No updates are to be performed")
            })
    }
}

/// A change set of a stack as `list-change-sets` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeSetSummary {
    /// Its id (an ARN).
    pub id: String,
    /// Its name.
    pub name: String,
    /// `CREATE_PENDING`, `CREATE_COMPLETE`, `FAILED`, ...
    pub status: ChangeSetStatus,
    /// `AVAILABLE`, `UNAVAILABLE`, `EXECUTE_COMPLETE`, `OBSOLETE`, ...;
    /// `None` when CloudFormation does not say (some local doubles).
    pub execution: Option<ExecutionStatus>,
}

impl ChangeSetSummary {
    /// True while it is being made or waits to be executed (a deploy is
    /// using it); false once failed, executed or obsolete.
    pub fn pending(&self) -> bool {
        matches!(
            self.status,
            ChangeSetStatus::CreatePending
                | ChangeSetStatus::CreateInProgress
                | ChangeSetStatus::CreateComplete
        ) && matches!(
            self.execution,
            None | Some(ExecutionStatus::Available | ExecutionStatus::Unavailable)
        )
    }

    /// True when it is made and can be executed.
    pub fn executable(&self) -> bool {
        self.status == ChangeSetStatus::CreateComplete
            && self.execution == Some(ExecutionStatus::Available)
    }

    /// Its execution status as CloudFormation writes it (empty when unsaid).
    pub fn execution_str(&self) -> &str {
        self.execution.as_ref().map_or("", ExecutionStatus::as_str)
    }
}

/// What `create-change-set` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreatedChangeSet {
    /// The change set's id.
    pub id: String,
    /// The id of the stack it belongs to (for a new stack, the empty one
    /// `REVIEW_IN_PROGRESS` CloudFormation made for it).
    pub stack_id: String,
}

/// A stack event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StackEvent {
    /// Unique id.
    pub id: String,
    /// Logical id of the resource (the stack's name for the stack itself).
    pub logical_id: String,
    /// Resource type.
    pub resource_type: String,
    /// `CREATE_IN_PROGRESS`, `CREATE_FAILED`, ...
    pub status: ResourceStatus,
    /// Why, when CloudFormation says.
    pub reason: Option<String>,
    /// Seconds since the epoch.
    pub time: i64,
}

/// Whether errors carry the SDK's whole text (`stackc --verbose`).
static VERBOSE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Makes errors carry the SDK's whole text.
pub fn set_verbose(on: bool) {
    VERBOSE.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// The SDK's text of an error as a suffix of the message, with `--verbose`;
/// nothing without it.
pub(crate) fn verbose_detail(detail: &str) -> String {
    if VERBOSE.load(std::sync::atomic::Ordering::Relaxed) {
        format!("\n  the SDK said: {detail}")
    } else {
        String::new()
    }
}

/// An AWS call that failed, classified for the message the user sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloudError {
    /// No credentials found in the standard chain.
    NoCredentials(String),
    /// The request never got an answer: refused, no such host, timed out.
    Unreachable(String),
    /// The session token expired.
    ExpiredToken(String),
    /// IAM refused the call.
    AccessDenied(String),
    /// AWS kept throttling after retries.
    Throttled(String),
    /// The stack is being changed by someone else.
    InProgress(String),
    /// The thing does not exist.
    NotFound(String),
    /// The condition of a conditional request does not hold (S3's 412,
    /// or 409 for a conditional write racing another).
    PreconditionFailed(String),
    /// Anything else, with AWS's message.
    Other(String),
}

impl fmt::Display for CloudError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CloudError::NoCredentials(m) => write!(
                f,
                "{m}\nhelp: run `aws configure` (or `aws sso login`), set AWS_PROFILE or pass --profile with a profile that exists, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            ),
            CloudError::Unreachable(m) => write!(
                f,
                "{m}\nhelp: check the network and proxy, the region (--region or the stack file's), and AWS_ENDPOINT_URL if it is set; rerun with --verbose for the SDK's error"
            ),
            CloudError::ExpiredToken(m) => write!(
                f,
                "the AWS session has expired ({m})\nhelp: log in again (`aws sso login` or refresh your temporary credentials) and rerun"
            ),
            CloudError::AccessDenied(m) => write!(
                f,
                "access denied: {m}\nhelp: allow that action to the identity running stackc (`aws sts get-caller-identity` names it); README \"Deploying to a real account\" lists what stackc needs"
            ),
            CloudError::Throttled(m) => write!(
                f,
                "AWS kept throttling the requests, even after retries ({m})\nhelp: wait a minute and rerun; nothing was left half done"
            ),
            CloudError::InProgress(m) => write!(
                f,
                "the stack is being changed by another operation ({m})\nhelp: wait for it to finish (`stackc status`) and rerun"
            ),
            CloudError::NotFound(m) => write!(f, "not found: {m}"),
            CloudError::PreconditionFailed(m) => {
                write!(f, "a condition of the request does not hold: {m}")
            }
            CloudError::Other(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for CloudError {}

/// The AWS calls deploy makes.
#[allow(async_fn_in_trait)]
pub trait Cloud {
    /// The stack, or `None` when it does not exist.
    async fn describe_stack(&self, name: &str) -> Result<Option<StackInfo>, CloudError>;
    /// The physical id of a stack's resource (when outputs are missing).
    async fn physical_id(
        &self,
        stack: &str,
        logical_id: &str,
    ) -> Result<Option<String>, CloudError>;
    /// True when the object exists.
    async fn object_exists(&self, bucket: &str, key: &str) -> Result<bool, CloudError>;
    /// Uploads an object.
    async fn put_object(&self, bucket: &str, key: &str, bytes: Vec<u8>) -> Result<(), CloudError>;
    /// The URL CloudFormation reads an uploaded template from.
    fn template_url(&self, bucket: &str, key: &str) -> String;
    /// Creates an object only when the key has none (`If-None-Match: *`);
    /// false when there is one already.
    async fn put_object_if_absent(
        &self,
        bucket: &str,
        key: &str,
        bytes: Vec<u8>,
    ) -> Result<bool, CloudError>;
    /// An object's bytes and ETag, `None` when there is none.
    async fn get_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<(Vec<u8>, String)>, CloudError>;
    /// Deletes an object; with `if_match`, only while its ETag is that one
    /// (an object changed meanwhile is kept, and that is not an error).
    async fn delete_object(
        &self,
        bucket: &str,
        key: &str,
        if_match: Option<&str>,
    ) -> Result<(), CloudError>;
    /// Creates a change set; returns its id and its stack's.
    async fn create_change_set(
        &self,
        request: &ChangeSetRequest,
    ) -> Result<CreatedChangeSet, CloudError>;
    /// The stack's change sets (none when the stack does not exist), in
    /// any status.
    async fn list_change_sets(&self, stack: &str) -> Result<Vec<ChangeSetSummary>, CloudError>;
    /// Describes a change set (all pages of changes).
    async fn describe_change_set(&self, stack: &str, id: &str) -> Result<ChangeSet, CloudError>;
    /// Deletes a change set.
    async fn delete_change_set(&self, stack: &str, id: &str) -> Result<(), CloudError>;
    /// Executes a change set.
    async fn execute_change_set(&self, stack: &str, id: &str) -> Result<(), CloudError>;
    /// The stack's events, newest first (one page is enough to follow).
    async fn stack_events(&self, stack: &str) -> Result<Vec<StackEvent>, CloudError>;
    /// Deletes a stack.
    async fn delete_stack(&self, stack: &str) -> Result<(), CloudError>;
    /// The value of a public SSM parameter (an operating system's current
    /// image id), `None` when the region has no such parameter.
    async fn public_parameter(&self, name: &str) -> Result<Option<String>, CloudError>;
    /// How many instances an Auto Scaling group has (0 when it does not exist).
    async fn group_size(&self, group: &str) -> Result<usize, CloudError>;
    /// Resumes the Launch process of those of these Auto Scaling groups
    /// where it is suspended (the bootstrap suspends it after a repeated
    /// failed setup); returns the groups resumed.
    async fn resume_launches(&self, groups: &[String]) -> Result<Vec<String>, CloudError>;
    /// Runs the stack's lifecycle document with `event` on its running
    /// instances (by tags); returns the command id, `None` when there is no
    /// instance to run on.
    async fn run_event(
        &self,
        document: &str,
        stack: &str,
        env: &str,
        event: &str,
    ) -> Result<Option<String>, CloudError>;
}
