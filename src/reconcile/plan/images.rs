//! Images: what `up` does about the images its services run, and the plans of `build` and
//! `pull`.
//!
//! For `up`, each image the selected services use is pulled, built, used as it is, or refused,
//! from its `pull_policy` (or `--pull`), `--build` / `--no-build`, whether the engine has it,
//! and whether a service of the project builds it. As in Docker Compose, a missing image that a
//! service both names (`image:`) and builds is first pulled, and built when the pull fails.

use std::collections::{BTreeMap, BTreeSet};

use super::{hard, soft, OnFailure, Op, Plan, PlanError, StepId, StepLabel};
use crate::build::{self, BuildJob, Overrides};
use crate::model::{Project, Service};
use crate::reconcile::labels;
use crate::reconcile::observe::Observed;

mod decide;

use decide::ImageFacts;

/// A service's `pull_policy`, or `--pull`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PullPolicy {
    /// Pull every time.
    Always,
    /// Pull (or build) when the engine does not have the image.
    #[default]
    Missing,
    /// Never pull: the image must be there, or be built.
    Never,
    /// Build every time.
    Build,
    /// `daily`, `weekly`, `every_<duration>`: pull when the image is missing, or was last
    /// pulled (tagged) this many seconds ago or more, as Docker Compose counts from the
    /// engine's `LastTagTime`.
    Refresh(i64),
}

impl PullPolicy {
    /// The policy a `pull_policy` value names; an unknown value (which the schema refuses)
    /// is `missing`.
    pub fn parse(value: &str) -> PullPolicy {
        match value {
            "always" => PullPolicy::Always,
            "never" => PullPolicy::Never,
            "build" => PullPolicy::Build,
            "daily" => PullPolicy::Refresh(86_400),
            "weekly" => PullPolicy::Refresh(7 * 86_400),
            v => match v.strip_prefix("every_").and_then(refresh_seconds) {
                Some(secs) => PullPolicy::Refresh(secs),
                None => PullPolicy::Missing,
            },
        }
    }
}

/// `12h`, `1w2d`, `90m`, `30s`: the schema's `every_` durations, in seconds.
fn refresh_seconds(text: &str) -> Option<i64> {
    let (mut total, mut number) = (0i64, None::<i64>);
    for c in text.chars() {
        match c {
            '0'..='9' => number = Some(number.unwrap_or(0).checked_mul(10)?.checked_add(i64::from(c as u8 - b'0'))?),
            unit => {
                let scale = match unit {
                    'w' => 7 * 86_400,
                    'd' => 86_400,
                    'h' => 3_600,
                    'm' => 60,
                    's' => 1,
                    _ => return None,
                };
                total = total.checked_add(number.take()?.checked_mul(scale)?)?;
            }
        }
    }
    (number.is_none() && total > 0).then_some(total)
}

/// How `up` treats images.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageOptions {
    /// `--pull`: the policy of every service, instead of its own.
    pub pull: Option<PullPolicy>,
    /// `--build`: build every image a service can build, present or not.
    pub build: bool,
    /// `--no-build`: build nothing; an image that would need building must be there.
    pub no_build: bool,
    /// The images were already pulled and built by an earlier plan: plan no image step.
    pub ensured: bool,
    /// `--quiet-pull`: pulls show that they start and end, not each layer's progress.
    pub quiet_pull: bool,
    /// `--quiet-build`: builds show that they start and end, not their output.
    pub quiet_build: bool,
    /// The time of planning (Unix seconds), for `pull_policy: daily` and the like: the planner
    /// reads no clock.
    pub now: i64,
}

/// How `pull` treats each image.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullOptions {
    /// A failed pull is a warning (`--ignore-pull-failures`).
    pub ignore_failures: bool,
    /// Services that have a build section are not pulled (`--ignore-buildable`).
    pub ignore_buildable: bool,
    /// `--policy`: the pull policy of every service that names an image, instead of its own.
    pub policy: Option<PullPolicy>,
}

