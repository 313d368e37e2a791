//! How `stackc_deploy::aws` classifies the SDK's errors, on the real SDK
//! clients: answers as AWS writes them on the wire, served by the SDK's
//! own mocks (`aws-smithy-mocks`), and, for the network, an endpoint on
//! 127.0.0.1 that refuses or never answers.

use std::time::Duration;

use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use stackc_deploy::aws::{Aws, Clients};
use stackc_deploy::cloud::{Cloud, CloudError};
use stackc_deploy::fleet::Fleet;
use stackc_deploy::lock::{self, Holder, LockError};

const REGION: &str = "eu-west-1";

/// An HTTP answer with these headers and body.
fn answer(status: u16, headers: &[(&'static str, &str)], body: &str) -> HttpResponse {
    let mut response = HttpResponse::new(
        StatusCode::try_from(status).unwrap(),
        SdkBody::from(body.to_string()),
    );
    for (k, v) in headers {
        response.headers_mut().insert(*k, v.to_string());
    }
    response
}

/// An error of CloudFormation's query protocol, as AWS writes it.
fn query_error(status: u16, code: &str, message: &str) -> HttpResponse {
    answer(
        status,
        &[("content-type", "text/xml")],
        &format!("<ErrorResponse xmlns=\"http://cloudformation.amazonaws.com/doc/2010-05-15/\"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>1</RequestId></ErrorResponse>"),
    )
}

/// An error of SSM's JSON protocol.
fn json_error(code: &str, message: &str) -> HttpResponse {
    answer(
        400,
        &[("content-type", "application/x-amz-json-1.1")],
        &format!("{{\"__type\":\"{code}\",\"message\":\"{message}\"}}"),
    )
}

/// An error of S3's REST-XML protocol.
fn s3_error(status: u16, code: &str, message: &str) -> HttpResponse {
    answer(
        status,
        &[("content-type", "application/xml")],
        &format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>{code}</Code><Message>{message}</Message><RequestId>1</RequestId></Error>"),
    )
}

/// Deploy's clients on mocks: CloudFormation, S3 and SSM answer with
/// `cfn`, `s3` and `ssm`, without retries (each answer is the final one);
/// the other services are never called here.
fn aws(cfn: &[&Rule], s3: &[&Rule], ssm: &[&Rule]) -> Aws {
    use aws_sdk_cloudformation::config::retry::RetryConfig;
    let region = aws_config::Region::new(REGION);
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
        cloudformation: mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, cfn, |c| c
            .retry_config(RetryConfig::disabled())),
        s3: mock_client!(aws_sdk_s3, RuleMode::MatchAny, s3, |c| c
            .retry_config(RetryConfig::disabled())),
        ssm: mock_client!(aws_sdk_ssm, RuleMode::MatchAny, ssm, |c| c
            .retry_config(RetryConfig::disabled())),
        autoscaling: unused!(aws_sdk_autoscaling),
        ec2: unused!(aws_sdk_ec2),
        logs: unused!(aws_sdk_cloudwatchlogs),
        elb: unused!(aws_sdk_elasticloadbalancingv2),
        region: REGION.to_string(),
    })
}

fn cfn(rules: &[&Rule]) -> Aws {
    aws(rules, &[], &[])
}

fn s3(rules: &[&Rule]) -> Aws {
    aws(&[], rules, &[])
}

fn ssm(rules: &[&Rule]) -> Aws {
    aws(&[], &[], rules)
}

fn describe_stacks(response: fn() -> HttpResponse) -> Rule {
    mock!(aws_sdk_cloudformation::Client::describe_stacks).then_http_response(response)
}

fn create_change_set(response: fn() -> HttpResponse) -> Rule {
    mock!(aws_sdk_cloudformation::Client::create_change_set).then_http_response(response)
}

fn change_set() -> stackc_deploy::cloud::ChangeSetRequest {
    stackc_deploy::cloud::ChangeSetRequest {
        stack: "shop-production".into(),
        name: "stackc-1".into(),
        create: false,
        template: stackc_deploy::cloud::TemplateSource::Body("{}".into()),
        parameters: Vec::new(),
        tags: Vec::new(),
    }
}

