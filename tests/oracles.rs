//! Independent oracles: the `mp4` crate and `hls_m3u8` read every MP4 and every playlist of the fixtures and
//! of the conformance corpus (`../shared/conformance`, or `REELCUT_CONFORMANCE`), and our readers must agree
//! with them:
//!
//! - MP4: the same video and audio tracks (by track ID), the same number of samples in each, the same size
//!   for every sample and, for progressive files, the same bytes (which checks the offsets our sample tables
//!   give). The `mp4` crate finds a fragment's sample data at its `tfhd` base offset, ignoring the `trun`
//!   data offset, so for fragmented files only counts and sizes are compared. A bare fMP4 segment is read
//!   after its initialization segment (the one `PROBE.tsv` pairs it with, or the fixture's `init.mp4`).
//! - Playlists: the same kind (master or media); for media playlists the same segments with the same URIs,
//!   durations (within 1e-6 s) and byte ranges; for master playlists the same variant URIs.
//!
//! A file the oracle refuses or panics on is listed, not a failure. Every other difference is in one of
//! the lists below with its reason (our refusal of a file the oracle reads, or the oracle's misreading),
//! and the test asserts the lists exactly: a difference that appears, or one that goes away, fails it.

// A failed unwrap here is a failed test, not a crash in a user's browser.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Cursor;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;

#[path = "common/corpus.rs"]
mod corpus;

use corpus::{conformance_dir, repo};
use reelcut::demux::mp4;
use reelcut::hls::playlist::{self, Playlist};
use reelcut::hls::uri::resolve;

/// MP4 files where the `mp4` crate reads something other than what the file holds, or that our reader
/// refuses although the `mp4` crate reads them: (file, what differs, why).
const KNOWN_MP4_DISAGREEMENTS: &[(&str, Difference, &str)] = &[
    (
        "conformance/exoplayer/mp4/sample_fixed_rechunk_no_elst.mp4",
        Difference::SampleCount,
        "uncompressed sound (ipcm) whose tables list every 2-byte frame as a sample: our reader groups each \
         chunk's frames into packets of at most 1024 frames, as ffprobe (40 packets) and ExoPlayer do; the \
         mp4 crate lists the 40,000 frames",
    ),
    (
        "conformance/exoplayer/mp4/sample_fragmented_sgpd_v2.mp4",
        Difference::WeRefuse,
        ENCRYPTED,
    ),
    (
        "conformance/mp4parse/bipbop-cenc-audioinit.mp4",
        Difference::WeRefuse,
        ENCRYPTED,
    ),
    (
        "conformance/mp4parse/bipbop_480wp_1001kbps-cenc-video-key1-init.mp4",
        Difference::WeRefuse,
        ENCRYPTED,
    ),
    (
        "conformance/mp4parse/capi/short-cenc.mp4",
        Difference::WeRefuse,
        ENCRYPTED,
    ),
    (
        "conformance/shaka/singles/h265-cea-init.mp4",
        Difference::WeRefuse,
        ENCRYPTED,
    ),
    (
        "conformance/shaka/singles/h265-cea-segment.mp4",
        Difference::WeRefuse,
        ENCRYPTED,
    ),
    (
        "conformance/shaka/singles/incorrect-enca-init.mp4",
        Difference::WeRefuse,
        ENCRYPTED,
    ),
];

/// Why an encrypted file is a known disagreement.
const ENCRYPTED: &str = "encrypted track (encv/enca with a cenc or cbcs scheme): our reader refuses encrypted media as unsupported; the mp4 crate lists its samples, which cannot be decoded without the keys";

