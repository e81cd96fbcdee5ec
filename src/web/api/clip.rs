//! `Clip`: a stretch of a `Media` to export as an MP4 file, and `media.clip()` that makes one.

use std::rc::Rc;

use js_sys::{Promise, Uint8Array};
use wasm_bindgen::prelude::*;

use super::media::Media;
use super::throw;
use crate::edit::trim::TrimMode;
use crate::error::{Error, Result};
use crate::mux::Container;
use crate::web::content::Content;
use crate::web::export::export;
use crate::web::job::Job;
use crate::web::options;
use crate::web::output::Output;
use crate::web::promise::to_promise;

/// The clip `[start, end)` of a `Media`, from `media.clip({ start, end })`.
#[wasm_bindgen]
pub struct Clip {
    pub(crate) content: Rc<Content>,
    pub(crate) start: f64,
    pub(crate) end: f64,
}

#[wasm_bindgen]
impl Media {
    /// The clip `{ start, end }` (seconds on the media timeline; for a live stream, inside the replay
    /// window), to export with `clip.export()`. Throws `out_of_range` for an empty or outside interval.
    pub fn clip(
        &self,
        #[wasm_bindgen(unchecked_param_type = "TimeSpan")] options: &JsValue,
    ) -> std::result::Result<Clip, JsValue> {
        let time = |name: &str| {
            options::property(options, name)
                .and_then(|v| v.as_f64())
                .ok_or_else(|| Error::malformed(format!("clip options need a number {name}")))
        };
        throw(self.content.check())?;
        let clip = time("start").and_then(|start| Clip::new(Rc::clone(&self.content), start, time("end")?));
        throw(clip)
    }
}

impl Clip {
    /// A clip of `content` over `[start, end)` seconds of its media timeline, which must lie in its
    /// seekable range (a live stream's replay window).
    pub(crate) fn new(content: Rc<Content>, start: f64, end: f64) -> Result<Clip> {
        content.check_span(start, end)?;
        Ok(Clip { content, start, end })
    }
}

/// Export options: `{ mode: 'exact' | 'keyframe', container: 'mp4' | 'fmp4' }` (plus `onProgress` and
/// `signal`, read by [`Job`]).
fn export_options(options: &JsValue) -> Result<(TrimMode, Container)> {
    let mode = options::string(options, "mode")?.map_or(Ok(TrimMode::Exact), |m| TrimMode::parse(&m))?;
    let container = match options::string(options, "container")?.as_deref() {
        None | Some("mp4") => Container::Mp4,
        Some("fmp4") => Container::Fmp4,
        Some(other) => {
            return Err(Error::malformed(format!(
                "unknown container '{other}': use 'mp4' or 'fmp4'"
            )))
        }
    };
    Ok((mode, container))
}

#[wasm_bindgen]
impl Clip {
    /// Where the clip starts on the media timeline, seconds (as requested; the export may start
    /// earlier, at a keyframe, in `keyframe` mode).
    #[wasm_bindgen(getter)]
    pub fn start(&self) -> f64 {
        self.start
    }

    /// Where the clip ends, seconds.
    #[wasm_bindgen(getter)]
    pub fn end(&self) -> f64 {
        self.end
    }

    /// Exports the clip as MP4 bytes. Options: `mode` (`'exact'`, the default: starts on the frame shown
    /// at `start`, re-encoding up to the next keyframe; `'keyframe'`: lossless, from the keyframe at or
    /// before `start`), `container` (`'mp4'`, the default, index first; or `'fmp4'`), `onProgress(f)`
    /// with `f` going from 0 to 1, `signal` (an `AbortSignal`: rejects with code `aborted`), and
    /// `writable` (a `WritableStream`: the file is written to it as it is made, the stream closed at the
    /// end, and the promise resolves with `undefined`; on failure the stream is aborted).
    #[wasm_bindgen(unchecked_return_type = "Promise<Uint8Array | undefined>")]
    pub fn export(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "ExportOptions | (ExportOptions & WritableOption)")]
        options: Option<js_sys::Object>,
    ) -> Promise {
        let options = options::given(options);
        let content = Rc::clone(&self.content);
        let (start, end) = (self.start, self.end);
        to_promise(async move {
            let (mode, container) = export_options(&options)?;
            let job = Job::from_options(&options)?.on_media(content.life());
            let mut output = Output::from_options(&options)?;
            let result = match job.check() {
                Ok(()) => export(&content, start, end, mode, container, &mut output, &job).await,
                Err(error) => Err(error),
            };
            Ok(match output.end(result).await? {
                Some(bytes) => Uint8Array::from(bytes.as_slice()).into(),
                None => JsValue::UNDEFINED,
            })
        })
    }
}
