//! Building a box's case from a stack file: `stackc build`, the user data
//! as CloudFormation renders it, the Run Command scripts as the SSM agent
//! writes them, what moto is seeded with (`case.json`), and the Cinc
//! package an Ubuntu box installs.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::common::{bundle_sha256, repo, run_command};
use crate::harness::{read_json, Fault, Plan, Source, DEPLOYMENT, LIMIT_SECONDS};

/// What the checks need to know of a prepared case.
pub struct Prepared {
    pub stack_name: String,
    /// The layer's log group.
    pub log_group: String,
    pub topic_arn: String,
    /// The bundle's sha256.
    pub sha256: String,
    /// The Chef client package's sha256 and key, when the box installs it.
    pub cinc: Option<(String, String)>,
    /// The layer's Chef client (`cinc` or `chef`), from the manifest.
    pub client: String,
    /// The secret values, to look for.
    pub secrets: Vec<String>,
}

/// The templates of a built environment: the root, then nested ones.
pub fn templates(out: &Path) -> Vec<Value> {
    let mut all = vec![read_json(&out.join("template.json"))];
    if let Ok(dir) = std::fs::read_dir(out.join("layers")) {
        let mut paths: Vec<PathBuf> = dir.map(|e| e.unwrap().path()).collect();
        paths.sort();
        all.extend(paths.iter().map(|p| read_json(p)));
    }
    all
}

