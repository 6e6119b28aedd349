//! Go's `path/filepath.Clean`, as Docker's cp and `.dockerignore` patterns apply it.

/// Go's `filepath.Clean`: `.` and empty components dropped, `..` applied, no trailing slash.
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if rooted => {}
            p => parts.push(p),
        }
    }
    match (rooted, parts.is_empty()) {
        (true, _) => format!("/{}", parts.join("/")),
        (false, true) => ".".into(),
        (false, false) => parts.join("/"),
    }
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn paths_clean_as_go_cleans_them() {
        for (path, cleaned) in [("", "."), ("a/./b/", "a/b"), ("a/../../b", "../b"), ("/../a//b/..", "/a"), ("/", "/"), ("./", ".")] {
            assert_eq!(clean(path), cleaned, "{path:?}");
        }
    }
}
