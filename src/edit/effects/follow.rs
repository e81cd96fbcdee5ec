//! Pinning an overlay or a mask to a tracked subject: the tracker's per-frame boxes as a path on the clip's
//! timeline, read at any time (an export at another frame rate, a preview between frames).

use crate::edit::track::{TrackBox, TrackPoint};

/// One frame of a tracked path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathPoint {
    /// The frame's presentation time, seconds on the clip's timeline.
    pub time: f64,
    /// Where the subject is in that frame; `None` where the tracker lost it.
    pub bbox: Option<TrackBox>,
}

/// A subject's path: the box it was drawn with and its place in each tracked frame, in time order.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackPath {
    /// The box drawn around the subject: its size is the size at which a follower's offset and scale are
    /// given (scale 1).
    pub start: TrackBox,
    /// One point per frame, in time order (forward and backward tracking joined).
    pub points: Vec<PathPoint>,
}

/// Where a path puts the subject at a time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum PathAt {
    /// Here (interpolated between the frames around the time).
    At(TrackBox),
    /// The tracker lost the subject in the frame shown at that time.
    Lost,
    /// The time lies outside the tracked frames.
    Untracked,
}

impl TrackPath {
    /// A path from the tracker's points and the presentation times of their frames (pairs beyond the
    /// shorter of the two are dropped).
    pub fn new(start: TrackBox, times: &[f64], points: &[TrackPoint]) -> TrackPath {
        TrackPath {
            start,
            points: times
                .iter()
                .zip(points)
                .map(|(&time, point)| PathPoint { time, bbox: point.bbox })
                .collect(),
        }
    }

    /// The subject at `time`. The frame shown at `time` is the last one at or before it (DESIGN.md's
    /// timeline rule); between it and the next frame, both tracked, the box moves and grows linearly. If
    /// that frame lost the subject, so does the time; if only the next one did, the frame's own box holds.
    /// The last frame is shown for as long as the one before it was; before the first or after that,
    /// the time is untracked.
    pub fn at(&self, time: f64) -> PathAt {
        let next = self.points.partition_point(|p| p.time <= time);
        let Some(shown) = next.checked_sub(1).and_then(|i| self.points.get(i)) else {
            return PathAt::Untracked; // before the first frame (or NaN)
        };
        let following = self.points.get(next);
        if following.is_none() {
            let before = next.checked_sub(2).and_then(|i| self.points.get(i));
            let duration = before.map_or(0.0, |b| shown.time - b.time);
            let ended = if duration > 0.0 {
                time >= shown.time + duration
            } else {
                time != shown.time
            };
            if ended {
                return PathAt::Untracked;
            }
        }
        let Some(here) = shown.bbox else {
            return PathAt::Lost;
        };
        let Some((there, at)) = following.and_then(|f| Some((f.bbox?, f.time))) else {
            return PathAt::At(here);
        };
        let span = at - shown.time;
        let x = if span > 0.0 {
            ((time - shown.time) / span) as f32
        } else {
            0.0
        };
        let lerp = |a: f32, b: f32| a + (b - a) * x;
        PathAt::At(TrackBox {
            cx: lerp(here.cx, there.cx),
            cy: lerp(here.cy, there.cy),
            width: lerp(here.width, there.width),
            height: lerp(here.height, there.height),
        })
    }
}

/// How an overlay or mask follows a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Follow {
    /// Which path, by its index among the paths handed to the evaluation.
    pub path: usize,
    /// Whether the offset and the size grow and shrink with the subject's box (a sticker on a dancer who
    /// walks towards the camera) or stay as given (a caption of fixed size beside the subject).
    pub scale: bool,
}