pub fn tags(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["Key"].as_str().unwrap().to_string(),
                t["Value"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Builds the plan's stack file into `dir/out` and writes what the box
/// plays into `dir`: `part-001`, `ssm-N.sh`, `case.json`.
pub fn prepare(plan: &Plan, dir: &Path) -> Prepared {
    let out = dir.join("out");
    let file = match plan.source {
        Source::Example(name) => repo().join("examples").join(name).join("stack.kdl"),
        Source::Text(text) => {
            std::fs::write(dir.join("stack.kdl"), text).unwrap();
            dir.join("stack.kdl")
        }
    };
    let o = Command::new(env!("CARGO_BIN_EXE_stackc"))
        .arg("build")
        .arg(&file)
        .args(["--nodes", "--env", plan.env, "--out"])
        .arg(&out)
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let manifest_path = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path().join("manifest.json"))
        .find(|p| p.is_file())
        .unwrap();
    let built = manifest_path.parent().unwrap().to_path_buf();
    let manifest = read_json(&manifest_path);
    let stack_name = manifest["stack_name"].as_str().unwrap().to_string();
    let region = manifest["region"].as_str().unwrap().to_string();
    let sha256 = bundle_sha256(&manifest);
    let key = format!(
        "{}/{}/{sha256}.tar.gz",
        manifest["stack"].as_str().unwrap(),
        manifest["env"].as_str().unwrap()
    );

    let templates = templates(&built);
    let root = &templates[0];
    let resources = || {
        templates
            .iter()
            .flat_map(|t| t["Resources"].as_object().unwrap().iter())
    };
    let (lt_id, launch_template) = resources()
        .find(|(_, r)| {
            r["Type"] == "AWS::EC2::LaunchTemplate"
                && tags(&r["Properties"]["LaunchTemplateData"]["TagSpecifications"][0]["Tags"])
                    .contains(&("stackc:layer".into(), plan.layer.into()))
        })
        .unwrap_or_else(|| panic!("no launch template for layer {}", plan.layer));
    let data = &launch_template["Properties"]["LaunchTemplateData"];
    let (group_id, group) = resources()
        .find(|(_, r)| {
            r["Type"] == "AWS::AutoScaling::AutoScalingGroup"
                && r["Properties"]["LaunchTemplate"]["LaunchTemplateId"]["Ref"] == lt_id.as_str()
        })
        .unwrap();
    let setup_hook = group["Properties"]["LifecycleHookSpecificationList"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["LifecycleTransition"] == "autoscaling:EC2_INSTANCE_LAUNCHING")
        .unwrap()["LifecycleHookName"]
        .clone();
    let topic_name = format!("{stack_name}-AlarmTopic-BOX");
    let topic_arn = format!("arn:aws:sns:{region}:123456789012:{topic_name}");

    // The names CloudFormation gives at deploy time: a log group is named
    // after the stack id (its last part here); the bucket is the box's.
    let bucket = format!("stackc-artifacts-{region}-box");
    let log_group = |id: &str| -> Option<String> {
        let r = &root["Resources"][id];
        if r["Type"] != "AWS::Logs::LogGroup" {
            return None;
        }
        let prefix = r["Properties"]["LogGroupName"]["Fn::Join"][1][0].as_str()?;
        Some(format!("{prefix}{DEPLOYMENT}"))
    };
    let layer_log_group = resources()
        .filter_map(|(id, _)| log_group(id))
        .find(|name| name.starts_with(&format!("/stackc/{stack_name}/{}/", plan.layer)))
        .unwrap_or_else(|| panic!("no log group for layer {}", plan.layer));
    // Ubuntu boxes have no Chef client: the bootstrap installs the package
    // the artifact bucket holds, a real .deb whose payload is the recording
    // cinc-solo (named chef-client in a `chef` package). Amazon Linux boxes
    // play an image that has Cinc already, which the bootstrap leaves alone.
    let setup = read_json(&built.join(format!("nodes/{}/setup.json", plan.layer)));
    let client = manifest["images"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|n| n["groups"].as_array().unwrap())
        .find(|g| g["layer"] == plan.layer)
        .map(|g| g["client"].as_str().unwrap().to_string())
        .expect("the layer has instances");
    let cinc = (setup["stackc"]["os_family"] == "ubuntu").then(|| {
        let deb = match client.as_str() {
            "chef" => cinc_deb(dir, "chef", "12.22.5-1"),
            _ => cinc_deb(dir, "cinc", "18.6.2-1"),
        };
        let sha = stackc_core::emit::manifest::sha256_hex(&std::fs::read(&deb).unwrap());
        let key = format!(
            "{}/{}/{sha}.deb",
            manifest["stack"].as_str().unwrap(),
            manifest["env"].as_str().unwrap()
        );
        let stored = match plan.fault {
            // Another build of the package under the pinned key.
            Fault::CincShaMismatch => cinc_deb(dir, &client, "18.6.1-1"),
            _ => deb,
        };
        (sha, key, stored)
    });
    assert!(
        cinc.is_some() || plan.fault != Fault::CincShaMismatch,
        "only Ubuntu boxes install Cinc"
    );
    // The user data as CloudFormation renders it for this stack.
    let join = &data["UserData"]["Fn::Base64"]["Fn::Join"];
    assert_eq!(join[0], "");
    let user_data: String = join[1]
        .as_array()
        .unwrap()
        .iter()
        .map(|part| match part {
            Value::String(s) => s.clone(),
            p if *p == json!({ "Ref": "AWS::StackName" }) => stack_name.clone(),
            p if *p == json!({ "Ref": "AlarmTopic" }) => topic_arn.clone(),
            p if *p == json!({ "Ref": "ArtifactBucket" }) => bucket.clone(),
            // The pinned package; with Cinc in the image, never fetched.
            p if p["Ref"]
                .as_str()
                .is_some_and(|r| r.starts_with("CincSha256") || r.starts_with("ChefSha256")) =>
            {
                cinc.as_ref()
                    .map_or_else(|| "0".repeat(64), |(sha, _, _)| sha.clone())
            }
            p if p["Ref"].as_str().and_then(log_group).is_some() => {
                log_group(p["Ref"].as_str().unwrap()).unwrap()
            }
            p => panic!("the user data joins {p}, which the box cannot resolve"),
        })
        .collect();
    std::fs::write(dir.join("part-001"), &user_data).unwrap();

    let document = &root["Resources"]["RunDocument"];
    for (i, params) in plan.commands.iter().enumerate() {
        std::fs::write(
            dir.join(format!("ssm-{}.sh", i + 1)),
            run_command(document, *params),
        )
        .unwrap();
    }

    // The secrets the layer's apps name, each with a value to look for.
    let mut secret_names: Vec<String> = setup["deploy"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|app| {
            app["secrets"]
                .as_object()
                .map(|s| {
                    s.values()
                        .map(|v| v.as_str().unwrap().to_string())
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
        .collect();
    secret_names.sort();
    secret_names.dedup();
    let mut secrets = serde_json::Map::new();
    for (i, name) in secret_names.iter().enumerate() {
        secrets.insert(name.clone(), json!(format!("box-secret-{i}-Zq8vN3")));
    }
    let values: Vec<String> = secrets
        .values()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    if plan.fault == Fault::SecretMissing {
        let first = secret_names.first().expect("the layer's apps have secrets");
        secrets.remove(first);
    }

    let mut case = json!({
        "region": region,
        "os_family": setup["stackc"]["os_family"],
        "limit_seconds": LIMIT_SECONDS,
        "bucket": bucket,
        "key": key,
        "bundle_file": built.join("cookbooks.tar.gz"),
        "bundle_parameter": format!("/stackc/{stack_name}/bundle"),
        "pointer": { "bucket": bucket, "key": key, "sha256": sha256 },
        "secrets": secrets,
        "instance_tags": Value::Object(
            tags(&data["TagSpecifications"][0]["Tags"])
                .into_iter()
                .map(|(k, v)| (k, json!(v)))
                .collect(),
        ),
        "instance_type": data["InstanceType"],
        "availability_zone": format!("{region}a"),
        "group": group["Properties"]["AutoScalingGroupName"],
        "setup_hook": setup_hook,
        "cfn_stack": stack_name,
        "cfn_resource": group_id,
        "topic_name": topic_name,
        "topic_arn": topic_arn,
        "log_groups": [layer_log_group.clone()],
        "volumes": data["BlockDeviceMappings"]
            .as_array()
            .unwrap()
            .iter()
            .skip(1)
            .map(|d| d["DeviceName"].as_str().unwrap().trim_start_matches("/dev/").to_string())
            .collect::<Vec<_>>(),
        "hide_tools": [],
        "mirror_unreachable": false,
        "fail_recipe": plan.failing_recipe.unwrap_or(""),
        "one_kept": plan.one_kept,
        "restart": plan.restart,
        "cinc_preinstalled": cinc.is_none(),
        "cinc_package": cinc.as_ref().map(|(_, key, file)| json!({ "key": key, "file": file })),
    });
    match plan.fault {
        Fault::None | Fault::SecretMissing | Fault::CincShaMismatch => {}
        Fault::PointerMissing => {
            case["bundle_parameter"] = json!(format!("/stackc/{stack_name}/elsewhere"))
        }
        Fault::BundleMissing => case["upload_bundle"] = json!(false),
        Fault::BundleForbidden => {
            let other = format!("stackc-artifacts-{region}-other");
            case["forbidden_bucket"] = json!(other);
            case["pointer"]["bucket"] = json!(other);
        }
        Fault::ShaMismatch => {
            case["pointer"]["sha256"] =
                json!("5e1f00d4e53b0d3f6d3a4f1c0b7e9a2d8c6b4a29f7e5d3c1b0a9f8e7d6c5b4a3")
        }
        Fault::SetupRecipeFails => {
            let last = setup["run_list"].as_array().unwrap().last().unwrap();
            let recipe = last.as_str().unwrap();
            case["fail_recipe"] = json!(recipe.trim_start_matches("recipe[").trim_end_matches(']'));
        }
        Fault::MirrorUnreachable => {
            case["hide_tools"] = json!(["jq"]);
            case["mirror_unreachable"] = json!(true);
        }
    }
    std::fs::write(
        dir.join("case.json"),
        serde_json::to_string_pretty(&case).unwrap(),
    )
    .unwrap();
    Prepared {
        stack_name,
        log_group: layer_log_group,
        topic_arn,
        sha256,
        cinc: cinc.map(|(sha, key, _)| (sha, key)),
        client,
        secrets: values,
    }
}

/// Builds a package laid out as the client's is (`cinc`: the client under
/// /opt/cinc, cinc-solo linked from /usr/bin; `chef`: under /opt/chef,
/// chef-client linked from /usr/bin) whose command is the box's recording
/// one; returns the .deb.
fn cinc_deb(dir: &Path, client: &str, version: &str) -> PathBuf {
    let name = format!("{client}-{version}");
    let binary = if client == "chef" {
        "chef-client"
    } else {
        "cinc-solo"
    };
    let root = dir.join(format!("{name}-deb"));
    std::fs::create_dir_all(root.join("DEBIAN")).unwrap();
    std::fs::create_dir_all(root.join(format!("opt/{client}/bin"))).unwrap();
    std::fs::create_dir_all(root.join("usr/bin")).unwrap();
    std::fs::write(
        root.join("DEBIAN/control"),
        format!(
            "Package: {client}\nVersion: {version}\nArchitecture: all\n\
             Maintainer: stackc tests <tests@stackc.invalid>\n\
             Description: {client} client (the instance-in-a-box recorder)\n"
        ),
    )
    .unwrap();
    let solo = root.join(format!("opt/{client}/bin/{binary}"));
    std::fs::copy(repo().join("compiler/cli/tests/box/cinc-solo"), &solo).unwrap();
    std::fs::set_permissions(&solo, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink(
        format!("/opt/{client}/bin/{binary}"),
        root.join(format!("usr/bin/{binary}")),
    )
    .unwrap();
    let deb = dir.join(format!("{name}.deb"));
    let o = Command::new("dpkg-deb")
        .args(["--build", "--root-owner-group"])
        .arg(&root)
        .arg(&deb)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    deb
}
