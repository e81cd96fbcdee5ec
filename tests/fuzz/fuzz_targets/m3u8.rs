//! HLS playlists (master and media), and a live window merging one playlist into another.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reelcut::hls::live::LiveWindow;
use reelcut::hls::playlist::{parse, Playlist};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parsed = parse(text, "http://host/live/a/index.m3u8");
    let Ok(Playlist::Media(media)) = parsed else { return };
    let mut window = LiveWindow::new(&media);
    let _ = window.merge(&media);
    if let Some(middle) = window.range().map(|(start, end)| (start + end) / 2.0) {
        let _ = window.segment_at(middle);
        if let Some(wall) = window.wall_clock_at(middle) {
            let _ = window.time_at_wall_clock(wall);
        }
    }
});
