//! The replay window of a live broadcast: every segment the player has seen, on one media timeline, kept
//! across playlist reloads.
//!
//! A live playlist lists only the last few segments; each reload slides that window forward. The
//! [`LiveWindow`] merges every reload by media sequence number: known segments keep their place (and stay
//! known as replay after they leave the playlist, until the caller forgets them because their bytes are no
//! longer cached or served), new ones are appended. Time 0 is the start of the first segment seen; each
//! segment starts where the one before it ended. `EXT-X-PROGRAM-DATE-TIME` maps that timeline to the wall
//! clock, so a clip can be asked for as "from 20:15:03 to 20:15:33".
//!
//! A reload of an hours-long window need not list every segment again: a server announcing
//! `CAN-SKIP-UNTIL` answers `_HLS_skip=YES` with a delta update, whose `EXT-X-SKIP` stands for the segments
//! the window already holds, and a server announcing `CAN-BLOCK-RELOAD` answers `_HLS_msn`/`_HLS_part` only
//! once that segment or part exists ([`LiveWindow::reload_uri`] asks for both).

use super::playlist::{MediaPlaylist, Part, Segment, ServerControl};

/// A segment placed on the media timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimedSegment {
    /// The segment as the playlist listed it.
    pub segment: Segment,
    /// Start on the media timeline, seconds.
    pub start: f64,
    /// Whether the latest playlist still lists it (`false`: replay only, if its bytes are still around).
    pub listed: bool,
}

impl TimedSegment {
    /// End on the media timeline, seconds.
    pub fn end(&self) -> f64 {
        self.start + self.segment.duration
    }
}

/// What a reload changed, for the player to report or act on.
#[derive(Debug, Clone, PartialEq)]
pub enum MergeEvent {
    /// New segments were appended after the known ones.
    Appended {
        /// How many.
        count: usize,
    },
    /// Segments were missed between two reloads (the playlist moved on faster than it was reloaded):
    /// sequence numbers `first..=last` are unknown. The timeline skips their estimated duration.
    Missed {
        /// First missing media sequence number.
        first: u64,
        /// Last missing media sequence number.
        last: u64,
    },
    /// The reloaded playlist ends before the known segments (its media sequence went backwards, e.g. the
    /// encoder restarted): it was ignored.
    SequenceWentBackwards {
        /// The last sequence number known.
        known_last: u64,
        /// The last sequence number of the reloaded playlist.
        reloaded_last: u64,
    },
    /// A delta update (`EXT-X-SKIP`) skipped segments `first..=last`, which the window does not hold: it was
    /// ignored, and the playlist must be reloaded whole, without `_HLS_skip` (RFC 8216bis §6.3.7).
    SkippedUnknown {
        /// First skipped media sequence number the window lacks.
        first: u64,
        /// Last skipped media sequence number.
        last: u64,
    },
    /// `EXT-X-ENDLIST` appeared: the broadcast is over.
    Ended,
}

/// Every known segment of a live rendition, in sequence order.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveWindow {
    segments: Vec<TimedSegment>,
    target_duration: f64,
    ended: bool,
    /// LL-HLS: the published parts of the segment being produced after the last listed one.
    partial: Vec<Part>,
    /// The segment being produced starts a discontinuity domain; its program date time when tagged.
    partial_discontinuity: bool,
    partial_date_time: Option<f64>,
    /// How far from the live edge to start (and stay): `PART-HOLD-BACK` when the playlist has parts, else
    /// `HOLD-BACK`, else three target durations (RFC 8216bis §4.4.3.8, §6.3.3).
    hold_back: f64,
    /// What the server can do for reloads (`EXT-X-SERVER-CONTROL` of the latest playlist).
    control: ServerControl,
    /// `EXT-X-PART-INF:PART-TARGET` of the latest playlist: reloads ask for parts.
    part_target: Option<f64>,
    /// Sound only: every part starts on a sync sample (each AAC or Opus frame decodes alone), whatever its
    /// `INDEPENDENT` attribute says (RFC 8216bis defines it for video; servers leave it off audio parts).
    sound_only: bool,
}

