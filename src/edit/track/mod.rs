//! The motion tracker: follows a subject, given as a box in one frame, through the frames after it (or,
//! fed in reverse, before it), answering per frame a box and a confidence, or that the subject is lost.
//!
//! # Method
//!
//! The subject is a **template**: a 32-sample grid over its box (square cells), normalised for gain and
//! offset. Each frame, on a luma pyramid built only around where the subject can be:
//!
//! 1. **Predict** from the last two positions (constant velocity).
//! 2. **Search** a window one pyramid level above the one the template is read at, by normalised
//!    cross-correlation of the half-resolution template at every whole pixel (±8 pixels of that level, about
//!    ±64 px at 720p for a subject 150 px wide; a lost subject's window grows every frame, up to ±64 pixels
//!    of that level, most of a 720p frame; a lost subject is searched for with the first frame's look too).
//! 3. **Align** to sub-pixel centre and scale by Gauss–Newton (Lucas–Kanade on the box), robustly: samples
//!    that do not fit (an occluder, background in the box's corners) get Tukey weights near zero, in the
//!    normal equations and in the light normalisation alike. It starts from the prediction and from the
//!    search's match, keeping the better; first against the adaptive template (what the subject looked like
//!    lately), then against the **first** frame's from there: when both agree the first one wins, so small
//!    errors do not pile up into drift (template update with drift correction, Matthews, Ishikawa and Baker
//!    2004).
//! 4. **Decide**: the confidence is the correlation of the aligned patch with the better of the two
//!    templates, taken block by block (4×4 blocks, the best half averaged, so that a covered quarter or
//!    background corners do not sink it). Below 0.5 the subject is lost (no box is reported, nothing is
//!    extrapolated); a lost subject counts as found again only above 0.65. A frame where the whole patch
//!    correlates above 0.8 (all of the subject in view) moves the adaptive template 15% towards it.
//!
//! The template is read at the pyramid level whose pixels are about a cell, so a subject costs the same at
//! any size: about a thousand samples per alignment step. Buffers are allocated when the tracker is made (the
//! pyramid is a third of a frame); following a frame allocates nothing.
//!
//! # Limits
//!
//! - **Occlusion**: a part covered (a quarter to a third) is carried by the robust weights, with a lower
//!   confidence; a subject covered further is reported lost, and found again when it reappears within the
//!   growing window (at most ±64 pixels of the searched level around where it was last seen), looking as it
//!   did (the adaptive template does not learn from frames where it is not wholly in view).
//! - **Fast motion**: up to about half the subject's width per frame beyond the predicted motion (the search
//!   window); faster, or with heavy motion blur, it is lost and searched for.
//! - **Scale**: followed continuously, a few percent per frame at most; the box's aspect ratio is fixed.
//! - **Rotation and deformation**: not estimated (the box stays axis-aligned); slow ones are absorbed by the
//!   adaptive template, a subject that turns around quickly is lost.
//! - **Look-alikes**: a similar texture within the window can take the track over, most likely after a loss.

mod align;
mod geometry;
mod plane;
mod pyramid;
mod search;
mod template;

pub use geometry::TrackBox;
pub use plane::{Plane, MAX_SIDE};

use crate::error::{Error, ErrorCode, Result};
use geometry::{Grid, Pose};
use pyramid::{Pyramid, Rect, LEVELS};
use template::Template;

/// The smallest box side the tracker follows, in pixels.
pub const MIN_BOX: u16 = 8;

