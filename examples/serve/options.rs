//! The query-string knobs of the server: how a simulated live broadcast runs and which faults to inject.
//!
//! | key | meaning | default |
//! |---|---|---|
//! | `window=N` | segments kept in a sliding live playlist | 6 |
//! | `mode=event` | an event playlist: nothing leaves it, the replay grows (`window` is then only the backlog at start) | sliding |
//! | `speed=X` | run the broadcast clock X times faster than real time | 1 |
//! | `freeze_after=S` | the live playlist stops changing S seconds (real time) after the broadcast started | never |
//! | `part=S` | Low-Latency HLS: segments are also published as parts of about S seconds, listed with `EXT-X-PART` (byte ranges of the segment `<k>.ts`) while they are within three target durations of the edge, with a preload hint, server control (blocking reloads, delta updates) and rendition reports; MPEG-TS fixtures only (`parts.rs`) | off |
//! | `audio=separate` | the audio is a rendition of its own: a live master playlist lists it with `EXT-X-MEDIA:TYPE=AUDIO` (in two languages, the same sound, so that a player can switch: `audio_en.m3u8`, `audio_de.m3u8` beside the first variant's playlist) and its variants with `AUDIO=`; their segments carry the video alone, the audio playlists' the audio as packed audio (`<k>.aac`, ADTS frames after an ID3 timestamp), on the same clock, parts included in LL-HLS mode (`split.rs`); MPEG-TS fixtures with AAC only | `muxed` |
//! | `hold=N` | LL-HLS: advertise a `PART-HOLD-BACK` of N part targets, from 2 (the least RFC 8216bis allows) up | 3 (what the RFC recommends) |
//! | `renditions=LIST` | (set by the master playlist in LL-HLS mode) the variant playlist URIs each media playlist reports with `EXT-X-RENDITION-REPORT`; comma-separated | |
//! | `_HLS_msn=N`, `_HLS_part=P` | a blocking reload (LL-HLS): the playlist answers once segment N (its part P) is published; 400 when N is more than two segments ahead | |
//! | `_HLS_skip=YES\|v2` | a delta update (LL-HLS): segments older than `CAN-SKIP-UNTIL` are replaced by `EXT-X-SKIP` | |
//! | `iframes=yes\|404` | a master playlist under `/fixtures/` (VOD) lists an I-frame playlist per variant (`EXT-X-I-FRAME-STREAM-INF` with `BANDWIDTH`, `RESOLUTION`, the video codec, `URI` of `iframes.m3u8` beside the variant's playlist: its key frames as byte ranges of the MPEG-TS segments, made from their random access points, `iframes.rs`); `404`: the URI listed answers 404 | not listed |
//! | `session=ID` | any label: broadcasts with different query strings run on separate clocks | |
//! | `o=N` | (set by live playlists) a token for the options of the playlist that listed this segment, part or hint URI, which stand in its place; the server hands tokens out and keeps them for its lifetime, and answers 404 for one it did not hand out (`Tokens`) | |
//! | `gap=LIST` | live segments with these media sequence numbers are published as gaps (`EXT-X-GAP`; in LL-HLS mode their parts `GAP=YES` too): media the encoder lost; their bytes answer 404 | |
//! | `fail404=LIST`, `fail500=LIST` | live segments with these media sequence numbers answer 404 / 500 | |
//! | `slow=LIST`, `slow_ms=MS` | these live segments wait MS milliseconds before answering | 3000 ms |
//! | `stall=LIST`, `stall_ms=MS` | these live segments send half their body, then nothing for MS milliseconds, then the rest | 3000 ms |
//! | `truncate=LIST` | these live segments announce their full length but the connection closes halfway | |
//! | `garble=LIST` | these live segments arrive at full length with every byte flipped (corrupt) | |
//! | `damage=LIST` | these live MPEG-TS segments arrive with one of each kind of transport damage: a lost packet, junk between two packets, a PES packet without its start code, the last packet cut short (`ts_damage.rs`) | |
//! | `playlist_fail=A-B` | live media playlist requests that arrive from A to B seconds (real time, decimals allowed) after the broadcast started answer 500: failed reloads, then recovery. Seconds rather than request counts, so a test does not depend on the player's reload and retry schedule | |
//! | `block_hang=A-B` | LL-HLS blocking reloads that arrive from A to B seconds (real time) after the broadcast started are held 30 s before they are answered: a server that leaves them unanswered, for a player to fall back to plain reloads | |
//! | `faults_in=FIXTURE` | the faults listed by segment above (`fail404` to `damage`) hit only the segments of live fixture FIXTURE (`/live/FIXTURE/...`): one variant of a master playlist fails while the others answer | every fixture |
//! | `kbps=N` | every body is sent at N kilobits per second | unthrottled |
//! | `kbps_until=S` | `kbps` holds only for requests in the first S seconds (real time, decimals allowed) after the broadcast started: a network that gets faster | always |
//! | `fault=404\|500\|slow\|stall\|truncate\|garble\|damage` | this request (any file) fails that way | |
//!
//! A LIST is comma-separated numbers and inclusive ranges: `3,7-9`. The `_HLS_` parameters are a player's
//! reload directives, not part of the broadcast: they are left out of the key of its clock.

