//! Draws `VideoFrame`s on a canvas upright (turned and mirrored as the track's display matrix says, stretched
//! by its pixel aspect ratio), letterboxed (aspect ratio kept, black bars) at the canvas's device-pixel size:
//! with WebGL2 (the frame uploaded as a texture), or with a 2D context where WebGL2 is unavailable or drawn by
//! the CPU. A software WebGL (SwiftShader, Mesa's llvmpipe, Windows' WARP) converts, uploads and draws a
//! 720p frame in about three times the page's time a 2D context takes to scale it, and its first picture
//! (context, shaders, the first upload) in about five times: the CPU draws either way, so the 2D context
//! draws there unless WebGL2 is asked for.
//!
//! The drawing context is the renderer's own, on an `OffscreenCanvas`; each picture drawn is handed to the
//! page's canvas through its `bitmaprenderer` context. A canvas keeps one context for its whole life, so a
//! context made on the page's canvas could not be released when a player ends without breaking the next
//! player on that canvas; this one is released (`WEBGL_lose_context`) as the renderer is dropped, and
//! pages that make players by the hundred never run into the browser's limit of live contexts.

use js_sys::JsString;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{WebGl2RenderingContext as Gl, WebGlProgram, WebGlShader};

use super::dictionary::plain_object;
use super::error::from_js;
use super::members::members;
use crate::error::{Error, ErrorCode, Result};
use crate::media::Display;

/// A full-canvas quad from `gl_VertexID` (no vertex buffer), scaled for the letterbox; `u_orient` maps a point
/// of the picture as shown (centred, y down) to the point of the decoded picture it shows.
const VERTEX_SHADER: &str = r#"#version 300 es
uniform vec2 u_scale;
uniform mat2 u_orient;
out vec2 v_uv;
void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float(gl_VertexID >> 1));
    // Texture row 0 is the top of the picture; clip space y = -1 is the bottom of the canvas.
    vec2 shown = vec2(corner.x, 1.0 - corner.y);
    v_uv = u_orient * (shown - 0.5) + 0.5;
    gl_Position = vec4((corner * 2.0 - 1.0) * u_scale, 0.0, 1.0);
}
"#;

const FRAGMENT_SHADER: &str = r#"#version 300 es
precision mediump float;
uniform sampler2D u_frame;
in vec2 v_uv;
out vec4 color;
void main() {
    color = texture(u_frame, v_uv);
}
"#;

/// What a player asks to draw with (its `renderer` option).
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Choice {
    /// WebGL2 where the GPU draws it, else the 2D context.
    Fastest,
    /// WebGL2 wherever the browser gives it, in software too.
    Gl,
    /// The 2D context.
    Canvas2d,
}

/// What draws frames on one canvas.
pub(crate) struct Renderer {
    canvas: web_sys::HtmlCanvasElement,
    /// The page canvas's context, which shows each picture drawn.
    shown: web_sys::ImageBitmapRenderingContext,
    /// Where the pictures are drawn.
    surface: web_sys::OffscreenCanvas,
    painter: Painter,
}

/// How pictures are drawn on the surface.
enum Painter {
    /// WebGL2: the frame uploaded as a texture, drawn as a quad (the path effects build on).
    Gl(GlPainter),
    /// Where WebGL2 is unavailable (blocked, or no GPU process, as in Firefox headless without a display):
    /// the 2D context's `drawImage` of the frame.
    Canvas2d(web_sys::OffscreenCanvasRenderingContext2d),
}

/// The GL objects that draw frames, released in `Drop`.
struct GlPainter {
    gl: Gl,
    program: WebGlProgram,
    texture: web_sys::WebGlTexture,
    vertex_array: web_sys::WebGlVertexArrayObject,
    scale: Option<web_sys::WebGlUniformLocation>,
    orient: Option<web_sys::WebGlUniformLocation>,
}

