//! The images planner: pull policies, flags, shared builds, and the `build` and `pull` plans.

use std::collections::BTreeSet;

use super::*;
use crate::reconcile::plan::{plan_up, UpOptions};
use crate::reconcile::testing::{project, steps};

/// An engine holding exactly these images.
fn having(images: &[&str]) -> Observed {
    Observed { images: images.iter().map(|i| (i.to_string(), Some(format!("sha256:{i}")))).collect(), ..Default::default() }
}

fn images(yaml: &str, observed: &Observed, opts: ImageOptions) -> Result<Plan, PlanError> {
    plan_images(&project(yaml), observed, &BTreeSet::new(), &opts)
}

fn decisions(plan: &Plan) -> Vec<String> {
    plan.decisions.iter().map(ToString::to_string).collect()
}

const PULLED: &str = "services:\n  a:\n    image: img\n";
const BUILT: &str = "services:\n  a:\n    build: .\n";

#[test]
fn pull_policies_of_a_service_with_an_image() {
    let plan = |policy: &str, present: &[&str]| {
        let yaml = format!("{PULLED}    pull_policy: {policy}\n");
        images(&yaml, &having(present), ImageOptions::default()).map(|p| decisions(&p))
    };
    assert_eq!(plan("missing", &[]).unwrap(), ["image img: pull (not found locally)"]);
    assert!(plan("missing", &["img"]).unwrap().is_empty());
    assert!(plan("if_not_present", &["img"]).unwrap().is_empty());
    assert_eq!(plan("always", &["img"]).unwrap(), ["image img: pull (pull_policy: always)"]);
    assert!(plan("never", &["img"]).unwrap().is_empty());
    let e = plan("never", &[]).unwrap_err();
    assert_eq!(e.to_string(), "service a: image img is not present locally and pull_policy never forbids pulling it");
    let e = plan("build", &[]).unwrap_err();
    assert!(e.to_string().contains("pull_policy build asks to build it, but the service has no build section"), "{e}");
}

#[test]
fn the_pull_flag_overrides_the_file() {
    let yaml = format!("{PULLED}    pull_policy: never\n");
    let always = ImageOptions { pull: Some(PullPolicy::Always), ..Default::default() };
    assert_eq!(decisions(&images(&yaml, &having(&["img"]), always).unwrap()), ["image img: pull (--pull always)"]);
    let never = ImageOptions { pull: Some(PullPolicy::Never), ..Default::default() };
    let e = images(PULLED, &having(&[]), never).unwrap_err();
    assert!(e.to_string().ends_with("--pull never forbids pulling it"), "{e}");
}

#[test]
fn built_images_are_built_when_missing_forced_or_by_policy() {
    let built = |yaml: &str, present: &[&str], opts: ImageOptions| images(yaml, &having(present), opts).map(|p| decisions(&p));
    assert_eq!(built(BUILT, &[], ImageOptions::default()).unwrap(), ["image p-a: build (not found locally)"]);
    assert!(built(BUILT, &["p-a"], ImageOptions::default()).unwrap().is_empty());
    let forced = ImageOptions { build: true, ..Default::default() };
    assert_eq!(built(BUILT, &["p-a"], forced).unwrap(), ["image p-a: build (--build)"]);
    let policy = format!("{BUILT}    pull_policy: build\n");
    assert_eq!(built(&policy, &["p-a"], ImageOptions::default()).unwrap(), ["image p-a: build (pull_policy: build)"]);
    let never = format!("{BUILT}    pull_policy: never\n");
    assert_eq!(
        built(&never, &[], ImageOptions::default()).unwrap(),
        ["image p-a: build (not found locally)"],
        "never forbids pulls, not builds"
    );

    let no_build = ImageOptions { no_build: true, ..Default::default() };
    assert!(built(&policy, &["p-a"], no_build.clone()).unwrap().is_empty());
    let e = built(BUILT, &[], no_build).unwrap_err();
    assert_eq!(e.to_string(), "service a: image p-a is not present locally and it must be built, and --no-build was given");
}

