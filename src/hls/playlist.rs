//! HLS playlists (RFC 8216) into plain data: master playlists (variants, alternative renditions, I-frame
//! playlists) and media playlists (segments with their durations, byte ranges, initialization sections,
//! discontinuities, program date-times and gaps), URIs resolved against the playlist's own URI.
//!
//! Low-Latency HLS (RFC 8216bis) is read too: the server's abilities (`EXT-X-SERVER-CONTROL`), partial
//! segments (`EXT-X-PART-INF`, `EXT-X-PART`), what the server will publish next (`EXT-X-PRELOAD-HINT`), the
//! edges of the other renditions (`EXT-X-RENDITION-REPORT`), delta updates (`EXT-X-SKIP`) and the date ranges
//! a delta update may skip (`EXT-X-DATERANGE`).
//!
//! Tags this module does not use are skipped, as RFC 8216 asks of clients. Every number is range-checked
//! before use: nothing a playlist says can overflow a sequence number or allocate past the limits below.

use super::find_any;
use super::uri::resolve;
use crate::decimal::{parse_decimal, parse_digits};
use crate::error::{Error, Result};

/// Longest playlist text accepted (a 24-hour event playlist of 2 s segments is about 5 MB).
pub const MAX_PLAYLIST_BYTES: usize = 16 * 1024 * 1024;
/// Most segments one media playlist may list.
pub const MAX_SEGMENTS: usize = 200_000;
/// Largest media or discontinuity sequence number accepted: a 2 s segment broadcast reaches it after 136
/// years, and `sequence + index` stays exact wherever it is counted, a 32-bit `usize` (wasm32) included.
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
    /// Trick-play playlists of key frames only (`EXT-X-I-FRAME-STREAM-INF`): each segment of one is a single
    /// I-frame (often a byte range of the variant's own segments), which gives key frame times and thumbnails
    /// without downloading whole segments. Their `uri` comes from the tag's `URI` attribute; frame rate and
    /// audio group are never set.
    pub i_frame_variants: Vec<Variant>,
}

impl MasterPlaylist {
    /// The audio rendition of `group` a variant of the group plays, when its sound has a playlist of its own:
    /// the group's `DEFAULT=YES` rendition, else its first (RFC 8216 §4.3.4.1.1), if that has a `URI`
    /// (without one, the sound is in the variant's own segments).
    pub fn audio_rendition(&self, group: &str) -> Option<&Rendition> {
        let members = || {
            self.renditions
                .iter()
                .filter(move |r| r.kind == RenditionKind::Audio && r.group == group)
        };
        members()
            .find(|r| r.is_default)
            .or_else(|| members().next())
            .filter(|r| r.uri.is_some())
    }
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
    /// `EXT-X-I-FRAMES-ONLY`: an I-frame playlist, each segment one I-frame (its `EXTINF` the time to the
    /// next), as an `EXT-X-I-FRAME-STREAM-INF` of the master playlist names.
    pub i_frames_only: bool,
    /// The segments, in order.
    pub segments: Vec<Segment>,
    /// `EXT-X-SERVER-CONTROL`: what the server can do for a client following the live edge.
    pub server_control: ServerControl,
    /// `EXT-X-PART-INF:PART-TARGET`, seconds: the longest a partial segment lasts. Present when the playlist
    /// lists partial segments (the server publishes each part as soon as it is encoded, for low latency).
    pub part_target: Option<f64>,
    /// The partial segments after the last complete one: the segment being produced at the live edge, which
    /// has no URI of its own yet (RFC 8216bis §4.4.4.9).
    pub partial: Vec<Part>,
    /// An `EXT-X-DISCONTINUITY` comes before the partial segments: the segment being produced starts a new
    /// discontinuity domain (new timestamps, maybe a new encoder).
    pub partial_discontinuity: bool,
    /// `EXT-X-PROGRAM-DATE-TIME` of the segment being produced, as Unix milliseconds, when tagged.
    pub partial_date_time: Option<f64>,
    /// `EXT-X-PRELOAD-HINT`s: resources the server is about to publish (the next part, a new initialization
    /// section), which a client may request now and receive as soon as they exist.
    pub preload_hints: Vec<PreloadHint>,
    /// `EXT-X-RENDITION-REPORT`s: the newest segment and part of the other renditions, so that a client
    /// switching to one can ask for its next part straight away.
    pub rendition_reports: Vec<RenditionReport>,
    /// `EXT-X-SKIP`: this is a delta update (asked for with `_HLS_skip`) that leaves out the oldest segments,
    /// which the client already holds.
    pub skip: Option<Skip>,
    /// `EXT-X-DATERANGE`s (ads, chapters, events), in playlist order.
    pub date_ranges: Vec<DateRange>,
}

/// `EXT-X-SERVER-CONTROL` (RFC 8216bis §4.4.3.8): the delivery directives the server honours and how far
/// from the live edge a client should play. Absent attributes are `false`/`None`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ServerControl {
    /// `CAN-BLOCK-RELOAD=YES`: a reload asking for `_HLS_msn` (and `_HLS_part`) is answered only once that
    /// segment (part) is published, so a client learns of it at once instead of polling.
    pub can_block_reload: bool,
    /// `CAN-SKIP-UNTIL`, seconds (the Skip Boundary, at least six target durations): on `_HLS_skip=YES` the
    /// server replaces the segments further than this from the live edge by one `EXT-X-SKIP` tag.
    pub can_skip_until: Option<f64>,
    /// `CAN-SKIP-DATERANGES=YES`: with `_HLS_skip=v2` the server also leaves out date ranges older than the
    /// Skip Boundary, and lists the recently removed ones.
    pub can_skip_dateranges: bool,
    /// `HOLD-BACK`, seconds: the closest to the live edge a client should start playing whole segments
    /// (three target durations when absent).
    pub hold_back: Option<f64>,
    /// `PART-HOLD-BACK`, seconds: the same when playing partial segments (at least two part targets).
    pub part_hold_back: Option<f64>,
}

