//! SSM: public parameters (images), Run Command (lifecycle events) and the
//! bundle pointer parameter.

use super::classify::failed;
use super::Aws;
use crate::cloud::CloudError;
use crate::fleet::Invocation;

pub(super) async fn public_parameter(aws: &Aws, name: &str) -> Result<Option<String>, CloudError> {
    match aws.ssm.get_parameter().name(name).send().await {
        Ok(out) => Ok(out.parameter().and_then(|p| p.value()).map(str::to_string)),
        Err(e) => match failed("SSM", "GetParameter")(e) {
            CloudError::NotFound(_) => Ok(None),
            other => Err(other),
        },
    }
}

pub(super) async fn run_event(
    aws: &Aws,
    document: &str,
    stack: &str,
    env: &str,
    event: &str,
) -> Result<Option<String>, CloudError> {
    use aws_sdk_ssm::types::Target;
    let out = aws
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

pub(super) async fn send(
    aws: &Aws,
    document: &str,
    instances: &[String],
    parameters: &[(String, String)],
) -> Result<String, CloudError> {
    let mut req = aws
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

pub(super) async fn invocation(
    aws: &Aws,
    command: &str,
    instance: &str,
) -> Result<Invocation, CloudError> {
    match aws
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

pub(super) async fn bundle_pointer(
    aws: &Aws,
    parameter: &str,
) -> Result<Option<String>, CloudError> {
    match aws.ssm.get_parameter().name(parameter).send().await {
        Ok(out) => Ok(out.parameter().and_then(|p| p.value()).map(str::to_string)),
        Err(e) => match failed("SSM", "GetParameter")(e) {
            CloudError::NotFound(_) => Ok(None),
            other => Err(other),
        },
    }
}

pub(super) async fn set_bundle_pointer(
    aws: &Aws,
    parameter: &str,
    value: &str,
) -> Result<(), CloudError> {
    aws.ssm
        .put_parameter()
        .name(parameter)
        .value(value)
        .overwrite(true)
        .send()
        .await
        .map(|_| ())
        .map_err(failed("SSM", "PutParameter"))
}
