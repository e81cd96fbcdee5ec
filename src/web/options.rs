//! Reading a JS options object: a field that is absent (`undefined` or `null`) is `None`; one of the wrong
//! type is a `malformed_input` error naming it.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{Error, Result};

/// An optional options argument as the readers below take it: `undefined` when left out.
pub(crate) fn given(options: Option<js_sys::Object>) -> JsValue {
    options.map_or(JsValue::UNDEFINED, JsValue::from)
}

/// The field `name` of `options` (itself possibly `undefined`), when set.
pub(crate) fn value(options: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(options, &name.into())
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

fn wrong(name: &str, what: &str) -> Error {
    Error::malformed(format!("{name} must be {what}"))
}

/// A string field.
pub(crate) fn string(options: &JsValue, name: &str) -> Result<Option<String>> {
    value(options, name)
        .map(|v| v.as_string().ok_or_else(|| wrong(name, "a string")))
        .transpose()
}

/// A number field.
pub(crate) fn number(options: &JsValue, name: &str) -> Result<Option<f64>> {
    value(options, name)
        .map(|v| v.as_f64().ok_or_else(|| wrong(name, "a number")))
        .transpose()
}

/// A field of a JS class `T` (a function, an `AbortSignal`, ...), `what` naming it in the error.
pub(crate) fn instance<T: JsCast>(options: &JsValue, name: &str, what: &str) -> Result<Option<T>> {
    value(options, name)
        .map(|v| v.dyn_into::<T>().map_err(|_| wrong(name, what)))
        .transpose()
}