impl LiveWindow {
    /// Starts the window from the first playlist the player loaded: its first segment starts at 0.
    pub fn new(first: &MediaPlaylist) -> Self {
        let mut window = LiveWindow {
            segments: Vec::new(),
            target_duration: first.target_duration,
            ended: false,
            partial: first.partial.clone(),
            partial_discontinuity: first.partial_discontinuity,
            partial_date_time: first.partial_date_time,
            hold_back: hold_back(first),
            control: first.server_control,
            part_target: first.part_target,
            sound_only: false,
        };
        let mut start = 0.0;
        for segment in &first.segments {
            window.segments.push(TimedSegment {
                segment: segment.clone(),
                start,
                listed: true,
            });
            start += segment.duration;
        }
        window.ended = first.ended;
        window
    }

    /// Merges a reloaded playlist, full or a delta update (`EXT-X-SKIP`: its skipped segments are the ones
    /// the window holds with the same media sequence numbers). Never fails: anomalies come back as events.
    pub fn merge(&mut self, reloaded: &MediaPlaylist) -> Vec<MergeEvent> {
        let mut events = Vec::new();
        self.target_duration = reloaded.target_duration;
        // A delta update stands for segments the window must already hold; when it skipped some the window
        // never saw, the client must fetch the whole playlist instead (RFC 8216bis §6.3.7).
        if let Some(skip) = reloaded.skip.as_ref().filter(|skip| skip.skipped_segments > 0) {
            let first_listed = reloaded.media_sequence + skip.skipped_segments;
            let known_next = self.segments.last().map(|s| s.segment.sequence + 1);
            if !matches!(known_next, Some(next) if next >= first_listed) {
                events.push(MergeEvent::SkippedUnknown {
                    first: known_next.map_or(reloaded.media_sequence, |next| next.max(reloaded.media_sequence)),
                    last: first_listed - 1,
                });
                return events;
            }
        }
        let (Some(known_last), Some(reloaded_last)) = (
            self.segments.last().map(|s| s.segment.sequence),
            reloaded.segments.last().map(|s| s.sequence),
        ) else {
            if self.segments.is_empty() {
                *self = LiveWindow::new(reloaded);
            }
            return events;
        };
        if reloaded_last < known_last {
            events.push(MergeEvent::SequenceWentBackwards {
                known_last,
                reloaded_last,
            });
            return events;
        }
        self.partial.clone_from(&reloaded.partial);
        self.partial_discontinuity = reloaded.partial_discontinuity;
        self.partial_date_time = reloaded.partial_date_time;
        self.hold_back = hold_back(reloaded);
        self.control = reloaded.server_control;
        self.part_target = reloaded.part_target;
        // A delta update still lists its skipped segments, by reference: they start at its media sequence.
        for known in &mut self.segments {
            known.listed = known.segment.sequence >= reloaded.media_sequence;
        }
        // A delta update numbers discontinuities on from its EXT-X-DISCONTINUITY-SEQUENCE, which does not
        // count those in the skipped segments: count on from the last skipped segment, which the window holds.
        let shift = reloaded
            .skip
            .as_ref()
            .and_then(|skip| {
                let last_skipped = (reloaded.media_sequence + skip.skipped_segments).checked_sub(1)?;
                let known = self
                    .segments
                    .iter()
                    .rev()
                    .find(|k| k.segment.sequence == last_skipped)?;
                Some(
                    known
                        .segment
                        .discontinuity
                        .wrapping_sub(reloaded.discontinuity_sequence),
                )
            })
            .unwrap_or(0);
        let mut appended = 0;
        for segment in reloaded.segments.iter().filter(|s| s.sequence > known_last) {
            let Some(previous) = self.segments.last() else {
                break;
            };
            let mut start = previous.end();
            let expected = previous.segment.sequence + 1;
            if segment.sequence > expected {
                events.push(MergeEvent::Missed {
                    first: expected,
                    last: segment.sequence - 1,
                });
                start += self.missing_duration(previous, segment);
            }
            let mut segment = segment.clone();
            segment.discontinuity = segment.discontinuity.wrapping_add(shift);
            // The `EXT-X-MAP` of a delta update's first segments may have been skipped with the segments
            // before them: it is still the one the window holds.
            if reloaded.skip.is_some() && segment.init.is_none() {
                segment.init = previous.segment.init.clone();
            }
            self.segments.push(TimedSegment {
                segment,
                start,
                listed: true,
            });
            appended += 1;
        }
        if appended > 0 {
            events.push(MergeEvent::Appended { count: appended });
        }
        if reloaded.ended && !self.ended {
            self.ended = true;
            events.push(MergeEvent::Ended);
        }
        events
    }

