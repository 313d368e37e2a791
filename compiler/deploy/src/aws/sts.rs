//! Clients in another account: STS AssumeRole with the administering
//! account's credentials. The first AssumeRole is made at once, so a role
//! that is refused is said for its target before anything runs there
//! (classified as any call is); later ones renew the credentials before
//! they expire, as a `logs --follow` outlives the hour they last.

use std::sync::Mutex;
use std::time::SystemTime;

use aws_credential_types::provider::{
    error::CredentialsError, future, ProvideCredentials, SharedCredentialsProvider,
};
use aws_credential_types::Credentials;

use super::classify::failed;
use super::setup::{RefusedIsFinal, SayRetries};
use super::Aws;
use crate::cloud::CloudError;

/// Assumes roles in target accounts from a loaded configuration (the
/// administering account's credentials, endpoint and retries).
pub struct Assumer {
    base: aws_config::SdkConfig,
    sts: aws_sdk_sts::Client,
    session: String,
}

impl Assumer {
    /// On `base`; `session` names the sessions (CloudTrail in the target
    /// account shows it), e.g. `stackc-run`.
    pub fn new(base: &aws_config::SdkConfig, session: &str) -> Assumer {
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(base)
                .retry_classifier(RefusedIsFinal)
                .interceptor(SayRetries)
                .build(),
        );
        Assumer {
            base: base.clone(),
            sts,
            session: session.to_string(),
        }
    }
}

impl crate::stackset::reach::Assume for Assumer {
    type Client = Aws;

    async fn assume(&self, role_arn: &str, region: &str) -> Result<Aws, CloudError> {
        let first = assume_role(&self.sts, role_arn, &self.session).await?;
        let renewing = Renewing {
            sts: self.sts.clone(),
            role_arn: role_arn.to_string(),
            session: self.session.clone(),
            first: Mutex::new(Some(first)),
        };
        let config = self
            .base
            .to_builder()
            .region(aws_config::Region::new(region.to_string()))
            .credentials_provider(SharedCredentialsProvider::new(renewing))
            .build();
        Ok(Aws::from_config(&config))
    }
}

async fn assume_role(
    sts: &aws_sdk_sts::Client,
    role_arn: &str,
    session: &str,
) -> Result<Credentials, CloudError> {
    let out = sts
        .assume_role()
        .role_arn(role_arn)
        .role_session_name(session)
        .send()
        .await
        .map_err(failed("STS", "AssumeRole"))?;
    let Some(c) = out.credentials() else {
        return Err(CloudError::Other(format!(
            "STS AssumeRole of {role_arn} answered no credentials"
        )));
    };
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        SystemTime::try_from(*c.expiration()).ok(),
        "stackc AssumeRole",
    ))
}

/// The assumed role's credentials: the first AssumeRole's, then a new
/// AssumeRole each time the clients' identity cache finds them expiring.
#[derive(Debug)]
struct Renewing {
    sts: aws_sdk_sts::Client,
    role_arn: String,
    session: String,
    first: Mutex<Option<Credentials>>,
}

impl ProvideCredentials for Renewing {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let first = self.first.lock().ok().and_then(|mut f| f.take());
            if let Some(c) = first {
                return Ok(c);
            }
            assume_role(&self.sts, &self.role_arn, &self.session)
                .await
                .map_err(CredentialsError::provider_error)
        })
    }
}