/// A partial segment (`EXT-X-PART`, RFC 8216bis §4.4.4.9): a piece of a segment (an fMP4 fragment or a few
/// TS packets) published before the whole segment is done. Parts belong to the segment they precede.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// Resolved URI.
    pub uri: String,
    /// `DURATION`, seconds.
    pub duration: f64,
    /// `INDEPENDENT=YES`: the part starts with a key frame, so playback may start on it.
    pub independent: bool,
    /// `BYTERANGE`, when the part is a sub-range of a larger resource (without an offset it follows the
    /// previous part of the same segment).
    pub range: Option<ByteRange>,
    /// `GAP=YES`: the part is missing and must not be fetched.
    pub gap: bool,
}

/// What an `EXT-X-PRELOAD-HINT` announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreloadKind {
    /// `TYPE=PART`: the next partial segment.
    Part,
    /// `TYPE=MAP`: the next initialization section.
    Map,
}

/// `EXT-X-PRELOAD-HINT` (RFC 8216bis §4.4.5.3): a resource the server will publish next; a request for it
/// is answered as soon as it exists. Hints of other types are ignored, as the RFC asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreloadHint {
    /// Part or initialization section.
    pub kind: PreloadKind,
    /// Resolved URI.
    pub uri: String,
    /// `BYTERANGE-START`: first byte of the hinted range (0 when absent).
    pub start: u64,
    /// `BYTERANGE-LENGTH`: its length; `None` up to the end of the resource, whose size is not known yet.
    pub len: Option<u64>,
}

/// `EXT-X-RENDITION-REPORT` (RFC 8216bis §4.4.5.4): the newest segment and part another rendition has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenditionReport {
    /// That rendition's playlist, resolved.
    pub uri: String,
    /// `LAST-MSN`: media sequence number of its last segment (or of the segment its last part belongs to).
    pub last_msn: Option<u64>,
    /// `LAST-PART`: index of its last part in that segment.
    pub last_part: Option<u64>,
}

/// `EXT-X-SKIP` (RFC 8216bis §4.4.5.2): a delta update stands for the first `skipped_segments` segments
/// of the full playlist (from `EXT-X-MEDIA-SEQUENCE` on) without listing them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// `SKIPPED-SEGMENTS`.
    pub skipped_segments: u64,
    /// `RECENTLY-REMOVED-DATERANGES` (tab-separated in the tag): IDs of date ranges no longer in the
    /// playlist, which a client holding them drops (`_HLS_skip=v2` only).
    pub recently_removed_dateranges: Vec<String>,
}

/// `EXT-X-DATERANGE` (RFC 8216 §4.3.2.7): a span of wall-clock time with a meaning (an ad break, a chapter).
#[derive(Debug, Clone, PartialEq)]
pub struct DateRange {
    /// `ID`, unique in the playlist; a later tag with the same ID adds to the same range.
    pub id: String,
    /// `START-DATE` as Unix milliseconds.
    pub start: Option<f64>,
    /// `DURATION`, seconds.
    pub duration: Option<f64>,
    /// `END-DATE` as Unix milliseconds (not before `START-DATE`).
    pub end: Option<f64>,
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
    /// Its partial segments (`EXT-X-PART`), listed while it is near the live edge; empty otherwise.
    pub parts: Vec<Part>,
}

/// Parses a playlist fetched from `uri` (used to resolve relative URIs).
pub fn parse(text: &str, uri: &str) -> Result<Playlist> {
    if text.len() > MAX_PLAYLIST_BYTES {
        return Err(Error::limit("playlist larger than 16 MiB"));
    }
    if !text
        .strip_prefix('\u{feff}')
        .unwrap_or(text)
        .trim_ascii_start()
        .starts_with("#EXTM3U")
    {
        return Err(Error::malformed("not an HLS playlist: it does not start with #EXTM3U"));
    }
    // Lines end at \n; the trim takes the \r of a CRLF ending with the other spaces.
    let lines = || text.split('\n').map(str::trim_ascii).filter(|line| !line.is_empty());
    let is_master =
        lines().any(|line| line.starts_with("#EXT-X-STREAM-INF") || line.starts_with("#EXT-X-I-FRAME-STREAM-INF"));
    if is_master {
        parse_master(lines(), uri).map(Playlist::Master)
    } else {
        parse_media(lines(), uri).map(Playlist::Media)
    }
}

fn parse_master<'a>(lines: impl Iterator<Item = &'a str>, uri: &str) -> Result<MasterPlaylist> {
    let mut variants = Vec::new();
    let mut renditions = Vec::new();
    let mut i_frame_variants = Vec::new();
    // An `EXT-X-STREAM-INF` describes the URI on the next line.
    let mut pending: Option<Variant> = None;
    for line in lines {
        if let Some(list) = line.strip_prefix("#EXT-X-STREAM-INF:") {
            pending = Some(variant(&Attributes::parse(line, list)?)?);
        } else if let Some(list) = line.strip_prefix("#EXT-X-MEDIA:") {
            renditions.push(rendition(&Attributes::parse(line, list)?, uri)?);
        } else if let Some(list) = line.strip_prefix("#EXT-X-I-FRAME-STREAM-INF:") {
            let attributes = Attributes::parse(line, list)?;
            let mut stream = variant(&attributes)?;
            stream.uri = resolve(uri, attributes.required("URI")?);
            i_frame_variants.push(stream);
        } else if !line.starts_with('#') {
            let mut variant = pending
                .take()
                .ok_or_else(|| Error::malformed(format!("URI '{line}' without an EXT-X-STREAM-INF before it")))?;
            variant.uri = resolve(uri, line);
            variants.push(variant);
        }
        // Session data and keys, unknown tags: not used.
    }
    if pending.is_some() {
        return Err(Error::malformed("the last EXT-X-STREAM-INF has no URI after it"));
    }
    Ok(MasterPlaylist {
        variants,
        renditions,
        i_frame_variants,
    })
}

