//! HLS playlists (RFC 8216) into plain data, with `hls_m3u8` doing the tag parsing.
//!
//! What this adapter adds to `hls_m3u8`: a pre-check of the values it would panic or overflow on (negative
//! or non-finite `EXTINF`, sequence numbers near the integer limits, absurd sizes), `EXT-X-GAP` (which it
//! does not know), tolerance of `EXTINF` slightly above the target duration (common in the wild),
//! `EXT-X-PROGRAM-DATE-TIME` as a Unix time, and URIs resolved against the playlist's own URI.

use std::borrow::Cow;
use std::time::Duration;

use hls_m3u8::tags::VariantStream;
use hls_m3u8::types::MediaType;

use super::uri::resolve;
use crate::error::{Error, ErrorCode, Result};

/// Longest playlist text accepted (a 24-hour event playlist of 2 s segments is about 5 MB).
pub const MAX_PLAYLIST_BYTES: usize = 16 * 1024 * 1024;
/// Most segments one media playlist may list.
pub const MAX_SEGMENTS: usize = 200_000;
/// Largest media or discontinuity sequence number accepted: a 2 s segment broadcast reaches it after 136
/// years, and `sequence + index` stays inside a 32-bit `usize` (wasm32), where `hls_m3u8` counts them.
pub const MAX_SEQUENCE: u64 = (1 << 31) - 1;
/// Largest byte offset or length accepted in a byte range (256 TiB).
const MAX_BYTE_RANGE: u64 = 1 << 48;
/// Longest segment duration accepted, in seconds.
const MAX_SEGMENT_SECONDS: f64 = 24.0 * 3600.0;

/// A parsed playlist: a master playlist lists variants, a media playlist lists segments.
#[derive(Debug, Clone, PartialEq)]
pub enum Playlist {
    /// Variants of one presentation.
    Master(MasterPlaylist),
    /// The segments of one rendition.
    Media(MediaPlaylist),
}

/// A master playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct MasterPlaylist {
    /// The variant streams (`EXT-X-STREAM-INF`), in playlist order.
    pub variants: Vec<Variant>,
    /// Alternative renditions (`EXT-X-MEDIA`).
    pub renditions: Vec<Rendition>,
}

/// One variant stream.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Media playlist URI, resolved against the master's.
    pub uri: String,
    /// Peak bit rate, bits per second.
    pub bandwidth: u64,
    /// Average bit rate, when given.
    pub average_bandwidth: Option<u64>,
    /// Picture size, when given.
    pub resolution: Option<(u32, u32)>,
    /// RFC 6381 codec strings, when given.
    pub codecs: Vec<String>,
    /// Maximum frame rate, when given.
    pub frame_rate: Option<f64>,
    /// The `AUDIO` group whose renditions go with this variant.
    pub audio_group: Option<String>,
}

/// The kind of an alternative rendition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenditionKind {
    /// `TYPE=AUDIO`
    Audio,
    /// `TYPE=VIDEO`
    Video,
    /// `TYPE=SUBTITLES`
    Subtitles,
    /// `TYPE=CLOSED-CAPTIONS`
    ClosedCaptions,
}

/// One alternative rendition (`EXT-X-MEDIA`).
#[derive(Debug, Clone, PartialEq)]
pub struct Rendition {
    /// Audio, video, subtitles or captions.
    pub kind: RenditionKind,
    /// `GROUP-ID`.
    pub group: String,
    /// `NAME`.
    pub name: String,
    /// `LANGUAGE`, when given.
    pub language: Option<String>,
    /// Its media playlist, resolved; `None` when the rendition is muxed into the variant's own stream.
    pub uri: Option<String>,
    /// `DEFAULT=YES`.
    pub is_default: bool,
}

/// A media playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaPlaylist {
    /// `EXT-X-TARGETDURATION`, seconds.
    pub target_duration: f64,
    /// Media sequence number of the first segment.
    pub media_sequence: u64,
    /// Discontinuity sequence number of the first segment.
    pub discontinuity_sequence: u64,
    /// `EXT-X-ENDLIST`: no more segments will be added (VOD, or an ended broadcast).
    pub ended: bool,
    /// `EXT-X-PLAYLIST-TYPE:EVENT`: segments are only ever appended.
    pub is_event: bool,
    /// The segments, in order.
    pub segments: Vec<Segment>,
}

