//! Unit tests of the pieces of the OpsWorks import: names, schedules,
//! custom JSON round trips, S3 URLs, operating systems, instance types.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;

use super::schedule::{self, Week};
use super::{closest_os, layers, unique_name};
use crate::check::{check_source, AllExist, Options};
use crate::import::kdl::{self, Item, Node};

#[test]
fn names_are_sanitized_and_unique() {
    let mut taken = Vec::new();
    assert_eq!(unique_name("php-app", "layer", &mut taken), "php-app");
    assert_eq!(unique_name("PHP App", "layer", &mut taken), "php-app-2");
    assert_eq!(
        unique_name("my_custom__layer", "layer", &mut taken),
        "my-custom-layer"
    );
    assert_eq!(unique_name("1st", "layer", &mut taken), "layer-1st");
    assert_eq!(unique_name("___", "app", &mut taken), "app");
    let long = unique_name(&"x".repeat(40), "layer", &mut taken);
    assert_eq!(long.len(), 32);
    let again = unique_name(&"x".repeat(40), "layer", &mut taken);
    assert_eq!(again, format!("{}-2", "x".repeat(30)));
    for n in &taken {
        assert!(crate::units::name(n).is_ok(), "{n}");
    }
}

fn grid(entries: &[(&str, &[u32])]) -> BTreeMap<String, BTreeMap<String, String>> {
    entries
        .iter()
        .map(|(day, hours)| {
            (
                day.to_string(),
                hours
                    .iter()
                    .map(|h| (h.to_string(), "on".to_string()))
                    .collect(),
            )
        })
        .collect()
}

#[test]
fn office_hours_merge_into_one_entry_per_change() {
    let hours: Vec<u32> = (9..18).collect();
    let days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"];
    let g = grid(
        &days
            .iter()
            .map(|d| (*d, hours.as_slice()))
            .collect::<Vec<_>>(),
    );
    let mut week: Week = [0; 168];
    assert!(schedule::add(&mut week, &g).is_empty());
    let text = changes_text(&week);
    assert_eq!(text, ["mon-fri 09:00 1", "mon-fri 18:00 0"]);
}

/// The week's changes as `DAYS HH:00 COUNT`.
fn changes_text(week: &Week) -> Vec<String> {
    schedule::changes(week)
        .iter()
        .map(|c| {
            let days = crate::units::days_text(&c.days);
            format!("{days} {:02}:00 {}", c.hour, c.count)
        })
        .collect()
}

#[test]
fn two_instances_stack_up_and_the_week_wraps() {
    let mut week: Week = [0; 168];
    // One instance from Sunday 22:00 to Monday 02:00, another Monday 00-04.
    schedule::add(
        &mut week,
        &grid(&[("Sunday", &[22, 23]), ("Monday", &[0, 1])]),
    );
    schedule::add(&mut week, &grid(&[("Monday", &[0, 1, 2, 3])]));
    let text = changes_text(&week);
    assert_eq!(
        text,
        ["mon 00:00 2", "mon 02:00 1", "mon 04:00 0", "sun 22:00 1"]
    );
}

#[test]
fn a_constant_week_has_no_changes_and_bad_entries_are_reported() {
    let mut week: Week = [0; 168];
    let mut g = grid(&[("Funday", &[1])]);
    g.insert(
        "Monday".into(),
        BTreeMap::from([("24".into(), "on".into()), ("3".into(), "maybe".into())]),
    );
    let unread = schedule::add(&mut week, &g);
    assert_eq!(unread.len(), 3, "{unread:?}");
    assert!(schedule::changes(&week).is_empty());
}

/// The custom JSON a stack file holds after `custom_json` is written.
fn round_trip(value: &serde_json::Value) -> (serde_json::Value, Vec<kdl::Lossy>) {
    let map = value.as_object().expect("an object");
    let (items, lossy) = kdl::json_nodes(map);
    let doc = vec![Item::Node(Node::new("stack").s("s").block(vec![
        Item::Node(Node::new("region").s("eu-west-1")),
        Item::Node(Node::new("custom-json").block(items)),
    ]))];
    let text = kdl::print(&doc);
    assert_eq!(
        crate::fmt::format_source(&text).expect("valid KDL"),
        text,
        "the printer writes canonical text"
    );
    let opts = Options {
        base_dir: Path::new("."),
        files: &AllExist,
    };
    let (program, diags) = check_source(&text, &opts);
    let program = program.unwrap_or_else(|| panic!("{text}\n{diags:?}"));
    (program.environments[0].custom_json.clone(), lossy)
}

