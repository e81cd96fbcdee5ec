//! Playback scheduling, without the browser: where the media timeline starts, which frame a time names, and
//! which samples must be decoded to show it.
//!
//! The media timeline (DESIGN.md): 0 is the earliest presentation time among the tracks; a time `t` names
//! the frame whose display interval contains `t`. Decoding must start at a sync sample, so showing a frame
//! means decoding from the last keyframe before it (in decode order) up to the frame itself.

pub mod catch_up;
pub mod chunks;
pub mod hls;

use crate::media::{Track, TrackKind};
use crate::time::Time;

/// The media timeline's origin: the earliest time a sample of any track is shown, in seconds (0 without
/// samples). Samples an edit list cuts (AAC priming) do not count: this is ffprobe's `start_time`.
pub fn timeline_origin<'a>(tracks: impl IntoIterator<Item = &'a Track>) -> f64 {
    let mut origin = None;
    for track in tracks {
        if let Some(first) = track.first_shown_pts() {
            let first = Time {
                ticks: first,
                scale: track.timescale,
            }
            .seconds();
            origin = Some(origin.map_or(first, |earliest: f64| earliest.min(first)));
        }
    }
    origin.unwrap_or(0.0)
}

/// Presentation order of a track's samples: indices into `track.samples`, sorted by `pts` (stably: samples
/// with equal times keep their decode order).
pub fn presentation_order(track: &Track) -> Vec<usize> {
    let mut keyed = Vec::with_capacity(track.samples.len());
    for (index, sample) in track.samples.iter().enumerate() {
        keyed.push((sample.pts, index));
    }
    merge_sort_by_time(&mut keyed);
    let mut order = Vec::with_capacity(keyed.len());
    for (_, index) in keyed {
        order.push(index);
    }
    order
}

/// Sorts `(time, index)` pairs by time, stably: a bottom-up merge sort, runs of 1, 2, 4, … samples merged
/// pairwise through a scratch buffer, O(n log n) whatever the input. The library's only sort.
fn merge_sort_by_time(items: &mut Vec<(i64, usize)>) {
    let len = items.len();
    let mut scratch = items.clone();
    let mut width = 1;
    while width < len {
        for (from, to) in items.chunks(2 * width).zip(scratch.chunks_mut(2 * width)) {
            let (left, right) = from.split_at(width.min(from.len()));
            let (mut l, mut r) = (0, 0);
            for slot in to.iter_mut() {
                let take_left = match (left.get(l), right.get(r)) {
                    (Some(a), Some(b)) => a.0 <= b.0,
                    (a, _) => a.is_some(),
                };
                if take_left {
                    *slot = left[l];
                    l += 1;
                } else {
                    *slot = right[r];
                    r += 1;
                }
            }
        }
        std::mem::swap(items, &mut scratch);
        width *= 2;
    }
}

/// What to decode to show one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FramePlan {
    /// Decode-order index of the keyframe to start from.
    pub first: usize,
    /// Decode-order index of the frame to show; decode `first..=target`, then flush the decoder.
    pub target: usize,
    /// Presentation time of the frame to show, in track ticks.
    pub pts: i64,
}

/// The frame whose display interval holds `ticks` (the first frame for times before it, the last for
/// times after it), and the samples to decode to show it. `order` is [`presentation_order`] of `track`.
pub fn plan_frame(track: &Track, order: &[usize], ticks: i64) -> Option<FramePlan> {
    let shown = order.partition_point(|&i| track.samples[i].pts <= ticks);
    let target = order[shown.saturating_sub(1).min(order.len().checked_sub(1)?)];
    // A B-frame shown at `ticks` may be decoded after frames shown later, but never before the keyframe
    // that opens its group of pictures (closed GOPs, as H.264 encoders write by default).
    let first = track.samples[..=target].iter().rposition(|s| s.key)?;
    Some(FramePlan {
        first,
        target,
        pts: track.samples[target].pts,
    })
}

