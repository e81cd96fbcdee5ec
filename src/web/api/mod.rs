//! The JS API: the `#[wasm_bindgen]` classes (thin facades over the engine), the module-level functions
//! (start-up, the library version, what the browser supports) and the TypeScript declarations of the
//! plain objects they take and return.

pub(crate) mod clip;
pub(crate) mod dub;
pub(crate) mod media;
pub(crate) mod player;
pub(crate) mod support;
pub(crate) mod thumbnails;
mod types;

use wasm_bindgen::prelude::*;

use crate::error::Result;
use crate::web::error::to_js;

/// A result for JS: the core's error thrown as a `ReelcutError`.
fn throw<T>(result: Result<T>) -> std::result::Result<T, JsValue> {
    result.map_err(|e| to_js(&e))
}

/// Runs once when `init()` instantiates the module: Rust panics are reported on the console with their
/// message and location instead of an opaque `unreachable` trap. (Once per instance, so the hook is set
/// directly, without `set_once`'s guard against a second call.)
#[wasm_bindgen(start, skip_typescript)]
fn start() {
    std::panic::set_hook(Box::new(console_error_panic_hook::hook));
}

/// The library version (the crate's and the npm package's), e.g. `"0.1.0"`.
#[wasm_bindgen]
pub fn version() -> String {
    crate::VERSION.to_owned()
}