    /// The URI to reload the live playlist `uri` with, the playlist last merged having been fetched `age`
    /// seconds ago: `uri` with the delivery directives the server announced it honours (RFC 8216bis
    /// §6.2.5), always in the same order, so that caches see one URI per request:
    ///
    /// - `_HLS_msn=M` (and `_HLS_part=P` when the playlist has parts) when it `CAN-BLOCK-RELOAD` and `block`
    ///   (a client falls back to plain reloads after a blocking one that went unanswered): the next segment
    ///   (part) after the newest listed, which the server sends as soon as it is published;
    /// - `_HLS_skip=YES` when it announced `CAN-SKIP-UNTIL` (never `v2`: the window keeps no date ranges), the
    ///   listed segments last longer than that Skip Boundary (which is at least six target durations: a
    ///   shorter playlist has nothing to skip), and the last playlist is younger than half of it, as the RFC
    ///   requires for the skipped segments to be ones the window holds.
    ///
    /// Nothing is added once the playlist has ended.
    pub fn reload_uri(&self, uri: &str, age: f64, block: bool) -> String {
        let control = &self.control;
        let (base, fragment) = uri.split_once('#').unwrap_or((uri, ""));
        let mut out = base.to_owned();
        let mut add = |directive: &str, value: &str| {
            if !(out.ends_with('?') || out.ends_with('&')) {
                out.push(if out.contains('?') { '&' } else { '?' });
            }
            out.push_str(directive);
            out.push('=');
            out.push_str(value);
        };
        if !self.ended && control.can_block_reload && block {
            let next = self.segments.last().map_or(0, |s| s.segment.sequence + 1);
            // The next part is the next one of the segment being produced (the first of the next segment
            // when none of it is listed yet).
            add("_HLS_msn", &next.to_string());
            if self.part_target.is_some() {
                add("_HLS_part", &self.partial.len().to_string());
            }
        }
        let listed: f64 = self
            .segments
            .iter()
            .filter(|s| s.listed)
            .map(|s| s.segment.duration)
            .sum();
        if !self.ended
            && control
                .can_skip_until
                .is_some_and(|until| listed > until && age < until / 2.0)
        {
            add("_HLS_skip", "YES");
        }
        if !fragment.is_empty() {
            out.push('#');
            out.push_str(fragment);
        }
        out
    }

    /// Whether the server holds a reload asking for the next segment or part until it exists: the next
    /// reload can be sent as soon as the last one is answered.
    pub fn blocks_reloads(&self) -> bool {
        self.control.can_block_reload && !self.ended
    }

    /// The reload interval of RFC 8216 §6.3.4, by parts when the playlist has them (RFC 8216bis §6.3.4).
    pub fn reload_interval(&self) -> f64 {
        self.part_target.unwrap_or(self.target_duration)
    }

    /// The duration of segments missed between `previous` and `next`: from their wall-clock times when
    /// both are tagged, else a target duration per missing segment.
    fn missing_duration(&self, previous: &TimedSegment, next: &Segment) -> f64 {
        let missing = (next.sequence - previous.segment.sequence - 1) as f64;
        match (previous.segment.program_date_time, next.program_date_time) {
            (Some(before), Some(after)) if after > before => {
                ((after - before) / 1000.0 - previous.segment.duration).max(0.0)
            }
            _ => missing * self.target_duration,
        }
    }

    /// Moves this window's timeline onto `reference`'s, for another rendition of the same broadcast: a
    /// segment with the same media sequence number starts at the same time (renditions of one stream are
    /// cut at the same points, RFC 8216 §6.2.4). Without a sequence in common, the newest ends are aligned.
    pub fn align_to(&mut self, reference: &LiveWindow) {
        let common = self.segments.iter().find_map(|mine| {
            let theirs = reference
                .segments
                .iter()
                .find(|s| s.segment.sequence == mine.segment.sequence)?;
            Some(theirs.start - mine.start)
        });
        let edges = || Some(reference.range()?.1 - self.range()?.1);
        let Some(shift) = common.or_else(edges) else {
            return;
        };
        for segment in &mut self.segments {
            segment.start += shift;
        }
    }

