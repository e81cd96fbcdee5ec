//! A WebCodecs `AudioDecoder` fed with samples, collecting the sound it outputs (each block a [`Sound`],
//! closed when dropped), and decoding a whole stream to PCM.

use std::future::Future;

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;

use super::frame::Sound;
use super::outputs::Outputs;
use super::support::config_supported;
use super::{chunk_init, Closing};
use crate::edit::mix::Timeline;
use crate::error::{ErrorCode, Result};
use crate::media::{CodecConfig, Pcm, Sample};
use crate::web::dictionary::Dictionary;
use crate::web::error::from_js;

/// Decodes the packets of one stream (`config`, times in `timescale` ticks) into PCM laid out from
/// `origin` seconds on their timeline, for `duration` seconds or up to the end of the sound when `None`. Sound
/// before `origin` (pre-roll, priming) is cut; gaps stay silent. The samples come through a `dyn` iterator so
/// that every caller shares one copy of this state machine.
pub(crate) async fn decode_to_pcm<'a>(
    config: &CodecConfig,
    timescale: u32,
    samples: &mut dyn Iterator<Item = Result<(&'a Sample, &'a [u8])>>,
    origin: f64,
    duration: Option<f64>,
) -> Result<Pcm> {
    let decoder = AudioDecoder::new(config)?;
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
            outcome = data
                .planes()
                .map(|block| timeline.place(position(data.timestamp()) as i64, &block));
        }
    }
    outcome?;
    Ok(Pcm {
        rate,
        channels: timeline.into_channels(),
    })
}

/// A configured audio decoder and the `AudioData` it has output so far.
pub(crate) struct AudioDecoder {
    decoder: Closing<web_sys::AudioDecoder>,
    outputs: Outputs<Sound>,
    /// The configuration it decodes.
    pub(crate) config: CodecConfig,
}

/// Whether this browser decodes sound of `config` (`AudioDecoder.isConfigSupported`). Asked before a
/// decoder is made: a browser reports an unsupported configuration through the decoder's error callback in
/// its own words (Chromium: an `OperationError`, where WebCodecs says `NotSupportedError`).
pub(crate) fn decodable(config: &CodecConfig) -> impl Future<Output = Result<bool>> {
    let support = web_sys::AudioDecoder::is_config_supported(decoder_config(config).unchecked_ref()).unchecked_into();
    config_supported(support, ErrorCode::MalformedInput, "AudioDecoder.isConfigSupported")
}

/// The WebCodecs configuration of `config`.
fn decoder_config(config: &CodecConfig) -> Dictionary {
    let decoder_config = Dictionary::audio_config(&config.codec, config.sample_rate, config.channels);
    if let Some(description) = &config.description {
        decoder_config.set_description(&Uint8Array::from(description.as_slice()));
    }
    decoder_config
}

impl AudioDecoder {
    /// A decoder configured for `config`. An unsupported configuration shows up as an error on the
    /// first `decode`.
    pub(crate) fn new(config: &CodecConfig) -> Result<AudioDecoder> {
        let decoder_config = decoder_config(config);
        let outputs = Outputs::new();
        let decoder = Closing::new(
            web_sys::AudioDecoder::new(outputs.init().unchecked_ref())
                .map_err(|e| from_js(ErrorCode::Browser, "new AudioDecoder", &e))?,
        );
        decoder.configure(&decoder_config)?;
        Ok(AudioDecoder {
            decoder,
            outputs,
            config: config.clone(),
        })
    }

    /// Queues one sample for decoding.
    pub(crate) fn decode(&self, sample: &Sample, data: &[u8], timescale: u32) -> Result<()> {
        self.decoder.check(self.outputs.failure(), ErrorCode::MalformedInput)?;
        // Audio chunks are all passed as key chunks.
        let init = chunk_init(sample, data, timescale, true);
        let chunk = web_sys::EncodedAudioChunk::new(init.unchecked_ref())
            .map_err(|e| from_js(ErrorCode::MalformedInput, "new EncodedAudioChunk", &e))?;
        self.decoder.decode(&chunk)
    }

    /// Decoded sound so far.
    pub(crate) fn take(&self) -> Result<Vec<Sound>> {
        self.decoder.check(self.outputs.failure(), ErrorCode::MalformedInput)?;
        Ok(self.outputs.take())
    }

    /// Waits until every queued chunk has been output.
    pub(crate) fn flush(&self) -> impl Future<Output = Result<()>> + '_ {
        self.decoder.flush(self.outputs.failure(), ErrorCode::MalformedInput)
    }

    /// Chunks queued, not yet output.
    pub(crate) fn queue_size(&self) -> u32 {
        self.decoder.decode_queue_size()
    }
}
