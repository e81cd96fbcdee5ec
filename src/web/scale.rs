//! Fitting decoded pictures of one size into another on an `OffscreenCanvas` (letterboxed: the aspect
//! ratio is kept and the bars are black), for re-encoding a stretch of video at the clip's picture size.

use wasm_bindgen::JsCast;

use super::codec::frame::Frame;
use super::error::from_js;
use crate::error::{Error, ErrorCode, Result};

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
        let context = canvas
            .get_context("2d")
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

    /// A new frame of the target size showing `frame` as large as fits, centred, with its timestamp and
    /// duration.
    pub(crate) fn fit(&self, frame: &web_sys::VideoFrame) -> Result<Frame> {
        let (from_width, from_height) = (f64::from(frame.display_width()), f64::from(frame.display_height()));
        let scale = (self.width / from_width).min(self.height / from_height);
        let (width, height) = (from_width * scale, from_height * scale);
        self.context.set_fill_style_str("black");
        self.context.fill_rect(0.0, 0.0, self.width, self.height);
        self.context
            .draw_image_with_video_frame_and_dw_and_dh(
                frame,
                (self.width - width) / 2.0,
                (self.height - height) / 2.0,
                width,
                height,
            )
            .map_err(|e| from_js(ErrorCode::Browser, "drawImage of a video frame", &e))?;
        let init = web_sys::VideoFrameInit::new();
        init.set_timestamp_f64(frame.timestamp());
        if let Some(duration) = frame.duration() {
            init.set_duration_f64(duration);
        }
        web_sys::VideoFrame::new_with_offscreen_canvas_and_video_frame_init(&self.canvas, &init)
            .map(Frame::new)
            .map_err(|e| from_js(ErrorCode::Browser, "new VideoFrame from a canvas", &e))
    }
}
