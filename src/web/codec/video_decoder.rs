//! A WebCodecs `VideoDecoder` fed with samples, collecting the frames it outputs.
//!
//! Every `VideoFrame` it outputs is a [`Frame`], which closes it when dropped: frames not taken yet go with
//! the decoder.

use std::cell::RefCell;
use std::future::Future;

use js_sys::Uint8Array;
use wasm_bindgen::JsCast;

use super::frame::Frame;
use super::outputs::Outputs;
use super::support::config_supported;
use super::{chunk_init, Closing};
use crate::error::{Error, ErrorCode, Result};
use crate::media::{CodecConfig, Sample, Track};
use crate::player::FramePlan;
use crate::time::Time;
use crate::web::cell::Access;
use crate::web::chunk::Chunk;
use crate::web::dictionary::Dictionary;
use crate::web::error::from_js;

// The page's thread never ends, so its thread-locals are always there: they are read with `try_with`,
// which has no panic path for a value already destroyed.
thread_local! {
    /// The acceleration chosen for each configuration seen (a seek makes a decoder each time; asking the
    /// browser twice per seek cost about 8 ms of the seek latency). Configurations of one page are few.
    static ACCELERATION: RefCell<Vec<(CodecConfig, &'static str)>> = const { RefCell::new(Vec::new()) };
}

/// At most this many configurations are remembered; the oldest is forgotten first.
const REMEMBERED_CONFIGS: usize = 16;

/// Hardware decoding when the browser has it for this stream, else whatever it offers (software);
/// `unsupported_codec` when it has neither.
async fn acceleration_for(config: &CodecConfig, decoder_config: &Dictionary) -> Result<&'static str> {
    let known = ACCELERATION
        .try_with(|known| known.read().iter().find(|(c, _)| c == config).map(|(_, a)| *a))
        .ok()
        .flatten();
    if let Some(acceleration) = known {
        return Ok(acceleration);
    }
    let mut chosen = None;
    for acceleration in ["prefer-hardware", "no-preference"] {
        decoder_config.set_hardware_acceleration(acceleration);
        if supported(decoder_config).await? {
            chosen = Some(acceleration);
            break;
        }
    }
    let acceleration = chosen.ok_or_else(|| {
        Error::new(
            ErrorCode::UnsupportedCodec,
            format!("this browser cannot decode {} video", config.codec),
        )
    })?;
    let _ = ACCELERATION.try_with(|known| {
        let mut known = known.write();
        if known.len() >= REMEMBERED_CONFIGS {
            known.remove(0);
        }
        known.push((config.clone(), acceleration));
    });
    Ok(acceleration)
}

/// `VideoDecoder.isConfigSupported(config)`.
fn supported(config: &Dictionary) -> impl Future<Output = Result<bool>> {
    let support = web_sys::VideoDecoder::is_config_supported(config.unchecked_ref()).unchecked_into();
    config_supported(support, ErrorCode::MalformedInput, "VideoDecoder.isConfigSupported")
}

/// A configured video decoder and the frames it has output so far.
pub(crate) struct VideoDecoder {
    decoder: Closing<web_sys::VideoDecoder>,
    frames: Outputs<Frame>,
    /// The configuration it decodes.
    pub(crate) config: CodecConfig,
}

impl VideoDecoder {
    /// A decoder configured for `config`; `unsupported_codec` when this browser cannot decode it.
    pub(crate) async fn new(config: &CodecConfig) -> Result<VideoDecoder> {
        let decoder_config = Dictionary::new();
        decoder_config.set_codec(&config.codec);
        if config.width > 0 && config.height > 0 {
            decoder_config.set_coded_width(config.width);
            decoder_config.set_coded_height(config.height);
        }
        if let Some(description) = &config.description {
            decoder_config.set_description(&Uint8Array::from(description.as_slice()));
        }
        decoder_config.set_hardware_acceleration(acceleration_for(config, &decoder_config).await?);
        let frames = Outputs::new();
        let decoder = Closing::new(
            web_sys::VideoDecoder::new(frames.init().unchecked_ref())
                .map_err(|e| from_js(ErrorCode::Browser, "new VideoDecoder", &e))?,
        );
        decoder.configure(&decoder_config)?;
        Ok(VideoDecoder {
            decoder,
            frames,
            config: config.clone(),
        })
    }

    /// Queues one sample (its bytes, its times in `timescale` ticks) for decoding.
    pub(crate) fn decode(&self, sample: &Sample, data: &[u8], timescale: u32) -> Result<()> {
        self.check()?;
        let init = chunk_init(sample, data, timescale, sample.key);
        let chunk = web_sys::EncodedVideoChunk::new(init.unchecked_ref())
            .map_err(|e| from_js(ErrorCode::MalformedInput, "new EncodedVideoChunk", &e))?;
        self.decoder.decode(&chunk)
    }

    /// Waits until every queued sample has been output as a frame. After a flush the next sample must be a
    /// keyframe.
    pub(crate) fn flush(&self) -> impl Future<Output = Result<()>> + '_ {
        self.decoder.flush(self.frames.failure(), ErrorCode::MalformedInput)
    }

    /// Chunks queued in the decoder, not yet output as frames.
    pub(crate) fn queue_size(&self) -> u32 {
        self.decoder.decode_queue_size()
    }

    /// Takes the frames output so far.
    pub(crate) fn take_frames(&self) -> Vec<Frame> {
        self.frames.take()
    }

    /// Whether the decoder failed (a corrupt chunk, a lost device): it is closed for good, and a new one
    /// must start at a keyframe.
    pub(crate) fn failed(&self) -> bool {
        self.frames.failure().failed()
    }

    /// Decodes the samples of `chunk`'s video `plan` names and takes the frame it shows (the others
    /// output meanwhile are closed). The decoder is flushed: the next sample must be a keyframe.
    pub(crate) async fn frame_of(&self, chunk: &Chunk, video: &Track, plan: &FramePlan) -> Result<Frame> {
        let samples = video
            .samples
            .get(plan.first..=plan.target)
            .ok_or_else(|| Error::malformed("the frame's samples are not in its chunk"))?;
        for sample in samples {
            self.decode(sample, chunk.sample_data(sample)?, video.timescale)?;
        }
        self.flush().await?;
        let wanted = Time {
            ticks: plan.pts,
            scale: video.timescale,
        }
        .micros() as f64;
        self.take_frames()
            .into_iter()
            .find(|frame| frame.timestamp() == wanted)
            .ok_or_else(|| Error::malformed("the decoder did not output the frame sought"))
    }

    /// The error the decoder reported, if it failed.
    pub(crate) fn check(&self) -> Result<()> {
        self.decoder.check(self.frames.failure(), ErrorCode::MalformedInput)
    }
}
