//! HLS renditions read segment by segment, as the player fetches them: state carries over, the loop of a
//! live broadcast (a discontinuity back to earlier timestamps) is not damage and is placed where the
//! playlist says, fMP4 needs its init.

// A failed unwrap here is a failed test, not a crash in a user's browser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use reelcut::hls::placement::SegmentPlacer;
use reelcut::hls::playlist::{parse, MediaPlaylist, Playlist};
use reelcut::hls::segments::SegmentReader;

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
    let (mut reader, mut placer) = (SegmentReader::new(), SegmentPlacer::new());
    let (mut stored, mut placed) = (Vec::new(), Vec::new());
    // seg0 seg1 seg2, then seg0 again after the loop's discontinuity (as the live simulation serves it).
    let mut start = 0.0;
    for (i, segment) in media.segments.iter().chain(media.segments.first()).enumerate() {
        let mut segment = segment.clone();
        segment.discontinuity = u64::from(i == 3);
        let bytes = std::fs::read(&segment.uri).unwrap();
        let demuxed = reader.demux(&segment, None, bytes.clone()).unwrap();
        stored.push(demuxed.tracks[0].samples.iter().map(|s| s.pts).min().unwrap());
        let read = reader.read(&segment, start, None, bytes, &mut placer).unwrap();
        assert_eq!(read.tracks.len(), 2);
        assert_eq!(read.tracks[0].samples.len(), 60);
        assert!(read.damage.is_empty(), "a clean loop is not damage");
        let video = &read.tracks[0];
        placed.push(video.samples.iter().map(|s| s.pts).min().unwrap() as f64 / f64::from(video.timescale));
        start += segment.duration;
    }
    // Video: 2 s segments on the 90 kHz clock; the loop jumps back to the first segment's time...
    assert_eq!(stored[1] - stored[0], 180_000);
    assert_eq!(stored[2] - stored[1], 180_000);
    assert_eq!(stored[3], stored[0]);
    // ... and is placed after the third segment, where the playlist puts it (the audio leads the first
    // video frame by the same amount in every segment).
    let lead = placed[0];
    for (i, at) in placed.iter().enumerate() {
        assert!((at - lead - 2.0 * i as f64).abs() < 1e-6, "segment {i} placed at {at}");
    }
}

#[test]
fn fmp4_segments_need_their_init_section() {
    let media = playlist("hls_fmp4/index.m3u8");
    let mut reader = SegmentReader::new();
    let first = &media.segments[0];
    let bytes = std::fs::read(&first.uri).unwrap();
    assert!(reader.demux(first, None, bytes).is_err(), "no init given");
    let init = std::fs::read(&first.init.as_ref().unwrap().uri).unwrap();
    let mut video_samples = 0;
    for segment in &media.segments {
        let read = reader
            .demux(segment, Some(&init), std::fs::read(&segment.uri).unwrap())
            .unwrap();
        video_samples += read.tracks[0].samples.len();
    }
    assert_eq!(video_samples, 180);
}
