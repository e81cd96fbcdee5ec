//! Sound: a WebCodecs `AudioDecoder` fed with samples, and the WebAudio output that plays its `AudioData`
//! at given times of the `AudioContext` clock, through one gain node for volume and mute.

use js_sys::{Float32Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::codec_outputs::Outputs;
use super::error::from_js;
use super::source::sleep_ms;
use crate::edit::mix::Timeline;
use crate::error::{ErrorCode, Result};
use crate::media::{CodecConfig, Pcm, Sample};
use crate::time::Time;

/// How long `resume()` may take before the context is taken to be blocked by the autoplay policy.
const RESUME_WAIT_MS: f64 = 300.0;

/// The player's sound output.
pub(crate) struct AudioOutput {
    context: web_sys::AudioContext,
    gain: web_sys::GainNode,
}

impl AudioOutput {
    pub(crate) fn new() -> Result<AudioOutput> {
        let context = web_sys::AudioContext::new().map_err(|e| from_js(ErrorCode::Browser, "new AudioContext", &e))?;
        let gain = context
            .create_gain()
            .map_err(|e| from_js(ErrorCode::Browser, "AudioContext.createGain", &e))?;
        gain.connect_with_audio_node(&context.destination())
            .map_err(|e| from_js(ErrorCode::Browser, "GainNode.connect", &e))?;
        Ok(AudioOutput { context, gain })
    }

    /// Resumes the context; `false` when it stays suspended (the page may not play sound before a user
    /// gesture), in which case playback runs silent on the wall clock.
    pub(crate) async fn resume(&self) -> bool {
        if self.running() {
            return true;
        }
        if let Ok(resumed) = self.context.resume() {
            let timeout = Promise::new(&mut |resolve, _| {
                wasm_bindgen_futures::spawn_local(async move {
                    sleep_ms(RESUME_WAIT_MS).await;
                    let _ = resolve.call0(&JsValue::UNDEFINED);
                });
            });
            let _ = JsFuture::from(Promise::race(&js_sys::Array::of2(&resumed, &timeout))).await;
        }
        self.running()
    }

    pub(crate) fn running(&self) -> bool {
        self.context.state() == web_sys::AudioContextState::Running
    }

    /// Sets the output gain (0 when muted).
    pub(crate) fn set_gain(&self, gain: f32) {
        self.gain.gain().set_value(gain);
    }

    /// The context time at which sound is being rendered now (`AudioContext.currentTime`).
    pub(crate) fn render_time(&self) -> f64 {
        self.context.current_time()
    }

    /// The context time of the sound reaching the speakers at `performance.now()` = `now_ms`: behind
    /// `render_time` by the output latency. Falls back to `render_time` where the browser gives no
    /// output timestamp.
    pub(crate) fn heard_time(&self, now_ms: f64) -> f64 {
        // `getOutputTimestamp()` (Web Audio API 1.0) is not in web-sys: called by name.
        let stamp = js_sys::Reflect::get(&self.context, &JsValue::from_str("getOutputTimestamp"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .and_then(|f| f.call0(&self.context).ok());
        let field = |name: &str| {
            stamp
                .as_ref()
                .and_then(|s| js_sys::Reflect::get(s, &JsValue::from_str(name)).ok())
                .and_then(|v| v.as_f64())
        };
        match (field("contextTime"), field("performanceTime")) {
            (Some(context), Some(performance)) if performance > 0.0 => context + (now_ms - performance) / 1000.0,
            _ => self.render_time(),
        }
    }

    /// Plays `data` starting at context time `at`, leaving out its first `skip` seconds. Returns the
    /// source node (stop it to cut the sound short) and the context time it ends.
    pub(crate) fn play(
        &self,
        data: &web_sys::AudioData,
        at: f64,
        skip: f64,
    ) -> Result<(web_sys::AudioBufferSourceNode, f64)> {
        let planes = planes(data)?;
        let options = web_sys::AudioBufferOptions::new(data.number_of_frames(), data.sample_rate());
        options.set_number_of_channels(data.number_of_channels());
        let buffer =
            web_sys::AudioBuffer::new(&options).map_err(|e| from_js(ErrorCode::Browser, "new AudioBuffer", &e))?;
        for (channel, plane) in planes.iter().enumerate() {
            buffer
                .copy_to_channel(plane, channel as i32)
                .map_err(|e| from_js(ErrorCode::Browser, "AudioBuffer.copyToChannel", &e))?;
        }
        let source = self
            .context
            .create_buffer_source()
            .map_err(|e| from_js(ErrorCode::Browser, "createBufferSource", &e))?;
        source.set_buffer(Some(&buffer));
        source
            .connect_with_audio_node(&self.gain)
            .map_err(|e| from_js(ErrorCode::Browser, "AudioBufferSourceNode.connect", &e))?;
        source
            .start_with_when_and_grain_offset(at, skip)
            .map_err(|e| from_js(ErrorCode::Browser, "AudioBufferSourceNode.start", &e))?;
        Ok((source, at + buffer.duration() - skip))
    }
}

impl Drop for AudioOutput {
    fn drop(&mut self) {
        let _ = self.context.close();
    }
}

/// The samples of `data`, one `Vec` per channel.
pub(crate) fn planes(data: &web_sys::AudioData) -> Result<Vec<Vec<f32>>> {
    let frames = data.number_of_frames() as usize;
    (0..data.number_of_channels())
        .map(|channel| {
            let array = Float32Array::new_with_length(frames as u32);
            let copy = web_sys::AudioDataCopyToOptions::new(channel);
            copy.set_format(web_sys::AudioSampleFormat::F32Planar);
            data.copy_to_with_buffer_source(&array, &copy)
                .map_err(|e| from_js(ErrorCode::Browser, "AudioData.copyTo", &e))?;
            let mut plane = vec![0.0f32; frames];
            array.copy_to(&mut plane);
            Ok(plane)
        })
        .collect()
}

/// Decodes the packets of one stream (`config`, times in `timescale` ticks) into PCM laid out from
/// `origin` seconds on their timeline, for `duration` seconds or up to the end of the sound when `None`. Sound
/// before `origin` (pre-roll, priming) is cut; gaps stay silent.
pub(crate) async fn decode_to_pcm<'a>(
    config: &CodecConfig,
    timescale: u32,
    samples: impl Iterator<Item = Result<(&'a Sample, &'a [u8])>>,
    origin: f64,
    duration: Option<f64>,
) -> Result<Pcm> {
    let decoder = AudioDecoding::new(config)?;
    for sample in samples {
        let (sample, data) = sample?;
        decoder.decode(sample, data, timescale)?;
    }
    decoder.flush().await?;
    let decoded = decoder.take()?;
    let rate = decoded.first().map_or(config.sample_rate, |d| d.sample_rate() as u32);
    let channels = decoded
        .first()
        .map_or(config.channels, |d| d.number_of_channels())
        .max(1);
    // Position in samples of a time in microseconds.
    let position = |micros: f64| ((micros / 1e6 - origin) * f64::from(rate)).round();
    let frames = duration.map_or_else(
        || {
            let end = decoded
                .iter()
                .map(|d| position(d.timestamp() + d.duration()))
                .fold(0.0, f64::max);
            end as usize
        },
        |seconds| (seconds * f64::from(rate)).round() as usize,
    );
    let mut timeline = Timeline::new(channels as usize, frames);
    let mut outcome = Ok(());
    for data in decoded {
        if outcome.is_ok() {
            outcome = planes(&data).map(|block| timeline.place(position(data.timestamp()) as i64, &block));
        }
        data.close();
    }
    outcome?;
    Ok(Pcm {
        rate,
        channels: timeline.into_channels(),
    })
}

/// A configured audio decoder and the `AudioData` it has output so far.
pub(crate) struct AudioDecoding {
    decoder: web_sys::AudioDecoder,
    outputs: Outputs<web_sys::AudioData>,
    /// The configuration it decodes.
    pub(crate) config: CodecConfig,
}

impl AudioDecoding {
    /// A decoder configured for `config`. An unsupported configuration shows up as an error on the
    /// first `decode`.
    pub(crate) fn new(config: &CodecConfig) -> Result<AudioDecoding> {
        let decoder_config = web_sys::AudioDecoderConfig::new(&config.codec, config.channels, config.sample_rate);
        if let Some(description) = &config.description {
            decoder_config.set_description_u8_array(&Uint8Array::from(description.as_slice()));
        }
        let outputs = Outputs::new();
        let init = web_sys::AudioDecoderInit::new(outputs.error_callback(), outputs.output_callback());
        let decoder =
            web_sys::AudioDecoder::new(&init).map_err(|e| from_js(ErrorCode::Browser, "new AudioDecoder", &e))?;
        decoder
            .configure(&decoder_config)
            .map_err(|e| from_js(ErrorCode::UnsupportedCodec, "AudioDecoder.configure", &e))?;
        Ok(AudioDecoding {
            decoder,
            outputs,
            config: config.clone(),
        })
    }

    /// Queues one sample for decoding.
    pub(crate) fn decode(&self, sample: &Sample, data: &[u8], timescale: u32) -> Result<()> {
        self.outputs
            .failure()
            .check(ErrorCode::MalformedInput, "audio decoding")?;
        let time = |ticks| {
            Time {
                ticks,
                scale: timescale,
            }
            .micros() as f64
        };
        let init = web_sys::EncodedAudioChunkInit::new(&Uint8Array::from(data), 0, web_sys::EncodedAudioChunkType::Key);
        init.set_timestamp_f64(time(sample.pts));
        init.set_duration_f64(time(i64::from(sample.duration)));
        let chunk = web_sys::EncodedAudioChunk::new(&init)
            .map_err(|e| from_js(ErrorCode::MalformedInput, "new EncodedAudioChunk", &e))?;
        self.decoder
            .decode(&chunk)
            .map_err(|e| from_js(ErrorCode::MalformedInput, "AudioDecoder.decode", &e))
    }

    /// Decoded sound so far; the caller now owns (and must close) it.
    pub(crate) fn take(&self) -> Result<Vec<web_sys::AudioData>> {
        self.outputs
            .failure()
            .check(ErrorCode::MalformedInput, "audio decoding")?;
        Ok(self.outputs.take())
    }

    /// Waits until every queued chunk has been output.
    pub(crate) async fn flush(&self) -> Result<()> {
        self.outputs
            .failure()
            .flushed(
                self.decoder.flush().unchecked_into(),
                ErrorCode::MalformedInput,
                "audio decoding",
                "AudioDecoder.flush",
            )
            .await
    }

    /// Chunks queued, not yet output.
    pub(crate) fn queue_size(&self) -> u32 {
        self.decoder.decode_queue_size()
    }
}

impl Drop for AudioDecoding {
    fn drop(&mut self) {
        for data in self.outputs.take() {
            data.close();
        }
        if self.decoder.state() != web_sys::CodecState::Closed {
            let _ = self.decoder.close();
        }
    }
}
