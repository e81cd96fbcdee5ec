//! A muxed MPEG-TS segment split in two, for a broadcast whose audio is a separate rendition (`audio=separate`):
//!
//! - its **video alone**: the audio packets left out and the PMT listing the video stream only, so a player
//!   that reads the tables finds no audio to wait for;
//! - its **audio as packed audio** (RFC 8216 §3.4): the ADTS frames the audio PES packets carried, after an
//!   ID3v2 tag whose `PRIV` frame `com.apple.streaming.transportStreamTimestamp` holds the 90 kHz time of the
//!   first frame, the same clock as the video's timestamps, so both renditions play in sync. Every AAC frame
//!   decodes on its own, so parts can be cut at any frame (`cut_audio`).

use crate::parts::Part;
use crate::ts_damage::{payload_start, pid, unit_start};

const PACKET: usize = 188;
/// PMT stream type of AAC audio in ADTS frames (ISO/IEC 13818-1 table 2-34).
const STREAM_TYPE_AAC: u8 = 0x0F;
/// Samples in an AAC frame (one raw data block).
const AAC_FRAME_SAMPLES: u64 = 1024;
/// The owner of the ID3 `PRIV` frame that dates packed audio.
const TIMESTAMP_OWNER: &[u8] = b"com.apple.streaming.transportStreamTimestamp\0";

/// The tables of a segment: the PMT's PID and its AAC stream's PID.
struct Tables {
    pmt: u16,
    audio: u16,
}

/// A segment's audio as packed audio, with where its frames lie.
pub struct PackedAudio {
    pub bytes: Vec<u8>,
    /// Byte offset of each ADTS frame in `bytes` (the first comes after the ID3 tag).
    pub frames: Vec<u64>,
    /// Sampling rate, Hz.
    pub rate: u64,
    /// Channels (the ADTS channel configuration).
    pub channels: u8,
}

/// The segment without its audio: the audio packets left out, the PMT without the audio stream.
pub fn video_only(ts: &[u8]) -> Result<Vec<u8>, String> {
    let tables = tables(ts)?;
    let mut out = Vec::with_capacity(ts.len());
    for packet in ts.chunks_exact(PACKET) {
        match pid(packet) {
            p if p == tables.audio => {}
            p if p == tables.pmt && unit_start(packet) => out.extend_from_slice(&without_stream(packet, tables.audio)?),
            _ => out.extend_from_slice(packet),
        }
    }
    Ok(out)
}