use std::collections::HashMap;
use std::time::Duration;

use crate::http::Delivery;

/// How a live broadcast simulated from a VOD playlist runs.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveOptions {
    /// Segments in the sliding window; in event mode, the backlog published at the start.
    pub window: usize,
    /// Event playlist: segments never leave.
    pub event: bool,
    /// Broadcast seconds per real second.
    pub speed: f64,
    /// Real seconds after the start at which the playlist stops updating.
    pub freeze_after: Option<f64>,
    /// LL-HLS: the part target duration, microseconds.
    pub part_us: Option<u64>,
    /// LL-HLS: `PART-HOLD-BACK`, in part targets.
    pub hold_parts: f64,
    /// LL-HLS: the variant playlists (URIs as the master lists them) to report the state of.
    pub renditions: Vec<String>,
    /// The audio is a rendition of its own (`EXT-X-MEDIA`): the variants' segments carry the video alone.
    pub separate_audio: bool,
    /// Segments published as gaps: media the encoder lost (RFC 8216bis `EXT-X-GAP`, and `GAP=YES` on their
    /// parts); their bytes answer 404.
    pub gaps: SegmentSet,
}

/// A player's reload directives (RFC 8216bis §6.2.5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reload {
    /// `_HLS_msn`: answer once this media sequence number is published.
    pub msn: Option<u64>,
    /// `_HLS_part`: and this part of it.
    pub part: Option<u64>,
    /// `_HLS_skip`: a delta update is asked for.
    pub skip: bool,
}

/// Failures to inject.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    not_found: SegmentSet,
    server_error: SegmentSet,
    slow: SegmentSet,
    slow_delay: Option<Duration>,
    stall: SegmentSet,
    stall_delay: Option<Duration>,
    truncate: SegmentSet,
    garble: SegmentSet,
    damage: SegmentSet,
    /// The live fixture whose segments the listed faults hit; `None`: every fixture's.
    only_in: Option<String>,
    /// Real seconds after the broadcast start, `[from, to)`, in which live media playlists answer 500.
    playlist_fail: Option<(f64, f64)>,
    /// Real seconds after the broadcast start, `[from, to)`, in which blocking reloads go unanswered.
    block_hang: Option<(f64, f64)>,
    kilobits_per_second: Option<u64>,
    /// Real seconds after the broadcast start from which bodies are no longer throttled.
    throttle_until: Option<f64>,
    this_request: Option<Fault>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Fault {
    NotFound,
    ServerError,
    Slow,
    Stall,
    Truncate,
    Garble,
    Damage,
}

