//! What the canned-answer tests of the deploy crate share: the answer of a
//! call a flow must not make, a runtime to run a flow on, and the
//! instances of some groups.

use stackc_deploy::cloud::CloudError;
use stackc_deploy::fleet::Instance;

/// The answer of a fake to a call the flow under test must not make.
#[allow(dead_code)]
pub fn unused<T>() -> Result<T, CloudError> {
    Err(CloudError::Other("not part of this flow".into()))
}

/// Runs a flow to its end on a runtime of its own (timers included).
#[allow(dead_code)]
pub fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

/// Those of `all` in one of `groups`, as DescribeAutoScalingGroups lists
/// them.
#[allow(dead_code)]
pub fn in_groups(all: &[Instance], groups: &[String]) -> Vec<Instance> {
    all.iter()
        .filter(|i| groups.contains(&i.group))
        .cloned()
        .collect()
}