/// Playlists where `hls_m3u8` reads something other than what the playlist says, or that our parser refuses
/// although `hls_m3u8` accepts them: (file, what differs, why).
const KNOWN_PLAYLIST_DISAGREEMENTS: &[(&str, Difference, &str)] = &[
    (
        "conformance/grafov-m3u8/widevine-bitrate.m3u8",
        Difference::WeRefuse,
        "encrypted segments (EXT-X-KEY with METHOD=AES-128): decryption is not supported, so our parser refuses \
         the playlist as unsupported; hls_m3u8 reads the key tag",
    ),
    (
        "conformance/m3u8-parser/headerOnly.m3u8",
        Difference::WeRefuse,
        "the playlist is the #EXTM3U line alone: hls_m3u8 reads it as a master playlist without variants; our \
         parser takes a playlist without variants for a media playlist, which must have EXT-X-TARGETDURATION, \
         and refuses it (there is nothing to play either way)",
    ),
    (
        "conformance/m3u8-parser/diff-init-key.m3u8",
        Difference::WeRefuse,
        "encrypted segments (EXT-X-KEY with METHOD=AES-128): decryption is not supported, so our parser refuses \
         the playlist as unsupported; hls_m3u8 reads the key tag",
    ),
    (
        "conformance/m3u8-parser/encrypted.m3u8",
        Difference::WeRefuse,
        "encrypted segments (EXT-X-KEY with METHOD=AES-128): decryption is not supported, so our parser refuses \
         the playlist as unsupported; hls_m3u8 reads the key tag",
    ),
    (
        "conformance/shaka/clear-encrypted-hls/audio-swapped.m3u8",
        Difference::WeRefuse,
        "encrypted segments (EXT-X-KEY with METHOD=SAMPLE-AES): decryption is not supported, so our parser refuses \
         the playlist as unsupported; hls_m3u8 reads the key tag",
    ),
    (
        "conformance/shaka/clear-encrypted-hls/video-swapped.m3u8",
        Difference::WeRefuse,
        "encrypted segments (EXT-X-KEY with METHOD=SAMPLE-AES): decryption is not supported, so our parser refuses \
         the playlist as unsupported; hls_m3u8 reads the key tag",
    ),
];

/// What an oracle and our reader disagree on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Difference {
    /// Our reader refuses a file the oracle reads.
    WeRefuse,
    /// The video and audio track IDs.
    Tracks,
    /// The number of samples of a track.
    SampleCount,
    /// The size of a sample.
    SampleSize,
    /// The bytes of a sample (its offset).
    SampleData,
    /// Master against media playlist.
    PlaylistKind,
    /// The number of segments, or of variants.
    SegmentCount,
    /// A segment's or variant's URI.
    Uri,
    /// A segment's duration.
    Duration,
    /// A segment's byte range.
    ByteRange,
}

/// The files under `dir` whose extension is one of `extensions` (case-insensitively), sorted by path.
fn files(dir: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                // The fixtures' scratch folder of make.sh is not a fixture.
                if !path.ends_with(".work") {
                    pending.push(path);
                }
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
            {
                found.push(path);
            }
        }
    }
    #[allow(clippy::disallowed_methods)] // a native test: the wasm-size rules do not apply
    found.sort();
    found
}

/// A file as the lists and the summary name it: `fixtures/...` or `conformance/...`.
struct Named {
    name: String,
    path: PathBuf,
}

fn corpus(extensions: &[&str]) -> Vec<Named> {
    let fixtures = repo().join("tests/fixtures");
    let conformance = conformance_dir();
    let mut all = Vec::new();
    for (label, root) in [("fixtures", &fixtures), ("conformance", &conformance)] {
        for path in files(root, extensions) {
            let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            all.push(Named {
                name: format!("{label}/{relative}"),
                path,
            });
        }
    }
    all
}

thread_local! {
    /// Set while an oracle runs: its panics are expected, and reported as a refusal instead of printed.
    static IN_ORACLE: Cell<bool> = const { Cell::new(false) };
}

/// Runs an oracle, turning a panic into `Err` with its message.
fn oracle<T>(read: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    static QUIET_HOOK: Once = Once::new();
    QUIET_HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !IN_ORACLE.with(Cell::get) {
                default(info);
            }
        }));
    });
    IN_ORACLE.with(|flag| flag.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(read));
    IN_ORACLE.with(|flag| flag.set(false));
    result.unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(format!("panicked: {message}"))
    })
}

/// FNV-1a: enough to tell two samples' bytes apart.
fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A track as one reader sees it: per sample its size and (where the reader locates it) a hash of its bytes.
type Samples = Vec<(u32, Option<u64>)>;

/// The `mp4` crate's reading: its video and audio tracks by ID.
fn their_mp4(bytes: &[u8]) -> Result<BTreeMap<u32, Samples>, String> {
    oracle(|| {
        let mut reader =
            ::mp4::Mp4Reader::read_header(Cursor::new(bytes), bytes.len() as u64).map_err(|e| e.to_string())?;
        let mut tracks = BTreeMap::new();
        let wanted: Vec<(u32, u32, bool)> = reader
            .tracks()
            .values()
            .filter(|t| matches!(&t.trak.mdia.hdlr.handler_type.value, b"vide" | b"soun"))
            .map(|t| (t.track_id(), t.sample_count(), !t.trafs.is_empty()))
            .collect();
        for (id, count, fragmented) in wanted {
            let mut samples = Vec::new();
            for sample_id in 1..=count {
                let sample = reader
                    .read_sample(id, sample_id)
                    .map_err(|e| format!("track {id} sample {sample_id}: {e}"))?
                    .ok_or_else(|| format!("track {id} sample {sample_id}: not found"))?;
                let size = u32::try_from(sample.bytes.len()).unwrap();
                samples.push((size, (!fragmented).then(|| hash(&sample.bytes))));
            }
            tracks.insert(id, samples);
        }
        Ok(tracks)
    })
}

