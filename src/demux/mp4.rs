//! A whole MP4 file in memory, progressive (`moov` anywhere) or fragmented (`moov` with `mvex`, then
//! `moof`/`mdat` pairs): its index read by [`Movie`], its fragments by [`FragmentReader`].

use super::boxes::{box_bytes, top_level_boxes};
use super::fmp4::FragmentReader;
use super::movie::Movie;
use crate::error::{Error, Result};
use crate::media::Demuxed;

/// Demuxes a whole MP4 file held in memory: progressive (`moov` anywhere) or fragmented (`moov` with
/// `mvex`, then `moof`/`mdat` pairs). Every sample's bytes must lie inside the file.
pub fn demux(file: &[u8]) -> Result<Demuxed> {
    let boxes = top_level_boxes(file)?;
    let moov = boxes
        .iter()
        .find(|b| &b.kind == b"moov")
        .ok_or_else(|| Error::malformed("no 'moov' box: not an MP4 file, or one cut off before its index"))?;
    let mut movie = Movie::parse_moov(box_bytes(file, moov), file.len() as u64)?;
    if movie.fragmented {
        let mut reader = FragmentReader::new(&movie);
        let fragments = reader.read(file)?;
        for (movie_track, more) in movie.tracks.iter_mut().zip(fragments.tracks) {
            movie_track.track.samples.extend(more.samples);
        }
    }
    movie.check_sample_data(file.len() as u64)?;
    Ok(movie.into_demuxed())
}
