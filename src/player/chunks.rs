//! A file cut into chunks: runs of samples that can be fetched in one read and decoded on their own.
//!
//! Playback and seeking work chunk by chunk, whatever the source: an HLS segment is one chunk; a file is cut
//! at its video keyframes (one group of pictures per chunk, so a chunk always starts where a decoder can),
//! with the audio samples that play during that group. A file without video is cut into about one second
//! of audio per chunk.

use std::ops::Range;

use crate::media::{Track, TrackKind};
use crate::time::Time;

/// Audio-only files are cut into chunks of about this many seconds.
const AUDIO_CHUNK_SECONDS: f64 = 1.0;

/// One chunk of a file: decode-order sample ranges of its video and audio tracks.
#[derive(Debug, Clone, PartialEq)]
pub struct ChunkSpan {
    /// Media-timeline start, seconds: the earliest presentation time of its samples.
    pub start: f64,
    /// Decode-order indices of the video samples (empty without video).
    pub video: Range<usize>,
    /// Decode-order indices of the audio samples (empty without audio).
    pub audio: Range<usize>,
}

/// Cuts the file's first video and audio tracks into chunks. `origin` is the media timeline's origin in
/// seconds (see [`super::timeline_origin`]). Audio samples go with the chunk whose start they follow, so
/// each chunk's audio covers the time its video is shown.
pub fn chunk_spans(tracks: &[Track], origin: f64) -> Vec<ChunkSpan> {
    let video = tracks.iter().find(|t| t.kind == TrackKind::Video);
    let audio = tracks.iter().find(|t| t.kind == TrackKind::Audio);
    let seconds = |track: &Track, ticks: i64| {
        Time {
            ticks,
            scale: track.timescale,
        }
        .seconds()
            - origin
    };
    // Where each chunk starts: video keyframes (decode order), or every second of audio.
    let mut starts: Vec<(f64, usize)> = match (video, audio) {
        (Some(video), _) => {
            let mut starts = Vec::new();
            for (i, s) in video.samples.iter().enumerate() {
                if s.key {
                    starts.push((seconds(video, s.pts), i));
                }
            }
            starts
        }
        (None, Some(audio)) => {
            let mut starts = Vec::new();
            let mut next = f64::NEG_INFINITY;
            for (i, sample) in audio.samples.iter().enumerate() {
                let at = seconds(audio, sample.pts);
                if at >= next {
                    starts.push((at, i));
                    next = at + AUDIO_CHUNK_SECONDS;
                }
            }
            starts
        }
        (None, None) => Vec::new(),
    };
    // The first chunk starts at the timeline's start, whichever track shows first.
    if let Some(first) = starts.first_mut() {
        first.0 = first.0.min(0.0);
    }
    let mut spans: Vec<ChunkSpan> = Vec::with_capacity(starts.len());
    for (k, &(start, first)) in starts.iter().enumerate() {
        let next = starts.get(k + 1).map(|&(_, i)| i);
        let (video_range, audio_range) = match video {
            Some(video) => (first..next.unwrap_or(video.samples.len()), 0..0),
            None => (0..0, first..next.unwrap_or(audio.map_or(0, |a| a.samples.len()))),
        };
        spans.push(ChunkSpan {
            start,
            video: video_range,
            audio: audio_range,
        });
    }
    if let (Some(_), Some(audio)) = (video, audio) {
        assign_audio(&mut spans, audio, origin);
    }
    spans
}

/// Gives each chunk the audio samples whose presentation starts in `[chunk.start, next chunk's start)`
/// (the first chunk also takes any that start before it, the last any after it).
fn assign_audio(spans: &mut [ChunkSpan], audio: &Track, origin: f64) {
    let mut next_sample = 0;
    let count = spans.len();
    for k in 0..count {
        let end = if k + 1 < count {
            let limit = spans[k + 1].start;
            next_sample
                + audio.samples[next_sample..]
                    .iter()
                    .take_while(|s| {
                        Time {
                            ticks: s.pts,
                            scale: audio.timescale,
                        }
                        .seconds()
                            - origin
                            < limit
                    })
                    .count()
        } else {
            audio.samples.len()
        };
        spans[k].audio = next_sample..end;
        next_sample = end;
    }
}

/// The chunk whose span holds media time `t` (the first for earlier times).
pub fn chunk_at(spans: &[ChunkSpan], t: f64) -> Option<usize> {
    if spans.is_empty() {
        return None;
    }
    Some(spans.partition_point(|s| s.start <= t).saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn track(kind: TrackKind, timescale: u32, samples: &[(i64, bool)]) -> Track {
        Track::for_test(kind, timescale, samples)
    }

    #[test]
    fn video_keyframes_cut_the_file_and_audio_follows_its_time() {
        // Video at 1 tick/s: keyframes at 0 and 3. Audio at 10 ticks/s, every half second from 0 to 5.5.
        let video = track(
            TrackKind::Video,
            1,
            &[(0, true), (1, false), (2, false), (3, true), (4, false), (5, false)],
        );
        let audio_samples: Vec<(i64, bool)> = (0..12).map(|k| (k * 5, true)).collect();
        let audio = track(TrackKind::Audio, 10, &audio_samples);
        let spans = chunk_spans(&[video, audio], 0.0);
        assert_eq!(
            spans,
            [
                ChunkSpan {
                    start: 0.0,
                    video: 0..3,
                    audio: 0..6
                },
                ChunkSpan {
                    start: 3.0,
                    video: 3..6,
                    audio: 6..12
                },
            ]
        );
        assert_eq!(chunk_at(&spans, -1.0), Some(0));
        assert_eq!(chunk_at(&spans, 2.9), Some(0));
        assert_eq!(chunk_at(&spans, 3.0), Some(1));
        assert_eq!(chunk_at(&spans, 99.0), Some(1));
        assert_eq!(chunk_at(&[], 0.0), None);
    }

    #[test]
    fn audio_only_files_are_cut_every_second() {
        let samples: Vec<(i64, bool)> = (0..25).map(|k| (k * 100, true)).collect(); // 0.1 s each at 1000/s
        let spans = chunk_spans(&[track(TrackKind::Audio, 1000, &samples)], 0.0);
        let ranges: Vec<_> = spans.iter().map(|s| s.audio.clone()).collect();
        assert_eq!(ranges, [0..10, 10..20, 20..25]);
        assert!(spans.iter().all(|s| s.video.is_empty()));
    }

    #[test]
    fn the_first_chunk_starts_with_the_timeline() {
        // Video starts half a second after the audio that defines the origin.
        let video = track(TrackKind::Video, 2, &[(1, true), (2, false)]);
        let audio = track(TrackKind::Audio, 2, &[(0, true), (1, true), (2, true)]);
        let spans = chunk_spans(&[video, audio], 0.0);
        assert_eq!(spans.len(), 1);
        assert_eq!(spans[0].start, 0.0);
        assert_eq!(spans[0].audio, 0..3);
    }
}