/// A byte range of a resource: `len` bytes from `start`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    /// First byte.
    pub start: u64,
    /// Number of bytes.
    pub len: u64,
}

/// An `EXT-X-MAP` initialization section (fMP4 `moov`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitSection {
    /// Resolved URI.
    pub uri: String,
    /// Part of the resource, when given.
    pub range: Option<ByteRange>,
}

/// One media segment.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Media sequence number.
    pub sequence: u64,
    /// Discontinuity sequence number (counts `EXT-X-DISCONTINUITY` tags since the playlist's start).
    pub discontinuity: u64,
    /// Resolved URI.
    pub uri: String,
    /// `EXTINF` duration, seconds.
    pub duration: f64,
    /// `EXT-X-BYTERANGE`, when the segment is part of a larger resource.
    pub range: Option<ByteRange>,
    /// The initialization section that applies to the segment.
    pub init: Option<InitSection>,
    /// `EXT-X-PROGRAM-DATE-TIME` of the segment's first sample as Unix milliseconds, when tagged.
    pub program_date_time: Option<f64>,
    /// `EXT-X-GAP`: the segment is missing and must not be fetched.
    pub gap: bool,
}

/// Parses a playlist fetched from `uri` (used to resolve relative URIs).
pub fn parse(text: &str, uri: &str) -> Result<Playlist> {
    if text.len() > MAX_PLAYLIST_BYTES {
        return Err(Error::new(ErrorCode::LimitExceeded, "playlist larger than 16 MiB"));
    }
    if !text.trim_start_matches('\u{feff}').trim_start().starts_with("#EXTM3U") {
        return Err(malformed("not an HLS playlist: it does not start with #EXTM3U"));
    }
    let checked = pre_check(text)?;
    let is_master = text
        .lines()
        .any(|line| line.starts_with("#EXT-X-STREAM-INF") || line.starts_with("#EXT-X-I-FRAME-STREAM-INF"));
    if is_master {
        parse_master(text, uri).map(Playlist::Master)
    } else {
        parse_media(text, uri, &checked).map(Playlist::Media)
    }
}

fn parse_master(text: &str, uri: &str) -> Result<MasterPlaylist> {
    let master = hls_m3u8::MasterPlaylist::try_from(text).map_err(|e| malformed(format!("master playlist: {e}")))?;
    let variants = master
        .variant_streams
        .iter()
        .filter_map(|variant| match variant {
            VariantStream::ExtXStreamInf {
                uri: variant_uri,
                frame_rate,
                audio,
                stream_data,
                ..
            } => Some(Variant {
                uri: resolve(uri, variant_uri),
                bandwidth: stream_data.bandwidth(),
                average_bandwidth: stream_data.average_bandwidth(),
                resolution: stream_data
                    .resolution()
                    .and_then(|r| Some((u32::try_from(r.width()).ok()?, u32::try_from(r.height()).ok()?))),
                codecs: stream_data
                    .codecs()
                    .map_or_else(Vec::new, |c| c.iter().map(|s| s.to_string()).collect()),
                frame_rate: frame_rate.map(|f| f64::from(f.as_f32())),
                audio_group: audio.as_ref().map(Cow::to_string),
            }),
            VariantStream::ExtXIFrame { .. } => None, // trick-play I-frame playlists are not used
        })
        .collect();
    let renditions = master
        .media
        .iter()
        .map(|media| Rendition {
            kind: match media.media_type {
                MediaType::Audio => RenditionKind::Audio,
                MediaType::Video => RenditionKind::Video,
                MediaType::Subtitles => RenditionKind::Subtitles,
                MediaType::ClosedCaptions => RenditionKind::ClosedCaptions,
                _ => RenditionKind::Subtitles,
            },
            group: media.group_id().to_string(),
            name: media.name().to_string(),
            language: media.language().map(Cow::to_string),
            uri: media.uri().map(|u| resolve(uri, u)),
            is_default: media.is_default,
        })
        .collect();
    Ok(MasterPlaylist { variants, renditions })
}

