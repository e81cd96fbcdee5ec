//! Opening local media for the native CLIs (`inspect`, `trim`): an MP4, MPEG-TS or packed audio (`.aac`,
//! `.mp3`) file, or an HLS playlist
//! whose segments are read from disk relative to it; as demuxed tracks (`inspect`) or as footage to edit
//! (`trim`), which, like the browser's, records where a segment changes codec configuration.

use std::path::Path;

use reelcut::demux::ts::Damage;
use reelcut::demux::{self, Format};
use reelcut::edit::footage::{copy_samples, Footage};
use reelcut::hls::placement::SegmentPlacer;
use reelcut::hls::playlist::{self, InitSection, MediaPlaylist, Playlist};
use reelcut::hls::segments::{ReadSegment, SegmentReader};
use reelcut::media::{first_video_and_audio, Track};
use reelcut::{Error, ErrorCode};

/// Demuxed local media: its tracks, and the bytes their sample offsets index.
pub struct LocalMedia {
    /// `"mp4"`, `"ts"`, `"packed_audio"` or `"hls"`.
    pub format: &'static str,
    /// Every video and audio track, samples in decode order.
    pub tracks: Vec<Track>,
    /// The file's bytes, or (HLS) the samples' bytes copied out of every segment.
    pub data: Vec<u8>,
    /// What the MPEG-TS demuxer found damaged and passed over, in stream order (none for MP4).
    #[allow(dead_code)] // `trim` shares this module and reports no damage
    pub damage: Vec<FoundDamage>,
}

/// MPEG-TS damage and where it was found.
#[allow(dead_code)] // `trim` shares this module and reports no damage
pub struct FoundDamage {
    /// The segment's URI (HLS), resolved against the playlist's path; `None` for a single file.
    pub segment: Option<String>,
    /// What was wrong, at which byte offset of the file or segment.
    pub damage: Damage,
}

/// Reads and demuxes `path` (a `.m3u8` is a playlist: its segments' samples joined per track).
pub fn open(path: &Path) -> Result<LocalMedia, Error> {
    if is_playlist(path) {
        let mut tracks: Vec<Track> = Vec::new();
        let mut data = Vec::new();
        let mut damage = Vec::new();
        for_each_segment(path, &mut damage, Reading::AsStored, |segment| {
            for track in segment.tracks {
                // A variant and its audio rendition may both number their track 1.
                let position = match tracks.iter().position(|t| t.id == track.id && t.kind == track.kind) {
                    Some(known) => known,
                    None => {
                        tracks.push(Track {
                            samples: Vec::new(),
                            ..track.clone()
                        });
                        tracks.len() - 1
                    }
                };
                copy_samples(&mut tracks[position], &mut data, &track, &segment.data, |_| true)?;
            }
            Ok(())
        })?;
        return Ok(LocalMedia {
            format: "hls",
            tracks,
            data,
            damage,
        });
    }
    let bytes = read(path)?;
    let mut damage = Vec::new();
    let (format, demuxed) = match demux::detect_format(&bytes) {
        Some(Format::Mp4) => ("mp4", demux::mp4::demux(&bytes)?),
        Some(Format::Ts) => {
            let segment = demux::ts::demux(&bytes)?;
            damage = segment
                .damage
                .into_iter()
                .map(|damage| FoundDamage { segment: None, damage })
                .collect();
            ("ts", segment.demuxed)
        }
        Some(Format::PackedAudio) => ("packed_audio", demux::packed_audio::demux(&bytes)?),
        None => {
            return Err(Error::new(
                ErrorCode::MalformedInput,
                "neither MP4 nor MPEG-TS nor packed audio (no box header, 0x47 sync bytes, ID3 tag or audio frame)",
            ))
        }
    };
    let (tracks, data) = demuxed.into_parts(bytes);
    Ok(LocalMedia {
        format,
        tracks,
        data,
        damage,
    })
}

/// The first video and audio track of `path` as footage to edit, with its format. A playlist's segments
/// are put on its timeline (time 0 where it starts; each discontinuity placed where the playlist says)
/// and appended one by one, as the browser export does: codec configuration changes are recorded and
/// samples repeated at a seam dropped.
#[allow(dead_code)] // `inspect` shares this module and does not edit
pub fn footage(path: &Path) -> Result<(&'static str, Footage), Error> {
    if !is_playlist(path) {
        let media = open(path)?;
        return Ok((media.format, Footage::from_file(media.tracks, media.data)));
    }
    let mut footage = Footage::default();
    // Damage in MPEG-TS segments is passed over here as in the browser; `inspect` reports it.
    let mut damage = Vec::new();
    for_each_segment(path, &mut damage, Reading::OnTimeline, |segment| {
        let (video, audio) = first_video_and_audio(segment.tracks);
        for track in [video, audio].into_iter().flatten() {
            footage.append(&track, &segment.data, |_| true)?;
        }
        Ok(())
    })?;
    Ok(("hls", footage))
}

