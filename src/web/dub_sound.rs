//! Encoding a dubbed clip's sound with WebCodecs `AudioEncoder`: AAC where the browser can encode it
//! (Chrome on Windows, macOS and Android; Safari), otherwise Opus, which every WebCodecs browser encodes
//! and which MP4 carries in an `Opus` sample entry.

use std::future::Future;

use js_sys::Float32Array;
use wasm_bindgen::prelude::*;

use super::codec::audio_encoder::AudioEncoder;
use super::codec::frame::Sound;
use super::codec::support::config_supported;
use super::codec::Encoded;
use super::dictionary::Dictionary;
use super::error::from_js;
use super::job::Job;
use super::life::sleep_ms;
use crate::codec::opus::{self, OpusHead};
use crate::edit::sound::{EncodedPacket, EncodedSound};
use crate::error::{Error, ErrorCode, Result};
use crate::media::{CodecConfig, Pcm};
use crate::time::{rescale_ticks, MICROS_PER_SECOND};

/// AAC-LC, as WebCodecs names it.
const AAC: &str = "mp4a.40.2";
const OPUS: &str = "opus";
/// Bits per second per channel: transparent for speech and music in both codecs.
const BITRATE_PER_CHANNEL: u32 = 64_000;
/// Samples per `AudioData` handed to the encoder (100 ms at 48 kHz).
const BLOCK: usize = 4_800;
/// Blocks queued in the encoder before waiting for it.
const BLOCKS_IN_FLIGHT: u32 = 16;
/// AAC encoders start with 1024 samples of priming (one frame); WebCodecs does not report it.
const AAC_PRIMING: i64 = 1_024;

/// libopus' encoder delay at 48 kHz, samples.
const LIBOPUS_LOOKAHEAD: u16 = 312;

/// What the dubbed sound is encoded as: codec string and sample rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AudioCoding {
    pub(crate) codec: &'static str,
    pub(crate) rate: u32,
    pub(crate) channels: u32,
}

fn encoder_config(coding: &AudioCoding) -> Dictionary {
    let config = Dictionary::audio_config(coding.codec, coding.rate, coding.channels);
    config.set_bitrate(f64::from(BITRATE_PER_CHANNEL * coding.channels));
    config
}

fn supported(coding: &AudioCoding) -> impl Future<Output = Result<bool>> {
    let support = web_sys::AudioEncoder::is_config_supported(encoder_config(coding).unchecked_ref()).unchecked_into();
    config_supported(support, ErrorCode::Browser, "AudioEncoder.isConfigSupported")
}

/// AAC at `rate` when this browser encodes it, else Opus at 48 kHz; `unsupported_codec` when neither.
pub(crate) async fn choose_coding(rate: u32, channels: u32) -> Result<AudioCoding> {
    let channels = channels.clamp(1, 2);
    for coding in [
        AudioCoding {
            codec: AAC,
            rate,
            channels,
        },
        AudioCoding {
            codec: OPUS,
            // Opus codes at 48 kHz whatever its input: resampling in Rust first keeps the filter ours.
            rate: opus::RATE,
            channels,
        },
    ] {
        if supported(&coding).await? {
            return Ok(coding);
        }
    }
    Err(Error::new(
        ErrorCode::UnsupportedCodec,
        "this browser can encode neither AAC nor Opus audio, which a dub's sound needs",
    ))
}

/// Encodes `pcm` (at the coding's rate and channel count). Progress goes by blocks the encoder has taken.
pub(crate) async fn encode(pcm: &Pcm, coding: &AudioCoding, job: &Job) -> Result<EncodedSound> {
    let encoder = AudioEncoder::new(&encoder_config(coding))?;
    // A block of silence after the clip lets the encoder's last packets cover its delay.
    let padded = pcm.frames() + (coding.rate / 50) as usize;
    let blocks = padded.div_ceil(BLOCK);
    for block in 0..blocks {
        job.check()?;
        let from = block * BLOCK;
        encoder.encode(&audio_data(pcm, from, BLOCK.min(padded - from), coding)?)?;
        while encoder.queue_size() > BLOCKS_IN_FLIGHT {
            sleep_ms(1.0).await;
        }
        job.progress(block as f64 / blocks as f64);
    }
    encoder.flush().await?;
    job.progress(1.0);
    collect(encoder.take()?, coding, pcm.frames())
}

/// `frames` samples of `pcm` from `from` (silence past its end) as `AudioData` stamped with its time.
fn audio_data(pcm: &Pcm, from: usize, frames: usize, coding: &AudioCoding) -> Result<Sound> {
    let channels = coding.channels as usize;
    let mut planar = vec![0.0f32; frames * channels];
    for (plane, out) in pcm.channels.iter().zip(planar.chunks_exact_mut(frames)) {
        if let Some(available) = plane.get(from..) {
            let take = available.len().min(frames);
            out[..take].copy_from_slice(&available[..take]);
        }
    }
    let array = Float32Array::from(planar.as_slice());
    let micros = from as f64 * f64::from(MICROS_PER_SECOND) / f64::from(coding.rate);
    let init = Dictionary::new();
    init.set_data(&array);
    init.set_format("f32-planar");
    init.set_number_of_channels(coding.channels);
    init.set_number_of_frames(frames as u32);
    init.set_sample_rate(f64::from(coding.rate));
    init.set_timestamp(micros);
    web_sys::AudioData::new(init.unchecked_ref())
        .map(Sound::new)
        .map_err(|e| from_js(ErrorCode::Browser, "new AudioData", &e))
}

/// The encoder's chunks as packets, with the stream's configuration and delay.
fn collect(encoded: Encoded, coding: &AudioCoding, frames: usize) -> Result<EncodedSound> {
    let mut packets = Vec::with_capacity(encoded.chunks.len());
    let ticks = |micros: f64| rescale_ticks(micros.round() as i64, MICROS_PER_SECOND, coding.rate);
    for chunk in encoded.chunks {
        let pts = ticks(chunk.timestamp)?;
        let duration = u32::try_from(ticks(chunk.duration.unwrap_or(0.0))?).unwrap_or(0);
        packets.push(EncodedPacket {
            pts,
            duration,
            data: chunk.data,
        });
    }
    let description = encoded.description;
    // Durations the encoder left out: up to the next packet.
    for index in 1..packets.len() {
        if packets[index - 1].duration == 0 {
            packets[index - 1].duration = u32::try_from(packets[index].pts - packets[index - 1].pts).unwrap_or(0);
        }
    }
    let (description, delay) = if coding.codec == OPUS {
        // Opus' decoder description is its identification header, whose pre-skip is the encoder's delay;
        // without one, libopus' look-ahead at 48 kHz (every browser's Opus encoder is libopus).
        let head = OpusHead::parse(description.as_deref().unwrap_or_default()).unwrap_or(OpusHead {
            channels: coding.channels as u8,
            pre_skip: LIBOPUS_LOOKAHEAD,
            input_sample_rate: coding.rate,
            output_gain: 0,
            mapping: None,
        });
        (head.to_bytes(), i64::from(head.pre_skip))
    } else {
        let config =
            description.ok_or_else(|| Error::new(ErrorCode::Browser, "the AAC encoder gave no AudioSpecificConfig"))?;
        (config, AAC_PRIMING)
    };
    Ok(EncodedSound {
        config: CodecConfig::audio(coding.codec.into(), Some(description), coding.rate, coding.channels),
        packets,
        delay,
        frames: frames as i64,
    })
}
