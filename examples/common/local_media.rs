//! Opening local media for the native CLIs (`inspect`, `trim`): an MP4 or MPEG-TS file, or an HLS playlist
//! whose segments are read from disk relative to it.

use std::path::Path;

use reelcut::demux::{self, Format};
use reelcut::edit::footage::copy_samples;
use reelcut::hls::playlist::{self, Playlist};
use reelcut::hls::segments::SegmentDemuxer;
use reelcut::media::Track;
use reelcut::{Error, ErrorCode};

/// Demuxed local media: its tracks, and the bytes their sample offsets index.
pub struct LocalMedia {
    /// `"mp4"`, `"ts"` or `"hls"`.
    pub format: &'static str,
    /// Every video and audio track, samples in decode order.
    pub tracks: Vec<Track>,
    /// The file's bytes, or (HLS) the samples' bytes copied out of every segment.
    pub data: Vec<u8>,
}

/// Reads and demuxes `path` (a `.m3u8` is a playlist).
pub fn open(path: &Path) -> Result<LocalMedia, Error> {
    if path.extension().is_some_and(|ext| ext == "m3u8") {
        let (tracks, data) = demux_playlist(path)?;
        return Ok(LocalMedia {
            format: "hls",
            tracks,
            data,
        });
    }
    let bytes = read(path)?;
    let (format, demuxed) = match demux::detect_format(&bytes) {
        Some(Format::Mp4) => ("mp4", demux::mp4::demux(&bytes)?),
        Some(Format::Ts) => ("ts", demux::ts::demux(&bytes)?.demuxed),
        None => {
            return Err(Error::new(
                ErrorCode::MalformedInput,
                "neither MP4 nor MPEG-TS (no box header or 0x47 sync byte at the start)",
            ))
        }
    };
    let (tracks, data) = demuxed.into_parts(bytes);
    Ok(LocalMedia { format, tracks, data })
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|e| Error::new(ErrorCode::Network, format!("cannot read {}: {e}", path.display())))
}

/// A local playlist: every segment read from disk and demuxed in order, samples joined per track. A
/// master playlist is read through its first variant.
fn demux_playlist(path: &Path) -> Result<(Vec<Track>, Vec<u8>), Error> {
    let uri = path.to_string_lossy().into_owned();
    let text = String::from_utf8(read(path)?)
        .map_err(|_| Error::new(ErrorCode::MalformedInput, "playlist is not UTF-8 text"))?;
    let media = match playlist::parse(&text, &uri)? {
        Playlist::Media(media) => media,
        Playlist::Master(master) => {
            let variant = master
                .variants
                .first()
                .ok_or_else(|| Error::new(ErrorCode::MalformedInput, "master playlist without variants"))?;
            return demux_playlist(Path::new(&variant.uri));
        }
    };
    let mut demuxer = SegmentDemuxer::new();
    let mut tracks: Vec<Track> = Vec::new();
    let mut data = Vec::new();
    for segment in media.segments.iter().filter(|s| !s.gap) {
        if let Some(init) = segment.init.as_ref().filter(|_| demuxer.needs_init(segment)) {
            demuxer.load_init(segment, &ranged(read(Path::new(&init.uri))?, init.range)?)?;
        }
        let bytes = ranged(read(Path::new(&segment.uri))?, segment.range)?;
        let (segment_tracks, segment_data) = demuxer.demux(segment, &bytes)?.into_parts(bytes);
        for track in segment_tracks {
            let position = match tracks.iter().position(|t| t.id == track.id) {
                Some(known) => known,
                None => {
                    tracks.push(Track {
                        samples: Vec::new(),
                        ..track.clone()
                    });
                    tracks.len() - 1
                }
            };
            copy_samples(&mut tracks[position], &mut data, &track, &segment_data, |_| true)?;
        }
    }
    Ok((tracks, data))
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
