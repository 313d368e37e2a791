//! The shapes of the AWS CLI's `aws opsworks describe-*` output, as far as
//! the importer reads them. Field names are the OpsWorks API's (PascalCase);
//! every field the importer can live without is optional, and fields it
//! does not read are ignored.

use std::collections::BTreeMap;

use serde::Deserialize;

/// `describe-stacks.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StacksFile {
    /// The stacks.
    pub stacks: Vec<Stack>,
}

/// `describe-layers.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LayersFile {
    /// The layers.
    pub layers: Vec<Layer>,
}

/// `describe-apps.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AppsFile {
    /// The apps.
    pub apps: Vec<App>,
}

/// `describe-instances.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstancesFile {
    /// The instances.
    pub instances: Vec<Instance>,
}

/// `describe-load-based-auto-scaling.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoadBasedFile {
    /// One configuration per layer.
    pub load_based_auto_scaling_configurations: Vec<LoadBased>,
}

/// `describe-time-based-auto-scaling.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimeBasedFile {
    /// One configuration per time-based instance.
    pub time_based_auto_scaling_configurations: Vec<TimeBased>,
}

/// `describe-elastic-load-balancers.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ElbFile {
    /// The Classic Load Balancers attached to the stack.
    pub elastic_load_balancers: Vec<Elb>,
}

/// A stack.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Stack {
    /// GUID.
    pub stack_id: String,
    /// Display name.
    pub name: String,
    /// AWS region.
    pub region: String,
    /// The stack's VPC, absent for EC2-Classic stacks.
    #[serde(default)]
    pub vpc_id: Option<String>,
    /// Subnet of instances that name none.
    #[serde(default)]
    pub default_subnet_id: Option<String>,
    /// Operating system of instances that name none.
    #[serde(default)]
    pub default_os: Option<String>,
    /// Stack custom JSON, a JSON document in a string.
    #[serde(default)]
    pub custom_json: Option<String>,
    /// Whether custom cookbooks are installed.
    #[serde(default)]
    pub use_custom_cookbooks: Option<bool>,
    /// Where the custom cookbooks come from.
    #[serde(default)]
    pub custom_cookbooks_source: Option<Source>,
    /// Chef version.
    #[serde(default)]
    pub configuration_manager: Option<ConfigurationManager>,
    /// Berkshelf.
    #[serde(default)]
    pub chef_configuration: Option<ChefConfiguration>,
    /// SSH key pair of the instances.
    #[serde(default)]
    pub default_ssh_key_name: Option<String>,
}

/// Chef version of a stack.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConfigurationManager {
    /// "11.10", "12".
    #[serde(default)]
    pub version: Option<String>,
}

/// Berkshelf settings.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChefConfiguration {
    /// Whether Berkshelf vendored the cookbooks' dependencies.
    #[serde(default)]
    pub manage_berkshelf: Option<bool>,
}

/// A repository or archive (custom cookbooks, app code).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Source {
    /// git, svn, archive or s3.
    #[serde(rename = "Type", default)]
    pub kind: Option<String>,
    /// Where.
    #[serde(default)]
    pub url: Option<String>,
    /// Branch, tag or commit (git, svn).
    #[serde(default)]
    pub revision: Option<String>,
    /// User name (archive, s3: an access key id).
    #[serde(default)]
    pub username: Option<String>,
    /// Password (returned filtered).
    #[serde(default)]
    pub password: Option<String>,
    /// SSH deploy key (returned filtered).
    #[serde(default)]
    pub ssh_key: Option<String>,
}