    /// Drops the segments before media sequence `sequence` (their bytes are gone from cache and server).
    pub fn forget_before(&mut self, sequence: u64) {
        let kept = self.segments.partition_point(|s| s.segment.sequence < sequence);
        // The oldest segment kept keeps its wall-clock time: a playlist dates a segment once and the ones
        // after it by their durations, and that date may be on a segment forgotten here.
        let date = self
            .segments
            .get(kept)
            .and_then(|first| self.wall_clock_from(kept, first.start));
        if let (Some(date), Some(first)) = (date, self.segments.get_mut(kept)) {
            first.segment.program_date_time.get_or_insert(date);
        }
        self.segments.drain(..kept);
    }

    /// The wall-clock time of media time `t` (in segment `index` or the parts after it), from the nearest
    /// dated segment at or before segment `index`.
    fn wall_clock_from(&self, index: usize, t: f64) -> Option<f64> {
        let anchor = self
            .segments
            .get(..=index)?
            .iter()
            .rev()
            .find(|s| s.segment.program_date_time.is_some())?;
        Some(anchor.segment.program_date_time? + (t - anchor.start) * 1000.0)
    }

    /// Marks the window as an audio rendition's (or an audio-only stream's): playback may start on any part.
    pub fn set_sound_only(&mut self) {
        self.sound_only = true;
    }

    /// Whether playback may start on `part`: it is tagged `INDEPENDENT=YES`, or the rendition is sound only.
    pub fn starts_on(&self, part: &Part) -> bool {
        part.independent || self.sound_only
    }

    /// The known segments, oldest first.
    pub fn segments(&self) -> &[TimedSegment] {
        &self.segments
    }

    /// `EXT-X-TARGETDURATION` of the latest playlist, seconds.
    pub fn target_duration(&self) -> f64 {
        self.target_duration
    }

    /// Whether `EXT-X-ENDLIST` has been seen.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// The seekable range on the media timeline: from the start of the oldest known segment to the end of
    /// the newest, or of the newest part of the segment being produced.
    pub fn range(&self) -> Option<(f64, f64)> {
        let produced: f64 = self.partial.iter().map(|p| p.duration).sum();
        Some((self.segments.first()?.start, self.segments.last()?.end() + produced))
    }

    /// The parts of the segment being produced (LL-HLS), after the last listed segment.
    pub fn partial(&self) -> &[Part] {
        &self.partial
    }

    /// The segment being produced, as far as its parts and the tags before them tell (no URI of its own
    /// yet): it follows the last listed segment.
    pub fn produced_segment(&self) -> Option<Segment> {
        let last = &self.segments.last()?.segment;
        Some(Segment {
            sequence: last.sequence + 1,
            discontinuity: last.discontinuity + u64::from(self.partial_discontinuity),
            program_date_time: self
                .partial_date_time
                .or(last.program_date_time.map(|ms| ms + last.duration * 1000.0)),
            ..last.clone()
        })
    }

    /// How far behind the live edge playback starts, seconds.
    pub fn hold_back(&self) -> f64 {
        self.hold_back
    }

    /// Where a player at the live edge plays, the edge being estimated at media time `edge` (the newest part
    /// listed was out a while ago and the broadcast went on since: see `player::catch_up::LiveEdge`):
    /// [`LiveWindow::hold_back`] behind it, not before the window's start. The estimate counts from the end of
    /// the newest part or segment listed up to one reload interval past it, as long as a healthy stream
    /// takes to publish the next: beyond that, a reload is late (or failing, or the broadcast has stalled),
    /// and playing on towards the end listed would eat into the hold-back.
    pub fn live_start(&self, edge: f64) -> Option<f64> {
        let (start, end) = self.range()?;
        let edge = edge.max(end).min(end + self.reload_interval());
        Some((edge - self.hold_back).min(end).max(start))
    }

    /// The replay window's length, seconds (`media.duration` for a live source).
    pub fn duration(&self) -> f64 {
        self.range().map_or(0.0, |(start, end)| end - start)
    }

    /// The segment whose span holds media time `t` (the last one for `t` at the very end).
    pub fn segment_at(&self, t: f64) -> Option<&TimedSegment> {
        let index = self.segments.partition_point(|s| s.end() <= t);
        self.segments
            .get(index)
            .filter(|s| s.start <= t)
            .or_else(|| self.segments.last().filter(|last| (t - last.end()).abs() < 1e-9))
    }

