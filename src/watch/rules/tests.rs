use std::collections::BTreeSet;
use std::path::Path;

use serde_json::json;

use super::*;
use crate::model::{Project, Service};

fn project(services: serde_json::Value) -> Project {
    let mut p = Project { name: "p".into(), ..Default::default() };
    for (name, body) in services.as_object().unwrap() {
        let mut s: Service = serde_json::from_value(body.clone()).unwrap();
        s.name = name.clone();
        p.services.insert(name.clone(), s);
    }
    p
}

fn rules(services: serde_json::Value) -> Rules {
    Rules::compile(&project(services), &BTreeSet::new()).unwrap()
}

fn target(r: &Rule, host: &str) -> Option<String> {
    r.matches(Path::new(host)).map(|m| m.container)
}

#[test]
fn files_under_the_path_go_under_the_target() {
    let r = rules(json!({"web": {"develop": {"watch": [{"path": "/nowhere/src", "action": "sync", "target": "/app/"}]}}}));
    let rule = &r.rules[0];
    assert_eq!(target(rule, "/nowhere/src/a/b.js").as_deref(), Some("/app/a/b.js"));
    assert_eq!(target(rule, "/nowhere/src").as_deref(), Some("/app"));
    assert_eq!(target(rule, "/nowhere/srcx/a"), None);
    assert_eq!(target(rule, "/nowhere/a"), None);
}

#[test]
fn ignore_include_and_builtins_filter_files() {
    let r = rules(json!({"web": {"develop": {"watch": [{
        "path": "/nowhere/src", "action": "sync", "target": "/app",
        "ignore": ["*.tmp", "node_modules/"], "include": ["*.js", "lib/**"]
    }]}}}));
    let rule = &r.rules[0];
    assert!(target(rule, "/nowhere/src/a.js").is_some());
    assert!(target(rule, "/nowhere/src/lib/x/y.txt").is_some());
    assert!(target(rule, "/nowhere/src/a.txt").is_none(), "not included");
    assert!(target(rule, "/nowhere/src/lib/x.tmp").is_some(), "ignore patterns are relative to the path");
    assert!(target(rule, "/nowhere/src/a.tmp").is_none());
    assert!(target(rule, "/nowhere/src/node_modules/a.js").is_none());
    assert!(target(rule, "/nowhere/src/.git/a.js").is_none());
    assert!(target(rule, "/nowhere/src/lib/.a.js.swp").is_none());
    assert!(target(rule, "/nowhere/src/lib/#a.js#").is_none(), "emacs auto-save");
    assert!(target(rule, "/nowhere/src/a.js~").is_none());
    assert!(target(rule, "/nowhere/src/.#a.js").is_none());
}

#[test]
fn the_build_context_dockerignore_applies_below_the_context() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path().canonicalize().unwrap();
    std::fs::write(ctx.join(".dockerignore"), "# comment\n*.log\n!keep.log\n").unwrap();
    let r = rules(json!({"web": {
        "build": {"context": ctx.to_str().unwrap()},
        "develop": {"watch": [{"path": ctx.to_str().unwrap(), "action": "sync", "target": "/app"}]}
    }}));
    let rule = &r.rules[0];
    assert!(rule.matches(&ctx.join("a.log")).is_none());
    assert!(rule.matches(&ctx.join("keep.log")).is_some());
    assert!(rule.matches(&ctx.join("a.txt")).is_some());
}

#[test]
fn a_dockerfile_specific_ignore_file_wins() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = dir.path().canonicalize().unwrap();
    std::fs::write(ctx.join(".dockerignore"), "*.log\n").unwrap();
    std::fs::write(ctx.join("Dev.Dockerfile.dockerignore"), "*.txt\n").unwrap();
    let r = rules(json!({"web": {
        "build": {"context": ctx.to_str().unwrap(), "dockerfile": "Dev.Dockerfile"},
        "develop": {"watch": [{"path": ctx.to_str().unwrap(), "action": "sync", "target": "/app"}]}
    }}));
    assert!(r.rules[0].matches(&ctx.join("a.log")).is_some());
    assert!(r.rules[0].matches(&ctx.join("a.txt")).is_none());
}

