//! Fragmented MP4 (CMAF, HLS fMP4 segments): `moof` boxes describe runs of samples (`trun`) in the `mdat`
//! that follows, with defaults from `tfhd` and from the init segment's `trex`.
//!
//! The init segment is a `moov` with `mvex`, parsed by [`Movie::parse_moov`]; a [`FragmentReader`] then turns
//! each media segment (or the rest of a single fragmented file) into samples.

use mp4_atom::{Decode, Moof, Traf};

use super::boxes::{blank_unread_boxes, box_bytes, top_level_boxes};
use super::mp4::{Movie, TrackDefaults};
use crate::error::{Error, ErrorCode, Result};
use crate::media::{Demuxed, Payload, Sample, Track, TrackKind};

/// `sample_is_non_sync_sample` in the sample flags (ISO/IEC 14496-12 8.8.3.1).
const NON_SYNC_SAMPLE: u32 = 0x0001_0000;

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
        let tracks = movie
            .tracks
            .iter()
            .map(|t| FragmentTrack {
                template: Track {
                    samples: Vec::new(),
                    ..t.track.clone()
                },
                shift: t.shift,
                defaults: t.defaults,
                next_dts: 0,
            })
            .collect();
        FragmentReader { tracks }
    }

    /// Parses a media segment (`styp`/`sidx`/`moof`/`mdat`/... boxes). Sample offsets count from the
    /// start of `bytes`; every sample must lie inside it.
    pub fn read(&mut self, bytes: &[u8]) -> Result<Demuxed> {
        let mut tracks: Vec<Track> = self.tracks.iter().map(|t| t.template.clone()).collect();
        for header in top_level_boxes(bytes)?.iter().filter(|b| &b.kind == b"moof") {
            let mut moof = box_bytes(bytes, header).to_vec();
            blank_unread_boxes(&mut moof);
            let moof =
                Moof::decode(&mut &moof[..]).map_err(|e| malformed(format!("moof at byte {}: {e}", header.offset)))?;
            let mut previous_data_end = header.offset;
            for traf in &moof.traf {
                let Some(index) = self.tracks.iter().position(|t| t.template.id == traf.tfhd.track_id) else {
                    continue;
                };
                previous_data_end = self.tracks[index].read_traf(
                    traf,
                    header.offset,
                    previous_data_end,
                    bytes.len() as u64,
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

impl FragmentTrack {
    /// Appends the samples of one track fragment; returns the offset just past its data.
    fn read_traf(
        &mut self,
        traf: &Traf,
        moof_offset: u64,
        previous_data_end: u64,
        len: u64,
        samples: &mut Vec<Sample>,
    ) -> Result<u64> {
        let tfhd = &traf.tfhd;
        // Where data offsets count from (ISO/IEC 14496-12 8.8.7.1): an explicit base, the moof itself,
        // or, for a later track fragment without either, the end of the previous one's data.
        let base = match tfhd.base_data_offset {
            Some(base) => base,
            None if tfhd.default_base_is_moof => moof_offset,
            None => previous_data_end,
        };
        let mut dts = traf.tfdt.as_ref().map_or(Ok(self.next_dts), |tfdt| {
            i64::try_from(tfdt.base_media_decode_time).map_err(|_| malformed("tfdt decode time too large"))
        })?;
        let mut data = base;
        for trun in &traf.trun {
            let count = trun.samples.len() as u64;
            if count > len {
                return Err(Error::new(
                    ErrorCode::LimitExceeded,
                    format!("trun claims {count} samples in a {len}-byte segment"),
                ));
            }
            if let Some(offset) = trun.data_offset {
                data = base
                    .checked_add_signed(i64::from(offset))
                    .ok_or_else(|| malformed("trun data offset"))?;
            }
            let first_flags = match &trun.samples {
                mp4_atom::TrunSamples::Inherited { first_flags, .. } => *first_flags,
                mp4_atom::TrunSamples::Explicit(_) => None,
            };
            for (i, entry) in trun.samples.iter().enumerate() {
                let duration = entry
                    .duration
                    .or(tfhd.default_sample_duration)
                    .unwrap_or(self.defaults.duration);
                let size = entry.size.or(tfhd.default_sample_size).unwrap_or(self.defaults.size);
                let flags = entry
                    .flags
                    .or(if i == 0 { first_flags } else { None })
                    .or(tfhd.default_sample_flags)
                    .unwrap_or(self.defaults.flags);
                let end = data
                    .checked_add(u64::from(size))
                    .filter(|end| *end <= len)
                    .ok_or_else(|| {
                        malformed(format!(
                            "track {}: fragment sample data lies outside the segment",
                            self.template.id
                        ))
                    })?;
                let composition = entry.cts.unwrap_or(0);
                samples.push(Sample {
                    pts: dts.saturating_add(composition).saturating_add(self.shift),
                    dts: dts.saturating_add(self.shift),
                    duration,
                    key: self.template.kind == TrackKind::Audio || flags & NON_SYNC_SAMPLE == 0,
                    offset: data,
                    size,
                    stored_size: size,
                });
                dts = dts
                    .checked_add(i64::from(duration))
                    .ok_or_else(|| malformed("decode time overflows"))?;
                data = end;
            }
        }
        self.next_dts = dts;
        Ok(data)
    }
}

fn malformed(message: impl Into<String>) -> Error {
    Error::new(ErrorCode::MalformedInput, message)
}