/// Correlation below which a followed subject is lost.
const LOST_BELOW: f32 = 0.5;
/// Correlation above which a lost subject is found again.
const FOUND_ABOVE: f32 = 0.65;
/// Correlation above which the adaptive template learns from the frame.
const LEARN_ABOVE: f32 = 0.8;
/// How far towards a confident frame the adaptive template moves.
const LEARN_RATE: f32 = 0.15;
/// Search radius in pixels of the searched level while following.
const SEARCH: usize = 8;
/// How much the search radius grows each frame the subject stays lost.
const SEARCH_GROWTH: usize = 4;
/// The widest search, in pixels of the searched level: a lost frame then costs about a millisecond whatever
/// the subject's size and the frame's (±512 px of 720p for a subject 150 px wide, most of the frame).
const SEARCH_MAX: usize = 64;
/// The scales (relative to the start box) the tracker follows a subject between.
const SCALES: (f32, f32) = (0.125, 8.0);

/// What the tracker says about one frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackPoint {
    /// Where the subject is; `None` when it is lost (hidden, gone or changed past recognition).
    pub bbox: Option<TrackBox>,
    /// How much the frame's patch looks like the subject: the normalised cross-correlation, 0 to 1
    /// (for a lost frame, the best seen while searching).
    pub confidence: f32,
}

/// Follows one subject frame by frame. Make it on the frame where the box was drawn, then give it the
/// frames after that one in order (or the frames before it, in reverse order, to track backward).
pub struct Tracker {
    width: usize,
    height: usize,
    grid: Grid,
    pyramid: Pyramid,
    /// The first frame's appearance: the anchor against drift.
    reference: Template,
    /// The appearance lately, learnt from confident frames.
    current: Template,
    /// Scratch samples and their weights, one grid each.
    patch: Vec<f32>,
    weights: Vec<f32>,
    /// Where the subject was last seen.
    pose: Pose,
    /// Its motion over the last frame (level-0 pixels per frame), 0 after a loss.
    velocity: (f32, f32),
    /// Frames since it was last seen (0 while followed).
    lost_for: usize,
}

impl Tracker {
    /// Starts following the subject inside `start` on `plane`.
    ///
    /// Errors: `out_of_range` for a box whose centre lies outside the frame or which is larger than the
    /// frame; `malformed_input` for a box that is not finite or smaller than [`MIN_BOX`] on a side, or
    /// that holds no texture (a flat patch cannot be told from its surroundings).
    pub fn new(plane: &Plane, start: TrackBox) -> Result<Tracker> {
        let (width, height) = (plane.width(), plane.height());
        let TrackBox {
            cx,
            cy,
            width: w,
            height: h,
        } = start;
        let least = f32::from(MIN_BOX);
        if ![cx, cy, w, h].iter().all(|v| v.is_finite()) || w < least || h < least {
            // (An integer in the message: formatting a float would bring core's float printing into the wasm.)
            return Err(Error::malformed(format!(
                "the box to track must be finite and at least {MIN_BOX} px on a side"
            )));
        }
        if !(0.0..width as f32).contains(&cx)
            || !(0.0..height as f32).contains(&cy)
            || w > width as f32
            || h > height as f32
        {
            return Err(Error::new(
                ErrorCode::OutOfRange,
                format!("the box to track must lie in the {width}x{height} frame"),
            ));
        }
        let grid = Grid::for_box(w, h);
        let mut tracker = Tracker {
            width,
            height,
            grid,
            pyramid: Pyramid::new(width, height),
            reference: Template::new(&grid),
            current: Template::new(&grid),
            patch: vec![0.0; grid.len()],
            weights: vec![0.0; grid.len()],
            pose: Pose { cx, cy, scale: 1.0 },
            velocity: (0.0, 0.0),
            lost_for: 0,
        };
        let level = tracker.level();
        tracker.build(plane, tracker.pose, level, 0);
        let Some(view) = tracker.pyramid.view(plane, level) else {
            return Err(Error::malformed("the frame is too small to track in"));
        };
        grid.sample(&view, level, tracker.pose, 1, &mut tracker.patch);
        if !tracker.reference.set(&tracker.patch) {
            return Err(Error::malformed("the box to track is flat: it holds nothing to follow"));
        }
        tracker.current = tracker.reference.clone();
        Ok(tracker)
    }

