//! Sub-pixel alignment: Gauss–Newton on the subject's centre and scale (Lucas–Kanade on the whole box,
//! with the efficient second-order trick of averaging the template's and the frame's gradients, which
//! widens the basin of convergence to about a cell for the same cost).
//!
//! Each step samples the grid at the current pose, normalises it (gain and offset of the light), and solves
//! the 3×3 normal equations for the move that best explains the difference to the template. It is robust
//! (iteratively reweighted): samples that do not fit at all — a pole passing in front, background in the
//! box's corners — get Tukey weights near zero, both in the normal equations and in the mean and deviation
//! the patch is normalised by, so a dark bar over a quarter of the subject neither drags the estimate with
//! its edges nor dims the rest.

use super::geometry::{Grid, Pose};
use super::pyramid::View;
use super::template::Template;

/// Gauss–Newton steps at most per alignment; it usually settles in three or four.
const STEPS: usize = 10;

/// Residuals (in standard deviations of the patch) beyond this weigh nothing (Tukey's biweight); a sample
/// that fits is a few tenths off.
const TUKEY: f32 = 2.5;

/// Aligns `template` to `view` (level `level`) starting from `pose`; `patch` and `weights` are scratch of
/// the grid's size. The pose that comes back has its centre and scale moved by at most a few pixels of the
/// level per step.
pub(super) fn align(
    view: &View,
    grid: &Grid,
    level: usize,
    mut pose: Pose,
    template: &Template,
    patch: &mut [f32],
    weights: &mut [f32],
) -> Pose {
    let (cols, rows) = (grid.cols, grid.rows);
    let n = cols * rows;
    if patch.len() != n || weights.len() != n || template.values.len() != n || cols < 3 || rows < 3 {
        return pose;
    }
    let unit = (1u32 << level) as f32;
    weights.fill(1.0);
    for _ in 0..STEPS {
        grid.sample(view, level, pose, 1, patch);
        // The light of the samples that fitted last step (all of them at first, or when most were off).
        let total: f32 = weights.iter().sum();
        if total < n as f32 / 4.0 {
            weights.fill(1.0);
        }
        let (mean, deviation) = weighted_moments(patch, weights);
        // A flat patch (or NaN from a broken frame) gives nothing to align on.
        if deviation.is_nan() || deviation <= 1e-3 {
            break;
        }
        let inverse = 1.0 / deviation;
        for ((weight, &value), &target) in weights.iter_mut().zip(patch.iter()).zip(&template.values) {
            let off = (target - (value - mean) * inverse) / TUKEY;
            *weight = if off.abs() < 1.0 {
                (1.0 - off * off) * (1.0 - off * off)
            } else {
                0.0
            };
        }
        // Level pixels per cell at this scale.
        let ((_, step_x, _), (_, step_y, _)) = grid.axes(level, pose, 1);
        let (mid_x, mid_y) = ((cols as f32 - 1.0) / 2.0, (rows as f32 - 1.0) / 2.0);
        let mut h = [0f32; 6]; // xx, xy, xs, yy, ys, ss
        let mut b = [0f32; 3];
        for y in 1..rows - 1 {
            for x in 1..cols - 1 {
                let i = y * cols + x;
                let value = (patch[i] - mean) * inverse;
                let residual = template.values[i] - value;
                // Gradients per cell: the frame's and the template's, averaged; then per level pixel.
                let frame_gx = (patch[i + 1] - patch[i - 1]) * 0.5 * inverse;
                let frame_gy = (patch[i + cols] - patch[i - cols]) * 0.5 * inverse;
                let gx = 0.5 * (frame_gx + template.gx[i]) / step_x;
                let gy = 0.5 * (frame_gy + template.gy[i]) / step_y;
                // d(position)/d(scale) is the cell's offset from the centre at scale 1.
                let gs = (gx * (x as f32 - mid_x) * step_x + gy * (y as f32 - mid_y) * step_y) / pose.scale;
                let weight = weights[i];
                h[0] += weight * gx * gx;
                h[1] += weight * gx * gy;
                h[2] += weight * gx * gs;
                h[3] += weight * gy * gy;
                h[4] += weight * gy * gs;
                h[5] += weight * gs * gs;
                b[0] += weight * gx * residual;
                b[1] += weight * gy * residual;
                b[2] += weight * gs * residual;
            }
        }
        let Some([dx, dy, ds]) = solve(h, b) else {
            break;
        };
        // A step is trusted over a few level pixels and a few percent of scale at most.
        let limit = 2.0 * step_x.max(step_y);
        // (max/min, not clamp: clamp's check of bounds known only at run time prints floats when it fails,
        // which would bring core's float formatting into the wasm.)
        let (dx, dy) = (dx.max(-limit).min(limit), dy.max(-limit).min(limit));
        let ds = ds.max(-0.05 * pose.scale).min(0.05 * pose.scale);
        pose.cx += dx * unit;
        pose.cy += dy * unit;
        pose.scale += ds;
        let edge = ds.abs() / pose.scale * mid_x.max(mid_y) * step_x.max(step_y);
        if dx.abs() < 0.01 && dy.abs() < 0.01 && edge < 0.01 {
            break;
        }
    }
    pose
}

