//! How the SDK clients are set up beyond their configuration: whether the
//! profile asked for exists, retries said on stderr, a refused connection
//! not retried.

use super::classify::refused;
use super::MAX_ATTEMPTS;

/// The profile `--profile` or AWS_PROFILE names when neither AWS file
/// defines it: the credential chain then only says it found nothing.
pub(super) static MISSING_PROFILE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// True when `~/.aws/config` (`[profile NAME]`, or `[default]`) or
/// `~/.aws/credentials` (`[NAME]`) defines the profile; the files' places
/// follow AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE.
pub(super) fn profile_defined(name: &str) -> bool {
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
pub(super) struct SayRetries;

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
pub(super) struct RefusedIsFinal;

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
