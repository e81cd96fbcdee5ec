//! A WebCodecs `VideoEncoder` configured for a clip's coding, collecting the chunks it outputs.

use std::future::Future;

use js_sys::Object;
use wasm_bindgen::prelude::*;

use super::outputs::Outputs;
use super::support::config_supported;
use super::Closing;
use super::{encoded, Encoded, EncoderOutputs};
use crate::error::{Error, ErrorCode, Result};
use crate::media::{Codec, CodecConfig};
use crate::web::dictionary::{plain_object, Dictionary};
use crate::web::error::from_js;
use crate::web::options::set_property;

/// A configured `VideoEncoder` and what it has output so far. Closed when dropped.
pub(crate) struct VideoEncoder {
    encoder: Closing<web_sys::VideoEncoder>,
    chunks: EncoderOutputs,
}

impl VideoEncoder {
    /// An encoder of `config`'s codec and picture size at `bitrate` bits per second and `framerate`;
    /// `unsupported_codec` when this browser cannot encode it.
    pub(crate) async fn new(config: &CodecConfig, bitrate: f64, framerate: f64) -> Result<VideoEncoder> {
        let encoder_config = Dictionary::new();
        encoder_config.set_codec(&config.codec);
        encoder_config.set_width(config.width);
        encoder_config.set_height(config.height);
        encoder_config.set_bitrate(bitrate);
        encoder_config.set_framerate(framerate);
        encoder_config.set_latency_mode("quality");
        if config.family() == Codec::H264 {
            // Length-prefixed NAL units with an avcC description, as MP4 stores H.264.
            let avc = Object::new();
            // A data property on a fresh plain object cannot fail.
            set_property(&avc, "format", &"avc".into());
            encoder_config.set_avc(&avc);
        }
        let support = web_sys::VideoEncoder::is_config_supported(encoder_config.unchecked_ref()).unchecked_into();
        if !config_supported(support, ErrorCode::UnsupportedCodec, "VideoEncoder.isConfigSupported").await? {
            return Err(Error::new(
                ErrorCode::UnsupportedCodec,
                format!(
                    "this browser cannot encode {} video at {}x{}, which an exact cut needs: export in \
                     'keyframe' mode",
                    config.codec, config.width, config.height
                ),
            ));
        }
        let chunks = Outputs::with_metadata();
        let encoder = web_sys::VideoEncoder::new(chunks.init().unchecked_ref())
            .map_err(|e| from_js(ErrorCode::Browser, "new VideoEncoder", &e))?;
        let encoder = Closing::new(encoder);
        encoder.configure(&encoder_config)?;
        Ok(VideoEncoder { encoder, chunks })
    }

    /// The error the encoder reported, if it failed.
    pub(crate) fn check(&self) -> Result<()> {
        self.encoder.check(self.chunks.failure(), ErrorCode::Browser)
    }

    /// Queues `frame`, as a keyframe when `key`.
    pub(crate) fn encode(&self, frame: &web_sys::VideoFrame, key: bool) -> Result<()> {
        self.check()?;
        self.encoder.encode(frame, &plain_object(&[("keyFrame", key.into())]))
    }

    /// Waits until every queued frame has been output.
    pub(crate) fn flush(&self) -> impl Future<Output = Result<()>> + '_ {
        self.encoder.flush(self.chunks.failure(), ErrorCode::Browser)
    }

    /// Frames queued, not yet encoded.
    pub(crate) fn queue_size(&self) -> u32 {
        self.encoder.encode_queue_size()
    }

    /// The encoded chunks so far, and the configuration the encoder reported.
    pub(crate) fn take(&self) -> Result<Encoded> {
        encoded(self.chunks.take(), "EncodedVideoChunk.copyTo")
    }
}
