//! Relative paths made absolute, on the canonical tree.
//!
//! Runs per loaded unit (the main files, each `include`, each `extends` from another file) with
//! that unit's base directory, so a path always means what it meant in the file that wrote it.

use std::path::{Component, Path, PathBuf};

use super::yaml::{Node, Value};

/// Resolves every path-valued field of a canonical compose tree against `base`.
pub fn resolve(root: &mut Node, base: &Path, home: Option<&Path>) {
    let r = |s: &str| absolute(s, base, home);
    if let Some(services) = root.get_mut("services").and_then(Node::as_map_mut) {
        for service in services.values_mut() {
            resolve_service(service, base, home);
        }
    }
    for section in ["secrets", "configs"] {
        if let Some(entries) = root.get_mut(section).and_then(Node::as_map_mut) {
            for entry in entries.values_mut() {
                if let Some(file) = entry.get_mut("file") {
                    map_str(file, &r);
                }
            }
        }
    }
}

/// Resolves the path-valued fields of one canonical service.
pub fn resolve_service(service: &mut Node, base: &Path, home: Option<&Path>) {
    let r = |s: &str| absolute(s, base, home);
    if let Some(build) = service.get_mut("build") {
        // Canonical form gives every build a context (`.` when none is written).
        if let Some(ctx) = build.get_mut("context") {
            map_str(ctx, &|s| if is_remote(s) { s.to_string() } else { r(s) });
        }
        if let Some(extra) = build.get_mut("additional_contexts").and_then(Node::as_map_mut) {
            for v in extra.values_mut() {
                map_str(v, &|s| if is_remote(s) || s.contains(':') { s.to_string() } else { r(s) });
            }
        }
    }
    if let Some(files) = service.get_mut("env_file").and_then(Node::as_seq_mut) {
        for f in files {
            if let Some(p) = f.get_mut("path") {
                map_str(p, &r);
            }
        }
    }
    if let Some(files) = service.get_mut("label_file").and_then(Node::as_seq_mut) {
        files.iter_mut().for_each(|f| map_str(f, &r));
    }
    if let Some(file) = service.get_mut("extends").and_then(|e| e.get_mut("file")) {
        map_str(file, &r);
    }
    if let Some(mounts) = service.get_mut("volumes").and_then(Node::as_seq_mut) {
        for m in mounts {
            if m.get("type").and_then(Node::as_str) == Some("bind") {
                if let Some(src) = m.get_mut("source") {
                    // A Windows path (`c:/data`, `\\host\share`) is absolute too: the
                    // file may be shared with a Windows client.
                    map_str(src, &|s: &str| if is_windows_absolute(s) { s.to_string() } else { r(s) });
                }
            }
        }
    }
    if let Some(rules) = service.get_mut("develop").and_then(|d| d.get_mut("watch")).and_then(Node::as_seq_mut) {
        for rule in rules {
            if let Some(p) = rule.get_mut("path") {
                map_str(p, &r);
            }
        }
    }
}

fn map_str(node: &mut Node, f: &dyn Fn(&str) -> String) {
    if let Value::Str(s) = &node.value {
        node.value = Value::Str(f(s));
    }
}

/// `c:\x`, `c:/x` or `\\host\share`.
fn is_windows_absolute(s: &str) -> bool {
    let b = s.as_bytes();
    s.starts_with("\\\\") || (b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'/' || b[2] == b'\\'))
}

/// Build contexts that are not local directories.
fn is_remote(s: &str) -> bool {
    s.contains("://") || s.starts_with("git@") || s.starts_with("github.com/")
}

/// `~` expanded to the home directory, a relative path joined to `base`, then cleaned
/// lexically (`.` and `..` removed).
pub fn absolute(s: &str, base: &Path, home: Option<&Path>) -> String {
    if Path::new(s).is_absolute() {
        // Compose keeps absolute paths exactly as written.
        return s.to_string();
    }
    let expanded: PathBuf = match (s.strip_prefix('~'), home) {
        (Some(rest), Some(h)) if rest.is_empty() || rest.starts_with('/') => h.join(rest.trim_start_matches('/')),
        _ => PathBuf::from(s),
    };
    let joined = if expanded.is_absolute() { expanded } else { base.join(expanded) };
    clean(&joined).display().to_string()
}

/// Lexical clean-up of a path, like Go's `filepath.Clean`.
pub fn clean(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths() {
        let base = Path::new("/p");
        assert_eq!(absolute(".", base, None), "/p");
        assert_eq!(absolute("./a/../b", base, None), "/p/b");
        assert_eq!(absolute("/x/y/", base, None), "/x/y/");
        assert_eq!(absolute("~/c", base, Some(Path::new("/root"))), "/root/c");
        assert_eq!(absolute("~", base, Some(Path::new("/root"))), "/root");
    }
}
