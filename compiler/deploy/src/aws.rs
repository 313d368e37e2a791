//! [`Cloud`] on the AWS SDK: the standard credential chain, `--profile`,
//! `--region`, and `AWS_ENDPOINT_URL` (S3 path-style when it is set, as local
//! doubles need). Errors are classified for the user.

use std::error::Error as StdError;

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_cloudformation::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudformation::types::{Capability, ChangeSetType, Parameter, Tag};
use aws_smithy_runtime_api::client::dns::ResolveDnsError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::retry::{ErrorKind, ProvideErrorKind};

use crate::cloud::{
    Change, ChangeSet, ChangeSetRequest, ChangeSetStatus, ChangeSetSummary, Cloud, CloudError,
    CreatedChangeSet, ResourceStatus, StackEvent, StackInfo, StackStatus, TemplateSource,
};
use crate::fleet::{Fleet, Instance, Invocation, LogEvent, TargetHealth};

/// The SDK clients deploy uses.
pub struct Aws {
    cfn: aws_sdk_cloudformation::Client,
    s3: aws_sdk_s3::Client,
    ssm: aws_sdk_ssm::Client,
    asg: aws_sdk_autoscaling::Client,
    ec2: aws_sdk_ec2::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    elb: aws_sdk_elasticloadbalancingv2::Client,
    region: String,
}

/// Attempts of one call before its error is final (throttling backs off).
const MAX_ATTEMPTS: u32 = 8;

impl Aws {
    /// Loads configuration from the standard chain.
    pub async fn connect(region: &str, profile: Option<&str>) -> Aws {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_string()))
            .retry_config(
                aws_config::retry::RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS),
            );
        if let Some(p) = profile {
            loader = loader.profile_name(p);
        }
        let config = loader.load().await;
        let profile = profile
            .map(str::to_string)
            .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
        if let Some(p) = profile.filter(|p| !profile_defined(p)) {
            let _ = MISSING_PROFILE.set(p);
        }
        Aws::from_config(&config)
    }

    /// The clients on a loaded configuration (its region, credentials,
    /// endpoint, retries and timeouts): each client does not retry a
    /// refused connection and says when it retries; S3 is addressed by
    /// path where an endpoint is set (a local double stands in).
    pub fn from_config(config: &aws_config::SdkConfig) -> Aws {
        macro_rules! client {
            ($sdk:ident $(.$setting:ident($value:expr))*) => {
                $sdk::Client::from_conf(
                    $sdk::config::Builder::from(config)
                        .retry_classifier(RefusedIsFinal)
                        .interceptor(SayRetries)
                        $(.$setting($value))*
                        .build(),
                )
            };
        }
        Aws::from_clients(Clients {
            cloudformation: client!(aws_sdk_cloudformation),
            s3: client!(aws_sdk_s3.force_path_style(config.endpoint_url().is_some())),
            ssm: client!(aws_sdk_ssm),
            autoscaling: client!(aws_sdk_autoscaling),
            ec2: client!(aws_sdk_ec2),
            logs: client!(aws_sdk_cloudwatchlogs),
            elb: client!(aws_sdk_elasticloadbalancingv2),
            region: config
                .region()
                .map(|r| r.as_ref().to_string())
                .unwrap_or_default(),
        })
    }

    /// Deploy on clients built elsewhere (tests build them on the SDK's
    /// mocks).
    pub fn from_clients(clients: Clients) -> Aws {
        Aws {
            cfn: clients.cloudformation,
            s3: clients.s3,
            ssm: clients.ssm,
            asg: clients.autoscaling,
            ec2: clients.ec2,
            logs: clients.logs,
            elb: clients.elb,
            region: clients.region,
        }
    }
}

/// The SDK clients and the region, for [`Aws::from_clients`].
pub struct Clients {
    /// CloudFormation.
    pub cloudformation: aws_sdk_cloudformation::Client,
    /// S3 (artifacts, the lock).
    pub s3: aws_sdk_s3::Client,
    /// SSM (images, commands, the bundle pointer).
    pub ssm: aws_sdk_ssm::Client,
    /// Auto Scaling.
    pub autoscaling: aws_sdk_autoscaling::Client,
    /// EC2.
    pub ec2: aws_sdk_ec2::Client,
    /// CloudWatch Logs.
    pub logs: aws_sdk_cloudwatchlogs::Client,
    /// Elastic Load Balancing v2.
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    /// The region (the URL of templates in S3).
    pub region: String,
}

