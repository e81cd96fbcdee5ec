//! The segments of one HLS rendition, from their bytes to samples on the media timeline; the one pipeline the
//! browser and the CLIs share. [`SegmentReader::demux`] demuxes: MPEG-TS segments share one [`TsDemuxer`]
//! (program tables, codec configurations and the timestamp unwrap carry over within a discontinuity
//! domain), packed audio segments one [`PackedAudioDemuxer`] (likewise); fMP4 segments are read with the
//! `EXT-X-MAP` initialization section that applies to them. [`SegmentReader::read`] also places the samples
//! on the media timeline with a [`SegmentPlacer`]: one per clock, shared by a variant and the audio
//! rendition it plays with, whose timestamps count on the same clock.

use super::placement::SegmentPlacer;
use super::playlist::Segment;
use crate::demux::fmp4::FragmentReader;
use crate::demux::movie::Movie;
use crate::demux::packed_audio::PackedAudioDemuxer;
use crate::demux::ts::{Damage, TsDemuxer};
use crate::demux::{detect_format, Format};
use crate::error::{Error, ErrorCode, Result};
use crate::media::{Demuxed, Track};

/// One rendition's segments read one after another (in playlist order, or as seeks ask for them).
#[derive(Debug, Default)]
pub struct SegmentReader {
    demuxer: SegmentDemuxer,
    /// The discontinuity domain of the last segment demuxed: a new one starts the MPEG-TS and packed audio
    /// state afresh (a new encoder, new tables and timestamps).
    domain: Option<u64>,
}

/// A segment read: its tracks, the bytes their sample offsets index, and what was found damaged in it.
#[derive(Debug)]
pub struct ReadSegment {
    /// The segment's tracks, samples in decode order.
    pub tracks: Vec<Track>,
    /// The bytes the samples' offsets index.
    pub data: Vec<u8>,
    /// What the MPEG-TS demuxer found broken and passed over.
    pub damage: Vec<Damage>,
    /// The earliest timestamp shown, as stored in the segment (MPEG-TS: 90 kHz ticks) before placing: where
    /// the segment's start is, for placing the damage's own stored times.
    pub stored_start: Option<i64>,
}

impl SegmentReader {
    /// A reader with no state.
    pub fn new() -> Self {
        SegmentReader::default()
    }

    /// Demuxes `segment` from its `bytes`, after its initialization section `init` (the bytes its
    /// `EXT-X-MAP` names: required when it has one, read again only when it changed). Times stay as stored
    /// (MPEG-TS wraps unwrapped).
    pub fn demux(&mut self, segment: &Segment, init: Option<&[u8]>, bytes: Vec<u8>) -> Result<ReadSegment> {
        if self.domain != Some(segment.discontinuity) {
            self.demuxer.start_domain();
            self.domain = Some(segment.discontinuity);
        }
        if self.demuxer.needs_init(segment) {
            let init = init.ok_or_else(|| {
                Error::malformed(format!("segment {} needs its initialization section", segment.sequence))
            })?;
            self.demuxer.load_init(segment, init)?;
        }
        let (tracks, data) = self.demuxer.demux(segment, &bytes)?.into_parts(bytes);
        let mut stored_start: Option<i64> = None;
        for track in &tracks {
            if let Some(pts) = track.first_shown_pts() {
                stored_start = Some(stored_start.map_or(pts, |known| known.min(pts)));
            }
        }
        Ok(ReadSegment {
            tracks,
            data,
            damage: self.demuxer.take_damage(),
            stored_start,
        })
    }

    /// Demuxes `segment` as [`SegmentReader::demux`] does and places its samples on the media timeline with
    /// `placer`, where the playlist says it starts: `start` seconds (the `EXTINF`s before it).
    pub fn read(
        &mut self,
        segment: &Segment,
        start: f64,
        init: Option<&[u8]>,
        bytes: Vec<u8>,
        placer: &mut SegmentPlacer,
    ) -> Result<ReadSegment> {
        // 33-bit timestamps that wrap, rather than fMP4's 64-bit ones.
        let mpeg_ts = matches!(detect_format(&bytes), Some(Format::Ts | Format::PackedAudio));
        let mut read = self.demux(segment, init, bytes)?;
        placer.place(segment.discontinuity, start, &mut read.tracks, mpeg_ts)?;
        Ok(read)
    }
}

/// Demuxes consecutive segments of one rendition.
#[derive(Debug, Default)]
struct SegmentDemuxer {
    ts: TsDemuxer,
    packed_audio: PackedAudioDemuxer,
    /// The initialization section in use (its URI and byte range) and a reader built from it.
    fmp4: Option<(String, FragmentReader)>,
    damage: Vec<Damage>,
}

impl SegmentDemuxer {
    /// Forgets what MPEG-TS and packed audio segments carried over (the initialization section stays).
    fn start_domain(&mut self) {
        self.ts = TsDemuxer::default();
        self.packed_audio = PackedAudioDemuxer::default();
    }

    /// Whether `segment` needs an initialization section that is not loaded yet: fetch it and call
    /// [`SegmentDemuxer::load_init`] before [`SegmentDemuxer::demux`].
    fn needs_init(&self, segment: &Segment) -> bool {
        segment
            .init
            .as_ref()
            .is_some_and(|init| self.fmp4.as_ref().is_none_or(|(key, _)| *key != init_key(init)))
    }

    /// Loads the initialization section of `segment` from its bytes.
    fn load_init(&mut self, segment: &Segment, init_bytes: &[u8]) -> Result<()> {
        let init = segment
            .init
            .as_ref()
            .ok_or_else(|| Error::malformed("segment has no EXT-X-MAP initialization section"))?;
        let boxes = crate::demux::boxes::top_level_boxes(init_bytes)?;
        let moov = boxes
            .iter()
            .find(|b| &b.kind == b"moov")
            .ok_or_else(|| Error::malformed("initialization section has no 'moov' box"))?;
        let movie = Movie::parse_moov(crate::demux::boxes::box_bytes(init_bytes, moov), u64::MAX)?;
        self.fmp4 = Some((init_key(init), FragmentReader::new(&movie)));
        Ok(())
    }

    /// Demuxes one segment's bytes (sample offsets point into them, or into the returned payload for TS).
    fn demux(&mut self, segment: &Segment, bytes: &[u8]) -> Result<Demuxed> {
        match detect_format(bytes) {
            Some(Format::Ts) => {
                let out = self.ts.demux_segment(bytes)?;
                self.damage.extend(out.damage);
                Ok(out.demuxed)
            }
            Some(Format::PackedAudio) => self.packed_audio.demux_segment(bytes),
            Some(Format::Mp4) => {
                if self.needs_init(segment) || self.fmp4.is_none() {
                    return Err(Error::malformed(format!(
                        "fMP4 segment {} without its initialization section",
                        segment.sequence
                    )));
                }
                let (_, reader) = self
                    .fmp4
                    .as_mut()
                    .ok_or_else(|| Error::malformed("fMP4 segment without an initialization section"))?;
                reader.read(bytes)
            }
            None => Err(Error::new(
                ErrorCode::UnsupportedCodec,
                format!("segment {} is neither MPEG-TS, packed audio nor fMP4", segment.sequence),
            )),
        }
    }

    /// Damage found in MPEG-TS segments so far (skipped bytes, lost packets), oldest first.
    fn take_damage(&mut self) -> Vec<Damage> {
        std::mem::take(&mut self.damage)
    }
}

fn init_key(init: &super::playlist::InitSection) -> String {
    match init.range {
        Some(range) => format!("{}#{}+{}", init.uri, range.start, range.len),
        None => init.uri.clone(),
    }
}
