//! Tests of the node JSON's parts and their merge.

use super::deploy::deploy_entry;
use super::*;

/// What OpsWorks' `scm_helper` (OpsWorks::SCM::S3.parse_uri) reads from
/// a path-style URL: the bucket is the first path segment, the key the
/// rest, the region the host between `s3.` and `.amazonaws.com`.
fn parse_path_style(url: &str) -> (String, String, String) {
    let rest = url.strip_prefix("https://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let region = host
        .strip_prefix("s3.")
        .and_then(|h| h.strip_suffix(".amazonaws.com"))
        .unwrap();
    let (bucket, key) = path.split_once('/').unwrap();
    (bucket.into(), key.into(), region.into())
}

#[test]
fn s3_sources_read_as_opsworks_gave_them() {
    let url = s3_https_url("s3://shop-releases/site/2026-11-20.tar.gz", "eu-central-1").unwrap();
    assert_eq!(
        url,
        "https://s3.eu-central-1.amazonaws.com/shop-releases/site/2026-11-20.tar.gz"
    );
    assert_eq!(
        parse_path_style(&url),
        (
            "shop-releases".into(),
            "site/2026-11-20.tar.gz".into(),
            "eu-central-1".into()
        )
    );
    // A key with characters a URI may not hold is percent-encoded.
    assert_eq!(
        s3_https_url("s3://b/a key+v1.tgz", "us-east-1").unwrap(),
        "https://s3.us-east-1.amazonaws.com/b/a%20key%2Bv1.tgz"
    );
    // `stackc import opsworks` reads it back to the stack file's form.
    assert_eq!(
        crate::import::opsworks::apps::s3_url(&url).as_deref(),
        Some("s3://shop-releases/site/2026-11-20.tar.gz")
    );
    assert_eq!(s3_https_url("s3://bucket-only", "us-east-1"), None);
    assert_eq!(s3_https_url("s3://b/", "us-east-1"), None);
}
/// The apps part and a group's part give each instance of a deploy
/// every app's entry as that instance computes it (goldcar and shop:
/// memcached on its own instances, and on an app layer's), with a
/// group repeating no entry of another layer's app unless it differs.
#[test]
fn a_deploy_carries_every_app_as_its_instance_sees_it_once_in_the_bundle() {
    for file in ["goldcar", "shop"] {
        let path = format!(
            "{}/../../examples/{file}/stack.kdl",
            env!("CARGO_MANIFEST_DIR")
        );
        let source = std::fs::read_to_string(&path).unwrap();
        let opts = crate::check::Options {
            base_dir: std::path::Path::new("/stack"),
            files: &crate::check::AllExist,
        };
        let (program, _) = crate::check::check_source(&source, &opts);
        let program = program.expect("the example checks");
        for stack in &program.environments {
            let apps = apps_part(stack);
            for host in stack.layers.iter().filter(|l| l.has_instances()) {
                let names: Vec<&str> = stack
                    .instance_layers(host)
                    .iter()
                    .map(|l| l.name.as_str())
                    .collect();
                for event in [Event::Deploy, Event::Undeploy, Event::Rollback] {
                    let group = group_part(stack, host, event);
                    let tree = merge_parts(&json!({}), Some(&apps), &group, &json!({}));
                    let expected: Map<String, Value> = stack
                        .apps
                        .iter()
                        .map(|a| (a.name.clone(), deploy_entry(stack, a, &names)))
                        .collect();
                    assert_eq!(
                        tree["deploy"],
                        Value::Object(expected),
                        "{file} {}",
                        host.name
                    );
                    let listed = tree["opsworks"]["applications"].as_array().unwrap();
                    assert_eq!(listed.len(), stack.apps.len(), "{file} {}", host.name);
                    assert!(group["opsworks"].get("applications").is_none());
                    let memcached_here = stack
                        .instance_layers(host)
                        .iter()
                        .any(|l| l.type_name == "memcached");
                    let repeated = group["deploy"].as_object().map_or(0, Map::len);
                    assert_eq!(repeated > 0, memcached_here, "{file} {}", host.name);
                }
            }
        }
    }
}