/// Our reading, in the same shape.
fn our_mp4(bytes: &[u8]) -> Result<BTreeMap<u32, Samples>, String> {
    let demuxed = mp4::demux(bytes).map_err(|e| e.to_string())?;
    Ok(demuxed
        .tracks
        .iter()
        .map(|track| {
            let samples = track
                .samples
                .iter()
                .map(|s| (s.stored_size, Some(hash(demuxed.sample_data(bytes, s).unwrap()))))
                .collect();
            (track.id, samples)
        })
        .collect())
}

/// Where the two readings differ, each difference with what it is.
fn compare_mp4(ours: &BTreeMap<u32, Samples>, theirs: &BTreeMap<u32, Samples>) -> Vec<(Difference, String)> {
    let ids = |m: &BTreeMap<u32, Samples>| m.keys().copied().collect::<Vec<_>>();
    if ids(ours) != ids(theirs) {
        return vec![(
            Difference::Tracks,
            format!("track IDs {:?} against {:?}", ids(ours), ids(theirs)),
        )];
    }
    let mut found = Vec::new();
    for (id, our_samples) in ours {
        let their_samples = &theirs[id];
        if our_samples.len() != their_samples.len() {
            found.push((
                Difference::SampleCount,
                format!(
                    "track {id}: {} samples against {}",
                    our_samples.len(),
                    their_samples.len()
                ),
            ));
            continue;
        }
        let mut pairs = our_samples.iter().zip(their_samples).enumerate();
        if let Some((i, (a, b))) = pairs.clone().find(|(_, (a, b))| a.0 != b.0) {
            found.push((
                Difference::SampleSize,
                format!("track {id} sample {}: {} bytes against {}", i + 1, a.0, b.0),
            ));
        } else if let Some((i, _)) = pairs.find(|(_, (a, b))| b.1.is_some() && a.1 != b.1) {
            found.push((
                Difference::SampleData,
                format!("track {id} sample {}: other bytes", i + 1),
            ));
        }
    }
    found
}

/// The bare fMP4 segments of the conformance corpus and the initialization segment `PROBE.tsv` names for
/// each (its ffprobe column starts "(with NAME)", NAME in the same folder).
fn conformance_init_segments(dir: &Path) -> BTreeMap<String, String> {
    let table = fs::read_to_string(dir.join("PROBE.tsv")).unwrap();
    let mut header = table.lines().next().unwrap().split('\t');
    let path_column = header.clone().position(|c| c == "path").unwrap();
    let probe_column = header.position(|c| c == "ffprobe").unwrap();
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            let init = fields.get(probe_column)?.strip_prefix("(with ")?.split_once(')')?.0;
            let path = fields.get(path_column)?;
            let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
            Some((format!("conformance/{path}"), format!("conformance/{folder}/{init}")))
        })
        .collect()
}

/// Counts of one oracle run, for the summary.
#[derive(Default)]
struct Tally {
    /// The files compared.
    compared: Vec<String>,
    agreeing: usize,
    /// Samples (MP4) or segments and variants (playlists) the oracle read in the files compared.
    items: usize,
    oracle_refused: Vec<(String, String)>,
    disagreements: BTreeMap<(String, Difference), String>,
}

impl Tally {
    /// Prints the counts, the disagreements grouped by their known reason, and the oracle's refusals.
    fn report(&self, oracle: &str, known: &[(&str, Difference, &str)]) {
        let from = |source: &str| {
            let compared = self.compared.iter().filter(|f| f.starts_with(source)).count();
            format!("{compared} {source}")
        };
        println!(
            "{oracle}: {} files compared ({}, {}; {} {}), {} agree, {} disagree, {} refused by {oracle}",
            self.compared.len(),
            from("fixtures"),
            from("conformance"),
            self.items,
            if oracle == "mp4" {
                "samples"
            } else {
                "segments and variants"
            },
            self.agreeing,
            self.compared.len() - self.agreeing,
            self.oracle_refused.len()
        );
        let mut by_reason: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for ((file, kind), detail) in &self.disagreements {
            let reason = known
                .iter()
                .find(|(f, k, _)| f == file && k == kind)
                .map_or("NOT IN THE KNOWN LIST", |(_, _, reason)| reason);
            by_reason
                .entry(reason)
                .or_default()
                .push(format!("{file} ({kind:?}: {})", shorten(detail)));
        }
        for (reason, files) in by_reason {
            println!("  {} disagreement(s): {reason}", files.len());
            for file in files {
                println!("    {file}");
            }
        }
        for (file, reason) in &self.oracle_refused {
            println!("  refused by {oracle}: {file}: {}", shorten(reason));
        }
    }