#[tokio::test]
async fn a_missing_stack_is_none_and_its_events_not_found() {
    let aws = cfn(&[
        &describe_stacks(|| {
            query_error(
                400,
                "ValidationError",
                "Stack with id shop-production does not exist",
            )
        }),
        &mock!(aws_sdk_cloudformation::Client::describe_stack_events).then_http_response(|| {
            query_error(
                400,
                "ValidationError",
                "Stack [shop-production] does not exist",
            )
        }),
    ]);
    assert_eq!(aws.describe_stack("shop-production").await, Ok(None));
    assert_eq!(
        aws.stack_events("shop-production").await,
        Err(CloudError::NotFound(
            "Stack [shop-production] does not exist".into()
        ))
    );
}

#[tokio::test]
async fn a_stack_busy_with_another_operation_is_in_progress() {
    let message = "Stack:arn:aws:cloudformation:eu-west-1:123456789012:stack/shop-production/1 is in UPDATE_IN_PROGRESS state and can not be updated.";
    let aws = cfn(&[&create_change_set(|| {
        query_error(400, "ValidationError", "Stack:arn:aws:cloudformation:eu-west-1:123456789012:stack/shop-production/1 is in UPDATE_IN_PROGRESS state and can not be updated.")
    })]);
    let err = aws.create_change_set(&change_set()).await.unwrap_err();
    assert_eq!(err, CloudError::InProgress(message.into()));
    assert_eq!(
        err.to_string(),
        format!("the stack is being changed by another operation ({message})\nhelp: wait for it to finish (`stackc status`) and rerun")
    );
}

/// Only a ValidationError's message about a missing or busy stack is read:
/// any other is the user's to see as AWS wrote it.
#[tokio::test]
async fn another_validation_error_is_shown_as_aws_says() {
    let aws = cfn(&[&create_change_set(|| {
        query_error(
            400,
            "ValidationError",
            "Template format error: Unresolved resource dependencies [Web] in the Resources block of the template",
        )
    })]);
    assert_eq!(
        aws.create_change_set(&change_set()).await,
        Err(CloudError::Other("CloudFormation CreateChangeSet failed: ValidationError: Template format error: Unresolved resource dependencies [Web] in the Resources block of the template".into()))
    );
}

#[tokio::test]
async fn access_denied_names_the_iam_action() {
    let aws = aws(
        &[&describe_stacks(|| {
            query_error(403, "AccessDenied", "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudformation:DescribeStacks")
        })],
        // S3 answers a HEAD request without a body: only the status says.
        &[&mock!(aws_sdk_s3::Client::head_object).then_http_response(|| answer(403, &[], ""))],
        &[],
    );
    let err = aws.describe_stack("shop-production").await.unwrap_err();
    assert_eq!(
        err,
        CloudError::AccessDenied("CloudFormation DescribeStacks needs cloudformation:DescribeStacks: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudformation:DescribeStacks".into())
    );
    assert!(
        err.to_string().starts_with(
            "access denied: CloudFormation DescribeStacks needs cloudformation:DescribeStacks: User: "
        ) && err
            .to_string()
            .contains("cloudformation:DescribeStacks\nhelp: allow that action to the identity running stackc"),
        "{err}"
    );
    assert_eq!(
        aws.object_exists("artifacts", "shop/production/bundle.tar.gz")
            .await,
        Err(CloudError::AccessDenied(
            "S3 HeadObject needs s3:GetObject".into()
        ))
    );
}

#[tokio::test]
async fn an_expired_session_says_to_log_in_again() {
    let aws = cfn(&[&describe_stacks(|| {
        query_error(
            403,
            "ExpiredToken",
            "The security token included in the request is expired",
        )
    })]);
    let err = aws.describe_stack("shop-production").await.unwrap_err();
    assert_eq!(
        err,
        CloudError::ExpiredToken(
            "CloudFormation DescribeStacks: The security token included in the request is expired"
                .into()
        )
    );
    assert!(
        err.to_string()
            .starts_with("the AWS session has expired (CloudFormation DescribeStacks: The security token included in the request is expired)\nhelp: log in again"),
        "{err}"
    );
}