/// What the line pre-check learns: per-segment `EXT-X-GAP` flags (in segment order).
struct PreCheck {
    gaps: Vec<bool>,
}

/// Rejects the values `hls_m3u8` would panic or overflow on, and collects what it does not parse.
fn pre_check(text: &str) -> Result<PreCheck> {
    let mut gaps = Vec::new();
    let mut gap = false;
    for line in text.lines().map(str::trim) {
        // An unterminated quoted attribute value (a lone `"`) panics inside hls_m3u8's unquoting.
        if line.starts_with("#EXT") && line.bytes().filter(|b| *b == b'"').count() % 2 == 1 {
            return Err(malformed(format!("unbalanced quotes in {line:?}")));
        }
        if let Some(value) = line.strip_prefix("#EXTINF:") {
            let number = value.split(',').next().unwrap_or_default().trim();
            let seconds: f64 = number
                .parse()
                .map_err(|_| malformed(format!("bad segment duration {line:?}")))?;
            if !(0.0..=MAX_SEGMENT_SECONDS).contains(&seconds) {
                return Err(malformed(format!("segment duration out of range in {line:?}")));
            }
        } else if let Some(value) = line
            .strip_prefix("#EXT-X-MEDIA-SEQUENCE:")
            .or_else(|| line.strip_prefix("#EXT-X-DISCONTINUITY-SEQUENCE:"))
        {
            let number: u64 = value
                .trim()
                .parse()
                .map_err(|_| malformed(format!("bad sequence number {line:?}")))?;
            if number > MAX_SEQUENCE {
                return Err(Error::new(
                    ErrorCode::LimitExceeded,
                    format!("sequence number too large in {line:?}"),
                ));
            }
        } else if let Some(value) = line.strip_prefix("#EXT-X-TARGETDURATION:") {
            let seconds: u64 = value
                .trim()
                .parse()
                .map_err(|_| malformed(format!("bad target duration {line:?}")))?;
            if seconds as f64 > MAX_SEGMENT_SECONDS {
                return Err(malformed(format!("target duration out of range in {line:?}")));
            }
        } else if let Some(range) = byte_range_text(line) {
            let in_range = range
                .split('@')
                .all(|n| n.trim().parse::<u64>().is_ok_and(|n| n <= MAX_BYTE_RANGE));
            if !in_range {
                return Err(malformed(format!("bad byte range in {line:?}")));
            }
        } else if line == "#EXT-X-GAP" {
            gap = true;
        } else if !line.is_empty() && !line.starts_with('#') {
            gaps.push(std::mem::take(&mut gap));
            if gaps.len() > MAX_SEGMENTS {
                return Err(Error::new(ErrorCode::LimitExceeded, "playlist lists too many segments"));
            }
        }
    }
    Ok(PreCheck { gaps })
}

/// The `n[@o]` of an `EXT-X-BYTERANGE` tag or of an `EXT-X-MAP` `BYTERANGE` attribute.
fn byte_range_text(line: &str) -> Option<&str> {
    if let Some(value) = line.strip_prefix("#EXT-X-BYTERANGE:") {
        return Some(value);
    }
    let attribute = line.strip_prefix("#EXT-X-MAP:")?.split("BYTERANGE=\"").nth(1)?;
    attribute.split('"').next()
}