/// A layer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Layer {
    /// GUID.
    pub layer_id: String,
    /// The stack the layer belongs to.
    #[serde(default)]
    pub stack_id: Option<String>,
    /// OpsWorks layer type: php-app, lb, custom, ...
    #[serde(rename = "Type")]
    pub kind: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Short name (the node JSON key).
    pub shortname: String,
    /// Type attributes (values may be null).
    #[serde(default, deserialize_with = "null_default")]
    pub attributes: BTreeMap<String, Option<String>>,
    /// Log files shipped to CloudWatch Logs.
    #[serde(default)]
    pub cloud_watch_logs_configuration: Option<LogsConfiguration>,
    /// Instance profile instead of the stack's.
    #[serde(default)]
    pub custom_instance_profile_arn: Option<String>,
    /// Layer custom JSON.
    #[serde(default)]
    pub custom_json: Option<String>,
    /// Extra security groups.
    #[serde(default, deserialize_with = "null_default")]
    pub custom_security_group_ids: Vec<String>,
    /// Packages installed on setup.
    #[serde(default, deserialize_with = "null_default")]
    pub packages: Vec<String>,
    /// EBS volumes.
    #[serde(default, deserialize_with = "null_default")]
    pub volume_configurations: Vec<Volume>,
    /// Whether failed instances are replaced.
    #[serde(default)]
    pub enable_auto_healing: Option<bool>,
    /// Elastic IPs for every instance.
    #[serde(default)]
    pub auto_assign_elastic_ips: Option<bool>,
    /// Public IPs for every instance (VPC).
    #[serde(default)]
    pub auto_assign_public_ips: Option<bool>,
    /// The user's recipes per event.
    #[serde(default)]
    pub custom_recipes: Option<Recipes>,
    /// EBS-optimized instances.
    #[serde(default)]
    pub use_ebs_optimized_instances: Option<bool>,
    /// Shutdown timeout and ELB draining.
    #[serde(default)]
    pub lifecycle_event_configuration: Option<LifecycleEvents>,
}

/// Recipes per lifecycle event.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Recipes {
    /// Setup.
    #[serde(default, deserialize_with = "null_default")]
    pub setup: Vec<String>,
    /// Configure.
    #[serde(default, deserialize_with = "null_default")]
    pub configure: Vec<String>,
    /// Deploy.
    #[serde(default, deserialize_with = "null_default")]
    pub deploy: Vec<String>,
    /// Undeploy.
    #[serde(default, deserialize_with = "null_default")]
    pub undeploy: Vec<String>,
    /// Shutdown.
    #[serde(default, deserialize_with = "null_default")]
    pub shutdown: Vec<String>,
}

/// CloudWatch Logs settings of a layer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogsConfiguration {
    /// Whether logs are shipped.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// One stream per file pattern.
    #[serde(default, deserialize_with = "null_default")]
    pub log_streams: Vec<LogStream>,
}

/// One shipped log file pattern.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogStream {
    /// The file or glob.
    #[serde(default)]
    pub file: Option<String>,
}

/// An EBS volume (or RAID array) of a layer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Volume {
    /// Mount point.
    #[serde(default)]
    pub mount_point: Option<String>,
    /// RAID level (0, 1, 5, 10), absent without RAID.
    #[serde(default)]
    pub raid_level: Option<u32>,
    /// Disks in the array.
    #[serde(default)]
    pub number_of_disks: Option<u32>,
    /// GiB per disk.
    #[serde(default)]
    pub size: Option<u64>,
    /// standard, io1, gp2, gp3, st1, sc1.
    #[serde(default)]
    pub volume_type: Option<String>,
    /// Provisioned IOPS.
    #[serde(default)]
    pub iops: Option<u64>,
}

/// Lifecycle settings of a layer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LifecycleEvents {
    /// Shutdown settings.
    #[serde(default)]
    pub shutdown: Option<ShutdownEvent>,
}

/// Shutdown settings of a layer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ShutdownEvent {
    /// Seconds the shutdown recipes may run (default 120).
    #[serde(default)]
    pub execution_timeout: Option<u64>,
}

/// An app.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct App {
    /// The stack the app belongs to.
    #[serde(default)]
    pub stack_id: Option<String>,
    /// Short name (the node JSON key).
    pub shortname: String,
    /// php, nodejs, java, static, rails, aws-flow-ruby or other.
    #[serde(rename = "Type")]
    pub kind: String,
    /// Where the code comes from.
    #[serde(default)]
    pub app_source: Option<Source>,
    /// Virtual host names.
    #[serde(default, deserialize_with = "null_default")]
    pub domains: Vec<String>,
    /// DocumentRoot, RailsEnv, ... (values may be null).
    #[serde(default, deserialize_with = "null_default")]
    pub attributes: BTreeMap<String, Option<String>>,
    /// Environment variables.
    #[serde(default, deserialize_with = "null_default")]
    pub environment: Vec<EnvironmentVariable>,
    /// HTTPS on the instances.
    #[serde(default)]
    pub enable_ssl: Option<bool>,
    /// Databases.
    #[serde(default, deserialize_with = "null_default")]
    pub data_sources: Vec<DataSource>,
}