impl Renderer {
    /// A renderer showing its pictures on `canvas`, which keeps the last one on screen (and readable)
    /// between frames: with WebGL2 as `choice` says and the browser allows, else with a 2D context.
    pub(crate) fn new(canvas: web_sys::HtmlCanvasElement, choice: Choice) -> Result<Renderer> {
        let shown = members(&canvas)
            .get_context("bitmaprenderer", &JsValue::UNDEFINED)
            .map_err(|e| from_js(ErrorCode::Browser, "canvas.getContext('bitmaprenderer')", &e))?
            .and_then(|context| context.dyn_into::<web_sys::ImageBitmapRenderingContext>().ok())
            .ok_or_else(|| {
                Error::unsupported("the canvas already has a 2d or WebGL context: give the player a canvas of its own")
            })?;
        let new_surface = || {
            let (width, height) = size(&canvas);
            web_sys::OffscreenCanvas::new(width, height)
                .map_err(|e| from_js(ErrorCode::Browser, "new OffscreenCanvas", &e))
        };
        let gl = match choice {
            Choice::Canvas2d => None,
            _ => {
                let surface = new_surface()?;
                GlPainter::new(&surface, choice == Choice::Gl).map(|gl| (surface, gl))
            }
        };
        let (surface, painter) = match gl {
            Some((surface, gl)) => (surface, Painter::Gl(gl)),
            // A canvas keeps the kind of context it first gave: the 2D one is on a surface of its own.
            None => {
                let surface = new_surface()?;
                let context = members(&surface)
                    .get_context("2d", &JsValue::UNDEFINED)
                    .map_err(|e| from_js(ErrorCode::Browser, "OffscreenCanvas.getContext('2d')", &e))?
                    .and_then(|context| context.dyn_into().ok())
                    .ok_or_else(|| Error::unsupported("neither WebGL2 nor a 2D canvas is available"))?;
                (surface, Painter::Canvas2d(context))
            }
        };
        Ok(Renderer {
            canvas,
            shown,
            surface,
            painter,
        })
    }

    /// How frames are drawn: `"webgl2"`, or `"2d"` where WebGL2 is unavailable.
    pub(crate) fn path(&self) -> &'static str {
        match self.painter {
            Painter::Gl(_) => "webgl2",
            Painter::Canvas2d(_) => "2d",
        }
    }

    /// Draws `frame` as `display` says it is shown, letterboxed, filling the canvas's device-pixel size.
    pub(crate) fn draw(&self, frame: &web_sys::VideoFrame, display: &Display) -> Result<()> {
        let (width, height) = self.fit_canvas();
        match &self.painter {
            Painter::Gl(gl) => gl.paint(frame, display, width, height)?,
            Painter::Canvas2d(context) => draw_fitted(context, frame, display, f64::from(width), f64::from(height))?,
        }
        let picture = self
            .surface
            .transfer_to_image_bitmap()
            .map_err(|e| from_js(ErrorCode::Browser, "OffscreenCanvas.transferToImageBitmap", &e))?;
        self.shown.transfer_from_image_bitmap(&picture);
        Ok(())
    }

    /// Sizes the canvas and the drawing surface to the canvas's laid-out size times `devicePixelRatio` (a
    /// canvas that is not laid out keeps its `width`/`height` attributes).
    fn fit_canvas(&self) -> (u32, u32) {
        let ratio = web_sys::window().map_or(1.0, |w| w.device_pixel_ratio());
        let (css_width, css_height) = (self.canvas.client_width(), self.canvas.client_height());
        if css_width > 0 && css_height > 0 {
            let width = (f64::from(css_width) * ratio).round() as u32;
            let height = (f64::from(css_height) * ratio).round() as u32;
            resize(&self.canvas, width, height);
        }
        let (width, height) = size(&self.canvas);
        resize(&self.surface, width, height);
        (width, height)
    }
}

/// The size of a canvas (`<canvas>` or `OffscreenCanvas`) in pixels, at least 1×1.
fn size(canvas: &impl JsCast) -> (u32, u32) {
    let canvas = members(canvas);
    (canvas.width().max(1), canvas.height().max(1))
}

/// Gives a canvas the size `width`×`height`, unless it has it already (setting it clears the canvas).
fn resize(canvas: &impl JsCast, width: u32, height: u32) {
    let canvas = members(canvas);
    if canvas.width() != width || canvas.height() != height {
        canvas.set_width(width);
        canvas.set_height(height);
    }
}

impl GlPainter {
    /// The GL objects on `surface`'s WebGL2 context; `None` where the browser gives no WebGL2 context, it
    /// cannot draw with it, or it draws in software and `even_in_software` is false (the context is then
    /// released at once).
    fn new(surface: &web_sys::OffscreenCanvas, even_in_software: bool) -> Option<GlPainter> {
        let options = plain_object(&[("alpha", false.into())]);
        let gl = members(surface)
            .get_context("webgl2", &options)
            .ok()??
            .dyn_into::<Gl>()
            .ok()?;
        let made = if even_in_software || !software(&gl) {
            GlPainter::on(gl.clone()).ok()
        } else {
            None
        };
        if made.is_none() {
            lose(&gl);
        }
        made
    }

