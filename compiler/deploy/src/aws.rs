//! [`Cloud`] on the AWS SDK: the standard credential chain, `--profile`,
//! `--region`, and `AWS_ENDPOINT_URL` (S3 path-style when it is set, as local
//! doubles need). Errors are classified for the user.
//!
//! This file holds the clients and the [`Cloud`] and [`Fleet`] traits'
//! methods, each handing over to the module of its service; the error
//! classification is in `classify`, the clients' retry settings in `setup`.

mod autoscaling;
mod classify;
mod cloudformation;
mod drift;
mod logs;
mod s3;
mod setup;
mod ssm;
mod stacksets;
mod sts;

pub use sts::Assumer;

use setup::{profile_defined, RefusedIsFinal, SayRetries, MISSING_PROFILE};

use crate::cloud::{
    ChangeSet, ChangeSetRequest, ChangeSetSummary, Cloud, CloudError, CreatedChangeSet, StackEvent,
    StackInfo,
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
        Aws::from_config(&Aws::config(region, profile).await)
    }

    /// The configuration [`Aws::connect`] loads: the standard chain (or
    /// `profile`), `region`, the endpoint, retries. Clients in other
    /// accounts ([`Assumer`]) start from it.
    pub async fn config(region: &str, profile: Option<&str>) -> aws_config::SdkConfig {
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
        config
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

impl Cloud for Aws {
    async fn describe_stack(&self, name: &str) -> Result<Option<StackInfo>, CloudError> {
        cloudformation::describe_stack(self, name).await
    }

    async fn physical_id(
        &self,
        stack: &str,
        logical_id: &str,
    ) -> Result<Option<String>, CloudError> {
        cloudformation::physical_id(self, stack, logical_id).await
    }

    async fn object_exists(&self, bucket: &str, key: &str) -> Result<bool, CloudError> {
        s3::object_exists(self, bucket, key).await
    }

    async fn put_object(&self, bucket: &str, key: &str, bytes: Vec<u8>) -> Result<(), CloudError> {
        s3::put_object(self, bucket, key, bytes).await
    }

    async fn put_object_if_absent(
        &self,
        bucket: &str,
        key: &str,
        bytes: Vec<u8>,
    ) -> Result<bool, CloudError> {
        s3::put_object_if_absent(self, bucket, key, bytes).await
    }

    async fn get_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> Result<Option<(Vec<u8>, String)>, CloudError> {
        s3::get_object(self, bucket, key).await
    }

    async fn delete_object(
        &self,
        bucket: &str,
        key: &str,
        if_match: Option<&str>,
    ) -> Result<(), CloudError> {
        s3::delete_object(self, bucket, key, if_match).await
    }

    fn template_url(&self, bucket: &str, key: &str) -> String {
        s3::template_url(self, bucket, key)
    }

    async fn create_change_set(
        &self,
        r: &ChangeSetRequest,
    ) -> Result<CreatedChangeSet, CloudError> {
        cloudformation::create_change_set(self, r).await
    }

    async fn list_change_sets(&self, stack: &str) -> Result<Vec<ChangeSetSummary>, CloudError> {
        cloudformation::list_change_sets(self, stack).await
    }

    async fn describe_change_set(&self, stack: &str, id: &str) -> Result<ChangeSet, CloudError> {
        cloudformation::describe_change_set(self, stack, id).await
    }

    async fn delete_change_set(&self, stack: &str, id: &str) -> Result<(), CloudError> {
        cloudformation::delete_change_set(self, stack, id).await
    }

    async fn execute_change_set(&self, stack: &str, id: &str) -> Result<(), CloudError> {
        cloudformation::execute_change_set(self, stack, id).await
    }

    async fn stack_events(&self, stack: &str) -> Result<Vec<StackEvent>, CloudError> {
        cloudformation::stack_events(self, stack).await
    }

    async fn delete_stack(&self, stack: &str) -> Result<(), CloudError> {
        cloudformation::delete_stack(self, stack).await
    }

    async fn public_parameter(&self, name: &str) -> Result<Option<String>, CloudError> {
        ssm::public_parameter(self, name).await
    }

    async fn group_size(&self, group: &str) -> Result<usize, CloudError> {
        autoscaling::group_size(self, group).await
    }

    async fn resume_launches(&self, groups: &[String]) -> Result<Vec<String>, CloudError> {
        autoscaling::resume_launches(self, groups).await
    }

    async fn run_event(
        &self,
        document: &str,
        stack: &str,
        env: &str,
        event: &str,
    ) -> Result<Option<String>, CloudError> {
        ssm::run_event(self, document, stack, env, event).await
    }
}

impl Fleet for Aws {
    async fn deployed(&self, stack: &str) -> Result<Option<(StackInfo, String)>, CloudError> {
        cloudformation::deployed(self, stack).await
    }

    async fn launches_suspended(&self, groups: &[String]) -> Result<Vec<String>, CloudError> {
        autoscaling::launches_suspended(self, groups).await
    }

    async fn instances(&self, groups: &[String]) -> Result<Vec<Instance>, CloudError> {
        autoscaling::instances(self, groups).await
    }

    async fn target_health(
        &self,
        groups: &[String],
        instances: &[String],
    ) -> Result<Vec<TargetHealth>, CloudError> {
        autoscaling::target_health(self, groups, instances).await
    }

    async fn send(
        &self,
        document: &str,
        instances: &[String],
        parameters: &[(String, String)],
    ) -> Result<String, CloudError> {
        ssm::send(self, document, instances, parameters).await
    }

    async fn invocation(&self, command: &str, instance: &str) -> Result<Invocation, CloudError> {
        ssm::invocation(self, command, instance).await
    }

    async fn bundle_pointer(&self, parameter: &str) -> Result<Option<String>, CloudError> {
        ssm::bundle_pointer(self, parameter).await
    }

    async fn set_bundle_pointer(&self, parameter: &str, value: &str) -> Result<(), CloudError> {
        ssm::set_bundle_pointer(self, parameter, value).await
    }

    async fn log_groups(&self, prefix: &str) -> Result<Vec<String>, CloudError> {
        logs::log_groups(self, prefix).await
    }

    async fn logs(&self, groups: &[String], since_ms: i64) -> Result<Vec<LogEvent>, CloudError> {
        logs::logs(self, groups, since_ms).await
    }
}

impl crate::stackset::offered::Offerings for Aws {
    async fn offered(&self, types: &[String]) -> Result<Vec<String>, CloudError> {
        use aws_sdk_ec2::types::{Filter, LocationType};
        let mut offered = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .ec2
                .describe_instance_type_offerings()
                .location_type(LocationType::Region)
                .filters(
                    Filter::builder()
                        .name("instance-type")
                        .set_values(Some(types.to_vec()))
                        .build(),
                )
                .set_next_token(token)
                .send()
                .await
                .map_err(classify::failed("EC2", "DescribeInstanceTypeOfferings"))?;
            offered.extend(
                page.instance_type_offerings()
                    .iter()
                    .filter_map(|o| o.instance_type())
                    .map(|t| t.as_str().to_string()),
            );
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(offered);
            }
        }
    }
}

