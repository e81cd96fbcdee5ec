//! Fragmented MP4 (CMAF, HLS fMP4 segments): `moof` boxes describe runs of samples (`trun`) in the `mdat`
//! that follows, with defaults from `tfhd` and from the init segment's `trex`.
//!
//! The init segment is a `moov` with `mvex`, parsed by [`Movie::parse_moov`]; a [`FragmentReader`] then turns
//! each media segment (or the rest of a single fragmented file) into samples.

use super::boxes::{box_bytes, read_header, top_level_boxes};
use super::moov::TrackDefaults;
use super::movie::Movie;
use super::reader::{child, required_child, BoxReader};
use crate::error::{Error, Result};
use crate::isobmff::flags::{
    is_sync, BASE_DATA_OFFSET_PRESENT, DATA_OFFSET_PRESENT, DEFAULT_BASE_IS_MOOF, DEFAULT_DURATION_PRESENT,
    DEFAULT_FLAGS_PRESENT, DEFAULT_SIZE_PRESENT, FIRST_SAMPLE_FLAGS_PRESENT, SAMPLE_COMPOSITION_OFFSET_PRESENT,
    SAMPLE_DESCRIPTION_INDEX_PRESENT, SAMPLE_DURATION_PRESENT, SAMPLE_FLAGS_PRESENT, SAMPLE_SIZE_PRESENT,
};
use crate::media::{Demuxed, Payload, Sample, Track, TrackKind};

/// Reads fragments of one movie, keeping each track's decode time running across segments for fragments
/// without a `tfdt`.
#[derive(Debug, Clone)]
pub struct FragmentReader {
    tracks: Vec<FragmentTrack>,
}

#[derive(Debug, Clone)]
struct FragmentTrack {
    template: Track,
    shift: i64,
    defaults: TrackDefaults,
    /// Stored (unshifted) decode time where the next fragment continues.
    next_dts: i64,
}

impl FragmentReader {
    /// A reader for the fragments of `movie` (parsed from the init segment).
    pub fn new(movie: &Movie) -> Self {
        let mut tracks = Vec::with_capacity(movie.tracks.len());
        for t in &movie.tracks {
            tracks.push(FragmentTrack {
                template: Track {
                    samples: Vec::new(),
                    ..t.track.clone()
                },
                shift: t.shift,
                defaults: t.defaults,
                next_dts: 0,
            });
        }
        FragmentReader { tracks }
    }

    /// Parses a media segment (`styp`/`sidx`/`moof`/`mdat`/... boxes). Sample offsets count from the
    /// start of `bytes`; every sample must lie inside it.
    pub fn read(&mut self, bytes: &[u8]) -> Result<Demuxed> {
        let mut tracks = Vec::with_capacity(self.tracks.len());
        for track in &self.tracks {
            tracks.push(track.template.clone());
        }
        let boxes = top_level_boxes(bytes)?;
        // The last box is an `mdat` that claims more bytes than the segment has: the segment is a byte
        // range of a larger fragment (an I-frame playlist's segments hold just the key frame its `trun`
        // lists first), so the samples that start past its end are not part of it.
        let cut_short = boxes.last().is_some_and(|last| {
            &last.kind == b"mdat"
                && read_header(bytes.get(last.offset as usize..).unwrap_or_default(), last.offset)
                    .ok()
                    .flatten()
                    .is_some_and(|claimed| claimed.size != last.size)
        });
        for header in boxes.iter().filter(|b| &b.kind == b"moof") {
            let body = box_bytes(bytes, header).get(header.header_len as usize..);
            let moof = BoxReader::new(header.kind, body.unwrap_or_default());
            let mut previous_data_end = header.offset;
            for traf in moof.children() {
                let traf = traf?;
                if &traf.kind() != b"traf" {
                    continue;
                }
                let tfhd = TrackFragmentHeader::read(&required_child(&traf, b"tfhd")?)?;
                let Some(index) = self.tracks.iter().position(|t| t.template.id == tfhd.track_id) else {
                    continue;
                };
                previous_data_end = self.tracks[index].read_traf(
                    &traf,
                    &tfhd,
                    header.offset,
                    previous_data_end,
                    (bytes.len() as u64, cut_short),
                    &mut tracks[index].samples,
                )?;
            }
        }
        Ok(Demuxed {
            tracks,
            payload: Payload::Source,
        })
    }
}

/// A track fragment header: which track, where its data offsets count from, and sample defaults that
/// override the `trex` ones.
struct TrackFragmentHeader {
    track_id: u32,
    base_data_offset: Option<u64>,
    default_base_is_moof: bool,
    duration: Option<u32>,
    size: Option<u32>,
    flags: Option<u32>,
}

