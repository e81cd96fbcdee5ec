//! WebCodecs behind owning types: the decoders and encoders (each closed when dropped; what they output
//! after that is released as it arrives), the decoded media they hand out (each closed when dropped), and
//! what this browser supports.

pub(crate) mod audio_decoder;
pub(crate) mod audio_encoder;
pub(crate) mod frame;
pub(crate) mod outputs;
pub(crate) mod support;
pub(crate) mod video_decoder;
pub(crate) mod video_encoder;

use std::future::Future;
use std::ops::Deref;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use self::outputs::CodecFailure;
use crate::error::{ErrorCode, Result};
use crate::media::Sample;
use crate::time::Time;
use crate::web::dictionary::Dictionary;
use crate::web::error::from_js;
use crate::web::members::members;
use crate::web::options::property;

/// The four WebCodecs codecs, by name.
pub(crate) trait WebCodec: JsCast {
    /// The interface's name, for messages ("VideoDecoder").
    const NAME: &'static str;
    /// What a failed `flush()` was, for messages ("VideoDecoder.flush").
    const FLUSH: &'static str;
    /// What a failed `configure()` was, for messages ("VideoDecoder.configure").
    const CONFIGURE: &'static str;
    /// What a failed `decode()` was, for messages ("VideoDecoder.decode").
    const DECODE: &'static str;
    /// What a failed `encode()` was, for messages ("VideoEncoder.encode").
    const ENCODE: &'static str;
}

macro_rules! web_codec {
    ($($codec:ident),*) => {$(
        impl WebCodec for web_sys::$codec {
            const NAME: &'static str = stringify!($codec);
            const FLUSH: &'static str = concat!(stringify!($codec), ".flush");
            const CONFIGURE: &'static str = concat!(stringify!($codec), ".configure");
            const DECODE: &'static str = concat!(stringify!($codec), ".decode");
            const ENCODE: &'static str = concat!(stringify!($codec), ".encode");
        }
    )*};
}

web_codec!(VideoDecoder, AudioDecoder, VideoEncoder, AudioEncoder);

#[wasm_bindgen]
extern "C" {
    /// What the four codecs share (besides their `state` and `close()`, in [`members`]): `configure()` and `flush()`, the decoders' `decode()`
    /// and queue sizes, the encoders' `encode()` and queue sizes. One binding for all of them, so that
    /// closing and flushing a codec is in the wasm once rather than once per kind of codec.
    type AnyCodec;

    #[wasm_bindgen(method, catch)]
    fn configure(this: &AnyCodec, config: &JsValue) -> std::result::Result<(), JsValue>;

    #[wasm_bindgen(method, catch)]
    fn decode(this: &AnyCodec, chunk: &JsValue) -> std::result::Result<(), JsValue>;

    #[wasm_bindgen(method, catch)]
    fn encode(this: &AnyCodec, input: &JsValue, options: &JsValue) -> std::result::Result<(), JsValue>;

    #[wasm_bindgen(method)]
    fn flush(this: &AnyCodec) -> js_sys::Promise;

    #[wasm_bindgen(method, getter = decodeQueueSize)]
    fn decode_queue_size(this: &AnyCodec) -> u32;

    #[wasm_bindgen(method, getter = encodeQueueSize)]
    fn encode_queue_size(this: &AnyCodec) -> u32;
}

/// What a decoder is given for one sample: its bytes, its times (in `timescale` ticks) in microseconds, and
/// whether it is a keyframe. `EncodedAudioChunkInit` has the same members, its `type` the same two values,
/// so the audio decoder takes this dictionary too.
pub(crate) fn chunk_init(sample: &Sample, data: &[u8], timescale: u32, key: bool) -> Dictionary {
    let micros = |ticks| {
        Time {
            ticks,
            scale: timescale,
        }
        .micros() as f64
    };
    let init = Dictionary::new();
    init.set_data(&js_sys::Uint8Array::from(data));
    init.set_chunk_type(if key { "key" } else { "delta" });
    init.set_timestamp(micros(sample.pts));
    init.set_duration(micros(i64::from(sample.duration)));
    init
}

/// What an encoder output, in order: each chunk's bytes, times (microseconds) and whether it is a key chunk,
/// and the `decoderConfig` that its first chunk's metadata carries (its codec string and description), read
/// the same way for `EncodedVideoChunk`s and `EncodedAudioChunk`s (their `type` has the same two values).
pub(crate) struct Encoded {
    pub(crate) chunks: Vec<EncodedChunk>,
    /// `decoderConfig.codec`, when the encoder reported a configuration.
    pub(crate) codec: Option<String>,
    /// `decoderConfig.description` (an avcC, an AudioSpecificConfig, an Opus header), when there is one.
    pub(crate) description: Option<Vec<u8>>,
}

/// One encoded chunk.
pub(crate) struct EncodedChunk {
    pub(crate) data: Vec<u8>,
    pub(crate) timestamp: f64,
    /// Encoders may leave it out.
    pub(crate) duration: Option<f64>,
    pub(crate) key: bool,
}