    /// The disagreements must be exactly the known ones.
    fn check(&self, known: &[(&str, Difference, &str)]) {
        let found: BTreeSet<(String, Difference)> = self.disagreements.keys().cloned().collect();
        let expected: BTreeSet<(String, Difference)> =
            known.iter().map(|(file, kind, _)| (file.to_string(), *kind)).collect();
        let new: Vec<_> = found
            .difference(&expected)
            .map(|k| (k, &self.disagreements[k]))
            .collect();
        let gone: Vec<_> = expected.difference(&found).collect();
        assert!(
            new.is_empty() && gone.is_empty(),
            "disagreements not in the known list: {new:#?}\nknown disagreements that no longer happen: {gone:#?}"
        );
    }
}

/// A message on one line of at most 150 characters (hls_m3u8 quotes whole playlists in its errors).
fn shorten(text: &str) -> String {
    let line = text.replace('\n', "\\n");
    match line.char_indices().nth(150) {
        Some((at, _)) => format!("{}...", &line[..at]),
        None => line,
    }
}

#[test]
fn the_mp4_crate_reads_the_same_samples() {
    let inits = conformance_init_segments(&conformance_dir());
    let all = corpus(&["mp4", "m4a", "m4v", "m4b", "m4s", "mov", "3gp"]);
    let by_name: BTreeMap<&str, &Path> = all.iter().map(|f| (f.name.as_str(), f.path.as_path())).collect();
    let mut tally = Tally::default();
    for file in &all {
        let mut bytes = fs::read(&file.path).unwrap();
        // A bare segment is read after its initialization segment.
        let init = match inits.get(&file.name) {
            Some(init) => Some(by_name[init.as_str()].to_path_buf()),
            None if file.name.starts_with("fixtures/") && file.name.ends_with(".m4s") => {
                Some(file.path.with_file_name("init.mp4"))
            }
            None => None,
        };
        if let Some(init) = init {
            let mut joined = fs::read(init).unwrap();
            joined.append(&mut bytes);
            bytes = joined;
        }
        let theirs = match their_mp4(&bytes) {
            Ok(theirs) => theirs,
            Err(reason) => {
                tally.oracle_refused.push((file.name.clone(), reason));
                continue;
            }
        };
        tally.compared.push(file.name.clone());
        tally.items += theirs.values().map(Vec::len).sum::<usize>();
        let differences = match our_mp4(&bytes) {
            Ok(ours) => compare_mp4(&ours, &theirs),
            Err(error) => vec![(Difference::WeRefuse, error)],
        };
        if differences.is_empty() {
            tally.agreeing += 1;
        }
        for (kind, detail) in differences {
            tally.disagreements.insert((file.name.clone(), kind), detail);
        }
    }
    tally.report("mp4", KNOWN_MP4_DISAGREEMENTS);
    assert!(
        tally.compared.len() >= 100,
        "only {} MP4 files compared",
        tally.compared.len()
    );
    tally.check(KNOWN_MP4_DISAGREEMENTS);
}

/// A segment as `hls_m3u8` reads it: URI, duration in seconds, byte range (start, length).
type TheirSegment = (String, f64, Option<(u64, u64)>);

/// `hls_m3u8`'s reading of a playlist, in the shape of ours.
enum TheirPlaylist {
    /// The variant URIs.
    Master(Vec<String>),
    Media(Vec<TheirSegment>),
}

impl TheirPlaylist {
    fn describe(&self) -> String {
        match self {
            TheirPlaylist::Master(variants) => format!("a master playlist of {} variants", variants.len()),
            TheirPlaylist::Media(segments) => format!("a media playlist of {} segments", segments.len()),
        }
    }
}