#[tokio::test]
async fn throttling_is_the_sdks_throttling() {
    let aws = aws(
        &[
            &describe_stacks(|| query_error(400, "Throttling", "Rate exceeded")),
            // A quota, which the SDK's list counts as throttling: waiting
            // does not lift it.
            &create_change_set(|| {
                query_error(
                    400,
                    "LimitExceededException",
                    "Limit on the number of stacks exceeded",
                )
            }),
        ],
        &[],
        &[&mock!(aws_sdk_ssm::Client::send_command)
            .then_http_response(|| json_error("ThrottlingException", "Rate exceeded"))],
    );
    let err = aws.describe_stack("shop-production").await.unwrap_err();
    assert_eq!(
        err,
        CloudError::Throttled("CloudFormation DescribeStacks: Rate exceeded".into())
    );
    assert!(
        err.to_string().starts_with(
            "AWS kept throttling the requests, even after retries (CloudFormation DescribeStacks: Rate exceeded)\nhelp: wait a minute and rerun"
        ),
        "{err}"
    );
    assert_eq!(
        aws.send("stackc-run", &["i-0123456789abcdef0".into()], &[])
            .await,
        Err(CloudError::Throttled(
            "SSM SendCommand: Rate exceeded".into()
        ))
    );
    assert_eq!(
        aws.create_change_set(&change_set()).await,
        Err(CloudError::Other("CloudFormation CreateChangeSet failed: LimitExceededException: Limit on the number of stacks exceeded".into()))
    );
}

#[tokio::test]
async fn a_missing_parameter_is_none() {
    let aws = ssm(&[
        &mock!(aws_sdk_ssm::Client::get_parameter)
            .match_requests(|r| r.name() == Some("/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"))
            .then_http_response(|| json_error("ParameterNotFound", "")),
        &mock!(aws_sdk_ssm::Client::get_parameter)
            .match_requests(|r| r.name() == Some("/stackc/shop-production/bundle"))
            .then_http_response(|| json_error("ParameterNotFound", "")),
        &mock!(aws_sdk_ssm::Client::get_parameter)
            .match_requests(|r| r.name() == Some("/stackc/secret"))
            .then_http_response(|| {
                json_error(
                    "AccessDeniedException",
                    "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ssm:GetParameter",
                )
            }),
    ]);
    assert_eq!(
        aws.public_parameter(
            "/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id"
        )
        .await,
        Ok(None)
    );
    assert_eq!(
        aws.bundle_pointer("/stackc/shop-production/bundle").await,
        Ok(None)
    );
    // Not every error of GetParameter is a missing parameter.
    assert_eq!(
        aws.bundle_pointer("/stackc/secret").await,
        Err(CloudError::AccessDenied("SSM GetParameter needs ssm:GetParameter: User: arn:aws:iam::123456789012:user/ci is not authorized to perform: ssm:GetParameter".into()))
    );
}

#[tokio::test]
async fn an_invocation_not_there_yet_is_pending() {
    let aws = ssm(&[
        &mock!(aws_sdk_ssm::Client::get_command_invocation)
            .match_requests(|r| r.command_id() == Some("just-sent"))
            .then_http_response(|| json_error("InvocationDoesNotExist", "")),
        &mock!(aws_sdk_ssm::Client::get_command_invocation)
            .match_requests(|r| r.command_id() == Some("no-such"))
            .then_http_response(|| json_error("InvalidCommandId", "")),
    ]);
    let pending = aws
        .invocation("just-sent", "i-0123456789abcdef0")
        .await
        .unwrap();
    assert_eq!(pending.instance, "i-0123456789abcdef0");
    assert_eq!(pending.status, "Pending");
    assert_eq!(pending.output, "");
    assert_eq!(
        aws.invocation("no-such", "i-0123456789abcdef0").await,
        Err(CloudError::Other(
            "SSM GetCommandInvocation failed: InvalidCommandId".into()
        ))
    );
}