/// Presentation times of a video track's keyframes on the media timeline, in seconds, ascending.
pub fn keyframe_times(track: &Track, origin: f64) -> Vec<f64> {
    if track.kind != TrackKind::Video {
        return Vec::new();
    }
    // Only the keyframes are sorted (the index half of each pair is unused here).
    let mut keyframes = Vec::new();
    for sample in track.samples.iter().filter(|s| s.key) {
        keyframes.push((sample.pts, 0));
    }
    merge_sort_by_time(&mut keyframes);
    let mut times = Vec::with_capacity(keyframes.len());
    for (pts, _) in keyframes {
        let time = Time {
            ticks: pts,
            scale: track.timescale,
        };
        times.push(time.seconds() - origin);
    }
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[allow(clippy::disallowed_methods)] // std's stable sort is the reference here
    fn merge_sort_orders_by_time_and_keeps_ties_in_order() {
        // A pseudo-random mix of times with many ties, at lengths around the powers of two.
        for len in [0usize, 1, 2, 3, 7, 8, 9, 31, 64, 100, 1000] {
            let mut items: Vec<(i64, usize)> = (0..len).map(|i| (((i * 7919) % 13) as i64 - 6, i)).collect();
            let mut expected = items.clone();
            expected.sort_by_key(|&(time, _)| time);
            merge_sort_by_time(&mut items);
            assert_eq!(items, expected, "{len}");
        }
    }
    use crate::media::{CodecConfig, Sample};

    /// Decode order I P B B P B B (pts in frames of 1 tick): I0 P3 B1 B2 P6 B4 B5, with a second GOP at 7.
    fn track() -> Track {
        let frames = [
            (0, true),
            (3, false),
            (1, false),
            (2, false),
            (6, false),
            (4, false),
            (5, false),
            (7, true),
        ];
        let samples = frames
            .iter()
            .enumerate()
            .map(|(dts, &(pts, key))| Sample {
                pts: pts + 10,
                dts: dts as i64 + 9,
                duration: 1,
                key,
                offset: 0,
                size: 1,
                stored_size: 1,
            })
            .collect();
        Track {
            id: 1,
            kind: TrackKind::Video,
            timescale: 1,
            config: CodecConfig::default(),
            presentation_start: None,
            display: Default::default(),
            samples,
        }
    }

    #[test]
    fn the_frame_whose_interval_holds_the_time() {
        let track = track();
        let order = presentation_order(&track);
        let plan = |t| plan_frame(&track, &order, t).unwrap();
        assert_eq!(
            plan(10),
            FramePlan {
                first: 0,
                target: 0,
                pts: 10
            }
        );
        // pts 12 is the B-frame decoded fourth; decoding starts at the GOP's keyframe.
        assert_eq!(
            plan(12),
            FramePlan {
                first: 0,
                target: 3,
                pts: 12
            }
        );
        assert_eq!(
            plan(16),
            FramePlan {
                first: 0,
                target: 4,
                pts: 16
            }
        );
        assert_eq!(
            plan(17),
            FramePlan {
                first: 7,
                target: 7,
                pts: 17
            }
        );
        // Before the first frame: the first frame; after the last: the last.
        assert_eq!(plan(-5).target, 0);
        assert_eq!(plan(99).target, 7);
    }

    #[test]
    fn origin_and_keyframes() {
        let track = track();
        assert_eq!(timeline_origin(std::slice::from_ref(&track)), 10.0);
        assert_eq!(keyframe_times(&track, 10.0), [0.0, 7.0]);
        assert_eq!(timeline_origin(&[] as &[Track]), 0.0);
        // An edit list that starts presentation at 12 hides the frames before it from the origin.
        let edited = Track {
            presentation_start: Some(12),
            display: Default::default(),
            ..track.clone()
        };
        assert_eq!(timeline_origin(std::slice::from_ref(&edited)), 12.0);
        let empty = Track {
            samples: Vec::new(),
            ..track
        };
        assert!(plan_frame(&empty, &[], 0).is_none());
    }
}
