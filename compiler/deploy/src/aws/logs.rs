//! CloudWatch Logs: the layers' log groups and their events.

use super::classify::failed;
use super::Aws;
use crate::cloud::CloudError;
use crate::fleet::LogEvent;

pub(super) async fn log_groups(aws: &Aws, prefix: &str) -> Result<Vec<String>, CloudError> {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = aws
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

pub(super) async fn logs(
    aws: &Aws,
    groups: &[String],
    since_ms: i64,
) -> Result<Vec<LogEvent>, CloudError> {
    let mut events = Vec::new();
    for g in groups {
        let mut token: Option<String> = None;
        loop {
            let out = match aws
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
