//! A dub's voice as PCM: from an `AudioBuffer` (a recording, or sound the page decoded), or from a file's
//! bytes: WAV read here, MP4/M4A demuxed here and decoded with WebCodecs, anything else (MP3, Ogg, WebM)
//! handed to the browser's `decodeAudioData`.

use std::future::Future;

use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::AudioBuffer;

use super::codec::audio_decoder::decode_to_pcm;
use super::error::from_js;
use super::members::members;
use crate::decimal::Fixed;
use crate::demux::{self, Format};
use crate::error::{Error, ErrorCode, Result};
use crate::media::{Pcm, TrackKind};
use crate::time::Time;

/// A voice longer than this is refused (`limit_exceeded`): a dub is a clip's length, minutes at most.
const MAX_VOICE_SECONDS: f64 = 20.0 * 60.0;
/// The rate `decodeAudioData` is asked to decode at (it resamples to its context's rate).
const DECODE_RATE: f32 = 48_000.0;

/// The PCM of an `AudioBuffer`.
pub(crate) fn from_audio_buffer(buffer: &AudioBuffer) -> Result<Pcm> {
    let sound = members(buffer);
    check_length(sound.duration())?;
    let count = sound.number_of_channels();
    let mut channels = Vec::with_capacity(count as usize);
    for channel in 0..count {
        let mut plane = vec![0.0f32; sound.length() as usize];
        buffer
            .copy_from_channel(&mut plane, channel as i32)
            .map_err(|e| from_js(ErrorCode::Browser, "AudioBuffer.copyFromChannel", &e))?;
        channels.push(plane);
    }
    Ok(Pcm {
        rate: sound.sample_rate() as u32,
        channels,
    })
}

fn check_length(seconds: f64) -> Result<()> {
    if seconds > MAX_VOICE_SECONDS {
        return Err(Error::limit(format!(
            "the voice lasts {} s; at most {} s is accepted",
            Fixed(seconds, 0),
            Fixed(MAX_VOICE_SECONDS, 0)
        )));
    }
    Ok(())
}

/// The bytes of a `Blob` (a `File` the user dropped, a recording) or of a `Uint8Array`/`ArrayBuffer`.
pub(crate) async fn bytes_of(value: &JsValue) -> Result<Vec<u8>> {
    if let Some(blob) = value.dyn_ref::<web_sys::Blob>() {
        let buffer = JsFuture::from(blob.array_buffer())
            .await
            .map_err(|e| from_js(ErrorCode::Network, "reading the voice Blob", &e))?;
        return Ok(members(&Uint8Array::new(&buffer)).bytes());
    }
    // `new Uint8Array(x)` views an `ArrayBuffer` and copies a `Uint8Array`: either way, its bytes.
    if value.is_instance_of::<Uint8Array>() || value.is_instance_of::<ArrayBuffer>() {
        return Ok(members(&Uint8Array::new(value)).bytes());
    }
    Err(Error::malformed(NOT_A_VOICE))
}

/// The error for a voice of any other type.
pub(crate) const NOT_A_VOICE: &str = "voice must be a Blob (or File), a Uint8Array, an ArrayBuffer or an AudioBuffer";

/// Decodes a voice file.
pub(crate) async fn from_file(bytes: Vec<u8>) -> Result<Pcm> {
    let pcm = if demux::wav::is_wav(&bytes) {
        demux::wav::decode(&bytes)?
    } else if demux::detect_format(&bytes) == Some(Format::Mp4) {
        from_mp4(&bytes).await?
    } else {
        // Anything else the browser decodes (MP3, Ogg/Opus, WebM), with `decodeAudioData`.
        from_audio_buffer(&decode_audio_data(&bytes, DECODE_RATE)?.await?)?
    };
    if pcm.frames() == 0 {
        return Err(Error::malformed("the voice file holds no sound"));
    }
    check_length(pcm.duration())?;
    Ok(pcm)
}

/// MP4/M4A: the first audio track, decoded with WebCodecs from its first shown sample (edit list
/// applied: an AAC encoder's priming is not part of the voice).
async fn from_mp4(bytes: &[u8]) -> Result<Pcm> {
    let demuxed = demux::mp4::demux(bytes)?;
    let track = demuxed
        .tracks
        .iter()
        .find(|t| t.kind == TrackKind::Audio)
        .ok_or_else(|| Error::malformed("the voice file has no audio track"))?;
    let (first, last) = track
        .presentation_span()
        .ok_or_else(|| Error::malformed("the voice file's audio track is empty"))?;
    let seconds = |ticks: i64| {
        Time {
            ticks,
            scale: track.timescale,
        }
        .seconds()
    };
    // Where the edit list starts presentation (after an AAC encoder's priming), to the sample.
    let origin = track.presentation_start.unwrap_or(first);
    check_length(seconds(last - origin))?;
    let mut samples = track.samples.iter().map(|sample| {
        demuxed
            .sample_data(bytes, sample)
            .map(|data| (sample, data))
            .ok_or_else(|| Error::malformed("a voice sample lies outside the file"))
    });
    decode_to_pcm(&track.config, track.timescale, &mut samples, seconds(origin), None).await
}

/// Starts decoding a sound file (any container and codec the browser reads) with `decodeAudioData` on an
/// offline context of `rate` samples per second (the sound is resampled to it), which only pages have (not
/// Workers); the decoding runs on the browser's own thread, so several may run at once. Awaiting the
/// returned future gives the sound.
pub(crate) fn decode_audio_data(bytes: &[u8], rate: f32) -> Result<impl Future<Output = Result<AudioBuffer>>> {
    // Workers have no OfflineAudioContext: making one fails there.
    let context = web_sys::OfflineAudioContext::new_with_number_of_channels_and_length_and_sample_rate(1, 1, rate)
        .map_err(|e| {
            from_js(
                ErrorCode::Unsupported,
                "decodeAudioData needs an OfflineAudioContext, which Workers lack (in a Worker, pass voices as WAV, \
                 M4A or an AudioBuffer, and ask for waveforms on the page); new OfflineAudioContext",
                &e,
            )
        })?;
    let promise = context
        .decode_audio_data(&Uint8Array::from(bytes).buffer())
        .map_err(|e| from_js(ErrorCode::MalformedInput, "decodeAudioData", &e))?;
    Ok(async move {
        let decoded = JsFuture::from(promise).await.map_err(|e| {
            from_js(
                ErrorCode::MalformedInput,
                "the sound could not be decoded (corrupt, or a format this browser does not read); decodeAudioData",
                &e,
            )
        })?;
        decoded
            .dyn_into()
            .map_err(|_| Error::new(ErrorCode::Browser, "decodeAudioData returned no AudioBuffer"))
    })
}