/// AWS_ENDPOINT_URL, when it is set (a local double, a proxy).
fn endpoint_url() -> Option<String> {
    std::env::var("AWS_ENDPOINT_URL")
        .ok()
        .filter(|e| !e.is_empty())
}

/// The profile `--profile` or AWS_PROFILE names when neither AWS file
/// defines it: the credential chain then only says it found nothing.
static MISSING_PROFILE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// True when `~/.aws/config` (`[profile NAME]`, or `[default]`) or
/// `~/.aws/credentials` (`[NAME]`) defines the profile; the files' places
/// follow AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE.
fn profile_defined(name: &str) -> bool {
    let home = std::env::var("HOME").unwrap_or_default();
    let file = |var: &str, default: &str| {
        std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| format!("{home}/.aws/{default}"))
    };
    let sections = |path: String| -> Vec<String> {
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| {
                l.trim()
                    .strip_prefix('[')?
                    .strip_suffix(']')
                    .map(|s| s.trim().to_string())
            })
            .collect()
    };
    let config = sections(file("AWS_CONFIG_FILE", "config"));
    let credentials = sections(file("AWS_SHARED_CREDENTIALS_FILE", "credentials"));
    config
        .iter()
        .any(|s| s == &format!("profile {name}") || (name == "default" && s == "default"))
        || credentials.iter().any(|s| s == name)
}

/// Says on stderr when a call is tried again (throttling, a 5xx, a
/// network error), so a slow command is not a silent one.
#[derive(Debug)]
struct SayRetries;

impl aws_sdk_cloudformation::config::Intercept for SayRetries {
    fn name(&self) -> &'static str {
        "say retries"
    }

    fn read_before_attempt(
        &self,
        _context: &aws_sdk_cloudformation::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _components: &aws_sdk_cloudformation::config::RuntimeComponents,
        cfg: &mut aws_sdk_cloudformation::config::ConfigBag,
    ) -> Result<(), aws_sdk_cloudformation::error::BoxError> {
        use aws_smithy_runtime_api::client::orchestrator::Metadata;
        use aws_smithy_runtime_api::client::retries::RequestAttempts;
        let attempt = cfg
            .load::<RequestAttempts>()
            .map_or(1, RequestAttempts::attempts);
        if attempt > 1 {
            let call = cfg.load::<Metadata>().map_or_else(
                || "an AWS call".to_string(),
                |m| format!("{} {}", m.service(), m.name()),
            );
            eprintln!("stackc: retrying {call} (attempt {attempt} of {MAX_ATTEMPTS})");
        }
        Ok(())
    }
}

/// A refused connection is final: nothing listens there, and eight
/// attempts with backoff took 34 s to say so.
#[derive(Debug)]
struct RefusedIsFinal;

