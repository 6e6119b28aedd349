//! Finding and reading compose files (`-f`, `COMPOSE_FILE`, discovery), the project
//! directory, and naming the project.

use std::path::{Path, PathBuf};

use super::diagnostic::{Diagnostic, FileId, Kind};
use super::limits;
use super::{absolutize, interpolate, Environment, Node, Options};

/// File names looked up, in order of preference, when no `-f` is given.
pub const DEFAULT_FILES: &[&str] = &["compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"];

/// Finds the compose file in `dir` or its nearest parent that has one, plus its matching
/// override file (`compose.override.yaml` for `compose.yaml`) when present.
pub fn discover(dir: &Path, warnings: &mut Vec<String>) -> Result<Vec<PathBuf>, Diagnostic> {
    let mut cur = Some(dir);
    while let Some(d) = cur {
        let found: Vec<&str> = DEFAULT_FILES.iter().copied().filter(|f| d.join(f).is_file()).collect();
        if let Some(first) = found.first() {
            if found.len() > 1 {
                warnings.push(format!("found multiple config files with supported names: {}; using {first}", found.join(", ")));
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

/// The files to load: `-f`, else `COMPOSE_FILE`, else discovery from the working directory.
pub fn config_files(opts: &Options, env: &Environment, warnings: &mut Vec<String>) -> Result<Vec<PathBuf>, Diagnostic> {
    if !opts.files.is_empty() {
        return Ok(opts.files.iter().map(|f| if f == Path::new("-") { f.clone() } else { absolutize(f, &opts.cwd) }).collect());
    }
    if let Some(list) = env.get("COMPOSE_FILE").filter(|s| !s.is_empty()) {
        let sep = env.get("COMPOSE_PATH_SEPARATOR").filter(|s| !s.is_empty()).unwrap_or(":");
        let files: Vec<PathBuf> = list.split(sep).filter(|s| !s.is_empty()).map(|f| absolutize(Path::new(f), &opts.cwd)).collect();
        for f in &files {
            if !f.is_file() {
                // Exit code 1, as Docker Compose's for this case (a bad variable, not a bad file).
                return Err(Diagnostic {
                    kind: Kind::Other,
                    ..Diagnostic::file(f, "cannot read compose file named in COMPOSE_FILE: no such file")
                });
            }
        }
        return Ok(files);
    }
    let start = opts.project_dir.as_ref().map(|d| absolutize(d, &opts.cwd)).unwrap_or_else(|| opts.cwd.clone());
    discover(&start, warnings)
}

/// `-p`, then `COMPOSE_PROJECT_NAME`, then the last top-level `name:`, then the project
/// directory's name.
pub fn project_name(
    opts: &Options,
    env: &Environment,
    docs: &mut [Node],
    project_dir: &Path,
    warnings: &mut Vec<String>,
) -> Result<String, Diagnostic> {
    if let Some(p) = opts.project_name.as_deref().filter(|s| !s.is_empty()) {
        check_project_name(p, "--project-name")?;
        return Ok(p.to_string());
    }
    if let Some(p) = env.get("COMPOSE_PROJECT_NAME").filter(|s| !s.is_empty()) {
        check_project_name(p, "COMPOSE_PROJECT_NAME")?;
        return Ok(p.to_string());
    }
    let mut from_file = None;
    for doc in docs.iter_mut() {
        if let Some(n) = doc.get_mut("name") {
            if opts.interpolate {
                interpolate::interpolate(n, &env.lookup(), warnings)?;
            }
            match n.scalar_text() {
                Some(s) if !s.is_empty() => from_file = Some((s, n.report_pos())),
                _ => {}
            }
        }
    }
    if let Some((raw, pos)) = from_file {
        // Like Docker Compose, a `name:` in the file is normalized rather than refused.
        let name = normalize_project_name(&raw);
        if name.is_empty() {
            return Err(Diagnostic::new(
                pos,
                "name",
                format!("{raw:?} is not a usable project name: it has no lowercase letter, digit, dash or underscore"),
            ));
        }
        return Ok(name);
    }
    let dir_name = project_dir.file_name().map(|s| s.to_string_lossy().to_string()).unwrap_or_default();
    let name = normalize_project_name(&dir_name);
    if name.is_empty() {
        return Err(Diagnostic::plain(format!(
            "cannot derive a project name from the directory {}: use -p or a top-level `name:`",
            project_dir.display()
        )));
    }
    Ok(name)
}

/// The project directory: `--project-directory`, else the first compose file's directory,
/// else the working directory (the file is standard input).
pub fn project_dir(opts: &Options, files: &[PathBuf]) -> PathBuf {
    match &opts.project_dir {
        Some(d) => absolutize(d, &opts.cwd),
        None => match files.first() {
            Some(f) if f != Path::new("-") => f.parent().map(Path::to_path_buf).unwrap_or_else(|| opts.cwd.clone()),
            _ => opts.cwd.clone(),
        },
    }
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
        let files = discover(&sub, &mut Vec::new()).unwrap();
        assert_eq!(files, vec![dir.path().join("compose.yaml"), dir.path().join("compose.override.yaml")]);
    }
}