    /// The shader program, texture and vertex array on `gl`.
    fn on(gl: Gl) -> Result<GlPainter> {
        let program = link(&gl)?;
        let texture = gl.create_texture().ok_or_else(|| gl_error("createTexture"))?;
        gl.bind_texture(Gl::TEXTURE_2D, Some(&texture));
        for (parameter, value) in [
            (Gl::TEXTURE_MIN_FILTER, Gl::LINEAR),
            (Gl::TEXTURE_MAG_FILTER, Gl::LINEAR),
            (Gl::TEXTURE_WRAP_S, Gl::CLAMP_TO_EDGE),
            (Gl::TEXTURE_WRAP_T, Gl::CLAMP_TO_EDGE),
        ] {
            gl.tex_parameteri(Gl::TEXTURE_2D, parameter, value as i32);
        }
        let vertex_array = gl.create_vertex_array().ok_or_else(|| gl_error("createVertexArray"))?;
        let scale = gl.get_uniform_location(&program, "u_scale");
        let orient = gl.get_uniform_location(&program, "u_orient");
        Ok(GlPainter {
            gl,
            program,
            texture,
            vertex_array,
            scale,
            orient,
        })
    }

    /// Draws `frame` as `display` says, letterboxed on the whole `width`×`height` surface.
    fn paint(&self, frame: &web_sys::VideoFrame, display: &Display, width: u32, height: u32) -> Result<()> {
        let gl = &self.gl;
        gl.viewport(0, 0, width as i32, height as i32);
        gl.clear_color(0.0, 0.0, 0.0, 1.0);
        gl.clear(Gl::COLOR_BUFFER_BIT);
        gl.use_program(Some(&self.program));
        gl.bind_vertex_array(Some(&self.vertex_array));
        gl.active_texture(Gl::TEXTURE0);
        gl.bind_texture(Gl::TEXTURE_2D, Some(&self.texture));
        gl.tex_image_2d_with_u32_and_u32_and_video_frame(
            Gl::TEXTURE_2D,
            0,
            Gl::RGBA as i32,
            Gl::RGBA,
            Gl::UNSIGNED_BYTE,
            frame,
        )
        .map_err(|e| from_js(ErrorCode::Browser, "uploading a VideoFrame", &e))?;
        let (shown_w, shown_h) = display.size(frame.display_width(), frame.display_height());
        let (scale_x, scale_y) = letterbox(shown_w, shown_h, width, height);
        gl.uniform2f(self.scale.as_ref(), scale_x, scale_y);
        gl.uniform_matrix2fv_with_f32_array(self.orient.as_ref(), false, &picture_from_shown(display));
        gl.draw_arrays(Gl::TRIANGLE_STRIP, 0, 4);
        Ok(())
    }
}

/// Draws `frame` on a `width`×`height` 2D context as `display` says it is shown, as large as fits, centred,
/// on black.
pub(crate) fn draw_fitted(
    context: &web_sys::OffscreenCanvasRenderingContext2d,
    frame: &web_sys::VideoFrame,
    display: &Display,
    width: f64,
    height: f64,
) -> Result<()> {
    let (shown_w, shown_h) = display.size(frame.display_width(), frame.display_height());
    let (scale_x, scale_y) = letterbox(shown_w, shown_h, width as u32, height as u32);
    let (box_w, box_h) = (width * f64::from(scale_x), height * f64::from(scale_y));
    // The picture as decoded, before its quarter turns, spans the box's sides the other way round.
    let (picture_w, picture_h) = if display.rotation % 180 == 90 {
        (box_h, box_w)
    } else {
        (box_w, box_h)
    };
    context.set_fill_style_str("black");
    context.fill_rect(0.0, 0.0, width, height);
    context.save();
    // Applied to the picture last to first: mirrored, turned clockwise (y points down), moved to the centre.
    let moved = context
        .translate(width / 2.0, height / 2.0)
        .and_then(|()| context.rotate(f64::from(display.rotation).to_radians()))
        .and_then(|()| context.scale(if display.mirror { -1.0 } else { 1.0 }, 1.0));
    let drawn = moved.and_then(|()| {
        context.draw_image_with_video_frame_and_dw_and_dh(
            frame,
            -picture_w / 2.0,
            -picture_h / 2.0,
            picture_w,
            picture_h,
        )
    });
    context.restore();
    drawn.map_err(|e| from_js(ErrorCode::Browser, "drawImage of a video frame", &e))
}

/// The column-major 2×2 matrix taking a point of the picture as shown (relative to its centre, y down, in
/// units of the shown size) to the point of the decoded picture it shows: the display matrix undone.
fn picture_from_shown(display: &Display) -> [f32; 4] {
    // A clockwise quarter turn shows the decoded point (u, v) at (-v, u): undone, (x, y) comes from (y, -x).
    let mut matrix = match display.rotation {
        90 => [0.0, -1.0, 1.0, 0.0],
        180 => [-1.0, 0.0, 0.0, -1.0],
        270 => [0.0, 1.0, -1.0, 0.0],
        _ => [1.0, 0.0, 0.0, 1.0],
    };
    if display.mirror {
        // Flipped left to right before the turn: the decoded picture's x is negated last.
        matrix[0] = -matrix[0];
        matrix[2] = -matrix[2];
    }
    matrix
}

