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
    property(options, name).filter(|v| !v.is_undefined() && !v.is_null())
}

/// Property `name` of any JS value (`None` when reading it throws: a getter that throws, a proxy). One
/// non-generic reader for every property read by name, rather than the property key's conversion and
/// the call inlined at each one.
pub(crate) fn property(object: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(object, &JsValue::from_str(name)).ok()
}

/// Method `name` of `object`, when it has one: for what web-sys does not bind, or that a browser may lack.
pub(crate) fn method(object: &JsValue, name: &str) -> Option<js_sys::Function> {
    property(object, name)?.dyn_into().ok()
}

/// Sets data property `name` of an object the library made (a plain object, a typed array), which
/// cannot fail.
pub(crate) fn set_property(object: &JsValue, name: &str, value: &JsValue) {
    let _ = Reflect::set(object, &JsValue::from_str(name), value);
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
