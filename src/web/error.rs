//! Crossing the seam: core [`Error`]s become JS `Error`s, JS exceptions become core errors.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use super::options::set_property;
use crate::error::{Error, ErrorCode};

/// A JS `Error` with `name = "ReelcutError"` and `code` set to the documented code string, so callers
/// can `catch (e) { if (e.code === 'aborted') ... }`.
pub(crate) fn to_js(error: &Error) -> JsValue {
    let js_error = js_sys::Error::new(error.message());
    js_error.set_name("ReelcutError");
    set_property(&js_error, "code", &JsValue::from_str(error.code().as_str()));
    js_error.into()
}

/// A browser API threw or rejected: keep the browser's own message, labelled with what we were doing.
pub(crate) fn from_js(code: ErrorCode, doing: &str, thrown: &JsValue) -> Error {
    let detail = thrown
        .dyn_ref::<js_sys::Error>()
        .map(|e| format!("{}: {}", String::from(e.name()), String::from(e.message())))
        .or_else(|| thrown.as_string())
        .unwrap_or_else(|| text_of(thrown));
    Error::new(code, format!("{doing} failed: {detail}"))
}

/// What JS's `String(value)` makes of a thrown or rejected value that is not an `Error`.
pub(crate) fn text_of(value: &JsValue) -> String {
    js_string(value).unwrap_or_else(|_| "a value without a text form".to_owned())
}

#[wasm_bindgen]
extern "C" {
    /// `String(value)`; it throws for objects without `toString` (`Object.create(null)`).
    #[wasm_bindgen(catch, js_name = String)]
    fn js_string(value: &JsValue) -> Result<String, JsValue>;
}