/// An app's environment variable.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EnvironmentVariable {
    /// Name.
    pub key: String,
    /// Value (`*****FILTERED*****` when secure).
    #[serde(default)]
    pub value: Option<String>,
    /// Whether DescribeApps hides the value.
    #[serde(default)]
    pub secure: Option<bool>,
}

/// An app's database.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DataSource {
    /// RdsDbInstance, OpsworksMysqlInstance or None.
    #[serde(rename = "Type", default)]
    pub kind: Option<String>,
    /// The database instance.
    #[serde(default)]
    pub arn: Option<String>,
    /// The database name.
    #[serde(default)]
    pub database_name: Option<String>,
}

/// An instance.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Instance {
    /// GUID.
    pub instance_id: String,
    /// The stack the instance belongs to.
    #[serde(default)]
    pub stack_id: Option<String>,
    /// Host name.
    #[serde(default)]
    pub hostname: Option<String>,
    /// The layers the instance belongs to.
    #[serde(default, deserialize_with = "null_default")]
    pub layer_ids: Vec<String>,
    /// Absent: 24/7; `load` or `timer`.
    #[serde(default)]
    pub auto_scaling_type: Option<String>,
    /// EC2 instance type.
    #[serde(default)]
    pub instance_type: Option<String>,
    /// Operating system, when not the stack's default.
    #[serde(default)]
    pub os: Option<String>,
    /// Subnet.
    #[serde(default)]
    pub subnet_id: Option<String>,
    /// x86_64 or i386.
    #[serde(default)]
    pub architecture: Option<String>,
    /// online, stopped, ...
    #[serde(default)]
    pub status: Option<String>,
}

/// Load-based scaling of a layer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoadBased {
    /// The layer.
    pub layer_id: String,
    /// Whether it is on.
    #[serde(default)]
    pub enable: Option<bool>,
    /// When to start load-based instances.
    #[serde(default)]
    pub up_scaling: Option<Thresholds>,
    /// When to stop them.
    #[serde(default)]
    pub down_scaling: Option<Thresholds>,
}

/// One direction of load-based scaling.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Thresholds {
    /// Instances started or stopped at a time.
    #[serde(default)]
    pub instance_count: Option<i64>,
    /// Minutes the threshold must hold.
    #[serde(default)]
    pub thresholds_wait_time: Option<i64>,
    /// Minutes metrics are ignored after a change.
    #[serde(default)]
    pub ignore_metrics_time: Option<i64>,
    /// CPU percent; -1 disables it.
    #[serde(default)]
    pub cpu_threshold: Option<f64>,
    /// Memory percent; -1 disables it.
    #[serde(default)]
    pub memory_threshold: Option<f64>,
    /// Load average; -1 disables it.
    #[serde(default)]
    pub load_threshold: Option<f64>,
    /// CloudWatch alarm names.
    #[serde(default, deserialize_with = "null_default")]
    pub alarms: Vec<String>,
}

/// The weekly schedule of one time-based instance.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimeBased {
    /// The instance.
    pub instance_id: String,
    /// Day name → UTC hour ("0".."23") → "on"/"off".
    #[serde(default, deserialize_with = "null_default")]
    pub auto_scaling_schedule: BTreeMap<String, BTreeMap<String, String>>,
}

/// A Classic Load Balancer attached to a layer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Elb {
    /// Its name.
    pub elastic_load_balancer_name: String,
    /// The layer it is attached to.
    #[serde(default)]
    pub layer_id: Option<String>,
    /// Its subnets (public ones, for an internet-facing balancer).
    #[serde(default, deserialize_with = "null_default")]
    pub subnet_ids: Vec<String>,
}

/// `null` reads as the empty value, as an absent field does.
fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Option::unwrap_or_default)
}
