//! Key frames from an I-frame playlist (`EXT-X-I-FRAME-STREAM-INF`, RFC 8216 §4.3.4.2): a media playlist
//! whose every segment is one I-frame, usually a byte range of one of the variant's own media segments.
//!
//! Its `EXTINF` durations are the time from each I-frame to the next (§4.3.3.6, §4.4.6.3), so the I-frames'
//! times are the running sum of the durations on the variant's timeline. That sum is tied to the variant's
//! segments where an I-frame is the first one in its media segment: a segment starts with a key frame, so
//! that I-frame is at the segment's start. Without such a tie (I-frames in files of their own) the I-frame
//! playlist starts where the variant does, as the playlists of one presentation share a timeline.

use super::live::{LiveWindow, TimedSegment};
use super::playlist::{ByteRange, MediaPlaylist, Variant};

/// One I-frame placed on the media timeline, with the bytes that hold it (a thumbnail fetches just those).
#[derive(Debug, Clone, PartialEq)]
pub struct IFrame {
    /// Presentation time on the media timeline, seconds.
    pub time: f64,
    /// Time to the next I-frame (or to the end of the presentation), seconds.
    pub duration: f64,
    /// The resource holding the I-frame, resolved.
    pub uri: String,
    /// Its bytes in that resource (an I-frame playlist of a TS or fMP4 variant names them by byte range).
    pub range: Option<ByteRange>,
}

/// The I-frame playlist that goes with `variant`: the one of the same picture size, else the first.
pub fn i_frame_variant_for<'a>(i_frame_variants: &'a [Variant], variant: &Variant) -> Option<&'a Variant> {
    i_frame_variants
        .iter()
        .find(|i| variant.resolution.is_some() && i.resolution == variant.resolution)
        .or(i_frame_variants.first())
}

/// The I-frames of I-frame playlist `playlist`, placed on the timeline of `window` (the variant's segments).
pub fn place(playlist: &MediaPlaylist, window: &LiveWindow) -> Vec<IFrame> {
    let segments = window.segments();
    // The variant segment holding I-frame segment `index`: the same resource, and its byte range inside the
    // segment's when the segment is a byte range too.
    let holder = |index: usize| -> Option<&TimedSegment> {
        let frame = playlist.segments.get(index)?;
        segments.iter().find(|timed| {
            let segment = &timed.segment;
            segment.uri == frame.uri
                && match (segment.range, frame.range) {
                    (Some(outer), Some(inner)) => inner.start >= outer.start && inner.start < outer.start + outer.len,
                    _ => true,
                }
        })
    };
    let mut running = Vec::with_capacity(playlist.segments.len());
    let mut sum = 0.0;
    for segment in &playlist.segments {
        running.push(sum);
        sum += segment.duration;
    }
    // The first I-frame that opens its media segment (the one before it lies elsewhere) ties the timelines;
    // the very first I-frame listed does only as a last resort, since a live I-frame playlist may begin in
    // the middle of a segment.
    let opens = |index: usize| {
        let this = holder(index)?;
        let before = holder(index - 1).map(|s| s.segment.sequence);
        (before != Some(this.segment.sequence)).then_some(this.start - running[index])
    };
    let shift = (1..running.len())
        .find_map(opens)
        .or_else(|| Some(holder(0)?.start))
        .or_else(|| Some(window.range()?.0))
        .unwrap_or(0.0);
    let mut frames = Vec::with_capacity(running.len());
    for (segment, at) in playlist.segments.iter().zip(running) {
        frames.push(IFrame {
            time: at + shift,
            duration: segment.duration,
            uri: segment.uri.clone(),
            range: segment.range,
        });
    }
    frames
}

