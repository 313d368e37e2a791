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

impl Aws {
    /// Loads configuration from the standard chain.
    pub async fn connect(region: &str, profile: Option<&str>) -> Aws {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_string()))
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(8));
        if let Some(p) = profile {
            loader = loader.profile_name(p);
        }
        let config = loader.load().await;
        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .ok()
            .filter(|e| !e.is_empty());
        let s3_config = aws_sdk_s3::config::Builder::from(&config)
            .force_path_style(endpoint.is_some())
            .build();
        Aws {
            cfn: aws_sdk_cloudformation::Client::new(&config),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            ssm: aws_sdk_ssm::Client::new(&config),
            asg: aws_sdk_autoscaling::Client::new(&config),
            ec2: aws_sdk_ec2::Client::new(&config),
            logs: aws_sdk_cloudwatchlogs::Client::new(&config),
            elb: aws_sdk_elasticloadbalancingv2::Client::new(&config),
            region: region.to_string(),
        }
    }
}

/// Classifies an SDK error by its code and message.
fn classify<E, R>(err: aws_sdk_cloudformation::error::SdkError<E, R>) -> CloudError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let code = err.code().unwrap_or_default().to_string();
    let message = err
        .message()
        .map(str::to_string)
        .unwrap_or_else(|| DisplayErrorContext(&err).to_string());
    let text = format!("{code} {message}");
    if text.contains("CredentialsNotLoaded")
        || text.contains("no credentials")
        || text.contains("No credentials")
        || text.contains("failed to load credentials")
    {
        CloudError::NoCredentials(DisplayErrorContext(&err).to_string())
    } else if code.contains("ExpiredToken") || code == "RequestExpired" {
        CloudError::ExpiredToken(message)
    } else if code.contains("AccessDenied")
        || code == "UnauthorizedOperation"
        || code == "AuthorizationError"
    {
        CloudError::AccessDenied(message)
    } else if code.contains("Throttl") || message.contains("Rate exceeded") {
        CloudError::Throttled(message)
    } else if message.contains("_IN_PROGRESS state")
        || message.contains("is in ") && message.contains("_IN_PROGRESS")
    {
        CloudError::InProgress(message)
    } else if message.contains("does not exist") || code == "NotFound" || code == "NoSuchKey" {
        CloudError::NotFound(message)
    } else if code.is_empty() {
        CloudError::Other(DisplayErrorContext(&err).to_string())
    } else {
        CloudError::Other(format!("{code}: {message}"))
    }
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
            Err(e) => match classify(e) {
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
            Err(e) => match classify(e) {
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
                match classify(e) {
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
            .map_err(classify)
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
            Err(e) => Err(classify(e)),
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
            Err(e) => match classify(e) {
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
            Err(e) => match classify(e) {
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
        let out = req.send().await.map_err(classify)?;
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
                Err(e) => match classify(e) {
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
                .map_err(classify)?;
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
            .map_err(classify)
    }

    async fn execute_change_set(&self, stack: &str, id: &str) -> Result<(), CloudError> {
        self.cfn
            .execute_change_set()
            .stack_name(stack)
            .change_set_name(id)
            .send()
            .await
            .map(|_| ())
            .map_err(classify)
    }

    async fn stack_events(&self, stack: &str) -> Result<Vec<StackEvent>, CloudError> {
        let out = self
            .cfn
            .describe_stack_events()
            .stack_name(stack)
            .send()
            .await
            .map_err(classify)?;
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
            .map_err(classify)
    }

    async fn public_parameter(&self, name: &str) -> Result<Option<String>, CloudError> {
        match self.ssm.get_parameter().name(name).send().await {
            Ok(out) => Ok(out.parameter().and_then(|p| p.value()).map(str::to_string)),
            Err(e) => match classify(e) {
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
            .map_err(classify)?;
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
                .map_err(classify)?;
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
            .map_err(classify)?;
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
                    .map_err(classify)?;
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
                .map_err(classify)?;
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
            let out = req.send().await.map_err(classify)?;
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
        let out = req.send().await.map_err(classify)?;
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
            Err(e) => match classify(e) {
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
            Err(e) => match classify(e) {
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
            .map_err(classify)
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
                .map_err(classify)?;
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
                    Err(e) => match classify(e) {
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
