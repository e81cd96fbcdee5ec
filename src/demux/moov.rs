//! The boxes of a `moov` that demuxing reads (ISO/IEC 14496-12): per track its id, handler, timescale,
//! first sample entry, edit list and sample tables, plus the movie timescale and the `trex` defaults of
//! a fragmented file. Everything else (user data, metadata, sample groups, encryption) is skipped
//! unread. Tables stay borrowed from the `moov` bytes.

use super::reader::{child, required_child, BoxReader, Table};
use crate::error::Result;
use crate::isobmff::{SOUND_HANDLER, VIDEO_HANDLER};

/// Defaults for fragment samples, from the `trex` box of `mvex`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TrackDefaults {
    /// Default sample duration in track ticks.
    pub duration: u32,
    /// Default sample size in bytes.
    pub size: u32,
    /// Default sample flags (ISO/IEC 14496-12 8.8.3.1).
    pub flags: u32,
}

/// The parts of a `moov` box the demuxers use.
pub(super) struct MoovBoxes<'a> {
    /// Ticks per second of `mvhd`: the unit of edit list durations (0 without `mvhd`).
    pub movie_timescale: u32,
    /// Every video and sound `trak`, in order.
    pub tracks: Vec<TrakBoxes<'a>>,
    /// The `trex` boxes of `mvex` as (track id, fragment sample defaults); `None` without `mvex` (not a
    /// fragmented file).
    pub trex: Option<Vec<(u32, TrackDefaults)>>,
}

/// The parts of a `trak` box the demuxers use.
pub(super) struct TrakBoxes<'a> {
    pub track_id: u32,
    /// The `hdlr` handler type: [`VIDEO_HANDLER`] or [`SOUND_HANDLER`].
    pub handler: [u8; 4],
    /// Ticks per second of the media (`mdhd`).
    pub timescale: u32,
    /// The first sample entry of `stsd`, if there is one.
    pub sample_entry: Option<BoxReader<'a>>,
    /// The version of `stsd`: QuickTime's sound descriptions of version 1 and 2 live in version 0.
    pub stsd_version: u8,
    /// The top-left 2x2 of the `tkhd` display matrix (a, b, c, d, 16.16 fixed point), which maps a
    /// picture's point (x, y) to (a·x + c·y, b·x + d·y) on screen.
    pub matrix: [i32; 4],
    /// The edit list (`edts`/`elst`); `None` when the track has none.
    pub edits: Option<Vec<Edit>>,
    pub tables: SampleTables<'a>,
}

/// One edit list entry, in movie ticks (duration) and media ticks (media time).
pub(super) struct Edit {
    pub segment_duration: u64,
    /// Where in the media this edit starts; `None` for an empty edit (a delay).
    pub media_time: Option<i64>,
}

/// The sample tables of `stbl`, borrowed. A missing table reads as empty.
#[derive(Default)]
pub(super) struct SampleTables<'a> {
    /// `stts`: (sample count, decode delta) pairs.
    pub stts: Table<'a>,
    /// `ctts`: (sample count, composition offset) pairs.
    pub ctts: Table<'a>,
    /// `stss`: 1-based numbers of the sync samples; `None`: every sample is a sync sample.
    pub stss: Option<Table<'a>>,
    /// `stsc`: (first chunk, samples per chunk, description index) triples.
    pub stsc: Table<'a>,
    pub sizes: SampleSizes<'a>,
    pub chunk_offsets: ChunkOffsets<'a>,
}

/// `stsz`: one size for every sample, or one per sample.
pub(super) enum SampleSizes<'a> {
    Identical { count: u32, size: u32 },
    Different(Table<'a>),
}

impl Default for SampleSizes<'_> {
    fn default() -> Self {
        SampleSizes::Identical { count: 0, size: 0 }
    }
}

/// `stco` (32-bit) or `co64` (64-bit) chunk offsets.
pub(super) enum ChunkOffsets<'a> {
    Narrow(Table<'a>),
    Wide(Table<'a>),
}

impl Default for ChunkOffsets<'_> {
    fn default() -> Self {
        ChunkOffsets::Narrow(Table::default())
    }
}

impl ChunkOffsets<'_> {
    /// The offset of chunk `index` (0-based).
    pub fn get(&self, index: usize) -> Option<u64> {
        match self {
            ChunkOffsets::Narrow(table) => table.u32_at(index, 0).map(u64::from),
            ChunkOffsets::Wide(table) => {
                let high = table.u32_at(index, 0)?;
                let low = table.u32_at(index, 4)?;
                Some((u64::from(high) << 32) | u64::from(low))
            }
        }
    }
}

/// Reads the `moov` box body.
pub(super) fn read_moov<'a>(moov: &BoxReader<'a>) -> Result<MoovBoxes<'a>> {
    // Without `mvhd` (some writers leave it out) the tracks still play; only an edit list's empty edits,
    // counted in movie ticks, need its timescale (0 here, refused where used).
    let movie_timescale = child(moov, b"mvhd")?
        .map(|mvhd| read_timescale(&mvhd))
        .transpose()?
        .unwrap_or(0);
    let mut tracks = Vec::new();
    let mut trex = None;
    for found in moov.children() {
        let found = found?;
        match &found.kind() {
            b"trak" => tracks.extend(read_trak(&found)?),
            b"mvex" => trex = Some(read_mvex(&found)?),
            _ => {}
        }
    }
    Ok(MoovBoxes {
        movie_timescale,
        tracks,
        trex,
    })
}

/// The timescale of `mvhd` or `mdhd`, which both start: version/flags, creation and modification times
/// (32 or 64 bits), timescale.
fn read_timescale(header: &BoxReader) -> Result<u32> {
    let mut header = header.clone();
    let (version, _) = header.full_box()?;
    header.u32_or_u64(version)?;
    header.u32_or_u64(version)?;
    header.u32()
}

