//! S3: the artifact bucket's objects (artifacts, packages, the lock) and
//! the URL CloudFormation reads a template from.

use super::classify::failed;
use super::Aws;
use crate::cloud::CloudError;

pub(super) async fn object_exists(aws: &Aws, bucket: &str, key: &str) -> Result<bool, CloudError> {
    match aws.s3.head_object().bucket(bucket).key(key).send().await {
        Ok(_) => Ok(true),
        Err(e) => match failed("S3", "HeadObject")(e) {
            CloudError::NotFound(_) => Ok(false),
            other => Err(other),
        },
    }
}

pub(super) async fn put_object(
    aws: &Aws,
    bucket: &str,
    key: &str,
    bytes: Vec<u8>,
) -> Result<(), CloudError> {
    aws.s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(aws_sdk_s3::primitives::ByteStream::from(bytes))
        .send()
        .await
        .map(|_| ())
        .map_err(failed("S3", "PutObject"))
}

pub(super) async fn put_object_if_absent(
    aws: &Aws,
    bucket: &str,
    key: &str,
    bytes: Vec<u8>,
) -> Result<bool, CloudError> {
    match aws
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

pub(super) async fn get_object(
    aws: &Aws,
    bucket: &str,
    key: &str,
) -> Result<Option<(Vec<u8>, String)>, CloudError> {
    match aws.s3.get_object().bucket(bucket).key(key).send().await {
        Ok(out) => {
            let etag = out.e_tag().unwrap_or_default().to_string();
            let bytes =
                out.body.collect().await.map_err(|e| {
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

pub(super) async fn delete_object(
    aws: &Aws,
    bucket: &str,
    key: &str,
    if_match: Option<&str>,
) -> Result<(), CloudError> {
    match aws
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

pub(super) fn template_url(aws: &Aws, bucket: &str, key: &str) -> String {
    // CloudFormation reads templates from S3 itself; local doubles
    // resolve this form internally too.
    format!("https://{bucket}.s3.{}.amazonaws.com/{key}", aws.region)
}