fn parse_media(text: &str, uri: &str, checked: &PreCheck) -> Result<MediaPlaylist> {
    let playlist = hls_m3u8::MediaPlaylist::builder()
        // Encoders often round EXTINF up past the target duration; RFC 8216 says to round, so accept
        // anything up to half a second over.
        .allowable_excess_duration(Duration::from_millis(500))
        .parse(text)
        .map_err(|e| malformed(format!("media playlist: {e}")))?;
    let media_sequence = playlist.media_sequence as u64;
    let mut discontinuity = playlist.discontinuity_sequence as u64;
    let mut init: Option<InitSection> = None;
    let mut segments = Vec::with_capacity(playlist.segments.num_elements());
    for (index, (_, segment)) in playlist.segments.iter().enumerate() {
        if segment.has_discontinuity && index > 0 {
            discontinuity += 1;
        }
        if let Some(map) = &segment.map {
            init = Some(InitSection {
                uri: resolve(uri, map.uri()),
                range: map.range().map(to_range),
            });
        }
        segments.push(Segment {
            sequence: media_sequence + index as u64,
            discontinuity,
            uri: resolve(uri, segment.uri()),
            duration: segment.duration.duration().as_secs_f64(),
            range: segment.byte_range.map(|r| to_range(*r)),
            init: init.clone(),
            program_date_time: segment
                .program_date_time
                .as_ref()
                .and_then(|pdt| parse_date_time(&pdt.date_time)),
            gap: checked.gaps.get(index).copied().unwrap_or(false),
        });
    }
    Ok(MediaPlaylist {
        target_duration: playlist.target_duration.as_secs_f64(),
        media_sequence,
        discontinuity_sequence: playlist.discontinuity_sequence as u64,
        ended: playlist.has_end_list,
        is_event: matches!(playlist.playlist_type, Some(hls_m3u8::types::PlaylistType::Event)),
        segments,
    })
}

fn to_range(range: hls_m3u8::types::ByteRange) -> ByteRange {
    let start = range.start().unwrap_or(0) as u64;
    ByteRange {
        start,
        len: (range.end() as u64).saturating_sub(start),
    }
}