impl aws_sdk_cloudformation::config::retry::ClassifyRetry for RefusedIsFinal {
    fn classify_retry(
        &self,
        ctx: &aws_sdk_cloudformation::config::interceptors::InterceptorContext,
    ) -> aws_sdk_cloudformation::config::retry::RetryAction {
        use aws_sdk_cloudformation::config::retry::RetryAction;
        let Some(Err(e)) = ctx.output_or_error() else {
            return RetryAction::NoActionIndicated;
        };
        match e.as_connector_error() {
            Some(c) if c.is_io() && refused(c) => RetryAction::RetryForbidden,
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "a refused connection is final"
    }
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
fn refused(error: &(dyn StdError + 'static)) -> bool {
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
trait Modeled {
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
    aws_sdk_elasticloadbalancingv2::operation::describe_target_health::DescribeTargetHealthError;
    aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsError;
    aws_sdk_cloudwatchlogs::operation::filter_log_events::FilterLogEventsError: ResourceNotFoundException;
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
fn failed<E>(
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

impl Cloud for Aws {
    async fn describe_stack(&self, name: &str) -> Result<Option<StackInfo>, CloudError> {
        match self.cfn.describe_stacks().stack_name(name).send().await {
            Ok(out) => Ok(out.stacks().first().map(|s| StackInfo {
                id: s.stack_id().unwrap_or_default().to_string(),
                status: s
                    .stack_status()
                    .cloned()
                    .unwrap_or_else(|| StackStatus::from("")),
                reason: s.stack_status_reason().map(str::to_string),
                outputs: s
                    .outputs()
                    .iter()
                    .map(|o| {
                        (
                            o.output_key().unwrap_or_default().to_string(),
                            o.output_value().unwrap_or_default().to_string(),
                        )
                    })
                    .collect(),
                parameters: s
                    .parameters()
                    .iter()
                    .map(|p| {
                        (
                            p.parameter_key().unwrap_or_default().to_string(),
                            p.parameter_value().unwrap_or_default().to_string(),
                        )
                    })
                    .collect(),
            })),
            Err(e) => match failed("CloudFormation", "DescribeStacks")(e) {
                CloudError::NotFound(_) => Ok(None),
                other => Err(other),
            },
        }
    }

    async fn physical_id(
        &self,
        stack: &str,
        logical_id: &str,
    ) -> Result<Option<String>, CloudError> {
        match self
            .cfn
            .describe_stack_resource()
            .stack_name(stack)
            .logical_resource_id(logical_id)
            .send()
            .await
        {
            Ok(out) => Ok(out
                .stack_resource_detail()
                .and_then(|d| d.physical_resource_id())
                .map(str::to_string)),
            Err(e) => match failed("CloudFormation", "DescribeStackResource")(e) {
                CloudError::NotFound(_) => Ok(None),
                other => Err(other),
            },
        }
    }

    async fn object_exists(&self, bucket: &str, key: &str) -> Result<bool, CloudError> {
        match self.s3.head_object().bucket(bucket).key(key).send().await {
            Ok(_) => Ok(true),
            Err(e) => match failed("S3", "HeadObject")(e) {
                CloudError::NotFound(_) => Ok(false),
                other => Err(other),
            },
        }
    }

    async fn put_object(&self, bucket: &str, key: &str, bytes: Vec<u8>) -> Result<(), CloudError> {
        self.s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(aws_sdk_s3::primitives::ByteStream::from(bytes))
            .send()
            .await
            .map(|_| ())
            .map_err(failed("S3", "PutObject"))
    }

    async fn put_object_if_absent(
        &self,
        bucket: &str,
        key: &str,
        bytes: Vec<u8>,
    ) -> Result<bool, CloudError> {
        match self
            .s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .if_none_match("*")
            .body(aws_sdk_s3::primitives::ByteStream::from(bytes))
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(e) => match failed("S3", "PutObject")(e) {
                // 412: there is one; 409: another write to the key raced this one.
                CloudError::PreconditionFailed(_) => Ok(false),
                other => Err(other),
            },
        }
    }

    async fn get_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<(Vec<u8>, String)>, CloudError> {
        match self.s3.get_object().bucket(bucket).key(key).send().await {
            Ok(out) => {
                let etag = out.e_tag().unwrap_or_default().to_string();
                let bytes = out.body.collect().await.map_err(|e| {
                    CloudError::Other(format!("cannot read s3://{bucket}/{key}: {e}"))
                })?;
                Ok(Some((bytes.into_bytes().to_vec(), etag)))
            }
            Err(e) => match failed("S3", "GetObject")(e) {
                CloudError::NotFound(_) => Ok(None),
                other => Err(other),
            },
        }
    }

    async fn delete_object(
        &self,
        bucket: &str,
        key: &str,
        if_match: Option<&str>,
    ) -> Result<(), CloudError> {
        match self
            .s3
            .delete_object()
            .bucket(bucket)
            .key(key)
            .set_if_match(if_match.map(str::to_string))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(e) => match failed("S3", "DeleteObject")(e) {
                CloudError::NotFound(_) | CloudError::PreconditionFailed(_) => Ok(()),
                other => Err(other),
            },
        }
    }

    fn template_url(&self, bucket: &str, key: &str) -> String {
        // CloudFormation reads templates from S3 itself; local doubles
        // resolve this form internally too.
        format!("https://{bucket}.s3.{}.amazonaws.com/{key}", self.region)
    }

    async fn create_change_set(
        &self,
        r: &ChangeSetRequest,
    ) -> Result<CreatedChangeSet, CloudError> {
        let mut req = self
            .cfn
            .create_change_set()
            .stack_name(&r.stack)
            .change_set_name(&r.name)
            .change_set_type(if r.create {
                ChangeSetType::Create
            } else {
                ChangeSetType::Update
            })
            .capabilities(Capability::CapabilityIam);
        req = match &r.template {
            TemplateSource::Url(u) => req.template_url(u),
            TemplateSource::Body(b) => req.template_body(b),
        };
        for (k, v) in &r.parameters {
            req = req.parameters(
                Parameter::builder()
                    .parameter_key(k)
                    .parameter_value(v)
                    .build(),
            );
        }
        for (k, v) in &r.tags {
            req = req.tags(Tag::builder().key(k).value(v).build());
        }
        let out = req
            .send()
            .await
            .map_err(failed("CloudFormation", "CreateChangeSet"))?;
        Ok(CreatedChangeSet {
            id: out.id().unwrap_or(&r.name).to_string(),
            stack_id: out.stack_id().unwrap_or_default().to_string(),
        })
    }

    async fn list_change_sets(&self, stack: &str) -> Result<Vec<ChangeSetSummary>, CloudError> {
        let mut sets = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = match self
                .cfn
                .list_change_sets()
                .stack_name(stack)
                .set_next_token(token.clone())
                .send()
                .await
            {
                Ok(out) => out,
                Err(e) => match failed("CloudFormation", "ListChangeSets")(e) {
                    CloudError::NotFound(_) => return Ok(sets),
                    other => return Err(other),
                },
            };
            // Filtered here too: some doubles answer for every stack.
            sets.extend(
                out.summaries()
                    .iter()
                    .filter(|c| c.stack_name().is_none_or(|n| n == stack))
                    .map(|c| ChangeSetSummary {
                        id: c.change_set_id().unwrap_or_default().to_string(),
                        name: c.change_set_name().unwrap_or_default().to_string(),
                        status: c
                            .status()
                            .cloned()
                            .unwrap_or_else(|| ChangeSetStatus::from("")),
                        execution: c.execution_status().cloned(),
                    }),
            );
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(sets);
            }
        }
    }

    async fn describe_change_set(&self, stack: &str, id: &str) -> Result<ChangeSet, CloudError> {
        let mut changes = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .cfn
                .describe_change_set()
                .stack_name(stack)
                .change_set_name(id)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(failed("CloudFormation", "DescribeChangeSet"))?;
            for c in out.changes() {
                if let Some(rc) = c.resource_change() {
                    changes.push(Change {
                        action: rc
                            .action()
                            .map(|a| a.as_str().to_string())
                            .unwrap_or_default(),
                        logical_id: rc.logical_resource_id().unwrap_or_default().to_string(),
                        resource_type: rc.resource_type().unwrap_or_default().to_string(),
                        replacement: rc.replacement().map(|x| x.as_str().to_string()),
                    });
                }
            }
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(ChangeSet {
                    status: out
                        .status()
                        .cloned()
                        .unwrap_or_else(|| ChangeSetStatus::from("")),
                    reason: out.status_reason().map(str::to_string),
                    changes,
                });
            }
        }
    }

