//! The core's modules (`src/` outside `web/`) import one another without a circle: each can be read, tested
//! and changed knowing only what it imports. The imports are read from the sources' `use` declarations and
//! `crate::` paths (test modules left out), at the level of files.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// Module path (`demux::movie`) → source file, for every file of `src/` outside `web/`.
fn core_modules(dir: &Path, prefix: &[String], modules: &mut BTreeMap<Vec<String>, String>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        if path.is_dir() {
            if name != "web" {
                let mut inner = prefix.to_vec();
                inner.push(name);
                core_modules(&path, &inner, modules);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            let mut module = prefix.to_vec();
            if name != "mod" && name != "lib" {
                module.push(name);
            }
            let source = fs::read_to_string(&path).unwrap();
            // Unit tests may reach anywhere.
            let code = source.split("#[cfg(test)]").next().unwrap_or_default().to_string();
            modules.insert(module, code);
        }
    }
}

/// The paths `code` (of `module`) imports, as absolute module paths.
fn imported_paths(module: &[String], code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let words: Vec<&str> = code
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .filter(|w| w.starts_with("crate::") || w.starts_with("super::") || w.starts_with("self::"))
        .collect();
    for word in words {
        let mut parts = word.split("::").filter(|p| !p.is_empty());
        let mut base = match parts.next() {
            Some("crate") => Vec::new(),
            Some("self") => module.to_vec(),
            _ => module[..module.len().saturating_sub(1)].to_vec(),
        };
        for part in parts {
            if part == "super" {
                base.pop();
            } else {
                base.push(part.to_string());
            }
        }
        paths.push(base);
    }
    paths
}

#[test]
fn the_core_imports_without_a_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut modules = BTreeMap::new();
    core_modules(&src, &[], &mut modules);
    // Each import names the longest module path it starts with.
    let mut edges: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (module, code) in &modules {
        let targets = edges.entry(module.clone()).or_default();
        for path in imported_paths(module, code) {
            let target = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|m| modules.contains_key(m));
            if let Some(target) = target.filter(|t| t != module && !t.is_empty() && t[0] != "web") {
                targets.insert(target);
            }
        }
    }
    assert!(
        edges.len() > 40,
        "only {} modules found under {}",
        edges.len(),
        src.display()
    );
    // Depth-first search for a path back to a module on the stack.
    fn visit(
        module: &Vec<String>,
        edges: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        stack: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|m| m == module) {
            let mut circle: Vec<String> = stack[at..].iter().map(|m| m.join("::")).collect();
            circle.push(module.join("::"));
            return Some(circle);
        }
        if done.contains(module) {
            return None;
        }
        stack.push(module.clone());
        for next in edges.get(module).into_iter().flatten() {
            if let Some(circle) = visit(next, edges, stack, done) {
                return Some(circle);
            }
        }
        stack.pop();
        done.insert(module.clone());
        None
    }
    let mut done = BTreeSet::new();
    for module in edges.keys() {
        let circle = visit(module, &edges, &mut Vec::new(), &mut done);
        assert!(circle.is_none(), "import circle: {}", circle.unwrap().join(" -> "));
    }
}