/// A variant from its `EXT-X-STREAM-INF` attributes; its URI comes from the next line.
fn variant(attributes: &Attributes) -> Result<Variant> {
    let resolution = attributes
        .get("RESOLUTION")
        .map(|value| {
            value
                .split_once('x')
                .or_else(|| value.split_once('X'))
                .and_then(|(w, h)| {
                    let side = |text: &str| u32::try_from(parse_digits(text)?).ok();
                    Some((side(w)?, side(h)?))
                })
                .ok_or_else(|| attributes.error("RESOLUTION"))
        })
        .transpose()?;
    Ok(Variant {
        uri: String::new(),
        bandwidth: attributes
            .integer("BANDWIDTH", u64::MAX)?
            .ok_or_else(|| attributes.error("BANDWIDTH"))?,
        average_bandwidth: attributes.integer("AVERAGE-BANDWIDTH", u64::MAX)?,
        resolution,
        codecs: list(attributes.get("CODECS"), ','),
        frame_rate: attributes.parsed("FRAME-RATE", parse_decimal)?,
        audio_group: attributes.get("AUDIO").map(str::to_owned),
    })
}

/// An alternative rendition from its `EXT-X-MEDIA` attributes.
fn rendition(attributes: &Attributes, uri: &str) -> Result<Rendition> {
    let required = |name| attributes.required(name);
    let kind = match required("TYPE")? {
        "AUDIO" => RenditionKind::Audio,
        "VIDEO" => RenditionKind::Video,
        "SUBTITLES" => RenditionKind::Subtitles,
        "CLOSED-CAPTIONS" => RenditionKind::ClosedCaptions,
        _ => return Err(attributes.error("TYPE")),
    };
    Ok(Rendition {
        kind,
        group: required("GROUP-ID")?.to_owned(),
        name: required("NAME")?.to_owned(),
        language: attributes.get("LANGUAGE").map(str::to_owned),
        uri: attributes.get("URI").map(|u| resolve(uri, u)),
        is_default: attributes.get("DEFAULT") == Some("YES"),
    })
}

/// The tags that describe the next segment URI, gathered until it comes.
#[derive(Default)]
struct NextSegment {
    duration: Option<f64>,
    range: Option<ByteRange>,
    discontinuity: bool,
    program_date_time: Option<f64>,
    gap: bool,
    parts: Vec<Part>,
}