#[tokio::test]
async fn a_missing_object_is_none() {
    let aws = s3(&[
        &mock!(aws_sdk_s3::Client::get_object)
            .then_http_response(|| s3_error(404, "NoSuchKey", "The specified key does not exist.")),
        // HEAD has no body: S3's 404 is the modeled NotFound.
        &mock!(aws_sdk_s3::Client::head_object).then_http_response(|| answer(404, &[], "")),
    ]);
    assert_eq!(
        aws.get_object("artifacts", "_stackc-locks/shop-production.json")
            .await,
        Ok(None)
    );
    assert_eq!(
        aws.object_exists("artifacts", "shop/production/bundle.tar.gz")
            .await,
        Ok(false)
    );
}

/// The deploy lock: S3 refuses the conditional put (412) because another
/// run holds the lock, which deploy then reads to say who.
#[tokio::test]
async fn a_lock_held_elsewhere_is_refused_by_the_precondition() {
    let aws = s3(&[
        &mock!(aws_sdk_s3::Client::put_object).then_http_response(|| {
            s3_error(
                412,
                "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold",
            )
        }),
        &mock!(aws_sdk_s3::Client::get_object).then_http_response(|| {
            answer(
                200,
                &[("etag", "\"5d41402abc4b2a76b9719d911017c592\"")],
                r#"{"stack":"shop-production","operation":"deploy","user":"ana","host":"build-7","pid":4242,"since":1764666000,"token":"build-7-4242-1"}"#,
            )
        }),
    ]);
    let me = Holder::here("shop-production", "deploy");
    match lock::acquire(&aws, "artifacts", &me, false).await {
        Err(LockError::Held(h)) => {
            assert_eq!((h.user.as_str(), h.host.as_str()), ("ana", "build-7"));
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn conditional_writes_that_do_not_hold() {
    let aws = s3(&[
        // Without a body too: the status is the answer.
        &mock!(aws_sdk_s3::Client::put_object)
            .match_requests(|r| r.key() == Some("a"))
            .then_http_response(|| answer(412, &[], "")),
        &mock!(aws_sdk_s3::Client::put_object)
            .match_requests(|r| r.key() == Some("b"))
            .then_http_response(|| {
                s3_error(
                    409,
                    "ConditionalRequestConflict",
                    "A conflicting conditional operation is currently in progress against this resource.",
                )
            }),
        &mock!(aws_sdk_s3::Client::put_object)
            .match_requests(|r| r.key() == Some("c"))
            .then_http_response(|| answer(200, &[("etag", "\"1\"")], "")),
        &mock!(aws_sdk_s3::Client::put_object)
            .match_requests(|r| r.key() == Some("d"))
            .then_http_response(|| {
                s3_error(
                    409,
                    "OperationAborted",
                    "A conflicting conditional operation is currently in progress against this resource.",
                )
            }),
        &mock!(aws_sdk_s3::Client::delete_object).then_http_response(|| {
            s3_error(
                412,
                "PreconditionFailed",
                "At least one of the pre-conditions you specified did not hold",
            )
        }),
    ]);
    assert_eq!(
        aws.put_object_if_absent("artifacts", "a", b"{}".to_vec())
            .await,
        Ok(false)
    );
    assert_eq!(
        aws.put_object_if_absent("artifacts", "b", b"{}".to_vec())
            .await,
        Ok(false)
    );
    assert_eq!(
        aws.put_object_if_absent("artifacts", "c", b"{}".to_vec())
            .await,
        Ok(true)
    );
    // Another conflict is an error, not a lock held.
    assert!(matches!(
        aws.put_object_if_absent("artifacts", "d", b"{}".to_vec()).await,
        Err(CloudError::Other(m)) if m == "S3 PutObject failed: OperationAborted: A conflicting conditional operation is currently in progress against this resource."
    ));
    // The lock changed hands meanwhile: it is not ours to delete.
    assert_eq!(
        aws.delete_object("artifacts", "a", Some("\"1\"")).await,
        Ok(())
    );
}

/// Deploy's clients on the SDK's configuration, reaching `endpoint` with
/// fixed credentials (or `credentials`), without retries, and with these
/// timeouts.
async fn at(
    endpoint: &str,
    credentials: Option<aws_credential_types::provider::SharedCredentialsProvider>,
    timeouts: aws_config::timeout::TimeoutConfig,
) -> Aws {
    let credentials = credentials.unwrap_or_else(|| {
        aws_credential_types::provider::SharedCredentialsProvider::new(
            aws_credential_types::Credentials::new("AKIDEXAMPLE", "example", None, None, "test"),
        )
    });
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(credentials)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .timeout_config(timeouts)
        .load()
        .await;
    Aws::from_config(&config)
}

/// A port on 127.0.0.1 where nothing listens.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// An endpoint on 127.0.0.1 that takes connections and never answers.
fn silent_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    endpoint
}

#[tokio::test]
async fn a_refused_connection_is_unreachable() {
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let aws = at(
        &endpoint,
        None,
        aws_config::timeout::TimeoutConfig::builder().build(),
    )
    .await;
    let started = std::time::Instant::now();
    let err = aws.describe_stack("shop-production").await.unwrap_err();
    let CloudError::Unreachable(m) = &err else {
        panic!("{err:?}")
    };
    // AWS_ENDPOINT_URL, when the environment sets it, is named too.
    assert!(
        m.starts_with("CloudFormation DescribeStacks: cannot reach AWS")
            && m.ends_with(": the connection was refused"),
        "{m}"
    );
    assert!(
        err.to_string()
            .contains("\nhelp: check the network and proxy"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn no_answer_in_time_is_unreachable() {
    use aws_config::timeout::TimeoutConfig;
    let endpoint = silent_endpoint();
    // The whole attempt times out: the SDK's TimeoutError.
    let aws = at(
        &endpoint,
        None,
        TimeoutConfig::builder()
            .operation_attempt_timeout(Duration::from_millis(300))
            .build(),
    )
    .await;
    assert_eq!(
        aws.describe_stack("shop-production").await,
        Err(CloudError::Unreachable(
            "CloudFormation DescribeStacks: no answer in time".into()
        ))
    );
    // The connection times out reading: the connector's timeout.
    let aws = at(
        &endpoint,
        None,
        TimeoutConfig::builder()
            .read_timeout(Duration::from_millis(300))
            .build(),
    )
    .await;
    let err = aws.describe_stack("shop-production").await.unwrap_err();
    assert!(
        matches!(&err, CloudError::Unreachable(m) if m.starts_with("CloudFormation DescribeStacks: cannot reach AWS") && m.ends_with(": no answer in time")),
        "{err:?}"
    );
}

/// A credential chain that finds nothing.
#[derive(Debug)]
struct NoCredentials;

impl aws_credential_types::provider::ProvideCredentials for NoCredentials {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::ready(Err(
            aws_credential_types::provider::error::CredentialsError::not_loaded(
                "nothing in the chain",
            ),
        ))
    }
}

#[tokio::test]
async fn no_credentials_says_how_to_get_some() {
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let aws = at(
        &endpoint,
        Some(aws_credential_types::provider::SharedCredentialsProvider::new(NoCredentials)),
        aws_config::timeout::TimeoutConfig::builder().build(),
    )
    .await;
    let err = aws.describe_stack("shop-production").await.unwrap_err();
    assert_eq!(
        err,
        CloudError::NoCredentials("CloudFormation DescribeStacks: no AWS credentials were found (environment, profile, SSO, instance role)".into())
    );
    assert!(
        err.to_string().contains("\nhelp: run `aws configure`"),
        "{err}"
    );
}
