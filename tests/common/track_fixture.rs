//! The tracking fixture: 10 s of 1280x720 luma at 30 fps with a subject whose true centre and size are known
//! in every frame, generated the same on every machine (integer hashing, no randomness, no files).
//!
//! - **Subject**: a disc of radius 72 px textured with two octaves of value noise in its own coordinates, so
//!   the texture grows with it. It follows a Lissajous path (one turn across, two up and down in 10 s; up to
//!   about 10 px a frame).
//! - **Background**: its own value noise, panning one pixel a frame left and one every three frames up.
//! - **Occlusion**: a dark vertical bar 36 px wide (a quarter of the disc) sweeps across the subject during
//!   frames [`OCCLUSION`] (exactly 1 s), having entered from the left a second before.
//! - **Scale**: the disc grows by 30% over frames [`GROWTH`] (3 s, smooth start and end), then stays.
//! - **Barcode**: the top 32 rows carry the frame index (16 columns of 80 px, bit k in column k, white = 1),
//!   as every fixture does (DESIGN.md), so a browser test reads back which frame it shows.
//!
//! Used by `tests/tracker.rs`, `examples/bench_track.rs` and `examples/track_fixture.rs` (which writes the
//! frames out for ffmpeg).

#![allow(dead_code)]

use std::ops::Range;

/// Frame width.
pub const WIDTH: usize = 1280;
/// Frame height.
pub const HEIGHT: usize = 720;
/// Frames per second.
pub const FPS: usize = 30;
/// Frames: 10 s.
pub const FRAMES: usize = 300;
/// The disc's radius at scale 1.
pub const RADIUS: f64 = 72.0;
/// Frames in which the bar covers part of the disc.
pub const OCCLUSION: Range<usize> = 90..120;
/// Frames over which the disc grows from scale 1 to 1 + [`GROWTH_BY`].
pub const GROWTH: Range<usize> = 150..240;
/// How much the disc grows.
pub const GROWTH_BY: f64 = 0.3;
/// The bar's width.
pub const BAR: f64 = 36.0;

/// Where the subject truly is in a frame (continuous pixel coordinates: pixel k spans [k, k + 1)).
#[derive(Debug, Clone, Copy)]
pub struct Truth {
    pub cx: f64,
    pub cy: f64,
    pub radius: f64,
}

/// The subject's true centre and radius in `frame`.
// Native test code: libm's sine is fine here (the rule keeps it out of the wasm).
#[allow(clippy::disallowed_methods)]
pub fn truth(frame: usize) -> Truth {
    let t = frame as f64 / FRAMES as f64;
    let tau = std::f64::consts::TAU;
    let growth = ((frame as f64 - GROWTH.start as f64) / (GROWTH.end - GROWTH.start) as f64).clamp(0.0, 1.0);
    let smooth = growth * growth * (3.0 - 2.0 * growth);
    Truth {
        cx: 640.0 + 360.0 * (tau * t).sin(),
        cy: 370.0 + 160.0 * (2.0 * tau * t + 0.6).sin(),
        radius: RADIUS * (1.0 + GROWTH_BY * smooth),
    }
}

/// The box a person would draw around the disc in `frame`: its bounding square.
pub fn true_box(frame: usize) -> reelcut::edit::track::TrackBox {
    let truth = truth(frame);
    reelcut::edit::track::TrackBox {
        cx: truth.cx as f32,
        cy: truth.cy as f32,
        width: 2.0 * truth.radius as f32,
        height: 2.0 * truth.radius as f32,
    }
}

/// The bar's left edge in `frame`, if it is in the picture (from a second before [`OCCLUSION`] to a second
/// after): it moves with the subject and sweeps across it during [`OCCLUSION`], at one disc width plus its
/// own per second.
pub fn bar_left(frame: usize) -> Option<f64> {
    if frame + FPS < OCCLUSION.start || frame >= OCCLUSION.end + FPS {
        return None;
    }
    let truth = truth(frame);
    let sweep = (frame as f64 - OCCLUSION.start as f64) / (OCCLUSION.end - OCCLUSION.start) as f64;
    Some(truth.cx - truth.radius - BAR + (2.0 * truth.radius + BAR) * sweep)
}

/// A 32-bit integer hash (lowbias32): lattice values for the noise.
fn hash(x: i64, y: i64, seed: u32) -> u32 {
    let mut h = (x as u32).wrapping_mul(0x9E37_79B1) ^ (y as u32).wrapping_mul(0x85EB_CA77) ^ seed;
    h ^= h >> 16;
    h = h.wrapping_mul(0x7FEB_352D);
    h ^= h >> 15;
    h = h.wrapping_mul(0x846C_A68B);
    h ^ (h >> 16)
}