/// The segment's audio as packed audio.
pub fn packed_audio(ts: &[u8]) -> Result<PackedAudio, String> {
    let tables = tables(ts)?;
    // The PES packets' payloads, which are the ADTS frames, and the time of the first.
    let mut adts = Vec::new();
    let mut first_pts = None;
    for packet in ts.chunks_exact(PACKET).filter(|p| pid(p) == tables.audio) {
        let Some(start) = payload_start(packet) else { continue };
        let mut payload = &packet[start..];
        if unit_start(packet) {
            // PES header: start code, stream id, length, flags (PTS present: bit 7 of byte 7), header length.
            if payload.len() < 9 || payload[..3] != [0, 0, 1] {
                return Err("an audio PES packet without its start code".into());
            }
            let body = 9 + usize::from(payload[8]);
            if first_pts.is_none() && payload[7] & 0x80 != 0 && payload.len() >= 14 {
                let t = &payload[9..14];
                first_pts = Some(
                    (u64::from(t[0] >> 1 & 7) << 30)
                        | (u64::from(t[1]) << 22)
                        | (u64::from(t[2] >> 1) << 15)
                        | (u64::from(t[3]) << 7)
                        | u64::from(t[4] >> 1),
                );
            }
            payload = payload
                .get(body..)
                .ok_or("an audio PES header longer than its packet")?;
        }
        adts.extend_from_slice(payload);
    }
    let pts = first_pts.ok_or("no audio PES packet with a time")?;
    let mut bytes = id3_timestamp(pts);
    let header = bytes.len() as u64;
    let (mut frames, mut rate, mut channels) = (Vec::new(), 0, 0);
    let mut at = 0;
    while at < adts.len() {
        let frame = &adts[at..];
        if frame.len() < 7 || frame[0] != 0xFF || frame[1] & 0xF0 != 0xF0 {
            return Err(format!("no ADTS frame at byte {at} of the audio"));
        }
        // ADTS header: sampling frequency index (4 bits of byte 2), channel configuration, frame length
        // (13 bits over bytes 3-5), raw data blocks less one (2 bits of byte 6).
        const RATES: [u64; 13] = [
            96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350,
        ];
        rate = *RATES
            .get(usize::from(frame[2] >> 2 & 0xF))
            .ok_or("a reserved ADTS sampling frequency")?;
        channels = (frame[2] & 1) << 2 | frame[3] >> 6;
        if frame[6] & 3 != 0 {
            return Err("ADTS frames of more than one raw data block".into());
        }
        let len = usize::from(frame[3] & 3) << 11 | usize::from(frame[4]) << 3 | usize::from(frame[5] >> 5);
        if len < 7 || at + len > adts.len() {
            return Err(format!("an ADTS frame of {len} bytes at byte {at} of the audio"));
        }
        frames.push(header + at as u64);
        at += len;
    }
    bytes.extend_from_slice(&adts);
    Ok(PackedAudio {
        bytes,
        frames,
        rate,
        channels,
    })
}

/// Cuts packed audio of a segment of `duration_us` into parts of whole frames, as many as fit in `target_us`
/// (15 AAC frames of 21.3 ms for a target of a third of a second). The first part holds the ID3 tag; the last
/// ends with the segment, as its parts' durations add up to the segment's; every part is independent.
pub fn cut_audio(audio: &PackedAudio, duration_us: u64, target_us: u64) -> Vec<Part> {
    let per_part = (target_us * audio.rate / (AAC_FRAME_SAMPLES * 1_000_000)).max(1) as usize;
    // Times in whole microseconds from the segment's first frame, counted in samples so nothing drifts.
    let time_of = |frame: usize| frame as u64 * AAC_FRAME_SAMPLES * 1_000_000 / audio.rate;
    let starts: Vec<usize> = (0..audio.frames.len())
        .step_by(per_part)
        .filter(|&frame| frame == 0 || time_of(frame) < duration_us)
        .collect();
    let mut parts = Vec::with_capacity(starts.len());
    for (index, &frame) in starts.iter().enumerate() {
        let offset = if index == 0 { 0 } else { audio.frames[frame] };
        let (end, end_us) = match starts.get(index + 1) {
            Some(&next) => (audio.frames[next], time_of(next)),
            None => (audio.bytes.len() as u64, duration_us),
        };
        parts.push(Part {
            duration_us: end_us.saturating_sub(if index == 0 { 0 } else { time_of(frame) }),
            offset,
            len: end - offset,
            independent: true,
        });
    }
    parts
}

/// The PMT PID (the PAT's first program) and the PID of the PMT's AAC stream.
fn tables(ts: &[u8]) -> Result<Tables, String> {
    if ts.is_empty() || ts.len() % PACKET != 0 || ts[0] != 0x47 {
        return Err("not an MPEG-TS file of whole 188-byte packets".into());
    }
    let section = |wanted: u16| {
        ts.chunks_exact(PACKET)
            .find(|p| pid(p) == wanted && unit_start(p))
            .and_then(|p| Some(&p[payload_start(p)?..]))
            .and_then(|payload| payload.get(1 + usize::from(*payload.first()?)..))
    };
    // PAT: table header (8 bytes), then program number (2) and PMT PID (2).
    let pat = section(0).and_then(|s| s.get(8..12)).ok_or("no PAT")?;
    let pmt = u16::from(pat[2] & 0x1F) << 8 | u16::from(pat[3]);
    let streams = section(pmt).ok_or("no PMT").and_then(pmt_streams)?;
    let audio = streams
        .iter()
        .find(|stream| stream.stream_type == STREAM_TYPE_AAC)
        .map(|stream| stream.pid)
        .ok_or("no AAC audio stream in the PMT")?;
    Ok(Tables { pmt, audio })
}