/// Everything a query string can ask for.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub live: LiveOptions,
    pub faults: Faults,
    pub reload: Reload,
    /// `iframes`: master playlists under `/fixtures/` list I-frame playlists, their URIs followed by this
    /// (`?fault=404` for ones that are missing).
    pub i_frames: Option<&'static str>,
}

const DEFAULT_SLOW_DELAY: Duration = Duration::from_millis(3000);
const DEFAULT_STALL_DELAY: Duration = Duration::from_millis(3000);

impl Options {
    /// Parses a raw query string; an unknown key or a bad value is an error naming it, so a typo in a test
    /// URL fails loudly instead of silently testing nothing.
    pub fn parse(query: &str) -> Result<Options, String> {
        let mut live = LiveOptions {
            window: 6,
            event: false,
            speed: 1.0,
            freeze_after: None,
            part_us: None,
            hold_parts: 3.0,
            renditions: Vec::new(),
            separate_audio: false,
            gaps: SegmentSet::default(),
        };
        let mut faults = Faults::default();
        let mut reload = Reload::default();
        let mut i_frames = None;
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let bad = || format!("bad value {value:?} for query parameter {key:?}");
            match key {
                "window" => {
                    live.window = value.parse().ok().filter(|n| *n >= 1).ok_or_else(bad)?;
                }
                "mode" => {
                    live.event = match value {
                        "event" => true,
                        "sliding" => false,
                        _ => return Err(bad()),
                    };
                }
                "speed" => live.speed = positive_number(value).ok_or_else(bad)?,
                "freeze_after" => live.freeze_after = Some(non_negative(value).ok_or_else(bad)?),
                "part" => {
                    let seconds = positive_number(value)
                        .filter(|s| (0.05..=10.0).contains(s))
                        .ok_or_else(bad)?;
                    live.part_us = Some((seconds * 1e6).round() as u64);
                }
                "hold" => {
                    live.hold_parts = positive_number(value)
                        .filter(|n| (2.0..=60.0).contains(n))
                        .ok_or_else(bad)?;
                }
                "renditions" => live.renditions = value.split(',').map(str::to_owned).collect(),
                "audio" => {
                    live.separate_audio = match value {
                        "separate" => true,
                        "muxed" => false,
                        _ => return Err(bad()),
                    };
                }
                "_HLS_msn" => reload.msn = Some(value.parse().map_err(|_| bad())?),
                "_HLS_part" => reload.part = Some(value.parse().map_err(|_| bad())?),
                "_HLS_skip" => {
                    reload.skip = match value {
                        "YES" | "v2" => true,
                        _ => return Err(bad()),
                    };
                }
                "iframes" => {
                    i_frames = Some(match value {
                        "yes" => "",
                        "404" => "?fault=404",
                        _ => return Err(bad()),
                    });
                }
                "gap" => live.gaps = SegmentSet::parse(value).ok_or_else(bad)?,
                "session" => {}
                "fail404" => faults.not_found = SegmentSet::parse(value).ok_or_else(bad)?,
                "fail500" => faults.server_error = SegmentSet::parse(value).ok_or_else(bad)?,
                "slow" => faults.slow = SegmentSet::parse(value).ok_or_else(bad)?,
                "slow_ms" => {
                    let millis = value.parse().map_err(|_| bad())?;
                    faults.slow_delay = Some(Duration::from_millis(millis));
                }
                "stall" => faults.stall = SegmentSet::parse(value).ok_or_else(bad)?,
                "stall_ms" => {
                    let millis = value.parse().map_err(|_| bad())?;
                    faults.stall_delay = Some(Duration::from_millis(millis));
                }
                "truncate" => faults.truncate = SegmentSet::parse(value).ok_or_else(bad)?,
                "garble" => faults.garble = SegmentSet::parse(value).ok_or_else(bad)?,
                "damage" => faults.damage = SegmentSet::parse(value).ok_or_else(bad)?,
                "faults_in" => faults.only_in = Some(value.to_owned()),
                "playlist_fail" => faults.playlist_fail = Some(seconds_span(value).ok_or_else(bad)?),
                "block_hang" => faults.block_hang = Some(seconds_span(value).ok_or_else(bad)?),
                "kbps" => {
                    faults.kilobits_per_second = Some(value.parse().ok().filter(|n| *n > 0).ok_or_else(bad)?);
                }
                "kbps_until" => faults.throttle_until = Some(non_negative(value).ok_or_else(bad)?),
                "fault" => {
                    faults.this_request = Some(match value {
                        "404" => Fault::NotFound,
                        "500" => Fault::ServerError,
                        "slow" => Fault::Slow,
                        "stall" => Fault::Stall,
                        "truncate" => Fault::Truncate,
                        "garble" => Fault::Garble,
                        "damage" => Fault::Damage,
                        _ => return Err(bad()),
                    });
                }
                _ => return Err(format!("unknown query parameter {key:?}")),
            }
        }
        // A gap's bytes are not there.
        faults.not_found.0.extend_from_slice(&live.gaps.0);
        Ok(Options {
            live,
            faults,
            reload,
            i_frames,
        })
    }
}