fn parse_media<'a>(lines: impl Iterator<Item = &'a str>, uri: &str) -> Result<MediaPlaylist> {
    let mut target_duration = None;
    // `EXT-X-DISCONTINUITY` tags met between segments so far.
    let mut discontinuities = 0;
    let mut init: Option<InitSection> = None;
    let mut next = NextSegment::default();
    // Where the previous part of the same segment ended: a part range without an offset starts there
    // (RFC 8216bis §4.4.4.9; 0 for a segment's first part).
    let mut part_end = 0;
    let mut parts = 0;
    let mut p = MediaPlaylist {
        target_duration: 0.0,
        media_sequence: 0,
        discontinuity_sequence: 0,
        ended: false,
        is_event: false,
        i_frames_only: false,
        segments: Vec::new(),
        server_control: ServerControl::default(),
        part_target: None,
        partial: Vec::new(),
        partial_discontinuity: false,
        partial_date_time: None,
        preload_hints: Vec::new(),
        rendition_reports: Vec::new(),
        skip: None,
        date_ranges: Vec::new(),
    };
    for line in lines {
        let (tag, value) = line.split_once(':').unwrap_or((line, ""));
        let attributes = || Attributes::parse(line, value);
        match tag {
            "#EXTINF" => {
                let number = value.split(',').next().unwrap_or_default().trim_ascii();
                let seconds =
                    seconds(number).ok_or_else(|| Error::malformed(format!("bad segment duration in '{line}'")))?;
                next.duration = Some(seconds);
            }
            "#EXT-X-TARGETDURATION" => {
                let seconds = parse_digits(value.trim_ascii())
                    .filter(|s| *s as f64 <= MAX_SEGMENT_SECONDS)
                    .ok_or_else(|| Error::malformed(format!("bad target duration in '{line}'")))?;
                target_duration = Some(seconds as f64);
            }
            "#EXT-X-MEDIA-SEQUENCE" => p.media_sequence = sequence_number(line, value)?,
            "#EXT-X-DISCONTINUITY-SEQUENCE" => p.discontinuity_sequence = sequence_number(line, value)?,
            "#EXT-X-BYTERANGE" => {
                // Without an offset, the range continues where the previous segment's range ended.
                let previous_end = p.segments.last().and_then(|s| s.range).map_or(0, |r| r.start + r.len);
                next.range = Some(byte_range(line, value, previous_end)?);
            }
            "#EXT-X-DISCONTINUITY" => next.discontinuity = true,
            "#EXT-X-GAP" => next.gap = true,
            "#EXT-X-ENDLIST" => p.ended = true,
            "#EXT-X-PLAYLIST-TYPE" => p.is_event = value.trim_ascii() == "EVENT",
            "#EXT-X-I-FRAMES-ONLY" => p.i_frames_only = true,
            "#EXT-X-PROGRAM-DATE-TIME" => next.program_date_time = parse_date_time(value),
            "#EXT-X-MAP" => {
                let attributes = attributes()?;
                let range = attributes
                    .get("BYTERANGE")
                    .map(|range| byte_range(line, range, 0))
                    .transpose()?;
                init = Some(InitSection {
                    uri: resolve(uri, attributes.required("URI")?),
                    range,
                });
            }
            "#EXT-X-KEY" => {
                if attributes()?.get("METHOD").is_some_and(|method| method != "NONE") {
                    return Err(Error::unsupported(format!(
                        "encrypted HLS segments are not supported ({line})"
                    )));
                }
            }
            "#EXT-X-SERVER-CONTROL" => {
                let a = attributes()?;
                p.server_control = ServerControl {
                    can_block_reload: a.flag("CAN-BLOCK-RELOAD"),
                    can_skip_until: a.seconds("CAN-SKIP-UNTIL")?,
                    can_skip_dateranges: a.flag("CAN-SKIP-DATERANGES"),
                    hold_back: a.seconds("HOLD-BACK")?,
                    part_hold_back: a.seconds("PART-HOLD-BACK")?,
                };
            }
            "#EXT-X-PART-INF" => {
                let a = attributes()?;
                p.part_target = Some(a.seconds("PART-TARGET")?.ok_or_else(|| a.error("PART-TARGET"))?);
            }
            "#EXT-X-PART" => {
                let a = attributes()?;
                let range = a.get("BYTERANGE").map(|r| byte_range(line, r, part_end)).transpose()?;
                part_end = range.map_or(0, |r| r.start + r.len);
                parts += 1;
                if parts > MAX_SEGMENTS {
                    return Err(Error::limit("playlist lists too many partial segments"));
                }
                // Fallible values first, the strings last: an error then has nothing to drop.
                next.parts.push(Part {
                    duration: a.seconds("DURATION")?.ok_or_else(|| a.error("DURATION"))?,
                    independent: a.flag("INDEPENDENT"),
                    range,
                    gap: a.flag("GAP"),
                    uri: resolve(uri, a.required("URI")?),
                });
            }
            "#EXT-X-PRELOAD-HINT" => {
                let a = attributes()?;
                let kind = match a.required("TYPE")? {
                    "PART" => PreloadKind::Part,
                    "MAP" => PreloadKind::Map,
                    _ => continue, // a hint of a type a client does not know is ignored
                };
                let offset = |name| a.integer(name, MAX_BYTE_RANGE);
                p.preload_hints.push(PreloadHint {
                    kind,
                    start: offset("BYTERANGE-START")?.unwrap_or(0),
                    len: offset("BYTERANGE-LENGTH")?,
                    uri: resolve(uri, a.required("URI")?),
                });
            }
            "#EXT-X-RENDITION-REPORT" => {
                let a = attributes()?;
                p.rendition_reports.push(RenditionReport {
                    last_msn: a.integer("LAST-MSN", MAX_SEQUENCE)?,
                    last_part: a.integer("LAST-PART", MAX_SEQUENCE)?,
                    uri: resolve(uri, a.required("URI")?),
                });
            }
            "#EXT-X-SKIP" => {
                let a = attributes()?;
                let skipped = a
                    .integer("SKIPPED-SEGMENTS", u64::MAX)?
                    .ok_or_else(|| a.error("SKIPPED-SEGMENTS"))?;
                // It comes once, before the segments it does not skip.
                if p.skip.is_some() || !p.segments.is_empty() {
                    return Err(a.error("place of EXT-X-SKIP"));
                }
                if skipped > MAX_SEGMENTS as u64 {
                    return Err(Error::limit("a delta update skips too many segments"));
                }
                p.skip = Some(Skip {
                    skipped_segments: skipped,
                    recently_removed_dateranges: list(a.get("RECENTLY-REMOVED-DATERANGES"), '\t'),
                });
            }
            "#EXT-X-DATERANGE" => {
                let a = attributes()?;
                let date = |name| a.parsed(name, parse_date_time);
                let (start, end) = (date("START-DATE")?, date("END-DATE")?);
                if let (Some(start), Some(end)) = (start, end) {
                    if end < start {
                        return Err(a.error("END-DATE"));
                    }
                }
                if p.date_ranges.len() == MAX_SEGMENTS {
                    return Err(Error::limit("playlist lists too many date ranges"));
                }
                p.date_ranges.push(DateRange {
                    start,
                    duration: a.seconds("DURATION")?,
                    end,
                    id: a.required("ID")?.to_owned(),
                });
            }
            _ if line.starts_with('#') => {} // comments and tags not used here
            _ => {
                let taken = std::mem::take(&mut next);
                part_end = 0;
                let duration = taken
                    .duration
                    .ok_or_else(|| Error::malformed(format!("segment '{line}' without an EXTINF before it")))?;
                if p.segments.len() == MAX_SEGMENTS {
                    return Err(Error::limit("playlist lists too many segments"));
                }
                // A delta update's first segment follows the skipped ones.
                let skipped = p.skip.as_ref().map_or(0, |skip| skip.skipped_segments);
                // A discontinuity before the first segment starts nothing new (it is the sequence's own),
                // unless segments were skipped before it.
                if taken.discontinuity && (!p.segments.is_empty() || skipped > 0) {
                    discontinuities += 1;
                }
                p.segments.push(Segment {
                    sequence: p.media_sequence + skipped + p.segments.len() as u64,
                    discontinuity: p.discontinuity_sequence + discontinuities,
                    uri: resolve(uri, line),
                    duration,
                    range: taken.range,
                    init: init.clone(),
                    program_date_time: taken.program_date_time,
                    gap: taken.gap,
                    parts: taken.parts,
                });
            }
        }
    }
    if next.duration.is_some() {
        return Err(Error::malformed("the last EXTINF has no segment URI after it"));
    }
    p.partial = next.parts;
    p.partial_discontinuity = next.discontinuity && !p.partial.is_empty();
    p.partial_date_time = next.program_date_time.filter(|_| !p.partial.is_empty());
    // A segment longer than the target duration breaks RFC 8216 §4.3.3.1, but only the reload pace of a live
    // playlist depends on the target, and players (hls.js, Shaka, ExoPlayer) play such streams: so do we.
    p.target_duration =
        target_duration.ok_or_else(|| Error::malformed("media playlist without EXT-X-TARGETDURATION"))?;
    Ok(p)
}

