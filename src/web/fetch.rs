//! HTTP GETs as media needs them: retried with back-off and jitter, bounded in size, and never left
//! hanging. A request whose response headers do not arrive within the first-byte timeout, or whose body
//! stops arriving for the stall timeout, is aborted and counts as a failed attempt; closing the owner's
//! [`Life`] aborts whatever is in flight.

use std::rc::Rc;

use js_sys::{Array, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::dictionary::plain_object;
use super::error::from_js;
use super::job::aborted;
use super::life::{Life, Request};
use super::members::members;
use super::options;
use super::options::{property, set_property};
use crate::decimal::{parse_digits, Fixed};
use crate::error::{Error, ErrorCode, Result};

/// Attempts per request before giving up with a `network` error.
const ATTEMPTS: u32 = 4;
/// The first retry waits this long; each next one twice as long, plus up to half again of jitter.
const FIRST_BACKOFF_MS: f64 = 200.0;
/// How long a request may wait for its response headers, and a body for its next bytes, by default (as
/// hls.js waits for a fragment's first byte).
const DEFAULT_TIMEOUT_MS: f64 = 10_000.0;

/// The buffer of a body that is not a range is reserved for at most this many bytes before they arrive.
const MAX_RESERVED_BYTES: u64 = 16 << 20;

/// What a GET brought back.
pub(crate) struct Fetched {
    pub(crate) status: u16,
    /// The total length a `206 Partial Content` answer names in its `Content-Range`.
    pub(crate) total_length: Option<u64>,
    pub(crate) bytes: Vec<u8>,
}

/// Fetches for one owner, with its timeouts.
#[derive(Clone)]
pub(crate) struct Fetcher {
    life: Rc<Life>,
    first_byte_ms: f64,
    stall_ms: f64,
    /// A job's signal: aborting it aborts the request in flight (`aborted`), with no retry.
    signal: Option<web_sys::AbortSignal>,
}

impl Fetcher {
    /// Fetches for `life`, with the timeouts `{ firstByteTimeout, stallTimeout }` (milliseconds) of an
    /// options object.
    pub(crate) fn new(life: Rc<Life>, options: &JsValue) -> Result<Fetcher> {
        let timeout = |name: &str| -> Result<f64> {
            match options::number(options, name)? {
                Some(ms) if ms > 0.0 => Ok(ms),
                Some(ms) => Err(Error::new(
                    ErrorCode::OutOfRange,
                    format!(
                        "{name} must be a positive number of milliseconds (got {})",
                        Fixed(ms, 0)
                    ),
                )),
                None => Ok(DEFAULT_TIMEOUT_MS),
            }
        };
        Ok(Fetcher {
            life,
            first_byte_ms: timeout("firstByteTimeout")?,
            stall_ms: timeout("stallTimeout")?,
            signal: None,
        })
    }

    /// The same fetches, for a job whose `signal` (when given) aborts them at once.
    pub(crate) fn with_signal(&self, signal: Option<&web_sys::AbortSignal>) -> Fetcher {
        Fetcher {
            signal: signal.cloned(),
            ..self.clone()
        }
    }

    /// The same fetches, waiting at most `ms` for a response's headers (or the configured time, when shorter).
    pub(crate) fn with_first_byte_timeout(&self, ms: f64) -> Fetcher {
        Fetcher {
            first_byte_ms: self.first_byte_ms.min(ms),
            ..self.clone()
        }
    }

    /// The lifetime the fetches belong to.
    pub(crate) fn life(&self) -> &Rc<Life> {
        &self.life
    }

    /// GET `url` (bytes `start..end` when given) and its body of at most `max_len` bytes, retrying server
    /// errors and lost connections with back-off. A request that times out is tried once more at once (a
    /// connection may hang once; a server that holds a live segment twice will not send it in time). A 4xx
    /// answer and a body over `max_len` (`limit_exceeded`) are final.
    pub(crate) async fn get(&self, url: &str, range: Option<(u64, u64)>, max_len: u64) -> Result<Fetched> {
        let mut last_error = Error::new(ErrorCode::Network, format!("{url}: no attempt made"));
        let mut timed_out = false;
        let mut retry_now = false;
        for attempt in 0..ATTEMPTS {
            if attempt > 0 && !std::mem::take(&mut retry_now) {
                let backoff = FIRST_BACKOFF_MS * f64::from(1u32 << (attempt - 1));
                self.life.sleep(backoff * (1.0 + 0.5 * js_sys::Math::random())).await?;
            }
            let attempt = self.get_once(url, range, max_len).await;
            if self.signal.as_ref().is_some_and(|s| s.aborted()) {
                return Err(aborted());
            }
            match attempt {
                Ok(fetched) if (200..300).contains(&fetched.status) => return Ok(fetched),
                Ok(fetched) => {
                    last_error = Error::new(ErrorCode::Network, format!("{url}: HTTP {}", u32::from(fetched.status)));
                    if (400..500).contains(&fetched.status) {
                        break;
                    }
                }
                Err(Failed::TimedOut(error)) if timed_out => return Err(error),
                Err(Failed::TimedOut(error)) => {
                    timed_out = true;
                    retry_now = true;
                    last_error = error;
                }
                Err(Failed::Other(error)) if matches!(error.code(), ErrorCode::Network) => last_error = error,
                Err(Failed::Other(error)) => return Err(error),
            }
        }
        Err(last_error)
    }

    async fn get_once(&self, url: &str, range: Option<(u64, u64)>, max_len: u64) -> Result<Fetched, Failed> {
        let request = self.life.request()?;
        let response = self.response(url, range, &request).await?;
        let status = response.status();
        let total_length = header(&response, "Content-Range").and_then(|range| parse_digits(range.split_once('/')?.1));
        // An error page's body is not wanted: its download stops here.
        let bytes = if response.ok() {
            // A range's bytes are known in number before they come: the buffer is reserved for all of them.
            let reserve = range.map_or(MAX_RESERVED_BYTES, |(start, end)| end - start);
            self.body(&response, url, (reserve, max_len), &request).await?
        } else {
            request.abort();
            Vec::new()
        };
        Ok(Fetched {
            status,
            total_length,
            bytes,
        })
    }

    /// The response of one attempt, once its headers are in.
    async fn response(
        &self,
        url: &str,
        range: Option<(u64, u64)>,
        request: &Request,
    ) -> Result<web_sys::Response, Failed> {
        let signal = match &self.signal {
            Some(job) => web_sys::AbortSignal::any(&Array::of2(&request.signal(), job)),
            None => request.signal(),
        };
        let init = js_sys::Object::new();
        set_property(&init, "signal", &signal);
        if let Some((start, end)) = range {
            // A plain object of header names and values is a `HeadersInit`.
            let value = format!("bytes={start}-{}", end.saturating_sub(1));
            set_property(&init, "headers", &plain_object(&[("Range", value.into())]));
        }
        let fetch_request = web_sys::Request::new_with_str_and_init(url, init.unchecked_ref())
            .map_err(|e| from_js(ErrorCode::MalformedInput, &format!("request for {url}"), &e))?;
        let answer = self
            .within(global_fetch(&fetch_request)?, request, url, Wait::Response)
            .await?;
        Ok(answer
            .dyn_into::<web_sys::Response>()
            .map_err(|e| from_js(ErrorCode::Browser, "fetch result", &e))?)
    }

    /// The body of `response`, read as it arrives into a buffer reserved for up to `reserve` bytes: a longer
    /// `Content-Length` than `max_len` is refused before the download, a body that grows past it as soon as it
    /// does (`limit_exceeded`); one that stalls or is cut short is a `network` error.
    async fn body(
        &self,
        response: &web_sys::Response,
        url: &str,
        (reserve, max_len): (u64, u64),
        request: &Request,
    ) -> Result<Vec<u8>, Failed> {
        let too_long = || Error::limit(format!("{url}: the response is larger than {max_len} bytes"));
        let announced = header(response, "Content-Length").and_then(|n| parse_digits(n.trim_ascii()));
        if announced.is_some_and(|n| n > max_len) {
            return Err(too_long().into());
        }
        let Some(stream) = response.body() else {
            return Ok(Vec::new());
        };
        let reader: web_sys::ReadableStreamDefaultReader = stream
            .get_reader()
            .dyn_into()
            .map_err(|e| from_js(ErrorCode::Browser, "ReadableStream.getReader", &e))?;
        // Reserved from what the server announces, but never more than asked for: the header is the
        // server's word, the bytes are what counts.
        let mut bytes = Vec::with_capacity(announced.unwrap_or(0).min(reserve) as usize);
        loop {
            // A timed-out request is aborted, which ends the body too.
            let read = self.within(reader.read(), request, url, Wait::Body).await?;
            if append_read(&read, &mut bytes).is_none() {
                return Ok(bytes);
            }
            if bytes.len() as u64 > max_len {
                let _ = reader.cancel();
                return Err(too_long().into());
            }
        }
    }

    /// What `promise` resolved to, if it settled within `wait`'s timeout. A rejection is a `network` error;
    /// a timeout aborts the request and fails the attempt as timed out; `invalid_state` if the lifetime
    /// closed meanwhile.
    async fn within(&self, promise: Promise, request: &Request, url: &str, wait: Wait) -> Result<JsValue, Failed> {
        let (ms, doing, silent) = match wait {
            Wait::Response => (self.first_byte_ms, "fetch", "sent no response"),
            Wait::Body => (self.stall_ms, "reading", "stopped sending"),
        };
        let timer = self.life.timer(ms);
        // The timer resolves to `undefined`, which neither a response nor a read result is.
        let settled = JsFuture::from(Promise::race(&Array::of2(&promise, timer.promise()))).await;
        drop(timer);
        self.life.check()?;
        match settled {
            Ok(value) if value.is_undefined() => {
                request.abort();
                Err(Failed::TimedOut(Error::new(
                    ErrorCode::Network,
                    format!("{url}: the server {silent} for {} s", Fixed(ms / 1000.0, 1)),
                )))
            }
            Ok(value) => Ok(value),
            Err(thrown) => Err(from_js(ErrorCode::Network, &format!("{doing} {url}"), &thrown).into()),
        }
    }
}

/// What a request waits for: its response headers (within the first-byte timeout), or the next bytes of
/// its body (within the stall timeout).
#[derive(Clone, Copy)]
enum Wait {
    Response,
    Body,
}

/// Why one attempt failed.
enum Failed {
    /// The response or its body did not come in time.
    TimedOut(Error),
    Other(Error),
}

impl From<Error> for Failed {
    fn from(error: Error) -> Failed {
        Failed::Other(error)
    }
}

/// Appends the bytes of a stream's `read` result to `bytes` and returns them, `None` when the stream is
/// done.
pub(crate) fn append_read(read: &JsValue, bytes: &mut Vec<u8>) -> Option<Uint8Array> {
    if property(read, "done").is_some_and(|done| done.is_truthy()) {
        return None;
    }
    let chunk: Uint8Array = property(read, "value")?.dyn_into().ok()?;
    let copy = members(&chunk).bytes();
    // A first chunk that fills the room reserved (a whole segment often comes in one read) becomes the
    // buffer; later ones are appended. Growing `bytes` and copying into it instead would write every byte
    // twice (zeros, then the chunk), and the zeros one at a time.
    if bytes.is_empty() && bytes.capacity() <= copy.len() {
        *bytes = copy;
    } else {
        bytes.extend_from_slice(&copy);
    }
    Some(chunk)
}

/// The value of header `name` of `response`, when it has one.
fn header(response: &web_sys::Response, name: &str) -> Option<String> {
    response.headers().get(name).ok().flatten()
}

/// `fetch` of the window or of the worker this runs in.
fn global_fetch(request: &web_sys::Request) -> Result<Promise> {
    fetch_in_global(request).map_err(|_| Error::new(ErrorCode::Browser, "no fetch in this JavaScript context"))
}

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`; it throws where there is none.
    #[wasm_bindgen(catch, js_name = fetch)]
    fn fetch_in_global(request: &web_sys::Request) -> std::result::Result<Promise, JsValue>;
}
