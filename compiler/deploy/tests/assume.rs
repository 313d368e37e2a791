//! `aws::Assumer` on the real SDK clients against a local endpoint that
//! answers as STS and SSM write on the wire: the calls in the target are
//! signed with the assumed role's credentials in the target's region, and
//! a role STS refuses is classified as any refused call is.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use stackc_deploy::aws::Assumer;
use stackc_deploy::cloud::CloudError;
use stackc_deploy::fleet::Fleet;
use stackc_deploy::stackset::reach::Assume;

const ROLE: &str = "arn:aws:iam::111111111111:role/AWSCloudFormationStackSetExecutionRole";

/// A request as the endpoint saw it: its headers (lower-cased names) and
/// body.
#[derive(Debug, Clone)]
struct Seen {
    headers: Vec<(String, String)>,
    body: String,
}

impl Seen {
    fn header(&self, name: &str) -> &str {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// Serves `answers` (status, content type, body) in order, on any
/// connection, and records each request.
fn endpoint(answers: Vec<(u16, &'static str, String)>) -> (String, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let answers = Arc::new(Mutex::new(answers.into_iter()));
    let record = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (record, answers) = (record.clone(), answers.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut writer = stream;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut headers = Vec::new();
                    loop {
                        let mut h = String::new();
                        reader.read_line(&mut h).unwrap();
                        let h = h.trim_end();
                        if h.is_empty() {
                            break;
                        }
                        let (k, v) = h.split_once(':').unwrap();
                        headers.push((k.to_lowercase(), v.trim().to_string()));
                    }
                    let length: usize = headers
                        .iter()
                        .find(|(k, _)| k == "content-length")
                        .map_or(0, |(_, v)| v.parse().unwrap());
                    let mut body = vec![0; length];
                    reader.read_exact(&mut body).unwrap();
                    record.lock().unwrap().push(Seen {
                        headers,
                        body: String::from_utf8_lossy(&body).into_owned(),
                    });
                    let Some((status, kind, text)) = answers.lock().unwrap().next() else {
                        return;
                    };
                    let _ = write!(
                        writer,
                        "HTTP/1.1 {status} X\r\ncontent-type: {kind}\r\ncontent-length: {}\r\n\r\n{text}",
                        text.len()
                    );
                }
            });
        }
    });
    (url, seen)
}

async fn admin(url: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(aws_credential_types::Credentials::new(
            "AKIAADMIN",
            "secret",
            None,
            None,
            "test",
        ))
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await
}

const STS_XML: &str = "text/xml";

#[tokio::test]
async fn the_target_is_called_with_the_assumed_credentials_in_its_region() {
    let assumed = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult><Credentials><AccessKeyId>ASIATARGET</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>the-token</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials><AssumedRoleUser><Arn>arn:aws:sts::111111111111:assumed-role/R/stackc-run</Arn><AssumedRoleId>AROA1:stackc-run</AssumedRoleId></AssumedRoleUser></AssumeRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AssumeRoleResponse>";
    let parameter = "{\"Parameter\":{\"Name\":\"/p\",\"Value\":\"bundle-1\"}}";
    let (url, seen) = endpoint(vec![
        (200, STS_XML, assumed.to_string()),
        (200, "application/x-amz-json-1.1", parameter.to_string()),
    ]);
    let config = admin(&url).await;
    let aws = Assumer::new(&config, "stackc-run")
        .assume(ROLE, "eu-west-1")
        .await
        .unwrap();
    assert_eq!(
        aws.bundle_pointer("/p").await.unwrap().as_deref(),
        Some("bundle-1")
    );
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2, "{seen:?}");
    // AssumeRole, with the administering account's credentials.
    assert!(seen[0].body.contains("Action=AssumeRole"), "{seen:?}");
    assert!(
        seen[0]
            .body
            .contains("RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2FAWSCloudFormationStackSetExecutionRole"),
        "{seen:?}"
    );
    assert!(seen[0].body.contains("RoleSessionName=stackc-run"));
    assert!(seen[0]
        .header("authorization")
        .contains("Credential=AKIAADMIN/"));
    // The target's call: the assumed credentials, the target's region.
    let auth = seen[1].header("authorization");
    assert!(
        auth.contains("Credential=ASIATARGET/") && auth.contains("/eu-west-1/ssm/"),
        "{auth}"
    );
    assert_eq!(seen[1].header("x-amz-security-token"), "the-token");
}

#[tokio::test]
async fn a_role_sts_refuses_is_access_denied_naming_the_call() {
    let denied = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::222222222222:user/ops is not authorized to perform: sts:AssumeRole on resource: {ROLE}</Message></Error><RequestId>1</RequestId></ErrorResponse>"
    );
    let (url, _) = endpoint(vec![(403, STS_XML, denied)]);
    let config = admin(&url).await;
    let err = Assumer::new(&config, "stackc-logs")
        .assume(ROLE, "eu-west-1")
        .await
        .err()
        .expect("refused");
    match err {
        CloudError::AccessDenied(m) => assert!(
            m.starts_with("STS AssumeRole needs sts:AssumeRole: User: ")
                && m.contains("not authorized to perform: sts:AssumeRole"),
            "{m}"
        ),
        other => panic!("{other:?}"),
    }
}
