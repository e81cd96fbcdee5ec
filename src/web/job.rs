//! A long operation as the JS API runs it: `onProgress(fraction)` callbacks and cancellation by an
//! `AbortSignal`, both from the caller's options object, and by the closing of the media it works on.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::Function;
use wasm_bindgen::JsValue;

use super::life::Life;
use super::options;

use crate::error::{Error, ErrorCode, Result};

/// Progress and cancellation of one operation. Its steps each cover a part of `[0, 1]`.
pub(crate) struct Job {
    on_progress: Option<Function>,
    signal: Option<web_sys::AbortSignal>,
    /// The media worked on: the job stops (`invalid_state`) when it is closed.
    media: Option<Rc<Life>>,
    /// The part of the whole the current step covers.
    step: Cell<(f64, f64)>,
    /// The last fraction reported: reports only go forward.
    reported: Cell<f64>,
}

impl Job {
    /// Reads `onProgress` and `signal` from an options object (both optional; anything else is a
    /// `malformed_input` error naming the option).
    pub(crate) fn from_options(options: &JsValue) -> Result<Job> {
        let on_progress = options::instance::<Function>(options, "onProgress", "a function")?;
        let signal = options::instance::<web_sys::AbortSignal>(options, "signal", "an AbortSignal")?;
        Ok(Job {
            on_progress,
            signal,
            media: None,
            step: Cell::new((0.0, 1.0)),
            reported: Cell::new(-1.0),
        })
    }

    /// The job works on the media of `life`, and stops when it is closed.
    pub(crate) fn on_media(mut self, life: &Rc<Life>) -> Job {
        self.media = Some(Rc::clone(life));
        self
    }

    /// `aborted` once the caller's signal has fired; `invalid_state` once the media is closed.
    pub(crate) fn check(&self) -> Result<()> {
        if let Some(media) = &self.media {
            media.check()?;
        }
        match &self.signal {
            Some(signal) if signal.aborted() => Err(aborted()),
            _ => Ok(()),
        }
    }

    /// The caller's `AbortSignal`, for requests to follow.
    pub(crate) fn signal(&self) -> Option<&web_sys::AbortSignal> {
        self.signal.as_ref()
    }

    /// Starts a step that covers `[from, to]` of the whole.
    pub(crate) fn step(&self, from: f64, to: f64) {
        self.step.set((from, to));
        self.progress(0.0);
    }

    /// Reports that the current step is `fraction` done.
    pub(crate) fn progress(&self, fraction: f64) {
        let (from, to) = self.step.get();
        let overall = (from + (to - from) * fraction.clamp(0.0, 1.0)).clamp(0.0, 1.0);
        if overall <= self.reported.get() {
            return;
        }
        self.reported.set(overall);
        if let Some(callback) = &self.on_progress {
            // A throwing callback is the caller's bug; it must not break the export.
            let _ = callback.call1(&JsValue::UNDEFINED, &JsValue::from_f64(overall));
        }
    }
}

/// The error of a job whose signal fired.
pub(crate) fn aborted() -> Error {
    Error::new(ErrorCode::Aborted, "aborted by its signal")
}
