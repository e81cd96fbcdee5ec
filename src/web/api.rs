//! Module-level JS entry points: start-up and the library version.

use wasm_bindgen::prelude::*;

/// Runs once when `init()` instantiates the module: Rust panics are reported on the console with their
/// message and location instead of an opaque `unreachable` trap.
#[wasm_bindgen(start, skip_typescript)]
fn start() {
    console_error_panic_hook::set_once();
}

/// The library version (the crate's and the npm package's), e.g. `"0.1.0"`.
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_owned()
}
