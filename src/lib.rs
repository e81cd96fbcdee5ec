//! reelcut: an in-browser video player and clip editor.
//!
//! The crate has two halves with a hard seam between them:
//!
//! - the **core** (every module outside `web/`): pure Rust over byte slices, no browser types and no
//!   async runtime, so it builds and is tested natively and backs the command-line examples;
//! - the **browser layer** (`web/`, only on `wasm32`): WebCodecs, WebGL2, WebAudio and the
//!   `#[wasm_bindgen]` JavaScript API, owning every JS resource it creates.

// Every public item is documented; clippy's `-D warnings` (make test) holds it.
#![warn(missing_docs)]
// A `str` cut by index panics with a message that describes the character at the cut, which links core's
// Unicode tables into the wasm: strings are cut with `get` and `split_at_checked`. (The other rules that keep
// code out of the wasm are in `.clippy.toml`.)
#![warn(clippy::string_slice)]

pub mod codec;
pub mod decimal;
pub mod demux;
pub mod edit;
pub mod error;
pub mod hls;
pub mod isobmff;
pub mod media;
pub mod mux;
pub mod player;
pub mod time;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use error::{Error, ErrorCode, Result};
pub use time::Time;

/// The crate version, which is also the npm package version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
