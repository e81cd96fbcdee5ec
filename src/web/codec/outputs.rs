//! What a WebCodecs decoder or encoder hands back through its callbacks: its outputs (frames, audio data,
//! encoded chunks with their metadata; owned here until taken) and the message of the error that closed
//! it, if any.
//!
//! The callbacks belong to JS (the codec holds them, and the garbage collector frees them with it): a
//! browser may still deliver an output queued before `close()` after the Rust side is gone (Firefox does).
//! Such a late output is released at once instead of reaching a dropped closure.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::closure::WasmClosure;
use wasm_bindgen::convert::FromWasmAbi;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use wasm_bindgen_futures::JsFuture;

use crate::error::{Error, ErrorCode, Result};
use crate::web::cell::Access;
use crate::web::error::{from_js, text_of};
use crate::web::options::{property, set_property};

/// Outputs of type `I`, collected by an `output` callback of signature `F` (a decoder's hands over one JS
/// value per call, which `I` takes ownership of).
pub(crate) struct Outputs<I: 'static, F: ?Sized + WasmClosure = dyn FnMut(JsValue)> {
    items: Rc<RefCell<Vec<I>>>,
    /// Cleared when these outputs are dropped: from then on the callback drops what it is given.
    open: Rc<Cell<bool>>,
    failure: CodecFailure,
    on_output: js_sys::Function,
    signature: std::marker::PhantomData<F>,
}

/// The error a codec reported through its `error` callback, whatever it outputs (not generic, so its code is
/// in the wasm once for every kind of codec).
pub(crate) struct CodecFailure {
    /// Whether the error said the configuration is unsupported, and its message.
    message: Rc<RefCell<Option<(bool, String)>>>,
    on_error: js_sys::Function,
}

impl<T: From<JsValue> + 'static> Outputs<T> {
    /// For a decoder: one output per call, owned by a `T` from then on (and released by dropping it).
    pub(crate) fn new() -> Outputs<T> {
        let (items, open) = (Rc::new(RefCell::new(Vec::new())), Rc::new(Cell::new(true)));
        let on_output = {
            let (items, open) = (Rc::clone(&items), Rc::clone(&open));
            Closure::<dyn FnMut(JsValue)>::new(move |item| {
                let item = T::from(item);
                if open.get() {
                    items.write().push(item);
                }
            })
        };
        Outputs::with_callback(items, open, on_output)
    }
}

impl<T: FromWasmAbi + 'static> Outputs<(T, JsValue), dyn FnMut(T, JsValue)> {
    /// For an encoder: each chunk with its metadata (the first one's holds the `decoderConfig`).
    pub(crate) fn with_metadata() -> Self {
        let (items, open) = (Rc::new(RefCell::new(Vec::new())), Rc::new(Cell::new(true)));
        let on_output = {
            let (items, open) = (Rc::clone(&items), Rc::clone(&open));
            Closure::<dyn FnMut(T, JsValue)>::new(move |item, metadata| {
                if open.get() {
                    items.write().push((item, metadata));
                }
            })
        };
        Outputs::with_callback(items, open, on_output)
    }
}

impl<I: 'static, F: ?Sized + WasmClosure> Outputs<I, F> {
    fn with_callback(items: Rc<RefCell<Vec<I>>>, open: Rc<Cell<bool>>, on_output: Closure<F>) -> Self {
        Outputs {
            items,
            open,
            failure: CodecFailure::new(),
            on_output: on_output.into_js_value().unchecked_into(),
            signature: std::marker::PhantomData,
        }
    }

    /// The `{ output, error }` callbacks to give the codec's constructor: `VideoDecoderInit`,
    /// `AudioDecoderInit`, `VideoEncoderInit` and `AudioEncoderInit` are this same dictionary.
    pub(crate) fn init(&self) -> web_sys::VideoDecoderInit {
        let init = js_sys::Object::new();
        set_property(&init, "output", &self.on_output);
        set_property(&init, "error", &self.failure.on_error);
        init.unchecked_into()
    }

    /// Takes the outputs so far.
    pub(crate) fn take(&self) -> Vec<I> {
        std::mem::take(&mut self.items.write())
    }

    /// What the codec reported failing, if it did.
    pub(crate) fn failure(&self) -> &CodecFailure {
        &self.failure
    }
}

impl<I: 'static, F: ?Sized + WasmClosure> Drop for Outputs<I, F> {
    fn drop(&mut self) {
        self.open.set(false);
        // Outputs not taken are released now, not when the callback is collected.
        self.items.write().clear();
    }
}

impl CodecFailure {
    fn new() -> CodecFailure {
        let message = Rc::new(RefCell::new(None));
        let on_error = {
            let message = Rc::clone(&message);
            Closure::<dyn FnMut(JsValue)>::new(move |error: JsValue| {
                let text = error
                    .dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
                    .unwrap_or_else(|| text_of(&error));
                // A `NotSupportedError`: the configuration cannot be decoded (or encoded) here at all.
                let unsupported = property(&error, "name")
                    .and_then(|name| name.as_string())
                    .is_some_and(|name| name == "NotSupportedError");
                *message.write() = Some((unsupported, text));
            })
        };
        CodecFailure {
            message,
            on_error: on_error.into_js_value().unchecked_into(),
        }
    }

    /// Awaits the `flush()` promise (untyped) of `codec` (its name, and `flushing` its flush, for messages):
    /// the error the codec reported through its callback comes first, as it says why the flush failed.
    pub(crate) async fn flushed(
        &self,
        flush: js_sys::Promise,
        code: ErrorCode,
        codec: &str,
        flushing: &str,
    ) -> Result<()> {
        let flushed = JsFuture::from(flush).await;
        self.check(code, codec)?;
        flushed.map(|_| ()).map_err(|e| from_js(code, flushing, &e))
    }

    /// Whether the codec reported an error (which closed it for good).
    pub(crate) fn failed(&self) -> bool {
        self.message.read().is_some()
    }

    /// An error of `code` (`unsupported_codec` for a configuration the codec does not support) saying that
    /// `what` failed, when the codec reported an error.
    pub(crate) fn check(&self, code: ErrorCode, what: &str) -> Result<()> {
        let reported = self.message.read();
        let Some((unsupported, message)) = reported.as_ref() else {
            return Ok(());
        };
        let code = if *unsupported {
            ErrorCode::UnsupportedCodec
        } else {
            code
        };
        Err(Error::new(code, format!("{what} failed: {message}")))
    }
}