/// The option strings the server has handed out as short tokens (`o=N`).
///
/// A live playlist passes its broadcast's options on to every segment, part, preload hint it lists, since
/// faults, throttling and the broadcast's clock are decided per request. Spelled out, the query string would
/// be repeated on every one of those lines (a few dozen per reload in LL-HLS mode); a token of a few bytes
/// names it instead, the way packagers put a session id in their URIs. A token stands for the same string
/// for the life of the server process: a player that kept a URI across a server restart gets a 404 saying so.
#[derive(Debug, Default)]
pub struct Tokens {
    queries: Vec<String>,
    by_query: HashMap<String, usize>,
}

impl Tokens {
    /// The query to append to the URIs a playlist with broadcast query `query` lists: `o=N`, or nothing
    /// when there are no options to carry.
    pub fn issue(&mut self, query: &str) -> String {
        if query.is_empty() {
            return String::new();
        }
        let next = self.queries.len();
        let token = *self.by_query.entry(query.to_owned()).or_insert(next);
        if token == next {
            self.queries.push(query.to_owned());
        }
        format!("{TOKEN}={token}")
    }

    /// `query` with its `o=N` pair (if any) replaced by the option string it stands for, in place, so that
    /// parameters added beside the token still apply. An unknown token is an error naming it.
    pub fn expand(&self, query: &str) -> Result<String, String> {
        let mut expanded: Vec<&str> = Vec::new();
        for pair in query.split('&').filter(|pair| !pair.is_empty()) {
            match pair.split_once('=') {
                Some((TOKEN, value)) => {
                    let options = value
                        .parse::<usize>()
                        .ok()
                        .and_then(|n| self.queries.get(n))
                        .map(String::as_str);
                    expanded.push(options.ok_or_else(|| {
                        format!(
                            "unknown option token {TOKEN}={value}: this server did not hand it out (was it \
                             restarted?); reload the playlist for fresh URIs"
                        )
                    })?);
                }
                _ => expanded.push(pair),
            }
        }
        Ok(expanded.join("&"))
    }
}

/// The query key of an option token.
const TOKEN: &str = "o";

/// `query` without a player's reload directives: the key of a broadcast's clock, and what its playlists pass on
/// to segment and variant URIs.
pub fn broadcast_query(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("_HLS_"))
        .collect::<Vec<_>>()
        .join("&")
}

fn positive_number(text: &str) -> Option<f64> {
    text.parse().ok().filter(|x: &f64| x.is_finite() && *x > 0.0)
}

/// `A-B`: real seconds after a broadcast's start, `[A, B)`.
fn seconds_span(text: &str) -> Option<(f64, f64)> {
    let (from, to) = text.split_once('-')?;
    let (from, to) = (non_negative(from)?, non_negative(to)?);
    (from < to).then_some((from, to))
}

