//! A live HLS broadcast simulated from a VOD media playlist.
//!
//! The VOD's segments are played in a loop, forever: broadcast segment `k` is source segment `k % n`, and an
//! `EXT-X-DISCONTINUITY` marks each restart of the loop (timestamps jump back there). Segment `k` is
//! published once the broadcast clock passes its end. At the start the broadcast already has a backlog of
//! `window` segments, so a player can join three target durations behind the edge at once.
//!
//! In LL-HLS mode (`part=`), every segment is also published part by part as the clock passes each part's
//! end (`parts.rs` cuts them): the playlist lists the parts of the segments that started in its last three
//! target durations (the segment in progress included), hints the next part, and offers blocking reloads and
//! delta updates.
//!
//! Times are whole microseconds so that no rounding drift accumulates over a long-running broadcast.

use std::path::Path;

use crate::options::{LiveOptions, Reload};
use crate::parts::{self, Part};
use crate::split;

const MICROS: f64 = 1_000_000.0;

/// Tags of the source that the live playlist writes itself.
const WRITTEN_BY_LIVE: [&str; 5] = [
    "#EXT-X-MEDIA-SEQUENCE",
    "#EXT-X-DISCONTINUITY-SEQUENCE",
    "#EXT-X-PLAYLIST-TYPE",
    "#EXT-X-ENDLIST",
    "#EXT-X-PROGRAM-DATE-TIME",
];

/// A VOD media playlist reduced to what the simulation re-publishes.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcePlaylist {
    version: Option<u32>,
    target_duration: u64,
    independent_segments: bool,
    /// The `EXT-X-MAP` line of fMP4 playlists (its URI stays relative to the fixture folder).
    map: Option<String>,
    segments: Vec<SourceSegment>,
    /// What the broadcast's segments carry of the source's.
    content: Content,
}

/// What a broadcast's segments carry of its source's muxed MPEG-TS segments (`audio=separate` splits them in
/// two renditions, `split.rs`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Content {
    /// The source's segments as they are.
    #[default]
    Whole,
    /// Their video alone: the variants' segments when the audio is a rendition of its own.
    VideoOnly,
    /// Their audio alone, as packed audio: the audio rendition's segments, `<k>.aac`.
    Audio,
}

impl Content {
    /// A source segment file's bytes as this content serves them.
    pub fn of(self, bytes: Vec<u8>) -> Result<Vec<u8>, String> {
        match self {
            Content::Whole => Ok(bytes),
            Content::VideoOnly => split::video_only(&bytes),
            Content::Audio => split::packed_audio(&bytes).map(|audio| audio.bytes),
        }
    }
}

/// The audio renditions of a broadcast with `audio=separate`: playlist file (beside the first variant's),
/// `NAME` and `LANGUAGE`. Two with the same sound, so that an app has a choice to make and a switch to test.
pub const AUDIO_RENDITIONS: [(&str, &str, &str); 2] =
    [("audio_en.m3u8", "English", "en"), ("audio_de.m3u8", "Deutsch", "de")];

#[derive(Debug, Clone, PartialEq)]
struct SourceSegment {
    duration_us: u64,
    /// The title of its `#EXTINF` line (what follows the duration's comma), usually empty.
    title: String,
    /// Other tags that apply to this segment only (e.g. `EXT-X-BYTERANGE`).
    tags: Vec<String>,
    uri: String,
    /// Its parts, in LL-HLS mode (see [`SourcePlaylist::cut_parts`]).
    parts: Vec<Part>,
}

/// Where a broadcast's live edge is: the last published part, as `EXT-X-RENDITION-REPORT` states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub last_msn: u64,
    pub last_part: u64,
}

impl SourcePlaylist {
    /// Reads a media playlist. Tags the live output writes itself (media sequence, playlist type, end list,
    /// program date time) are dropped.
    pub fn parse(text: &str) -> Result<SourcePlaylist, String> {
        let mut lines = text.lines().map(str::trim).filter(|line| !line.is_empty());
        if lines.next() != Some("#EXTM3U") {
            return Err("not a playlist: the first line is not #EXTM3U".into());
        }
        let mut playlist = SourcePlaylist {
            version: None,
            target_duration: 0,
            independent_segments: false,
            map: None,
            segments: Vec::new(),
            content: Content::Whole,
        };
        let mut pending: Option<(u64, String)> = None;
        let mut pending_tags = Vec::new();
        for line in lines {
            if let Some(value) = line.strip_prefix("#EXT-X-VERSION:") {
                playlist.version = value.parse().ok();
            } else if let Some(value) = line.strip_prefix("#EXT-X-TARGETDURATION:") {
                playlist.target_duration = value.parse().map_err(|_| format!("bad {line:?}"))?;
            } else if line == "#EXT-X-INDEPENDENT-SEGMENTS" {
                playlist.independent_segments = true;
            } else if line.starts_with("#EXT-X-MAP:") {
                playlist.map.get_or_insert_with(|| line.to_owned());
            } else if let Some(value) = line.strip_prefix("#EXTINF:") {
                let seconds = value.split(',').next().and_then(|d| d.trim().parse::<f64>().ok());
                let duration_us = seconds
                    .filter(|s| s.is_finite() && *s > 0.0)
                    .map(|s| (s * MICROS).round() as u64)
                    .ok_or_else(|| format!("bad segment duration in {line:?}"))?;
                let title = value.split_once(',').map_or("", |(_, title)| title);
                pending = Some((duration_us, title.to_owned()));
            } else if WRITTEN_BY_LIVE.iter().any(|tag| line.starts_with(tag)) {
                continue;
            } else if line.starts_with("#EXT") {
                pending_tags.push(line.to_owned());
            } else if !line.starts_with('#') {
                let (duration_us, title) = pending
                    .take()
                    .ok_or_else(|| format!("segment {line:?} has no #EXTINF"))?;
                playlist.segments.push(SourceSegment {
                    duration_us,
                    title,
                    tags: std::mem::take(&mut pending_tags),
                    uri: line.to_owned(),
                    parts: Vec::new(),
                });
            }
        }
        if playlist.segments.is_empty() {
            return Err("the playlist has no segments".into());
        }
        if playlist.target_duration == 0 {
            let longest = playlist.segments.iter().map(|s| s.duration_us).max().unwrap_or(0);
            playlist.target_duration = longest.div_ceil(MICROS as u64);
        }
        Ok(playlist)
    }