/// The items of a `separator`-separated list attribute (codecs, date range IDs), trimmed, empty ones left out.
fn list(text: Option<&str>, separator: char) -> Vec<String> {
    let mut items = Vec::new();
    for item in text.unwrap_or_default().split(separator) {
        let item = item.trim_ascii();
        if !item.is_empty() {
            items.push(item.to_owned());
        }
    }
    items
}

/// A duration in seconds: a plain decimal from 0 to a day.
fn seconds(text: &str) -> Option<f64> {
    parse_decimal(text).filter(|s| (0.0..=MAX_SEGMENT_SECONDS).contains(s))
}

/// A media or discontinuity sequence number, at most [`MAX_SEQUENCE`].
fn sequence_number(line: &str, value: &str) -> Result<u64> {
    let number =
        parse_digits(value.trim_ascii()).ok_or_else(|| Error::malformed(format!("bad sequence number '{line}'")))?;
    if number > MAX_SEQUENCE {
        return Err(Error::limit(format!("sequence number too large in '{line}'")));
    }
    Ok(number)
}

/// `n[@o]`: `n` bytes from offset `o`, or from `default_start` without one.
fn byte_range(line: &str, value: &str, default_start: u64) -> Result<ByteRange> {
    let number = |text: &str| {
        parse_digits(text.trim_ascii())
            .filter(|n| *n <= MAX_BYTE_RANGE)
            .ok_or_else(|| Error::malformed(format!("bad byte range in '{line}'")))
    };
    let (len, start) = value.split_once('@').unwrap_or((value, ""));
    Ok(ByteRange {
        len: number(len)?,
        start: if start.is_empty() {
            default_start
        } else {
            number(start)?
        },
    })
}

/// An attribute list (RFC 8216 4.2): `NAME=value` pairs separated by commas, where a value is a quoted
/// string (which may hold commas) or a plain token. Quoted values are kept without their quotes.
struct Attributes<'a> {
    line: &'a str,
    pairs: Vec<(&'a str, &'a str)>,
}

impl<'a> Attributes<'a> {
    fn parse(line: &'a str, mut list: &'a str) -> Result<Self> {
        let mut pairs = Vec::new();
        while !list.trim_ascii().is_empty() {
            let (name, rest) = list
                .split_once('=')
                .ok_or_else(|| Error::malformed(format!("attribute without a value in '{line}'")))?;
            let (value, rest) = match rest.strip_prefix('"') {
                Some(quoted) => {
                    let (value, rest) = quoted
                        .split_once('"')
                        .ok_or_else(|| Error::malformed(format!("unbalanced quotes in '{line}'")))?;
                    (value, rest)
                }
                None => rest.split_once(',').map_or((rest, ""), |(value, rest)| (value, rest)),
            };
            pairs.push((name.trim_ascii(), value));
            list = rest.trim_ascii_start().strip_prefix(',').unwrap_or(rest);
        }
        Ok(Attributes { line, pairs })
    }

    fn get(&self, name: &str) -> Option<&'a str> {
        self.pairs.iter().find(|(n, _)| *n == name).map(|(_, value)| *value)
    }

    /// An integer attribute up to `max`, `None` when absent; a value that is not one is an error.
    fn integer(&self, name: &str, max: u64) -> Result<Option<u64>> {
        self.parsed(name, |value| parse_digits(value).filter(|n| *n <= max))
    }

    /// An attribute read by `parse`, `None` when absent; a value `parse` refuses is an error.
    fn parsed<T>(&self, name: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Option<T>> {
        self.get(name)
            .map(|value| parse(value.trim_ascii()).ok_or_else(|| self.error(name)))
            .transpose()
    }

    /// A required attribute's value.
    fn required(&self, name: &str) -> Result<&'a str> {
        self.get(name).ok_or_else(|| self.error(name))
    }

    /// An enumerated `YES`/`NO` attribute: `true` for `YES` only.
    fn flag(&self, name: &str) -> bool {
        self.get(name) == Some("YES")
    }

    /// A duration in seconds, from 0 to a day.
    fn seconds(&self, name: &str) -> Result<Option<f64>> {
        self.parsed(name, seconds)
    }

    fn error(&self, name: &str) -> Error {
        Error::malformed(format!("missing or bad {name} in '{}'", self.line))
    }
}

/// Years a date-time may name: ISO 8601's four digits. A tag naming a year outside them is malformed, like any
/// other bad date, and the day arithmetic below stays far from overflowing.
const YEARS: std::ops::RangeInclusive<i64> = 0..=9999;

