//! Where media bytes come from: memory (a `Uint8Array` or `Blob` the caller handed over) or a URL read with
//! HTTP Range requests, so that only the index and the samples actually played are downloaded.

use std::rc::Rc;

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::error::from_js;
use crate::error::{Error, ErrorCode, Result};

/// A file whose server ignores Range requests is kept in memory whole, up to this size.
const MAX_WHOLE_FILE_BYTES: u64 = 1 << 30;

/// Attempts per request before giving up with a `network` error.
const ATTEMPTS: u32 = 4;
/// The first retry waits this long; each next one twice as long, plus up to half again of jitter.
const FIRST_BACKOFF_MS: f64 = 200.0;

/// A readable run of bytes.
#[derive(Clone)]
pub(crate) enum Source {
    /// Everything is already here.
    Memory(Rc<[u8]>),
    /// A resource on a server that answers Range requests, of `len` bytes.
    Http { url: String, len: u64 },
}

impl Source {
    /// Opens `url`: one small Range request learns the length (from `Content-Range`). A server that
    /// ignores Range sends the whole body, which is then kept in memory.
    pub(crate) async fn open_url(url: &str) -> Result<Source> {
        let response = fetch_with_retries(url, Some((0, 1))).await?;
        if response.status() == 206 {
            let total = response
                .headers()
                .get("Content-Range")
                .ok()
                .flatten()
                .and_then(|range| range.rsplit('/').next().and_then(|n| n.parse::<u64>().ok()))
                .ok_or_else(|| Error::new(ErrorCode::Network, format!("{url}: 206 without a usable Content-Range")))?;
            return Ok(Source::Http {
                url: url.to_owned(),
                len: total,
            });
        }
        Ok(Source::Memory(body(&response, url, MAX_WHOLE_FILE_BYTES).await?.into()))
    }

    /// Total length in bytes.
    pub(crate) fn len(&self) -> u64 {
        match self {
            Source::Memory(bytes) => bytes.len() as u64,
            Source::Http { len, .. } => *len,
        }
    }

    /// `len` bytes at `offset` (fewer only at the end of the resource).
    pub(crate) async fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>> {
        let end = offset.saturating_add(len).min(self.len());
        if offset >= end {
            return Ok(Vec::new());
        }
        match self {
            Source::Memory(bytes) => Ok(bytes[offset as usize..end as usize].to_vec()),
            Source::Http { url, .. } => {
                let response = fetch_with_retries(url, Some((offset, end))).await?;
                let bytes = body(&response, url, self.len()).await?;
                if response.status() == 206 && bytes.len() as u64 == end - offset {
                    Ok(bytes)
                } else if response.status() == 200 && bytes.len() as u64 >= end {
                    // The server ignored the Range header and sent everything.
                    Ok(bytes[offset as usize..end as usize].to_vec())
                } else {
                    Err(Error::new(
                        ErrorCode::Network,
                        format!("{url}: asked for bytes {offset}..{end}, got {} bytes", bytes.len()),
                    ))
                }
            }
        }
    }
}

/// GET `url` (bytes `start..end` when given), retrying server errors and lost connections with backoff.
/// A 4xx answer is final.
pub(crate) async fn fetch_with_retries(url: &str, range: Option<(u64, u64)>) -> Result<web_sys::Response> {
    let mut last_error = Error::new(ErrorCode::Network, format!("{url}: no attempt made"));
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            let backoff = FIRST_BACKOFF_MS * f64::from(1u32 << (attempt - 1));
            sleep_ms(backoff * (1.0 + 0.5 * js_sys::Math::random())).await;
        }
        match fetch_once(url, range).await {
            Ok(response) if response.ok() => return Ok(response),
            Ok(response) => {
                last_error = Error::new(ErrorCode::Network, format!("{url}: HTTP {}", response.status()));
                if (400..500).contains(&response.status()) {
                    break;
                }
            }
            Err(error) => last_error = error,
        }
    }
    Err(last_error)
}

async fn fetch_once(url: &str, range: Option<(u64, u64)>) -> Result<web_sys::Response> {
    let init = web_sys::RequestInit::new();
    if let Some((start, end)) = range {
        let headers = web_sys::Headers::new().map_err(|e| from_js(ErrorCode::Browser, "new Headers", &e))?;
        headers
            .append("Range", &format!("bytes={start}-{}", end - 1))
            .map_err(|e| from_js(ErrorCode::Browser, "Headers.append", &e))?;
        init.set_headers_headers(&headers);
    }
    let request = web_sys::Request::new_with_str_and_init(url, &init)
        .map_err(|e| from_js(ErrorCode::MalformedInput, &format!("request for {url}"), &e))?;
    let response = JsFuture::from(global_fetch(&request)?)
        .await
        .map_err(|e| from_js(ErrorCode::Network, &format!("fetch {url}"), &e))?;
    response
        .dyn_into::<web_sys::Response>()
        .map_err(|e| from_js(ErrorCode::Browser, "fetch result", &e))
}

/// `fetch` of the window or of the worker this runs in.
fn global_fetch(request: &web_sys::Request) -> Result<Promise> {
    let global = js_sys::global();
    if let Some(window) = global.dyn_ref::<web_sys::Window>() {
        Ok(window.fetch_with_request(request))
    } else if let Some(worker) = global.dyn_ref::<web_sys::WorkerGlobalScope>() {
        Ok(worker.fetch_with_request(request))
    } else {
        Err(Error::new(ErrorCode::Browser, "no fetch in this JavaScript context"))
    }
}

/// The whole body of `response`, at most `max_len` bytes: a longer `Content-Length` is refused before
/// the download (`limit_exceeded`); a body cut short (connection lost) is a `network` error.
pub(crate) async fn body(response: &web_sys::Response, url: &str, max_len: u64) -> Result<Vec<u8>> {
    let too_long = || {
        Error::new(
            ErrorCode::LimitExceeded,
            format!("{url}: the response is larger than {max_len} bytes"),
        )
    };
    let announced = response
        .headers()
        .get("Content-Length")
        .ok()
        .flatten()
        .and_then(|n| n.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > max_len) {
        return Err(too_long());
    }
    let promise = response
        .array_buffer()
        .map_err(|e| from_js(ErrorCode::Network, url, &e))?;
    let buffer = JsFuture::from(promise)
        .await
        .map_err(|e| from_js(ErrorCode::Network, &format!("reading {url}"), &e))?;
    let bytes = Uint8Array::new(&buffer);
    if u64::from(bytes.length()) > max_len {
        return Err(too_long());
    }
    Ok(bytes.to_vec())
}

/// Resolves after `ms` milliseconds (`setTimeout` of the window or worker).
pub(crate) async fn sleep_ms(ms: f64) {
    let promise = Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        let set_timeout = js_sys::Reflect::get(&global, &JsValue::from_str("setTimeout"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        match set_timeout {
            Some(set_timeout) => {
                let _ = set_timeout.call2(&global, &resolve, &JsValue::from_f64(ms));
            }
            None => {
                let _ = resolve.call0(&JsValue::UNDEFINED);
            }
        }
    });
    let _ = JsFuture::from(promise).await;
}
