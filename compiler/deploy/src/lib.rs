//! stackc-deploy: puts built artifacts on AWS and operates the fleet.
//! Reads `out/<stack>-<env>/manifest.json` and the files it lists; never the
//! stack file. AWS sits behind the [`cloud::Cloud`] trait.
#![warn(missing_docs)]

pub mod aws;
pub mod cinc;
pub mod cloud;
pub mod deploy;
pub mod drift;
pub mod fleet;
pub mod images;
pub mod lock;
pub mod ops;
pub mod plan;
pub mod stackset;
pub mod watch;