    /// Wall-clock time (Unix milliseconds) of media time `t`, from the nearest `EXT-X-PROGRAM-DATE-TIME`
    /// at or before it (a tag dates its segment and, by their durations, the untagged ones after it).
    pub fn wall_clock_at(&self, t: f64) -> Option<f64> {
        let (start, end) = self.range()?;
        if t < start || t > end + 1e-9 {
            return None;
        }
        // The segment that starts last at or before `t` (the newest one for the parts after it).
        let index = self.segments.partition_point(|s| s.start <= t).checked_sub(1)?;
        self.wall_clock_from(index, t)
    }

    /// Media time of wall-clock time `unix_ms`, if a dated segment covers it.
    pub fn time_at_wall_clock(&self, unix_ms: f64) -> Option<f64> {
        let mut anchor: Option<&TimedSegment> = None;
        for segment in &self.segments {
            if segment.segment.program_date_time.is_some() {
                anchor = Some(segment);
            }
            let Some(anchor) = anchor else { continue };
            let anchor_ms = anchor.segment.program_date_time?;
            let segment_start_ms = anchor_ms + (segment.start - anchor.start) * 1000.0;
            let segment_end_ms = segment_start_ms + segment.segment.duration * 1000.0;
            if (segment_start_ms..segment_end_ms).contains(&unix_ms) {
                return Some(segment.start + (unix_ms - segment_start_ms) / 1000.0);
            }
        }
        None
    }
}

