//! Where the conformance corpus is: real files written by other projects' test suites (see its README).

use std::path::PathBuf;

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The conformance corpus: `REELCUT_CONFORMANCE`, else `../shared/conformance` beside the repository. A
/// missing corpus fails the test that needs it, saying where it was looked for.
pub fn conformance_dir() -> PathBuf {
    let dir = std::env::var_os("REELCUT_CONFORMANCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/conformance"));
    assert!(
        dir.join("PROBE.tsv").is_file(),
        "the conformance corpus is missing: no {} (set REELCUT_CONFORMANCE to the folder that holds it)",
        dir.join("PROBE.tsv").display()
    );
    dir
}
