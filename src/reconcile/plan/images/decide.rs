//! The decision `up` makes about each image its services run: pull it, build it, both (the
//! build covers a failed pull), use it as it is, or refuse to go on, with the reasons the plan
//! prints. A pure function of the flags, the service's `pull_policy` and what the engine has;
//! [`super::prepare`] gathers the inputs and turns the decision into steps.

use super::{ImageOptions, PullPolicy};

/// What is known about one image reference.
#[derive(Debug, Clone, Copy)]
pub struct ImageFacts<'a> {
    /// The `pull_policy` of the (first) service that runs it.
    pub pull_policy: &'a str,
    /// That service names the image (`image:`), so it can be pulled.
    pub named: bool,
    /// A service of the project builds this image.
    pub buildable: bool,
    /// The engine has it.
    pub present: bool,
    /// When the engine last gave it a reference (pull, build or tag), in Unix seconds: what
    /// `pull_policy: daily`, `weekly` and `every_<duration>` count from.
    pub last_tagged: Option<i64>,
}

/// What to do about the image, each with its reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageDecision {
    pub pull: Option<String>,
    pub build: Option<String>,
}

/// The decision for an image, or why it cannot be had (`--no-build`, `pull_policy: never`...).
pub fn decide(facts: &ImageFacts, opts: &ImageOptions) -> Result<ImageDecision, String> {
    let (mut policy, mut origin) = match opts.pull {
        Some(p) => (p, "--pull"),
        None => (PullPolicy::parse(facts.pull_policy), "pull_policy:"),
    };
    if opts.build && facts.buildable {
        (policy, origin) = (PullPolicy::Build, "--build");
    }
    let present = facts.present;
    let build = facts.buildable && !opts.no_build && (policy == PullPolicy::Build || !present);
    let stale = match (policy, facts.last_tagged) {
        (PullPolicy::Refresh(every), Some(tagged)) => opts.now >= tagged.saturating_add(every),
        (PullPolicy::Refresh(_), None) => true,
        _ => false,
    };
    let pull = facts.named
        && match policy {
            PullPolicy::Always => true,
            PullPolicy::Missing => !present,
            PullPolicy::Refresh(_) => !present || stale,
            PullPolicy::Never | PullPolicy::Build => false,
        };
    if !present && !pull && !build {
        return Err(match policy {
            _ if facts.buildable => "it must be built, and --no-build was given".to_string(),
            PullPolicy::Never => format!("{} never forbids pulling it", origin.trim_end_matches(':')),
            PullPolicy::Build => format!("{} build asks to build it, but the service has no build section", origin.trim_end_matches(':')),
            _ => "the service names no image to pull".to_string(),
        });
    }
    let pull_reason = pull.then(|| match policy {
        PullPolicy::Always => format!("{origin} always"),
        PullPolicy::Refresh(_) if present => format!("{origin} {}: last pulled too long ago", facts.pull_policy),
        _ => "not found locally".to_string(),
    });
    let build_reason = build.then(|| match policy {
        PullPolicy::Build if origin == "--build" => "--build".to_string(),
        PullPolicy::Build => format!("{origin} build"),
        _ if pull => "not found locally, if the pull fails".to_string(),
        _ => "not found locally".to_string(),
    });
    Ok(ImageDecision { pull: pull_reason, build: build_reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(pull_policy: &str, named: bool, buildable: bool, present: bool) -> ImageFacts<'_> {
        ImageFacts { pull_policy, named, buildable, present, last_tagged: None }
    }

    fn decision(pull: Option<&str>, build: Option<&str>) -> Result<ImageDecision, String> {
        Ok(ImageDecision { pull: pull.map(Into::into), build: build.map(Into::into) })
    }

    #[test]
    fn a_present_image_is_used_as_it_is() {
        let opts = ImageOptions::default();
        assert_eq!(decide(&facts("", true, false, true), &opts), decision(None, None));
        assert_eq!(decide(&facts("", true, true, true), &opts), decision(None, None));
    }

    #[test]
    fn a_missing_image_is_pulled_or_built_and_both_when_it_can_be_both() {
        let opts = ImageOptions::default();
        assert_eq!(decide(&facts("", true, false, false), &opts), decision(Some("not found locally"), None));
        assert_eq!(decide(&facts("", false, true, false), &opts), decision(None, Some("not found locally")));
        assert_eq!(
            decide(&facts("missing", true, true, false), &opts),
            decision(Some("not found locally"), Some("not found locally, if the pull fails"))
        );
    }

    #[test]
    fn policies_and_flags_say_why() {
        let opts = ImageOptions::default();
        assert_eq!(decide(&facts("always", true, false, true), &opts), decision(Some("pull_policy: always"), None));
        assert_eq!(decide(&facts("build", false, true, true), &opts), decision(None, Some("pull_policy: build")));
        let pull_always = ImageOptions { pull: Some(PullPolicy::Always), ..Default::default() };
        assert_eq!(decide(&facts("never", true, false, true), &pull_always), decision(Some("--pull always"), None));
        let build = ImageOptions { build: true, ..Default::default() };
        assert_eq!(decide(&facts("always", true, true, true), &build), decision(None, Some("--build")));
        // --build changes nothing for an image no service builds.
        assert_eq!(decide(&facts("", true, false, true), &build), decision(None, None));
    }

    #[test]
    fn an_image_that_cannot_be_had_is_refused_with_the_reason() {
        let no_build = ImageOptions { no_build: true, ..Default::default() };
        assert_eq!(decide(&facts("", false, true, false), &no_build), Err("it must be built, and --no-build was given".into()));
        let opts = ImageOptions::default();
        assert_eq!(decide(&facts("never", true, false, false), &opts), Err("pull_policy never forbids pulling it".into()));
        let pull_never = ImageOptions { pull: Some(PullPolicy::Never), ..Default::default() };
        assert_eq!(decide(&facts("", true, false, false), &pull_never), Err("--pull never forbids pulling it".into()));
        assert_eq!(
            decide(&facts("build", true, false, false), &opts),
            Err("pull_policy build asks to build it, but the service has no build section".into())
        );
    }

    #[test]
    fn a_refresh_policy_pulls_again_once_its_period_has_passed() {
        let opts = ImageOptions { now: 100_000, ..Default::default() };
        let tagged = |t| ImageFacts { last_tagged: Some(t), ..facts("daily", true, false, true) };
        assert_eq!(decide(&tagged(100_000 - 86_399), &opts), decision(None, None), "pulled less than a day ago");
        assert_eq!(decide(&tagged(100_000 - 86_400), &opts), decision(Some("pull_policy: daily: last pulled too long ago"), None));
        assert_eq!(
            decide(&facts("every_1s", true, false, true), &opts),
            decision(Some("pull_policy: every_1s: last pulled too long ago"), None),
            "never tagged"
        );
        assert_eq!(decide(&facts("weekly", true, false, false), &opts), decision(Some("not found locally"), None));
    }
}