    async fn delete_change_set(&self, stack: &str, id: &str) -> Result<(), CloudError> {
        self.cfn
            .delete_change_set()
            .stack_name(stack)
            .change_set_name(id)
            .send()
            .await
            .map(|_| ())
            .map_err(failed("CloudFormation", "DeleteChangeSet"))
    }

    async fn execute_change_set(&self, stack: &str, id: &str) -> Result<(), CloudError> {
        self.cfn
            .execute_change_set()
            .stack_name(stack)
            .change_set_name(id)
            .send()
            .await
            .map(|_| ())
            .map_err(failed("CloudFormation", "ExecuteChangeSet"))
    }

    async fn stack_events(&self, stack: &str) -> Result<Vec<StackEvent>, CloudError> {
        let out = self
            .cfn
            .describe_stack_events()
            .stack_name(stack)
            .send()
            .await
            .map_err(failed("CloudFormation", "DescribeStackEvents"))?;
        Ok(out
            .stack_events()
            .iter()
            .map(|e| StackEvent {
                id: e.event_id().unwrap_or_default().to_string(),
                logical_id: e.logical_resource_id().unwrap_or_default().to_string(),
                resource_type: e.resource_type().unwrap_or_default().to_string(),
                status: e
                    .resource_status()
                    .cloned()
                    .unwrap_or_else(|| ResourceStatus::from("")),
                reason: e.resource_status_reason().map(str::to_string),
                time: e.timestamp().map_or(0, |t| t.secs()),
            })
            .collect())
    }

