//! The classification of a failed SDK call for the user ([`failed`]): no
//! credentials, unreachable, missing, refused by IAM, throttled, busy.

use std::error::Error as StdError;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_cloudformation::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::dns::ResolveDnsError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::retry::{ErrorKind, ProvideErrorKind};

use super::setup::MISSING_PROFILE;
use crate::cloud::CloudError;

/// AWS_ENDPOINT_URL, when it is set (a local double, a proxy).
fn endpoint_url() -> Option<String> {
    std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|e| !e.is_empty())
}

/// The IAM action of a call (`HeadObject` is allowed by `s3:GetObject`).
fn iam_action(service: &str, call: &str) -> String {
    let prefix = match service {
        "CloudWatchLogs" => "logs".to_string(),
        "ElasticLoadBalancingV2" => "elasticloadbalancing".to_string(),
        other => other.to_lowercase(),
    };
    let action = if call == "HeadObject" {
        "GetObject"
    } else {
        call
    };
    format!("{prefix}:{action}")
}

/// The errors of `error` and its causes, one after another. After an
/// `io::Error` comes what it carries (`get_ref`): its own `source` skips
/// that and would hide a TLS error or a refused connection.
fn chain<'a>(
    error: &'a (dyn StdError + 'static),
) -> impl Iterator<Item = &'a (dyn StdError + 'static)> {
    std::iter::successors(Some(error), |&e| match e.downcast_ref::<std::io::Error>() {
        Some(io) => io.get_ref().map(|inner| inner as &(dyn StdError + 'static)),
        None => e.source(),
    })
}

/// True when the OS refused the connection (nothing listens there).
pub(super) fn refused(error: &(dyn StdError + 'static)) -> bool {
    chain(error).any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
    })
}

/// Why a request never got an answer, from the types in the connector's
/// error: the OS's I/O error kind, rustls' error, a DNS error. The SDK's
/// default client resolves names with hyper-util, whose error for a failed
/// lookup is a private type that only says `dns error` (the OS's error
/// under it has no stable kind): that one fixed text is compared whole.
/// A client given the SDK's own resolver reports `ResolveDnsError`.
fn network_cause(error: &(dyn StdError + 'static), timed_out: bool) -> &'static str {
    if timed_out {
        return "no answer in time";
    }
    for e in chain(error) {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return "the connection was refused",
                std::io::ErrorKind::TimedOut => return "no answer in time",
                _ => {}
            }
        }
        if e.is::<ResolveDnsError>() || e.to_string() == "dns error" {
            return "the host name does not resolve";
        }
        if e.is::<rustls::Error>() {
            return "the TLS handshake failed";
        }
    }
    "a network error"
}

/// What an operation's modeled errors say beyond their code: which of
/// them mean that the thing asked for does not exist.
pub(super) trait Modeled {
    /// True for a modeled "no such thing" (`ParameterNotFound`, ...).
    fn missing(&self) -> bool {
        false
    }
}

/// `Modeled` for the errors of the operations deploy calls, with the
/// variants that mean "missing".
macro_rules! modeled {
    ($($error:ty $(: $($variant:ident)|+)?;)*) => {$(
        impl Modeled for $error {
            $(fn missing(&self) -> bool {
                matches!(self, $(Self::$variant(_))|+)
            })?
        }
    )*};
}

modeled! {
    aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksError;
    aws_sdk_cloudformation::operation::describe_stack_resource::DescribeStackResourceError;
    aws_sdk_cloudformation::operation::create_change_set::CreateChangeSetError;
    aws_sdk_cloudformation::operation::list_change_sets::ListChangeSetsError;
    aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetError: ChangeSetNotFoundException;
    aws_sdk_cloudformation::operation::delete_change_set::DeleteChangeSetError;
    aws_sdk_cloudformation::operation::execute_change_set::ExecuteChangeSetError: ChangeSetNotFoundException;
    aws_sdk_cloudformation::operation::describe_stack_events::DescribeStackEventsError;
    aws_sdk_cloudformation::operation::delete_stack::DeleteStackError;
    aws_sdk_cloudformation::operation::get_template::GetTemplateError: ChangeSetNotFoundException;
    aws_sdk_cloudformation::operation::detect_stack_drift::DetectStackDriftError;
    aws_sdk_cloudformation::operation::describe_stack_drift_detection_status::DescribeStackDriftDetectionStatusError;
    aws_sdk_cloudformation::operation::describe_stack_resource_drifts::DescribeStackResourceDriftsError;
    aws_sdk_cloudformation::operation::list_stack_resources::ListStackResourcesError;
    aws_sdk_cloudformation::operation::describe_stack_set::DescribeStackSetError: StackSetNotFoundException;
    aws_sdk_cloudformation::operation::list_stack_instances::ListStackInstancesError: StackSetNotFoundException;
    aws_sdk_cloudformation::operation::describe_stack_instance::DescribeStackInstanceError: StackSetNotFoundException | StackInstanceNotFoundException;
    aws_sdk_cloudformation::operation::create_stack_set::CreateStackSetError;
    aws_sdk_cloudformation::operation::update_stack_set::UpdateStackSetError;
    aws_sdk_cloudformation::operation::create_stack_instances::CreateStackInstancesError;
    aws_sdk_cloudformation::operation::update_stack_instances::UpdateStackInstancesError;
    aws_sdk_cloudformation::operation::delete_stack_instances::DeleteStackInstancesError;
    aws_sdk_cloudformation::operation::delete_stack_set::DeleteStackSetError;
    aws_sdk_cloudformation::operation::describe_stack_set_operation::DescribeStackSetOperationError: OperationNotFoundException | StackSetNotFoundException;
    aws_sdk_cloudformation::operation::list_stack_set_operation_results::ListStackSetOperationResultsError: OperationNotFoundException | StackSetNotFoundException;
    aws_sdk_s3::operation::head_object::HeadObjectError: NotFound;
    aws_sdk_s3::operation::put_object::PutObjectError;
    aws_sdk_s3::operation::get_object::GetObjectError: NoSuchKey;
    aws_sdk_s3::operation::delete_object::DeleteObjectError;
    aws_sdk_ssm::operation::get_parameter::GetParameterError: ParameterNotFound;
    aws_sdk_ssm::operation::put_parameter::PutParameterError;
    aws_sdk_ssm::operation::send_command::SendCommandError;
    aws_sdk_ssm::operation::get_command_invocation::GetCommandInvocationError: InvocationDoesNotExist;
    aws_sdk_autoscaling::operation::describe_auto_scaling_groups::DescribeAutoScalingGroupsError;
    aws_sdk_autoscaling::operation::resume_processes::ResumeProcessesError;
    aws_sdk_ec2::operation::describe_instances::DescribeInstancesError;
    aws_sdk_ec2::operation::describe_instance_type_offerings::DescribeInstanceTypeOfferingsError;
    aws_sdk_elasticloadbalancingv2::operation::describe_target_health::DescribeTargetHealthError;
    aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsError;
    aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsError: ResourceNotFoundException;
    aws_sdk_sts::operation::assume_role::AssumeRoleError;
}

/// Codes of errors that the operation's model does not list, for the
/// same "no such thing": CloudFormation's change set (DeleteChangeSet
/// does not model it), S3's key and bucket (DeleteObject models neither).
const MISSING_CODES: &[&str] = &["ChangeSetNotFound", "NoSuchKey", "NoSuchBucket"];

/// Codes of an expired session: STS and most services, EC2.
const EXPIRED_CODES: &[&str] = &["ExpiredToken", "ExpiredTokenException", "RequestExpired"];

/// Codes of a call IAM refused: most services, the JSON ones, EC2, the
/// query ones' older form.
const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AuthorizationError",
];