impl crate::stackset::StackSets for Aws {
    async fn describe_stack_set(
        &self,
        name: &str,
    ) -> Result<Option<crate::stackset::StackSetInfo>, CloudError> {
        stacksets::describe_stack_set(self, name).await
    }

    async fn stack_instances(
        &self,
        name: &str,
    ) -> Result<Vec<crate::stackset::InstanceInfo>, CloudError> {
        stacksets::stack_instances(self, name).await
    }

    async fn instance_overrides(
        &self,
        name: &str,
        account: &str,
        region: &str,
    ) -> Result<Vec<(String, String)>, CloudError> {
        stacksets::instance_overrides(self, name, account, region).await
    }

    async fn create_stack_set(
        &self,
        request: &crate::stackset::StackSetRequest,
    ) -> Result<(), CloudError> {
        stacksets::create_stack_set(self, request).await
    }

    async fn update_stack_set(
        &self,
        request: &crate::stackset::StackSetRequest,
        prefs: &crate::stackset::Prefs,
    ) -> Result<String, CloudError> {
        stacksets::update_stack_set(self, request, prefs).await
    }

    async fn create_instances(
        &self,
        name: &str,
        who: &crate::stackset::Who,
        region: &str,
        overrides: &[(String, String)],
        prefs: &crate::stackset::Prefs,
    ) -> Result<String, CloudError> {
        stacksets::create_instances(self, name, who, region, overrides, prefs).await
    }

    async fn update_instances(
        &self,
        name: &str,
        who: &crate::stackset::Who,
        region: &str,
        overrides: &[(String, String)],
        prefs: &crate::stackset::Prefs,
    ) -> Result<String, CloudError> {
        stacksets::update_instances(self, name, who, region, overrides, prefs).await
    }

    async fn delete_instances(
        &self,
        name: &str,
        who: &crate::stackset::Who,
        region: &str,
        prefs: &crate::stackset::Prefs,
    ) -> Result<String, CloudError> {
        stacksets::delete_instances(self, name, who, region, prefs).await
    }

    async fn delete_stack_set(&self, name: &str) -> Result<(), CloudError> {
        stacksets::delete_stack_set(self, name).await
    }

    async fn operation(
        &self,
        name: &str,
        id: &str,
    ) -> Result<crate::stackset::OperationState, CloudError> {
        stacksets::operation(self, name, id).await
    }

    async fn operation_results(
        &self,
        name: &str,
        id: &str,
    ) -> Result<Vec<crate::stackset::TargetResult>, CloudError> {
        stacksets::operation_results(self, name, id).await
    }
}
