//! Tracker speed and accuracy on the tracking fixture (`tests/common/track_fixture.rs`: 300 frames of
//! 1280x720 luma), next to the floor of any tracker: a plain copy of the same frames' bytes.
//!
//! ```text
//! cargo run --release --example bench_track [-- --runs 9]
//! ```
//!
//! One core (the tracker is single-threaded); each figure is the median of several runs over the whole clip,
//! tracked forward from frame 0 (and backward from the last frame for the accuracy line).

// The bench tracks frames it generated itself: a failure there is a broken set-up, told by the panic message.
#![allow(clippy::expect_used)]

use std::time::Duration;

use reelcut::edit::track::{Plane, TrackPoint, Tracker};

#[path = "common/bench.rs"]
mod bench;
#[path = "../tests/common/track_fixture.rs"]
mod fixture;

use bench::{median, parse_runs};

fn main() {
    let runs = parse_runs().unwrap_or(9);
    let generator = fixture::Fixture::new();
    let frames: Vec<Vec<u8>> = (0..fixture::FRAMES)
        .map(|index| {
            let mut frame = vec![0u8; fixture::WIDTH * fixture::HEIGHT];
            generator.render(index, &mut frame);
            frame
        })
        .collect();
    let planes: Vec<Plane> = frames
        .iter()
        .map(|f| Plane::new(fixture::WIDTH, fixture::HEIGHT, fixture::WIDTH, f).expect("fixture plane"))
        .collect();
    let track = |order: &mut dyn Iterator<Item = usize>| -> Vec<(usize, TrackPoint)> {
        let first = order.next().expect("frames");
        let mut tracker = Tracker::new(&planes[first], fixture::true_box(first)).expect("tracker starts");
        order
            .map(|index| (index, tracker.next(&planes[index]).expect("frame tracks")))
            .collect()
    };

    let count = fixture::FRAMES - 1;
    let mut forward = Vec::new();
    let track_time = median(runs, || forward = track(&mut (0..fixture::FRAMES)));
    let mut copy = vec![0u8; fixture::WIDTH * fixture::HEIGHT];
    let copy_time = median(runs, || {
        for frame in &frames[1..] {
            copy.copy_from_slice(frame);
            std::hint::black_box(&mut copy);
        }
    });
    let fps = |time: Duration| count as f64 / time.as_secs_f64();
    println!(
        "{runs} runs each, medians; {count} frames of {}x{} luma\n",
        fixture::WIDTH,
        fixture::HEIGHT
    );
    println!(
        "{:<52} {:>10} {:>12} {:>9}",
        "operation", "per frame", "frames/s", "of copy"
    );
    for (what, time) in [
        ("track forward (one core)", track_time),
        ("copy the frames' bytes (floor)", copy_time),
    ] {
        println!(
            "{what:<52} {:>8.3}ms {:>12.0} {:>8.1}%",
            time.as_secs_f64() * 1e3 / count as f64,
            fps(time),
            100.0 * copy_time.as_secs_f64() / time.as_secs_f64()
        );
    }
    println!();
    summarise("forward from frame 0", &forward);
    let backward = track(&mut (0..fixture::FRAMES).rev());
    summarise("backward from the last frame", &backward);
}

/// Centre and size error against the truth, loss and recovery around the occlusion.
fn summarise(what: &str, points: &[(usize, TrackPoint)]) {
    let (mut sum, mut max, mut size_sum, mut tracked) = (0.0f64, 0.0f64, 0.0f64, 0usize);
    let mut lost = Vec::new();
    for &(index, point) in points {
        let truth = fixture::truth(index);
        match point.bbox {
            Some(b) => {
                let error = (f64::from(b.cx) - truth.cx).hypot(f64::from(b.cy) - truth.cy);
                sum += error;
                max = max.max(error);
                size_sum += (f64::from(b.width) / (2.0 * truth.radius) - 1.0).abs();
                tracked += 1;
            }
            None => lost.push(index),
        }
    }
    let n = tracked.max(1) as f64;
    println!(
        "{what}: {tracked} frames tracked, mean centre error {:.2} px, max {:.2} px, mean size error {:.2}%",
        sum / n,
        max,
        100.0 * size_sum / n
    );
    let ranges = runs_of(&lost);
    println!(
        "  lost frames: {} (occlusion is frames {}..{})",
        if ranges.is_empty() { "none".to_string() } else { ranges },
        fixture::OCCLUSION.start,
        fixture::OCCLUSION.end
    );
}

/// `[3, 4, 5, 9]` as `3..6, 9..10`.
fn runs_of(indices: &[usize]) -> String {
    let mut out = Vec::new();
    let mut iter = indices.iter().copied().peekable();
    while let Some(first) = iter.next() {
        let mut last = first;
        while iter.peek().is_some_and(|&n| n == last + 1 || n + 1 == last) {
            last = iter.next().expect("peeked");
        }
        let (low, high) = (first.min(last), first.max(last));
        out.push(format!("{low}..{}", high + 1));
    }
    out.join(", ")
}
