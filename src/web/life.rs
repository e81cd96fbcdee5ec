//! The end of everything a `Media` started: the requests in flight and the timers its waits set (retry
//! back-offs, timeouts, the wait between live playlist reloads) are registered here while they run, so that
//! closing aborts every request, clears every timer and wakes what waited on it, and any later work fails
//! with `invalid_state` instead of touching the network again.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::cell::Access;
use crate::error::{Error, ErrorCode, Result};

/// The owner a media's lifetime names in its `invalid_state` errors.
pub(crate) const MEDIA: &str = "the media";

/// Something running that closing must stop.
enum Running {
    /// A `setTimeout` and the function resolving the promise it was set for.
    Timer { id: JsValue, resolve: Function },
    /// A request, aborted through its controller.
    Request(web_sys::AbortController),
}

/// The lifetime of one owner's network activity and timers.
pub(crate) struct Life {
    closed: Cell<bool>,
    running: RefCell<Vec<(u32, Running)>>,
    next_key: Cell<u32>,
    /// What closing ended, for the message of later calls ("the media").
    owner: &'static str,
}

impl Life {
    /// A new, open lifetime of `owner` (named in `invalid_state` errors).
    pub(crate) fn new(owner: &'static str) -> Rc<Life> {
        Rc::new(Life {
            closed: Cell::new(false),
            running: RefCell::new(Vec::new()),
            next_key: Cell::new(0),
            owner,
        })
    }

    /// Whether it has ended.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// `invalid_state` once closed.
    pub(crate) fn check(&self) -> Result<()> {
        if self.closed.get() {
            return Err(closed_error(self.owner));
        }
        Ok(())
    }

    /// Ends it: aborts the requests in flight and clears the timers, resolving their promises so that no
    /// waiter hangs. Idempotent.
    pub(crate) fn close(&self) {
        if self.closed.replace(true) {
            return;
        }
        // Taken first: aborting and resolving run JS, which must find the list free.
        let running = std::mem::take(&mut *self.running.write());
        for (_, running) in running {
            match running {
                Running::Timer { id, resolve } => {
                    clear_timeout(&id);
                    let _ = resolve.call0(&JsValue::UNDEFINED);
                }
                Running::Request(controller) => controller.abort(),
            }
        }
    }

    fn register(&self, running: Running) -> u32 {
        let key = self.next_key.get();
        self.next_key.set(key.wrapping_add(1));
        self.running.write().push((key, running));
        key
    }

    /// Takes what was registered under `key` off the list (once closing has taken it, it is gone).
    fn unregister(&self, key: u32) -> Option<Running> {
        let mut running = self.running.write();
        let at = running.iter().position(|(k, _)| *k == key)?;
        Some(running.remove(at).1)
    }

    /// A timer of `ms` milliseconds, cleared when dropped or when the lifetime closes.
    pub(crate) fn timer(self: &Rc<Self>, ms: f64) -> Timer {
        let mut set = None;
        let promise = Promise::new(&mut |resolve, _| {
            let id = set_timeout(&resolve, ms);
            set = Some((id, resolve));
        });
        let key = match set {
            Some((id, resolve)) if !self.closed.get() => Some(self.register(Running::Timer { id, resolve })),
            Some((id, resolve)) => {
                clear_timeout(&id);
                let _ = resolve.call0(&JsValue::UNDEFINED);
                None
            }
            None => None,
        };
        Timer {
            life: Rc::clone(self),
            key,
            promise,
        }
    }

    /// Waits `ms` milliseconds (less if the lifetime closes meanwhile); `invalid_state` when it is closed.
    pub(crate) async fn sleep(self: &Rc<Self>, ms: f64) -> Result<()> {
        self.check()?;
        let timer = self.timer(ms);
        let _ = JsFuture::from(timer.promise.clone()).await;
        self.check()
    }

    /// A controller for one request, aborted if the lifetime closes before the request is dropped.
    pub(crate) fn request(self: &Rc<Self>) -> Result<Request> {
        self.check()?;
        let controller = web_sys::AbortController::new()
            .map_err(|e| super::error::from_js(ErrorCode::Browser, "new AbortController", &e))?;
        let key = self.register(Running::Request(controller.clone()));
        Ok(Request {
            life: Rc::clone(self),
            key,
            controller,
        })
    }
}

/// The `invalid_state` error of work asked of a closed `owner`.
pub(crate) fn closed_error(owner: &str) -> Error {
    Error::new(ErrorCode::InvalidState, format!("{owner} was closed"))
}

/// A pending `setTimeout`; cleared when dropped.
pub(crate) struct Timer {
    life: Rc<Life>,
    key: Option<u32>,
    promise: Promise,
}

impl Timer {
    /// Resolves (to `undefined`) when the time is up or the lifetime closed.
    pub(crate) fn promise(&self) -> &Promise {
        &self.promise
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(Running::Timer { id, .. }) = self.key.and_then(|key| self.life.unregister(key)) {
            clear_timeout(&id);
        }
    }
}

/// One request's abort controller, registered with its lifetime until dropped.
pub(crate) struct Request {
    life: Rc<Life>,
    key: u32,
    controller: web_sys::AbortController,
}

impl Request {
    /// The signal to give `fetch`.
    pub(crate) fn signal(&self) -> web_sys::AbortSignal {
        self.controller.signal()
    }

    /// Aborts the request (a timeout ran out).
    pub(crate) fn abort(&self) {
        self.controller.abort();
    }
}

impl Drop for Request {
    fn drop(&mut self) {
        self.life.unregister(self.key);
    }
}

/// Resolves after `ms` milliseconds (`setTimeout` of the window or worker): a yield to the browser while a
/// codec works through its queue.
pub(crate) async fn sleep_ms(ms: f64) {
    let _ = JsFuture::from(after_ms(ms)).await;
}

/// A promise resolved (to `undefined`) after `ms` milliseconds.
pub(crate) fn after_ms(ms: f64) -> Promise {
    Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, ms);
    })
}

/// `setTimeout(callback, ms)` of the window or worker; its id. Where there is none the callback runs now.
pub(crate) fn set_timeout(callback: &Function, ms: f64) -> JsValue {
    global_set_timeout(callback, ms).unwrap_or_else(|_| {
        let _ = callback.call0(&JsValue::UNDEFINED);
        JsValue::UNDEFINED
    })
}

fn clear_timeout(id: &JsValue) {
    let _ = global_clear_timeout(id);
}

#[wasm_bindgen]
extern "C" {
    /// The global `setTimeout` and `clearTimeout`; they throw where there are none.
    #[wasm_bindgen(catch, js_name = setTimeout)]
    fn global_set_timeout(callback: &Function, ms: f64) -> std::result::Result<JsValue, JsValue>;
    #[wasm_bindgen(catch, js_name = clearTimeout)]
    fn global_clear_timeout(id: &JsValue) -> std::result::Result<(), JsValue>;
}