/// An ISO 8601 date-time (`2026-11-21T11:19:09.344Z`, `...+01:00`) as Unix milliseconds; `None` when it is not
/// one.
pub fn parse_date_time(text: &str) -> Option<f64> {
    // Every field is unsigned: a sign belongs only to the zone.
    let number = |digits: &str| i64::try_from(parse_digits(digits)?).ok();
    let text = text.trim_ascii();
    let at = find_any(text, b"Tt ")?;
    let (date, time) = (text.get(..at)?, text.get(at + 1..)?);
    let (year, month_day) = date.split_once('-')?;
    let (month, day) = month_day.split_once('-')?;
    let (year, month, day) = (number(year)?, number(month)?, number(day)?);
    if !YEARS.contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Split the zone off: Z, or +hh:mm / -hh:mm / +hhmm / +hh.
    let (clock, zone_minutes) = if let Some(clock) = time.strip_suffix('Z').or_else(|| time.strip_suffix('z')) {
        (clock, 0)
    } else {
        let at = time.bytes().rposition(|b| b == b'+' || b == b'-')?;
        let (clock, zone) = time.split_at_checked(at)?;
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let offset = zone.get(1..)?;
        let (hours, minutes) = offset
            .split_once(':')
            .or_else(|| Some((offset.get(..2)?, offset.get(2..)?)))?;
        let minutes = if minutes.is_empty() { 0 } else { number(minutes)? };
        (clock, sign * (number(hours)? * 60 + minutes))
    };
    let (hour, minute_second) = clock.split_once(':')?;
    let (minute, second) = match minute_second.split_once(':') {
        Some((minute, second)) => (minute, parse_decimal(second)?),
        None => (minute_second, 0.0),
    };
    let (hour, minute) = (number(hour)?, number(minute)?);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

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
    fn accepts_segments_longer_than_the_target() {
        let text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.4,\na.ts\n#EXTINF:9,\nb.ts\n";
        let durations: Vec<f64> = media(text).segments.iter().map(|s| s.duration).collect();
        assert_eq!(durations, [2.4, 9.0]);
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
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-BYTERANGE:18446744073709551615@9\n#EXTINF:1,\na.ts\n",
                ErrorCode::MalformedInput,
            ),
            (
                "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"i.mp4\",BYTERANGE=\"1@x\"\n#EXTINF:1,\na.ts\n",
                ErrorCode::MalformedInput,
            ),
            // Found by fuzzing the earlier, hls_m3u8-based parser: a lone quote as attribute value panicked.
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
    fn byte_ranges_without_an_offset_continue_the_previous_one() {
        let text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-BYTERANGE:100@50\n#EXTINF:1,\na.ts\n\
            #EXT-X-BYTERANGE:30\n#EXTINF:1,\na.ts\n";
        let ranges: Vec<_> = media(text).segments.iter().map(|s| s.range).collect();
        assert_eq!(
            ranges,
            [
                Some(ByteRange { start: 50, len: 100 }),
                Some(ByteRange { start: 150, len: 30 })
            ]
        );
    }

    #[test]
    fn attribute_lists() {
        let list = r#"TYPE=AUDIO,NAME="a, b",URI="x.m3u8" , DEFAULT=YES"#;
        let attributes = Attributes::parse(list, list).unwrap();
        assert_eq!(attributes.get("NAME"), Some("a, b"));
        assert_eq!(attributes.get("URI"), Some("x.m3u8"));
        assert_eq!(attributes.get("DEFAULT"), Some("YES"));
        assert_eq!(attributes.get("LANGUAGE"), None);
        assert!(Attributes::parse(list, "NAME").is_err());
    }

    #[test]
    fn encrypted_segments_and_stray_lines_are_refused() {
        let base = "http://h/p.m3u8";
        let encrypted = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=AES-128,URI=\"k\"\n#EXTINF:1,\na.ts\n";
        assert_eq!(parse(encrypted, base).unwrap_err().code(), ErrorCode::Unsupported);
        let clear = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-KEY:METHOD=NONE\n#EXTINF:1,\na.ts\n";
        assert!(parse(clear, base).is_ok());
        for text in [
            "#EXTM3U\n#EXT-X-TARGETDURATION:2\na.ts\n",
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n",
            "#EXTM3U\n#EXT-X-MEDIA:TYPE=SOUND,GROUP-ID=\"a\",NAME=\"a\"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlow.m3u8\n",
            "#EXTM3U\nlow.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=1\nlow.m3u8\n",
            "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=wide\nlow.m3u8\n",
        ] {
            assert_eq!(
                parse(text, base).unwrap_err().code(),
                ErrorCode::MalformedInput,
                "{text:?}"
            );
        }
    }

    const LL: &str = "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-VERSION:9\n\
        #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=24.0,HOLD-BACK=12,PART-HOLD-BACK=1.0,FUTURE=1\n\
        #EXT-X-PART-INF:PART-TARGET=1.002\n#EXT-X-MEDIA-SEQUENCE:100\n#EXT-X-DISCONTINUITY-SEQUENCE:7\n\
        #EXT-X-SKIP:SKIPPED-SEGMENTS=3,RECENTLY-REMOVED-DATERANGES=\"ad1\tad2\"\n\
        #EXT-X-DATERANGE:ID=\"ch1\",START-DATE=\"2026-11-21T11:19:00Z\",DURATION=30.5\n\
        #EXT-X-DATERANGE:ID=\"ch2\",START-DATE=\"2026-11-21T11:19:00Z\",END-DATE=\"2026-11-21T11:20:00Z\"\n\
        #EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:4,\ns103.mp4\n\
        #EXT-X-PART:DURATION=1.002,URI=\"s104.mp4\",BYTERANGE=\"1000@0\",INDEPENDENT=YES\n\
        #EXT-X-PART:DURATION=1,URI=\"s104.mp4\",BYTERANGE=\"500\",GAP=YES\n#EXTINF:2.002,\ns104.mp4\n\
        #EXT-X-PART:DURATION=0.5,URI=\"s105.mp4\",BYTERANGE=\"700\"\n\
        #EXT-X-PART:DURATION=0.5,URI=\"s105.mp4\",BYTERANGE=\"300\",INDEPENDENT=NO\n\
        #EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"s105.mp4\",BYTERANGE-START=1000\n\
        #EXT-X-PRELOAD-HINT:TYPE=MAP,URI=\"init2.mp4\",BYTERANGE-LENGTH=800\n\
        #EXT-X-PRELOAD-HINT:TYPE=FUTURE,URI=\"x\"\n\
        #EXT-X-RENDITION-REPORT:URI=\"../b/index.m3u8\",LAST-MSN=105,LAST-PART=1\n\
        #EXT-X-RENDITION-REPORT:URI=\"../c/index.m3u8\"\n";

    #[test]
    fn low_latency_tags() {
        let p = media(LL);
        assert_eq!(
            p.server_control,
            ServerControl {
                can_block_reload: true,
                can_skip_until: Some(24.0),
                can_skip_dateranges: false,
                hold_back: Some(12.0),
                part_hold_back: Some(1.0),
            }
        );
        assert_eq!(p.part_target, Some(1.002));
        let skip = p.skip.as_ref().unwrap();
        assert_eq!(skip.skipped_segments, 3);
        assert_eq!(skip.recently_removed_dateranges, ["ad1", "ad2"]);
        // The listed segments follow the skipped ones.
        let s = &p.segments;
        assert_eq!(s.iter().map(|s| s.sequence).collect::<Vec<_>>(), [103, 104]);
        assert!(s[0].parts.is_empty());
        let parts = &s[1].parts;
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].uri, "http://host/live/a/s104.mp4");
        assert_eq!(
            (parts[0].duration, parts[0].independent, parts[0].gap),
            (1.002, true, false)
        );
        assert_eq!(
            (parts[1].duration, parts[1].independent, parts[1].gap),
            (1.0, false, true)
        );
        // A range without an offset follows the previous part of its segment, 0 for a segment's first.
        assert_eq!(parts[1].range, Some(ByteRange { start: 1000, len: 500 }));
        let edge: Vec<_> = p.partial.iter().map(|part| part.range).collect();
        assert_eq!(
            edge,
            [
                Some(ByteRange { start: 0, len: 700 }),
                Some(ByteRange { start: 700, len: 300 })
            ]
        );
        assert_eq!(
            p.preload_hints,
            [
                PreloadHint {
                    kind: PreloadKind::Part,
                    uri: "http://host/live/a/s105.mp4".into(),
                    start: 1000,
                    len: None
                },
                PreloadHint {
                    kind: PreloadKind::Map,
                    uri: "http://host/live/a/init2.mp4".into(),
                    start: 0,
                    len: Some(800)
                },
            ]
        );
        assert_eq!(
            p.rendition_reports,
            [
                RenditionReport {
                    uri: "http://host/live/b/index.m3u8".into(),
                    last_msn: Some(105),
                    last_part: Some(1)
                },
                RenditionReport {
                    uri: "http://host/live/c/index.m3u8".into(),
                    last_msn: None,
                    last_part: None
                },
            ]
        );
        let start = Some(1_795_259_940_000.0);
        assert_eq!(
            p.date_ranges,
            [
                DateRange {
                    id: "ch1".into(),
                    start,
                    duration: Some(30.5),
                    end: None
                },
                DateRange {
                    id: "ch2".into(),
                    start,
                    duration: None,
                    end: Some(1_795_260_000_000.0)
                },
            ]
        );
        // Without LL-HLS tags, nothing of it.
        let plain = media(MEDIA);
        assert_eq!(plain.server_control, ServerControl::default());
        assert!(plain.part_target.is_none() && plain.skip.is_none() && plain.partial.is_empty());
        assert!(plain.preload_hints.is_empty() && plain.rendition_reports.is_empty() && plain.date_ranges.is_empty());
    }

    #[test]
    fn a_delta_update_counts_a_discontinuity_before_its_first_segment() {
        let text = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:10\n#EXT-X-DISCONTINUITY-SEQUENCE:2\n\
            #EXT-X-SKIP:SKIPPED-SEGMENTS=5\n#EXT-X-DISCONTINUITY\n#EXTINF:2,\na.ts\n";
        assert_eq!(media(text).segments[0].discontinuity, 3);
        assert_eq!(media(text).segments[0].sequence, 15);
    }

    #[test]
    fn low_latency_tags_with_bad_values_are_typed_errors() {
        let head = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n";
        for (tag, code) in [
            ("#EXT-X-SERVER-CONTROL:HOLD-BACK=-1", ErrorCode::MalformedInput),
            ("#EXT-X-SERVER-CONTROL:PART-HOLD-BACK=1e3", ErrorCode::MalformedInput),
            (
                "#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=99999999",
                ErrorCode::MalformedInput,
            ),
            ("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD", ErrorCode::MalformedInput),
            ("#EXT-X-PART-INF:PART-TARGET=NaN", ErrorCode::MalformedInput),
            ("#EXT-X-PART-INF:", ErrorCode::MalformedInput),
            ("#EXT-X-PART:DURATION=1", ErrorCode::MalformedInput),
            ("#EXT-X-PART:URI=\"p.mp4\"", ErrorCode::MalformedInput),
            ("#EXT-X-PART:URI=\"p.mp4\",DURATION=-0.5", ErrorCode::MalformedInput),
            (
                "#EXT-X-PART:URI=\"p.mp4\",DURATION=1,BYTERANGE=\"x@1\"",
                ErrorCode::MalformedInput,
            ),
            (
                "#EXT-X-PART:URI=\"p.mp4\",DURATION=1,BYTERANGE=\"1@999999999999999999\"",
                ErrorCode::MalformedInput,
            ),
            ("#EXT-X-PART:URI=\"p.mp4,DURATION=1", ErrorCode::MalformedInput),
            ("#EXT-X-PRELOAD-HINT:URI=\"p.mp4\"", ErrorCode::MalformedInput),
            ("#EXT-X-PRELOAD-HINT:TYPE=PART", ErrorCode::MalformedInput),
            (
                "#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"p\",BYTERANGE-START=-1",
                ErrorCode::MalformedInput,
            ),
            (
                "#EXT-X-PRELOAD-HINT:TYPE=MAP,URI=\"p\",BYTERANGE-LENGTH=18446744073709551616",
                ErrorCode::MalformedInput,
            ),
            ("#EXT-X-RENDITION-REPORT:LAST-MSN=1", ErrorCode::MalformedInput),
            (
                "#EXT-X-RENDITION-REPORT:URI=\"r\",LAST-MSN=4294967296",
                ErrorCode::MalformedInput,
            ),
            (
                "#EXT-X-RENDITION-REPORT:URI=\"r\",LAST-PART=1.5",
                ErrorCode::MalformedInput,
            ),
            ("#EXT-X-SKIP:SKIPPED-SEGMENTS=200001", ErrorCode::LimitExceeded),
            ("#EXT-X-SKIP:SKIPPED-SEGMENTS=-3", ErrorCode::MalformedInput),
            (
                "#EXT-X-SKIP:RECENTLY-REMOVED-DATERANGES=\"a\"",
                ErrorCode::MalformedInput,
            ),
            (
                "#EXT-X-SKIP:SKIPPED-SEGMENTS=1\n#EXT-X-SKIP:SKIPPED-SEGMENTS=1",
                ErrorCode::MalformedInput,
            ),
            (
                "#EXTINF:2,\na.ts\n#EXT-X-SKIP:SKIPPED-SEGMENTS=1",
                ErrorCode::MalformedInput,
            ),
            (
                "#EXT-X-DATERANGE:START-DATE=\"2026-11-21T11:19:00Z\"",
                ErrorCode::MalformedInput,
            ),
            (
                "#EXT-X-DATERANGE:ID=\"a\",START-DATE=\"yesterday\"",
                ErrorCode::MalformedInput,
            ),
            ("#EXT-X-DATERANGE:ID=\"a\",DURATION=-1", ErrorCode::MalformedInput),
            (
                "#EXT-X-DATERANGE:ID=\"a\",START-DATE=\"2026-11-21T11:19:00Z\",END-DATE=\"2026-11-21T11:18:00Z\"",
                ErrorCode::MalformedInput,
            ),
        ] {
            let text = format!("{head}{tag}\n#EXTINF:2,\nz.ts\n");
            let error = parse(&text, "http://h/p.m3u8").unwrap_err();
            assert_eq!(error.code(), code, "{tag}: {error}");
        }
    }

    #[test]
    fn too_many_parts_exceed_the_limit() {
        let mut text = String::from("#EXTM3U\n#EXT-X-TARGETDURATION:2\n");
        for _ in 0..=MAX_SEGMENTS {
            text.push_str("#EXT-X-PART:DURATION=1,URI=\"p\"\n");
        }
        assert_eq!(parse(&text, "").unwrap_err().code(), ErrorCode::LimitExceeded);
    }

    #[test]
    fn i_frame_playlists() {
        let text = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=522640\nlow.m3u8\n\
            #EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=86000,AVERAGE-BANDWIDTH=80000,CODECS=\"avc1.64001e\",RESOLUTION=640x360,URI=\"low/iframes.m3u8\"\n";
        let Playlist::Master(master) = parse(text, "http://h/x/master.m3u8").unwrap() else {
            panic!("expected a master playlist");
        };
        assert_eq!(master.variants.len(), 1);
        let i = &master.i_frame_variants[..];
        assert_eq!(i.len(), 1);
        assert_eq!(i[0].uri, "http://h/x/low/iframes.m3u8");
        assert_eq!((i[0].bandwidth, i[0].average_bandwidth), (86_000, Some(80_000)));
        assert_eq!(
            (i[0].resolution, &i[0].codecs[..]),
            (Some((640, 360)), &["avc1.64001e".to_owned()][..])
        );
        // A master playlist of I-frame playlists only is still a master playlist.
        let only = "#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI=\"i.m3u8\"\n";
        assert!(matches!(parse(only, ""), Ok(Playlist::Master(m)) if m.i_frame_variants.len() == 1));
        for bad in [
            "#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1\n",
            "#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:URI=\"i.m3u8\"\n",
            "#EXTM3U\n#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,RESOLUTION=1x,URI=\"i.m3u8\"\n",
        ] {
            assert_eq!(parse(bad, "").unwrap_err().code(), ErrorCode::MalformedInput, "{bad}");
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
        assert_eq!(parse_date_time("2026-11-21T11:19:09+02"), Some(1_795_252_749_000.0));
        assert_eq!(parse_date_time("not a date"), None);
        assert_eq!(parse_date_time("2026-13-01T00:00:00Z"), None);
        // Signs are the zone's only: a negative hour or minute is not a time.
        assert_eq!(parse_date_time("2026-11-21T-1:00:00Z"), None);
        assert_eq!(parse_date_time("2026-11-21T10:-5:00Z"), None);
        assert_eq!(parse_date_time("2026--11-21T10:00:00Z"), None);
    }

    #[test]
    fn date_times_outside_four_digit_years_are_not_dates() {
        assert_eq!(parse_date_time("0000-01-01T00:00:00Z"), Some(-62_167_219_200_000.0));
        assert_eq!(parse_date_time("9999-12-31T23:59:59.999Z"), Some(253_402_300_799_999.0));
        for text in [
            "10000-01-01T00:00:00Z",
            "99999999999999-01-01T00:00:00Z",
            "9223372036854775807-12-31T23:59:59Z",
            "99999999999999999999-01-01T00:00:00Z",
        ] {
            assert_eq!(parse_date_time(text), None, "{text}");
        }
    }
}
