//! The browser layer: everything that touches JS objects. Compiled only for `wasm32`.
//!
//! `api/` holds the `#[wasm_bindgen]` classes, thin facades over the engine (the other modules), which
//! never imports them. Modules here own the JS resources they create and release them in `Drop`.

mod api;
mod audio;
mod capture;
mod cell;
mod chunk;
mod clock;
mod codec;
mod content;
mod dictionary;
mod dub_export;
mod dub_sound;
mod error;
mod export;
mod fetch;
mod file;
mod hls;
mod job;
mod life;
mod members;
mod options;
mod output;
mod playback;
mod player;
mod promise;
mod reencode;
mod render;
mod samples;
mod scale;
mod source;
mod voice;
mod waveform;

pub use api::clip::Clip;
pub use api::dub::Dub;
pub use api::media::Media;
pub use api::player::Player;
pub use api::support::{
    supports_audio_decoding, supports_audio_encoding, supports_video_decoding, supports_video_encoding,
};
pub use api::version;

/// The heap allocator: Talc in its WebAssembly form, which compiles to a fraction of the default dlmalloc's
/// code and allocates faster; the wasm here is single-threaded (no `atomics`).
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