    async fn delete_stack(&self, stack: &str) -> Result<(), CloudError> {
        self.cfn
            .delete_stack()
            .stack_name(stack)
            .send()
            .await
            .map(|_| ())
            .map_err(failed("CloudFormation", "DeleteStack"))
    }

    async fn public_parameter(&self, name: &str) -> Result<Option<String>, CloudError> {
        match self.ssm.get_parameter().name(name).send().await {
            Ok(out) => Ok(out.parameter().and_then(|p| p.value()).map(str::to_string)),
            Err(e) => match failed("SSM", "GetParameter")(e) {
                CloudError::NotFound(_) => Ok(None),
                other => Err(other),
            },
        }
    }

    async fn group_size(&self, group: &str) -> Result<usize, CloudError> {
        let out = self
            .asg
            .describe_auto_scaling_groups()
            .auto_scaling_group_names(group)
            .send()
            .await
            .map_err(failed("AutoScaling", "DescribeAutoScalingGroups"))?;
        Ok(out
            .auto_scaling_groups()
            .first()
            .map_or(0, |g| g.instances().len()))
    }

    async fn resume_launches(&self, groups: &[String]) -> Result<Vec<String>, CloudError> {
        let suspended = self.launches_suspended(groups).await?;
        for name in &suspended {
            self.asg
                .resume_processes()
                .auto_scaling_group_name(name)
                .scaling_processes("Launch")
                .send()
                .await
                .map_err(failed("AutoScaling", "ResumeProcesses"))?;
        }
        Ok(suspended)
    }

    async fn run_event(
        &self,
        document: &str,
        stack: &str,
        env: &str,
        event: &str,
    ) -> Result<Option<String>, CloudError> {
        use aws_sdk_ssm::types::Target;
        let out = self
            .ssm
            .send_command()
            .document_name(document)
            .targets(
                Target::builder()
                    .key("tag:stackc:stack")
                    .values(stack)
                    .build(),
            )
            .targets(Target::builder().key("tag:stackc:env").values(env).build())
            .parameters("event", vec![event.to_string()])
            .comment(format!("stackc {event}"))
            .send()
            .await
            .map_err(failed("SSM", "SendCommand"))?;
        Ok(out
            .command()
            .and_then(|c| c.command_id())
            .map(str::to_string))
    }
}

impl Aws {
    /// The Auto Scaling groups of these names (those that exist), asked 100
    /// at a time (the most DescribeAutoScalingGroups takes), every page.
    async fn auto_scaling_groups(
        &self,
        names: &[String],
    ) -> Result<Vec<aws_sdk_autoscaling::types::AutoScalingGroup>, CloudError> {
        let mut found = Vec::new();
        for chunk in names.chunks(100) {
            let mut token: Option<String> = None;
            loop {
                let out = self
                    .asg
                    .describe_auto_scaling_groups()
                    .set_auto_scaling_group_names(Some(chunk.to_vec()))
                    .set_next_token(token)
                    .send()
                    .await
                    .map_err(failed("AutoScaling", "DescribeAutoScalingGroups"))?;
                found.extend(out.auto_scaling_groups().iter().cloned());
                token = out.next_token().map(str::to_string);
                if token.is_none() {
                    break;
                }
            }
        }
        Ok(found)
    }
}