#[test]
fn a_named_image_that_can_be_built_is_pulled_first_and_built_if_the_pull_fails() {
    let yaml = "services:\n  a:\n    image: img\n    build: .\n  b:\n    image: img\n";
    let plan = images(yaml, &having(&[]), ImageOptions::default()).unwrap();
    assert_eq!(decisions(&plan), ["image img: pull (not found locally)", "image img: build (not found locally, if the pull fails)"]);
    assert_eq!(
        steps(&plan),
        ["#1 pull image img for services a, b  (failure only warns)", "#2 build image img for services a, b  after #1?"]
    );
}

#[test]
fn identical_builds_run_once_and_containers_wait_for_them() {
    let yaml = "services:\n  a:\n    build: .\n  b:\n    build: .\n  c:\n    build: {context: ., target: t}\n";
    let p = project(yaml);
    let plan = plan_up(&p, &Observed::default(), &UpOptions::default()).unwrap();
    let s = steps(&plan);
    assert_eq!(s[1], "#2 build image p-a (also tagged p-b) for services a, b", "{plan}");
    assert_eq!(s[2], "#3 build image p-c for service c");
    assert!(s.contains(&"#6 create container p-b-1  after #1, #2".to_string()), "{plan}");
    let Op::BuildImage(job) = &plan.steps[1].op else { panic!() };
    assert_eq!(job.options.labels[crate::build::BUILDER_LABEL], "classic");

    let ensured = UpOptions { images: ImageOptions { ensured: true, ..Default::default() }, ..Default::default() };
    let plan = plan_up(&p, &Observed::default(), &ensured).unwrap();
    assert!(!plan.steps.iter().any(|s| matches!(s.op, Op::BuildImage(_) | Op::PullImage { .. })), "{plan}");
}

#[test]
fn a_dry_run_with_build_recreates_the_containers_of_the_rebuilt_image() {
    let yaml = "services:\n  a:\n    build: .\n  b:\n    image: img\n    depends_on: [a]\n  c:\n    image: img\n";
    let p = project(yaml);
    let o = crate::reconcile::testing::converged(&p);
    let up = |images: ImageOptions, recreate| plan_up(&p, &o, &UpOptions { images, recreate, ..Default::default() }).unwrap();
    let build = ImageOptions { build: true, ..Default::default() };
    let plan = up(build.clone(), Default::default());
    assert_eq!(
        decisions(&plan),
        ["image p-a: build (--build)", "a: recreate (image p-a is rebuilt)", "b: recreate (a is recreated)", "c: up to date"],
        "{plan}"
    );
    let create = plan
        .steps
        .iter()
        .position(|s| matches!(&s.op, Op::CreateContainer { spec, .. } if spec.name.as_deref().is_some_and(|n| n.ends_with("_p-a-1"))));
    let Some(Op::CreateContainer { spec, image_label, .. }) = create.map(|i| &plan.steps[i].op) else { panic!("{plan}") };
    assert_eq!(image_label.as_deref(), Some("p-a"), "the image label is the built image's, read after the build");
    assert!(!spec.config.labels.contains_key(crate::reconcile::labels::IMAGE), "not the old image's id");
    assert!(plan.steps[create.unwrap()].after.iter().any(|e| e.step == 0), "the replacement waits for the build: {plan}");

    let plain = up(ImageOptions::default(), Default::default());
    assert_eq!(decisions(&plain), ["a: up to date", "b: up to date", "c: up to date"], "nothing to build, nothing to do");
    let kept = up(build, crate::reconcile::plan::Recreate::Never);
    assert_eq!(decisions(&kept), ["image p-a: build (--build)", "a: up to date", "b: up to date", "c: up to date"]);
}