    /// The segments' files (relative to the playlist) and durations in microseconds, in order.
    pub fn segment_files(&self) -> impl Iterator<Item = (&str, u64)> {
        self.segments.iter().map(|s| (s.uri.as_str(), s.duration_us))
    }

    /// Publishes `content` of the source's segments, which must then be whole MPEG-TS files beside the
    /// playlist.
    pub fn set_content(&mut self, content: Content) -> Result<(), String> {
        if content != Content::Whole {
            self.plain_transport_stream_files("the video and the audio are split")?;
        }
        self.content = content;
        Ok(())
    }

    fn plain_transport_stream_files(&self, what: &str) -> Result<(), String> {
        if self.map.is_some() {
            return Err(format!("{what} from MPEG-TS segments; this playlist has fMP4 ones"));
        }
        match self
            .segments
            .iter()
            .find(|s| !s.tags.is_empty() || s.uri.contains(['?', '/']))
        {
            Some(segment) => Err(format!(
                "{what} from whole segment files beside the playlist, not {:?}",
                segment.uri
            )),
            None => Ok(()),
        }
    }

    /// Cuts every segment into parts of about `target_us` (LL-HLS), reading the segment files under `folder`.
    pub fn cut_parts(&mut self, folder: &Path, target_us: u64) -> Result<(), String> {
        self.plain_transport_stream_files("LL-HLS parts are cut")?;
        for segment in &mut self.segments {
            let error = |e: String| format!("{}: {e}", segment.uri);
            let bytes = std::fs::read(folder.join(&segment.uri)).map_err(|e| error(e.to_string()))?;
            segment.parts = match self.content {
                Content::Audio => {
                    let audio = split::packed_audio(&bytes).map_err(error)?;
                    split::cut_audio(&audio, segment.duration_us, target_us)
                }
                content => {
                    let bytes = content.of(bytes).map_err(error)?;
                    parts::cut(&bytes, segment.duration_us, target_us).map_err(error)?
                }
            };
        }
        Ok(())
    }

    /// The length of broadcast segment `k`'s file as served, when its parts are known (LL-HLS).
    pub fn segment_len(&self, k: u64) -> Option<u64> {
        self.segment(k).parts.last().map(|last| last.offset + last.len)
    }

    /// The URI of the source segment that broadcast segment `k` re-publishes.
    pub fn segment_uri(&self, k: u64) -> &str {
        &self.segment(k).uri
    }

    fn low_latency(&self) -> bool {
        !self.segments[0].parts.is_empty()
    }

    /// The longest part, rounded up to the millisecond: the `PART-TARGET` every part fits in.
    fn part_target_us(&self) -> u64 {
        let longest = self
            .segments
            .iter()
            .flat_map(|s| &s.parts)
            .map(|p| p.duration_us)
            .max()
            .unwrap_or(0);
        longest.div_ceil(1000) * 1000
    }

    /// The broadcast clock's time (the live edge) `elapsed_real_s` real seconds after the broadcast started.
    pub fn edge_us(&self, options: &LiveOptions, elapsed_real_s: f64) -> u64 {
        let running_s = options.freeze_after.map_or(elapsed_real_s, |f| elapsed_real_s.min(f));
        self.backlog_us(options) + (running_s.max(0.0) * options.speed * MICROS) as u64
    }

    /// Real seconds after the start at which the broadcast clock reads `edge_us` (`None` if the playlist
    /// is frozen before then).
    pub fn real_s_at(&self, options: &LiveOptions, edge_us: u64) -> Option<f64> {
        let real_s = edge_us.saturating_sub(self.backlog_us(options)) as f64 / MICROS / options.speed;
        options.freeze_after.is_none_or(|f| real_s <= f).then_some(real_s)
    }

    /// The backlog: the first `window` segments are published when the broadcast starts.
    fn backlog_us(&self, options: &LiveOptions) -> u64 {
        self.end_us(options.window as u64 - 1)
    }

    /// How many parts of segment `k` are published at `edge_us`.
    fn parts_published(&self, k: u64, edge_us: u64) -> usize {
        let mut end = self.start_us(k);
        self.segment(k)
            .parts
            .iter()
            .take_while(|part| {
                end += part.duration_us;
                end <= edge_us
            })
            .count()
    }

    /// When segment `msn` (its part `part`, when given) is published on the broadcast clock.
    pub fn published_at_us(&self, msn: u64, part: Option<u64>) -> u64 {
        let parts = &self.segment(msn).parts;
        match part {
            Some(index) if (index as usize) < parts.len() => {
                self.start_us(msn) + parts[..=index as usize].iter().map(|p| p.duration_us).sum::<u64>()
            }
            _ => self.end_us(msn),
        }
    }

    /// The last published part at `edge_us` (LL-HLS mode).
    pub fn edge(&self, edge_us: u64) -> Edge {
        let published = self.published(edge_us);
        match self.parts_published(published, edge_us) {
            0 => Edge {
                last_msn: published.saturating_sub(1),
                last_part: self.segment(published.saturating_sub(1)).parts.len().saturating_sub(1) as u64,
            },
            parts => Edge {
                last_msn: published,
                last_part: parts as u64 - 1,
            },
        }
    }

    /// When the part of segment `k` holding byte `offset` of its file is published.
    pub fn byte_published_at_us(&self, k: u64, offset: u64) -> u64 {
        let mut end = self.start_us(k);
        for part in &self.segment(k).parts {
            end += part.duration_us;
            if offset < part.offset + part.len {
                return end;
            }
        }
        self.end_us(k)
    }