/// An elementary stream a PMT lists.
struct Stream {
    stream_type: u8,
    pid: u16,
    /// Where its entry lies in the section.
    entry: std::ops::Range<usize>,
}

/// The elementary streams a PMT section lists.
fn pmt_streams(section: &[u8]) -> Result<Vec<Stream>, &'static str> {
    let bad = "a PMT that does not fit its packet";
    let length = usize::from(section.get(1).ok_or(bad)? & 0x0F) << 8 | usize::from(*section.get(2).ok_or(bad)?);
    let end = (3 + length)
        .checked_sub(4)
        .filter(|&end| end <= section.len())
        .ok_or(bad)?;
    let info = usize::from(section.get(10).ok_or(bad)? & 0x0F) << 8 | usize::from(*section.get(11).ok_or(bad)?);
    let mut at = 12 + info;
    let mut streams = Vec::new();
    while at + 5 <= end {
        let entry = &section[at..at + 5];
        let next = at + 5 + (usize::from(entry[3] & 0x0F) << 8 | usize::from(entry[4]));
        streams.push(Stream {
            stream_type: entry[0],
            pid: u16::from(entry[1] & 0x1F) << 8 | u16::from(entry[2]),
            entry: at..next.min(end),
        });
        at = next;
    }
    Ok(streams)
}

/// A PMT packet with the stream `drop` left out of its section (length and CRC written anew; the packet padded
/// with `0xFF` as sections are). The PCR stays where it was unless it was on that stream.
fn without_stream(packet: &[u8], drop: u16) -> Result<Vec<u8>, String> {
    let start = payload_start(packet).ok_or("a PMT packet without payload")?;
    let pointer = 1 + usize::from(packet[start]);
    let section = &packet[start + pointer..];
    let streams = pmt_streams(section)?;
    let Some(Stream { entry, .. }) = streams.iter().find(|stream| stream.pid == drop) else {
        return Ok(packet.to_vec());
    };
    let mut out = packet[..start + pointer].to_vec();
    let mut table = [
        &section[..entry.start],
        &section[entry.end..streams.last().map_or(entry.end, |s| s.entry.end)],
    ]
    .concat();
    let length = table.len() - 3 + 4;
    table[1] = table[1] & 0xF0 | (length >> 8) as u8;
    table[2] = length as u8;
    if u16::from(table[8] & 0x1F) << 8 | u16::from(table[9]) == drop {
        table[8] |= 0x1F;
        table[9] = 0xFF;
    }
    let crc = crc32_mpeg2(&table);
    out.extend_from_slice(&table);
    out.extend_from_slice(&crc.to_be_bytes());
    out.resize(PACKET, 0xFF);
    Ok(out)
}

