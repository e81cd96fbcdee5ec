//! Putting HLS segments on the media timeline.
//!
//! The playlist says where each segment starts (the sum of the `EXTINF`s before it, see
//! [`crate::hls::live::LiveWindow`]); the samples carry their own timestamps, which are exact but may start
//! anywhere, restart at a discontinuity (a new encoder, a looped broadcast) and, in MPEG-TS, wrap every
//! 26.5 hours. So the timestamps of each discontinuity domain are pinned once to the playlist, and every
//! sample of the domain is placed by its distance from that pin: within a domain frames keep their exact
//! spacing; across domains, the playlist decides.
//!
//! The pin is the video: segments are cut at video keyframes, so a segment's first video frame is where
//! the playlist says the segment starts, plus the lead the audio has over the video in this stream (AAC
//! priming makes the audio start a frame or so earlier). That lead is measured once, on the first segment
//! placed when it starts the timeline, which makes time 0 its earliest sample of any track. Pinning on the
//! earliest sample of every segment instead would move the pictures by however much audio the muxer
//! happened to put ahead of the keyframe. Playback that starts further on (a live stream joined near its
//! edge, at a segment or at a run of LL-HLS parts inside one; a seek before playing) finds only the
//! muxer's audio there: no lead is taken, and the pictures land where the playlist (and its program date
//! time) says they start.
use crate::error::Result;
use crate::media::{Track, TrackKind};
use crate::time::{rescale_ticks, unwrap_33bit, Time, MPEG_TS_TIMESCALE};

/// At most this many discontinuity domains are remembered (a broadcast looping for days has thousands);
/// the oldest are forgotten first.
const MAX_DOMAINS: usize = 64;

/// Where one discontinuity domain's timestamps sit on the media timeline.
#[derive(Debug, Clone, Copy)]
struct Anchor {
    /// Media time of `pts`, seconds.
    media_time: f64,
    /// A timestamp of the domain (its first loaded segment's first video frame).
    pts: Time,
}

/// Places the samples of one rendition's segments on the media timeline.
#[derive(Debug, Default)]
pub struct SegmentPlacer {
    /// By discontinuity domain; a few dozen at most, so a list.
    anchors: Vec<(u64, Anchor)>,
    /// Seconds from the earliest sample to the first video frame, on the first segment placed.
    lead: Option<f64>,
}

impl SegmentPlacer {
    /// A placer with no anchors yet.
    pub fn new() -> Self {
        SegmentPlacer::default()
    }

