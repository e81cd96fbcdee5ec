//! `supports*`: what this browser's WebCodecs can decode and encode, for apps to ask before they open or
//! export.
//!
//! Support varies by browser and platform (Chromium on desktop Linux decodes AAC but cannot encode it, and
//! has no HEVC decoder), so the library asks `isConfigSupported` rather than assuming. Each function resolves
//! to a boolean; an invalid configuration (e.g. an empty codec string) rejects with `malformed_input`.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::error::ErrorCode;
use crate::web::codec::support::config_supported;
use crate::web::dictionary::Dictionary;
use crate::web::promise::to_promise;

/// Whether a `VideoDecoder` accepts `codec` (a WebCodecs codec string such as `"avc1.64001f"`) at
/// `width`×`height`.
#[wasm_bindgen(js_name = supportsVideoDecoding, unchecked_return_type = "Promise<boolean>")]
pub fn supports_video_decoding(codec: String, width: u32, height: u32) -> Promise {
    let config = Dictionary::new();
    config.set_codec(&codec);
    config.set_coded_width(width);
    config.set_coded_height(height);
    supported(
        web_sys::VideoDecoder::is_config_supported(config.unchecked_ref()).unchecked_into(),
        "VideoDecoder.isConfigSupported",
    )
}

/// Whether a `VideoEncoder` accepts `codec` at `width`×`height`.
#[wasm_bindgen(js_name = supportsVideoEncoding, unchecked_return_type = "Promise<boolean>")]
pub fn supports_video_encoding(codec: String, width: u32, height: u32) -> Promise {
    let config = Dictionary::new();
    config.set_codec(&codec);
    config.set_width(width);
    config.set_height(height);
    supported(
        web_sys::VideoEncoder::is_config_supported(config.unchecked_ref()).unchecked_into(),
        "VideoEncoder.isConfigSupported",
    )
}

/// Whether an `AudioDecoder` accepts `codec` (e.g. `"mp4a.40.2"`, `"opus"`) at `sampleRate` Hz with
/// `channels` channels.
#[wasm_bindgen(js_name = supportsAudioDecoding, unchecked_return_type = "Promise<boolean>")]
pub fn supports_audio_decoding(
    codec: String,
    #[wasm_bindgen(js_name = sampleRate)] sample_rate: u32,
    channels: u32,
) -> Promise {
    let config = Dictionary::audio_config(&codec, sample_rate, channels);
    supported(
        web_sys::AudioDecoder::is_config_supported(config.unchecked_ref()).unchecked_into(),
        "AudioDecoder.isConfigSupported",
    )
}

/// Whether an `AudioEncoder` accepts `codec` at `sampleRate` Hz with `channels` channels. Dubbing asks this
/// to choose AAC or Opus for the exported sound.
#[wasm_bindgen(js_name = supportsAudioEncoding, unchecked_return_type = "Promise<boolean>")]
pub fn supports_audio_encoding(
    codec: String,
    #[wasm_bindgen(js_name = sampleRate)] sample_rate: u32,
    channels: u32,
) -> Promise {
    let config = Dictionary::audio_config(&codec, sample_rate, channels);
    supported(
        web_sys::AudioEncoder::is_config_supported(config.unchecked_ref()).unchecked_into(),
        "AudioEncoder.isConfigSupported",
    )
}

/// The answer of an `isConfigSupported` call, for JS: rejects with `malformed_input` for an invalid
/// configuration.
fn supported(support: Promise, doing: &'static str) -> Promise {
    to_promise(async move {
        config_supported(support, ErrorCode::MalformedInput, doing)
            .await
            .map(JsValue::from_bool)
    })
}
