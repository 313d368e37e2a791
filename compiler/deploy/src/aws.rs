//! [`Cloud`] on the AWS SDK: the standard credential chain, `--profile`,
//! `--region`, and `AWS_ENDPOINT_URL` (S3 path-style when it is set, as local
//! doubles need). Errors are classified for the user.

use aws_sdk_cloudformation::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_cloudformation::types::{Capability, ChangeSetType, Parameter, Tag};

use crate::cloud::{
    Change, ChangeSet, ChangeSetRequest, ChangeSetSummary, Cloud, CloudError, CreatedChangeSet,
    StackEvent, StackInfo, TemplateSource,
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
        // Each client does not retry a refused connection and says when it
        // retries; S3 is addressed by path where a local double stands in.
        macro_rules! client {
            ($sdk:ident $(.$setting:ident($value:expr))*) => {
                $sdk::Client::from_conf(
                    $sdk::config::Builder::from(&config)
                        .retry_classifier(RefusedIsFinal)
                        .interceptor(SayRetries)
                        $(.$setting($value))*
                        .build(),
                )
            };
        }
        Aws {
            cfn: client!(aws_sdk_cloudformation),
            s3: client!(aws_sdk_s3.force_path_style(endpoint_url().is_some())),
            ssm: client!(aws_sdk_ssm),
            asg: client!(aws_sdk_autoscaling),
            ec2: client!(aws_sdk_ec2),
            logs: client!(aws_sdk_cloudwatchlogs),
            elb: client!(aws_sdk_elasticloadbalancingv2),
            region: region.to_string(),
        }
    }
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
            Some(c)
                if c.is_io()
                    && DisplayErrorContext(c)
                        .to_string()
                        .to_lowercase()
                        .contains("connection refused") =>
            {
                RetryAction::RetryForbidden
            }
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

/// Why a request never got an answer, from the connector's error.
fn network_cause(detail: &str) -> &'static str {
    let d = detail.to_lowercase();
    if d.contains("connection refused") {
        "the connection was refused"
    } else if d.contains("dns error")
        || d.contains("failed to lookup")
        || d.contains("name or service not known")
    {
        "the host name does not resolve"
    } else if d.contains("timed out") || d.contains("timeout") {
        "no answer in time"
    } else if d.contains("certificate") || d.contains("tls") {
        "the TLS handshake failed"
    } else {
        "a network error"
    }
}

/// Classifies a failed call of `service`'s `call` for the user: one
/// sentence naming the call and the cause, and a fix (in [`CloudError`]'s
/// display); the SDK's whole error is added only with `--verbose`.
fn failed<E, R>(
    service: &'static str,
    call: &'static str,
) -> impl FnOnce(aws_sdk_cloudformation::error::SdkError<E, R>) -> CloudError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |err| {
        use aws_sdk_cloudformation::error::SdkError;
        let detail = DisplayErrorContext(&err).to_string();
        let verbose = crate::cloud::verbose_detail(&detail);
        let what = format!("{service} {call}");
        let credentials = detail.contains("CredentialsNotLoaded")
            || detail.contains("no credentials")
            || detail.contains("loading credentials")
            || detail.contains("failed to load credentials")
            || detail.contains("was not defined");
        if credentials {
            let cause = match MISSING_PROFILE.get() {
                Some(name) => format!(
                    "the AWS profile `{name}` is defined in neither ~/.aws/config nor ~/.aws/credentials"
                ),
                None => "no AWS credentials were found (environment, profile, SSO, instance role)".into(),
            };
            return CloudError::NoCredentials(format!("{what}: {cause}{verbose}"));
        }
        if let SdkError::DispatchFailure(d) = &err {
            if d.is_io() || d.is_timeout() {
                let endpoint =
                    endpoint_url().map_or(String::new(), |e| format!(" at {e} (AWS_ENDPOINT_URL)"));
                return CloudError::Unreachable(format!(
                    "{what}: cannot reach AWS{endpoint}: {}{verbose}",
                    network_cause(&detail)
                ));
            }
        }
        if let SdkError::TimeoutError(_) = &err {
            return CloudError::Unreachable(format!("{what}: no answer in time{verbose}"));
        }
        let code = err.code().unwrap_or_default().to_string();
        let message = err.message().map(str::to_string).unwrap_or_default();
        if code.contains("ExpiredToken") || code == "RequestExpired" {
            CloudError::ExpiredToken(format!("{what}: {message}{verbose}"))
        } else if code.contains("AccessDenied")
            || code == "UnauthorizedOperation"
            || code == "AuthorizationError"
        {
            CloudError::AccessDenied(format!(
                "{what} needs {}: {message}{verbose}",
                iam_action(service, call)
            ))
        } else if code.contains("Throttl") || message.contains("Rate exceeded") {
            CloudError::Throttled(format!("{what}: {message}{verbose}"))
        } else if message.contains("_IN_PROGRESS state")
            || message.contains("is in ") && message.contains("_IN_PROGRESS")
        {
            CloudError::InProgress(message)
        } else if message.contains("does not exist") || code == "NotFound" || code == "NoSuchKey" {
            CloudError::NotFound(message)
        } else if code.is_empty() {
            CloudError::Other(format!("{what} failed: {}{verbose}", first_line(&detail)))
        } else {
            CloudError::Other(format!("{what} failed: {code}: {message}{verbose}"))
        }
    }
}

/// The first line of an error's text, without the SDK's debug dump that
/// follows it in parentheses.
fn first_line(detail: &str) -> &str {
    let line = detail.lines().next().unwrap_or_default();
    line.split(" (").next().unwrap_or(line)
}

/// True for S3's answers to a condition that does not hold: 412
/// `PreconditionFailed`, and 409 `ConditionalRequestConflict` (another
/// conditional write to the key at the same moment).
fn precondition_failed(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("PreconditionFailed" | "ConditionalRequestConflict")
    )
}

impl Cloud for Aws {
    async fn describe_stack(&self, name: &str) -> Result<Option<StackInfo>, CloudError> {
        match self.cfn.describe_stacks().stack_name(name).send().await {
            Ok(out) => Ok(out.stacks().first().map(|s| StackInfo {
                id: s.stack_id().unwrap_or_default().to_string(),
                status: s
                    .stack_status()
                    .map(|x| x.as_str().to_string())
                    .unwrap_or_default(),
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
            Err(e) => {
                if e.as_service_error().is_some_and(|s| s.is_not_found()) {
                    return Ok(false);
                }
                match failed("S3", "HeadObject")(e) {
                    CloudError::NotFound(_) => Ok(false),
                    other => Err(other),
                }
            }
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
            // 412: there is one; 409: another write to the key raced this one.
            Err(e) if precondition_failed(e.code()) => Ok(false),
            Err(e) => Err(failed("S3", "PutObject")(e)),
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
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
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
            Err(e) if precondition_failed(e.code()) => Ok(()),
            Err(e) => match failed("S3", "DeleteObject")(e) {
                CloudError::NotFound(_) => Ok(()),
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
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                        execution: c
                            .execution_status()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
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
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
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
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
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
                CloudError::Other(m) if m.contains("ParameterNotFound") => Ok(None),
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
                CloudError::Other(m) if m.contains("InvocationDoesNotExist") => Ok(Invocation {
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
                CloudError::Other(m) if m.contains("ParameterNotFound") => Ok(None),
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
