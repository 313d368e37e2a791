//! Unit tests of the recipe loop: saves to recipes, the debounce, and a
//! turn against canned AWS answers.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::*;
use crate::cloud::{
    ChangeSet, ChangeSetRequest, ChangeSetSummary, CreatedChangeSet, StackEvent, StackInfo,
};
use crate::fleet::{Instance, LogEvent, TargetHealth};

fn change(path: &str) -> Option<Change> {
    classify(
        Path::new("/p/cookbooks"),
        Path::new("/p/stack.kdl"),
        Path::new(path),
    )
}

fn recipe(cb: &str, r: &str) -> Change {
    Change::Recipe {
        cookbook: cb.into(),
        recipe: r.into(),
    }
}

#[test]
fn a_path_is_a_recipe_another_cookbook_file_or_the_stack_file() {
    assert_eq!(
        change("/p/cookbooks/shop/recipes/worker.rb"),
        Some(recipe("shop", "worker"))
    );
    for other in [
        "/p/cookbooks/shop/templates/default/app.conf.erb",
        "/p/cookbooks/shop/attributes/default.rb",
        "/p/cookbooks/shop/libraries/helpers.rb",
        "/p/cookbooks/shop/metadata.rb",
        "/p/cookbooks/shop/recipes/README.md",
        "/p/cookbooks/shop/recipes/nested/x.rb",
    ] {
        assert_eq!(
            change(other),
            Some(Change::Cookbook("shop".into())),
            "{other}"
        );
    }
    assert_eq!(change("/p/stack.kdl"), Some(Change::StackFile));
    // Not the loop's: other files beside the stack file, the cookbooks
    // directory's own files, hidden entries, editors' temporary files.
    for ignored in [
        "/p/stack.lock",
        "/p/out/goldcar-production/manifest.json",
        "/p/cookbooks/README.md",
        "/p/cookbooks",
        "/p/cookbooks/.git/index",
        "/p/cookbooks/shop/recipes/.worker.rb.swp",
        "/p/cookbooks/shop/recipes/worker.rb.swp",
        "/p/cookbooks/shop/recipes/worker.rb~",
        "/p/cookbooks/shop/recipes/#worker.rb#",
        "/p/cookbooks/shop/recipes/.#worker.rb",
        "/p/cookbooks/shop/recipes/4913",
        "/p/cookbooks/shop/recipes/worker.rb___jb_tmp___",
        "/p/cookbooks/.shop/recipes/worker.rb",
    ] {
        assert_eq!(change(ignored), None, "{ignored}");
    }
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn known<'a>(last: &'a [String], layer: &'a [String]) -> Known<'a> {
    Known {
        given: None,
        last,
        layer,
    }
}

#[test]
fn saved_recipes_run_in_the_order_saved_each_once() {
    let changes = [
        recipe("shop", "worker"),
        recipe("shop", "cron"),
        recipe("shop", "worker"),
    ];
    let c = choose(&changes, known(&[], &[]), |_, _| true);
    assert_eq!(c.recipes, ["shop::worker", "shop::cron"]);
    assert_eq!(c.why, "the recipes saved");
}

#[test]
fn a_removed_recipe_is_not_run() {
    let changes = [recipe("shop", "old"), recipe("shop", "worker")];
    let c = choose(&changes, known(&[], &[]), |_, r| r != "old");
    assert_eq!(c.recipes, ["shop::worker"]);
    assert!(c.why.contains("shop::old removed, not run"), "{}", c.why);
}

#[test]
fn a_template_reruns_the_last_run_when_it_ran_that_cookbook() {
    let last = names(&["shop::worker", "base::users"]);
    let layer = names(&["shop::default", "shop::worker"]);
    let changes = [Change::Cookbook("shop".into())];
    let c = choose(&changes, known(&last, &layer), |_, _| true);
    assert_eq!(c.recipes, last);
    assert_eq!(c.why, "shop changed: the last run's recipes");
    // The last run ran none of it: the layer's recipes of that cookbook.
    let c = choose(&changes, known(&names(&["base::users"]), &layer), |_, _| {
        true
    });
    assert_eq!(c.recipes, ["shop::default", "shop::worker"]);
    assert_eq!(c.why, "shop changed: the layer's recipes of it");
    // Nor does the layer: nothing runs, and the help says how to.
    let c = choose(&changes, known(&[], &names(&["base::users"])), |_, _| true);
    assert!(c.recipes.is_empty());
    assert!(c.why.contains("--recipes"), "{}", c.why);
}

#[test]
fn a_recipe_and_a_template_together_run_both_once() {
    let layer = names(&["shop::default", "shop::worker"]);
    let changes = [Change::Cookbook("shop".into()), recipe("shop", "worker")];
    let c = choose(&changes, known(&[], &layer), |_, _| true);
    assert_eq!(c.recipes, ["shop::worker", "shop::default"]);
}

#[test]
fn the_stack_file_reruns_the_last_run_or_publishes_only() {
    let changes = [Change::StackFile];
    let c = choose(&changes, known(&[], &names(&["shop::default"])), |_, _| {
        true
    });
    assert!(c.recipes.is_empty());
    assert_eq!(c.why, "the stack file changed; no recipe ran yet");
    let last = names(&["shop::worker"]);
    let c = choose(&changes, known(&last, &[]), |_, _| true);
    assert_eq!(c.recipes, last);
}

#[test]
fn given_recipes_always_run() {
    let given = names(&["shop::smoke"]);
    let c = choose(
        &[recipe("shop", "worker"), Change::StackFile],
        Known {
            given: Some(&given),
            last: &[],
            layer: &[],
        },
        |_, _| true,
    );
    assert_eq!(c.recipes, given);
    assert_eq!(c.why, "--recipes");
}

#[test]
fn a_burst_is_one_batch_once_quiet() {
    let t0 = Instant::now();
    let ms = Duration::from_millis;
    let mut d = Debounce::new(ms(200), ms(2000));
    assert_eq!(d.due(), None);
    assert_eq!(d.take(t0), None);
    // An editor's save: write, rename, chmod, within a few milliseconds.
    d.push(PathBuf::from("a.rb"), t0);
    d.push(PathBuf::from("b.rb"), t0 + ms(5));
    d.push(PathBuf::from("a.rb"), t0 + ms(10));
    assert_eq!(d.due(), Some(t0 + ms(210)));
    assert_eq!(d.take(t0 + ms(209)), None, "not quiet yet");
    let batch = d.take(t0 + ms(210)).unwrap();
    assert_eq!(batch.paths, [PathBuf::from("a.rb"), PathBuf::from("b.rb")]);
    assert_eq!(
        batch.saved_at, t0,
        "the time of the save is the first event"
    );
    assert_eq!(d.due(), None, "a new burst starts empty");
    // The next save is a batch of its own.
    d.push(PathBuf::from("c.rb"), t0 + ms(500));
    let batch = d.take(t0 + ms(700)).unwrap();
    assert_eq!(batch.paths, [PathBuf::from("c.rb")]);
    assert_eq!(batch.saved_at, t0 + ms(500));
}

#[test]
fn a_burst_that_never_pauses_is_cut_at_the_longest_wait() {
    let t0 = Instant::now();
    let ms = Duration::from_millis;
    let mut d = Debounce::new(ms(200), ms(1000));
    for i in 0..20 {
        d.push(PathBuf::from("gen.rb"), t0 + ms(i * 100));
    }
    assert_eq!(d.due(), Some(t0 + ms(1000)));
    assert!(d.take(t0 + ms(1000)).is_some());
}

/// A command sent: its instances and parameters.
type Sent = (Vec<String>, Vec<(String, String)>);

/// A stack, its artifact bucket and one layer's instances, answered as
/// AWS would; every call that changes something is recorded.
#[derive(Default)]
struct Fake {
    instances: Vec<Instance>,
    pointer: RefCell<Option<String>>,
    objects: RefCell<Vec<String>>,
    sent: RefCell<Vec<Sent>>,
    /// Successive statuses of every command (the last repeats).
    statuses: Vec<&'static str>,
    polls: RefCell<usize>,
    /// Log lines the agent ships, visible once this many polls are done.
    lines: Vec<(usize, LogEvent)>,
    output: String,
}

fn unused<T>() -> Result<T, CloudError> {
    Err(CloudError::Other("not part of this flow".into()))
}

impl Cloud for Fake {
    async fn describe_stack(&self, name: &str) -> Result<Option<StackInfo>, CloudError> {
        Ok(Some(StackInfo {
            id: format!("arn:aws:cloudformation:eu-west-1:123456789012:stack/{name}/1"),
            status: "UPDATE_COMPLETE".into(),
            reason: None,
            outputs: Vec::new(),
            parameters: Vec::new(),
        }))
    }
    async fn physical_id(&self, _: &str, _: &str) -> Result<Option<String>, CloudError> {
        unused()
    }
    async fn object_exists(&self, _: &str, key: &str) -> Result<bool, CloudError> {
        Ok(self.objects.borrow().iter().any(|k| k == key))
    }
    async fn put_object(&self, _: &str, key: &str, _: Vec<u8>) -> Result<(), CloudError> {
        self.objects.borrow_mut().push(key.into());
        Ok(())
    }
    fn template_url(&self, _: &str, _: &str) -> String {
        String::new()
    }
    async fn put_object_if_absent(&self, _: &str, _: &str, _: Vec<u8>) -> Result<bool, CloudError> {
        unused()
    }
    async fn get_object(&self, _: &str, _: &str) -> Result<Option<(Vec<u8>, String)>, CloudError> {
        unused()
    }
    async fn delete_object(&self, _: &str, _: &str, _: Option<&str>) -> Result<(), CloudError> {
        unused()
    }
    async fn create_change_set(
        &self,
        _: &ChangeSetRequest,
    ) -> Result<CreatedChangeSet, CloudError> {
        unused()
    }
    async fn list_change_sets(&self, _: &str) -> Result<Vec<ChangeSetSummary>, CloudError> {
        unused()
    }
    async fn describe_change_set(&self, _: &str, _: &str) -> Result<ChangeSet, CloudError> {
        unused()
    }
    async fn delete_change_set(&self, _: &str, _: &str) -> Result<(), CloudError> {
        unused()
    }
    async fn execute_change_set(&self, _: &str, _: &str) -> Result<(), CloudError> {
        unused()
    }
    async fn stack_events(&self, _: &str) -> Result<Vec<StackEvent>, CloudError> {
        unused()
    }
    async fn delete_stack(&self, _: &str) -> Result<(), CloudError> {
        unused()
    }
    async fn public_parameter(&self, _: &str) -> Result<Option<String>, CloudError> {
        unused()
    }
    async fn group_size(&self, _: &str) -> Result<usize, CloudError> {
        unused()
    }
    async fn resume_launches(&self, _: &[String]) -> Result<Vec<String>, CloudError> {
        unused()
    }
    async fn run_event(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<Option<String>, CloudError> {
        unused()
    }
}

impl Fleet for Fake {
    async fn deployed(&self, _: &str) -> Result<Option<(StackInfo, String)>, CloudError> {
        unused()
    }
    async fn launches_suspended(&self, _: &[String]) -> Result<Vec<String>, CloudError> {
        unused()
    }
    async fn instances(&self, groups: &[String]) -> Result<Vec<Instance>, CloudError> {
        Ok(self
            .instances
            .iter()
            .filter(|i| groups.contains(&i.group))
            .cloned()
            .collect())
    }
    async fn target_health(
        &self,
        _: &[String],
        _: &[String],
    ) -> Result<Vec<TargetHealth>, CloudError> {
        unused()
    }
    async fn send(
        &self,
        _: &str,
        instances: &[String],
        parameters: &[(String, String)],
    ) -> Result<String, CloudError> {
        let mut sent = self.sent.borrow_mut();
        sent.push((instances.to_vec(), parameters.to_vec()));
        Ok(format!("command-{}", sent.len()))
    }
    async fn invocation(&self, _: &str, instance: &str) -> Result<Invocation, CloudError> {
        let mut polls = self.polls.borrow_mut();
        let status = self.statuses[(*polls).min(self.statuses.len() - 1)];
        *polls += 1;
        Ok(Invocation {
            instance: instance.into(),
            status: status.into(),
            output: if status == "InProgress" {
                String::new()
            } else {
                self.output.clone()
            },
        })
    }
    async fn bundle_pointer(&self, _: &str) -> Result<Option<String>, CloudError> {
        Ok(self.pointer.borrow().clone())
    }
    async fn set_bundle_pointer(&self, _: &str, value: &str) -> Result<(), CloudError> {
        *self.pointer.borrow_mut() = Some(value.into());
        Ok(())
    }
    async fn log_groups(&self, _: &str) -> Result<Vec<String>, CloudError> {
        unused()
    }
    async fn logs(&self, groups: &[String], since_ms: i64) -> Result<Vec<LogEvent>, CloudError> {
        let polls = *self.polls.borrow();
        Ok(self
            .lines
            .iter()
            .filter(|(after, e)| *after <= polls && groups.contains(&e.group) && e.time >= since_ms)
            .map(|(_, e)| e.clone())
            .collect())
    }
}

const WEB: &str = "shop-production-web";

fn online(id: &str) -> Instance {
    Instance {
        id: id.into(),
        group: WEB.into(),
        lifecycle: "InService".into(),
        zone: "eu-west-1a".into(),
        private_ip: None,
        last_run: None,
        image: None,
    }
}

fn booting(id: &str) -> Instance {
    Instance {
        lifecycle: "Pending:Wait".into(),
        ..online(id)
    }
}

/// A build whose bundle holds `bundle`.
fn artifacts(bundle: &[u8]) -> Artifacts {
    use stackc_core::emit::manifest::{sha256_hex, Entry, Manifest};
    let dir = std::env::temp_dir().join(format!(
        "stackc-watch-{}-{}",
        std::process::id(),
        sha256_hex(bundle)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("cookbooks.tar.gz"), bundle).unwrap();
    Artifacts {
        dir,
        manifest: Manifest {
            version: 1,
            stack: "shop".into(),
            env: "production".into(),
            stack_name: "shop-production".into(),
            region: "eu-west-1".into(),
            template: "template.json".into(),
            bundle: "cookbooks.tar.gz".into(),
            layers: vec!["web".into()],
            images: Vec::new(),
            cinc: Vec::new(),
            files: vec![Entry {
                path: "cookbooks.tar.gz".into(),
                bytes: bundle.len() as u64,
                sha256: sha256_hex(bundle),
            }],
        },
        images: Vec::new(),
        cinc: Vec::new(),
        manifest_sha256: String::new(),
    }
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(f)
}

struct Said {
    result: Result<Ran, WatchError>,
    said: String,
    shown: String,
}

fn run_turn(fake: &Fake, artifacts: &Artifacts, recipes: &[String], wanted: Option<&str>) -> Said {
    let groups = vec![WEB.to_string()];
    let log_groups = vec!["/stackc/shop-production/web/1".to_string()];
    let t = Turn {
        artifacts,
        bucket: "bucket",
        document: "shop-production-run",
        layer: "web",
        groups: &groups,
        wanted,
        previous: None,
        recipes,
        log_groups: &log_groups,
        since_ms: 1_000,
        poll: Duration::from_millis(1),
    };
    let (mut said, mut shown) = (Vec::new(), Vec::new());
    let result = block_on(turn(fake, &mut said, &mut shown, &t));
    Said {
        result,
        said: String::from_utf8(said).unwrap(),
        shown: String::from_utf8(shown).unwrap(),
    }
}

fn line(stream: &str, time: i64, message: &str) -> LogEvent {
    LogEvent {
        group: "/stackc/shop-production/web/1".into(),
        stream: stream.into(),
        time,
        message: message.into(),
    }
}

#[test]
fn a_turn_publishes_once_and_runs_on_one_instance_streaming_its_log() {
    let fake = Fake {
        instances: vec![booting("i-0"), online("i-2"), online("i-1")],
        statuses: vec!["InProgress", "InProgress", "Success"],
        lines: vec![
            (1, line("i-1/stackc-run", 2_000, "Recipe: shop::worker")),
            (1, line("i-2/stackc-run", 2_000, "another instance's run")),
            (1, line("i-1/stackc-run", 10, "an earlier run")),
            (
                2,
                line(
                    "i-1/stackc-run",
                    3_000,
                    "  * service[worker] action restart",
                ),
            ),
        ],
        output: "the command's own output".into(),
        ..Fake::default()
    };
    let built = artifacts(b"bundle one");
    let recipes = names(&["shop::worker"]);
    let s = run_turn(&fake, &built, &recipes, None);
    let ran = s.result.unwrap();
    assert!(ran.published, "{}", s.said);
    let (picked, command, invocation) = ran.run.unwrap();
    assert_eq!(
        picked.id, "i-1",
        "the first online instance, not the booting one"
    );
    assert_eq!(picked.why, "the first online instance");
    assert_eq!(command, "command-1");
    assert_eq!(invocation.status, "Success");
    let sent = fake.sent.borrow();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, ["i-1"]);
    assert_eq!(
        sent[0].1,
        [
            ("event".to_string(), "execute_recipes".to_string()),
            ("recipes".to_string(), "shop::worker".to_string())
        ]
    );
    drop(sent);
    assert_eq!(fake.objects.borrow().len(), 1);
    let sha = &built.manifest.files[0].sha256;
    assert!(
        fake.pointer
            .borrow()
            .as_ref()
            .unwrap()
            .contains(sha.as_str()),
        "the bundle parameter points at the new bundle"
    );
    assert_eq!(
        s.shown, "Recipe: shop::worker\n  * service[worker] action restart\n",
        "this run's lines, once each, as they came; not the command's output"
    );
    assert!(
        s.said
            .contains("running shop::worker on i-1 (the first online instance)"),
        "{}",
        s.said
    );
    assert!(
        s.said.contains("command command-1 sent to i-1"),
        "{}",
        s.said
    );

    // The same bundle again: nothing published, the run goes out alone.
    let s = run_turn(&fake, &built, &recipes, Some("i-2"));
    let ran = s.result.unwrap();
    assert!(!ran.published);
    assert!(s.said.contains("nothing to publish"), "{}", s.said);
    assert_eq!(ran.run.unwrap().0.why, "--instance");
    assert_eq!(fake.objects.borrow().len(), 1);
    assert_eq!(fake.sent.borrow()[1].0, ["i-2"]);
}

#[test]
fn without_log_lines_the_commands_output_is_shown() {
    let fake = Fake {
        instances: vec![online("i-1")],
        statuses: vec!["Failed"],
        output: "Chef failed\nline two".into(),
        ..Fake::default()
    };
    let s = run_turn(&fake, &artifacts(b"b"), &names(&["shop::worker"]), None);
    let (_, _, invocation) = s.result.unwrap().run.unwrap();
    assert_eq!(invocation.status, "Failed");
    assert_eq!(s.shown, "Chef failed\nline two\n");
}

#[test]
fn no_recipe_publishes_only() {
    let fake = Fake::default();
    let s = run_turn(&fake, &artifacts(b"c"), &[], None);
    let ran = s.result.unwrap();
    assert!(ran.published);
    assert!(ran.run.is_none());
    assert!(fake.sent.borrow().is_empty());
}

#[test]
fn without_an_instance_nothing_changes() {
    let fake = Fake {
        instances: vec![booting("i-0")],
        ..Fake::default()
    };
    let s = run_turn(&fake, &artifacts(b"d"), &names(&["shop::worker"]), None);
    let e = s.result.unwrap_err();
    assert!(matches!(e, WatchError::NoInstance { .. }), "{e}");
    assert!(
        !e.is_fatal(),
        "an instance may come online: the loop goes on"
    );
    assert!(fake.pointer.borrow().is_none(), "nothing published");
    assert!(fake.objects.borrow().is_empty());
    let fake = Fake {
        instances: vec![online("i-1")],
        ..Fake::default()
    };
    let s = run_turn(
        &fake,
        &artifacts(b"d"),
        &names(&["shop::worker"]),
        Some("i-9"),
    );
    let e = s.result.unwrap_err();
    assert_eq!(
        e.to_string(),
        "i-9 is not an online instance of layer web (online: i-1)\nhelp: pass one of those to --instance, or leave --instance out"
    );
    assert!(fake.sent.borrow().is_empty());
}

#[test]
fn the_loop_keeps_its_instance_while_it_is_online() {
    let fake = Fake {
        instances: vec![online("i-1"), online("i-2")],
        ..Fake::default()
    };
    let groups = vec![WEB.to_string()];
    let p = block_on(pick_instance(&fake, "web", &groups, None, Some("i-2"))).unwrap();
    assert_eq!(
        (p.id.as_str(), p.why),
        ("i-2", "the instance this watch runs on")
    );
    let p = block_on(pick_instance(&fake, "web", &groups, None, Some("i-9"))).unwrap();
    assert_eq!(p.id, "i-1");
}

#[test]
fn credentials_and_access_stop_the_loop() {
    let fatal = WatchError::from(CloudError::AccessDenied("SSM SendCommand".into()));
    assert!(fatal.is_fatal());
    let passing = WatchError::from(CloudError::Throttled("SSM".into()));
    assert!(!passing.is_fatal());
}