/// Value noise in [0, 1) at (x, y) with lattice cells of `cell` pixels: smoothstep between random corners.
fn noise(x: f64, y: f64, cell: f64, seed: u32) -> f64 {
    let (u, v) = (x / cell, y / cell);
    let (i, j) = (u.floor(), v.floor());
    let (fx, fy) = (u - i, v - j);
    let (sx, sy) = (fx * fx * (3.0 - 2.0 * fx), fy * fy * (3.0 - 2.0 * fy));
    let corner = |a: i64, b: i64| f64::from(hash(i as i64 + a, j as i64 + b, seed) >> 8) / f64::from(1u32 << 24);
    let top = corner(0, 0) + (corner(1, 0) - corner(0, 0)) * sx;
    let bottom = corner(0, 1) + (corner(1, 1) - corner(0, 1)) * sx;
    top + (bottom - top) * sy
}

/// The generator: the background made once, the frames on demand.
pub struct Fixture {
    background: Vec<u8>,
    background_width: usize,
}

impl Fixture {
    /// The background texture, large enough for the whole pan.
    pub fn new() -> Fixture {
        let background_width = WIDTH + FRAMES;
        let background_height = HEIGHT + FRAMES / 3;
        let mut background = vec![0u8; background_width * background_height];
        for (i, pixel) in background.iter_mut().enumerate() {
            let (x, y) = ((i % background_width) as f64, (i / background_width) as f64);
            let value = 40.0 + 120.0 * noise(x, y, 28.0, 1) + 60.0 * noise(x, y, 9.0, 2);
            *pixel = value as u8;
        }
        Fixture {
            background,
            background_width,
        }
    }

    /// Draws `frame` into `out` (`WIDTH * HEIGHT` bytes, rows `WIDTH` apart).
    pub fn render(&self, frame: usize, out: &mut [u8]) {
        // Background, panned by whole pixels: row copies.
        let (pan_x, pan_y) = (frame, frame / 3);
        for (y, row) in out.chunks_exact_mut(WIDTH).enumerate() {
            let start = (y + pan_y) * self.background_width + pan_x;
            row.copy_from_slice(&self.background[start..start + WIDTH]);
        }
        // The disc, its texture in its own coordinates (scaled with it), edges anti-aliased.
        let truth = truth(frame);
        let scale = truth.radius / RADIUS;
        let (x0, x1) = (
            (truth.cx - truth.radius - 1.0) as usize,
            (truth.cx + truth.radius + 2.0) as usize,
        );
        let (y0, y1) = (
            (truth.cy - truth.radius - 1.0) as usize,
            (truth.cy + truth.radius + 2.0) as usize,
        );
        for y in y0..y1.min(HEIGHT) {
            for x in x0..x1.min(WIDTH) {
                let (dx, dy) = (x as f64 + 0.5 - truth.cx, y as f64 + 0.5 - truth.cy);
                let coverage = (truth.radius - (dx * dx + dy * dy).sqrt() + 0.5).clamp(0.0, 1.0);
                if coverage == 0.0 {
                    continue;
                }
                let (u, v) = (dx / scale, dy / scale);
                let texture = 25.0 + 170.0 * noise(u, v, 11.0, 3) + 60.0 * noise(u, v, 5.0, 4);
                let pixel = &mut out[y * WIDTH + x];
                *pixel = (f64::from(*pixel) * (1.0 - coverage) + texture.min(255.0) * coverage) as u8;
            }
        }
        // The bar in front, over the whole height (anti-aliased sides).
        let left = bar_left(frame).unwrap_or(-BAR);
        let (x0, x1) = (
            left.floor().max(0.0) as usize,
            ((left + BAR).ceil().max(0.0) as usize).min(WIDTH),
        );
        for x in x0..x1 {
            let coverage = ((x as f64 + 1.0).min(left + BAR) - (x as f64).max(left)).clamp(0.0, 1.0);
            for y in 32..HEIGHT {
                let pixel = &mut out[y * WIDTH + x];
                *pixel = (f64::from(*pixel) * (1.0 - coverage) + 30.0 * coverage) as u8;
            }
        }
        // The frame index, bit k white in column k of the top 32 rows.
        for row in out.chunks_exact_mut(WIDTH).take(32) {
            for (x, pixel) in row.iter_mut().enumerate() {
                *pixel = if (frame >> (x / 80)) & 1 == 1 { 255 } else { 0 };
            }
        }
    }
}