/// True when AWS throttled the call, as the SDK's retry classifiers see
/// it: a modeled error the model marks as throttling, or one of the codes
/// the SDK retries as throttling. `LimitExceededException` is left out:
/// CloudFormation and CloudWatch Logs answer it for a quota (too many
/// stacks, log groups), which waiting does not lift.
fn throttled<E: ProvideErrorKind>(modeled: Option<&E>, code: Option<&str>) -> bool {
    modeled.and_then(ProvideErrorKind::retryable_error_kind) == Some(ErrorKind::ThrottlingError)
        || code.is_some_and(|c| {
            c != "LimitExceededException"
                && aws_runtime::retries::classifiers::THROTTLING_ERRORS.contains(&c)
        })
}

/// What a CloudFormation `ValidationError` means, when it means more than
/// a bad request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Validation {
    /// The stack (or a resource of it) does not exist.
    Missing,
    /// Another operation is working on the stack.
    Busy,
}

/// CloudFormation answers a stack that does not exist ("Stack with id X
/// does not exist", "Stack 'X' does not exist") and a stack busy with
/// another operation ("Stack:arn:... is in UPDATE_IN_PROGRESS state and
/// can not be updated") with the one code `ValidationError`, which also
/// covers every malformed request; the SDK models neither. Only the
/// message tells them apart, so this is the one place that reads it, and
/// only for that code.
fn cloudformation_validation(code: Option<&str>, message: &str) -> Option<Validation> {
    if code != Some("ValidationError") {
        return None;
    }
    if message.contains("_IN_PROGRESS state")
        || message.contains(" is in ") && message.contains("_IN_PROGRESS")
    {
        Some(Validation::Busy)
    } else if message.contains("does not exist") {
        Some(Validation::Missing)
    } else {
        None
    }
}

