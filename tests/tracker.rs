//! The motion tracker on the tracking fixture (`tests/common/track_fixture.rs`): a textured disc on a
//! panning textured background, with a bar sweeping across it for a second and a 30% growth, its true centre
//! known in every frame. The goals of issue 21: mean centre error at most 2 px, no loss before the
//! occlusion, recovery after it; plus size following, loss and recovery around a full cover, and bad input.

// A failed unwrap here is a failed test, not a crash in a user's browser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reelcut::edit::track::{track_frames, Plane, TrackBox, TrackPoint, Tracker, MAX_SIDE};
use reelcut::ErrorCode;

#[path = "common/track_fixture.rs"]
mod fixture;

use fixture::{true_box, Fixture, FRAMES, GROWTH, HEIGHT, OCCLUSION, WIDTH};

fn plane(frame: &[u8]) -> Plane<'_> {
    Plane::new(WIDTH, HEIGHT, WIDTH, frame).unwrap()
}

/// Tracks over `order` (the first index is the start frame, its box the true one), each frame rendered and
/// then changed by `edit`.
fn track(order: impl IntoIterator<Item = usize>, edit: impl Fn(usize, &mut [u8])) -> Vec<(usize, TrackPoint)> {
    let generator = Fixture::new();
    let mut frame = vec![0u8; WIDTH * HEIGHT];
    let mut order = order.into_iter();
    let first = order.next().unwrap();
    generator.render(first, &mut frame);
    edit(first, &mut frame);
    let mut tracker = Tracker::new(&plane(&frame), true_box(first)).unwrap();
    order
        .map(|index| {
            generator.render(index, &mut frame);
            edit(index, &mut frame);
            (index, tracker.next(&plane(&frame)).unwrap())
        })
        .collect()
}

/// Centre error of a tracked point, in pixels.
fn centre_error(index: usize, b: &TrackBox) -> f64 {
    let truth = fixture::truth(index);
    (f64::from(b.cx) - truth.cx).hypot(f64::from(b.cy) - truth.cy)
}

/// Relative error of the box's width against the disc's diameter.
fn size_error(index: usize, b: &TrackBox) -> f64 {
    (f64::from(b.width) / (2.0 * fixture::truth(index).radius) - 1.0).abs()
}

/// Checks the goals on a run over the whole clip and prints its figures.
fn assert_goals(direction: &str, points: &[(usize, TrackPoint)]) {
    let tracked: Vec<(usize, TrackBox)> = points.iter().filter_map(|&(i, p)| Some((i, p.bbox?))).collect();
    let lost: Vec<usize> = points
        .iter()
        .filter(|(_, p)| p.bbox.is_none())
        .map(|&(i, _)| i)
        .collect();
    let errors: Vec<f64> = tracked.iter().map(|(i, b)| centre_error(*i, b)).collect();
    let mean = errors.iter().sum::<f64>() / errors.len() as f64;
    let max = errors.iter().copied().fold(0.0, f64::max);
    let size = tracked.iter().map(|(i, b)| size_error(*i, b)).sum::<f64>() / tracked.len() as f64;
    println!(
        "{direction}: {} of {} frames tracked, lost {lost:?}; centre error mean {mean:.2} px, max {max:.2} px; \
         size error mean {:.2}%",
        tracked.len(),
        points.len(),
        100.0 * size
    );
    assert!(mean <= 2.0, "{direction}: mean centre error {mean:.2} px");
    // No invented positions: every box reported is on the subject.
    assert!(max <= 5.0, "{direction}: a box {max:.2} px off the subject");
    assert!(size <= 0.03, "{direction}: mean size error {:.2}%", 100.0 * size);
    // The goals name the occlusion: no loss before it (in the direction of travel), found again within
    // 5 frames after it and never lost again.
    let (before, after): (Vec<usize>, Vec<usize>) = if points[0].0 < OCCLUSION.start {
        ((0..OCCLUSION.start).collect(), (OCCLUSION.end + 5..FRAMES).collect())
    } else {
        (
            (OCCLUSION.end..FRAMES).collect(),
            (0..OCCLUSION.start.saturating_sub(5)).collect(),
        )
    };
    assert!(
        lost.iter().all(|i| !before.contains(i)),
        "{direction}: lost before the occlusion: {lost:?}"
    );
    assert!(
        lost.iter().all(|i| !after.contains(i)),
        "{direction}: not found again after it: {lost:?}"
    );
    // After the growth the box has grown with the disc.
    for (i, b) in tracked.iter().filter(|(i, _)| *i >= GROWTH.end) {
        assert!(
            size_error(*i, b) <= 0.04,
            "frame {i}: width {} for a disc of {}",
            b.width,
            2.0 * fixture::truth(*i).radius
        );
    }
}

