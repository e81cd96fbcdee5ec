//! The WebIDL dictionaries of WebCodecs and WebAudio (codec configurations, chunk and `AudioData` inits,
//! copy and buffer options), built as the plain objects they are in JS; and the plain objects the API
//! returns (`media.tracks`, `player.audioTracks`, sample tables).
//!
//! web-sys binds each member of each dictionary on its own: `codec` once per codec configuration,
//! `sampleRate` and `numberOfChannels` once per audio dictionary, `timestamp` once per init, each a JS
//! import of its own. Here a member is bound once, by name, for every dictionary that has it; the object
//! built is handed over as the web-sys dictionary the method takes (`unchecked_ref`).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::members::Members;

/// A plain object whose data properties are `fields`.
pub(crate) fn plain_object(fields: &[(&str, JsValue)]) -> js_sys::Object {
    let object = js_sys::Object::new();
    for (key, value) in fields {
        super::options::set_property(&object, key, value);
    }
    object
}

#[wasm_bindgen]
extern "C" {
    /// A dictionary under construction: a plain object. Its `width` and `height` are set through the
    /// binding canvases share ([`Members`]).
    #[wasm_bindgen(extends = Members, extends = js_sys::Object)]
    pub(crate) type Dictionary;

    /// A codec configuration's codec string (`"avc1.64001f"`, `"opus"`).
    #[wasm_bindgen(method, setter)]
    pub(crate) fn set_codec(this: &Dictionary, codec: &str);

    /// A decoder configuration's codec-specific description (an `avcC`, an `AudioSpecificConfig`).
    #[wasm_bindgen(method, setter)]
    pub(crate) fn set_description(this: &Dictionary, description: &js_sys::Uint8Array);

    #[wasm_bindgen(method, setter = codedWidth)]
    pub(crate) fn set_coded_width(this: &Dictionary, width: u32);

    #[wasm_bindgen(method, setter = codedHeight)]
    pub(crate) fn set_coded_height(this: &Dictionary, height: u32);

    /// `"prefer-hardware"`, `"no-preference"` or `"prefer-software"`.
    #[wasm_bindgen(method, setter = hardwareAcceleration)]
    pub(crate) fn set_hardware_acceleration(this: &Dictionary, acceleration: &str);

    /// Bits per second.
    #[wasm_bindgen(method, setter)]
    pub(crate) fn set_bitrate(this: &Dictionary, bitrate: f64);

    #[wasm_bindgen(method, setter)]
    pub(crate) fn set_framerate(this: &Dictionary, framerate: f64);

    /// `"quality"` or `"realtime"`.
    #[wasm_bindgen(method, setter = latencyMode)]
    pub(crate) fn set_latency_mode(this: &Dictionary, mode: &str);

    /// An encoder configuration's H.264 options (`{ format }`).
    #[wasm_bindgen(method, setter)]
    pub(crate) fn set_avc(this: &Dictionary, avc: &js_sys::Object);

    #[wasm_bindgen(method, setter = numberOfChannels)]
    pub(crate) fn set_number_of_channels(this: &Dictionary, channels: u32);

    #[wasm_bindgen(method, setter = sampleRate)]
    pub(crate) fn set_sample_rate(this: &Dictionary, rate: f64);

    #[wasm_bindgen(method, setter = numberOfFrames)]
    pub(crate) fn set_number_of_frames(this: &Dictionary, frames: u32);

    /// An `AudioBuffer`'s length in sample frames.
    #[wasm_bindgen(method, setter)]
    pub(crate) fn set_length(this: &Dictionary, frames: u32);

    /// A sample format: `"f32-planar"`, `"s16"`, ...
    #[wasm_bindgen(method, setter)]
    pub(crate) fn set_format(this: &Dictionary, format: &str);

    #[wasm_bindgen(method, setter = planeIndex)]
    pub(crate) fn set_plane_index(this: &Dictionary, plane: u32);

    /// A chunk's bytes, an `AudioData`'s samples.
    #[wasm_bindgen(method, setter)]
    pub(crate) fn set_data(this: &Dictionary, data: &js_sys::Object);

    /// Microseconds.
    #[wasm_bindgen(method, setter)]
    pub(crate) fn set_timestamp(this: &Dictionary, micros: f64);

    /// Microseconds.
    #[wasm_bindgen(method, setter)]
    pub(crate) fn set_duration(this: &Dictionary, micros: f64);

    /// A chunk's type: `"key"` or `"delta"`.
    #[wasm_bindgen(method, setter = type)]
    pub(crate) fn set_chunk_type(this: &Dictionary, kind: &str);
}

impl Dictionary {
    /// An empty dictionary.
    pub(crate) fn new() -> Dictionary {
        js_sys::Object::new().unchecked_into()
    }

    /// An audio decoder's or encoder's configuration (the same members): `codec` at `sample_rate` Hz with
    /// `channels` channels.
    pub(crate) fn audio_config(codec: &str, sample_rate: u32, channels: u32) -> Dictionary {
        let config = Dictionary::new();
        config.set_codec(codec);
        config.set_sample_rate(f64::from(sample_rate));
        config.set_number_of_channels(channels);
        config
    }
}
