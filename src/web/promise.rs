//! Rust futures handed to JS as promises.

use std::future::Future;
use std::pin::Pin;

use js_sys::Promise;
use wasm_bindgen::JsValue;

use super::error::to_js;
use crate::error::Result;

/// Runs `future` on the page's microtask queue and returns its promise, which rejects with the
/// `ReelcutError` of an `Err`. The future is boxed so that every method shares one instantiation of the
/// promise glue (`future_to_promise` and the error conversion): one per future type kept ten copies of it in
/// the wasm.
pub fn to_promise(future: impl Future<Output = Result<JsValue>> + 'static) -> Promise {
    settle(Box::pin(future))
}

fn settle(future: Pin<Box<dyn Future<Output = Result<JsValue>>>>) -> Promise {
    wasm_bindgen_futures::future_to_promise(async move { future.await.map_err(|error| to_js(&error)) })
}