#[test]
fn the_fixture_is_followed_forward_within_two_pixels_through_occlusion_and_growth() {
    let points = track(0..FRAMES, |_, _| {});
    assert_goals("forward from frame 0", &points);
    // Through the partial occlusion it holds on (the bar covers a quarter): no frame of it is lost, and
    // the confidence shows the bar.
    let during = points.iter().filter(|(i, _)| OCCLUSION.contains(i));
    assert!(during.clone().all(|(_, p)| p.bbox.is_some()));
    let lowest = during.map(|(_, p)| p.confidence).fold(1.0, f32::min);
    let clear = points
        .iter()
        .filter(|(i, _)| *i < 60)
        .map(|(_, p)| p.confidence)
        .fold(1.0, f32::min);
    assert!(lowest < clear, "confidence {lowest} under the bar, {clear} before");
}

#[test]
fn the_fixture_is_followed_backward_from_its_last_frame() {
    let points = track((0..FRAMES).rev(), |_, _| {});
    assert_goals("backward from the last frame", &points);
}

/// Frames in which the disc is fully covered, in the loss test.
const COVERED: std::ops::Range<usize> = 150..170;

/// Covers the disc (and a margin) with background texture from elsewhere in the frame: the subject is
/// gone, but the picture is not flat.
fn cover(index: usize, frame: &mut [u8]) {
    if !COVERED.contains(&index) {
        return;
    }
    let truth = fixture::truth(index);
    let half = truth.radius + 12.0;
    let (x0, x1) = ((truth.cx - half) as usize, (truth.cx + half) as usize);
    let (y0, y1) = ((truth.cy - half) as usize, (truth.cy + half) as usize);
    // Texture from 300 px to the side (left or right, whichever is in the frame).
    let from = if x0 >= 320 { x0 - 300 } else { x0 + 300 };
    for y in y0..y1 {
        let row = y * WIDTH;
        frame.copy_within(row + from..row + from + (x1 - x0), row + x0);
    }
}

#[test]
fn a_covered_subject_is_lost_without_invented_positions_and_found_when_it_reappears() {
    let points = track(120..230, cover);
    let lost: Vec<usize> = points
        .iter()
        .filter(|(_, p)| p.bbox.is_none())
        .map(|&(i, _)| i)
        .collect();
    println!("fully covered in frames {COVERED:?}: lost {lost:?}");
    // Lost within two frames of being covered, lost throughout, found within five frames of reappearing.
    for i in COVERED.start + 2..COVERED.end {
        assert!(
            lost.contains(&i),
            "frame {i} covered but reported tracked; lost: {lost:?}"
        );
    }
    assert!(
        lost.iter().all(|i| (COVERED.start..COVERED.end + 5).contains(i)),
        "lost {lost:?}"
    );
    // Every box it did report is on the subject (none while it was hidden, or only in the first two frames
    // where the cover leaves its edge).
    for (i, point) in &points {
        if let Some(b) = point.bbox {
            if !COVERED.contains(i) {
                assert!(
                    centre_error(*i, &b) <= 2.0,
                    "frame {i}: {:.2} px off",
                    centre_error(*i, &b)
                );
            }
        }
    }
}

#[test]
fn track_frames_runs_both_ways_from_the_start_frame() {
    let generator = Fixture::new();
    let frames: Vec<Vec<u8>> = (100..160)
        .map(|index| {
            let mut frame = vec![0u8; WIDTH * HEIGHT];
            generator.render(index, &mut frame);
            frame
        })
        .collect();
    let planes: Vec<Plane> = frames.iter().map(|f| plane(f)).collect();
    let start = 30; // frame 130
    let points = track_frames(&planes, start, true_box(100 + start)).unwrap();
    assert_eq!(points.len(), planes.len());
    assert_eq!(points[start].bbox, Some(true_box(130)));
    for (offset, point) in points.iter().enumerate() {
        let b = point.bbox.unwrap_or_else(|| panic!("frame {} lost", 100 + offset));
        assert!(centre_error(100 + offset, &b) <= 2.0, "frame {}", 100 + offset);
    }
    let err = track_frames(&planes, 60, true_box(130)).unwrap_err();
    assert_eq!(err.code(), ErrorCode::OutOfRange);
}