#[test]
fn build_plans_skip_what_has_no_build_section() {
    let p = project("services:\n  a:\n    build: .\n  b:\n    image: img\n  c:\n    build: {context: ., args: {X: '1'}}\n");
    let overrides = Overrides { no_cache: true, ..Default::default() };
    let plan = plan_build(&p, &BTreeSet::new(), &overrides, false).unwrap();
    assert_eq!(decisions(&plan), ["image p-a: build (service a)", "b: skip (no build section)", "image p-c: build (service c)"]);
    assert_eq!(steps(&plan), ["#1 build image p-a for service a", "#2 build image p-c for service c"]);
    let Op::BuildImage(job) = &plan.steps[0].op else { panic!() };
    assert!(job.options.no_cache);
    let only_b = plan_build(&p, &BTreeSet::from(["b".to_string()]), &overrides, false).unwrap();
    assert!(only_b.steps.is_empty());
}

#[test]
fn build_push_pushes_the_named_images_after_their_build() {
    let yaml = "services:\n  a:\n    build: {context: ., args: {X: '1'}}\n  b:\n    image: reg:5000/b:1\n    build: {context: ., tags: ['reg:5000/b:extra']}\n  c:\n    image: reg:5000/b:1\n    build: .\n  d:\n    image: img\n";
    let p = project(yaml);
    let plan = plan_build(&p, &BTreeSet::new(), &Overrides::default(), true).unwrap();
    assert_eq!(
        steps(&plan),
        [
            "#1 build image p-a for service a",
            "#2 build image reg:5000/b:1 (also tagged reg:5000/b:extra) for service b",
            "#3 push image reg:5000/b:1 for services b, c  after #2",
            "#4 push image reg:5000/b:extra for service b  after #2",
        ]
    );
    assert!(decisions(&plan).contains(&"a: skip push (no image: name to push to)".to_string()), "{plan}");
    let built_only = plan_build(&p, &BTreeSet::new(), &Overrides::default(), false).unwrap();
    assert!(!built_only.steps.iter().any(|s| matches!(s.op, Op::PushImage { .. })), "{built_only}");
}

#[test]
fn pull_plans_follow_docker_compose() {
    let yaml = "services:\n  a:\n    image: img\n  b:\n    image: img\n  c:\n    build: .\n  d:\n    image: other\n    pull_policy: never\n  e:\n    image: there\n    pull_policy: missing\n  f:\n    image: there2\n";
    let p = project(yaml);
    let plan = plan_pull(&p, &having(&["there", "there2"]), &BTreeSet::new(), &PullOptions::default());
    assert_eq!(steps(&plan), ["#1 pull image img for services a, b", "#2 pull image there2 for service f"]);
    assert_eq!(
        decisions(&plan),
        [
            "image img: pull (service a)",
            "c: skip (no image to be pulled)",
            "d: skip (pull_policy: never)",
            "e: skip (image is already present locally)",
            "image there2: pull (service f)"
        ]
    );
    let lenient =
        plan_pull(&p, &having(&[]), &BTreeSet::from(["a".to_string()]), &PullOptions { ignore_failures: true, ..Default::default() });
    assert_eq!(steps(&lenient), ["#1 pull image img for service a  (failure only warns)"]);
}

#[test]
fn pull_ignore_buildable_and_policy() {
    let yaml = "services:\n  a:\n    image: img\n    build: .\n  b:\n    image: there\n  c:\n    image: other\n    pull_policy: never\n";
    let p = project(yaml);
    let all = BTreeSet::new();
    let pull = |opts: PullOptions| steps(&plan_pull(&p, &having(&["there"]), &all, &opts));
    assert_eq!(pull(PullOptions::default()), ["#1 pull image img for service a", "#2 pull image there for service b"]);
    let plan = plan_pull(&p, &having(&["there"]), &all, &PullOptions { ignore_buildable: true, ..Default::default() });
    assert_eq!(steps(&plan), ["#1 pull image there for service b"]);
    assert!(decisions(&plan).contains(&"a: skip (image can be built (--ignore-buildable))".to_string()), "{plan}");
    let missing = PullOptions { policy: Some(PullPolicy::Missing), ..Default::default() };
    assert_eq!(
        pull(missing),
        ["#1 pull image img for service a", "#2 pull image other for service c"],
        "--policy replaces pull_policy: never; there is present"
    );
    let always = PullOptions { policy: Some(PullPolicy::Always), ..Default::default() };
    assert_eq!(pull(always), ["#1 pull image img for service a", "#2 pull image there for service b", "#3 pull image other for service c"]);
    let never = plan_pull(&p, &having(&[]), &all, &PullOptions { policy: Some(PullPolicy::Never), ..Default::default() });
    assert!(never.steps.is_empty(), "{never}");
    assert!(decisions(&never).contains(&"a: skip (--policy never)".to_string()), "{never}");
}

