//! What a player fetches of a rendition: whole segments, or runs of parts near the live edge (LL-HLS).
//!
//! A low-latency playlist lists the newest segments' parts (RFC 8216bis §4.4.4.9), and the parts of the
//! segment still being produced before the segment itself. Playing at the edge means playing those parts
//! as they come. A run of parts is fetched and demuxed as one small segment: playback starts on a run that
//! begins with an independent part (a keyframe) and holds the asked-for time; it then goes on one part at a
//! time, the decoder carrying on from the part before. Older segments, and segments a seek lands in further
//! than three target durations from the edge, are fetched whole.
//!
//! A [`Unit`] has a `u64` key for the player's chunk caches; the keys of one segment's units differ in
//! their low 16 bits, so a media sequence number up to 2^48 keeps its key.

use super::live::LiveWindow;
use super::playlist::{ByteRange, Part, Segment};

/// The most parts of one segment played part by part (a segment with more is fetched whole).
const MAX_PARTS: usize = 254;

/// What to fetch: one segment, or parts `first..=last` of segment `msn`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// The segment with this media sequence number.
    Segment(u64),
    /// Parts `first..=last` (indices in the segment) of segment `msn`.
    Parts {
        /// Media sequence number of the segment.
        msn: u64,
        /// Index of the first part.
        first: usize,
        /// Index of the last part.
        last: usize,
    },
}

/// A unit's fetch: the segment it belongs to (with the unit's own duration, URI and byte range for a run
/// of parts), where it starts on the media timeline, and the byte ranges to fetch and join, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitFetch {
    /// The segment (for a run of parts: with the run's duration, its first part's URI, no byte range).
    pub segment: Segment,
    /// Start on the media timeline, seconds.
    pub start: f64,
    /// The resources (URI and byte range) whose bytes, joined, are the unit's.
    pub pieces: Vec<(String, Option<ByteRange>)>,
}

impl Unit {
    /// The key of the unit in a chunk cache.
    pub fn key(self) -> u64 {
        match self {
            Unit::Segment(msn) => msn << 16,
            Unit::Parts { msn, first, last } => msn << 16 | ((first as u64 + 1) << 8) | (last as u64 + 1),
        }
    }

    /// The unit of a key made by [`Unit::key`].
    pub fn from_key(key: u64) -> Unit {
        let msn = key >> 16;
        match ((key >> 8) & 0xff, key & 0xff) {
            (0, _) | (_, 0) => Unit::Segment(msn),
            (first, last) => Unit::Parts {
                msn,
                first: first as usize - 1,
                last: last as usize - 1,
            },
        }
    }

    /// The media sequence number of the segment the unit is of.
    pub fn msn(self) -> u64 {
        match self {
            Unit::Segment(msn) | Unit::Parts { msn, .. } => msn,
        }
    }
}

/// A segment's parts and where the segment starts: a listed one, or the one being produced.
struct PartsOf<'a> {
    parts: &'a [Part],
    start: f64,
    /// The segment is complete (listed with its `EXTINF`): nothing more will be added to its parts.
    complete: bool,
}

impl LiveWindow {
    /// The unit that holds media time `t`: near the edge, the run of parts from the independent part at or
    /// before `t` to the part that holds it; else the segment.
    pub fn unit_at(&self, t: f64) -> Option<Unit> {
        let (_, end) = self.range()?;
        let last = self.segments().last()?;
        let (msn, segment_start) = if t >= last.end() && !self.partial().is_empty() {
            (last.segment.sequence + 1, last.end())
        } else {
            let segment = self.segment_at(t)?;
            if segment.end() <= end - 3.0 * self.target_duration() {
                return Some(Unit::Segment(segment.segment.sequence));
            }
            (segment.segment.sequence, segment.start)
        };
        let Some(of) = self.parts_of(msn).filter(|of| of.parts.len() <= MAX_PARTS) else {
            return Some(Unit::Segment(msn));
        };
        let mut part_start = segment_start;
        let mut first = 0;
        for (index, part) in of.parts.iter().enumerate() {
            if self.starts_on(part) {
                first = index;
            }
            let part_end = part_start + part.duration;
            if t < part_end || index + 1 == of.parts.len() {
                return Some(Unit::Parts {
                    msn,
                    first,
                    last: index,
                });
            }
            part_start = part_end;
        }
        Some(Unit::Segment(msn))
    }