    /// Start of broadcast segment `k` on the broadcast clock.
    fn start_us(&self, k: u64) -> u64 {
        let n = self.segments.len() as u64;
        let cycle: u64 = self.cycle_us();
        let offset: u64 = self.segments[..(k % n) as usize].iter().map(|s| s.duration_us).sum();
        (k / n) * cycle + offset
    }

    fn end_us(&self, k: u64) -> u64 {
        self.start_us(k) + self.segment(k).duration_us
    }

    fn cycle_us(&self) -> u64 {
        self.segments.iter().map(|s| s.duration_us).sum()
    }

    fn segment(&self, k: u64) -> &SourceSegment {
        &self.segments[(k % self.segments.len() as u64) as usize]
    }

    /// How many broadcast segments have ended by broadcast time `edge_us`.
    fn published(&self, edge_us: u64) -> u64 {
        let n = self.segments.len() as u64;
        let full_cycles = edge_us / self.cycle_us();
        let mut count = full_cycles * n;
        while self.end_us(count) <= edge_us {
            count += 1;
        }
        count
    }
}

/// The live playlist at `elapsed_real_s` real seconds after the broadcast started at `epoch_unix_ms`
/// (wall clock). Each segment URI becomes `<k>/<source uri>` (`<k>.ts` in LL-HLS mode) so a request names its
/// media sequence number; `segment_query` (the token of the playlist's own options, `o=N`) is appended to it
/// so faults reach the segments. `reload` may ask for a delta update; `reports` are the other renditions'
/// edges, by URI (LL-HLS mode).
///
/// The text is as compact as a packager's, without losing anything a player needs: durations without
/// trailing zeros, program date times only where they cannot be worked out, part byte ranges without the
/// offsets that follow from the previous part.
pub fn render(
    source: &SourcePlaylist,
    options: &LiveOptions,
    elapsed_real_s: f64,
    epoch_unix_ms: i64,
    segment_query: &str,
    reload: &Reload,
    reports: &[(String, Edge)],
) -> String {
    let n = source.segments.len() as u64;
    let window = options.window as u64;
    let backlog_us = source.backlog_us(options);
    let edge_us = source.edge_us(options, elapsed_real_s);
    let published = source.published(edge_us);
    let first = if options.event {
        0
    } else {
        published.saturating_sub(window)
    };
    let low_latency = source.low_latency();
    let target_us = source.target_duration * MICROS as u64;
    let skip_until_us = 6 * target_us;

    let mut out = String::from("#EXTM3U\n");
    // EXT-X-SKIP needs version 9, which every LL-HLS client reads.
    match (low_latency, source.version) {
        (true, _) => out.push_str("#EXT-X-VERSION:9\n"),
        (false, Some(version)) => out.push_str(&format!("#EXT-X-VERSION:{version}\n")),
        (false, None) => {}
    }
    out.push_str(&format!("#EXT-X-TARGETDURATION:{}\n", source.target_duration));
    if low_latency {
        let part_target_us = source.part_target_us();
        out.push_str(&format!(
            "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK={},CAN-SKIP-UNTIL={}\n",
            seconds((options.hold_parts * part_target_us as f64).round() as u64),
            seconds(skip_until_us)
        ));
        out.push_str(&format!("#EXT-X-PART-INF:PART-TARGET={}\n", seconds(part_target_us)));
    }
    out.push_str(&format!("#EXT-X-MEDIA-SEQUENCE:{first}\n"));
    // Segment k belongs to loop k / n; the first segment of the window carries no discontinuity tag of its
    // own, its loop count is the discontinuity sequence.
    out.push_str(&format!("#EXT-X-DISCONTINUITY-SEQUENCE:{}\n", first / n));
    if options.event {
        out.push_str("#EXT-X-PLAYLIST-TYPE:EVENT\n");
    }
    if source.independent_segments {
        out.push_str("#EXT-X-INDEPENDENT-SEGMENTS\n");
    }
    if let Some(map) = &source.map {
        out.push_str(map);
        out.push('\n');
    }
    // A delta update leaves out the segments that ended more than CAN-SKIP-UNTIL before the edge.
    let skipped = if low_latency && reload.skip {
        (first..published)
            .take_while(|k| source.end_us(*k) + skip_until_us <= edge_us)
            .count() as u64
    } else {
        0
    };
    if skipped > 0 {
        out.push_str(&format!("#EXT-X-SKIP:SKIPPED-SEGMENTS={skipped}\n"));
    }
    // Segment k is `<k>/<source uri>`, so that a request names its media sequence number; in LL-HLS mode,
    // where the source segments are plain files beside the playlist, `<k>.ts`, the way packagers number
    // them (a playlist there lists a URI per part: two dozen of them). `segment_query` carries the options.
    let uri_of = |k: u64| {
        let uri = &source.segment(k).uri;
        let path = match (source.content, low_latency) {
            (Content::Audio, _) => format!("{k}.aac"),
            (_, true) => short_name(k, uri),
            (_, false) => format!("{k}/{uri}"),
        };
        match segment_query {
            "" => path,
            query => format!("{path}{}{query}", if path.contains('?') { '&' } else { '?' }),
        }
    };
    let segment_head = |out: &mut String, k: u64| {
        let restart = k > first && k % n == 0;
        if restart {
            out.push_str("#EXT-X-DISCONTINUITY\n");
        }
        // Wall-clock time of the segment's first frame, where a player cannot work it out: on the first
        // segment of the playlist, and where timestamps jump (a discontinuity). Every other segment starts
        // where the one before it ended, its date the previous one's plus that one's EXTINF, as players
        // derive it. (A delta update skips the first segment with its tags: the client holds it.)
        let discontinuous = restart || source.segment(k).tags.iter().any(|t| t == "#EXT-X-DISCONTINUITY");
        if k == first || discontinuous {
            // The broadcast clock runs from the epoch, which is when the backlog ended.
            let start_ms = epoch_unix_ms + (source.start_us(k) as i64 - backlog_us as i64) / 1000;
            out.push_str(&format!("#EXT-X-PROGRAM-DATE-TIME:{}\n", iso8601_utc(start_ms)));
        }
    };
    let part_lines = |out: &mut String, k: u64, count: usize| {
        for (index, part) in source.segment(k).parts[..count].iter().enumerate() {
            // Parts of a segment tile its file: after the first, a range starts where the previous part of
            // the same URI ended, and RFC 8216bis lets the offset go unsaid then.
            let range = match index {
                0 => format!("{}@{}", part.len, part.offset),
                _ => part.len.to_string(),
            };
            out.push_str(&format!(
                "#EXT-X-PART:DURATION={},URI=\"{}\",BYTERANGE=\"{range}\"{}{}\n",
                seconds(part.duration_us),
                uri_of(k),
                if part.independent { ",INDEPENDENT=YES" } else { "" },
                if options.gaps.contains(k) { ",GAP=YES" } else { "" }
            ));
        }
    };
    for k in first + skipped..published {
        let segment = source.segment(k);
        segment_head(&mut out, k);
        // Parts are listed while they are within three target durations of the live edge: RFC 8216bis
        // §6.2.2 has them removed once they are further (players play parts only near the edge, whole
        // segments behind it). A segment's parts go together, once its first part is further.
        if source.start_us(k) + 3 * target_us > edge_us {
            part_lines(&mut out, k, segment.parts.len());
        }
        if options.gaps.contains(k) {
            out.push_str("#EXT-X-GAP\n");
        }
        // The duration to the microsecond the clock counts in, without trailing zeros (`2`, not `2.000000`).
        out.push_str(&format!("#EXTINF:{},{}\n", seconds(segment.duration_us), segment.title));
        for tag in &segment.tags {
            out.push_str(tag);
            out.push('\n');
        }
        out.push_str(&uri_of(k));
        out.push('\n');
    }
    if low_latency {
        // The segment in progress: its published parts, then a hint of the next part.
        let in_progress = source.parts_published(published, edge_us);
        if in_progress > 0 {
            segment_head(&mut out, published);
            part_lines(&mut out, published, in_progress);
        }
        let (k, index) = match source.segment(published).parts.len() > in_progress {
            true => (published, in_progress),
            false => (published + 1, 0),
        };
        let next = source.segment(k).parts[index];
        // BYTERANGE-START is 0 when absent.
        let start = match next.offset {
            0 => String::new(),
            offset => format!(",BYTERANGE-START={offset}"),
        };
        out.push_str(&format!(
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"{}\"{start},BYTERANGE-LENGTH={}\n",
            uri_of(k),
            next.len
        ));
        for (uri, edge) in reports {
            out.push_str(&format!(
                "#EXT-X-RENDITION-REPORT:URI=\"{uri}\",LAST-MSN={},LAST-PART={}\n",
                edge.last_msn, edge.last_part
            ));
        }
    }
    out
}

