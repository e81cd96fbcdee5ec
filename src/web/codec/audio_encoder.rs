//! A WebCodecs `AudioEncoder`, collecting the chunks it outputs. Closed when dropped.

use std::future::Future;

use wasm_bindgen::prelude::*;

use super::frame::Sound;
use super::outputs::Outputs;
use super::Closing;
use super::{encoded, Encoded, EncoderOutputs};
use crate::error::{ErrorCode, Result};
use crate::web::dictionary::Dictionary;
use crate::web::error::from_js;

/// A configured audio encoder and what it has output so far.
pub(crate) struct AudioEncoder {
    encoder: Closing<web_sys::AudioEncoder>,
    chunks: EncoderOutputs,
}

impl AudioEncoder {
    /// An encoder configured with `config`.
    pub(crate) fn new(config: &Dictionary) -> Result<AudioEncoder> {
        let chunks = Outputs::with_metadata();
        let encoder = Closing::new(
            web_sys::AudioEncoder::new(chunks.init().unchecked_ref())
                .map_err(|e| from_js(ErrorCode::Browser, "new AudioEncoder", &e))?,
        );
        encoder.configure(config)?;
        Ok(AudioEncoder { encoder, chunks })
    }

    /// Queues `sound` for encoding.
    pub(crate) fn encode(&self, sound: &Sound) -> Result<()> {
        self.encoder.check(self.chunks.failure(), ErrorCode::Browser)?;
        self.encoder.encode(sound, &JsValue::UNDEFINED)
    }

    /// Blocks queued, not yet encoded.
    pub(crate) fn queue_size(&self) -> u32 {
        self.encoder.encode_queue_size()
    }

    /// Waits until every queued block has been output.
    pub(crate) fn flush(&self) -> impl Future<Output = Result<()>> + '_ {
        self.encoder.flush(self.chunks.failure(), ErrorCode::Browser)
    }

    /// The encoded chunks so far, and the configuration the encoder reported.
    pub(crate) fn take(&self) -> Result<Encoded> {
        encoded(self.chunks.take(), "EncodedAudioChunk.copyTo")
    }
}