impl Fleet for Aws {
    async fn deployed(&self, stack: &str) -> Result<Option<(StackInfo, String)>, CloudError> {
        let Some(info) = self.describe_stack(stack).await? else {
            return Ok(None);
        };
        let out = self
            .cfn
            .get_template()
            .stack_name(stack)
            .template_stage(aws_sdk_cloudformation::types::TemplateStage::Original)
            .send()
            .await
            .map_err(failed("CloudFormation", "GetTemplate"))?;
        Ok(Some((
            info,
            out.template_body().unwrap_or_default().to_string(),
        )))
    }

    async fn launches_suspended(&self, groups: &[String]) -> Result<Vec<String>, CloudError> {
        let mut suspended = Vec::new();
        for g in self.auto_scaling_groups(groups).await? {
            let launch = g
                .suspended_processes()
                .iter()
                .any(|p| p.process_name() == Some("Launch"));
            if let (true, Some(name)) = (launch, g.auto_scaling_group_name()) {
                suspended.push(name.to_string());
            }
        }
        Ok(suspended)
    }

    async fn instances(&self, groups: &[String]) -> Result<Vec<Instance>, CloudError> {
        let mut instances: Vec<Instance> = Vec::new();
        for g in &self.auto_scaling_groups(groups).await? {
            for i in g.instances() {
                instances.push(Instance {
                    id: i.instance_id().unwrap_or_default().to_string(),
                    group: g.auto_scaling_group_name().unwrap_or_default().to_string(),
                    lifecycle: i
                        .lifecycle_state()
                        .map(|l| l.as_str().to_string())
                        .unwrap_or_default(),
                    zone: i.availability_zone().unwrap_or_default().to_string(),
                    private_ip: None,
                    last_run: None,
                });
            }
        }
        if !instances.is_empty() {
            let ids: Vec<String> = instances.iter().map(|i| i.id.clone()).collect();
            let out = self
                .ec2
                .describe_instances()
                .set_instance_ids(Some(ids))
                .send()
                .await
                .map_err(failed("EC2", "DescribeInstances"))?;
            for r in out.reservations() {
                for e in r.instances() {
                    if let Some(i) = instances
                        .iter_mut()
                        .find(|i| Some(i.id.as_str()) == e.instance_id())
                    {
                        i.private_ip = e.private_ip_address().map(str::to_string);
                        i.last_run = e
                            .tags()
                            .iter()
                            .find(|t| t.key() == Some(crate::fleet::LAST_RUN_TAG))
                            .and_then(|t| t.value())
                            .map(str::to_string);
                    }
                }
            }
        }
        instances.sort_by(|a, b| (&a.group, &a.id).cmp(&(&b.group, &b.id)));
        Ok(instances)
    }

    async fn target_health(
        &self,
        groups: &[String],
        instances: &[String],
    ) -> Result<Vec<TargetHealth>, CloudError> {
        use aws_sdk_elasticloadbalancingv2::types::TargetDescription;
        let mut target_groups: Vec<String> = self
            .auto_scaling_groups(groups)
            .await?
            .iter()
            .flat_map(|g| g.target_group_arns().iter().cloned())
            .collect();
        target_groups.sort();
        target_groups.dedup();
        let mut health = Vec::new();
        for arn in &target_groups {
            let mut req = self.elb.describe_target_health().target_group_arn(arn);
            for id in instances {
                req = req.targets(TargetDescription::builder().id(id).build());
            }
            let out = req
                .send()
                .await
                .map_err(failed("ElasticLoadBalancingV2", "DescribeTargetHealth"))?;
            for d in out.target_health_descriptions() {
                let Some(instance) = d.target().and_then(|t| t.id()) else {
                    continue;
                };
                let h = d.target_health();
                let reason = h
                    .and_then(|h| h.reason())
                    .map(|r| r.as_str().to_string())
                    .map(|r| match h.and_then(|h| h.description()) {
                        Some(d) => format!("{r}: {d}"),
                        None => r,
                    });
                health.push(TargetHealth {
                    target_group: arn.clone(),
                    instance: instance.to_string(),
                    state: h
                        .and_then(|h| h.state())
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    reason,
                });
            }
        }
        Ok(health)
    }

