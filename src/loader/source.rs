//! Finding and reading compose files, and naming the project.

use std::path::{Path, PathBuf};

use super::diagnostic::{Diagnostic, FileId, Kind};
use super::limits;

/// File names looked up, in order of preference, when no `-f` is given.
pub const DEFAULT_FILES: &[&str] = &["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];

/// Finds the compose file in `dir` or its nearest parent that has one, plus its matching
/// override file (`compose.override.yaml` for `compose.yaml`) when present.
pub fn discover(dir: &Path) -> Result<Vec<PathBuf>, Diagnostic> {
    let mut cur = Some(dir);
    while let Some(d) = cur {
        let found: Vec<&str> = DEFAULT_FILES.iter().copied().filter(|f| d.join(f).is_file()).collect();
        if let Some(first) = found.first() {
            if found.len() > 1 {
                tracing::warn!("found multiple config files with supported names: {}; using {first}", found.join(", "));
            }
            let main = d.join(first);
            let mut files = vec![main];
            if let Some((stem, ext)) = first.rsplit_once('.') {
                let over = d.join(format!("{stem}.override.{ext}"));
                if over.is_file() {
                    files.push(over);
                }
            }
            return Ok(files);
        }
        cur = d.parent();
    }
    Err(Diagnostic::no_config(format!(
        "no configuration file provided: none of {} found in {} or its parents",
        DEFAULT_FILES.join(", "),
        dir.display()
    )))
}

/// Reads a compose file (`-` is standard input), refusing one larger than the file size limit.
pub fn read(path: &Path) -> Result<String, Diagnostic> {
    if path == Path::new("-") {
        let text = read_text(std::io::stdin().lock())
            .map_err(|e| Diagnostic::plain(format!("cannot read the compose file from standard input: {e}")))?;
        return text.map_err(|too_big| Diagnostic::file(Path::new("<stdin>"), too_big));
    }
    let text = std::fs::File::open(path).and_then(read_text).map_err(|e| {
        let why = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        };
        // Exit code 14, as Docker Compose's for a compose file it cannot open.
        Diagnostic { kind: Kind::NoConfig, ..Diagnostic::file(path, format!("cannot read compose file: {why}")) }
    })?;
    text.map_err(|too_big| Diagnostic::file(path, too_big))
}

/// UTF-8 text of at most the file size limit: `Ok(Err(why))` when larger.
pub fn read_text(reader: impl std::io::Read) -> std::io::Result<Result<String, String>> {
    match limits::read_bounded(reader, limits::get())? {
        Ok(bytes) => String::from_utf8(bytes)
            .map(Ok)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "stream did not contain valid UTF-8")),
        Err(too_big) => Ok(Err(too_big)),
    }
}

/// The id positions use for a file (`-` shows as `<stdin>`).
pub fn file_id(path: &Path) -> FileId {
    if path == Path::new("-") {
        FileId::intern(Path::new("<stdin>"))
    } else {
        FileId::intern(path)
    }
}

/// Makes a project name out of a directory name: lowercase, with characters other than
/// letters, digits, `-` and `_` dropped, starting with a letter or digit.
pub fn normalize_project_name(raw: &str) -> String {
    let lowered: String =
        raw.to_lowercase().chars().filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_').collect();
    lowered.trim_start_matches(['-', '_']).to_string()
}

/// Checks an explicitly given project name against Compose's rule.
pub fn check_project_name(name: &str, origin: &str) -> Result<(), Diagnostic> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    let rest_ok = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if first_ok && rest_ok {
        return Ok(());
    }
    Err(Diagnostic::plain(format!(
        "invalid project name {name:?} (from {origin}): it must contain only lowercase letters, digits, dashes and underscores, and start with a lowercase letter or a digit"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_normalized() {
        assert_eq!(normalize_project_name("My App.v2"), "myappv2");
        assert_eq!(normalize_project_name("_x-Y"), "x-y");
    }

    #[test]
    fn explicit_names_are_checked() {
        assert!(check_project_name("web-1_a", "-p").is_ok());
        let e = check_project_name("Web", "-p").unwrap_err();
        assert!(e.message.contains("lowercase"), "{}", e.message);
        assert!(check_project_name("-x", "-p").is_err());
        assert!(check_project_name("", "-p").is_err());
    }

    #[test]
    fn discovery_walks_up_and_finds_override() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), "services: {}\n").unwrap();
        std::fs::write(dir.path().join("compose.override.yaml"), "services: {}\n").unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        let files = discover(&sub).unwrap();
        assert_eq!(files, vec![dir.path().join("compose.yaml"), dir.path().join("compose.override.yaml")]);
    }
}