#[test]
fn custom_json_round_trips_through_the_checker() {
    let value = json!({
        "goldcar": {"currency": "EUR", "cache-ttl": 300, "ratio": 0.75, "big": 1e20},
        "flags": {"on": true, "off": false, "nothing": null},
        "settings": {"rentals": {"environment_variables": {"APP_ENV": "production"}}},
        "servers": ["a", "b", "c"],
        "one": ["only"],
        "objects": [{"name": "x", "port": 1}, {}],
        "mixed": [1, "two", null, {"three": 3}],
        "nested": [["a", "b"], [1, 2, 3]],
        "empty": {},
        "odd keys": {"with space": "v", "true": "t", "1st": 1, "": "blank", "a\"quote": "q\\slash"},
        "unicode": "café ☕",
        "multi\nline": "x\ny",
    });
    let (back, lossy) = round_trip(&value);
    assert!(lossy.is_empty(), "{lossy:?}");
    assert_eq!(back, value);
}

#[test]
fn custom_json_kdl_cannot_hold_is_reported_and_still_checks() {
    let value = json!({
        "none": [],
        "deep": [["x"], [{"a": 1}, 2]],
        "-": 1,
        "huge": 18446744073709551615u64,
    });
    let (back, lossy) = round_trip(&value);
    let paths: Vec<&str> = lossy.iter().map(|l| l.path.as_str()).collect();
    assert_eq!(paths, ["none", "deep[0]", "deep[1]", "-", "huge"]);
    assert_eq!(back["none"], json!({}));
    assert_eq!(back["deep"], json!([{"0": "x"}, {"0": {"a": 1}, "1": 2}]));
    assert_eq!(back["huge"], json!("18446744073709551615"));
}

#[test]
fn s3_urls_of_every_style() {
    use super::apps::s3_url;
    for (url, want) in [
        (
            "https://s3.amazonaws.com/bucket/app/v1.zip",
            Some("s3://bucket/app/v1.zip"),
        ),
        (
            "https://s3-eu-west-1.amazonaws.com/bucket/app.tgz",
            Some("s3://bucket/app.tgz"),
        ),
        (
            "https://s3.eu-west-1.amazonaws.com/bucket/app.tgz",
            Some("s3://bucket/app.tgz"),
        ),
        (
            "https://bucket.s3.amazonaws.com/app.tgz",
            Some("s3://bucket/app.tgz"),
        ),
        (
            "https://my.bucket.s3-us-west-2.amazonaws.com/a/b.zip?x=1",
            Some("s3://my.bucket/a/b.zip"),
        ),
        ("s3://bucket/key.zip", Some("s3://bucket/key.zip")),
        ("https://example.com/app.zip", None),
        ("https://s3.amazonaws.com/bucket", None),
    ] {
        assert_eq!(s3_url(url).as_deref(), want, "{url}");
    }
}

#[test]
fn operating_systems_map_to_the_closest_supported_one() {
    let std = crate::stdlib::get();
    for (name, want, warned) in [
        ("Amazon Linux 2", "amazon-linux-2023", true),
        ("Amazon Linux 2018.03", "amazon-linux-2023", true),
        ("Ubuntu 18.04 LTS", "ubuntu-22.04", true),
        ("Ubuntu 20.04 LTS", "ubuntu-22.04", true),
        ("Ubuntu 22.04 LTS", "ubuntu-22.04", false),
        ("CentOS Linux 7", "amazon-linux-2023", true),
        (
            "Microsoft Windows Server 2019 Base",
            "amazon-linux-2023",
            true,
        ),
        ("Custom", "amazon-linux-2023", true),
    ] {
        let (os, why) = closest_os(name);
        assert_eq!((os, why.is_some()), (want, warned), "{name}");
        assert!(std.os.contains_key(os));
    }
}

#[test]
fn old_instance_types_get_a_newer_one_of_the_same_size() {
    for (old, new) in [
        ("m3.large", Some("m4.large")),
        ("c3.xlarge", Some("c4.xlarge")),
        ("r3.2xlarge", Some("r4.2xlarge")),
        ("t1.micro", Some("t2.micro")),
        ("m3.medium", Some("t3.medium")),
        ("m1.small", Some("t3.small")),
        ("x1.32xlarge", None),
    ] {
        assert_eq!(layers::successor(old).as_deref(), new, "{old}");
    }
}