/// Plans the pulls and builds `targets` need before their containers are created; returns,
/// for each image reference, the step after which it is ready.
pub(super) fn prepare(
    plan: &mut Plan,
    project: &Project,
    observed: &Observed,
    targets: &[&Service],
    opts: &ImageOptions,
) -> Result<BTreeMap<String, StepId>, PlanError> {
    let mut ready = BTreeMap::new();
    if opts.ensured {
        return Ok(ready);
    }
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in targets {
        users.entry(labels::image_name(project, s)).or_default().push(s.name.clone());
    }
    let mut builds: Vec<(BuildJob, Vec<StepId>)> = Vec::new();
    let mut seen = BTreeSet::new();
    for s in targets {
        let image = labels::image_name(project, s);
        if !seen.insert(image.clone()) {
            continue;
        }
        let builder = if s.build.is_some() {
            Some(*s)
        } else {
            project.services.values().find(|o| o.build.is_some() && labels::image_name(project, o) == image)
        };
        let facts = ImageFacts {
            pull_policy: &s.pull_policy,
            named: !s.image.is_empty(),
            buildable: builder.is_some(),
            present: observed.images.get(&image).is_some_and(Option::is_some),
            last_tagged: observed.image_tagged.get(&image).copied(),
        };
        let decision = match decide::decide(&facts, opts) {
            Ok(d) => d,
            Err(why) => return Err(PlanError::ImageMissing { service: s.name.clone(), image, why }),
        };
        let mut pulled = Vec::new();
        if let Some(reason) = decision.pull {
            plan.decide(format!("image {image}"), "pull", reason);
            let op = Op::PullImage { reference: image.clone(), services: users[&image].clone(), quiet: opts.quiet_pull };
            let step = plan.push(op, vec![], StepLabel::new("Image", &image, Some("Pulling"), Some("Pulled")));
            if decision.build.is_some() {
                // The build covers a failed pull, as in Docker Compose.
                plan.steps[step].on_failure = OnFailure::Warn;
            }
            ready.insert(image.clone(), step);
            pulled.push(step);
        }
        if let (Some(reason), Some(builder)) = (decision.build, builder) {
            plan.decide(format!("image {image}"), "build", reason);
            let mut job = build::job(project, builder, &Overrides::default())?;
            job.services = users[&image].clone();
            job.quiet = opts.quiet_build;
            builds.push((job, pulled));
        }
    }
    // The images `pre_start` hooks run instead of their service's: pulled when missing.
    for s in targets {
        for image in super::pre_start::images(s) {
            if !seen.insert(image.to_string()) || observed.images.get(image).is_some_and(Option::is_some) {
                continue;
            }
            plan.decide(format!("image {image}"), "pull", format!("missing, for a pre_start hook of {}", s.name));
            let op = Op::PullImage { reference: image.to_string(), services: vec![s.name.clone()], quiet: opts.quiet_pull };
            let step = plan.push(op, vec![], StepLabel::new("Image", image, Some("Pulling"), Some("Pulled")));
            ready.insert(image.to_string(), step);
        }
    }
    for (job, steps) in merge(builds) {
        let step = push_build(plan, job.clone(), soft(steps));
        for tag in &job.tags {
            ready.insert(tag.clone(), step);
        }
    }
    Ok(ready)
}

/// Plans `build`: one build per distinct build of the selected services (all when `services`
/// is empty) that have a build section. With `push`, each built image that a service names
/// with `image:` is then pushed under that name and its `build.tags`, as Docker Compose does;
/// an image only named after the project has nowhere to go and is not pushed.
pub fn plan_build(project: &Project, services: &BTreeSet<String>, overrides: &Overrides, push: bool) -> Result<Plan, PlanError> {
    let mut plan = Plan::default();
    let mut builds = Vec::new();
    let mut seen = BTreeSet::new();
    let mut pushes: Vec<(String, String)> = Vec::new();
    for s in project.services.values().filter(|s| services.is_empty() || services.contains(&s.name)) {
        let image = labels::image_name(project, s);
        if s.build.is_none() {
            plan.decide(&s.name, "skip", "no build section");
            continue;
        }
        if push && s.image.is_empty() {
            plan.decide(&s.name, "skip push", "no image: name to push to");
        } else if push {
            let tags = std::iter::once(&s.image).chain(s.build.iter().flat_map(|b| b.tags.iter()));
            pushes.extend(tags.map(|t| (t.clone(), s.name.clone())));
        }
        if !seen.insert(image.clone()) {
            plan.decide(&s.name, "skip", format!("image {image} is built for another service"));
        } else {
            plan.decide(format!("image {image}"), "build", format!("service {}", s.name));
            builds.push((build::job(project, s, overrides)?, Vec::new()));
        }
    }
    let mut built: BTreeMap<String, StepId> = BTreeMap::new();
    for (job, _) in merge(builds) {
        let tags = job.tags.clone();
        let step = push_build(&mut plan, job, vec![]);
        built.extend(tags.into_iter().map(|t| (t, step)));
    }
    add_pushes(&mut plan, pushes, &built, "--push", false);
    Ok(plan)
}

/// Plans `push` as Docker Compose does it: the image of every selected service that both
/// builds and names it with `image:`, under that name and its `build.tags`; the others are
/// skipped. With `ignore_failures`, a failed push is a warning.
pub fn plan_push(project: &Project, services: &BTreeSet<String>, ignore_failures: bool) -> Plan {
    let mut plan = Plan::default();
    let mut pushes: Vec<(String, String)> = Vec::new();
    for s in project.services.values().filter(|s| services.is_empty() || services.contains(&s.name)) {
        match &s.build {
            None => plan.decide(&s.name, "skip", "no build section"),
            Some(_) if s.image.is_empty() => plan.decide(&s.name, "skip", "no image: name to push to"),
            Some(b) => pushes.extend(std::iter::once(&s.image).chain(&b.tags).map(|t| (t.clone(), s.name.clone()))),
        }
    }
    add_pushes(&mut plan, pushes, &BTreeMap::new(), "", ignore_failures);
    plan
}