    /// Follows the subject into `plane`, the next frame (of the same size as the first).
    pub fn next(&mut self, plane: &Plane) -> Result<TrackPoint> {
        if plane.width() != self.width || plane.height() != self.height {
            return Err(Error::malformed(format!(
                "frame of {}x{} in a track of {}x{} frames",
                plane.width(),
                plane.height(),
                self.width,
                self.height
            )));
        }
        let following = self.lost_for == 0;
        let predicted = Pose {
            cx: self.pose.cx + self.velocity.0,
            cy: self.pose.cy + self.velocity.1,
            ..self.pose
        };
        let level = self.level();
        let coarse = self.pyramid.usable(level + 1);
        let radius = (SEARCH + SEARCH_GROWTH * self.lost_for.min(SEARCH_MAX)).min(SEARCH_MAX);
        self.build(plane, predicted, coarse, radius);
        let (Some(fine_view), Some(coarse_view)) = (self.pyramid.view(plane, level), self.pyramid.view(plane, coarse))
        else {
            return Ok(self.lose(0.0));
        };
        let spacing = if coarse > level { 2 } else { 1 };
        let (search_grid, half): (Grid, fn(&Template) -> &[f32]) = if spacing == 2 {
            (self.grid, |t| &t.coarse)
        } else {
            // Already at the finest level: search the full grid as if it were the half one of a grid
            // twice as fine.
            let double = Grid {
                cols: self.grid.cols * 2,
                rows: self.grid.rows * 2,
                ..self.grid
            };
            (double, |t| &t.values)
        };
        let grid = self.grid;
        let (current, reference) = (&self.current, &self.reference);
        let (patch, weights) = (&mut self.patch, &mut self.weights);
        // Where to align from: the prediction, the search's best match for the recent appearance, and for a
        // lost subject the first frame's too. The search's plain correlation can be misled by an occluder
        // that the alignment's weights shrug off, hence the prediction as well; the best aligned one wins.
        let look =
            |template: &Template| search::search(&coarse_view, &search_grid, coarse, predicted, half(template), radius);
        let starts = [
            Some(predicted),
            look(current).map(|(pose, _)| pose),
            (!following).then(|| look(reference)).flatten().map(|(pose, _)| pose),
        ];
        let mut adapted = predicted;
        let mut best = f32::NEG_INFINITY;
        for start in starts.into_iter().flatten() {
            let pose = align::align(&fine_view, &grid, level, start, current, patch, weights);
            let score = align::score(&fine_view, &grid, level, pose, current, patch);
            if score > best {
                (adapted, best) = (pose, score);
            }
        }
        // Then against the first frame's appearance: trusted when it lands within a cell and a few percent
        // of scale of the adapted pose, it keeps small errors from piling up into drift.
        let anchored = align::align(&fine_view, &grid, level, adapted, reference, patch, weights);
        let cell = (grid.width / grid.cols as f32) * adapted.scale;
        let agree = (anchored.cx - adapted.cx).abs() <= cell
            && (anchored.cy - adapted.cy).abs() <= cell
            && (anchored.scale / adapted.scale - 1.0).abs() <= 0.05;
        let pose = if agree { anchored } else { adapted };
        let to_current = align::score(&fine_view, &grid, level, pose, current, patch);
        let to_reference = align::score(&fine_view, &grid, level, pose, reference, patch);
        // NaN (from a broken frame) counts as no match.
        let confidence = to_current.max(to_reference).max(0.0);
        let threshold = if following { LOST_BELOW } else { FOUND_ABOVE };
        let inside = (0.0..self.width as f32).contains(&pose.cx)
            && (0.0..self.height as f32).contains(&pose.cy)
            && (SCALES.0..=SCALES.1).contains(&pose.scale)
            && pose.scale * grid.width <= 2.0 * self.width as f32
            && pose.scale * grid.height <= 2.0 * self.height as f32;
        if confidence < threshold || !inside {
            return Ok(self.lose(confidence));
        }
        self.velocity = if following {
            (pose.cx - self.pose.cx, pose.cy - self.pose.cy)
        } else {
            (0.0, 0.0)
        };
        self.pose = pose;
        self.lost_for = 0;
        // Learn only from a frame where all of the subject is in view (a covered part would be learnt as
        // the subject's look): the patch holds the last score's samples, those at `pose`.
        if self.current.correlation(&self.patch, 0..grid.cols, 0..grid.rows) >= LEARN_ABOVE {
            self.current.blend(&mut self.patch, LEARN_RATE);
        }
        Ok(TrackPoint {
            bbox: Some(self.bbox()),
            confidence,
        })
    }