fn non_negative(text: &str) -> Option<f64> {
    text.parse().ok().filter(|x: &f64| x.is_finite() && *x >= 0.0)
}

impl Faults {
    /// The error status to answer instead of the file, if any. `segment` is the live media sequence number
    /// of the request, `None` for other files.
    pub fn status(&self, segment: Option<u64>) -> Option<u16> {
        let hits = |set, fault| self.hits(set, fault, segment);
        if hits(&self.not_found, Fault::NotFound) {
            Some(404)
        } else if hits(&self.server_error, Fault::ServerError) {
            Some(500)
        } else {
            None
        }
    }

    /// How to deliver a body of `len` bytes for this request.
    pub fn delivery(&self, segment: Option<u64>, len: u64) -> Delivery {
        let hits = |set, fault| self.hits(set, fault, segment);
        Delivery {
            delay: if hits(&self.slow, Fault::Slow) {
                self.slow_delay.unwrap_or(DEFAULT_SLOW_DELAY)
            } else {
                Duration::ZERO
            },
            bytes_per_second: self.kilobits_per_second.map(|kbps| kbps * 1000 / 8),
            stall: hits(&self.stall, Fault::Stall).then(|| (len / 2, self.stall_delay.unwrap_or(DEFAULT_STALL_DELAY))),
            cut_after: hits(&self.truncate, Fault::Truncate).then_some(len / 2),
            garble: hits(&self.garble, Fault::Garble),
        }
    }

    /// Whether a throttled request `elapsed` real seconds after its broadcast started goes unthrottled
    /// (`kbps_until` has passed).
    pub fn throttle_over(&self, elapsed: f64) -> bool {
        self.throttle_until.is_some_and(|until| elapsed >= until)
    }

    /// Whether this request's MPEG-TS bytes are to be damaged (`ts_damage.rs`) before they are sent.
    pub fn damages(&self, segment: Option<u64>) -> bool {
        self.hits(&self.damage, Fault::Damage, segment)
    }

    /// Whether a blocking reload arriving `elapsed` real seconds after its broadcast started goes unanswered
    /// (`block_hang`): a server that holds it past what a client waits.
    pub fn block_hangs(&self, elapsed: f64) -> bool {
        self.block_hang.is_some_and(|(from, to)| (from..to).contains(&elapsed))
    }

    /// Whether a live media playlist requested `elapsed` real seconds after its broadcast started fails.
    pub fn playlist_fails(&self, elapsed: f64) -> bool {
        self.playlist_fail
            .is_some_and(|(from, to)| (from..to).contains(&elapsed))
    }

    /// The live media sequence number `segment` of a segment of live fixture `fixture`, as the listed faults
    /// see it: `None` (no fault listed for it) when `faults_in` names another fixture.
    pub fn segment_of(&self, fixture: &str, segment: Option<u64>) -> Option<u64> {
        segment.filter(|_| self.only_in.as_ref().is_none_or(|only| only == fixture))
    }

    /// Whether `fault` applies: asked for this request, or listed for its live segment.
    fn hits(&self, listed: &SegmentSet, fault: Fault, segment: Option<u64>) -> bool {
        self.this_request == Some(fault) || segment.is_some_and(|n| listed.contains(n))
    }
}

/// A set of media sequence numbers, written `3,7-9`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SegmentSet(Vec<(u64, u64)>);

impl SegmentSet {
    fn parse(text: &str) -> Option<SegmentSet> {
        text.split(',')
            .map(|item| match item.split_once('-') {
                Some((first, last)) => {
                    let (first, last) = (first.parse().ok()?, last.parse().ok()?);
                    (first <= last).then_some((first, last))
                }
                None => item.parse().ok().map(|n| (n, n)),
            })
            .collect::<Option<Vec<_>>>()
            .map(SegmentSet)
    }

