//! Partial segments (LL-HLS, RFC 8216bis §4.4.4.9) cut from an MPEG-TS segment file by byte ranges.
//!
//! A part is a run of whole transport packets: it starts where a video PES packet starts (with the PAT and
//! PMT just before it, when the muxer repeated them there), so a part never splits a picture's first
//! packet from its header, and it is `INDEPENDENT` when that picture is a random access point (the
//! adaptation field's `random_access_indicator`, which muxers set on keyframes). Parts follow decode order:
//! part `j` starts at the first picture decoded at or after `j` part targets into the segment.

pub const PACKET: usize = 188;
pub const TICKS_PER_SECOND: u64 = 90_000;

/// One part of a segment file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Part {
    /// Its share of the segment's duration, microseconds.
    pub duration_us: u64,
    /// Byte offset in the segment file.
    pub offset: u64,
    /// Byte length.
    pub len: u64,
    /// It starts on a keyframe: a player can start decoding there.
    pub independent: bool,
}

/// A video PES packet's start: its transport packet, where the part starting with it would start (before
/// the PAT/PMT repeated just ahead of it), its decode time and whether it is a random access point.
pub struct PictureStart {
    pub cut: usize,
    pub dts: u64,
    pub random_access: bool,
}

/// Cuts a segment of `duration_us` whose file is `bytes` into parts of about `target_us`. A file that is not
/// whole transport packets, or has no video PES packet with a time, is an error naming what is wrong.
pub fn cut(bytes: &[u8], duration_us: u64, target_us: u64) -> Result<Vec<Part>, String> {
    if bytes.is_empty() || bytes.len() % PACKET != 0 || bytes[0] != 0x47 {
        return Err("not an MPEG-TS file of whole 188-byte packets".into());
    }
    let starts = picture_starts(bytes);
    let first = starts.first().ok_or("no video PES packet with a time")?.dts;
    let mut cuts: Vec<&PictureStart> = Vec::new();
    for start in &starts {
        let elapsed_us = start.dts.saturating_sub(first) * 1_000_000 / TICKS_PER_SECOND;
        let due = cuts.len() as u64 * target_us;
        if cuts.is_empty() || (elapsed_us >= due && elapsed_us < duration_us) {
            cuts.push(start);
        }
    }
    let time_of = |start: &PictureStart| (start.dts - first) * 1_000_000 / TICKS_PER_SECOND;
    let mut parts = Vec::with_capacity(cuts.len());
    for (index, start) in cuts.iter().enumerate() {
        let (end_offset, end_us) = match cuts.get(index + 1) {
            Some(next) => ((next.cut * PACKET) as u64, time_of(next)),
            None => (bytes.len() as u64, duration_us),
        };
        // The first part also holds whatever precedes the first picture (tables, leading audio).
        let offset = if index == 0 { 0 } else { (start.cut * PACKET) as u64 };
        let begin_us = if index == 0 { 0 } else { time_of(start) };
        parts.push(Part {
            duration_us: end_us.saturating_sub(begin_us),
            offset,
            len: end_offset - offset,
            independent: start.random_access,
        });
    }
    Ok(parts)
}

/// Every video PES packet start in the file, in file (decode) order.
pub fn picture_starts(bytes: &[u8]) -> Vec<PictureStart> {
    let mut pmt_pid = None;
    let mut starts = Vec::new();
    for (index, packet) in bytes.chunks_exact(PACKET).enumerate() {
        let pid = (u16::from(packet[1] & 0x1f) << 8) | u16::from(packet[2]);
        let unit_start = packet[1] & 0x40 != 0;
        let control = (packet[3] >> 4) & 3;
        let adaptation_len = if control & 2 != 0 {
            usize::from(packet[4]) + 1
        } else {
            0
        };
        let random_access = control & 2 != 0 && packet[4] > 0 && packet[5] & 0x40 != 0;
        let Some(payload) = packet.get(4 + adaptation_len..).filter(|_| control & 1 != 0) else {
            continue;
        };
        if pid == 0 && unit_start {
            // PAT: pointer field, table header (8 bytes), then the first program's number and PMT PID.
            let table = payload.get(1 + usize::from(payload[0])..).unwrap_or(&[]);
            if let Some(entry) = table.get(8..12) {
                pmt_pid = Some((u16::from(entry[2] & 0x1f) << 8) | u16::from(entry[3]));
            }
            continue;
        }
        let is_video_pes = unit_start && payload.len() >= 14 && payload[..3] == [0, 0, 1] && payload[3] & 0xf0 == 0xe0;
        if !is_video_pes {
            continue;
        }
        // PES header: flags at 7, header length at 8, then PTS (and DTS when both are present).
        let flags = payload[7] >> 6;
        let time_at = if flags == 3 { 14 } else { 9 };
        let Some(time) = payload.get(time_at..time_at + 5).filter(|_| flags & 2 != 0) else {
            continue;
        };
        let dts = (u64::from(time[0] >> 1 & 7) << 30)
            | (u64::from(time[1]) << 22)
            | (u64::from(time[2] >> 1) << 15)
            | (u64::from(time[3]) << 7)
            | u64::from(time[4] >> 1);
        let mut cut = index;
        let is_table = |i: usize| {
            let packet = &bytes[i * PACKET..];
            let pid = (u16::from(packet[1] & 0x1f) << 8) | u16::from(packet[2]);
            pid == 0 || pid == 0x11 || Some(pid) == pmt_pid
        };
        while cut > 0 && is_table(cut - 1) {
            cut -= 1;
        }
        starts.push(PictureStart {
            cut,
            dts,
            random_access,
        });
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn segment() -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hls_ts/seg0.ts");
        std::fs::read(path).unwrap()
    }

    #[test]
    fn cuts_a_segment_into_parts_that_tile_it() {
        let bytes = segment();
        let parts = cut(&bytes, 2_000_000, 333_000).unwrap();
        // 2 s of 30 fps video in parts of 10 frames.
        assert_eq!(parts.len(), 6);
        assert_eq!(parts[0].offset, 0);
        for pair in parts.windows(2) {
            assert_eq!(pair[0].offset + pair[0].len, pair[1].offset);
        }
        let last = parts.last().unwrap();
        assert_eq!(last.offset + last.len, bytes.len() as u64);
        assert_eq!(parts.iter().map(|p| p.duration_us).sum::<u64>(), 2_000_000);
        assert!(parts.iter().all(|p| p.duration_us <= 334_000 && p.len % 188 == 0));
        // Keyframes every second: the first part and the one starting at 1 s.
        let independent: Vec<bool> = parts.iter().map(|p| p.independent).collect();
        assert_eq!(independent, [true, false, false, true, false, false]);
        // An independent part starts with the repeated PAT.
        let third = parts[3].offset as usize;
        assert_eq!(&bytes[third..third + 3], &[0x47, 0x40, 0x00]);
    }

    #[test]
    fn refuses_what_is_not_transport_packets() {
        assert!(cut(b"#EXTM3U", 1, 1).is_err());
        assert!(cut(&[0x47; 188], 1, 1).is_err());
    }
}
