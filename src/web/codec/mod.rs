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

use std::ops::Deref;

use wasm_bindgen::{JsCast, JsValue};

use self::outputs::CodecFailure;
use crate::error::{ErrorCode, Result};

/// What the four WebCodecs codecs share: a state, `close()` and `flush()`.
pub(crate) trait WebCodec {
    /// The interface's name, for messages ("VideoDecoder").
    const NAME: &'static str;
    fn state(&self) -> web_sys::CodecState;
    fn close(&self) -> std::result::Result<(), JsValue>;
    fn flush(&self) -> js_sys::Promise;
}

macro_rules! web_codec {
    ($($codec:ident),*) => {$(
        impl WebCodec for web_sys::$codec {
            const NAME: &'static str = stringify!($codec);
            fn state(&self) -> web_sys::CodecState {
                web_sys::$codec::state(self)
            }
            fn close(&self) -> std::result::Result<(), JsValue> {
                web_sys::$codec::close(self)
            }
            fn flush(&self) -> js_sys::Promise {
                web_sys::$codec::flush(self).unchecked_into()
            }
        }
    )*};
}

web_codec!(VideoDecoder, AudioDecoder, VideoEncoder, AudioEncoder);

/// A codec, closed when dropped (unless an error closed it already).
pub(crate) struct Closing<C: WebCodec>(C);

impl<C: WebCodec> Closing<C> {
    pub(crate) fn new(codec: C) -> Closing<C> {
        Closing(codec)
    }

    /// Waits until everything queued has been output; a failure is an error of `code` (the error the codec
    /// reported through `failure` first, as it says why).
    pub(crate) async fn flush(&self, failure: &CodecFailure, code: ErrorCode) -> Result<()> {
        failure.flushed(self.0.flush(), code, C::NAME).await
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
        if self.0.state() != web_sys::CodecState::Closed {
            let _ = self.0.close();
        }
    }
}