/// The CRC of MPEG-2 sections: polynomial 0x04C11DB7, initial value all ones, bits in order, no final xor.
fn crc32_mpeg2(bytes: &[u8]) -> u32 {
    let mut crc = u32::MAX;
    for &byte in bytes {
        crc ^= u32::from(byte) << 24;
        for _ in 0..8 {
            crc = if crc & 0x8000_0000 != 0 {
                crc << 1 ^ 0x04C1_1DB7
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// An ID3v2.4 tag with one `PRIV` frame: the transport stream timestamp `pts` (33 bits, in 8 bytes).
fn id3_timestamp(pts: u64) -> Vec<u8> {
    let body = [TIMESTAMP_OWNER, &(pts & 0x1_FFFF_FFFF).to_be_bytes()].concat();
    let mut frame = b"PRIV".to_vec();
    frame.extend_from_slice(&syncsafe(body.len()));
    frame.extend_from_slice(&[0, 0]);
    frame.extend_from_slice(&body);
    let mut tag = b"ID3\x04\x00\x00".to_vec();
    tag.extend_from_slice(&syncsafe(frame.len()));
    tag.extend_from_slice(&frame);
    tag
}

/// A 28-bit ID3 "syncsafe" size: 7 bits in each of 4 bytes.
fn syncsafe(n: usize) -> [u8; 4] {
    [
        (n >> 21) as u8 & 0x7F,
        (n >> 14) as u8 & 0x7F,
        (n >> 7) as u8 & 0x7F,
        n as u8 & 0x7F,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn segment(name: &str) -> Vec<u8> {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/hls_ts")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn the_video_alone_keeps_every_video_packet_and_a_pmt_without_audio() {
        let ts = segment("seg0.ts");
        let video = video_only(&ts).unwrap();
        assert_eq!(video.len() % PACKET, 0);
        let audio_packets = ts.chunks_exact(PACKET).filter(|p| pid(p) == 0x101).count();
        assert!(audio_packets > 0);
        assert_eq!(video.len(), ts.len() - audio_packets * PACKET);
        // The PMT lists the video stream only, and its CRC checks (the CRC of a whole section is 0).
        let pmt = video.chunks_exact(PACKET).find(|p| pid(p) == 0x1000).unwrap();
        let section = &pmt[5 + usize::from(pmt[4])..];
        let streams = pmt_streams(section).unwrap();
        assert_eq!(
            streams.iter().map(|s| (s.stream_type, s.pid)).collect::<Vec<_>>(),
            [(0x1B, 0x100)]
        );
        let length = 3 + (usize::from(section[1] & 0x0F) << 8 | usize::from(section[2]));
        assert_eq!(crc32_mpeg2(&section[..length]), 0);
        assert!(tables(&video).is_err(), "no AAC stream left");
        // The original PMT's CRC checks the same way.
        let original = ts.chunks_exact(PACKET).find(|p| pid(p) == 0x1000).unwrap();
        let section = &original[5 + usize::from(original[4])..];
        let length = 3 + (usize::from(section[1] & 0x0F) << 8 | usize::from(section[2]));
        assert_eq!(crc32_mpeg2(&section[..length]), 0);
    }

    #[test]
    fn the_audio_as_packed_audio_and_its_parts() {
        let audio = packed_audio(&segment("seg0.ts")).unwrap();
        assert!(audio.bytes.starts_with(b"ID3\x04"));
        assert_eq!(&audio.bytes[20..20 + TIMESTAMP_OWNER.len()], TIMESTAMP_OWNER);
        assert_eq!((audio.rate, audio.channels), (48000, 2));
        // ffprobe: 92 AAC frames, the first at 1.445333 s.
        assert_eq!(audio.frames.len(), 92);
        let pts = u64::from_be_bytes(audio.bytes[65..73].try_into().unwrap());
        assert_eq!(pts, 130_080); // 1.445333 s at 90 kHz, as ffprobe reads it
        let parts = cut_audio(&audio, 2_000_000, 333_000);
        // 15 frames (320 ms) a part: 6 of them, then the last 2 frames up to the segment's end.
        assert_eq!(parts.len(), 7);
        assert!(parts[..6].iter().all(|p| p.duration_us == 320_000 && p.independent));
        assert_eq!(parts.iter().map(|p| p.duration_us).sum::<u64>(), 2_000_000);
        assert_eq!(parts[0].offset, 0);
        for pair in parts.windows(2) {
            assert_eq!(pair[0].offset + pair[0].len, pair[1].offset);
        }
        let last = parts.last().unwrap();
        assert_eq!(last.offset + last.len, audio.bytes.len() as u64);
        assert_eq!(parts[1].offset, audio.frames[15]);
    }
}