/// The quad's scale so a `frame_w`×`frame_h` picture fits a `canvas_w`×`canvas_h` canvas without
/// distortion.
fn letterbox(frame_w: u32, frame_h: u32, canvas_w: u32, canvas_h: u32) -> (f32, f32) {
    if frame_w == 0 || frame_h == 0 || canvas_w == 0 || canvas_h == 0 {
        return (1.0, 1.0);
    }
    let frame_aspect = f64::from(frame_w) / f64::from(frame_h);
    let canvas_aspect = f64::from(canvas_w) / f64::from(canvas_h);
    if frame_aspect > canvas_aspect {
        (1.0, (canvas_aspect / frame_aspect) as f32)
    } else {
        ((frame_aspect / canvas_aspect) as f32, 1.0)
    }
}

impl Drop for GlPainter {
    fn drop(&mut self) {
        self.gl.delete_texture(Some(&self.texture));
        self.gl.delete_vertex_array(Some(&self.vertex_array));
        self.gl.delete_program(Some(&self.program));
        lose(&self.gl);
    }
}

/// Whether `gl` is drawn by the CPU, from the renderer it names: Firefox names it in `RENDERER`, Chromium and
/// Safari (whose `RENDERER` is "WebKit WebGL") in the debug extension's unmasked renderer.
fn software(gl: &Gl) -> bool {
    const UNMASKED_RENDERER_WEBGL: u32 = 0x9246;
    // A lost context names none (`null`).
    let named = |parameter| {
        gl.get_parameter(parameter)
            .ok()
            .filter(JsValue::is_string)
            .map(JsString::from)
    };
    let mut renderer = named(Gl::RENDERER);
    let masked = renderer.as_ref().is_some_and(|name| name.includes("WebKit", 0));
    if masked && gl.get_extension("WEBGL_debug_renderer_info").is_ok_and(|e| e.is_some()) {
        renderer = named(UNMASKED_RENDERER_WEBGL);
    }
    renderer.is_some_and(|name| {
        ["SwiftShader", "llvmpipe", "Software", "Basic Render"]
            .iter()
            .any(|software| name.includes(software, 0))
    })
}

/// Gives `gl`'s context back: browsers keep a few WebGL contexts per page (Chromium 16) and drop the oldest
/// beyond that, so it goes now rather than when the garbage collector gets to it.
fn lose(gl: &Gl) {
    if let Ok(Some(extension)) = gl.get_extension("WEBGL_lose_context") {
        extension.unchecked_into::<web_sys::WebglLoseContext>().lose_context();
    }
}

fn link(gl: &Gl) -> Result<WebGlProgram> {
    let vertex = compile(gl, Gl::VERTEX_SHADER, VERTEX_SHADER)?;
    let fragment = compile(gl, Gl::FRAGMENT_SHADER, FRAGMENT_SHADER)?;
    let program = gl.create_program().ok_or_else(|| gl_error("createProgram"))?;
    gl.attach_shader(&program, &vertex);
    gl.attach_shader(&program, &fragment);
    gl.link_program(&program);
    // The program keeps what it needs; the shader objects can go.
    gl.delete_shader(Some(&vertex));
    gl.delete_shader(Some(&fragment));
    if gl.get_program_parameter(&program, Gl::LINK_STATUS).as_bool() == Some(true) {
        Ok(program)
    } else {
        let log = gl.get_program_info_log(&program).unwrap_or_default();
        gl.delete_program(Some(&program));
        Err(Error::new(
            ErrorCode::Browser,
            format!("linking the video shader failed: {log}"),
        ))
    }
}

fn compile(gl: &Gl, kind: u32, source: &str) -> Result<WebGlShader> {
    let shader = gl.create_shader(kind).ok_or_else(|| gl_error("createShader"))?;
    gl.shader_source(&shader, source);
    gl.compile_shader(&shader);
    if gl.get_shader_parameter(&shader, Gl::COMPILE_STATUS).as_bool() == Some(true) {
        Ok(shader)
    } else {
        let log = gl.get_shader_info_log(&shader).unwrap_or_default();
        gl.delete_shader(Some(&shader));
        Err(Error::new(
            ErrorCode::Browser,
            format!("compiling a video shader failed: {log}"),
        ))
    }
}

fn gl_error(call: &str) -> Error {
    Error::new(ErrorCode::Browser, format!("WebGL2 {call} failed (context lost?)"))
}