/// The name of broadcast segment `k` in LL-HLS mode, whose source segment file is `uri`: `<k>.<extension>`.
pub fn short_name(k: u64, uri: &str) -> String {
    match uri.rsplit_once('.') {
        Some((_, extension)) => format!("{k}.{extension}"),
        None => k.to_string(),
    }
}

/// The media sequence number a [`short_name`] stands for.
pub fn short_name_number(name: &str) -> Option<u64> {
    name.split_once('.').map_or(name, |(number, _)| number).parse().ok()
}

/// Seconds with up to six decimals, trailing zeros left out.
fn seconds(us: u64) -> String {
    let fraction = format!("{:06}", us % 1_000_000);
    match fraction.trim_end_matches('0') {
        "" => format!("{}", us / 1_000_000),
        digits => format!("{}.{digits}", us / 1_000_000),
    }
}

/// Whether a playlist is a master playlist (it lists variants, not segments).
pub fn is_master(text: &str) -> bool {
    text.lines().any(|line| line.starts_with("#EXT-X-STREAM-INF"))
}

/// A master playlist served under `/live/`: the variant URIs (relative, so they resolve to `/live/...` too)
/// get the master's query string, so every variant runs on the same broadcast clock with the same faults.
/// In LL-HLS mode the query also lists the variants, for each to report the others' edges.
///
/// With `separate_audio` (the channel count of the audio), the audio is a rendition of its own: the
/// [`AUDIO_RENDITIONS`], beside the first variant's playlist, in a group `audio` that every variant names.
pub fn rewrite_master(text: &str, query: &str, low_latency: bool, separate_audio: Option<u8>) -> String {
    let variants: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect();
    let listed;
    let query = if low_latency {
        listed = format!("{query}&renditions={}", variants.join(","));
        &listed
    } else {
        query
    };
    let with_query = |uri: &str| match query {
        "" => uri.to_owned(),
        query => format!("{uri}{}{query}", if uri.contains('?') { '&' } else { '?' }),
    };
    let mut out = String::new();
    let mut audio_listed = false;
    for line in text.lines() {
        let line = line.trim();
        let is_uri = !line.is_empty() && !line.starts_with('#');
        match separate_audio {
            Some(channels) if line.starts_with("#EXT-X-STREAM-INF:") => {
                if !audio_listed {
                    let folder = variants[0].rsplit_once('/').map_or("", |(folder, _)| folder);
                    for (index, (file, name, language)) in AUDIO_RENDITIONS.iter().enumerate() {
                        let uri = with_query(&format!("{folder}{}{file}", if folder.is_empty() { "" } else { "/" }));
                        let default = if index == 0 { "YES" } else { "NO" };
                        out.push_str(&format!(
                            "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"{name}\",LANGUAGE=\"{language}\",\
                             DEFAULT={default},AUTOSELECT=YES,CHANNELS=\"{channels}\",URI=\"{uri}\"\n"
                        ));
                    }
                    audio_listed = true;
                }
                out.push_str(line);
                out.push_str(",AUDIO=\"audio\"");
            }
            _ if is_uri => out.push_str(&with_query(line)),
            _ => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for a Unix time in milliseconds (proleptic Gregorian calendar, UTC).
pub fn iso8601_utc(unix_ms: i64) -> String {
    let days = unix_ms.div_euclid(86_400_000);
    let ms_of_day = unix_ms.rem_euclid(86_400_000);
    // Civil-from-days: count 400-year eras from 0000-03-01, so leap days fall at the end of a year.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        ms_of_day / 3_600_000,
        ms_of_day / 60_000 % 60,
        ms_of_day / 1000 % 60,
        ms_of_day % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::{Options, SegmentSet};

    const VOD: &str = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n\
        #EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2.000000,\nseg0.m4s\n\
        #EXTINF:2.000000,\nseg1.m4s\n#EXTINF:1.500000,\nseg2.m4s\n#EXT-X-ENDLIST\n";

    fn options(window: usize, event: bool) -> LiveOptions {
        LiveOptions {
            window,
            event,
            speed: 1.0,
            freeze_after: None,
            part_us: None,
            hold_parts: 3.0,
            renditions: Vec::new(),
            separate_audio: false,
            gaps: SegmentSet::default(),
        }
    }

    fn uris(playlist: &str) -> Vec<&str> {
        playlist.lines().filter(|l| !l.starts_with('#')).collect()
    }

    fn tag<'a>(playlist: &'a str, name: &str) -> &'a str {
        playlist.lines().find_map(|l| l.strip_prefix(name)).unwrap()
    }

    #[test]
    fn parses_a_vod_playlist() {
        let source = SourcePlaylist::parse(VOD).unwrap();
        assert_eq!(source.segments.len(), 3);
        assert_eq!(source.cycle_us(), 5_500_000);
        assert_eq!(source.map.as_deref(), Some("#EXT-X-MAP:URI=\"init.mp4\""));
        assert!(SourcePlaylist::parse("#EXTM3U\n").is_err());
        assert!(SourcePlaylist::parse("hello").is_err());
        assert!(SourcePlaylist::parse("#EXTM3U\n#EXTINF:NaN,\na.ts\n").is_err());
        assert!(SourcePlaylist::parse("#EXTM3U\na.ts\n").is_err());
    }

    #[test]
    fn starts_with_a_backlog_of_one_window() {
        let source = SourcePlaylist::parse(VOD).unwrap();
        let playlist = render(&source, &options(4, false), 0.0, 0, "", &Reload::default(), &[]);
        assert_eq!(
            uris(&playlist),
            ["0/seg0.m4s", "1/seg1.m4s", "2/seg2.m4s", "3/seg0.m4s"]
        );
        assert_eq!(tag(&playlist, "#EXT-X-MEDIA-SEQUENCE:"), "0");
        // The loop restarts at k = 3: timestamps jump back, so the tag is required.
        assert!(playlist.contains("seg2.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME"));
        assert!(!playlist.contains("ENDLIST"));
    }

    #[test]
    fn the_window_slides_one_segment_per_segment_duration() {
        let source = SourcePlaylist::parse(VOD).unwrap();
        // Segment 4 (seg1, 2 s) ends 2 s after the backlog (which ended with segment 3).
        let before = render(&source, &options(4, false), 1.999, 0, "", &Reload::default(), &[]);
        let after = render(&source, &options(4, false), 2.0, 0, "", &Reload::default(), &[]);
        assert_eq!(tag(&before, "#EXT-X-MEDIA-SEQUENCE:"), "0");
        assert_eq!(tag(&after, "#EXT-X-MEDIA-SEQUENCE:"), "1");
        assert_eq!(uris(&after).last(), Some(&"4/seg1.m4s"));
        // Later, once the window has moved past the discontinuity, its count moves to the sequence tag.
        let later = render(&source, &options(2, false), 60.0, 0, "", &Reload::default(), &[]);
        let first: u64 = tag(&later, "#EXT-X-MEDIA-SEQUENCE:").parse().unwrap();
        let discontinuities: u64 = tag(&later, "#EXT-X-DISCONTINUITY-SEQUENCE:").parse().unwrap();
        assert_eq!(discontinuities, first / 3);
    }

    #[test]
    fn speed_freeze_and_event_mode() {
        let source = SourcePlaylist::parse(VOD).unwrap();
        let fast = LiveOptions {
            speed: 10.0,
            ..options(4, false)
        };
        assert_eq!(
            tag(
                &render(&source, &fast, 0.2, 0, "", &Reload::default(), &[]),
                "#EXT-X-MEDIA-SEQUENCE:"
            ),
            "1"
        );
        let frozen = LiveOptions {
            freeze_after: Some(1.0),
            ..fast
        };
        assert_eq!(
            render(&source, &frozen, 5.0, 0, "", &Reload::default(), &[]),
            render(&source, &frozen, 50.0, 0, "", &Reload::default(), &[])
        );
        let event = render(&source, &options(4, true), 20.0, 0, "", &Reload::default(), &[]);
        assert_eq!(tag(&event, "#EXT-X-MEDIA-SEQUENCE:"), "0");
        assert_eq!(tag(&event, "#EXT-X-PLAYLIST-TYPE:"), "EVENT");
        // 20 s after the backlog: segments 4..=14 have ended (5.5 s per loop of three).
        assert_eq!(uris(&event).len(), 4 + 11);
    }

    #[test]
    fn program_date_time_follows_the_broadcast_clock() {
        let source = SourcePlaylist::parse(VOD).unwrap();
        let epoch = 1_800_000_000_000; // 2027-01-15T08:00:00Z
        let playlist = render(
            &source,
            &options(4, false),
            0.0,
            epoch,
            "kbps=100",
            &Reload::default(),
            &[],
        );
        let dates: Vec<_> = playlist
            .lines()
            .filter_map(|l| l.strip_prefix("#EXT-X-PROGRAM-DATE-TIME:"))
            .collect();
        // The backlog of 2 + 2 + 1.5 + 2 s ends at the epoch. Dated: the first segment, and the one after the
        // loop's discontinuity; the others start where the one before them ended.
        assert_eq!(dates, ["2027-01-15T07:59:52.500Z", "2027-01-15T07:59:58.000Z"]);
        assert!(playlist.contains("#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2027-01-15T07:59:58.000Z\n"));
        assert_eq!(uris(&playlist)[0], "0/seg0.m4s?kbps=100");
        // Durations without trailing zeros.
        assert_eq!(
            playlist
                .lines()
                .filter(|l| l.starts_with("#EXTINF:"))
                .collect::<Vec<_>>(),
            ["#EXTINF:2,", "#EXTINF:2,", "#EXTINF:1.5,", "#EXTINF:2,"]
        );
    }

    #[test]
    fn a_player_dates_every_segment_from_the_dated_ones() {
        // Later in the broadcast, in LL-HLS mode, a full playlist and a delta update after it, merged as
        // reelcut's player merges them: every segment's wall-clock time is the broadcast clock's.
        let (source, options) = low_latency(40);
        let epoch = 1_800_000_000_000;
        let at = 7.5;
        let full = render(&source, &options, at, epoch, "o=1", &Reload::default(), &[]);
        let mut window = reelcut::hls::live::LiveWindow::new(&parse(&full));
        let skip = Reload {
            skip: true,
            ..Reload::default()
        };
        let delta = render(&source, &options, at + 2.5, epoch, "o=1", &skip, &[]);
        assert!(delta.contains("#EXT-X-SKIP:"));
        window.merge(&parse(&delta));
        let first: u64 = tag(&full, "#EXT-X-MEDIA-SEQUENCE:").parse().unwrap();
        let backlog = source.backlog_us(&options) as i64;
        for timed in window.segments() {
            let k = timed.segment.sequence;
            let expected = epoch + (source.start_us(k) as i64 - backlog) / 1000;
            assert_eq!(window.wall_clock_at(timed.start), Some(expected as f64), "segment {k}");
            // Dated in the text only where a player could not work it out.
            let dated = timed.segment.program_date_time.is_some();
            assert_eq!(dated, k == first || k % 3 == 0, "segment {k}");
        }
        assert!(window.segments().len() > 40);
    }

    #[test]
    fn master_playlists_pass_the_query_to_variants() {
        let master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n../a/index.m3u8\n";
        assert!(is_master(master));
        assert!(!is_master(VOD));
        assert_eq!(
            rewrite_master(master, "speed=4", false, None),
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n../a/index.m3u8?speed=4\n"
        );
    }

    /// The `hls_ts` fixture (three 2 s MPEG-TS segments, keyframes every second) in LL-HLS mode, parts of 1/3 s.
    fn low_latency(window: usize) -> (SourcePlaylist, LiveOptions) {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hls_ts");
        let mut source = SourcePlaylist::parse(&std::fs::read_to_string(folder.join("index.m3u8")).unwrap()).unwrap();
        source.cut_parts(&folder, 333_000).unwrap();
        let options = LiveOptions {
            part_us: Some(333_000),
            ..options(window, false)
        };
        (source, options)
    }

    fn parse(text: &str) -> reelcut::hls::playlist::MediaPlaylist {
        match reelcut::hls::playlist::parse(text, "http://localhost/live/hls_ts/index.m3u8").unwrap() {
            reelcut::hls::playlist::Playlist::Media(playlist) => playlist,
            other => panic!("not a media playlist: {other:?}"),
        }
    }

    #[test]
    fn low_latency_playlists_publish_parts_as_the_clock_passes_them() {
        let (source, options) = low_latency(4);
        // Half a second after the backlog (segments 0-3) ended: one part of segment 4 is out.
        let text = render(&source, &options, 0.5, 0, "", &Reload::default(), &[]);
        let playlist = parse(&text);
        assert!(text.starts_with("#EXTM3U\n#EXT-X-VERSION:9\n"));
        assert!(playlist.server_control.can_block_reload);
        assert_eq!(playlist.server_control.part_hold_back, Some(1.002));
        assert_eq!(playlist.server_control.can_skip_until, Some(12.0));
        // `hold=2`: the least PART-HOLD-BACK RFC 8216bis allows, two part targets.
        let closer = LiveOptions {
            hold_parts: 2.0,
            ..options.clone()
        };
        let text_closer = render(&source, &closer, 0.5, 0, "", &Reload::default(), &[]);
        assert_eq!(parse(&text_closer).server_control.part_hold_back, Some(0.668));
        assert_eq!(playlist.part_target, Some(0.334));
        assert_eq!(playlist.segments.len(), 4);
        // Parts are listed for the segments that started in the last three target durations (6 s before the
        // edge at 8.5 s): 4-6 s and 6-8 s.
        let listed: Vec<usize> = playlist.segments.iter().map(|s| s.parts.len()).collect();
        assert_eq!(listed, [0, 0, 6, 6]);
        assert_eq!(playlist.partial.len(), 1);
        assert!(playlist.partial[0].independent && playlist.partial[0].uri.ends_with("/hls_ts/4.ts"));
        let hint = &playlist.preload_hints[0];
        assert!(hint.uri.ends_with("/hls_ts/4.ts"));
        let parts = &source.segment(4).parts;
        assert_eq!((hint.start, hint.len), (parts[1].offset, Some(parts[1].len)));
        // A segment's parts tile its file and its duration; every part fits the part target.
        let segment = &playlist.segments[3];
        assert_eq!(
            segment.parts.iter().map(|p| p.range.unwrap().len).sum::<u64>(),
            std::fs::metadata(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hls_ts/seg0.ts"))
                .unwrap()
                .len()
        );
        assert!((segment.parts.iter().map(|p| p.duration).sum::<f64>() - segment.duration).abs() < 1e-6);
        assert!(segment.parts.iter().all(|p| p.duration <= 0.334));
        // One part later, the hint has become a part.
        let later = parse(&render(&source, &options, 0.67, 0, "", &Reload::default(), &[]));
        assert_eq!(later.partial.len(), 2);
        assert_eq!(later.partial[1].range.unwrap().start, parts[1].offset);
        assert_eq!(
            source.edge(source.edge_us(&options, 0.67)),
            Edge {
                last_msn: 4,
                last_part: 1
            }
        );
    }

    #[test]
    fn blocking_reload_times_and_the_edge() {
        let (source, options) = low_latency(4);
        let backlog = source.end_us(3);
        assert_eq!(backlog, 8_000_000);
        assert_eq!(source.published_at_us(4, Some(0)), 8_333_333);
        assert_eq!(source.published_at_us(4, Some(5)), 10_000_000);
        assert_eq!(source.published_at_us(4, None), 10_000_000);
        assert_eq!(source.real_s_at(&options, 8_333_333), Some(0.333333));
        assert_eq!(
            source.edge(backlog),
            Edge {
                last_msn: 3,
                last_part: 5
            }
        );
        // The part holding a byte is published when that part ends.
        let parts = &source.segment(4).parts;
        assert_eq!(source.byte_published_at_us(4, 0), 8_333_333);
        assert_eq!(source.byte_published_at_us(4, parts[2].offset), 9_000_000);
    }

    #[test]
    fn delta_updates_skip_what_is_older_than_can_skip_until() {
        let (source, low) = low_latency(40);
        let options = &low;
        let full = render(&source, options, 0.0, 0, "", &Reload::default(), &[]);
        let skip = Reload {
            skip: true,
            ..Reload::default()
        };
        let delta = render(&source, options, 0.0, 0, "", &skip, &[]);
        // 40 segments of 2 s: those ending 12 s or more before the edge (80 s) are skipped.
        assert!(delta.contains("#EXT-X-SKIP:SKIPPED-SEGMENTS=34\n"));
        assert_eq!(parse(&delta).skip.unwrap().skipped_segments, 34);
        assert_eq!(parse(&delta).segments.len(), 6);
        // Each skipped segment took at least its EXTINF and URI lines (`#EXTINF:2,` and `12.ts`).
        assert!(
            delta.len() + 34 * 17 < full.len(),
            "delta {} bytes, full {}",
            delta.len(),
            full.len()
        );
        // A delta update costs the same however long the window is.
        let (source_long, long) = low_latency(4000);
        let long_delta = render(&source_long, &long, 0.0, 0, "", &skip, &[]);
        assert_eq!(parse(&long_delta).segments.len(), 6);
        assert!(
            long_delta.len() < delta.len() + 64,
            "{} bytes for 4000 segments",
            long_delta.len()
        );
        // Without the directive, or outside LL-HLS mode, the playlist is whole.
        let plain = render(
            &SourcePlaylist::parse(VOD).unwrap(),
            &super::tests::options(40, false),
            0.0,
            0,
            "",
            &skip,
            &[],
        );
        assert!(!plain.contains("EXT-X-SKIP") && !plain.contains("EXT-X-PART"));
    }

    #[test]
    fn parts_after_the_first_of_a_segment_leave_their_offset_unsaid() {
        let (source, options) = low_latency(4);
        let text = render(&source, &options, 1.9, 0, "o=7", &Reload::default(), &[]);
        let parts = &source.segment(4).parts;
        let lines: Vec<&str> = text.lines().filter(|l| l.contains("URI=\"4.ts?o=7\"")).collect();
        assert_eq!(lines.len(), 6, "{text}");
        assert_eq!(
            lines[0],
            format!(
                "#EXT-X-PART:DURATION=0.333333,URI=\"4.ts?o=7\",BYTERANGE=\"{}@0\",INDEPENDENT=YES",
                parts[0].len
            )
        );
        assert_eq!(
            lines[1],
            format!(
                "#EXT-X-PART:DURATION=0.333333,URI=\"4.ts?o=7\",BYTERANGE=\"{}\"",
                parts[1].len
            )
        );
        // The hint of the next part states where it starts (it follows no listed part); a hint at the start
        // of a file leaves BYTERANGE-START (0) unsaid.
        assert!(lines[5].starts_with("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"4.ts?o=7\",BYTERANGE-START="));
        let start = render(&source, &options, 0.0, 0, "o=7", &Reload::default(), &[]);
        assert!(start.contains(&format!(
            "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"4.ts?o=7\",BYTERANGE-LENGTH={}\n",
            parts[0].len
        )));
        // Read back, the ranges are the parts' own.
        let playlist = parse(&text);
        let read: Vec<(u64, u64)> = playlist
            .partial
            .iter()
            .map(|p| p.range.map(|r| (r.start, r.len)).unwrap())
            .collect();
        let cut: Vec<(u64, u64)> = parts[..5].iter().map(|p| (p.offset, p.len)).collect();
        assert_eq!(read, cut);
        let segment = &playlist.segments[3];
        let read: Vec<u64> = segment.parts.iter().map(|p| p.range.unwrap().start).collect();
        let cut: Vec<u64> = source.segment(3).parts.iter().map(|p| p.offset).collect();
        assert_eq!(read, cut);
    }

    #[test]
    fn a_gap_segment_is_listed_as_one_with_its_parts() {
        let (source, mut options) = low_latency(4);
        options.gaps = Options::parse("gap=3").unwrap().live.gaps;
        let playlist = parse(&render(&source, &options, 1.9, 0, "o=7", &Reload::default(), &[]));
        let gaps: Vec<(u64, bool, bool)> = playlist
            .segments
            .iter()
            .map(|s| (s.sequence, s.gap, !s.parts.is_empty() && s.parts.iter().all(|p| p.gap)))
            .collect();
        assert_eq!(
            gaps,
            [(0, false, false), (1, false, false), (2, false, false), (3, true, true)]
        );
    }

    #[test]
    fn a_delta_update_of_a_four_hour_window_is_under_two_kilobytes() {
        // `?part=0.333&window=7200`: 7200 segments of 2 s. Whatever the moment (every part of a 6 s loop of
        // the source, with its discontinuities), with a two-digit option token.
        let (source, options) = low_latency(7200);
        let skip = Reload {
            skip: true,
            ..Reload::default()
        };
        let sizes: Vec<usize> = (0..=36)
            .map(|step| render(&source, &options, step as f64 / 6.0, 0, "o=42", &skip, &[]).len())
            .collect();
        let largest = *sizes.iter().max().unwrap();
        assert!(largest < 2000, "delta updates of {sizes:?} bytes");
        // The whole playlist: under 50 bytes a segment (it was 121 with a date on each and the options spelled
        // out in each URI).
        let full = render(&source, &options, 0.0, 0, "o=42", &Reload::default(), &[]).len();
        assert!(full < 7200 * 50, "a full reload of {full} bytes");
    }

    #[test]
    fn rendition_reports_and_the_master_in_low_latency_mode() {
        let (source, options) = low_latency(4);
        let reports = [(
            "../hls_low/index.m3u8".to_owned(),
            Edge {
                last_msn: 4,
                last_part: 0,
            },
        )];
        let playlist = parse(&render(
            &source,
            &options,
            0.5,
            0,
            "part=0.333",
            &Reload::default(),
            &reports,
        ));
        let report = &playlist.rendition_reports[0];
        assert!(report.uri.ends_with("/live/hls_low/index.m3u8"));
        assert_eq!((report.last_msn, report.last_part), (Some(4), Some(0)));
        assert!(playlist.partial[0].uri.ends_with("/4.ts?part=0.333"));
        let master =
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n../a/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2\n../b/index.m3u8\n";
        assert!(rewrite_master(master, "part=0.333", true, None)
            .contains("../a/index.m3u8?part=0.333&renditions=../a/index.m3u8,../b/index.m3u8\n"));
    }

    #[test]
    fn a_separate_audio_rendition() {
        let master =
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n../a/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=2\n../b/index.m3u8\n";
        let rewritten = rewrite_master(master, "audio=separate", false, Some(2));
        assert_eq!(
            rewritten,
            "#EXTM3U\n\
             #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=YES,AUTOSELECT=YES,\
             CHANNELS=\"2\",URI=\"../a/audio_en.m3u8?audio=separate\"\n\
             #EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"audio\",NAME=\"Deutsch\",LANGUAGE=\"de\",DEFAULT=NO,AUTOSELECT=YES,\
             CHANNELS=\"2\",URI=\"../a/audio_de.m3u8?audio=separate\"\n\
             #EXT-X-STREAM-INF:BANDWIDTH=1,AUDIO=\"audio\"\n../a/index.m3u8?audio=separate\n\
             #EXT-X-STREAM-INF:BANDWIDTH=2,AUDIO=\"audio\"\n../b/index.m3u8?audio=separate\n"
        );
        // The audio playlist: the video's segments and times, `<k>.aac` URIs, parts of whole AAC frames.
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hls_ts");
        let text = std::fs::read_to_string(folder.join("index.m3u8")).unwrap();
        let (video, options) = low_latency(4);
        let mut audio = SourcePlaylist::parse(&text).unwrap();
        audio.set_content(Content::Audio).unwrap();
        audio.cut_parts(&folder, 333_000).unwrap();
        let audio_text = render(&audio, &options, 0.7, 0, "o=1", &Reload::default(), &[]);
        let video_text = render(&video, &options, 0.7, 0, "o=1", &Reload::default(), &[]);
        let (audio_playlist, video_playlist) = (parse(&audio_text), parse(&video_text));
        assert_eq!(uris(&audio_text), ["0.aac?o=1", "1.aac?o=1", "2.aac?o=1", "3.aac?o=1"]);
        let times = |p: &reelcut::hls::playlist::MediaPlaylist| {
            p.segments
                .iter()
                .map(|s| (s.sequence, s.duration, s.program_date_time))
                .collect::<Vec<_>>()
        };
        assert_eq!(times(&audio_playlist), times(&video_playlist));
        assert_eq!(audio_playlist.part_target, Some(0.32));
        assert_eq!(audio_playlist.partial.len(), 2);
        assert!(audio_playlist
            .partial
            .iter()
            .all(|p| p.independent && p.duration == 0.32));
        // Only MPEG-TS segment files can be split.
        let fmp4 = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hls_fmp4/index.m3u8");
        let mut source = SourcePlaylist::parse(&std::fs::read_to_string(fmp4).unwrap()).unwrap();
        assert!(source.set_content(Content::VideoOnly).unwrap_err().contains("MPEG-TS"));
    }

    #[test]
    fn low_latency_needs_transport_stream_segments() {
        let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hls_fmp4");
        let mut source = SourcePlaylist::parse(&std::fs::read_to_string(folder.join("index.m3u8")).unwrap()).unwrap();
        assert!(source.cut_parts(&folder, 333_000).unwrap_err().contains("MPEG-TS"));
    }

    #[test]
    fn seconds_text() {
        assert_eq!(seconds(12_000_000), "12");
        assert_eq!(seconds(334_000), "0.334");
        assert_eq!(seconds(1_000_001), "1.000001");
    }

    #[test]
    fn dates() {
        assert_eq!(iso8601_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601_utc(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601_utc(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso8601_utc(1_795_776_245_123), "2026-11-27T10:44:05.123Z");
    }
}