    pub fn contains(&self, n: u64) -> bool {
        self.0.iter().any(|(first, last)| (*first..=*last).contains(&n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_values() {
        let options = Options::parse("").unwrap();
        assert_eq!(options.live.window, 6);
        assert!(!options.live.event);
        assert_eq!(options.live.speed, 1.0);
        let options = Options::parse("window=3&mode=event&speed=8&freeze_after=2.5&session=x").unwrap();
        assert_eq!(
            options.live,
            LiveOptions {
                window: 3,
                event: true,
                speed: 8.0,
                freeze_after: Some(2.5),
                part_us: None,
                hold_parts: 3.0,
                renditions: Vec::new(),
                separate_audio: false,
                gaps: SegmentSet::default(),
            }
        );
    }

    #[test]
    fn low_latency_options_and_reload_directives() {
        let options = Options::parse(
            "part=0.333&renditions=../a/index.m3u8,../b/index.m3u8&_HLS_msn=12&_HLS_part=3&_HLS_skip=YES",
        )
        .unwrap();
        assert_eq!(options.live.part_us, Some(333_000));
        assert_eq!(options.live.renditions, ["../a/index.m3u8", "../b/index.m3u8"]);
        assert_eq!(
            options.reload,
            Reload {
                msn: Some(12),
                part: Some(3),
                skip: true
            }
        );
        assert!(Options::parse("part=0").is_err());
        assert!(Options::parse("part=60").is_err());
        assert_eq!(Options::parse("part=0.333&hold=2").unwrap().live.hold_parts, 2.0);
        // Closer than two part targets is not a valid PART-HOLD-BACK.
        assert!(Options::parse("hold=1.5").is_err());
        assert!(Options::parse("_HLS_skip=NO").is_err());
        assert!(Options::parse("_HLS_msn=-1").is_err());
        // The directives change with every reload; the broadcast they ask about does not.
        assert_eq!(
            broadcast_query("part=0.5&_HLS_msn=3&_HLS_part=1&speed=2&_HLS_skip=v2"),
            "part=0.5&speed=2"
        );
    }

    #[test]
    fn option_tokens_stand_for_their_query_strings() {
        let mut tokens = Tokens::default();
        assert_eq!(tokens.issue(""), "");
        assert_eq!(tokens.issue("part=0.333&window=7200&session=a"), "o=0");
        assert_eq!(tokens.issue("speed=2"), "o=1");
        assert_eq!(tokens.issue("part=0.333&window=7200&session=a"), "o=0");
        assert_eq!(tokens.expand("o=0").unwrap(), "part=0.333&window=7200&session=a");
        // In place, beside other parameters, which still apply.
        assert_eq!(tokens.expand("o=1&fault=500").unwrap(), "speed=2&fault=500");
        assert_eq!(tokens.expand("window=3").unwrap(), "window=3");
        assert_eq!(tokens.expand("").unwrap(), "");
        for unknown in ["o=2", "o=", "o=x", "o=-1"] {
            assert!(
                tokens.expand(unknown).unwrap_err().starts_with("unknown option token"),
                "{unknown}"
            );
        }
    }

    #[test]
    fn typos_and_bad_values_are_errors() {
        assert!(Options::parse("windw=3").unwrap_err().contains("windw"));
        assert!(Options::parse("window=0").is_err());
        assert!(Options::parse("speed=-1").is_err());
        assert!(Options::parse("speed=inf").is_err());
        assert!(Options::parse("fail404=3-1").is_err());
        assert!(Options::parse("fault=teapot").is_err());
        assert!(Options::parse("playlist_fail=4").is_err());
        assert!(Options::parse("playlist_fail=9-4").is_err());
        assert!(Options::parse("playlist_fail=-1-4").is_err());
        assert!(Options::parse("stall_ms=soon").is_err());
    }

    #[test]
    fn faults_in_one_fixture_only() {
        let faults = Options::parse("fail404=3&faults_in=hls_ts").unwrap().faults;
        assert_eq!(faults.segment_of("hls_ts", Some(3)), Some(3));
        assert_eq!(faults.segment_of("hls_low", Some(3)), None);
        assert_eq!(faults.status(faults.segment_of("hls_ts", Some(3))), Some(404));
        assert_eq!(faults.status(faults.segment_of("hls_low", Some(3))), None);
        let everywhere = Options::parse("fail404=3").unwrap().faults;
        assert_eq!(everywhere.segment_of("hls_low", Some(3)), Some(3));
    }

    #[test]
    fn segment_faults_hit_only_their_segments() {
        let faults = Options::parse("fail404=3,7-9&fail500=4&slow=5&slow_ms=10&truncate=6&kbps=800")
            .unwrap()
            .faults;
        assert_eq!(faults.status(Some(3)), Some(404));
        assert_eq!(faults.status(Some(8)), Some(404));
        assert_eq!(faults.status(Some(4)), Some(500));
        assert_eq!(faults.status(Some(5)), None);
        assert_eq!(faults.status(None), None);
        assert_eq!(faults.delivery(Some(5), 100).delay, Duration::from_millis(10));
        assert_eq!(faults.delivery(Some(6), 100).cut_after, Some(50));
        assert_eq!(faults.delivery(Some(7), 100).cut_after, None);
        assert_eq!(faults.delivery(None, 100).bytes_per_second, Some(100_000));
        let hang = Options::parse("block_hang=2-4.5").unwrap().faults;
        assert!(!hang.block_hangs(1.9) && hang.block_hangs(2.0) && !hang.block_hangs(4.5));
        assert!(Options::parse("block_hang=4-2").is_err());
        // A gap is listed as one, and its bytes are not there.
        let gaps = Options::parse("gap=4-5").unwrap();
        assert!(gaps.live.gaps.contains(5) && !gaps.live.gaps.contains(6));
        assert_eq!(gaps.faults.status(Some(4)), Some(404));
        let until = Options::parse("kbps=800&kbps_until=2.5").unwrap().faults;
        assert!(!until.throttle_over(2.4) && until.throttle_over(2.5));
        assert!(!faults.throttle_over(1e9));
    }

    #[test]
    fn a_request_fault_hits_any_file() {
        let faults = Options::parse("fault=500").unwrap().faults;
        assert_eq!(faults.status(None), Some(500));
        let faults = Options::parse("fault=truncate").unwrap().faults;
        assert_eq!(faults.delivery(None, 10).cut_after, Some(5));
        let garbled = Options::parse("garble=2").unwrap().faults;
        assert!(garbled.delivery(Some(2), 10).garble);
        assert!(!garbled.delivery(Some(3), 10).garble);
    }

    #[test]
    fn stalls_damage_and_failing_playlists() {
        let faults = Options::parse("stall=3&stall_ms=40&damage=5-6&playlist_fail=4-10.5")
            .unwrap()
            .faults;
        assert_eq!(
            faults.delivery(Some(3), 100).stall,
            Some((50, Duration::from_millis(40)))
        );
        assert_eq!(faults.delivery(Some(4), 100).stall, None);
        assert!(faults.damages(Some(5)) && faults.damages(Some(6)));
        assert!(!faults.damages(Some(7)) && !faults.damages(None));
        assert!(!faults.playlist_fails(3.99));
        assert!(faults.playlist_fails(4.0) && faults.playlist_fails(10.49));
        assert!(!faults.playlist_fails(10.5));
        let defaults = Options::parse("stall=1&fault=damage").unwrap().faults;
        assert_eq!(
            defaults.delivery(Some(1), 10).stall,
            Some((5, Duration::from_millis(3000)))
        );
        assert!(defaults.damages(None));
        assert!(!defaults.playlist_fails(0.0));
    }
}