/// How far behind the live edge to play `playlist`: `PART-HOLD-BACK` when it lists parts (at least three part
/// targets when the server does not say), else `HOLD-BACK`, else three target durations.
fn hold_back(playlist: &MediaPlaylist) -> f64 {
    let control = &playlist.server_control;
    let has_parts = !playlist.partial.is_empty() || playlist.segments.iter().any(|s| !s.parts.is_empty());
    match playlist.part_target.filter(|_| has_parts) {
        Some(part_target) => control.part_hold_back.unwrap_or(3.0 * part_target),
        None => control.hold_back.unwrap_or(3.0 * playlist.target_duration),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hls::playlist::{parse, Playlist};

    /// Wall clock of sequence 0 in the dated playlists: 2026-11-21T11:19:00Z.
    const EPOCH_MS: f64 = 1_795_259_940_000.0;

    /// A live playlist of 2 s segments `first..first + count`; dated ones start at 11:19:00 + 2k s
    /// (keep k under 30).
    fn live(first: u64, count: u64, dated: bool) -> MediaPlaylist {
        let mut text = format!("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:{first}\n");
        for k in first..first + count {
            if dated {
                text.push_str(&format!(
                    "#EXT-X-PROGRAM-DATE-TIME:2026-11-21T11:19:{:02}.000Z\n",
                    k * 2
                ));
            }
            text.push_str(&format!("#EXTINF:2.0,\n{k}.ts\n"));
        }
        match parse(&text, "http://h/live.m3u8").unwrap() {
            Playlist::Media(media) => media,
            Playlist::Master(_) => unreachable!(),
        }
    }

    fn sequences(window: &LiveWindow) -> Vec<u64> {
        window.segments().iter().map(|s| s.segment.sequence).collect()
    }

    #[test]
    fn a_player_joins_three_target_durations_from_the_edge_without_parts() {
        let window = LiveWindow::new(&live(0, 6, false));
        assert_eq!(window.hold_back(), 6.0);
        assert_eq!(window.live_start(0.0), Some(6.0));
        assert_eq!(LiveWindow::new(&live(0, 2, false)).live_start(0.0), Some(0.0));
        // The edge estimated 1.5 s past the end listed; 5 s past it counts for a target duration only (the
        // next segment should have been listed by then).
        assert_eq!(window.live_start(13.5), Some(7.5));
        assert_eq!(window.live_start(17.0), Some(8.0));
    }

    #[test]
    fn reloads_slide_forward_and_the_replay_stays() {
        let mut window = LiveWindow::new(&live(5, 6, false));
        assert_eq!(window.range(), Some((0.0, 12.0)));
        let events = window.merge(&live(7, 6, false));
        assert_eq!(events, [MergeEvent::Appended { count: 2 }]);
        assert_eq!(sequences(&window), (5..13).collect::<Vec<_>>());
        assert_eq!(window.duration(), 16.0);
        let listed: Vec<bool> = window.segments().iter().map(|s| s.listed).collect();
        assert_eq!(listed, [false, false, true, true, true, true, true, true]);
        // The same playlist again changes nothing.
        assert_eq!(window.merge(&live(7, 6, false)), []);
        window.forget_before(7);
        assert_eq!(window.range(), Some((4.0, 16.0)));
    }

    #[test]
    fn a_sequence_going_backwards_is_an_event_not_a_crash() {
        let mut window = LiveWindow::new(&live(100, 6, false));
        let before = window.clone();
        let events = window.merge(&live(0, 6, false));
        assert_eq!(
            events,
            [MergeEvent::SequenceWentBackwards {
                known_last: 105,
                reloaded_last: 5
            }]
        );
        assert_eq!(window, before);
    }

    #[test]
    fn missed_segments_leave_a_gap_of_their_duration() {
        let mut window = LiveWindow::new(&live(0, 3, false));
        let events = window.merge(&live(5, 3, false));
        assert_eq!(
            events,
            [
                MergeEvent::Missed { first: 3, last: 4 },
                MergeEvent::Appended { count: 3 }
            ]
        );
        assert_eq!(window.segments()[3].start, 10.0);
    }

    #[test]
    fn the_oldest_segment_kept_keeps_its_date_when_the_dated_one_before_it_is_forgotten() {
        // Only segment 0 is dated (11:19:00); the others are dated by their durations.
        let text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n\
             #EXT-X-PROGRAM-DATE-TIME:2026-11-21T11:19:00Z\n#EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n#EXTINF:2,\nc.ts\n";
        let Ok(Playlist::Media(media)) = parse(text, "http://h/live.m3u8") else {
            panic!("a media playlist");
        };
        let mut window = LiveWindow::new(&media);
        window.forget_before(2);
        assert_eq!(window.wall_clock_at(4.5), Some(EPOCH_MS + 4_500.0));
        assert_eq!(window.time_at_wall_clock(EPOCH_MS + 4_500.0), Some(4.5));
    }

    #[test]
    fn wall_clock_mapping_both_ways() {
        let mut window = LiveWindow::new(&live(10, 6, true));
        window.merge(&live(12, 6, true));
        // Segment 10 starts at media time 0 and wall time 11:19:20.
        assert_eq!(window.wall_clock_at(0.0), Some(EPOCH_MS + 20_000.0));
        assert_eq!(window.wall_clock_at(15.5), Some(EPOCH_MS + 35_500.0));
        assert_eq!(window.time_at_wall_clock(EPOCH_MS + 35_500.0), Some(15.5));
        assert_eq!(window.time_at_wall_clock(EPOCH_MS), None); // before the replay window
    }

    #[test]
    fn another_rendition_is_aligned_by_sequence_number() {
        let reference = {
            let mut window = LiveWindow::new(&live(0, 6, false));
            window.merge(&live(3, 6, false));
            window
        };
        let mut other = LiveWindow::new(&live(4, 5, false));
        other.align_to(&reference);
        assert_eq!(other.segments()[0].start, 8.0);
        let mut disjoint = LiveWindow::new(&live(20, 2, false));
        disjoint.align_to(&reference);
        assert_eq!(disjoint.range(), Some((14.0, 18.0)));
    }

    /// An LL-HLS playlist as a packager writes it: 2 s segments, each dated, the newest complete one `last`,
    /// `count` of them listed; the last three split in four 0.5 s parts, then `edge_parts` parts of segment
    /// `last + 1`, a preload hint for the next part and two rendition reports. A discontinuity before segment
    /// `discontinuity_at`. With `delta`, the delta update a server answers `_HLS_skip=YES` with: the segments
    /// further than the 12 s Skip Boundary from the end (and the `EXT-X-MAP` before them) replaced by one
    /// `EXT-X-SKIP`.
    fn ll_text(last: u64, count: u64, edge_parts: u64, delta: bool, discontinuity_at: u64) -> String {
        let first = last + 1 - count;
        let skipped = if delta { count.saturating_sub(6) } else { 0 };
        let mut text = format!(
            "#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n\
             #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12.0,PART-HOLD-BACK=1.5\n\
             #EXT-X-PART-INF:PART-TARGET=0.5\n#EXT-X-MEDIA-SEQUENCE:{first}\n#EXT-X-DISCONTINUITY-SEQUENCE:{}\n",
            u64::from(discontinuity_at < first)
        );
        if skipped > 0 {
            text.push_str(&format!("#EXT-X-SKIP:SKIPPED-SEGMENTS={skipped}\n"));
        } else {
            text.push_str("#EXT-X-MAP:URI=\"init.mp4\"\n");
        }
        let parts = |text: &mut String, k: u64, n: u64| {
            for i in 0..n {
                let independent = if i == 0 { ",INDEPENDENT=YES" } else { "" };
                text.push_str(&format!(
                    "#EXT-X-PART:DURATION=0.5,URI=\"part{k}.{i}.m4s\"{independent}\n"
                ));
            }
        };
        for k in first + skipped..=last {
            if k == discontinuity_at {
                text.push_str("#EXT-X-DISCONTINUITY\n");
            }
            let t = k * 2 % 86_400;
            text.push_str(&format!(
                "#EXT-X-PROGRAM-DATE-TIME:2026-11-21T{:02}:{:02}:{:02}.000Z\n",
                t / 3600,
                t / 60 % 60,
                t % 60
            ));
            if k + 3 > last {
                parts(&mut text, k, 4);
            }
            text.push_str(&format!("#EXTINF:2.000,\nseg{k}.m4s\n"));
        }
        parts(&mut text, last + 1, edge_parts);
        let next = last + 1;
        text.push_str(&format!(
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part{next}.{edge_parts}.m4s\"\n\
             #EXT-X-RENDITION-REPORT:URI=\"../720p/index.m3u8\",LAST-MSN={next},LAST-PART={edge_parts}\n\
             #EXT-X-RENDITION-REPORT:URI=\"../1080p/index.m3u8\",LAST-MSN={next},LAST-PART={edge_parts}\n"
        ));
        text
    }

    fn media(text: &str) -> MediaPlaylist {
        match parse(text, "http://h/live/540p/index.m3u8").unwrap() {
            Playlist::Media(media) => media,
            Playlist::Master(_) => unreachable!(),
        }
    }

    #[test]
    fn a_four_hour_window_reloads_by_delta_updates() {
        // 4 hours of 2 s segments: 7200 listed, 1000..=8199; a discontinuity long before the Skip Boundary.
        let (count, last) = (7200, 8199);
        let window = LiveWindow::new(&media(&ll_text(last, count, 2, false, 3000)));
        // The segments, and the two half-second parts of the one being produced.
        assert_eq!(window.duration(), 14_400.0 + 1.0);
        let full = ll_text(last + 1, count, 1, false, 3000);
        let delta = ll_text(last + 1, count, 1, true, 3000);
        println!(
            "4-hour window reload: full playlist {} bytes, delta update {} bytes ({} segments listed instead of {count})",
            full.len(),
            delta.len(),
            media(&delta).segments.len(),
        );
        assert!(delta.len() < 2048, "a delta update of {} bytes", delta.len());
        assert!(full.len() > 100 * delta.len());
        // Merged into the window, the delta update gives what the full playlist gives: the same segments,
        // with the discontinuity count and the initialization section of the skipped segments.
        let (mut by_full, mut by_delta) = (window.clone(), window.clone());
        let events = by_full.merge(&media(&full));
        assert_eq!(events, [MergeEvent::Appended { count: 1 }]);
        assert_eq!(by_delta.merge(&media(&delta)), events);
        assert_eq!(by_delta, by_full);
        let newest = &by_delta.segments().last().unwrap().segment;
        assert_eq!((newest.sequence, newest.discontinuity), (8200, 1));
        assert_eq!(newest.init.as_ref().unwrap().uri, "http://h/live/540p/init.mp4");
        assert_eq!(newest.parts.len(), 4);
        assert!(!by_delta.segments()[0].listed && by_delta.segments()[1].listed);
        // What the window holds for 4 hours: its segments, their URIs and parts.
        let heap: usize = by_delta
            .segments()
            .iter()
            .map(|s| {
                let segment = &s.segment;
                std::mem::size_of::<TimedSegment>()
                    + segment.uri.capacity()
                    + segment.init.as_ref().map_or(0, |init| init.uri.capacity())
                    + segment
                        .parts
                        .iter()
                        .map(|p| std::mem::size_of_val(p) + p.uri.capacity())
                        .sum::<usize>()
            })
            .sum();
        println!(
            "4-hour window: {} segments, about {heap} bytes",
            by_delta.segments().len()
        );
        assert!(heap < 30 << 20);
    }

    #[test]
    fn a_delta_update_skipping_segments_the_window_lacks_asks_for_the_full_playlist() {
        let mut window = LiveWindow::new(&media(&ll_text(100, 20, 0, false, 0)));
        let before = window.clone();
        // 20 s later, the delta update skips 91..=104, of which the window never saw 101..=104.
        let events = window.merge(&media(&ll_text(110, 20, 0, true, 0)));
        assert_eq!(events, [MergeEvent::SkippedUnknown { first: 101, last: 104 }]);
        assert_eq!(window, before);
        // The full playlist fills the window.
        assert_eq!(
            window.merge(&media(&ll_text(110, 20, 0, false, 0))),
            [MergeEvent::Appended { count: 10 }]
        );
    }

    #[test]
    fn reload_uris_carry_the_delivery_directives_the_server_honours() {
        let latest = media(&ll_text(8199, 7200, 2, false, 0));
        let window = LiveWindow::new(&latest);
        let uri = "http://h/live/540p/index.m3u8";
        // The next part of segment 8200 (two are listed), and a delta update while the playlist is fresh.
        assert_eq!(
            window.reload_uri(uri, 1.0, true),
            format!("{uri}?_HLS_msn=8200&_HLS_part=2&_HLS_skip=YES")
        );
        // After a blocking reload that went unanswered: a plain one (a delta update still).
        assert_eq!(window.reload_uri(uri, 1.0, false), format!("{uri}?_HLS_skip=YES"));
        // Older than half the Skip Boundary: the skipped segments might not be the window's.
        assert_eq!(
            window.reload_uri(uri, 6.0, true),
            format!("{uri}?_HLS_msn=8200&_HLS_part=2")
        );
        // A query and a fragment of its own.
        assert_eq!(
            window.reload_uri("http://h/i.m3u8?token=a#x", 0.0, true),
            "http://h/i.m3u8?token=a&_HLS_msn=8200&_HLS_part=2&_HLS_skip=YES#x"
        );
        // Not v2 even where date ranges can be skipped too: the window keeps none.
        let mut v2 = latest.clone();
        v2.server_control.can_skip_dateranges = true;
        assert!(LiveWindow::new(&v2)
            .reload_uri(uri, 0.0, true)
            .ends_with("&_HLS_skip=YES"));
        // A window no longer than the Skip Boundary has nothing to skip; none of its next segment is out.
        let short = media(&ll_text(8199, 6, 0, false, 0));
        assert_eq!(
            LiveWindow::new(&short).reload_uri(uri, 0.0, true),
            format!("{uri}?_HLS_msn=8200&_HLS_part=0")
        );
        // Without parts, the next segment; without server control, nothing; once ended, nothing.
        let mut whole = short;
        whole.part_target = None;
        assert_eq!(
            LiveWindow::new(&whole).reload_uri(uri, 0.0, true),
            format!("{uri}?_HLS_msn=8200")
        );
        let mut plain = latest.clone();
        plain.server_control = Default::default();
        assert_eq!(LiveWindow::new(&plain).reload_uri(uri, 0.0, true), uri);
        let mut ended = latest;
        ended.ended = true;
        assert_eq!(LiveWindow::new(&ended).reload_uri(uri, 0.0, true), uri);
    }

    #[test]
    fn segment_lookup() {
        let window = LiveWindow::new(&live(0, 3, false));
        assert_eq!(window.segment_at(0.0).unwrap().segment.sequence, 0);
        assert_eq!(window.segment_at(3.9).unwrap().segment.sequence, 1);
        assert_eq!(window.segment_at(6.0).unwrap().segment.sequence, 2);
        assert!(window.segment_at(6.5).is_none());
        assert!(window.segment_at(-1.0).is_none());
    }
}
