//! Members that several Web interfaces have under the same name: a chunk's, a frame's and a block of sound's
//! `timestamp`, a canvas's `width` whether on the page or off screen, an `AudioBuffer`'s and an
//! `AudioData`'s `sampleRate`, an array's and an `AudioBuffer`'s `length`, a codec's and an audio context's
//! `state` and `close()`, a canvas's `getContext`.
//!
//! web-sys binds a member once per interface, each binding a JS import of its own (`timestamp` four times,
//! `width` and `height` twice, their setters three times). Here a member is bound once, by name, for every
//! interface that has it, as `dictionary.rs` does for dictionaries' members: call it on
//! [`members`]`(&value)`. Enumerated values are read as the strings they are in JS: web-sys's enum getters
//! each add a table of the values to the glue and a conversion to the wasm.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// An object seen through members it shares with other interfaces.
    pub(crate) type Members;

    /// Microseconds: a `VideoFrame`'s, an `AudioData`'s, an `EncodedVideoChunk`'s or an
    /// `EncodedAudioChunk`'s.
    #[wasm_bindgen(method, getter)]
    pub(crate) fn timestamp(this: &Members) -> f64;

    /// Seconds for an `AudioBuffer`, microseconds for an `AudioData`: never missing.
    #[wasm_bindgen(method, getter)]
    pub(crate) fn duration(this: &Members) -> f64;

    /// Microseconds: a `VideoFrame`'s or an `EncodedAudioChunk`'s, which may have none.
    #[wasm_bindgen(method, getter, js_name = duration)]
    pub(crate) fn duration_if_known(this: &Members) -> Option<f64>;

    /// An `AudioData`'s, an `AudioBuffer`'s or an audio context's, in Hz.
    #[wasm_bindgen(method, getter = sampleRate)]
    pub(crate) fn sample_rate(this: &Members) -> f64;

    /// An `AudioData`'s or an `AudioBuffer`'s.
    #[wasm_bindgen(method, getter = numberOfChannels)]
    pub(crate) fn number_of_channels(this: &Members) -> u32;

    /// An array's element count, an `AudioBuffer`'s sample frames.
    #[wasm_bindgen(method, getter)]
    pub(crate) fn length(this: &Members) -> u32;

    /// An encoded chunk's size, an `ArrayBuffer`'s, a `Uint8Array`'s (its `length`).
    #[wasm_bindgen(method, getter = byteLength)]
    pub(crate) fn byte_length(this: &Members) -> u32;

    /// Copies an encoded chunk's bytes into `destination` (as long as its `byteLength`).
    #[wasm_bindgen(method, catch, js_name = copyTo)]
    pub(crate) fn copy_to(this: &Members, destination: &mut [u8]) -> Result<(), JsValue>;

    /// Copies `source` into a `Uint8Array` as long as it (`TypedArray.prototype.set`).
    #[wasm_bindgen(method, js_name = set)]
    pub(crate) fn set_bytes(this: &Members, source: &[u8]);

    /// A `Uint8Array`'s bytes, which the glue copies into the `Vec` (`subarray()` is a view of them all).
    /// js-sys's `to_vec` reads the array's `length` twice and asserts that the two agree, with
    /// `assert_eq!`'s formatting of them.
    #[wasm_bindgen(method, js_name = subarray)]
    pub(crate) fn bytes(this: &Members) -> Vec<u8>;

    /// A `Float32Array`'s numbers, copied as [`Members::bytes`] copies a `Uint8Array`'s.
    #[wasm_bindgen(method, js_name = subarray)]
    pub(crate) fn f32s(this: &Members) -> Vec<f32>;

    /// A `Float64Array`'s numbers, copied as [`Members::bytes`] copies a `Uint8Array`'s.
    #[wasm_bindgen(method, js_name = subarray)]
    pub(crate) fn f64s(this: &Members) -> Vec<f64>;

    /// A codec's (`"unconfigured"`, `"configured"`, `"closed"`) or an audio context's (`"suspended"`,
    /// `"running"`, `"closed"`).
    #[wasm_bindgen(method, getter)]
    pub(crate) fn state(this: &Members) -> String;

    /// An encoded chunk's: `"key"` or `"delta"`.
    #[wasm_bindgen(method, getter = type)]
    pub(crate) fn chunk_type(this: &Members) -> String;

    /// A canvas's (`<canvas>` or `OffscreenCanvas`), in pixels.
    #[wasm_bindgen(method, getter)]
    pub(crate) fn width(this: &Members) -> u32;

    /// A canvas's, in pixels.
    #[wasm_bindgen(method, getter)]
    pub(crate) fn height(this: &Members) -> u32;

    /// A canvas's, or a video codec configuration's.
    #[wasm_bindgen(method, setter)]
    pub(crate) fn set_width(this: &Members, width: u32);

    /// A canvas's, or a video codec configuration's.
    #[wasm_bindgen(method, setter)]
    pub(crate) fn set_height(this: &Members, height: u32);

    /// Ends a codec (unless closed already: it throws then), a `VideoFrame` or an `AudioData` (their memory
    /// released now) or an audio context (its promise is not awaited).
    #[wasm_bindgen(method, catch)]
    pub(crate) fn close(this: &Members) -> Result<(), JsValue>;

    /// A canvas's (`<canvas>` or `OffscreenCanvas`) drawing context of `kind` (`"2d"`, `"webgl2"`,
    /// `"bitmaprenderer"`), made with `options` (`undefined` for the defaults) the first time; `None` where the
    /// browser has none of that kind, or the canvas already has one of another kind.
    #[wasm_bindgen(method, catch, js_name = getContext)]
    pub(crate) fn get_context(this: &Members, kind: &str, options: &JsValue)
        -> Result<Option<js_sys::Object>, JsValue>;
}

/// `value` seen through the members it shares with other interfaces.
pub(crate) fn members(value: &impl JsCast) -> &Members {
    value.unchecked_ref()
}
