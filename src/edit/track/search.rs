//! Finding the subject again over a window: normalised cross-correlation of the half-resolution template
//! at every whole-pixel offset of a coarse pyramid level.
//!
//! This is what catches motion too fast for alignment alone (a subject crossing 10 px of 720p a frame moves
//! about one pixel at the level searched) and what finds a lost subject again, over a window that grows the
//! longer it is gone. Samples are read at the nearest pixel: the search only has to land within a pixel of
//! the level, and the alignment that follows takes it to a fraction of one.

use super::geometry::{Grid, Pose};
use super::pyramid::{View, MAX_GRID};

/// Above this radius (in pixels of the level searched) every other offset is tried first, then the
/// neighbours of the best: a search over a whole frame costs a quarter.
const DENSE_RADIUS: isize = 12;

/// The best match of `template` (the half grid, normalised) within `radius` pixels of `pose` on `view`
/// (level `level`): the pose moved there, with the peak refined to a fraction of a pixel by a parabola
/// through its neighbours, and its correlation. `None` when no offset keeps the grid inside the level.
pub(super) fn search(
    view: &View,
    grid: &Grid,
    level: usize,
    pose: Pose,
    template: &[f32],
    radius: usize,
) -> Option<(Pose, f32)> {
    let ((x_first, step_x, cols), (y_first, step_y, rows)) = grid.axes(level, pose, 2);
    if cols * rows != template.len() || cols == 0 || rows == 0 {
        return None;
    }
    // The pixel each grid column and row falls in, at offset 0.
    let mut xs = [0isize; MAX_GRID];
    let mut ys = [0isize; MAX_GRID];
    for (i, x) in xs.iter_mut().take(cols).enumerate() {
        *x = (x_first + i as f32 * step_x).floor() as isize;
    }
    for (j, y) in ys.iter_mut().take(rows).enumerate() {
        *y = (y_first + j as f32 * step_y).floor() as isize;
    }
    // Offsets that keep every sample inside the level's valid pixels.
    let radius = radius.min(1 << 16) as isize;
    let rect = view.rect;
    let span = |first: isize, last: isize, start: usize, end: usize| {
        let low = (start as isize - first).max(-radius);
        let high = (end as isize - 1 - last).min(radius);
        (low <= high).then_some((low, high))
    };
    let (dx_low, dx_high) = span(xs[0], xs[cols - 1], rect.x0, rect.x1)?;
    let (dy_low, dy_high) = span(ys[0], ys[rows - 1], rect.y0, rect.y1)?;
    let score = |dx: isize, dy: isize| -> f32 {
        if dx < dx_low || dx > dx_high || dy < dy_low || dy > dy_high {
            return f32::NEG_INFINITY;
        }
        let (mut dot, mut sum, mut squares) = (0f32, 0u32, 0u32);
        for (j, weights) in template.chunks_exact(cols).enumerate() {
            let line = view.row((ys[j] + dy) as usize);
            for (i, &t) in weights.iter().enumerate() {
                let v = line.get((xs[i] + dx) as usize).copied().unwrap_or(0);
                dot += t * f32::from(v);
                sum += u32::from(v);
                squares += u32::from(v) * u32::from(v);
            }
        }
        // The template has mean 0 and Σt² = n, so the correlation is Σtv / √(nΣv² − (Σv)²).
        let n = template.len() as f64;
        let spread = n * f64::from(squares) - f64::from(sum) * f64::from(sum);
        if spread <= n {
            return 0.0; // flat
        }
        (f64::from(dot) / spread.sqrt()) as f32
    };
    let stride = if radius > DENSE_RADIUS { 2 } else { 1 };
    let mut best = (0isize, 0isize, f32::NEG_INFINITY);
    let mut dy = dy_low;
    while dy <= dy_high {
        let mut dx = dx_low;
        while dx <= dx_high {
            let s = score(dx, dy);
            if s > best.2 {
                best = (dx, dy, s);
            }
            dx += stride;
        }
        dy += stride;
    }
    if stride > 1 {
        let (bx, by, _) = best;
        for (ox, oy) in [(-1, -1), (0, -1), (1, -1), (-1, 0), (1, 0), (-1, 1), (0, 1), (1, 1)] {
            let s = score(bx + ox, by + oy);
            if s > best.2 {
                best = (bx + ox, by + oy, s);
            }
        }
    }
    let (bx, by, peak) = best;
    if !peak.is_finite() {
        return None;
    }
    let fraction = |before: f32, after: f32| {
        // Vertex of the parabola through (−1, before), (0, peak), (1, after); half a pixel at most.
        let curvature = before - 2.0 * peak + after;
        if before.is_finite() && after.is_finite() && curvature < 0.0 {
            (0.5 * (before - after) / curvature).clamp(-0.5, 0.5)
        } else {
            0.0
        }
    };
    let fx = fraction(score(bx - 1, by), score(bx + 1, by));
    let fy = fraction(score(bx, by - 1), score(bx, by + 1));
    let unit = (1u32 << level) as f32;
    Some((
        Pose {
            cx: pose.cx + (bx as f32 + fx) * unit,
            cy: pose.cy + (by as f32 + fy) * unit,
            scale: pose.scale,
        },
        peak,
    ))
}

