//! `docker cp`'s path rules, as pure functions: which side of a copy is a service, and where
//! an archive is extracted and under which name, from what the source and the destination
//! are (a file or a directory, existing or not, a path ending in `/` or `/.`).

use super::CopyError;

/// One argument of `cp`: a path on the host (`-` for standard input or output) or a path in
/// a service's containers (`SERVICE:PATH`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint<'a> {
    Local(&'a str),
    Service { service: &'a str, path: &'a str },
}

/// Splits `SERVICE:PATH` as Docker Compose does: an absolute path, a path without `:` and one
/// whose part before the `:` starts with `.` (`./file:name.txt`) are local.
pub fn endpoint(arg: &str) -> Endpoint<'_> {
    if arg.starts_with('/') {
        return Endpoint::Local(arg);
    }
    match arg.split_once(':') {
        Some((service, path)) if !service.starts_with('.') => Endpoint::Service { service, path },
        _ => Endpoint::Local(arg),
    }
}

/// What is copied: a path after symbolic links are resolved as asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The path as it was asked for (its last component names the copy), or where the link
    /// it named leads.
    pub path: String,
    pub is_dir: bool,
    /// The name the copy takes when a followed link changed the last component.
    pub rebase: Option<String>,
}

impl Source {
    /// The name of the top entry of the source's archive: `.` for `dir/.` (its content).
    pub fn name(&self) -> String {
        self.rebase.clone().unwrap_or_else(|| split_dir_entry(&self.path).1)
    }
}

/// What is at the destination path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub path: String,
    pub exists: bool,
    pub is_dir: bool,
}

/// Where an archive of the source is extracted, and the name of its top entry there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub dir: String,
    /// `.` to extract a directory's content into `dir` itself.
    pub top: String,
}

/// `docker cp`'s rules: into an existing directory under the source's name; over an existing
/// file, or as a new file or directory, under the destination's name in its parent.
pub fn place(src: &Source, dst: &Destination) -> Result<Placement, CopyError> {
    let (dst_dir, dst_base) = split_dir_entry(&dst.path);
    match (dst.exists, dst.is_dir, src.is_dir) {
        (true, true, _) => Ok(Placement { dir: dst.path.clone(), top: src.name() }),
        (true, false, true) => Err(CopyError::CannotCopyDir),
        (false, _, false) if asserts_directory(&dst.path) => Err(CopyError::NoSuchDirectory),
        _ => Ok(Placement { dir: dst_dir, top: dst_base }),
    }
}

/// The name a copy takes when `-L` resolved `path` to `resolved` (both absolute): `resolved`
/// with `path`'s trailing `/` or `/.` kept, and `path`'s last component when the link's
/// differs.
pub fn rebase_name(path: &str, resolved: &str) -> (String, Option<String>) {
    let mut resolved = resolved.to_string();
    if specifies_current_dir(path) && !specifies_current_dir(&resolved) {
        resolved.push_str("/.");
    }
    if path.ends_with('/') && !resolved.ends_with('/') {
        resolved.push('/');
    }
    let rebase = (go_base(path) != go_base(&resolved)).then(|| go_base(path));
    (resolved, rebase)
}

/// `path` made absolute against `cwd`, cleaned, keeping a trailing `/` or `/.` (which say
/// "a directory" and "its content").
pub fn absolute(path: &str, cwd: &str) -> String {
    let joined = if path.starts_with('/') { path.to_string() } else { format!("{cwd}/{path}") };
    let mut clean = clean(&joined);
    if specifies_current_dir(path) && !specifies_current_dir(&clean) {
        clean.push_str(if clean.ends_with('/') { "." } else { "/." });
    } else if path.ends_with('/') && !clean.ends_with('/') {
        clean.push('/');
    }
    clean
}

/// A path's parent and last component, cleaned; the last component of `dir/.` is `.`.
pub fn split_dir_entry(path: &str) -> (String, String) {
    let mut cleaned = clean(path);
    if specifies_current_dir(path) {
        cleaned = if cleaned == "/" { "/.".into() } else { format!("{cleaned}/.") };
    }
    match cleaned.rfind('/') {
        Some(0) => ("/".into(), cleaned[1..].to_string()),
        Some(i) => (cleaned[..i].to_string(), cleaned[i + 1..].to_string()),
        None => (".".into(), cleaned),
    }
}

/// Whether `path` can only name a directory: it ends in `/` or `/.`.
pub fn asserts_directory(path: &str) -> bool {
    path.ends_with('/') || specifies_current_dir(path)
}

/// Whether `path`'s last component is `.`.
pub fn specifies_current_dir(path: &str) -> bool {
    go_base(path) == "."
}

/// Go's `filepath.Base`: the last component, trailing slashes ignored.
fn go_base(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return if path.is_empty() { ".".into() } else { "/".into() };
    }
    trimmed.rsplit('/').next().unwrap_or(trimmed).to_string()
}