    /// The unit played after `unit`; `None` when the window has nothing after it yet (or ever, once the
    /// playlist has ended).
    pub fn unit_after(&self, unit: Unit) -> Option<Unit> {
        let msn = unit.msn();
        if let Unit::Parts { last, .. } = unit {
            let of = self.parts_of(msn)?;
            if last + 1 < of.parts.len() {
                return Some(Unit::Parts {
                    msn,
                    first: last + 1,
                    last: last + 1,
                });
            }
            if !of.complete {
                return None;
            }
        }
        let next = self.segments().iter().find(|s| s.segment.sequence > msn);
        let next_msn = next.map_or(msn + 1, |s| s.segment.sequence);
        // From parts to parts (the edge), and from a segment to a segment (replay), as long as the next
        // segment offers them; the segment being produced has only parts.
        let parts_next = self
            .parts_of(next_msn)
            .filter(|of| !of.parts.is_empty() && of.parts.len() <= MAX_PARTS);
        match (next, parts_next) {
            (Some(_), Some(_)) if matches!(unit, Unit::Parts { .. }) => Some(Unit::Parts {
                msn: next_msn,
                first: 0,
                last: 0,
            }),
            (Some(next), _) => Some(Unit::Segment(next.segment.sequence)),
            (None, Some(_)) => Some(Unit::Parts {
                msn: next_msn,
                first: 0,
                last: 0,
            }),
            (None, None) => None,
        }
    }

    /// What to fetch for `unit`, while the window still has it.
    pub fn unit_fetch(&self, unit: Unit) -> Option<UnitFetch> {
        match unit {
            Unit::Segment(msn) => {
                let timed = self.segments().iter().find(|s| s.segment.sequence == msn)?;
                Some(UnitFetch {
                    segment: timed.segment.clone(),
                    start: timed.start,
                    pieces: vec![(timed.segment.uri.clone(), timed.segment.range)],
                })
            }
            Unit::Parts { msn, first, last } => {
                let of = self.parts_of(msn)?;
                let run = of.parts.get(first..=last)?;
                let mut segment = match self.segments().iter().find(|s| s.segment.sequence == msn) {
                    Some(timed) => timed.segment.clone(),
                    None => self.produced_segment()?,
                };
                segment.parts = Vec::new();
                segment.uri.clone_from(&run[0].uri);
                segment.range = None;
                segment.duration = run.iter().map(|p| p.duration).sum();
                segment.gap = run.iter().any(|p| p.gap);
                let start = of.start + of.parts[..first].iter().map(|p| p.duration).sum::<f64>();
                Some(UnitFetch {
                    segment,
                    start,
                    pieces: pieces(run),
                })
            }
        }
    }

    /// The parts of segment `msn`: a listed segment's, or the segment being produced's.
    fn parts_of(&self, msn: u64) -> Option<PartsOf<'_>> {
        let last = self.segments().last()?;
        if msn == last.segment.sequence + 1 {
            return Some(PartsOf {
                parts: self.partial(),
                start: last.end(),
                complete: false,
            });
        }
        let timed = self.segments().iter().find(|s| s.segment.sequence == msn)?;
        Some(PartsOf {
            parts: &timed.segment.parts,
            start: timed.start,
            complete: true,
        })
    }
}