/// An encoder's outputs: each chunk (an `EncodedVideoChunk` or `EncodedAudioChunk`) with its metadata.
type EncoderOutputs = outputs::Outputs<(JsValue, JsValue), dyn FnMut(JsValue, JsValue)>;

/// Reads the chunks an encoder output; `doing` names their `copyTo` in the error.
fn encoded(outputs: Vec<(JsValue, JsValue)>, doing: &str) -> Result<Encoded> {
    let mut encoded = Encoded {
        chunks: Vec::with_capacity(outputs.len()),
        codec: None,
        description: None,
    };
    for (index, (chunk, metadata)) in outputs.into_iter().enumerate() {
        if index == 0 {
            let config = property(&metadata, "decoderConfig").filter(JsValue::is_object);
            if let Some(config) = config {
                encoded.codec = property(&config, "codec").and_then(|c| c.as_string());
                encoded.description = property(&config, "description")
                    .filter(|d| !d.is_undefined() && !d.is_null())
                    .map(|d| members(&js_sys::Uint8Array::new(&d)).bytes());
            }
        }
        let fields = members(&chunk);
        let mut data = vec![0u8; fields.byte_length() as usize];
        fields
            .copy_to(&mut data)
            .map_err(|e| from_js(ErrorCode::Browser, doing, &e))?;
        encoded.chunks.push(EncodedChunk {
            data,
            timestamp: fields.timestamp(),
            duration: fields.duration_if_known(),
            key: fields.chunk_type() == "key",
        });
    }
    Ok(encoded)
}

/// A codec, closed when dropped (unless an error closed it already).
pub(crate) struct Closing<C: WebCodec>(C);

impl<C: WebCodec> Closing<C> {
    pub(crate) fn new(codec: C) -> Closing<C> {
        Closing(codec)
    }

    /// Configures the codec with `config` (its `VideoDecoderConfig`, ...); `unsupported_codec` when it
    /// refuses it.
    pub(crate) fn configure(&self, config: &JsValue) -> Result<()> {
        configure(self.0.unchecked_ref(), config, C::CONFIGURE)
    }

    /// Queues `chunk` (an `EncodedVideoChunk` or `EncodedAudioChunk`) in a decoder; `malformed_input` when it
    /// refuses it.
    pub(crate) fn decode(&self, chunk: &JsValue) -> Result<()> {
        decode(self.0.unchecked_ref(), chunk, C::DECODE)
    }

    /// Queues `input` (a `VideoFrame` or `AudioData`) in an encoder with `options` (`undefined` for none);
    /// `browser` when it refuses it.
    pub(crate) fn encode(&self, input: &JsValue, options: &JsValue) -> Result<()> {
        self.0
            .unchecked_ref::<AnyCodec>()
            .encode(input, options)
            .map_err(|e| from_js(ErrorCode::Browser, C::ENCODE, &e))
    }

    /// Waits until everything queued has been output; a failure is an error of `code` (the error the codec
    /// reported through `failure` first, as it says why).
    pub(crate) fn flush<'a>(
        &self,
        failure: &'a CodecFailure,
        code: ErrorCode,
    ) -> impl Future<Output = Result<()>> + 'a {
        let flush = self.0.unchecked_ref::<AnyCodec>().flush();
        failure.flushed(flush, code, C::NAME, C::FLUSH)
    }

    /// A decoder's chunks queued, not yet output.
    pub(crate) fn decode_queue_size(&self) -> u32 {
        self.0.unchecked_ref::<AnyCodec>().decode_queue_size()
    }

    /// An encoder's frames or blocks queued, not yet output.
    pub(crate) fn encode_queue_size(&self) -> u32 {
        self.0.unchecked_ref::<AnyCodec>().encode_queue_size()
    }

    /// The error of `code` the codec reported through `failure`, if it failed.
    pub(crate) fn check(&self, failure: &CodecFailure, code: ErrorCode) -> Result<()> {
        failure.check(code, C::NAME)
    }
}

impl<C: WebCodec> Deref for Closing<C> {
    type Target = C;
    fn deref(&self) -> &C {
        &self.0
    }
}

impl<C: WebCodec> Drop for Closing<C> {
    fn drop(&mut self) {
        close(self.0.unchecked_ref());
    }
}

fn configure(codec: &AnyCodec, config: &JsValue, doing: &str) -> Result<()> {
    codec
        .configure(config)
        .map_err(|e| from_js(ErrorCode::UnsupportedCodec, doing, &e))
}

fn decode(codec: &AnyCodec, chunk: &JsValue, doing: &str) -> Result<()> {
    codec
        .decode(chunk)
        .map_err(|e| from_js(ErrorCode::MalformedInput, doing, &e))
}

/// Closes `codec` unless it is closed already.
fn close(codec: &AnyCodec) {
    if members(codec).state() != "closed" {
        let _ = members(codec).close();
    }
}
