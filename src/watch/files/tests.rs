use std::collections::BTreeSet;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;

use serde_json::json;

use super::*;
use crate::model::{Project, Service};
use crate::watch::rules::Rules;

fn rule_for(root: &Path, extra: serde_json::Value) -> Rule {
    let mut watch = json!({"path": root.to_str().unwrap(), "action": "sync", "target": "/app"});
    watch.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let mut s: Service = serde_json::from_value(json!({"develop": {"watch": [watch]}})).unwrap();
    s.name = "web".into();
    let mut p = Project::default();
    p.services.insert("web".into(), s);
    Rules::compile(&p, &BTreeSet::new()).unwrap().rules.remove(0)
}

fn tree() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap().join("src");
    std::fs::create_dir_all(root.join("sub/deep")).unwrap();
    std::fs::write(root.join("a.txt"), "a").unwrap();
    std::fs::write(root.join("sub/deep/b.txt"), "b").unwrap();
    std::fs::write(root.join("Dockerfile"), "FROM x").unwrap();
    std::fs::create_dir_all(root.join("node_modules/m")).unwrap();
    std::fs::write(root.join("node_modules/m/i.js"), "").unwrap();
    (dir, root)
}

#[test]
fn a_new_directory_is_expanded_into_its_content() {
    let (_d, root) = tree();
    let got = expand(&[(root.join("sub"), true), (root.join("a.txt"), false)]);
    let rel: BTreeSet<String> = got.iter().map(|p| p.strip_prefix(&root).unwrap().display().to_string()).collect();
    assert_eq!(rel, BTreeSet::from(["sub".into(), "sub/deep".into(), "sub/deep/b.txt".into(), "a.txt".into()]));
    let only_changed = expand(&[(root.join("sub"), false)]);
    assert_eq!(only_changed.len(), 1, "a directory that merely changed is not walked");
}

#[test]
fn the_initial_sync_skips_ignored_trees_and_dockerfiles() {
    let (_d, root) = tree();
    let rule = rule_for(&root, json!({"ignore": ["node_modules"]}));
    let got: BTreeSet<String> = initial(&rule).into_iter().map(|m| m.container).collect();
    assert_eq!(
        got,
        BTreeSet::from(["/app".into(), "/app/a.txt".into(), "/app/sub".into(), "/app/sub/deep".into(), "/app/sub/deep/b.txt".into()])
    );
}

#[test]
fn files_keep_their_mode_and_gone_files_are_deletions() {
    let (_d, root) = tree();
    let script = root.join("run.sh");
    std::fs::write(&script, "#!/bin/sh").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o750)).unwrap();
    let rule = rule_for(&root, json!({}));
    let mut c = Classifier::new(&rule.path, &rule.target);
    match c.classify(&rule.matches(&script).unwrap()) {
        Change::Put(Entry { kind: EntryKind::File { mode, .. }, container, .. }) => {
            assert_eq!(mode, 0o750);
            assert_eq!(container, "/app/run.sh");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(c.classify(&rule.matches(&root.join("gone.txt")).unwrap()), Change::Delete("/app/gone.txt".into()));
    assert!(matches!(c.classify(&rule.matches(&root.join("sub")).unwrap()), Change::Put(Entry { kind: EntryKind::Dir { .. }, .. })));
}

#[test]
fn links_inside_the_target_are_sent_and_escaping_ones_refused() {
    let (dir, root) = tree();
    symlink("sub/deep/b.txt", root.join("ok")).unwrap();
    symlink("../../etc/passwd", root.join("up")).unwrap();
    symlink("/etc/passwd", root.join("abs")).unwrap();
    symlink("/app/a.txt", root.join("abs_inside")).unwrap();
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("secret"), "s").unwrap();
    symlink(&outside, root.join("linkdir")).unwrap();
    let rule = rule_for(&root, json!({}));
    let mut c = Classifier::new(&rule.path, &rule.target);
    let mut classify = |name: &str| c.classify(&rule.matches(&root.join(name)).unwrap());
    assert!(matches!(classify("ok"), Change::Put(Entry { kind: EntryKind::Symlink { .. }, .. })));
    assert!(matches!(classify("abs_inside"), Change::Put(_)));
    assert!(matches!(classify("up"), Change::Refused { .. }));
    assert!(matches!(classify("abs"), Change::Refused { .. }));
    match classify("linkdir/secret") {
        Change::Refused { reason, .. } => assert!(reason.contains("symbolic link"), "{reason}"),
        other => panic!("a file reached through a link to outside the path was accepted: {other:?}"),
    }
}

#[test]
fn container_link_resolution_is_lexical() {
    assert!(link_stays_in("/app/a/l", "../b", "/app"));
    assert!(!link_stays_in("/app/l", "../etc", "/app"));
    assert!(!link_stays_in("/app/l", "/apple", "/app"));
    assert!(link_stays_in("/app/l", "/app", "/app"));
}