fn read_mvex(mvex: &BoxReader) -> Result<Vec<(u32, TrackDefaults)>> {
    let mut all = Vec::new();
    for found in mvex.children() {
        let mut found = found?;
        if &found.kind() != b"trex" {
            continue;
        }
        found.full_box()?;
        let track_id = found.u32()?;
        found.u32()?; // default sample description index
        let defaults = TrackDefaults {
            duration: found.u32()?,
            size: found.u32()?,
            flags: found.u32()?,
        };
        all.push((track_id, defaults));
    }
    Ok(all)
}

/// The handler type of a `trak` (`mdia`/`hdlr`): `vide`, `soun`, `text`, `tmcd`, `meta`, `hint`, ...
fn read_handler(trak: &BoxReader) -> Result<[u8; 4]> {
    let mut hdlr = required_child(&required_child(trak, b"mdia")?, b"hdlr")?;
    hdlr.full_box()?;
    hdlr.u32()?; // pre_defined
    hdlr.fourcc()
}

/// Reads a video or sound `trak`; `None` for any other track (timecode, metadata, chapters, hints,
/// subtitles), or one whose handler cannot be read: nothing plays them, so nothing else of theirs is read
/// and nothing in them can fail the file.
fn read_trak<'a>(trak: &BoxReader<'a>) -> Result<Option<TrakBoxes<'a>>> {
    let handler = match read_handler(trak) {
        Ok(handler @ (VIDEO_HANDLER | SOUND_HANDLER)) => handler,
        _ => return Ok(None),
    };
    let mut tkhd = required_child(trak, b"tkhd")?;
    let (version, _) = tkhd.full_box()?;
    tkhd.u32_or_u64(version)?;
    tkhd.u32_or_u64(version)?;
    let track_id = tkhd.u32()?;
    // Reserved, duration, reserved, layer, alternate group, volume, reserved, then the 3x3 matrix
    // {a, b, u, c, d, v, x, y, w}.
    tkhd.u32()?;
    tkhd.u32_or_u64(version)?;
    tkhd.skip(16)?;
    let a = tkhd.i32()?;
    let b = tkhd.i32()?;
    tkhd.u32()?;
    let c = tkhd.i32()?;
    let d = tkhd.i32()?;

    let mdia = required_child(trak, b"mdia")?;
    let timescale = read_timescale(&required_child(&mdia, b"mdhd")?)?;
    let edits = match child(trak, b"edts")? {
        Some(edts) => child(&edts, b"elst")?.map(|elst| read_elst(&elst)).transpose()?,
        None => None,
    };
    let stbl = required_child(&required_child(&mdia, b"minf")?, b"stbl")?;
    let (sample_entry, stsd_version, tables) = read_stbl(&stbl)?;
    Ok(Some(TrakBoxes {
        track_id,
        handler,
        timescale,
        sample_entry,
        stsd_version,
        matrix: [a, b, c, d],
        edits,
        tables,
    }))
}

fn read_elst(elst: &BoxReader) -> Result<Vec<Edit>> {
    let mut elst = elst.clone();
    let (version, _) = elst.full_box()?;
    let count = elst.u32()?;
    // Each entry: duration and media time (32 or 64 bits each), then the rate (32 bits).
    let width = if version == 1 { 20 } else { 12 };
    let table = elst.table(count, width)?;
    let mut edits = Vec::with_capacity(table.len());
    for entry in table.entries() {
        let mut entry = BoxReader::new(*b"elst", entry);
        let segment_duration = entry.u32_or_u64(version)?;
        let media_time = if version == 1 {
            entry.u64()? as i64
        } else {
            i64::from(entry.i32()?)
        };
        edits.push(Edit {
            segment_duration,
            // -1 marks an empty edit; other negative times are invalid and read as empty too.
            media_time: (media_time >= 0).then_some(media_time),
        });
    }
    Ok(edits)
}

/// The first sample entry, the version of `stsd`, and the sample tables.
type StblBoxes<'a> = (Option<BoxReader<'a>>, u8, SampleTables<'a>);

fn read_stbl<'a>(stbl: &BoxReader<'a>) -> Result<StblBoxes<'a>> {
    let mut entry = None;
    let mut stsd_version = 0;
    let mut tables = SampleTables::default();
    for found in stbl.children() {
        let mut found = found?;
        let kind = found.kind();
        if &kind == b"stsd" {
            stsd_version = found.full_box()?.0;
            found.u32()?; // entry count: the first entry is the one used
            entry = found.children().next().transpose()?;
            continue;
        }
        if !matches!(
            &kind,
            b"stts" | b"ctts" | b"stss" | b"stsc" | b"stsz" | b"stco" | b"co64"
        ) {
            continue;
        }
        found.full_box()?;
        match &kind {
            b"stsz" => {
                let size = found.u32()?;
                let count = found.u32()?;
                tables.sizes = if size == 0 {
                    SampleSizes::Different(found.table(count, 4)?)
                } else {
                    SampleSizes::Identical { count, size }
                };
            }
            _ => {
                let count = found.u32()?;
                let width = match &kind {
                    b"stts" | b"ctts" | b"co64" => 8,
                    b"stsc" => 12,
                    _ => 4,
                };
                let table = found.table(count, width)?;
                match &kind {
                    b"stts" => tables.stts = table,
                    b"ctts" => tables.ctts = table,
                    b"stss" => tables.stss = Some(table),
                    b"stsc" => tables.stsc = table,
                    b"stco" => tables.chunk_offsets = ChunkOffsets::Narrow(table),
                    _ => tables.chunk_offsets = ChunkOffsets::Wide(table),
                }
            }
        }
    }
    Ok((entry, stsd_version, tables))
}