#[cfg(test)]
mod tests {
    use super::super::plane::Plane;
    use super::super::pyramid::{Pyramid, Rect};
    use super::super::template::Template;
    use super::*;

    /// A frame of smooth blobs, different everywhere.
    fn texture(w: usize, h: usize) -> Vec<u8> {
        (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as u32, (i / w) as u32);
                let v = (x * 7 + y * 3) % 50 + (x / 5 * 31 + y / 5 * 17) % 97 + ((x / 9) ^ (y / 7)) % 13 * 8;
                v.min(255) as u8
            })
            .collect()
    }

    #[test]
    fn the_search_finds_a_shifted_patch_within_its_radius_only() {
        let (w, h) = (256, 192);
        let data = texture(w, h);
        let plane = Plane::new(w, h, w, &data).unwrap();
        let mut pyramid = Pyramid::new(w, h);
        pyramid.build(&plane, Rect::frame(w, h), 1);
        let grid = Grid::for_box(64.0, 48.0);
        let truth = Pose {
            cx: 120.0,
            cy: 90.0,
            scale: 1.0,
        };
        let mut samples = vec![0.0; grid.len()];
        grid.sample(&pyramid.view(&plane, 0).unwrap(), 0, truth, 1, &mut samples);
        let mut template = Template::new(&grid);
        assert!(template.set(&samples));
        let view = pyramid.view(&plane, 1).unwrap();
        let start = Pose {
            cx: 132.0,
            cy: 82.0,
            ..truth
        };
        // Within a pixel of level 1: 2 px of level 0.
        let close = |pose: Pose| (pose.cx - truth.cx).abs() <= 2.0 && (pose.cy - truth.cy).abs() <= 2.0;
        let (found, peak) = search(&view, &grid, 1, start, &template.coarse, 8).unwrap();
        assert!(close(found), "{found:?}");
        assert!(peak > 0.8, "{peak}");
        // Too far for a radius of 2 (4 px of level 0 each way).
        let (near, _) = search(&view, &grid, 1, start, &template.coarse, 2).unwrap();
        assert!((near.cx - truth.cx).abs() > 3.0);
        // A wide search (every other offset first) from far away.
        let far = Pose {
            cx: 60.0,
            cy: 140.0,
            ..truth
        };
        let (found, _) = search(&view, &grid, 1, far, &template.coarse, 100).unwrap();
        assert!(close(found), "{found:?}");
        // A grid larger than the level: nowhere to put it.
        let huge = Pose { scale: 5.0, ..truth };
        assert!(search(&view, &grid, 1, huge, &template.coarse, 8).is_none());
    }
}
