//! What the boxes assert: the checks every box makes, a boot that works
//! and a boot that fails and is reported.

use serde_json::{json, Value};
use std::path::Path;

use crate::harness::{dpkg_installed, mode, Outcome, REPORT_SECONDS};

/// The checks every box makes: the AWS CLI found its credentials through
/// IMDSv2 only, and no secret value is anywhere but the secrets files.
pub fn common_checks(o: &Outcome) {
    assert!(
        o.imds
            .iter()
            .any(|r| r["method"] == "PUT" && r["status"] == 200),
        "no IMDSv2 token was asked for"
    );
    let tokenless: Vec<&Value> = o
        .imds
        .iter()
        .filter(|r| r["method"] == "GET" && r["token"] != true)
        .collect();
    assert!(
        tokenless.is_empty(),
        "metadata read without a token: {tokenless:?}"
    );
    assert!(
        o.imds.iter().any(|r| r["path"]
            .as_str()
            .unwrap()
            .starts_with("/latest/meta-data/iam/security-credentials/")),
        "the AWS CLI did not take the role's credentials from IMDS"
    );
    for (path, text) in o.all_text_but_secrets() {
        for secret in &o.secrets {
            assert!(
                !text.contains(secret.as_str()),
                "a secret value is in {}",
                path.display()
            );
        }
    }
}

