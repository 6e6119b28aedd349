//! `rcompose commit`: a new image from a service container's changes.

use std::ffi::OsString;

use clap::Args;

use super::{session, GlobalOptions};
use crate::engine::CommitOptions;

#[derive(Debug, Args)]
pub struct CommitArgs {
    /// The service whose container is committed
    pub service: String,
    /// Name and tag of the new image, REPOSITORY[:TAG] (default: no name)
    #[arg(value_name = "REPOSITORY[:TAG]")]
    pub reference: Option<String>,
    /// Author recorded in the image (e.g. "Jane Doe <jane@example.com>")
    #[arg(short, long)]
    pub author: Option<String>,
    /// A Dockerfile instruction applied to the image's configuration (`ENV A=1`, `CMD ["sh"]`);
    /// repeatable
    #[arg(short, long = "change", value_name = "INSTRUCTION")]
    pub changes: Vec<String>,
    /// Commit message recorded in the image
    #[arg(short, long)]
    pub message: Option<String>,
    /// Pause the container while its file system is copied (`-p=false` or `--pause=false` to
    /// leave it running). `-p` after `commit` is this flag, as in Docker Compose
    #[arg(long, default_value_t = true, num_args = 0..=1, require_equals = true, default_missing_value = "true", action = clap::ArgAction::Set)]
    pub pause: bool,
    /// Index of the container if the service has several (default: the first running one)
    #[arg(long, value_name = "N", default_value_t = 0, hide_default_value = true)]
    pub index: u32,
}

/// Docker Compose's `commit -p` pauses, where rcompose's global `-p` names the project (clap
/// cannot give one short flag two meanings): the `-p` (or `-p=false`) given after `commit` and
/// before its service becomes `--pause`. Everything else is left as it is.
pub fn pause_short_flags(mut args: Vec<OsString>) -> Vec<OsString> {
    const GLOBAL_VALUED: [&str; 10] =
        ["-f", "--file", "-p", "--project-name", "--project-directory", "--profile", "--env-file", "--progress", "--ansi", "--parallel"];
    const COMMIT_VALUED: [&str; 7] = ["-a", "--author", "-c", "--change", "-m", "--message", "--index"];
    let text = |a: &OsString| a.to_str().unwrap_or_default().to_string();
    let mut i = 1;
    while i < args.len() {
        let a = text(&args[i]);
        match a.as_str() {
            a if GLOBAL_VALUED.contains(&a) => i += 2,
            a if a.starts_with('-') => i += 1,
            _ => break,
        }
    }
    if args.get(i).map(text).as_deref() != Some("commit") {
        return args;
    }
    i += 1;
    while i < args.len() {
        let a = text(&args[i]);
        if a == "-p" {
            args[i] = "--pause".into();
        } else if let Some(value) = a.strip_prefix("-p=") {
            args[i] = format!("--pause={value}").into();
        } else if !a.starts_with('-') || a == "--" {
            break;
        }
        i += if COMMIT_VALUED.contains(&a.as_str()) { 2 } else { 1 };
    }
    args
}

pub fn run(global: &GlobalOptions, args: CommitArgs) -> anyhow::Result<i32> {
    let (name, _) = session::project_or_name(global, &[])?;
    let options =
        CommitOptions { reference: args.reference, comment: args.message, author: args.author, changes: args.changes, pause: args.pause };
    let index = (args.index > 0).then_some(args.index);
    session::call(global, false, |c| async move { c.commit(&name, &args.service, index, &options).await })?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rewritten(args: &[&str]) -> Vec<String> {
        pause_short_flags(args.iter().map(OsString::from).collect()).into_iter().map(|a| a.into_string().unwrap()).collect()
    }

    #[test]
    fn p_after_commit_is_pause() {
        assert_eq!(
            rewritten(&["rc", "-p", "x", "commit", "-p=false", "-m", "-p", "web"]),
            ["rc", "-p", "x", "commit", "--pause=false", "-m", "-p", "web"]
        );
        assert_eq!(rewritten(&["rc", "commit", "-p", "web", "-p"]), ["rc", "commit", "--pause", "web", "-p"]);
        assert_eq!(rewritten(&["rc", "ps", "-p", "x"]), ["rc", "ps", "-p", "x"]);
    }
}
