//! The browser layer: everything that touches JS objects. Compiled only for `wasm32`.
//!
//! Modules here own the JS resources they create and release them in `Drop`.

mod api;
mod audio;
mod audio_encode;
mod capture;
mod cell;
mod chunk;
mod clip;
mod clock;
mod codec_outputs;
mod codecs;
mod content;
mod decode;
mod dub;
mod dub_export;
mod encode;
mod error;
mod export;
mod file;
mod hls;
mod job;
mod media;
mod options;
mod playback;
mod player;
mod promise;
mod render;
mod samples;
mod scale;
mod source;
mod types;
mod voice;

pub use api::version;
pub use clip::Clip;
pub use codecs::{supports_audio_decoding, supports_audio_encoding, supports_video_decoding, supports_video_encoding};
pub use dub::Dub;
pub use media::Media;
pub use player::Player;

/// The heap allocator: Talc in its WebAssembly form, which compiles to a fraction of the default dlmalloc's
/// code and allocates faster; the wasm here is single-threaded (no `atomics`).
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
