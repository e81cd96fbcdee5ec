//! I-frame playlists: the master playlist's `EXT-X-I-FRAME-STREAM-INF` tags and the I-frame playlists they
//! name (`EXT-X-I-FRAMES-ONLY`, one I-frame per segment by byte range), bad values refused with typed errors,
//! the I-frames placed on the variant's timeline, and the conformance corpus's I-frame playlists read as
//! their projects expect.

// A failed unwrap here is a failed test, not a crash in a user's browser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "common/corpus.rs"]
mod corpus;

use reelcut::hls::iframes::{keyframe_times, place};
use reelcut::hls::live::LiveWindow;
use reelcut::hls::playlist::{parse, ByteRange, MasterPlaylist, MediaPlaylist, Playlist};
use reelcut::ErrorCode;

fn master(text: &str, uri: &str) -> MasterPlaylist {
    match parse(text, uri).unwrap() {
        Playlist::Master(master) => master,
        Playlist::Media(_) => panic!("a media playlist: {text}"),
    }
}

fn media(text: &str, uri: &str) -> MediaPlaylist {
    match parse(text, uri).unwrap() {
        Playlist::Media(media) => media,
        Playlist::Master(_) => panic!("a master playlist: {text}"),
    }
}

/// An I-frame playlist as Apple's segmenter writes one for a TS variant: byte ranges of the media segments,
/// some without an offset (they follow the previous range of the same file).
const I_FRAMES: &str = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-VERSION:4\n#EXT-X-MEDIA-SEQUENCE:0\n\
    #EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-I-FRAMES-ONLY\n\
    #EXTINF:1.001,\n#EXT-X-BYTERANGE:9400@376\nmain0.ts\n\
    #EXTINF:0.999,\n#EXT-X-BYTERANGE:7144@60000\nmain0.ts\n\
    #EXTINF:2.0,\n#EXT-X-BYTERANGE:10152@376\nmain1.ts\n\
    #EXTINF:1.5,\n#EXT-X-BYTERANGE:8000\nmain1.ts\n#EXT-X-ENDLIST\n";

const VARIANT: &str = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:2.0,\nmain0.ts\n\
    #EXTINF:3.5,\nmain1.ts\n#EXT-X-ENDLIST\n";

#[test]
fn an_i_frame_playlist_is_read_with_its_byte_ranges() {
    let playlist = media(I_FRAMES, "https://cdn/v/iframes.m3u8");
    assert!(playlist.i_frames_only && playlist.ended);
    let ranges: Vec<_> = playlist.segments.iter().map(|s| s.range.unwrap()).collect();
    assert_eq!(ranges[0], ByteRange { start: 376, len: 9400 });
    // Without an offset: right after the previous range.
    assert_eq!(
        ranges[3],
        ByteRange {
            start: 10528,
            len: 8000
        }
    );
    assert!(!media(VARIANT, "https://cdn/v/index.m3u8").i_frames_only);
}

#[test]
fn i_frames_land_on_the_variant_timeline_inside_its_segments() {
    let window = LiveWindow::new(&media(VARIANT, "https://cdn/v/index.m3u8"));
    let frames = place(&media(I_FRAMES, "https://cdn/v/iframes.m3u8"), &window);
    let times: Vec<f64> = frames.iter().map(|f| f.time).collect();
    assert_eq!(times, [0.0, 1.001, 2.0, 4.0]);
    assert_eq!(frames[1].uri, "https://cdn/v/main0.ts");
    assert_eq!(
        frames[1].range,
        Some(ByteRange {
            start: 60000,
            len: 7144
        })
    );
    assert_eq!(keyframe_times(&frames, &window), times);
}