/// Mean and standard deviation of `samples` weighted by `weights`.
fn weighted_moments(samples: &[f32], weights: &[f32]) -> (f32, f32) {
    let (mut sum, mut total) = (0f32, 0f32);
    for (s, w) in samples.iter().zip(weights) {
        sum += w * s;
        total += w;
    }
    let mean = sum / total;
    let spread: f32 = samples
        .iter()
        .zip(weights)
        .map(|(s, w)| w * (s - mean) * (s - mean))
        .sum();
    (mean, (spread / total).sqrt())
}

/// How well `template` matches the frame at `pose` ([`Template::score`] of the grid sampled there).
pub(super) fn score(view: &View, grid: &Grid, level: usize, pose: Pose, template: &Template, patch: &mut [f32]) -> f32 {
    grid.sample(view, level, pose, 1, patch);
    template.score(patch)
}

/// The symmetric system `h · d = b` (`h` as xx, xy, xs, yy, ys, ss) by Cramer's rule; `None` when it is
/// singular (a patch with texture in one direction only cannot be placed along the other).
fn solve(h: [f32; 6], b: [f32; 3]) -> Option<[f32; 3]> {
    let [a, d, e, m, f, k] = h.map(f64::from);
    let (p, q, r) = (f64::from(b[0]), f64::from(b[1]), f64::from(b[2]));
    // | a d e |
    // | d m f |
    // | e f k |
    let det = a * (m * k - f * f) - d * (d * k - f * e) + e * (d * f - m * e);
    if det.is_nan() || det.abs() <= 1e-12 * (a * m * k).abs().max(1e-30) {
        return None;
    }
    let x = (p * (m * k - f * f) - d * (q * k - f * r) + e * (q * f - m * r)) / det;
    let y = (a * (q * k - f * r) - p * (d * k - f * e) + e * (d * r - q * e)) / det;
    let z = (a * (m * r - q * f) - d * (d * r - q * e) + p * (d * f - m * e)) / det;
    let out = [x as f32, y as f32, z as f32];
    out.iter().all(|v| v.is_finite()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::super::plane::Plane;
    use super::super::pyramid::{Pyramid, Rect};
    use super::*;

    #[test]
    fn solve_inverts_a_symmetric_system() {
        // [[4,1,0],[1,3,1],[0,1,2]] · [1,2,3] = [6,10,8]
        let d = solve([4.0, 1.0, 0.0, 3.0, 1.0, 2.0], [6.0, 10.0, 8.0]).unwrap();
        assert!(
            d.iter().zip([1.0, 2.0, 3.0]).all(|(a, b)| (a - b).abs() < 1e-5),
            "{d:?}"
        );
        assert!(solve([1.0, 1.0, 0.0, 1.0, 0.0, 1.0], [1.0, 1.0, 1.0]).is_none());
        assert!(solve([f32::NAN; 6], [1.0; 3]).is_none());
    }

    /// A smooth texture: value at continuous (x, y), sampled per pixel.
    fn smooth(x: f32, y: f32) -> f32 {
        let wave = |v: f32| {
            // A triangle wave, smooth enough after a pyramid's averaging.
            let f = v - v.floor();
            (f - 0.5).abs()
        };
        100.0 + 60.0 * wave(x / 13.0 + y / 29.0) + 50.0 * wave(y / 11.0 - x / 37.0) + 30.0 * wave((x + y) / 7.0)
    }

    fn frame(w: usize, h: usize, shift: (f32, f32), zoom: f32, centre: (f32, f32)) -> Vec<u8> {
        (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as f32 + 0.5, (i / w) as f32 + 0.5);
                let u = (x - centre.0 - shift.0) / zoom + centre.0;
                let v = (y - centre.1 - shift.1) / zoom + centre.1;
                smooth(u, v) as u8
            })
            .collect()
    }

    #[test]
    fn alignment_recovers_a_sub_pixel_shift_and_a_zoom() {
        let (w, h) = (160, 120);
        let centre = (80.0, 60.0);
        let grid = Grid::for_box(64.0, 64.0);
        let start = Pose {
            cx: centre.0,
            cy: centre.1,
            scale: 1.0,
        };
        let first = frame(w, h, (0.0, 0.0), 1.0, centre);
        let plane = Plane::new(w, h, w, &first).unwrap();
        let mut pyramid = Pyramid::new(w, h);
        pyramid.build(&plane, Rect::frame(w, h), 0);
        let mut patch = vec![0.0; grid.len()];
        let mut weights = vec![0.0; grid.len()];
        grid.sample(&pyramid.view(&plane, 0).unwrap(), 0, start, 1, &mut patch);
        let mut template = Template::new(&grid);
        assert!(template.set(&patch));

        let moved = frame(w, h, (2.3, -1.6), 1.06, centre);
        let plane = Plane::new(w, h, w, &moved).unwrap();
        pyramid.build(&plane, Rect::frame(w, h), 0);
        let view = pyramid.view(&plane, 0).unwrap();
        let pose = align(&view, &grid, 0, start, &template, &mut patch, &mut weights);
        assert!(
            (pose.cx - 82.3).abs() < 0.15 && (pose.cy - 58.4).abs() < 0.15,
            "{pose:?}"
        );
        assert!((pose.scale - 1.06).abs() < 0.01, "{pose:?}");
        assert!(score(&view, &grid, 0, pose, &template, &mut patch) > 0.95);
    }
}
