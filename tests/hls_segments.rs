//! HLS renditions demuxed segment by segment, as the player fetches them: state carries over, the loop of
//! a live broadcast (a discontinuity back to earlier timestamps) is not damage, fMP4 needs its init first.

// A failed unwrap here is a failed test, not a crash in a user's browser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use reelcut::hls::playlist::{parse, MediaPlaylist, Playlist};
use reelcut::hls::segments::SegmentDemuxer;

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
}

fn playlist(name: &str) -> MediaPlaylist {
    let path = fixtures().join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    match parse(&text, path.to_str().unwrap()).unwrap() {
        Playlist::Media(media) => media,
        Playlist::Master(_) => panic!("{name} is a master playlist"),
    }
}

#[test]
fn ts_segments_in_a_loop_like_the_live_simulation() {
    let media = playlist("hls_ts/index.m3u8");
    let mut demuxer = SegmentDemuxer::new();
    let mut first_video_pts = Vec::new();
    // seg0 seg1 seg2, then seg0 again after the loop's discontinuity.
    for segment in media.segments.iter().chain(media.segments.first()) {
        let bytes = std::fs::read(&segment.uri).unwrap();
        let demuxed = demuxer.demux(segment, &bytes).unwrap();
        assert_eq!(demuxed.tracks.len(), 2);
        assert_eq!(demuxed.tracks[0].samples.len(), 60);
        first_video_pts.push(demuxed.tracks[0].samples.iter().map(|s| s.pts).min().unwrap());
    }
    assert!(demuxer.take_damage().is_empty(), "a clean loop is not damage");
    // 2 s segments on the 90 kHz clock; the loop jumps back to the first segment's time.
    assert_eq!(first_video_pts[1] - first_video_pts[0], 180_000);
    assert_eq!(first_video_pts[2] - first_video_pts[1], 180_000);
    assert_eq!(first_video_pts[3], first_video_pts[0]);
}

#[test]
fn fmp4_segments_need_their_init_section_first() {
    let media = playlist("hls_fmp4/index.m3u8");
    let mut demuxer = SegmentDemuxer::new();
    let first = &media.segments[0];
    let bytes = std::fs::read(&first.uri).unwrap();
    assert!(demuxer.needs_init(first));
    assert!(demuxer.demux(first, &bytes).is_err(), "no init loaded yet");
    let init = first.init.as_ref().unwrap();
    demuxer.load_init(first, &std::fs::read(&init.uri).unwrap()).unwrap();
    assert!(!demuxer.needs_init(first));
    let mut video_samples = 0;
    for segment in &media.segments {
        let demuxed = demuxer.demux(segment, &std::fs::read(&segment.uri).unwrap()).unwrap();
        video_samples += demuxed.tracks[0].samples.len();
    }
    assert_eq!(video_samples, 180);
}