/// Classifies a failed call of `service`'s `call` for the user: one
/// sentence naming the call and the cause, and a fix (in [`CloudError`]'s
/// display); the SDK's whole error is added only with `--verbose`. The
/// classification reads the SDK's types: the kind of [`SdkError`], the
/// connector's error and its causes, the operation's modeled errors, the
/// HTTP status, the error code; a message only in
/// [`cloudformation_validation`].
pub(super) fn failed<E>(
    service: &'static str,
    call: &'static str,
) -> impl FnOnce(SdkError<E, HttpResponse>) -> CloudError
where
    E: Modeled + ProvideErrorMetadata + ProvideErrorKind + StdError + Send + Sync + 'static,
{
    move |err| {
        let detail = DisplayErrorContext(&err).to_string();
        let verbose = crate::cloud::verbose_detail(&detail);
        let what = format!("{service} {call}");
        // Renewing an assumed role's credentials failed: that AssumeRole's
        // own classification.
        if let Some(e) = chain(&err).find_map(|e| e.downcast_ref::<CloudError>()) {
            return e.clone();
        }
        // The credential chain's error travels inside a dispatch failure.
        if chain(&err).any(|e| e.is::<CredentialsError>()) {
            let cause = match MISSING_PROFILE.get() {
                Some(name) => format!(
                    "the AWS profile `{name}` is defined in neither ~/.aws/config nor ~/.aws/credentials"
                ),
                None => "no AWS credentials were found (environment, profile, SSO, instance role)".into(),
            };
            return CloudError::NoCredentials(format!("{what}: {cause}{verbose}"));
        }
        match &err {
            SdkError::DispatchFailure(d) if d.is_io() || d.is_timeout() => {
                let endpoint =
                    endpoint_url().map_or(String::new(), |e| format!(" at {e} (AWS_ENDPOINT_URL)"));
                return CloudError::Unreachable(format!(
                    "{what}: cannot reach AWS{endpoint}: {}{verbose}",
                    network_cause(&err, d.is_timeout())
                ));
            }
            SdkError::TimeoutError(_) => {
                return CloudError::Unreachable(format!("{what}: no answer in time{verbose}"));
            }
            _ => {}
        }
        let code = err.code();
        let message = err.message().unwrap_or_default().to_string();
        // AWS's message after a colon, when it says one.
        let said = if message.is_empty() {
            String::new()
        } else {
            format!(": {message}")
        };
        let status = err.raw_response().map(|r| r.status().as_u16());
        let modeled = err.as_service_error();
        if modeled.is_some_and(Modeled::missing) || code.is_some_and(|c| MISSING_CODES.contains(&c))
        {
            return CloudError::NotFound(message);
        }
        // 412: the condition of a conditional request does not hold; 409
        // ConditionalRequestConflict: another conditional write to the key
        // at the same moment (S3 models neither).
        if status == Some(412) || code == Some("ConditionalRequestConflict") {
            return CloudError::PreconditionFailed(format!("{what}{said}"));
        }
        if code.is_some_and(|c| EXPIRED_CODES.contains(&c)) {
            return CloudError::ExpiredToken(format!("{what}{said}{verbose}"));
        }
        // A 403 without a code: S3 answers HEAD requests without a body.
        if code.is_some_and(|c| DENIED_CODES.contains(&c))
            || (status == Some(403) && code.is_none())
        {
            return CloudError::AccessDenied(format!(
                "{what} needs {}{said}{verbose}",
                iam_action(service, call)
            ));
        }
        if throttled(modeled, code) {
            return CloudError::Throttled(format!("{what}{said}{verbose}"));
        }
        // A StackSet runs one operation at a time.
        if code == Some("OperationInProgressException") {
            return CloudError::InProgress(format!("{what}{said}"));
        }
        match cloudformation_validation(code, &message) {
            Some(Validation::Busy) => return CloudError::InProgress(message),
            Some(Validation::Missing) => return CloudError::NotFound(message),
            None => {}
        }
        match code {
            Some(code) => CloudError::Other(format!("{what} failed: {code}{said}{verbose}")),
            None => CloudError::Other(format!("{what} failed: {}{verbose}", first_line(&detail))),
        }
    }
}

/// The first line of an error's text, without the SDK's debug dump that
/// follows it in parentheses.
fn first_line(detail: &str) -> &str {
    let line = detail.lines().next().unwrap_or_default();
    line.split(" (").next().unwrap_or(line)
}