/// The happy path of a boot, then Run Commands: bundle fetched and
/// verified, setup then deploy with the bundle's run lists, secrets
/// private, lifecycle action completed, CloudFormation signalled, runs
/// tagged, no notification.
pub fn assert_boots(o: &Outcome, layer: &str, app: Option<&str>) {
    let r = o.report();
    assert_eq!(o.user_data_rc, 0, "{r}");
    common_checks(o);

    // The bundle: fetched once, verified, unpacked under its sha256.
    let pointer = o.calls("ssm", "GetParameter");
    assert!(!pointer.is_empty(), "{r}");
    assert!(pointer
        .iter()
        .all(|c| c["params"]["Name"] == format!("/stackc/{}/bundle", o.stack_name)));
    let downloads = o.bundle_downloads();
    assert_eq!(downloads.len(), 1, "one download of the bundle\n{r}");
    assert_eq!(downloads[0]["status"], 200);
    assert_eq!(
        std::fs::read_to_string(o.upper("/var/lib/stackc/bundle.sha256"))
            .unwrap()
            .trim(),
        o.sha256
    );
    assert_eq!(
        std::fs::read_link(o.upper("/var/lib/stackc/current")).unwrap(),
        Path::new("/var/lib/stackc/bundles").join(&o.sha256)
    );
    assert_eq!(mode(&o.upper("/usr/local/bin/stackc-run")), 0o755);

    // The Chef client: on a box without it, the pinned package fetched once
    // from the artifact bucket and installed by dpkg (the Chef runs below
    // are that package's command, the only one in the box).
    let (title, binary, command) = match o.client.as_str() {
        "chef" => (
            "Chef Infra Client 12.22.5",
            "chef-client",
            "chef-client --local-mode --no-fork",
        ),
        _ => ("Cinc 18.6.2", "cinc-solo", "cinc-solo --no-fork"),
    };
    let packages: Vec<&Value> = o
        .calls
        .iter()
        .filter(|c| {
            c["service"] == "s3"
                && c["method"] == "GET"
                && [".deb", ".rpm"]
                    .iter()
                    .any(|x| c["path"].as_str().unwrap().ends_with(x))
        })
        .collect();
    match &o.cinc {
        Some((sha, key)) => {
            assert_eq!(
                packages.len(),
                1,
                "one download of the {title} package\n{r}"
            );
            assert!(
                packages[0]["path"]
                    .as_str()
                    .unwrap()
                    .ends_with(key.as_str()),
                "{r}"
            );
            assert_eq!(packages[0]["status"], 200, "{r}");
            assert!(key.ends_with(&format!("/{sha}.deb")), "{key}");
            assert!(
                o.user_data_out
                    .contains(&format!("stackc: installing {title} from s3://"))
                    && o.user_data_out.contains(key.as_str()),
                "{r}"
            );
            let client = o.client.as_str();
            assert!(
                dpkg_installed(o, client),
                "dpkg did not install {client}\n{r}"
            );
            let installed = format!("/opt/{client}/bin/{binary}");
            assert_eq!(mode(&o.upper(&installed)), 0o755);
            assert_eq!(
                std::fs::read_link(o.upper(&format!("/usr/bin/{binary}"))).unwrap(),
                Path::new(&installed)
            );
        }
        None => assert!(packages.is_empty(), "Cinc is in the image\n{r}"),
    }
    // Every run is the layer's client, in local mode.
    for argv in o.chef_commands() {
        assert!(argv.starts_with(&format!("{command} -c ")), "{argv}\n{r}");
    }

    // Chef: setup, then deploy, with the bundle's run lists.
    let runs = o.cinc_runs();
    assert!(runs.len() >= 2, "{r}");
    for (i, event) in ["setup", "deploy"].iter().enumerate() {
        assert_eq!(runs[i].0["opsworks"]["activity"], *event, "{r}");
        assert_eq!(runs[i].1, o.bundle_run_list(layer, event), "{event}");
        assert_eq!(
            runs[i].0["opsworks"]["instance"]["aws_instance_id"],
            o.instance_id
        );
    }

    // Secrets: 0600 files in a 0700 directory, with the values.
    if let Some(app) = app {
        let secrets_dir = o.upper("/etc/stackc/secrets");
        assert_eq!(mode(&secrets_dir), 0o700);
        let file = secrets_dir.join(format!("{app}.json"));
        assert_eq!(mode(&file), 0o600);
        let values = std::fs::read_to_string(&file).unwrap();
        for secret in &o.secrets {
            assert!(values.contains(secret.as_str()), "{values}");
        }
        // Chef got them as OpsWorks gave them: in the app's environment
        // variables; the run directory that held them is gone.
        let env = runs[1].0["deploy"][app]["environment_variables"].to_string();
        for secret in &o.secrets {
            assert!(env.contains(secret.as_str()), "{env}");
        }
        let left = std::fs::read_dir(o.upper("/var/lib/stackc/runs"))
            .map(|d| d.count())
            .unwrap_or(0);
        assert_eq!(left, 0, "run directories are removed\n{r}");
    }

    // The Chef 12 data bags: this instance is the one `self` item.
    let bags = o.upper("/var/lib/box-cinc/001.data_bags/aws_opsworks_instance");
    let selves: Vec<Value> = std::fs::read_dir(&bags)
        .unwrap_or_else(|e| panic!("{}: {e}\n{r}", bags.display()))
        .map(|e| serde_json::from_slice(&std::fs::read(e.unwrap().path()).unwrap()).unwrap())
        .filter(|i: &Value| i["self"] == true)
        .collect();
    assert_eq!(selves.len(), 1, "{r}");
    assert_eq!(selves[0]["ec2_instance_id"], o.instance_id, "{r}");

    // Auto Scaling and CloudFormation are told, once each, that setup worked.
    let hook = o.calls("autoscaling", "CompleteLifecycleAction");
    assert_eq!(hook.len(), 1, "{r}");
    assert_eq!(hook[0]["params"]["LifecycleActionResult"], "CONTINUE");
    assert_eq!(hook[0]["params"]["InstanceId"], o.instance_id);
    assert_eq!(hook[0]["status"], 200, "{r}");
    let signal = o.calls("cloudformation", "SignalResource");
    assert_eq!(signal.len(), 1, "{r}");
    assert_eq!(signal[0]["params"]["Status"], "SUCCESS");
    assert_eq!(signal[0]["status"], 200, "{r}");
    let boot_end = o.start + o.user_data_seconds;
    assert!(
        o.calls("sns", "Publish")
            .iter()
            .all(|c| c["t"].as_f64().unwrap() > boot_end),
        "a boot that worked notifies nothing\n{r}"
    );

    // Each run is recorded on the instance's tag.
    let tagged: Vec<String> = o
        .calls("ec2", "CreateTags")
        .iter()
        .map(|c| {
            c["params"]["Tag.1.Value"]
                .as_str()
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert!(
        tagged.iter().any(|t| t.starts_with("setup succeeded ")),
        "{tagged:?}"
    );
    assert!(
        tagged.iter().any(|t| t.starts_with("deploy succeeded ")),
        "{tagged:?}"
    );
    assert!(o.state["tags"]["stackc:last-run"].is_string());
}

/// A failed boot: reported within seconds to Auto Scaling, CloudFormation
/// (FAILURE), the instance's tag (`setup failed`) and the stack's topic
/// (which instance, layer, event, and which logs to read), each once; the
/// script ends instead of waiting out the hook. Bounded: the first failed
/// instance of a group is kept in Standby for inspection (the lifecycle
/// action continues, then the instance leaves service, protected from
/// scale-in); a failure while one is kept suspends the group's launches
/// and abandons the launch.
pub fn assert_fails_and_reports(o: &Outcome, layer: &str, why: &str) {
    let r = o.report();
    assert_ne!(o.user_data_rc, 0, "{r}");
    assert_ne!(o.user_data_rc, 124, "the user data hung\n{r}");
    common_checks(o);
    let reported = |c: &Value| c["t"].as_f64().unwrap() - o.start;

    let hook = o.calls("autoscaling", "CompleteLifecycleAction");
    assert_eq!(hook.len(), 1, "{r}");
    assert_eq!(hook[0]["status"], 200, "{r}");
    let standby = o.calls("autoscaling", "EnterStandby");
    let suspended = o.calls("autoscaling", "SuspendProcesses");
    let outcome = match &o.kept_before {
        None => {
            assert_eq!(
                hook[0]["params"]["LifecycleActionResult"], "CONTINUE",
                "{r}"
            );
            let protect = o.calls("autoscaling", "SetInstanceProtection");
            assert_eq!(protect.len(), 1, "{r}");
            assert_eq!(protect[0]["params"]["ProtectedFromScaleIn"], "true");
            assert_eq!(standby.len(), 1, "{r}");
            assert_eq!(standby[0]["params"]["InstanceIds.member.1"], o.instance_id);
            assert_eq!(
                standby[0]["params"]["ShouldDecrementDesiredCapacity"],
                "false"
            );
            assert_eq!(standby[0]["status"], 200, "{r}");
            assert!(suspended.is_empty(), "{r}");
            assert_eq!(o.state["lifecycle_state"], "Standby", "{r}");
            assert_eq!(o.state["protected_from_scale_in"], true, "{r}");
            assert_eq!(o.state["suspended_processes"], json!([]));
            "is kept for inspection"
        }
        Some(kept) => {
            assert_eq!(hook[0]["params"]["LifecycleActionResult"], "ABANDON", "{r}");
            assert!(standby.is_empty(), "{r}");
            assert_eq!(suspended.len(), 1, "{r}");
            assert_eq!(
                suspended[0]["params"]["ScalingProcesses.member.1"],
                "Launch"
            );
            assert_eq!(suspended[0]["status"], 200, "{r}");
            assert_eq!(o.state["suspended_processes"], json!(["Launch"]), "{r}");
            assert!(
                o.state["notifications"][0]["message"]
                    .as_str()
                    .unwrap_or("")
                    .contains(&format!("Instance {kept} is already kept")),
                "{r}"
            );
            "Launch process is suspended"
        }
    };
    assert!(
        reported(hook[0]) < REPORT_SECONDS,
        "reported after {:.0} s",
        reported(hook[0])
    );
    let signal = o.calls("cloudformation", "SignalResource");
    assert_eq!(signal.len(), 1, "{r}");
    assert_eq!(signal[0]["params"]["Status"], "FAILURE");
    assert_eq!(signal[0]["status"], 200, "{r}");
    assert!(
        o.state["tags"]["stackc:last-run"]
            .as_str()
            .unwrap_or("")
            .starts_with("setup failed "),
        "{}\n{r}",
        o.state["tags"]
    );

    let published = o.calls("sns", "Publish");
    assert_eq!(published.len(), 1, "one notification\n{r}");
    assert_eq!(published[0]["params"]["TopicArn"], o.topic_arn);
    assert_eq!(published[0]["status"], 200, "{r}");
    let notes = o.state["notifications"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{r}");
    let message = notes[0]["message"].as_str().unwrap();
    let subject = notes[0]["subject"].as_str().unwrap();
    for needle in [
        o.instance_id.as_str(),
        "setup",
        layer,
        "/var/log/stackc/",
        o.log_group.as_str(),
    ] {
        assert!(
            message.contains(needle),
            "the notification lacks {needle}:\n{message}"
        );
    }
    assert!(
        subject.contains(&o.instance_id) && subject.contains("setup failed"),
        "{subject}"
    );
    assert!(
        message.contains(why),
        "the notification does not say {why:?}:\n{message}"
    );
    assert!(
        message.replace('\n', " ").contains(outcome),
        "the notification does not say {outcome:?}:\n{message}"
    );
    assert!(
        o.user_data_seconds < REPORT_SECONDS,
        "the user data ran {:.0} s",
        o.user_data_seconds
    );
}