fn their_playlist(text: &str) -> Result<TheirPlaylist, String> {
    oracle(|| match hls_m3u8::MediaPlaylist::try_from(text) {
        Ok(media) => Ok(TheirPlaylist::Media(
            media
                .segments
                .values()
                .map(|s| {
                    let range = s.byte_range.map(|r| {
                        let start = r.start().unwrap_or(0);
                        (start as u64, (r.end() - start) as u64)
                    });
                    (s.uri().to_string(), s.duration.duration().as_secs_f64(), range)
                })
                .collect(),
        )),
        Err(media_error) => match hls_m3u8::MasterPlaylist::try_from(text) {
            Ok(master) => Ok(TheirPlaylist::Master(
                master
                    .variant_streams
                    .iter()
                    .filter_map(|v| match v {
                        hls_m3u8::tags::VariantStream::ExtXStreamInf { uri, .. } => Some(uri.to_string()),
                        hls_m3u8::tags::VariantStream::ExtXIFrame { .. } => None,
                    })
                    .collect(),
            )),
            Err(master_error) => Err(format!("as media: {media_error}; as master: {master_error}")),
        },
    })
}

fn compare_playlists(base: &str, ours: &Playlist, theirs: &TheirPlaylist) -> Vec<(Difference, String)> {
    let mut found = Vec::new();
    match (ours, theirs) {
        (Playlist::Master(ours), TheirPlaylist::Master(theirs)) => {
            let our_uris: Vec<&str> = ours.variants.iter().map(|v| v.uri.as_str()).collect();
            let their_uris: Vec<String> = theirs.iter().map(|uri| resolve(base, uri)).collect();
            if our_uris.len() != their_uris.len() {
                found.push((
                    Difference::SegmentCount,
                    format!("{} variants against {}", our_uris.len(), their_uris.len()),
                ));
            } else if let Some((a, b)) = our_uris.iter().zip(&their_uris).find(|(a, b)| a != b) {
                found.push((Difference::Uri, format!("variant {a} against {b}")));
            }
        }
        (Playlist::Media(ours), TheirPlaylist::Media(theirs)) => {
            if ours.segments.len() != theirs.len() {
                found.push((
                    Difference::SegmentCount,
                    format!("{} segments against {}", ours.segments.len(), theirs.len()),
                ));
                return found;
            }
            let pairs = || ours.segments.iter().zip(theirs).enumerate();
            if let Some((i, (a, b))) = pairs().find(|(_, (a, b))| a.uri != resolve(base, &b.0)) {
                found.push((Difference::Uri, format!("segment {i}: {} against {}", a.uri, b.0)));
            }
            if let Some((i, (a, b))) = pairs().find(|(_, (a, b))| (a.duration - b.1).abs() > 1e-6) {
                found.push((
                    Difference::Duration,
                    format!("segment {i}: {} s against {} s", a.duration, b.1),
                ));
            }
            if let Some((i, (a, b))) = pairs().find(|(_, (a, b))| a.range.map(|r| (r.start, r.len)) != b.2) {
                found.push((
                    Difference::ByteRange,
                    format!("segment {i}: {:?} against {:?}", a.range, b.2),
                ));
            }
        }
        (ours, _) => found.push((
            Difference::PlaylistKind,
            format!(
                "ours is a {} playlist, theirs is not",
                if matches!(ours, Playlist::Master(_)) {
                    "master"
                } else {
                    "media"
                }
            ),
        )),
    }
    found
}

#[test]
fn hls_m3u8_reads_the_same_playlists() {
    let mut tally = Tally::default();
    for file in corpus(&["m3u8"]) {
        let text = fs::read_to_string(&file.path).unwrap();
        let theirs = match their_playlist(&text) {
            Ok(theirs) => theirs,
            Err(reason) => {
                tally.oracle_refused.push((file.name.clone(), reason));
                continue;
            }
        };
        tally.compared.push(file.name.clone());
        tally.items += match &theirs {
            TheirPlaylist::Master(variants) => variants.len(),
            TheirPlaylist::Media(segments) => segments.len(),
        };
        let base = format!("http://example.com/{}", file.name);
        let differences = match playlist::parse(&text, &base) {
            Ok(ours) => compare_playlists(&base, &ours, &theirs),
            Err(error) => vec![(
                Difference::WeRefuse,
                format!("{error}; hls_m3u8 read {}", theirs.describe()),
            )],
        };
        if differences.is_empty() {
            tally.agreeing += 1;
        }
        for (kind, detail) in differences {
            tally.disagreements.insert((file.name.clone(), kind), detail);
        }
    }
    tally.report("hls_m3u8", KNOWN_PLAYLIST_DISAGREEMENTS);
    assert!(
        tally.compared.len() >= 80,
        "only {} playlists compared",
        tally.compared.len()
    );
    tally.check(KNOWN_PLAYLIST_DISAGREEMENTS);
}
