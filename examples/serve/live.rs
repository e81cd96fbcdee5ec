//! A live HLS broadcast simulated from a VOD media playlist.
//!
//! The VOD's segments are played in a loop, forever: broadcast segment `k` is source segment `k % n`, and an
//! `EXT-X-DISCONTINUITY` marks each restart of the loop (timestamps jump back there). Segment `k` is
//! published once the broadcast clock passes its end. At the start the broadcast already has a backlog of
//! `window` segments, so a player can join three target durations behind the edge at once.
//!
//! Times are whole microseconds so that no rounding drift accumulates over a long-running broadcast.

use crate::options::LiveOptions;

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
}

#[derive(Debug, Clone, PartialEq)]
struct SourceSegment {
    duration_us: u64,
    /// The `#EXTINF` line as written, title included.
    extinf: String,
    /// Other tags that apply to this segment only (e.g. `EXT-X-BYTERANGE`).
    tags: Vec<String>,
    uri: String,
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
                pending = Some((duration_us, line.to_owned()));
            } else if WRITTEN_BY_LIVE.iter().any(|tag| line.starts_with(tag)) {
                continue;
            } else if line.starts_with("#EXT") {
                pending_tags.push(line.to_owned());
            } else if !line.starts_with('#') {
                let (duration_us, extinf) = pending
                    .take()
                    .ok_or_else(|| format!("segment {line:?} has no #EXTINF"))?;
                playlist.segments.push(SourceSegment {
                    duration_us,
                    extinf,
                    tags: std::mem::take(&mut pending_tags),
                    uri: line.to_owned(),
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
/// (wall clock). Each segment URI becomes `<k>/<source uri>` so a request names its media sequence number;
/// `segment_query` (the playlist's own query string) is appended to it so faults reach the segments.
pub fn render(
    source: &SourcePlaylist,
    options: &LiveOptions,
    elapsed_real_s: f64,
    epoch_unix_ms: i64,
    segment_query: &str,
) -> String {
    let n = source.segments.len() as u64;
    let window = options.window as u64;
    let backlog_us = source.end_us(window - 1);
    let running_s = options.freeze_after.map_or(elapsed_real_s, |f| elapsed_real_s.min(f));
    let edge_us = backlog_us + (running_s.max(0.0) * options.speed * MICROS) as u64;
    let published = source.published(edge_us);
    let first = if options.event {
        0
    } else {
        published.saturating_sub(window)
    };

    let mut out = String::from("#EXTM3U\n");
    if let Some(version) = source.version {
        out.push_str(&format!("#EXT-X-VERSION:{version}\n"));
    }
    out.push_str(&format!("#EXT-X-TARGETDURATION:{}\n", source.target_duration));
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
    let separator = |uri: &str| if uri.contains('?') { '&' } else { '?' };
    for k in first..published {
        let segment = source.segment(k);
        if k > first && k % n == 0 {
            out.push_str("#EXT-X-DISCONTINUITY\n");
        }
        // Wall-clock time of the segment's first frame: the broadcast clock runs from the epoch, which is
        // when the backlog ended.
        let start_ms = epoch_unix_ms + (source.start_us(k) as i64 - backlog_us as i64) / 1000;
        out.push_str(&format!("#EXT-X-PROGRAM-DATE-TIME:{}\n", iso8601_utc(start_ms)));
        out.push_str(&segment.extinf);
        out.push('\n');
        for tag in &segment.tags {
            out.push_str(tag);
            out.push('\n');
        }
        out.push_str(&format!("{k}/{}", segment.uri));
        if !segment_query.is_empty() {
            out.push(separator(&segment.uri));
            out.push_str(segment_query);
        }
        out.push('\n');
    }
    out
}

/// Whether a playlist is a master playlist (it lists variants, not segments).
pub fn is_master(text: &str) -> bool {
    text.lines().any(|line| line.starts_with("#EXT-X-STREAM-INF"))
}

/// A master playlist served under `/live/`: the variant URIs (relative, so they resolve to `/live/...` too)
/// get the master's query string, so every variant runs on the same broadcast clock with the same faults.
pub fn rewrite_master(text: &str, query: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = line.trim();
        let is_uri = !line.is_empty() && !line.starts_with('#');
        out.push_str(line);
        if is_uri && !query.is_empty() {
            out.push(if line.contains('?') { '&' } else { '?' });
            out.push_str(query);
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

    const VOD: &str = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n\
        #EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:2.000000,\nseg0.m4s\n\
        #EXTINF:2.000000,\nseg1.m4s\n#EXTINF:1.500000,\nseg2.m4s\n#EXT-X-ENDLIST\n";

    fn options(window: usize, event: bool) -> LiveOptions {
        LiveOptions {
            window,
            event,
            speed: 1.0,
            freeze_after: None,
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
        let playlist = render(&source, &options(4, false), 0.0, 0, "");
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
        let before = render(&source, &options(4, false), 1.999, 0, "");
        let after = render(&source, &options(4, false), 2.0, 0, "");
        assert_eq!(tag(&before, "#EXT-X-MEDIA-SEQUENCE:"), "0");
        assert_eq!(tag(&after, "#EXT-X-MEDIA-SEQUENCE:"), "1");
        assert_eq!(uris(&after).last(), Some(&"4/seg1.m4s"));
        // Later, once the window has moved past the discontinuity, its count moves to the sequence tag.
        let later = render(&source, &options(2, false), 60.0, 0, "");
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
        assert_eq!(tag(&render(&source, &fast, 0.2, 0, ""), "#EXT-X-MEDIA-SEQUENCE:"), "1");
        let frozen = LiveOptions {
            freeze_after: Some(1.0),
            ..fast
        };
        assert_eq!(
            render(&source, &frozen, 5.0, 0, ""),
            render(&source, &frozen, 50.0, 0, "")
        );
        let event = render(&source, &options(4, true), 20.0, 0, "");
        assert_eq!(tag(&event, "#EXT-X-MEDIA-SEQUENCE:"), "0");
        assert_eq!(tag(&event, "#EXT-X-PLAYLIST-TYPE:"), "EVENT");
        // 20 s after the backlog: segments 4..=14 have ended (5.5 s per loop of three).
        assert_eq!(uris(&event).len(), 4 + 11);
    }

    #[test]
    fn program_date_time_follows_the_broadcast_clock() {
        let source = SourcePlaylist::parse(VOD).unwrap();
        let epoch = 1_800_000_000_000; // 2027-01-15T08:00:00Z
        let playlist = render(&source, &options(4, false), 0.0, epoch, "kbps=100");
        let dates: Vec<_> = playlist
            .lines()
            .filter_map(|l| l.strip_prefix("#EXT-X-PROGRAM-DATE-TIME:"))
            .collect();
        // The backlog of 2 + 2 + 1.5 + 2 s ends at the epoch.
        assert_eq!(
            dates,
            [
                "2027-01-15T07:59:52.500Z",
                "2027-01-15T07:59:54.500Z",
                "2027-01-15T07:59:56.500Z",
                "2027-01-15T07:59:58.000Z"
            ]
        );
        assert_eq!(uris(&playlist)[0], "0/seg0.m4s?kbps=100");
    }

    #[test]
    fn master_playlists_pass_the_query_to_variants() {
        let master = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n../a/index.m3u8\n";
        assert!(is_master(master));
        assert!(!is_master(VOD));
        assert_eq!(
            rewrite_master(master, "speed=4"),
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n../a/index.m3u8?speed=4\n"
        );
    }

    #[test]
    fn dates() {
        assert_eq!(iso8601_utc(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601_utc(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso8601_utc(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(iso8601_utc(1_795_776_245_123), "2026-11-27T10:44:05.123Z");
    }
}