pub use crate::go::path::clean;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_split_into_service_and_path_as_docker_compose_splits_them() {
        assert_eq!(endpoint("web:/etc/hosts"), Endpoint::Service { service: "web", path: "/etc/hosts" });
        assert_eq!(endpoint("web:"), Endpoint::Service { service: "web", path: "" });
        assert_eq!(endpoint("/abs/with:colon"), Endpoint::Local("/abs/with:colon"));
        assert_eq!(endpoint("./file:name.txt"), Endpoint::Local("./file:name.txt"));
        assert_eq!(endpoint("plain"), Endpoint::Local("plain"));
        assert_eq!(endpoint("-"), Endpoint::Local("-"));
    }

    #[test]
    fn local_paths_become_absolute_keeping_what_their_end_says() {
        assert_eq!(absolute("out", "/w"), "/w/out");
        assert_eq!(absolute("out/", "/w"), "/w/out/");
        assert_eq!(absolute("out/.", "/w"), "/w/out/.");
        assert_eq!(absolute("./a/../b//c", "/w"), "/w/b/c");
        assert_eq!(absolute("/", "/w"), "/");
        assert_eq!(absolute(".", "/w"), "/w/.");
    }

    #[test]
    fn paths_split_into_parent_and_entry() {
        assert_eq!(split_dir_entry("/d/a"), ("/d".into(), "a".into()));
        assert_eq!(split_dir_entry("/d/a/"), ("/d".into(), "a".into()));
        assert_eq!(split_dir_entry("/d/."), ("/d".into(), ".".into()));
        assert_eq!(split_dir_entry("/a"), ("/".into(), "a".into()));
        assert_eq!(split_dir_entry("a"), (".".into(), "a".into()));
    }

    fn src(path: &str, is_dir: bool) -> Source {
        Source { path: path.into(), is_dir, rebase: None }
    }

    fn dst(path: &str, exists: bool, is_dir: bool) -> Destination {
        Destination { path: path.into(), exists, is_dir }
    }

    fn placed(dir: &str, top: &str) -> Result<Placement, String> {
        Ok(Placement { dir: dir.into(), top: top.into() })
    }

    fn place_text(s: &Source, d: &Destination) -> Result<Placement, String> {
        place(s, d).map_err(|e| e.to_string())
    }

    /// The table of `docker cp`'s documentation, case by case.
    #[test]
    fn sources_land_where_docker_cp_puts_them() {
        // A file: into an existing directory, over an existing file, as a new file.
        assert_eq!(place_text(&src("/s/f", false), &dst("/d", true, true)), placed("/d", "f"));
        assert_eq!(place_text(&src("/s/f", false), &dst("/d/g", true, false)), placed("/d", "g"));
        assert_eq!(place_text(&src("/s/f", false), &dst("/d/new", false, false)), placed("/d", "new"));
        assert_eq!(place_text(&src("/s/f", false), &dst("/d/new/", false, false)), Err("no such directory".into()));
        // A directory: into an existing one, as a new one, never over a file.
        assert_eq!(place_text(&src("/s/dir", true), &dst("/d", true, true)), placed("/d", "dir"));
        assert_eq!(place_text(&src("/s/dir", true), &dst("/d/new", false, false)), placed("/d", "new"));
        assert_eq!(place_text(&src("/s/dir", true), &dst("/d/new/", false, false)), placed("/d", "new"));
        assert_eq!(place_text(&src("/s/dir", true), &dst("/d/f", true, false)), Err("cannot copy directory".into()));
        // `dir/.`: its content into an existing directory, or as a new one.
        assert_eq!(place_text(&src("/s/dir/.", true), &dst("/d", true, true)), placed("/d", "."));
        assert_eq!(place_text(&src("/s/dir/.", true), &dst("/d/new", false, false)), placed("/d", "new"));
        // A followed link keeps the name it was asked by.
        let link = Source { path: "/s/target".into(), is_dir: false, rebase: Some("link".into()) };
        assert_eq!(place_text(&link, &dst("/d", true, true)), placed("/d", "link"));
        assert_eq!(place_text(&link, &dst("/d/x", false, false)), placed("/d", "x"));
    }

    #[test]
    fn a_followed_link_is_named_as_asked() {
        assert_eq!(rebase_name("/d/link", "/d/a"), ("/d/a".into(), Some("link".into())));
        assert_eq!(rebase_name("/d/a", "/d/a"), ("/d/a".into(), None));
        assert_eq!(rebase_name("/d/link/", "/real/dir"), ("/real/dir/".into(), Some("link".into())));
        assert_eq!(rebase_name("/d/link/.", "/real/dir"), ("/real/dir/.".into(), None));
    }
}
