//! Rust futures handed to JS as promises.

use std::future::Future;
use std::pin::Pin;

use js_sys::Promise;
use wasm_bindgen::JsValue;

/// Runs `future` on the page's microtask queue and returns its promise. The future is boxed so that every
/// method shares one instantiation of `future_to_promise`: one per future type kept ten copies of the
/// promise glue in the wasm.
pub fn to_promise(future: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> Promise {
    let boxed: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>> = Box::pin(future);
    wasm_bindgen_futures::future_to_promise(boxed)
}