/// Where a follower is at `time`: the subject's centre plus `offset` (pixels at the path's start size) and the
/// factor its size is multiplied by; or, when the path does not place the subject then, why
/// ([`PathAt::Lost`] or [`PathAt::Untracked`]).
pub fn follow(path: &TrackPath, follow: Follow, time: f64, offset: (f64, f64)) -> Result<(f64, f64, f64), PathAt> {
    match path.at(time) {
        PathAt::At(b) => {
            let grow = if follow.scale && path.start.width > 0.0 {
                f64::from(b.width) / f64::from(path.start.width)
            } else {
                1.0
            };
            Ok((
                f64::from(b.cx) + offset.0 * grow,
                f64::from(b.cy) + offset.1 * grow,
                grow,
            ))
        }
        other => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(cx: f32, width: f32) -> Option<TrackBox> {
        Some(TrackBox {
            cx,
            cy: 2.0 * cx,
            width,
            height: width,
        })
    }

    fn path() -> TrackPath {
        let start = at(100.0, 50.0).unwrap();
        let points = [
            (1.0, at(100.0, 50.0)),
            (1.5, at(110.0, 60.0)),
            (2.0, None),
            (2.5, at(130.0, 100.0)),
            (3.0, at(140.0, 100.0)),
        ];
        TrackPath {
            start,
            points: points.iter().map(|&(time, bbox)| PathPoint { time, bbox }).collect(),
        }
    }

    #[test]
    fn the_path_interpolates_between_tracked_frames() {
        let path = path();
        assert_eq!(path.at(1.0), PathAt::At(at(100.0, 50.0).unwrap()));
        assert_eq!(path.at(1.25), PathAt::At(at(105.0, 55.0).unwrap()));
        // Before a lost frame: the shown frame's own box.
        assert_eq!(path.at(1.75), PathAt::At(at(110.0, 60.0).unwrap()));
        assert_eq!(path.at(2.0), PathAt::Lost);
        assert_eq!(path.at(2.49), PathAt::Lost);
        assert_eq!(path.at(2.75), PathAt::At(at(135.0, 100.0).unwrap()));
    }

    #[test]
    fn times_outside_the_tracked_frames_are_untracked() {
        let path = path();
        assert_eq!(path.at(0.99), PathAt::Untracked);
        assert_eq!(path.at(f64::NAN), PathAt::Untracked);
        // The last frame lasts as long as the one before it.
        assert_eq!(path.at(3.4), PathAt::At(at(140.0, 100.0).unwrap()));
        assert_eq!(path.at(3.6), PathAt::Untracked);
        let empty = TrackPath {
            points: Vec::new(),
            ..path.clone()
        };
        assert_eq!(empty.at(1.0), PathAt::Untracked);
        let single = TrackPath {
            points: path.points[..1].to_vec(),
            ..path
        };
        assert_eq!(single.at(1.0), PathAt::At(at(100.0, 50.0).unwrap()));
        assert_eq!(single.at(1.1), PathAt::Untracked);
    }

    #[test]
    fn followers_move_with_the_subject_and_scale_with_its_box() {
        let path = path();
        let scaled = Follow { path: 0, scale: true };
        // At 2.75 s the box is 100 px wide, twice the start: the offset doubles too.
        let (x, y, grow) = follow(&path, scaled, 2.75, (10.0, -20.0)).unwrap();
        assert_eq!((x, y, grow), (135.0 + 20.0, 270.0 - 40.0, 2.0));
        let fixed = Follow { scale: false, ..scaled };
        assert_eq!(follow(&path, fixed, 2.75, (10.0, -20.0)).unwrap(), (145.0, 250.0, 1.0));
        assert_eq!(follow(&path, scaled, 2.2, (0.0, 0.0)), Err(PathAt::Lost));
        assert_eq!(follow(&path, scaled, 9.0, (0.0, 0.0)), Err(PathAt::Untracked));
    }

    #[test]
    fn a_path_is_made_from_the_trackers_points_and_frame_times() {
        let start = at(1.0, 10.0).unwrap();
        let points = [
            TrackPoint {
                bbox: at(1.0, 10.0),
                confidence: 1.0,
            },
            TrackPoint {
                bbox: None,
                confidence: 0.2,
            },
        ];
        let path = TrackPath::new(start, &[0.0, 1.0 / 30.0, 2.0 / 30.0], &points);
        assert_eq!(path.points.len(), 2);
        assert_eq!(
            path.points[1],
            PathPoint {
                time: 1.0 / 30.0,
                bbox: None
            }
        );
    }
}