#[test]
fn quiet_pull_reaches_the_pull_steps() {
    let plan = images(PULLED, &having(&[]), ImageOptions { quiet_pull: true, ..Default::default() }).unwrap();
    assert!(matches!(&plan.steps[0].op, Op::PullImage { quiet: true, .. }), "{plan}");
    let plan = images(PULLED, &having(&[]), ImageOptions::default()).unwrap();
    assert!(matches!(&plan.steps[0].op, Op::PullImage { quiet: false, .. }), "{plan}");
}

#[test]
fn refresh_policies_read_as_docker_compose_reads_them() {
    assert_eq!(PullPolicy::parse("daily"), PullPolicy::Refresh(86_400));
    assert_eq!(PullPolicy::parse("weekly"), PullPolicy::Refresh(604_800));
    assert_eq!(PullPolicy::parse("every_12h"), PullPolicy::Refresh(43_200));
    assert_eq!(PullPolicy::parse("every_1w2d3h4m5s"), PullPolicy::Refresh(9 * 86_400 + 3 * 3_600 + 4 * 60 + 5));
    assert_eq!(PullPolicy::parse("every_"), PullPolicy::Missing);
    assert_eq!(PullPolicy::parse("every_5"), PullPolicy::Missing, "a number needs its unit");
    assert_eq!(PullPolicy::parse("refresh"), PullPolicy::Missing, "bare refresh is missing, as in compose-go");
}

#[test]
fn refresh_policies_pull_what_was_last_pulled_too_long_ago() {
    let yaml = format!("{PULLED}    pull_policy: daily\n");
    let mut observed = having(&["img"]);
    let at = |now: i64| ImageOptions { now, ..Default::default() };
    assert_eq!(
        decisions(&images(&yaml, &observed, at(1_000)).unwrap()),
        ["image img: pull (pull_policy: daily: last pulled too long ago)"],
        "no pull time known: pulled"
    );
    observed.image_tagged.insert("img".into(), 1_000);
    assert!(images(&yaml, &observed, at(1_000 + 86_399)).unwrap().steps.is_empty(), "pulled less than a day ago");
    assert_eq!(images(&yaml, &observed, at(1_000 + 86_400)).unwrap().steps.len(), 1, "a day later");
    assert_eq!(decisions(&images(&yaml, &having(&[]), at(0)).unwrap()), ["image img: pull (not found locally)"]);
}

#[test]
fn push_plans_follow_docker_compose() {
    let yaml = "services:\n  a:\n    build: .\n    image: reg:5000/a:1\n  b:\n    build: {context: ., tags: ['reg:5000/b:extra']}\n    image: reg:5000/b:1\n  c:\n    image: busybox\n  d:\n    build: .\n";
    let p = project(yaml);
    let plan = plan_push(&p, &BTreeSet::new(), false);
    assert_eq!(
        steps(&plan),
        [
            "#1 push image reg:5000/a:1 for service a",
            "#2 push image reg:5000/b:1 for service b",
            "#3 push image reg:5000/b:extra for service b"
        ]
    );
    assert!(decisions(&plan).contains(&"c: skip (no build section)".to_string()), "{plan}");
    assert!(decisions(&plan).contains(&"d: skip (no image: name to push to)".to_string()), "{plan}");
    let lenient = plan_push(&p, &BTreeSet::from(["a".to_string()]), true);
    assert_eq!(steps(&lenient), ["#1 push image reg:5000/a:1 for service a  (failure only warns)"]);
}
