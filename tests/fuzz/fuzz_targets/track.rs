//! The motion tracker on arbitrary frames: the first bytes choose the frame size, stride and box (valid or
//! not), the rest are the pixels of up to four frames. It must answer every call without a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reelcut::edit::track::{Plane, TrackBox, Tracker};

fuzz_target!(|data: &[u8]| {
    let Some((head, pixels)) = data.split_first_chunk::<8>() else { return };
    let (w, h) = (1 + usize::from(head[0] % 64), 1 + usize::from(head[1] % 64));
    let stride = w + usize::from(head[2] % 4);
    let b = TrackBox {
        cx: f32::from(head[3]) - 16.0,
        cy: f32::from(head[4]) - 16.0,
        width: f32::from(head[5] % 80),
        height: f32::from(head[6] % 80),
    };
    let size = stride * h;
    let frames: Vec<&[u8]> = pixels.chunks_exact(size).take(4).collect();
    let Some((first, rest)) = frames.split_first() else { return };
    let Ok(plane) = Plane::new(w, h, stride, first) else { return };
    let Ok(mut tracker) = Tracker::new(&plane, b) else { return };
    for frame in rest {
        if let Ok(plane) = Plane::new(w, h, stride, frame) {
            let _ = tracker.next(&plane);
        }
    }
});