fn is_playlist(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "m3u8")
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::new(ErrorCode::Network, format!("cannot read {}: {e}", path.display())))
}

/// How segments are read: their times as stored, or placed on the media timeline.
#[derive(Clone, Copy)]
enum Reading {
    AsStored,
    OnTimeline,
}

/// Calls `each` with every segment of the playlist at `path` (a master playlist: its first variant, then
/// its audio rendition when the sound has a playlist of its own), read as `reading` says; the damage found
/// is added to `damage`.
fn for_each_segment(
    path: &Path,
    damage: &mut Vec<FoundDamage>,
    reading: Reading,
    mut each: impl FnMut(ReadSegment) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut placer = SegmentPlacer::new();
    match parse_playlist(path)? {
        Playlist::Media(media) => read_rendition(&media, damage, reading, &mut placer, &mut each),
        Playlist::Master(master) => {
            let variant = master
                .variants
                .first()
                .ok_or_else(|| Error::new(ErrorCode::MalformedInput, "master playlist without variants"))?;
            let Playlist::Media(media) = parse_playlist(Path::new(&variant.uri))? else {
                return Err(Error::new(ErrorCode::MalformedInput, "a variant is a master playlist"));
            };
            read_rendition(&media, damage, reading, &mut placer, &mut each)?;
            // Sound from an audio rendition of its own, on the variant's clock.
            let audio = variant
                .audio_group
                .as_deref()
                .and_then(|group| master.audio_rendition(group));
            if let Some(uri) = audio.and_then(|rendition| rendition.uri.as_deref()) {
                let Playlist::Media(media) = parse_playlist(Path::new(uri))? else {
                    return Err(Error::new(
                        ErrorCode::MalformedInput,
                        "an audio rendition is a master playlist",
                    ));
                };
                read_rendition(&media, damage, reading, &mut placer, &mut each)?;
            }
            Ok(())
        }
    }
}

fn parse_playlist(path: &Path) -> Result<Playlist, Error> {
    let text = String::from_utf8(read(path)?)
        .map_err(|_| Error::new(ErrorCode::MalformedInput, "playlist is not UTF-8 text"))?;
    playlist::parse(&text, &path.to_string_lossy())
}

/// Calls `each` with every segment of one rendition, placed (when `reading` says so) with `placer`.
fn read_rendition(
    media: &MediaPlaylist,
    damage: &mut Vec<FoundDamage>,
    reading: Reading,
    placer: &mut SegmentPlacer,
    each: &mut impl FnMut(ReadSegment) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut reader = SegmentReader::new();
    // The initialization section of the segments, read once for all that share it.
    let mut init: Option<(&InitSection, Vec<u8>)> = None;
    let mut start = 0.0;
    for segment in &media.segments {
        let segment_start = start;
        start += segment.duration;
        if segment.gap {
            continue;
        }
        if let Some(section) = &segment.init {
            if init.as_ref().is_none_or(|(known, _)| *known != section) {
                init = Some((section, ranged(read(Path::new(&section.uri))?, section.range)?));
            }
        }
        let init_bytes = segment
            .init
            .as_ref()
            .and(init.as_ref())
            .map(|(_, bytes)| bytes.as_slice());
        let bytes = ranged(read(Path::new(&segment.uri))?, segment.range)?;
        let mut read = match reading {
            Reading::AsStored => reader.demux(segment, init_bytes, bytes)?,
            Reading::OnTimeline => reader.read(segment, segment_start, init_bytes, bytes, placer)?,
        };
        damage.extend(std::mem::take(&mut read.damage).into_iter().map(|found| FoundDamage {
            segment: Some(segment.uri.clone()),
            damage: found,
        }));
        each(read)?;
    }
    Ok(())
}

/// The part of a resource an `EXT-X-BYTERANGE` names.
fn ranged(bytes: Vec<u8>, range: Option<playlist::ByteRange>) -> Result<Vec<u8>, Error> {
    let Some(range) = range else { return Ok(bytes) };
    let end = range
        .start
        .checked_add(range.len)
        .filter(|end| *end <= bytes.len() as u64);
    let end = end.ok_or_else(|| Error::new(ErrorCode::MalformedInput, "byte range past the end of the file"))?;
    Ok(bytes[range.start as usize..end as usize].to_vec())
}
