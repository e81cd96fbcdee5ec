//! HLS playlists (master and media, LL-HLS tags included), and a live window merging a reload (a second
//! playlist in the input, or the same one again) and giving its reload URI.
#![no_main]

use libfuzzer_sys::fuzz_target;
use reelcut::hls::live::LiveWindow;
use reelcut::hls::playlist::{parse, Playlist};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // A second playlist after the first (from a later `#EXTM3U` on) is a reload, full or a delta update,
    // merged into the first one's window.
    let at = text.get(1..).and_then(|rest| rest.find("#EXTM3U")).map_or(text.len(), |at| at + 1);
    let Some((first, reload)) = text.split_at_checked(at) else { return };
    let base = "http://host/live/a/index.m3u8";
    let Ok(Playlist::Media(media)) = parse(first, base) else { return };
    let mut window = LiveWindow::new(&media);
    let latest = match parse(reload, base) {
        Ok(Playlist::Media(reloaded)) => reloaded,
        _ => media,
    };
    let _ = window.merge(&latest);
    let _ = window.reload_uri("http://host/live/a/index.m3u8?token=1", 1.0);
    if let Some(middle) = window.range().map(|(start, end)| (start + end) / 2.0) {
        let _ = window.segment_at(middle);
        if let Some(wall) = window.wall_clock_at(middle) {
            let _ = window.time_at_wall_clock(wall);
        }
    }
});
