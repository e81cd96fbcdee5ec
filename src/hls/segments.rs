//! Demuxing the segments of one HLS rendition in order: MPEG-TS segments share one [`TsDemuxer`]
//! (program tables, codec configurations and the timestamp unwrap carry over), packed audio segments one
//! [`PackedAudioDemuxer`] (likewise); fMP4 segments are read with the `EXT-X-MAP` initialization section
//! that applies to them.

use super::playlist::Segment;
use crate::demux::fmp4::FragmentReader;
use crate::demux::mp4::Movie;
use crate::demux::packed_audio::PackedAudioDemuxer;
use crate::demux::ts::{Damage, TsDemuxer};
use crate::demux::{detect_format, Format};
use crate::error::{Error, ErrorCode, Result};
use crate::media::Demuxed;

/// Demuxes consecutive segments of one rendition.
#[derive(Debug, Default)]
pub struct SegmentDemuxer {
    ts: TsDemuxer,
    packed_audio: PackedAudioDemuxer,
    /// The initialization section in use (its URI and byte range) and a reader built from it.
    fmp4: Option<(String, FragmentReader)>,
    damage: Vec<Damage>,
}

impl SegmentDemuxer {
    /// A demuxer with no state.
    pub fn new() -> Self {
        SegmentDemuxer::default()
    }

    /// Whether `segment` needs an initialization section that is not loaded yet: fetch it and call
    /// [`SegmentDemuxer::load_init`] before [`SegmentDemuxer::demux`].
    pub fn needs_init(&self, segment: &Segment) -> bool {
        segment
            .init
            .as_ref()
            .is_some_and(|init| self.fmp4.as_ref().is_none_or(|(key, _)| *key != init_key(init)))
    }

    /// Loads the initialization section of `segment` from its bytes.
    pub fn load_init(&mut self, segment: &Segment, init_bytes: &[u8]) -> Result<()> {
        let init = segment.init.as_ref().ok_or_else(|| {
            Error::new(
                ErrorCode::MalformedInput,
                "segment has no EXT-X-MAP initialization section",
            )
        })?;
        let boxes = crate::demux::boxes::top_level_boxes(init_bytes)?;
        let moov = boxes
            .iter()
            .find(|b| &b.kind == b"moov")
            .ok_or_else(|| Error::new(ErrorCode::MalformedInput, "initialization section has no 'moov' box"))?;
        let movie = Movie::parse_moov(crate::demux::boxes::box_bytes(init_bytes, moov), u64::MAX)?;
        self.fmp4 = Some((init_key(init), FragmentReader::new(&movie)));
        Ok(())
    }

    /// Demuxes one segment's bytes (sample offsets point into them, or into the returned payload for TS).
    pub fn demux(&mut self, segment: &Segment, bytes: &[u8]) -> Result<Demuxed> {
        match detect_format(bytes) {
            Some(Format::Ts) => {
                let out = self.ts.demux_segment(bytes)?;
                self.damage.extend(out.damage);
                Ok(out.demuxed)
            }
            Some(Format::PackedAudio) => self.packed_audio.demux_segment(bytes),
            Some(Format::Mp4) => {
                if self.needs_init(segment) || self.fmp4.is_none() {
                    return Err(Error::new(
                        ErrorCode::MalformedInput,
                        format!("fMP4 segment {} without its initialization section", segment.sequence),
                    ));
                }
                let (_, reader) = self.fmp4.as_mut().ok_or_else(|| {
                    Error::new(
                        ErrorCode::MalformedInput,
                        "fMP4 segment without an initialization section",
                    )
                })?;
                reader.read(bytes)
            }
            None => Err(Error::new(
                ErrorCode::UnsupportedCodec,
                format!("segment {} is neither MPEG-TS, packed audio nor fMP4", segment.sequence),
            )),
        }
    }

    /// Damage found in MPEG-TS segments so far (skipped bytes, lost packets), oldest first.
    pub fn take_damage(&mut self) -> Vec<Damage> {
        std::mem::take(&mut self.damage)
    }
}

fn init_key(init: &super::playlist::InitSection) -> String {
    match init.range {
        Some(range) => format!("{}#{}+{}", init.uri, range.start, range.len),
        None => init.uri.clone(),
    }
}