/// An ISO 8601 date-time (`2026-11-21T11:19:09.344Z`, `...+01:00`) as Unix milliseconds.
pub fn parse_date_time(text: &str) -> Option<f64> {
    let text = text.trim();
    let (date, time) = text.split_once(['T', 't', ' '])?;
    let mut date_parts = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
    let (year, month, day) = (date_parts.next()??, date_parts.next()??, date_parts.next()??);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Split the zone off: Z, or +hh:mm / -hh:mm / +hhmm.
    let (clock, zone_minutes) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, 0)
    } else {
        let at = time.rfind(['+', '-'])?;
        let (clock, zone) = time.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let digits: String = zone[1..].chars().filter(char::is_ascii_digit).collect();
        let hours: i64 = digits.get(..2)?.parse().ok()?;
        let minutes: i64 = digits.get(2..4).map_or(Some(0), |m| m.parse().ok())?;
        (clock, sign * (hours * 60 + minutes))
    };
    let mut clock_parts = clock.splitn(3, ':');
    let hour: i64 = clock_parts.next()?.parse().ok()?;
    let minute: i64 = clock_parts.next()?.parse().ok()?;
    let second: f64 = clock_parts.next().map_or(Some(0.0), |s| s.parse().ok())?;
    if hour > 23 || minute > 59 || !(0.0..61.0).contains(&second) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = (days * 86_400 + hour * 3600 + minute * 60 - zone_minutes * 60) as f64 + second;
    Some(seconds * 1000.0)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of civil-from-days).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year.rem_euclid(400);
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn malformed(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::MalformedInput, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEDIA: &str = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:10\n\
        #EXT-X-MAP:URI=\"init.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:2026-11-21T11:19:09.344Z\n#EXTINF:2.002,\nseg10.m4s\n\
        #EXT-X-GAP\n#EXTINF:2,\nseg11.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-BYTERANGE:100@50\n#EXTINF:1.5,\n\
        ../other/seg12.m4s\n#EXT-X-ENDLIST\n";

    fn media(text: &str) -> MediaPlaylist {
        match parse(text, "http://host/live/a/index.m3u8").unwrap() {
            Playlist::Media(media) => media,
            Playlist::Master(_) => panic!("expected a media playlist"),
        }
    }

    #[test]
    fn media_playlist() {
        let playlist = media(MEDIA);
        assert_eq!(playlist.target_duration, 2.0);
        assert!(playlist.ended);
        let s = &playlist.segments;
        assert_eq!(s.iter().map(|s| s.sequence).collect::<Vec<_>>(), [10, 11, 12]);
        assert_eq!(s.iter().map(|s| s.discontinuity).collect::<Vec<_>>(), [0, 0, 1]);
        assert_eq!(s.iter().map(|s| s.gap).collect::<Vec<_>>(), [false, true, false]);
        assert_eq!(s[0].uri, "http://host/live/a/seg10.m4s");
        assert_eq!(s[2].uri, "http://host/live/other/seg12.m4s");
        assert_eq!(s[2].range, Some(ByteRange { start: 50, len: 100 }));
        assert_eq!(s[1].init.as_ref().unwrap().uri, "http://host/live/a/init.mp4");
        assert_eq!(s[0].duration, 2.002);
        assert_eq!(s[0].program_date_time, Some(1_795_259_949_344.0));
    }

    #[test]
    fn master_playlist() {
        let text = "#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=\"aac\",NAME=\"English\",LANGUAGE=\"en\",DEFAULT=YES,URI=\"audio/en.m3u8\"\n\
            #EXT-X-STREAM-INF:BANDWIDTH=522640,RESOLUTION=640x360,CODECS=\"avc1.64001e,mp4a.40.2\",AUDIO=\"aac\"\n\
            ../hls_ts/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=209808\nlow.m3u8\n";
        let Playlist::Master(master) = parse(text, "http://h/x/master.m3u8").unwrap() else {
            panic!("expected a master playlist");
        };
        assert_eq!(master.variants.len(), 2);
        let v = &master.variants[0];
        assert_eq!(v.uri, "http://h/hls_ts/index.m3u8");
        assert_eq!((v.bandwidth, v.resolution), (522_640, Some((640, 360))));
        assert_eq!(v.codecs, ["avc1.64001e", "mp4a.40.2"]);
        assert_eq!(v.audio_group.as_deref(), Some("aac"));
        assert_eq!(master.renditions[0].uri.as_deref(), Some("http://h/x/audio/en.m3u8"));
        assert_eq!(master.renditions[0].language.as_deref(), Some("en"));
    }

    #[test]
    fn tolerates_extinf_a_little_over_the_target() {
        let text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.4,\na.ts\n";
        assert_eq!(media(text).segments[0].duration, 2.4);
    }

    #[test]
    fn rejects_absurd_values_with_typed_errors() {
        let base = "http://h/p.m3u8";
        for (text, code) in [
            ("garbage", ErrorCode::MalformedInput),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:-1,\na.ts\n",
                ErrorCode::MalformedInput,
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:NaN,\na.ts\n",
                ErrorCode::MalformedInput,
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:1e300,\na.ts\n",
                ErrorCode::MalformedInput,
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:18446744073709551615\n#EXTINF:1,\na.ts\n",
                ErrorCode::LimitExceeded,
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:99999999999\n#EXTINF:1,\na.ts\n",
                ErrorCode::MalformedInput,
            ),
            ("#EXTM3U\n#EXTINF:1,\na.ts\n", ErrorCode::MalformedInput), // no target duration
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:9,\na.ts\n",
                ErrorCode::MalformedInput,
            ), // far over target
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-BYTERANGE:18446744073709551615@9\n#EXTINF:1,\na.ts\n",
                ErrorCode::MalformedInput,
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"i.mp4\",BYTERANGE=\"1@x\"\n#EXTINF:1,\na.ts\n",
                ErrorCode::MalformedInput,
            ),
            // Found by fuzzing: a lone quote as attribute value panicked in hls_m3u8.
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"\n#EXTINF:1,\na.ts\n",
                ErrorCode::MalformedInput,
            ),
            (
                "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"\nlow.m3u8\n",
                ErrorCode::MalformedInput,
            ),
        ] {
            assert_eq!(parse(text, base).unwrap_err().code(), code, "{text:?}");
        }
    }

    #[test]
    fn date_times() {
        assert_eq!(parse_date_time("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_date_time("1970-01-01T01:00:00.5+01:00"), Some(500.0));
        assert_eq!(parse_date_time("2000-03-01T00:00:00Z"), Some(951_868_800_000.0));
        assert_eq!(
            parse_date_time("2026-11-21T11:19:09.344-0230"),
            Some(1_795_268_949_344.0)
        );
        assert_eq!(parse_date_time("not a date"), None);
        assert_eq!(parse_date_time("2026-13-01T00:00:00Z"), None);
    }
}
