//! The deploy lock: one operation at a time (deploy, diff, destroy) on an
//! environment's stack, whoever runs it and wherever. The lock is an object
//! in the artifact bucket, created only if absent (S3's conditional write,
//! `If-None-Match: *`), so two machines cannot both hold it; it says who
//! holds it. It is removed only by whoever holds it (a conditional delete
//! on its ETag), on success, on failure and on Ctrl-C. A lock whose holder
//! ran on this machine and is no longer running is stale and taken over; any
//! other is released by hand with `--force-unlock` (see README).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::cloud::{Cloud, CloudError};

/// Where an environment's lock lives in the artifact bucket: outside every
/// environment's prefix, which instances may read.
pub fn key(stack_name: &str) -> String {
    format!("_stackc-locks/{stack_name}.json")
}

/// Who holds (or wants) the lock of a stack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    /// The CloudFormation stack (`goldcar-production`).
    pub stack: String,
    /// `deploy`, `diff` or `destroy`.
    pub operation: String,
    /// The user running stackc.
    pub user: String,
    /// The machine it runs on.
    pub host: String,
    /// Its process id there.
    pub pid: u32,
    /// When it took the lock, seconds since the epoch.
    pub since: i64,
    /// Unique to this holding, so only its taker removes it.
    pub token: String,
}

impl Holder {
    /// This process, about to run `operation` on `stack`.
    pub fn here(stack: &str, operation: &str) -> Holder {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let host = host_name();
        let pid = std::process::id();
        Holder {
            stack: stack.to_string(),
            operation: operation.to_string(),
            user: ["USER", "LOGNAME", "USERNAME"]
                .iter()
                .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
                .unwrap_or_else(|| "unknown".into()),
            token: format!("{host}-{pid}-{}", now.as_nanos()),
            host,
            pid,
            since: now.as_secs() as i64,
        }
    }

    /// True when the holder ran on this machine and is no longer running:
    /// it was killed, and its lock can be taken over.
    pub fn is_gone(&self) -> bool {
        self.host == host_name() && !stackc_core::process::alive(self.pid)
    }
}

impl fmt::Display for Holder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let since = chrono::DateTime::from_timestamp(self.since, 0).map_or_else(
            || self.since.to_string(),
            |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        );
        write!(
            f,
            "{} of {} by {}@{} (pid {}) since {since}",
            self.operation, self.stack, self.user, self.host, self.pid
        )
    }
}

/// This machine's host name.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

/// Why the lock was not taken.
#[derive(Debug)]
pub enum LockError {
    /// Someone else holds it.
    Held(Holder),
    /// The lock object is there but cannot be read as a holder.
    Unreadable(String),
    /// An AWS call failed.
    Cloud(CloudError),
}

impl From<CloudError> for LockError {
    fn from(e: CloudError) -> Self {
        LockError::Cloud(e)
    }
}

/// The lock as it is in the bucket: its holder and the object's ETag.
async fn current<C: Cloud>(
    cloud: &C,
    bucket: &str,
    key: &str,
) -> Result<Option<(Result<Holder, String>, String)>, CloudError> {
    Ok(cloud.get_object(bucket, key).await?.map(|(bytes, etag)| {
        let holder = serde_json::from_slice::<Holder>(&bytes).map_err(|e| {
            format!(
                "s3://{bucket}/{key} is not a stackc lock ({e}): {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
            )
        });
        (holder, etag)
    }))
}

/// Takes the lock for `me`: creates the lock object when there is none.
/// A lock whose holder ran on this machine and is gone is removed first
/// (`taken_over` says whose); so is any lock when `force` is set.
pub async fn acquire<C: Cloud>(
    cloud: &C,
    bucket: &str,
    me: &Holder,
    force: bool,
) -> Result<Option<Holder>, LockError> {
    let key = key(&me.stack);
    let body = serde_json::to_vec_pretty(me).expect("a holder serializes");
    let mut taken_over = None;
    // A few tries: the lock may be released, or found stale and removed,
    // between two of them.
    for _ in 0..3 {
        if cloud
            .put_object_if_absent(bucket, &key, body.clone())
            .await?
        {
            return Ok(taken_over);
        }
        let Some((holder, etag)) = current(cloud, bucket, &key).await? else {
            continue; // released meanwhile
        };
        match holder {
            Ok(h) if force || h.is_gone() => {
                cloud.delete_object(bucket, &key, Some(&etag)).await?;
                taken_over = Some(h);
            }
            Ok(h) => return Err(LockError::Held(h)),
            Err(_) if force => {
                cloud.delete_object(bucket, &key, Some(&etag)).await?;
            }
            Err(m) => return Err(LockError::Unreadable(m)),
        }
    }
    match current(cloud, bucket, &key).await? {
        Some((Ok(h), _)) => Err(LockError::Held(h)),
        Some((Err(m), _)) => Err(LockError::Unreadable(m)),
        None => Err(LockError::Cloud(CloudError::Other(format!(
            "s3://{bucket}/{key} kept changing while stackc tried to take it"
        )))),
    }
}

/// Removes the lock if `me` holds it (a lock another took over after
/// `--force-unlock` is left alone).
pub async fn release<C: Cloud>(cloud: &C, bucket: &str, me: &Holder) -> Result<(), CloudError> {
    let key = key(&me.stack);
    match current(cloud, bucket, &key).await? {
        Some((Ok(h), etag)) if h.token == me.token => {
            cloud.delete_object(bucket, &key, Some(&etag)).await
        }
        _ => Ok(()),
    }
}
