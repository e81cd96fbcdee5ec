//! Asking this browser's WebCodecs what it supports.
//!
//! Support varies by browser and platform (Chromium on desktop Linux decodes AAC but cannot encode it, and
//! has no HEVC decoder), so the library asks `isConfigSupported` rather than assuming.

use js_sys::Promise;
use wasm_bindgen_futures::JsFuture;

use crate::error::{ErrorCode, Result};
use crate::web::error::from_js;
use crate::web::options::property;

/// The `supported` flag of what an `isConfigSupported` promise (`support`, untyped) resolves to. It rejects
/// (with a `TypeError`) only when the configuration itself is invalid: an error of `code` saying `doing` failed.
pub(crate) async fn config_supported(support: Promise, code: ErrorCode, doing: &str) -> Result<bool> {
    let support = JsFuture::from(support)
        .await
        .map_err(|thrown| from_js(code, doing, &thrown))?;
    Ok(property(&support, "supported").is_some_and(|flag| flag.is_truthy()))
}