#[test]
fn bind_mounted_paths_are_not_synced() {
    let r = rules(json!({"web": {
        "volumes": [{"type": "bind", "source": "/nowhere/src", "target": "/app"}, {"type": "bind", "source": "/nowhere/data", "target": "/srv/data"}],
        "develop": {"watch": [
            {"path": "/nowhere/src/lib", "action": "sync", "target": "/lib"},
            {"path": "/nowhere/other", "action": "sync", "target": "/srv"},
            {"path": "/nowhere/src", "action": "restart"}
        ]}
    }}));
    assert_eq!(r.rules.len(), 2, "{:?}", r.warnings);
    assert!(r.warnings[0].contains("bind-mounted"), "{:?}", r.warnings);
    let sync = &r.rules[0];
    assert_eq!(target(sync, "/nowhere/other/x").as_deref(), Some("/srv/x"));
    assert_eq!(target(sync, "/nowhere/other/data/x"), None, "/srv/data is a bind mount");
    assert_eq!(r.rules[1].action, Action::Restart);
}

#[test]
fn targets_must_be_absolute_and_stay_put() {
    let bad = |t: &str| {
        let p = project(json!({"web": {"develop": {"watch": [{"path": "/x", "action": "sync", "target": t}]}}}));
        Rules::compile(&p, &BTreeSet::new()).unwrap_err().to_string()
    };
    assert!(bad("app").contains("not an absolute path"));
    assert!(bad("/app/../etc").contains("\"..\""));
    assert!(bad("").contains("needs a target"));
}

#[test]
fn actions_are_checked() {
    let err = |rule: serde_json::Value| {
        let p = project(json!({"web": {"develop": {"watch": [rule]}}}));
        Rules::compile(&p, &BTreeSet::new()).unwrap_err().to_string()
    };
    assert!(err(json!({"path": "/x", "action": "rebuild"})).contains("no build section"));
    assert!(err(json!({"path": "/x", "action": "sync+exec", "target": "/x"})).contains("exec.command"));
    assert_eq!(err(json!({"path": "/x", "action": "teleport"})), "services.web.develop.watch[0]: unknown action \"teleport\"");
}

#[test]
fn exec_options_are_read() {
    let r = rules(json!({"web": {"develop": {"watch": [{
        "path": "/x", "action": "sync+exec", "target": "/x",
        "exec": {"command": "sh -c 'echo hi'", "user": "nobody", "privileged": true, "working_dir": "/w", "environment": {"A": "1", "B": null}}
    }]}}}));
    let exec = r.rules[0].exec.clone().unwrap();
    assert_eq!(exec.cmd, ["sh", "-c", "echo hi"]);
    assert_eq!(exec.user.as_deref(), Some("nobody"));
    assert!(exec.privileged);
    assert_eq!(exec.working_dir.as_deref(), Some("/w"));
    assert_eq!(exec.env, ["A=1", "B"]);
}

#[test]
fn initial_sync_has_two_spellings() {
    let r = rules(json!({"web": {"develop": {"watch": [
        {"path": "/x", "action": "sync", "target": "/x", "initial_sync": true},
        {"path": "/y", "action": "sync", "target": "/y", "x-initialSync": true},
        {"path": "/z", "action": "sync", "target": "/z"}
    ]}}}));
    let flags: Vec<bool> = r.rules.iter().map(|r| r.initial_sync).collect();
    assert_eq!(flags, [true, true, false]);
}

#[test]
fn only_selected_services_are_compiled() {
    let p = project(json!({
        "a": {"develop": {"watch": [{"path": "/a", "action": "restart"}]}},
        "b": {"develop": {"watch": [{"path": "/b", "action": "restart"}]}}
    }));
    let r = Rules::compile(&p, &BTreeSet::from(["b".to_string()])).unwrap();
    assert_eq!(r.rules.len(), 1);
    assert_eq!(r.rules[0].service, "b");
}
