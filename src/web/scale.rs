//! Fitting decoded pictures of one size into another on an `OffscreenCanvas` (letterboxed: the aspect
//! ratio is kept and the bars are black), for re-encoding a stretch of video at the clip's picture size,
//! and for thumbnails.

use wasm_bindgen::{JsCast, JsValue};

use super::codec::frame::Frame;
use super::dictionary::Dictionary;
use super::error::from_js;
use super::members::members;
use super::render::draw_fitted;
use crate::error::{Error, ErrorCode, Result};
use crate::media::Display;

/// A canvas of the target size and its 2D context.
pub(crate) struct Scaler {
    canvas: web_sys::OffscreenCanvas,
    context: web_sys::OffscreenCanvasRenderingContext2d,
    width: f64,
    height: f64,
}

impl Scaler {
    pub(crate) fn new(width: u32, height: u32) -> Result<Scaler> {
        let canvas = web_sys::OffscreenCanvas::new(width, height)
            .map_err(|e| from_js(ErrorCode::Browser, "new OffscreenCanvas", &e))?;
        let context = members(&canvas)
            .get_context("2d", &JsValue::UNDEFINED)
            .map_err(|e| from_js(ErrorCode::Browser, "OffscreenCanvas.getContext", &e))?
            .and_then(|context| context.dyn_into::<web_sys::OffscreenCanvasRenderingContext2d>().ok())
            .ok_or_else(|| Error::new(ErrorCode::Browser, "no 2D context on an OffscreenCanvas"))?;
        Ok(Scaler {
            canvas,
            context,
            width: f64::from(width),
            height: f64::from(height),
        })
    }

    /// `frame` shown as `display` says, as large as fits, centred, as a picture of the target size.
    pub(crate) fn picture(&self, frame: &web_sys::VideoFrame, display: &Display) -> Result<web_sys::ImageBitmap> {
        draw_fitted(&self.context, frame, display, self.width, self.height)?;
        self.canvas
            .transfer_to_image_bitmap()
            .map_err(|e| from_js(ErrorCode::Browser, "OffscreenCanvas.transferToImageBitmap", &e))
    }

    /// A new frame of the target size showing `frame` as large as fits, centred, with its timestamp and
    /// duration.
    pub(crate) fn fit(&self, frame: &web_sys::VideoFrame) -> Result<Frame> {
        // Re-encoded pictures keep the decoded orientation: the output's display matrix turns them.
        draw_fitted(&self.context, frame, &Display::default(), self.width, self.height)?;
        let init = Dictionary::new();
        let timed = members(frame);
        init.set_timestamp(timed.timestamp());
        if let Some(duration) = timed.duration_if_known() {
            init.set_duration(duration);
        }
        web_sys::VideoFrame::new_with_offscreen_canvas_and_video_frame_init(&self.canvas, init.unchecked_ref())
            .map(Frame::new)
            .map_err(|e| from_js(ErrorCode::Browser, "new VideoFrame from a canvas", &e))
    }
}
