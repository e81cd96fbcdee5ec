//! One file per bug found by fuzzing, in `tests/regressions/`, named after what it broke. Each is run through
//! `inspect` with its address space capped at 600 MB: it must end in a clean result or a one-line error,
//! never an abort, an out-of-memory kill or a hang.

// A failed unwrap here is a failed test, not a crash in a user's browser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

#[test]
fn every_fuzz_finding_now_gets_a_clean_answer() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let test_exe = std::env::current_exe().unwrap();
    let inspect = test_exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples")
        .join("inspect");
    assert!(
        inspect.exists(),
        "{} is missing (a full `cargo test` builds it; `cargo build --example inspect` refreshes it)",
        inspect.display()
    );
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    #[allow(clippy::disallowed_methods)] // a native test: the wasm-size rules do not apply
    files.sort();
    assert!(!files.is_empty());
    for file in files {
        let script = format!(
            "ulimit -v 600000; exec timeout 60 '{}' '{}'",
            inspect.display(),
            file.display()
        );
        let output = Command::new("sh").arg("-c").arg(script).output().unwrap();
        let stderr = std::str::from_utf8(&output.stderr).unwrap();
        match output.status.code() {
            Some(0) => {}
            Some(1) => assert_eq!(stderr.lines().count(), 1, "{}: {stderr}", file.display()),
            other => panic!("{}: exit {other:?}\n{stderr}", file.display()),
        }
    }
}