/// One push step per distinct reference (each after the build that makes it, if any), for
/// the services that name it.
fn add_pushes(plan: &mut Plan, pushes: Vec<(String, String)>, built: &BTreeMap<String, StepId>, reason: &str, ignore_failures: bool) {
    let mut pushed: BTreeMap<String, StepId> = BTreeMap::new();
    for (reference, service) in pushes {
        if let Some(&step) = pushed.get(&reference) {
            if let Op::PushImage { services, .. } = &mut plan.steps[step].op {
                services.push(service);
            }
            continue;
        }
        let why = if reason.is_empty() { format!("service {service}") } else { reason.to_string() };
        plan.decide(format!("image {reference}"), "push", why);
        let after = built.get(&reference).map(|b| hard(vec![*b])).unwrap_or_default();
        let op = Op::PushImage { reference: reference.clone(), services: vec![service] };
        let step = plan.push(op, after, StepLabel::new("Image", &reference, Some("Pushing"), Some("Pushed")));
        if ignore_failures {
            plan.steps[step].on_failure = OnFailure::Warn;
        }
        pushed.insert(reference, step);
    }
}

/// Plans `pull` as Docker Compose does it: every selected service's image once, except for
/// services with no image, `pull_policy: never` or `build` (unless `--policy` says otherwise),
/// `missing` images that are there, and, with `--ignore-buildable`, services that build.
pub fn plan_pull(project: &Project, observed: &Observed, services: &BTreeSet<String>, opts: &PullOptions) -> Plan {
    let mut plan = Plan::default();
    let mut pulls: BTreeMap<String, StepId> = BTreeMap::new();
    for s in project.services.values().filter(|s| services.is_empty() || services.contains(&s.name)) {
        let present = observed.images.get(&s.image).is_some_and(Option::is_some);
        let (policy, origin) = match opts.policy {
            Some(PullPolicy::Always) => ("always", "--policy"),
            Some(PullPolicy::Missing) => ("missing", "--policy"),
            Some(PullPolicy::Never) => ("never", "--policy"),
            Some(PullPolicy::Build) => ("build", "--policy"),
            Some(PullPolicy::Refresh(_)) => ("refresh", "--policy"),
            None => (s.pull_policy.as_str(), "pull_policy:"),
        };
        let skip = match policy {
            _ if s.image.is_empty() => Some("no image to be pulled".to_string()),
            "never" | "build" => Some(format!("{origin} {policy}")),
            "missing" | "if_not_present" if present => Some("image is already present locally".to_string()),
            _ if opts.ignore_buildable && s.build.is_some() => Some("image can be built (--ignore-buildable)".to_string()),
            _ => None,
        };
        if let Some(why) = skip {
            plan.decide(&s.name, "skip", why);
            continue;
        }
        if let Some(&step) = pulls.get(&s.image) {
            if let Op::PullImage { services, .. } = &mut plan.steps[step].op {
                services.push(s.name.clone());
            }
            continue;
        }
        plan.decide(format!("image {}", s.image), "pull", format!("service {}", s.name));
        let op = Op::PullImage { reference: s.image.clone(), services: vec![s.name.clone()], quiet: false };
        let step = plan.push(op, vec![], StepLabel::new("Image", &s.image, Some("Pulling"), Some("Pulled")));
        if opts.ignore_failures {
            plan.steps[step].on_failure = OnFailure::Warn;
        }
        pulls.insert(s.image.clone(), step);
    }
    plan
}

fn push_build(plan: &mut Plan, job: BuildJob, after: Vec<super::Edge>) -> StepId {
    let progress = StepLabel::new("Image", &job.tags[0], Some("Building"), Some("Built"));
    plan.push(Op::BuildImage(Box::new(job)), after, progress)
}

/// Builds that would make the same image, done once: the first keeps its place and gets the
/// others' tags, services and prerequisites.
fn merge(builds: Vec<(BuildJob, Vec<StepId>)>) -> Vec<(BuildJob, Vec<StepId>)> {
    let mut out: Vec<(BuildJob, Vec<StepId>)> = Vec::new();
    for (job, steps) in builds {
        let same = |j: &BuildJob| j.context == job.context && j.dockerfile == job.dockerfile && j.options == job.options;
        match out.iter_mut().find(|(j, _)| same(j)) {
            Some((j, s)) => {
                j.tags.extend(job.tags.into_iter().filter(|t| !j.tags.contains(t)).collect::<Vec<_>>());
                j.services.extend(job.services);
                s.extend(steps);
            }
            None => out.push((job, steps)),
        }
    }
    out
}

/// Plans only the images of `up` for `targets` (all services when empty): what a first pass
/// carries out before the containers are planned against the images it produced.
pub fn plan_images(project: &Project, observed: &Observed, targets: &BTreeSet<String>, opts: &ImageOptions) -> Result<Plan, PlanError> {
    let selected: Vec<&Service> =
        project.services.values().filter(|s| (targets.is_empty() || targets.contains(&s.name)) && s.provider.is_none()).collect();
    let mut plan = Plan::default();
    prepare(&mut plan, project, observed, &selected, opts)?;
    Ok(plan)
}

#[cfg(test)]
mod tests;