impl TrackFragmentHeader {
    fn read(tfhd: &BoxReader) -> Result<Self> {
        let mut tfhd = tfhd.clone();
        let (_, flags) = tfhd.full_box()?;
        let track_id = tfhd.u32()?;
        let base_data_offset = (flags & BASE_DATA_OFFSET_PRESENT != 0)
            .then(|| tfhd.u64())
            .transpose()?;
        if flags & SAMPLE_DESCRIPTION_INDEX_PRESENT != 0 {
            tfhd.u32()?;
        }
        let mut optional = |bit: u32| (flags & bit != 0).then(|| tfhd.u32()).transpose();
        Ok(TrackFragmentHeader {
            track_id,
            base_data_offset,
            duration: optional(DEFAULT_DURATION_PRESENT)?,
            size: optional(DEFAULT_SIZE_PRESENT)?,
            flags: optional(DEFAULT_FLAGS_PRESENT)?,
            default_base_is_moof: flags & DEFAULT_BASE_IS_MOOF != 0,
        })
    }
}

impl FragmentTrack {
    /// Appends the samples of one track fragment; returns the offset just past its data.
    fn read_traf(
        &mut self,
        traf: &BoxReader,
        tfhd: &TrackFragmentHeader,
        moof_offset: u64,
        previous_data_end: u64,
        (len, cut_short): (u64, bool),
        samples: &mut Vec<Sample>,
    ) -> Result<u64> {
        // Where data offsets count from (ISO/IEC 14496-12 8.8.7.1): an explicit base, the moof itself,
        // or, for a later track fragment without either, the end of the previous one's data.
        let base = match tfhd.base_data_offset {
            Some(base) => base,
            None if tfhd.default_base_is_moof => moof_offset,
            None => previous_data_end,
        };
        let mut dts = match child(traf, b"tfdt")? {
            Some(mut tfdt) => {
                let (version, _) = tfdt.full_box()?;
                i64::try_from(tfdt.u32_or_u64(version)?).map_err(|_| Error::malformed("tfdt decode time too large"))?
            }
            None => self.next_dts,
        };
        let mut data = base;
        for trun in traf.children() {
            let mut trun = trun?;
            if &trun.kind() != b"trun" {
                continue;
            }
            let (_, flags) = trun.full_box()?;
            let count = trun.u32()?;
            if u64::from(count) > len {
                return Err(Error::limit(format!(
                    "trun claims {count} samples in a {len}-byte segment"
                )));
            }
            if flags & DATA_OFFSET_PRESENT != 0 {
                data = base
                    .checked_add_signed(i64::from(trun.i32()?))
                    .ok_or_else(|| Error::malformed("trun data offset"))?;
            }
            let first_flags = (flags & FIRST_SAMPLE_FLAGS_PRESENT != 0)
                .then(|| trun.u32())
                .transpose()?;
            for i in 0..count {
                let mut field = |bit: u32| (flags & bit != 0).then(|| trun.u32()).transpose();
                let duration = field(SAMPLE_DURATION_PRESENT)?
                    .or(tfhd.duration)
                    .unwrap_or(self.defaults.duration);
                let size = field(SAMPLE_SIZE_PRESENT)?.or(tfhd.size).unwrap_or(self.defaults.size);
                let sample_flags = field(SAMPLE_FLAGS_PRESENT)?
                    .or(if i == 0 { first_flags } else { None })
                    .or(tfhd.flags)
                    .unwrap_or(self.defaults.flags);
                // Signed whatever the box version, as ffmpeg reads it.
                let composition = field(SAMPLE_COMPOSITION_OFFSET_PRESENT)?.map_or(0, |c| i64::from(c as i32));
                let end = data
                    .checked_add(u64::from(size))
                    .filter(|end| *end <= len || (cut_short && data >= len))
                    .ok_or_else(|| {
                        Error::malformed(format!(
                            "track {}: fragment sample data lies outside the segment",
                            self.template.id
                        ))
                    })?;
                if end > len {
                    // Past the end of a segment cut short (see `FragmentReader::read`).
                    dts = dts.saturating_add(i64::from(duration));
                    data = end;
                    continue;
                }
                samples.push(Sample {
                    pts: dts.saturating_add(composition).saturating_add(self.shift),
                    dts: dts.saturating_add(self.shift),
                    duration,
                    key: self.template.kind == TrackKind::Audio || is_sync(sample_flags),
                    offset: data,
                    size,
                    stored_size: size,
                });
                dts = dts
                    .checked_add(i64::from(duration))
                    .ok_or_else(|| Error::malformed("decode time overflows"))?;
                data = end;
            }
        }
        self.next_dts = dts;
        Ok(data)
    }
}
