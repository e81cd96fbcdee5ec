//! What this browser's WebCodecs can decode and encode.
//!
//! Support varies by browser and platform (Chromium on desktop Linux decodes AAC but cannot encode it, and
//! has no HEVC decoder), so the library asks `isConfigSupported` rather than assuming. Each function resolves
//! to a boolean; an invalid configuration (e.g. an empty codec string) rejects with `malformed_input`.

use wasm_bindgen::prelude::*;

use super::error::{from_js, to_js};
use crate::error::ErrorCode;

/// Whether a `VideoDecoder` accepts `codec` (a WebCodecs codec string such as `"avc1.64001f"`) at
/// `width`×`height`.
#[wasm_bindgen(js_name = supportsVideoDecoding)]
pub async fn supports_video_decoding(codec: String, width: u32, height: u32) -> Result<bool, JsValue> {
    let config = web_sys::VideoDecoderConfig::new(&codec);
    config.set_coded_width(width);
    config.set_coded_height(height);
    let support = web_sys::VideoDecoder::is_config_supported(&config)
        .await
        .map_err(rejected("VideoDecoder.isConfigSupported"))?;
    Ok(support.get_supported().unwrap_or(false))
}

/// Whether a `VideoEncoder` accepts `codec` at `width`×`height`.
#[wasm_bindgen(js_name = supportsVideoEncoding)]
pub async fn supports_video_encoding(codec: String, width: u32, height: u32) -> Result<bool, JsValue> {
    let config = web_sys::VideoEncoderConfig::new(&codec, height, width);
    let support = web_sys::VideoEncoder::is_config_supported(&config)
        .await
        .map_err(rejected("VideoEncoder.isConfigSupported"))?;
    Ok(support.get_supported().unwrap_or(false))
}

/// Whether an `AudioDecoder` accepts `codec` (e.g. `"mp4a.40.2"`, `"opus"`) at `sampleRate` Hz with
/// `channels` channels.
#[wasm_bindgen(js_name = supportsAudioDecoding)]
pub async fn supports_audio_decoding(
    codec: String,
    #[wasm_bindgen(js_name = sampleRate)] sample_rate: u32,
    channels: u32,
) -> Result<bool, JsValue> {
    let config = web_sys::AudioDecoderConfig::new(&codec, channels, sample_rate);
    let support = web_sys::AudioDecoder::is_config_supported(&config)
        .await
        .map_err(rejected("AudioDecoder.isConfigSupported"))?;
    Ok(support.get_supported().unwrap_or(false))
}

/// Whether an `AudioEncoder` accepts `codec` at `sampleRate` Hz with `channels` channels. Dubbing asks this
/// to choose AAC or Opus for the exported sound.
#[wasm_bindgen(js_name = supportsAudioEncoding)]
pub async fn supports_audio_encoding(
    codec: String,
    #[wasm_bindgen(js_name = sampleRate)] sample_rate: u32,
    channels: u32,
) -> Result<bool, JsValue> {
    let config = web_sys::AudioEncoderConfig::new(&codec, channels, sample_rate);
    let support = web_sys::AudioEncoder::is_config_supported(&config)
        .await
        .map_err(rejected("AudioEncoder.isConfigSupported"))?;
    Ok(support.get_supported().unwrap_or(false))
}

/// `isConfigSupported` rejects (with a `TypeError`) only when the configuration itself is invalid.
fn rejected(doing: &'static str) -> impl Fn(JsValue) -> JsValue {
    move |thrown| to_js(&from_js(ErrorCode::MalformedInput, doing, &thrown))
}