#[test]
fn bad_planes_and_boxes_are_typed_errors() {
    let data = vec![128u8; 64 * 48];
    let code = |r: Result<Plane, reelcut::Error>| r.unwrap_err().code();
    assert_eq!(code(Plane::new(0, 48, 64, &data)), ErrorCode::MalformedInput);
    assert_eq!(code(Plane::new(64, 0, 64, &data)), ErrorCode::MalformedInput);
    assert_eq!(
        code(Plane::new(64, 48, 63, &data)),
        ErrorCode::MalformedInput,
        "stride too small"
    );
    assert_eq!(
        code(Plane::new(64, 48, 65, &data)),
        ErrorCode::MalformedInput,
        "data too short for the stride"
    );
    assert_eq!(
        code(Plane::new(MAX_SIDE + 1, 1, MAX_SIDE + 1, &data)),
        ErrorCode::LimitExceeded
    );
    assert_eq!(
        code(Plane::new(64, 48, usize::MAX, &data)),
        ErrorCode::LimitExceeded,
        "stride overflows"
    );
    // The last row may end at its last pixel.
    assert!(Plane::new(60, 48, 64, &data[..64 * 47 + 60]).is_ok());

    // A textured frame to draw boxes on.
    let textured: Vec<u8> = (0..64 * 48).map(|i| ((i * 7919) % 251) as u8).collect();
    let frame = Plane::new(64, 48, 64, &textured).unwrap();
    let at = |cx: f32, cy: f32, width: f32, height: f32| TrackBox { cx, cy, width, height };
    let start = |b: TrackBox| Tracker::new(&frame, b).err().map(|e| e.code());
    assert_eq!(
        start(at(70.0, 20.0, 16.0, 16.0)),
        Some(ErrorCode::OutOfRange),
        "centre outside"
    );
    assert_eq!(
        start(at(-1.0, 20.0, 16.0, 16.0)),
        Some(ErrorCode::OutOfRange),
        "centre outside"
    );
    assert_eq!(
        start(at(32.0, 24.0, 65.0, 16.0)),
        Some(ErrorCode::OutOfRange),
        "wider than the frame"
    );
    assert_eq!(
        start(at(32.0, 24.0, 4.0, 16.0)),
        Some(ErrorCode::MalformedInput),
        "too small"
    );
    assert_eq!(start(at(f32::NAN, 24.0, 16.0, 16.0)), Some(ErrorCode::MalformedInput));
    assert_eq!(
        start(at(32.0, 24.0, f32::INFINITY, 16.0)),
        Some(ErrorCode::MalformedInput)
    );
    assert_eq!(start(at(32.0, 24.0, 16.0, 16.0)), None);
    let flat = Plane::new(64, 48, 64, &data).unwrap();
    let err = Tracker::new(&flat, at(32.0, 24.0, 16.0, 16.0)).err().unwrap();
    assert_eq!(err.code(), ErrorCode::MalformedInput);
    assert!(err.message().contains("flat"), "{}", err.message());

    // A frame of another size in the middle of a track.
    let mut tracker = Tracker::new(&frame, at(32.0, 24.0, 16.0, 16.0)).unwrap();
    let other = Plane::new(32, 48, 64, &textured).unwrap();
    assert_eq!(tracker.next(&other).unwrap_err().code(), ErrorCode::MalformedInput);
    // A flat frame: lost, not an error, and found again when the texture returns.
    let point = tracker.next(&flat).unwrap();
    assert!(point.bbox.is_none() && tracker.is_lost());
    let point = tracker.next(&frame).unwrap();
    assert!(point.bbox.is_some() && !tracker.is_lost(), "{point:?}");
}

#[test]
fn odd_sizes_and_noise_never_panic() {
    // Frames from 8 to 40 px a side with pseudo-random content, strides with padding, boxes anywhere
    // (valid or not): every call returns, boxes stay finite.
    let mut seed = 0x2545_F491u32;
    let mut random = move || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed
    };
    for _ in 0..300 {
        let (w, h) = (8 + random() as usize % 33, 8 + random() as usize % 33);
        let stride = w + random() as usize % 5;
        let frames: Vec<Vec<u8>> = (0..4)
            .map(|_| (0..stride * h).map(|_| random() as u8).collect())
            .collect();
        let b = TrackBox {
            cx: (random() % 50) as f32 - 5.0,
            cy: (random() % 50) as f32 - 5.0,
            width: (random() % 45) as f32,
            height: (random() % 45) as f32,
        };
        let first = Plane::new(w, h, stride, &frames[0]).unwrap();
        let Ok(mut tracker) = Tracker::new(&first, b) else {
            continue;
        };
        for data in &frames[1..] {
            let point = tracker.next(&Plane::new(w, h, stride, data).unwrap()).unwrap();
            if let Some(b) = point.bbox {
                assert!([b.cx, b.cy, b.width, b.height].iter().all(|v| v.is_finite()), "{b:?}");
            }
            assert!((0.0..=1.0).contains(&point.confidence), "{point:?}");
        }
    }
}