    async fn send(
        &self,
        document: &str,
        instances: &[String],
        parameters: &[(String, String)],
    ) -> Result<String, CloudError> {
        let mut req = self
            .ssm
            .send_command()
            .document_name(document)
            .set_instance_ids(Some(instances.to_vec()))
            .comment("stackc run");
        for (k, v) in parameters {
            req = req.parameters(k, vec![v.clone()]);
        }
        let out = req.send().await.map_err(failed("SSM", "SendCommand"))?;
        Ok(out
            .command()
            .and_then(|c| c.command_id())
            .unwrap_or_default()
            .to_string())
    }

    async fn invocation(&self, command: &str, instance: &str) -> Result<Invocation, CloudError> {
        match self
            .ssm
            .get_command_invocation()
            .command_id(command)
            .instance_id(instance)
            .send()
            .await
        {
            Ok(out) => Ok(Invocation {
                instance: instance.to_string(),
                status: out
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                output: [out.standard_output_content(), out.standard_error_content()]
                    .into_iter()
                    .flatten()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join("\n"),
            }),
            Err(e) => match failed("SSM", "GetCommandInvocation")(e) {
                // Just sent: the instance has not registered it yet.
                CloudError::NotFound(_) => Ok(Invocation {
                    instance: instance.to_string(),
                    status: "Pending".into(),
                    output: String::new(),
                }),
                other => Err(other),
            },
        }
    }

    async fn bundle_pointer(&self, parameter: &str) -> Result<Option<String>, CloudError> {
        match self.ssm.get_parameter().name(parameter).send().await {
            Ok(out) => Ok(out.parameter().and_then(|p| p.value()).map(str::to_string)),
            Err(e) => match failed("SSM", "GetParameter")(e) {
                CloudError::NotFound(_) => Ok(None),
                other => Err(other),
            },
        }
    }

    async fn set_bundle_pointer(&self, parameter: &str, value: &str) -> Result<(), CloudError> {
        self.ssm
            .put_parameter()
            .name(parameter)
            .value(value)
            .overwrite(true)
            .send()
            .await
            .map(|_| ())
            .map_err(failed("SSM", "PutParameter"))
    }

    async fn log_groups(&self, prefix: &str) -> Result<Vec<String>, CloudError> {
        let mut names = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .logs
                .describe_log_groups()
                .log_group_name_prefix(prefix)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(failed("CloudWatchLogs", "DescribeLogGroups"))?;
            names.extend(
                out.log_groups()
                    .iter()
                    .filter_map(|g| g.log_group_name())
                    .map(str::to_string),
            );
            token = out.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(names)
    }

    async fn logs(&self, groups: &[String], since_ms: i64) -> Result<Vec<LogEvent>, CloudError> {
        let mut events = Vec::new();
        for g in groups {
            let mut token: Option<String> = None;
            loop {
                let out = match self
                    .logs
                    .filter_log_events()
                    .log_group_name(g)
                    .start_time(since_ms)
                    .set_next_token(token.clone())
                    .send()
                    .await
                {
                    Ok(o) => o,
                    Err(e) => match failed("CloudWatchLogs", "FilterLogEvents")(e) {
                        CloudError::NotFound(_) => break,
                        other => return Err(other),
                    },
                };
                for e in out.events() {
                    events.push(LogEvent {
                        group: g.clone(),
                        stream: e.log_stream_name().unwrap_or_default().to_string(),
                        time: e.timestamp().unwrap_or_default(),
                        message: e.message().unwrap_or_default().trim_end().to_string(),
                    });
                }
                token = out.next_token().map(str::to_string);
                if token.is_none() || out.events().is_empty() {
                    break;
                }
            }
        }
        events.sort_by_key(|e| e.time);
        Ok(events)
    }
}