    /// Rewrites the `pts`/`dts` of the demuxed `tracks` of a segment of discontinuity domain `domain` that
    /// starts at media time `segment_start` (seconds), so that `ticks / timescale` is media time.
    /// `mpeg_ts`: the timestamps are 33-bit MPEG-TS ones, compared modulo the wrap.
    pub fn place(&mut self, domain: u64, segment_start: f64, tracks: &mut [Track], mpeg_ts: bool) -> Result<()> {
        let first_shown = |track: &Track| Time::new(track.first_shown_pts()?, track.timescale).ok();
        let Some(earliest) = tracks.iter().filter_map(first_shown).min() else {
            return Ok(());
        };
        let video = tracks
            .iter()
            .filter(|t| t.kind == TrackKind::Video)
            .find_map(first_shown)
            .unwrap_or(earliest);
        let starts_timeline = segment_start == 0.0;
        let lead = *self.lead.get_or_insert_with(|| {
            if starts_timeline {
                (video.seconds() - earliest.seconds()).max(0.0)
            } else {
                0.0
            }
        });
        let anchor = match self.anchors.iter().find(|(known, _)| *known == domain) {
            Some((_, anchor)) => *anchor,
            None => {
                if self.anchors.len() >= MAX_DOMAINS {
                    if let Some(oldest) = (0..self.anchors.len()).min_by_key(|&i| self.anchors[i].0) {
                        self.anchors.swap_remove(oldest);
                    }
                }
                let anchor = Anchor {
                    media_time: segment_start + lead,
                    pts: video,
                };
                self.anchors.push((domain, anchor));
                anchor
            }
        };
        for track in tracks {
            let scale = track.timescale;
            let anchor_pts = rescale_ticks(anchor.pts.ticks, anchor.pts.scale, scale)?;
            let anchor_media = Time::from_seconds(anchor.media_time, scale).map_or(0, |t| t.ticks);
            let place = |ticks: i64| {
                let ticks = if mpeg_ts && scale == MPEG_TS_TIMESCALE {
                    unwrap_33bit(anchor_pts, ticks as u64)
                } else {
                    ticks
                };
                ticks - anchor_pts + anchor_media
            };
            for sample in &mut track.samples {
                sample.pts = place(sample.pts);
                sample.dts = place(sample.dts);
            }
            track.presentation_start = track.presentation_start.map(place);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(timescale: u32, pts: &[i64]) -> Track {
        kind_track(TrackKind::Video, timescale, pts)
    }

    fn kind_track(kind: TrackKind, timescale: u32, pts: &[i64]) -> Track {
        let samples: Vec<(i64, bool)> = pts.iter().map(|&pts| (pts, true)).collect();
        Track::for_test(kind, timescale, &samples)
    }

    fn pts(track: &Track) -> Vec<i64> {
        track.samples.iter().map(|s| s.pts).collect()
    }

    #[test]
    fn a_domain_is_anchored_once_then_keeps_its_spacing() {
        let mut placer = SegmentPlacer::new();
        // Segment 1 (playlist start 2 s) is loaded first: its 10 s timestamp becomes media time 2 s.
        let mut second = [track(90_000, &[900_000, 903_000])];
        placer.place(0, 2.0, &mut second, true).unwrap();
        assert_eq!(pts(&second[0]), [180_000, 183_000]);
        // Segment 0 of the same domain lands by its timestamps, not by its playlist start.
        let mut first = [track(90_000, &[720_000])];
        placer.place(0, 0.1, &mut first, true).unwrap();
        assert_eq!(pts(&first[0]), [0]);
    }

    #[test]
    fn a_discontinuity_restarts_the_timestamps_at_the_playlist_time() {
        let mut placer = SegmentPlacer::new();
        let mut before = [track(1000, &[5000])];
        placer.place(3, 0.0, &mut before, false).unwrap();
        let mut after = [track(1000, &[5000, 6000])];
        placer.place(4, 6.0, &mut after, false).unwrap();
        assert_eq!(pts(&after[0]), [6000, 7000]);
    }

    #[test]
    fn mpeg_ts_timestamps_are_compared_across_the_wrap() {
        let mut placer = SegmentPlacer::new();
        let wrap = 1i64 << 33;
        let mut first = [track(90_000, &[wrap - 90_000])];
        placer.place(0, 0.0, &mut first, true).unwrap();
        // One second later the counter has wrapped to 0.
        let mut next = [track(90_000, &[0])];
        placer.place(0, 1.0, &mut next, true).unwrap();
        assert_eq!(pts(&next[0]), [90_000]);
    }

    #[test]
    fn the_video_is_pinned_after_the_audio_lead_of_the_first_segment() {
        let mut placer = SegmentPlacer::new();
        // First segment: audio at 48 kHz starts 1024 samples before the video at 15360 Hz, so time 0 is
        // the audio and the video starts 1024/48000 s later.
        let mut tracks = [
            track(15_360, &[15_360]),
            kind_track(TrackKind::Audio, 48_000, &[48_000 - 1024]),
        ];
        placer.place(0, 0.0, &mut tracks, false).unwrap();
        assert_eq!(pts(&tracks[1]), [0]);
        assert_eq!(pts(&tracks[0]), [rescale_ticks(1024, 48_000, 15_360).unwrap()]);
        // A later domain whose muxer put audio 3 frames ahead of the keyframe: the video still lands the
        // same lead after the segment's playlist start.
        let mut later = [
            track(90_000, &[900_000]),
            kind_track(TrackKind::Audio, 90_000, &[900_000 - 9_000]),
        ];
        placer.place(1, 6.0, &mut later, true).unwrap();
        assert_eq!(pts(&later[0]), [540_000 + 1_920]);
        assert_eq!(pts(&later[1]), [540_000 + 1_920 - 9_000]);
    }

    #[test]
    fn a_live_join_pins_the_video_where_the_playlist_says() {
        // LL-HLS: the first unit is a run of parts from a keyframe 1 s into segment 5 (10 s on the timeline),
        // and the muxer put 0.1 s of audio ahead of that keyframe: the keyframe is where the parts start.
        let mut placer = SegmentPlacer::new();
        let mut parts = [
            track(90_000, &[900_000]),
            kind_track(TrackKind::Audio, 90_000, &[900_000 - 9_000]),
        ];
        placer.place(0, 11.0, &mut parts, true).unwrap();
        assert_eq!(pts(&parts[0]), [990_000]);
        assert_eq!(pts(&parts[1]), [981_000]);
    }
}