#[test]
fn bad_i_frame_stream_tags_are_typed_errors() {
    for bad in [
        // No URI, no BANDWIDTH, a BANDWIDTH that is not a number (a real playlist of grafov/m3u8's tests has
        // BANDWIDTH="INVALIDBW"), one past u64, a negative one, a picture size without a height.
        "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=86000",
        "#EXT-X-I-FRAME-STREAM-INF:URI=\"i.m3u8\"",
        "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=\"INVALIDBW\",URI=\"i.m3u8\"",
        "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=18446744073709551616,URI=\"i.m3u8\"",
        "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=-1,URI=\"i.m3u8\"",
        "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,RESOLUTION=640x,URI=\"i.m3u8\"",
        "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,AVERAGE-BANDWIDTH=x,URI=\"i.m3u8\"",
        // An unterminated quoted URI.
        "#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"i.m3u8",
    ] {
        let text = format!("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n{bad}\n");
        let error = parse(&text, "").unwrap_err();
        assert_eq!(error.code(), ErrorCode::MalformedInput, "{bad}: {error}");
    }
    // (`10@`, an empty offset, is read as none: m3u8-parser's llhls-byte-range.m3u8 has one.)
    for bad in ["#EXT-X-BYTERANGE:x@376", "#EXT-X-BYTERANGE:10@x", "#EXTINF:-1,"] {
        let text = I_FRAMES.replacen("#EXT-X-BYTERANGE:9400@376", bad, 1);
        let text = if bad.starts_with("#EXTINF") {
            text.replacen("#EXTINF:1.001,", bad, 1)
        } else {
            text
        };
        let error = parse(&text, "").unwrap_err();
        assert_eq!(error.code(), ErrorCode::MalformedInput, "{bad}: {error}");
    }
}

#[test]
fn the_corpus_i_frame_playlists_read_as_their_projects_expect() {
    let dir = corpus::conformance_dir();
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();
    // videojs m3u8-parser: iFramesOnly.js says `iFramesOnly: true`, six segments of 2.002 s.
    let only = media(&read("m3u8-parser/iFramesOnly.m3u8"), "http://h/iFramesOnly.m3u8");
    assert!(only.i_frames_only);
    assert_eq!(only.segments.len(), 6);
    assert!(only.segments.iter().all(|s| s.duration == 2.002));
    // iFramePlaylist.js: nine I-frame playlists (Apple's example), the first `sdr_720/iframe_index.m3u8`,
    // 1280x720, BANDWIDTH 593626, AVERAGE-BANDWIDTH 248586, CODECS hvc1.2.4.L123.B0.
    let apple = master(
        &read("m3u8-parser/iFramePlaylist.m3u8"),
        "http://h/x/iFramePlaylist.m3u8",
    );
    assert_eq!(apple.i_frame_variants.len(), 9);
    let first = &apple.i_frame_variants[0];
    assert_eq!(first.uri, "http://h/x/sdr_720/iframe_index.m3u8");
    assert_eq!((first.bandwidth, first.average_bandwidth), (593_626, Some(248_586)));
    assert_eq!(
        (first.resolution, &first.codecs[..]),
        (Some((1280, 720)), &["hvc1.2.4.L123.B0".to_owned()][..])
    );
    // master-fmp4.js: six I-frame playlists beside the variants.
    assert_eq!(
        master(&read("m3u8-parser/master-fmp4.m3u8"), "http://h/m.m3u8")
            .i_frame_variants
            .len(),
        6
    );
    // shaka-player's I-frame-only stream: an fMP4 I-frame playlist with its initialization section.
    let shaka = media(&read("shaka/hls-iframe-only/media.m3u8"), "http://h/s/media.m3u8");
    assert!(shaka.i_frames_only);
    assert_eq!(shaka.segments.len(), 2);
    assert_eq!(shaka.segments[0].init.as_ref().unwrap().uri, "http://h/s/media.mp4");
    // grafov/m3u8: its last I-frame tag has BANDWIDTH="INVALIDBW" (its own test expects the parse to fail on it).
    let grafov = parse(&read("grafov-m3u8/master-with-i-frame-stream-inf.m3u8"), "");
    assert_eq!(grafov.unwrap_err().code(), ErrorCode::MalformedInput);
    // grafov/m3u8's Apple example starts with a comment line, not #EXTM3U as RFC 8216 §4.3.1.1 requires:
    // refused, as m3u8-parser's `master.m3u8` is (tests/browser/conformance_playlists.test.mjs); the same
    // playlist from #EXTM3U on is m3u8-parser's iFramePlaylist.m3u8, read above.
    let hlsv7 = parse(&read("grafov-m3u8/master-with-hlsv7.m3u8"), "");
    assert_eq!(hlsv7.unwrap_err().code(), ErrorCode::MalformedInput);
}