    /// The box where the subject was last seen (the start box until the first frame is followed).
    pub fn bbox(&self) -> TrackBox {
        TrackBox {
            cx: self.pose.cx,
            cy: self.pose.cy,
            width: self.grid.width * self.pose.scale,
            height: self.grid.height * self.pose.scale,
        }
    }

    /// Whether the subject is lost (the last frame reported no box).
    pub fn is_lost(&self) -> bool {
        self.lost_for > 0
    }

    /// The pyramid level the template is read at, for the current scale.
    fn level(&self) -> usize {
        let top = self.pyramid.usable(LEVELS - 1);
        self.grid.level(self.pose.scale, top.saturating_sub(1))
    }

    /// Builds the pyramid up to `top` around `pose`: its box, the search window of `radius` pixels of
    /// level `top`, and room for alignment to move.
    fn build(&mut self, plane: &Plane, pose: Pose, top: usize, radius: usize) {
        let unit = (1usize << top) as f32;
        let reach_x = pose.scale * self.grid.width * 0.6 + (radius as f32 + 2.0) * unit;
        let reach_y = pose.scale * self.grid.height * 0.6 + (radius as f32 + 2.0) * unit;
        let clip = |v: f32, end: usize| v.max(0.0).min(end as f32) as usize;
        let roi = Rect {
            x0: clip(pose.cx - reach_x, self.width),
            y0: clip(pose.cy - reach_y, self.height),
            x1: clip(pose.cx + reach_x, self.width),
            y1: clip(pose.cy + reach_y, self.height),
        };
        self.pyramid.build(plane, roi, top);
    }

    /// Reports a lost frame: no box, the motion forgotten, the search window wider next time.
    fn lose(&mut self, confidence: f32) -> TrackPoint {
        self.lost_for = self.lost_for.saturating_add(1);
        self.velocity = (0.0, 0.0);
        TrackPoint {
            bbox: None,
            confidence: confidence.max(0.0),
        }
    }
}

/// Tracks through a whole clip held in memory: forward from `start` (the frame the box was drawn on) to
/// the end and backward from it to the first frame. One point per frame; the start frame's is the box given,
/// with confidence 1.
///
/// Errors: `out_of_range` for a `start` past the frames, and those of [`Tracker::new`] and
/// [`Tracker::next`].
pub fn track_frames(frames: &[Plane], start: usize, bbox: TrackBox) -> Result<Vec<TrackPoint>> {
    let Some(first) = frames.get(start) else {
        return Err(Error::new(
            ErrorCode::OutOfRange,
            format!("start frame {start} is past the {} frames", frames.len()),
        ));
    };
    let mut points = vec![
        TrackPoint {
            bbox: None,
            confidence: 0.0
        };
        frames.len()
    ];
    points[start] = TrackPoint {
        bbox: Some(bbox),
        confidence: 1.0,
    };
    let mut forward = Tracker::new(first, bbox)?;
    for (plane, point) in frames.iter().zip(points.iter_mut()).skip(start + 1) {
        *point = forward.next(plane)?;
    }
    let mut backward = Tracker::new(first, bbox)?;
    for (plane, point) in frames[..start].iter().zip(points[..start].iter_mut()).rev() {
        *point = backward.next(plane)?;
    }
    Ok(points)
}