/// The key frame times of `window`'s seekable range, ascending: those of `frames` where they reach, the
/// segment starts after them (a live window that has grown past the I-frame playlist loaded).
pub fn keyframe_times(frames: &[IFrame], window: &LiveWindow) -> Vec<f64> {
    let Some((start, end)) = window.range() else {
        return Vec::new();
    };
    // Playlist durations are rounded: an I-frame a hair outside the range is still the one at its edge.
    const SLACK: f64 = 1e-3;
    let mut times = Vec::new();
    for frame in frames {
        if frame.time >= start - SLACK && frame.time < end {
            times.push(frame.time.max(start));
        }
    }
    let covered = frames.last().map_or(f64::NEG_INFINITY, |f| f.time + f.duration);
    for segment in window.segments() {
        if segment.start >= covered - SLACK {
            times.push(segment.start);
        }
    }
    times
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hls::playlist::{parse, Playlist};

    fn media(text: &str, uri: &str) -> MediaPlaylist {
        match parse(text, uri) {
            Ok(Playlist::Media(media)) => media,
            other => panic!("not a media playlist: {other:?}"),
        }
    }

    /// Three 2 s TS segments with key frames every second, as the dev server's fixture has them.
    const VARIANT: &str = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg0.ts\n#EXTINF:2,\nseg1.ts\n\
        #EXTINF:2,\nseg2.ts\n#EXT-X-ENDLIST\n";

    fn i_frame_playlist(first_sequence: u64, frames: &[(u64, f64, u64)]) -> String {
        let mut text = format!(
            "#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:{first_sequence}\n\
             #EXT-X-I-FRAMES-ONLY\n"
        );
        for (segment, duration, offset) in frames {
            text += &format!("#EXTINF:{duration},\n#EXT-X-BYTERANGE:1000@{offset}\nseg{segment}.ts\n");
        }
        text + "#EXT-X-ENDLIST\n"
    }

    #[test]
    fn i_frames_are_placed_by_their_running_durations_inside_segments() {
        let window = LiveWindow::new(&media(VARIANT, "http://h/v/index.m3u8"));
        let text = i_frame_playlist(
            0,
            &[
                (0, 1.0, 0),
                (0, 1.0, 9000),
                (1, 1.0, 0),
                (1, 1.0, 9400),
                (2, 1.0, 0),
                (2, 1.0, 9100),
            ],
        );
        let frames = place(&media(&text, "http://h/v/iframes.m3u8"), &window);
        let times: Vec<f64> = frames.iter().map(|f| f.time).collect();
        assert_eq!(times, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(frames[3].uri, "http://h/v/seg1.ts");
        assert_eq!(frames[3].range, Some(ByteRange { start: 9400, len: 1000 }));
        assert_eq!(keyframe_times(&frames, &window), times);
    }

    #[test]
    fn a_live_i_frame_playlist_starting_mid_segment_is_tied_to_the_segment_an_i_frame_opens() {
        // The variant's window starts at segment 10 (time 0); the I-frame playlist's first I-frame is the
        // second of segment 10, its third the first of segment 11.
        let variant = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:10\n#EXTINF:2,\nseg10.ts\n\
            #EXTINF:2,\nseg11.ts\n";
        let window = LiveWindow::new(&media(variant, "http://h/v/index.m3u8"));
        let text = i_frame_playlist(21, &[(10, 0.8, 9000), (11, 1.2, 0), (11, 0.8, 9000)]);
        let frames = place(&media(&text, "http://h/v/iframes.m3u8"), &window);
        let times: Vec<f64> = frames.iter().map(|f| f.time).collect();
        assert_eq!(times, [1.2, 2.0, 3.2]);
    }

    #[test]
    fn i_frames_in_files_of_their_own_start_with_the_variant_and_segment_starts_follow_them() {
        let window = LiveWindow::new(&media(VARIANT, "http://h/v/index.m3u8"));
        let text = "#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXT-X-I-FRAMES-ONLY\n#EXTINF:1.5,\ni0.mp4\n\
            #EXTINF:1.5,\ni1.mp4\n#EXT-X-ENDLIST\n";
        let frames = place(&media(text, "http://h/v/iframes.m3u8"), &window);
        assert_eq!(frames.iter().map(|f| f.time).collect::<Vec<_>>(), [0.0, 1.5]);
        // The I-frame playlist covers 3 s of the 6: the segment starting after that comes from the variant.
        assert_eq!(keyframe_times(&frames, &window), [0.0, 1.5, 4.0]);
        assert_eq!(keyframe_times(&[], &window), [0.0, 2.0, 4.0]);
    }

    #[test]
    fn the_i_frame_playlist_of_the_same_picture_size_goes_with_a_variant() {
        let master = "#EXTM3U\n\
            #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,RESOLUTION=320x180,URI=\"low/i.m3u8\"\n\
            #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=2,RESOLUTION=640x360,URI=\"high/i.m3u8\"\n\
            #EXT-X-STREAM-INF:BANDWIDTH=9,RESOLUTION=640x360\nhigh/index.m3u8\n\
            #EXT-X-STREAM-INF:BANDWIDTH=8\nother/index.m3u8\n";
        let Ok(Playlist::Master(master)) = parse(master, "http://h/m.m3u8") else {
            panic!("not a master playlist")
        };
        let pick = |v: usize| i_frame_variant_for(&master.i_frame_variants, &master.variants[v]).map(|i| &i.uri);
        assert_eq!(pick(0).map(String::as_str), Some("http://h/high/i.m3u8"));
        assert_eq!(pick(1).map(String::as_str), Some("http://h/low/i.m3u8"));
        assert_eq!(i_frame_variant_for(&[], &master.variants[0]), None);
    }
}