/// The byte ranges of a run of parts, consecutive ranges of one resource joined into one request.
fn pieces(run: &[Part]) -> Vec<(String, Option<ByteRange>)> {
    let mut pieces: Vec<(String, Option<ByteRange>)> = Vec::new();
    for part in run {
        if let (Some((uri, Some(range))), Some(next)) = (pieces.last_mut(), part.range) {
            if *uri == part.uri && range.start + range.len == next.start {
                range.len += next.len;
                continue;
            }
        }
        pieces.push((part.uri.clone(), part.range));
    }
    pieces
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hls::playlist::{parse, MediaPlaylist, Playlist};

    /// A low-latency playlist: segments `first..first + count` of 2 s, the last two listed with three parts
    /// of 2/3 s each (the first independent), then `produced` parts of the next segment. Parts are byte
    /// ranges of their segment's file, 100 bytes each.
    fn low_latency(first: u64, count: u64, produced: usize) -> MediaPlaylist {
        let mut text = format!(
            "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n\
             #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=2.0\n#EXT-X-PART-INF:PART-TARGET=0.667\n\
             #EXT-X-MEDIA-SEQUENCE:{first}\n"
        );
        let parts = |k: u64, n: usize| {
            (0..n)
                .map(|i| {
                    let independent = if i == 0 { ",INDEPENDENT=YES" } else { "" };
                    format!(
                        "#EXT-X-PART:DURATION=0.66667,URI=\"s{k}.ts\",BYTERANGE=\"100@{}\"{independent}\n",
                        i * 100
                    )
                })
                .collect::<String>()
        };
        for k in first..first + count {
            if k + 2 >= first + count {
                text.push_str(&parts(k, 3));
            }
            text.push_str(&format!("#EXTINF:2.0,\ns{k}.ts\n"));
        }
        text.push_str(&parts(first + count, produced));
        match parse(&text, "http://h/live.m3u8").unwrap() {
            Playlist::Media(media) => media,
            Playlist::Master(_) => unreachable!(),
        }
    }

    #[test]
    fn keys_round_trip() {
        for unit in [
            Unit::Segment(0),
            Unit::Segment(123_456_789),
            Unit::Parts {
                msn: 7,
                first: 0,
                last: 0,
            },
            Unit::Parts {
                msn: 7,
                first: 3,
                last: 253,
            },
        ] {
            assert_eq!(Unit::from_key(unit.key()), unit);
        }
        assert_ne!(
            Unit::Segment(7).key(),
            Unit::Parts {
                msn: 7,
                first: 0,
                last: 0
            }
            .key()
        );
    }

    #[test]
    fn the_edge_is_played_by_parts_and_replay_by_segments() {
        let window = LiveWindow::new(&low_latency(10, 6, 2));
        // Six segments of 2 s and two parts: the window ends at 12 + 4/3 s; PART-HOLD-BACK says 2 s.
        let (start, end) = window.range().unwrap();
        assert_eq!(start, 0.0);
        assert!((end - 13.33334).abs() < 1e-4);
        assert_eq!(window.hold_back(), 2.0);
        assert!((window.live_start(0.0).unwrap() - 11.33334).abs() < 1e-4);
        // The edge estimated a tenth of a second past the end listed: that much further; two seconds past
        // it, a part target (0.667 s) further at most: the next part should have been listed by then.
        assert!((window.live_start(13.43334).unwrap() - 11.43334).abs() < 1e-4);
        assert!((window.live_start(15.33334).unwrap() - 12.00034).abs() < 1e-4);
        // Replay: whole segments.
        assert_eq!(window.unit_at(1.0), Some(Unit::Segment(10)));
        assert_eq!(window.unit_after(Unit::Segment(10)), Some(Unit::Segment(11)));
        // In the last segments, a run from the independent part at the segment's start to the one holding t.
        assert_eq!(
            window.unit_at(11.5),
            Some(Unit::Parts {
                msn: 15,
                first: 0,
                last: 2
            })
        );
        assert_eq!(
            window.unit_after(Unit::Parts {
                msn: 15,
                first: 0,
                last: 2
            }),
            Some(Unit::Parts {
                msn: 16,
                first: 0,
                last: 0
            })
        );
        // In the segment being produced.
        assert_eq!(
            window.unit_at(12.9),
            Some(Unit::Parts {
                msn: 16,
                first: 0,
                last: 1
            })
        );
        assert_eq!(
            window.unit_after(Unit::Parts {
                msn: 16,
                first: 0,
                last: 1
            }),
            None
        );
        // A whole segment played up to the edge goes on into the parts being produced.
        assert_eq!(
            window.unit_after(Unit::Segment(15)),
            Some(Unit::Parts {
                msn: 16,
                first: 0,
                last: 0
            })
        );
    }

    #[test]
    fn a_run_is_fetched_as_one_range_and_placed_after_the_parts_before_it() {
        let window = LiveWindow::new(&low_latency(10, 6, 2));
        let fetch = window
            .unit_fetch(Unit::Parts {
                msn: 16,
                first: 0,
                last: 1,
            })
            .unwrap();
        assert_eq!(
            fetch.pieces,
            [("http://h/s16.ts".to_owned(), Some(ByteRange { start: 0, len: 200 }))]
        );
        assert_eq!(fetch.segment.sequence, 16);
        assert!((fetch.start - 12.0).abs() < 1e-9);
        assert!((fetch.segment.duration - 1.33334).abs() < 1e-9);
        let one = window
            .unit_fetch(Unit::Parts {
                msn: 15,
                first: 2,
                last: 2,
            })
            .unwrap();
        assert_eq!(
            one.pieces,
            [("http://h/s15.ts".to_owned(), Some(ByteRange { start: 200, len: 100 }))]
        );
        assert!((one.start - (10.0 + 2.0 * 0.66667)).abs() < 1e-9);
        let whole = window.unit_fetch(Unit::Segment(12)).unwrap();
        assert_eq!((whole.start, whole.pieces.len()), (4.0, 1));
        assert_eq!(
            window.unit_fetch(Unit::Parts {
                msn: 16,
                first: 0,
                last: 5
            }),
            None
        );
    }

    #[test]
    fn a_reload_turns_the_produced_parts_into_a_segment_and_playback_goes_on() {
        let mut window = LiveWindow::new(&low_latency(10, 6, 2));
        let playing = Unit::Parts {
            msn: 16,
            first: 1,
            last: 1,
        };
        window.merge(&low_latency(10, 7, 1));
        // Segment 16 is now listed with its third part: playback continues with it, then with 17's.
        assert_eq!(
            window.unit_after(playing),
            Some(Unit::Parts {
                msn: 16,
                first: 2,
                last: 2
            })
        );
        assert_eq!(
            window.unit_after(Unit::Parts {
                msn: 16,
                first: 2,
                last: 2
            }),
            Some(Unit::Parts {
                msn: 17,
                first: 0,
                last: 0
            })
        );
        assert_eq!(
            window.unit_after(Unit::Parts {
                msn: 17,
                first: 0,
                last: 0
            }),
            None
        );
        // Without parts at all, a live playlist plays segments, as before.
        let plain = LiveWindow::new(&low_latency(10, 6, 0));
        assert_eq!(plain.unit_after(Unit::Segment(15)), None);
    }

    #[test]
    fn parts_after_a_discontinuity_start_a_new_domain() {
        let text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=1\n#EXTINF:2,\na.ts\n\
                    #EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00Z\n\
                    #EXT-X-PART:DURATION=1,URI=\"b.0.ts\",INDEPENDENT=YES\n";
        let Playlist::Media(playlist) = parse(text, "http://h/l.m3u8").unwrap() else {
            unreachable!()
        };
        let window = LiveWindow::new(&playlist);
        let fetch = window
            .unit_fetch(Unit::Parts {
                msn: 1,
                first: 0,
                last: 0,
            })
            .unwrap();
        assert_eq!((fetch.segment.sequence, fetch.segment.discontinuity), (1, 1));
        assert_eq!(fetch.segment.program_date_time, Some(1_767_225_600_000.0));
        assert_eq!(fetch.pieces, [("http://h/b.0.ts".to_owned(), None)]);
    }

    #[test]
    fn an_audio_rendition_starts_on_the_part_asked_for_without_independent_tags() {
        // Audio parts as servers publish them: no INDEPENDENT=YES, though every AAC frame decodes alone.
        let mut audio = low_latency(10, 6, 2);
        for segment in &mut audio.segments {
            for part in &mut segment.parts {
                part.independent = false;
            }
        }
        for part in &mut audio.partial {
            part.independent = false;
        }
        // Segment 15 spans [10, 12): its third part, [11.33, 12), holds 11.5; the produced segment's second
        // part holds 12.9.
        let mut window = LiveWindow::new(&audio);
        let at = |window: &LiveWindow, t| window.unit_at(t).unwrap();
        // Read as video, the parts would have to be decoded from the segment's first.
        assert_eq!(
            at(&window, 11.5),
            Unit::Parts {
                msn: 15,
                first: 0,
                last: 2
            }
        );
        window.set_sound_only();
        assert_eq!(
            at(&window, 11.5),
            Unit::Parts {
                msn: 15,
                first: 2,
                last: 2
            }
        );
        assert_eq!(
            at(&window, 12.9),
            Unit::Parts {
                msn: 16,
                first: 1,
                last: 1
            }
        );
        let fetch = window.unit_fetch(at(&window, 11.5)).unwrap();
        assert_eq!(
            fetch.pieces,
            [("http://h/s15.ts".to_owned(), Some(ByteRange { start: 200, len: 100 }))]
        );
        assert!((fetch.start - (10.0 + 2.0 * 0.66667)).abs() < 1e-9);
        // Older segments are still fetched whole.
        assert_eq!(at(&window, 1.0), Unit::Segment(10));
    }

    #[test]
    fn wall_clock_reaches_into_the_parts() {
        let mut playlist = low_latency(10, 6, 2);
        playlist.segments[0].program_date_time = Some(1_000_000.0);
        let window = LiveWindow::new(&playlist);
        assert_eq!(window.wall_clock_at(13.0), Some(1_013_000.0));
        assert_eq!(window.wall_clock_at(20.0), None);
    }
}
