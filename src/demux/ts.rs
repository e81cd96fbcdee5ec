//! MPEG-TS (ISO/IEC 13818-1) as HLS uses it: 188-byte packets, PAT and PMT, PES packets carrying H.264
//! (Annex B) and AAC (ADTS).
//!
//! Output samples are rewritten into one buffer: H.264 access units as AVCC (4-byte NAL lengths, with an
//! `avcC` built from the stream's SPS/PPS), AAC as raw frames (ADTS headers stripped, with the
//! AudioSpecificConfig built from the first header). Timestamps stay on the 90 kHz clock, with the 33-bit
//! wrap unwrapped into a continuous timeline, also across the segments of one [`TsDemuxer`].
//!
//! Damage does not stop the demuxer: lost sync bytes are skipped to the next packet boundary, continuity
//! counter gaps drop the PES packet they broke, truncated packets are ignored, and each is reported as a
//! [`Damage`].

use std::borrow::Cow;

use crate::codec::aac::{self, AdtsHeader};
use crate::codec::h264::{self, NAL_PPS, NAL_SPS};
use crate::error::{Error, ErrorCode, Result};
use crate::media::{CodecConfig, Demuxed, Payload, Sample, Track, TrackKind};
use crate::time::{first_33bit, unwrap_33bit, MPEG_TS_TIMESCALE};

const PACKET: usize = 188;
const SYNC: u8 = 0x47;
const PAT_PID: u16 = 0;
const STREAM_TYPE_AAC_ADTS: u8 = 0x0F;
const STREAM_TYPE_H264: u8 = 0x1B;
/// A PES packet larger than this is damage, not video: 8 MiB is several seconds of 4K at high bit rates.
const MAX_PES_BYTES: usize = 8 * 1024 * 1024;

/// Something wrong in the stream that the demuxer skipped over. Offsets are byte offsets in the segment.
///
/// `time` says which media time the damage concerns: the presentation time, in 90 kHz ticks on the same
/// unwrapped timeline as the samples' `pts`, of the PES packet the damage falls in (for damage to one
/// stream: that stream's packet) or else of the last PES packet that began before it; `None` when no
/// timestamp came before the damage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// No sync byte where a packet should start; bytes were passed over to find the next packet.
    LostSync {
        /// Where sync was lost.
        offset: u64,
        /// Bytes skipped to the next packet boundary.
        skipped: u64,
        /// The media time the damage concerns (see [`Damage`]).
        time: Option<i64>,
    },
    /// The stream ends inside a packet.
    TruncatedPacket {
        /// Where the cut packet starts.
        offset: u64,
        /// The media time the damage concerns (see [`Damage`]).
        time: Option<i64>,
    },
    /// Packets of a PID are missing (its continuity counter jumped); the PES packet in progress was dropped.
    ContinuityGap {
        /// The stream's PID.
        pid: u16,
        /// The packet after the gap.
        offset: u64,
        /// The continuity counter (0 to 15) the packet should have had.
        expected: u8,
        /// The continuity counter it has.
        found: u8,
        /// The media time the damage concerns: that of the dropped PES packet (see [`Damage`]).
        time: Option<i64>,
    },
    /// A PES packet could not be used (bad header, truncated, broken ADTS framing).
    BadPes {
        /// The stream's PID.
        pid: u16,
        /// Where the PES packet ended.
        offset: u64,
        /// What was wrong.
        reason: String,
        /// The media time the damage concerns: that of the bad PES packet (see [`Damage`]).
        time: Option<i64>,
    },
}

impl Damage {
    /// The media time the damage concerns, in 90 kHz ticks (see [`Damage`]).
    pub fn time(&self) -> Option<i64> {
        match self {
            Damage::LostSync { time, .. }
            | Damage::TruncatedPacket { time, .. }
            | Damage::ContinuityGap { time, .. }
            | Damage::BadPes { time, .. } => *time,
        }
    }
}

/// One TS file or HLS segment, demuxed.
#[derive(Debug, Clone, PartialEq)]
pub struct TsSegment {
    /// Tracks and samples; sample offsets point into the owned payload.
    pub demuxed: Demuxed,
    /// Damage found and skipped, in stream order.
    pub damage: Vec<Damage>,
}

/// Demuxes one complete MPEG-TS file.
pub fn demux(bytes: &[u8]) -> Result<TsSegment> {
    TsDemuxer::new().demux_segment(bytes)
}

/// A demuxer for consecutive segments of one stream: the program tables, codec configurations and the
/// timestamp unwrapping carry over from segment to segment.
#[derive(Debug, Default, Clone)]
pub struct TsDemuxer {
    pmt_pid: Option<u16>,
    streams: Vec<Stream>,
    /// The last unwrapped timestamp of any stream: every new 33-bit value is unwrapped next to it, so all
    /// streams share one continuous timeline even if they cross the wrap at different packets.
    reference: Option<i64>,
    /// The presentation time of the PES packet that began last in any stream: the time of damage that
    /// belongs to no stream (lost sync, a cut packet).
    last_pts: Option<i64>,
}

#[derive(Debug, Clone)]
struct Stream {
    pid: u16,
    kind: TrackKind,
    config: Option<CodecConfig>,
    sps: Vec<Vec<u8>>,
    pps: Vec<Vec<u8>>,
    /// The PES packet being assembled.
    pes: Vec<u8>,
    continuity: Option<u8>,
    /// The PES in progress lost packets: drop it when it completes.
    broken: bool,
    /// The presentation time of the PES in progress (or, if its header gave none, of an earlier one).
    pes_pts: Option<i64>,
    /// An ADTS frame cut at the end of the previous PES, completed by the next one.
    adts_carry: Vec<u8>,
    /// Presentation time the next ADTS frame would have, for frames without a PES timestamp.
    next_audio_pts: Option<i64>,
    last_duration: u32,
}

struct Output {
    samples: Vec<Vec<Sample>>,
    data: Vec<u8>,
    damage: Vec<Damage>,
}

impl TsDemuxer {
    /// A demuxer with no state.
    pub fn new() -> Self {
        TsDemuxer::default()
    }

    /// Demuxes one segment. Errors only when nothing usable is in it (not TS, no program, a stream whose
    /// codec configuration never appears); damage is reported in [`TsSegment::damage`].
    pub fn demux_segment(&mut self, bytes: &[u8]) -> Result<TsSegment> {
        if bytes.first() != Some(&SYNC) && bytes.iter().take(PACKET * 2).all(|b| *b != SYNC) {
            return Err(malformed("not MPEG-TS: no 0x47 sync byte at the start"));
        }
        // Segments are fetched one by one (and may come from another encoder after a discontinuity):
        // continuity counters are checked within a segment, not across the seam.
        for stream in &mut self.streams {
            stream.continuity = None;
        }
        let mut out = Output {
            samples: vec![Vec::new(); self.streams.len()],
            data: Vec::with_capacity(bytes.len()),
            damage: Vec::new(),
        };
        let mut offset = 0usize;
        while offset < bytes.len() {
            if bytes[offset] != SYNC {
                let next = resync(bytes, offset);
                out.damage.push(Damage::LostSync {
                    offset: offset as u64,
                    skipped: (next - offset) as u64,
                    time: self.last_pts,
                });
                offset = next;
                continue;
            }
            let Some(packet) = bytes.get(offset..offset + PACKET) else {
                out.damage.push(Damage::TruncatedPacket {
                    offset: offset as u64,
                    time: self.last_pts,
                });
                break;
            };
            self.packet(packet, offset as u64, &mut out);
            offset += PACKET;
        }
        for index in 0..self.streams.len() {
            self.finish_pes(index, bytes.len() as u64, &mut out);
        }
        if self.pmt_pid.is_none() {
            return Err(malformed("MPEG-TS without a program table (PAT/PMT)"));
        }
        self.finish_segment(out)
    }

    fn packet(&mut self, packet: &[u8], offset: u64, out: &mut Output) {
        let transport_error = packet[1] & 0x80 != 0;
        let unit_start = packet[1] & 0x40 != 0;
        let pid = (u16::from(packet[1] & 0x1F) << 8) | u16::from(packet[2]);
        let adaptation = (packet[3] >> 4) & 0x3;
        let continuity = packet[3] & 0xF;
        if transport_error || adaptation == 0 {
            return;
        }
        let mut start = 4;
        if adaptation & 0x2 != 0 {
            start += 1 + usize::from(packet[4]);
        }
        if adaptation & 0x1 == 0 || start > PACKET {
            return; // adaptation field only (or a bogus length): no payload
        }
        let payload = &packet[start..];
        if pid == PAT_PID {
            if unit_start {
                self.parse_pat(payload);
            }
        } else if Some(pid) == self.pmt_pid {
            if unit_start {
                self.parse_pmt(payload, out);
            }
        } else if let Some(index) = self.streams.iter().position(|s| s.pid == pid) {
            self.stream_payload(index, payload, unit_start, continuity, offset, out);
        }
    }

    fn stream_payload(
        &mut self,
        index: usize,
        payload: &[u8],
        unit_start: bool,
        continuity: u8,
        offset: u64,
        out: &mut Output,
    ) {
        let stream = &mut self.streams[index];
        match stream.continuity {
            Some(last) if last == continuity => return, // a duplicate packet (allowed once): same payload
            Some(last) if (last + 1) & 0xF != continuity => {
                out.damage.push(Damage::ContinuityGap {
                    pid: stream.pid,
                    offset,
                    expected: (last + 1) & 0xF,
                    found: continuity,
                    time: stream.pes_pts,
                });
                stream.broken = true;
            }
            _ => {}
        }
        stream.continuity = Some(continuity);
        if unit_start {
            self.finish_pes(index, offset, out);
            // The new PES packet's time, read ahead of its reassembly so that damage to it can name it.
            // Unwrapping next to the reference without moving it gives the value its samples will get.
            if let Some(raw) = header_pts(payload) {
                let pts = self
                    .reference
                    .map_or_else(|| first_33bit(raw), |r| unwrap_33bit(r, raw));
                self.streams[index].pes_pts = Some(pts);
                self.last_pts = Some(pts);
            }
            let stream = &mut self.streams[index];
            stream.pes.clear();
            stream.broken = false;
        }
        let stream = &mut self.streams[index];
        if stream.pes.len() + payload.len() > MAX_PES_BYTES {
            stream.broken = true;
            return;
        }
        stream.pes.extend_from_slice(payload);
    }

    fn parse_pat(&mut self, payload: &[u8]) {
        let Some(section) = psi_section(payload, 0x00) else {
            return;
        };
        // Program entries: program_number (16), reserved (3), PID (13); program 0 is the network PID.
        let pmt = section
            .chunks_exact(4)
            .find(|entry| u16::from_be_bytes([entry[0], entry[1]]) != 0)
            .map(|entry| (u16::from(entry[2] & 0x1F) << 8) | u16::from(entry[3]));
        if let Some(pmt) = pmt {
            self.pmt_pid = Some(pmt);
        }
    }

    fn parse_pmt(&mut self, payload: &[u8], out: &mut Output) {
        let Some(section) = psi_section(payload, 0x02) else {
            return;
        };
        let Some(info_len) = section
            .get(2..4)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]]) & 0x0FFF))
        else {
            return;
        };
        let mut rest = section.get(4 + info_len..).unwrap_or_default();
        while rest.len() >= 5 {
            let stream_type = rest[0];
            let pid = (u16::from(rest[1] & 0x1F) << 8) | u16::from(rest[2]);
            let es_info_len = usize::from(u16::from_be_bytes([rest[3], rest[4]]) & 0x0FFF);
            rest = rest.get(5 + es_info_len..).unwrap_or_default();
            let kind = match stream_type {
                STREAM_TYPE_H264 => TrackKind::Video,
                STREAM_TYPE_AAC_ADTS => TrackKind::Audio,
                _ => continue, // streams the library does not read (HEVC, MP3, ID3 metadata, ...)
            };
            if self.streams.iter().any(|s| s.pid == pid) {
                continue;
            }
            self.streams.push(Stream {
                pid,
                kind,
                config: None,
                sps: Vec::new(),
                pps: Vec::new(),
                pes: Vec::new(),
                continuity: None,
                broken: false,
                pes_pts: None,
                adts_carry: Vec::new(),
                next_audio_pts: None,
                last_duration: 0,
            });
            out.samples.push(Vec::new());
        }
    }

    /// Turns the completed PES packet of stream `index` into samples (unless packets of it were lost).
    fn finish_pes(&mut self, index: usize, end_offset: u64, out: &mut Output) {
        let stream = &mut self.streams[index];
        let broken = std::mem::replace(&mut stream.broken, false);
        if stream.pes.is_empty() || broken {
            stream.pes.clear();
            return;
        }
        // Borrow the buffer out of the stream while its payload is read; it goes back, emptied, to be
        // reused by the next PES packet.
        let mut pes = std::mem::take(&mut stream.pes);
        if let Err(reason) = self.pes_packet(index, &pes, out) {
            let stream = &self.streams[index];
            out.damage.push(Damage::BadPes {
                pid: stream.pid,
                offset: end_offset,
                reason: reason.to_owned(),
                time: stream.pes_pts,
            });
        }
        pes.clear();
        self.streams[index].pes = pes;
    }

    fn pes_packet(&mut self, index: usize, pes: &[u8], out: &mut Output) -> Result<(), &'static str> {
        let header = parse_pes_header(pes)?;
        let payload = &pes[header.payload_start..];
        let reference = &mut self.reference;
        let mut unwrap = |raw: u64| {
            let value = match *reference {
                Some(previous) => unwrap_33bit(previous, raw),
                None => first_33bit(raw),
            };
            *reference = Some(value);
            value
        };
        let pts = header.pts.map(&mut unwrap);
        let dts = header.dts.map(&mut unwrap).or(pts);
        match self.streams[index].kind {
            TrackKind::Video => {
                self.video_access_unit(index, payload, pts, dts, out);
                Ok(())
            }
            TrackKind::Audio => self.audio_frames(index, payload, pts, out),
        }
    }

    fn video_access_unit(
        &mut self,
        index: usize,
        payload: &[u8],
        pts: Option<i64>,
        dts: Option<i64>,
        out: &mut Output,
    ) {
        let stream = &mut self.streams[index];
        let offset = out.data.len() as u64;
        // One pass over the access unit: rewrite it to AVCC and collect new parameter sets on the way.
        let (size, key) = h264::annexb_to_avcc(payload, &mut out.data, |nal| match h264::nal_type(nal) {
            Some(NAL_SPS) if stream.sps.len() < 32 && !stream.sps.iter().any(|s| s == nal) => {
                stream.sps.push(nal.to_vec());
            }
            Some(NAL_PPS) if stream.pps.len() < 256 && !stream.pps.iter().any(|p| p == nal) => {
                stream.pps.push(nal.to_vec());
            }
            _ => {}
        });
        if stream.config.is_none() && !stream.sps.is_empty() && !stream.pps.is_empty() {
            stream.config = video_config(&stream.sps, &stream.pps).ok();
        }
        if size == 0 {
            return;
        }
        let previous = out.samples[index].last().copied();
        let (pts, dts) = match (pts, dts, previous) {
            (Some(pts), Some(dts), _) => (pts, dts),
            // No timestamp on this PES: the access unit follows the previous one.
            (_, _, Some(prev)) => {
                let step = i64::from(stream.last_duration.max(1));
                (prev.pts + step, prev.dts + step)
            }
            _ => return,
        };
        out.samples[index].push(Sample {
            pts,
            dts,
            duration: 0,
            key,
            offset,
            size: size as u32,
            stored_size: payload.len() as u32,
        });
    }

    fn audio_frames(
        &mut self,
        index: usize,
        payload: &[u8],
        pts: Option<i64>,
        out: &mut Output,
    ) -> Result<(), &'static str> {
        let stream = &mut self.streams[index];
        let mut bytes = std::mem::take(&mut stream.adts_carry);
        let carried = bytes.len();
        bytes.extend_from_slice(payload);
        let mut position = 0;
        let mut frame_index = 0i64;
        while position < bytes.len() {
            let header = match aac::parse_adts(&bytes[position..]) {
                Ok(Some(header)) => header,
                Ok(None) => break,
                Err(_) => return Err("ADTS sync lost inside a PES packet"),
            };
            let Some(frame) = bytes.get(position..position + header.frame_len) else {
                break;
            };
            if stream.config.is_none() {
                stream.config = Some(audio_config(&header));
            }
            let duration = audio_frame_ticks(&header);
            // The PES timestamp belongs to the first frame that starts in this PES; a frame carried over
            // from the previous PES continues the previous frames' timeline.
            let frame_pts = match (position < carried, pts) {
                (false, Some(pts)) => pts + frame_index * i64::from(duration),
                _ => match stream.next_audio_pts {
                    Some(next) => next,
                    None => return Err("AAC frame without a timestamp"),
                },
            };
            if position >= carried {
                frame_index += 1;
            }
            stream.next_audio_pts = Some(frame_pts + i64::from(duration));
            let offset = out.data.len() as u64;
            out.data.extend_from_slice(&frame[header.header_len.min(frame.len())..]);
            out.samples[index].push(Sample {
                pts: frame_pts,
                dts: frame_pts,
                duration,
                key: true,
                offset,
                size: (header.frame_len - header.header_len) as u32,
                stored_size: header.frame_len as u32,
            });
            position += header.frame_len;
        }
        stream.adts_carry = bytes.split_off(position.min(bytes.len()));
        Ok(())
    }

    fn finish_segment(&mut self, mut out: Output) -> Result<TsSegment> {
        let mut tracks = Vec::new();
        for (stream, mut samples) in self.streams.iter_mut().zip(std::mem::take(&mut out.samples)) {
            if samples.is_empty() {
                continue;
            }
            let config = stream.config.clone().ok_or_else(|| {
                malformed(format!(
                    "PID {}: {} stream without its codec configuration (no SPS/PPS or ADTS header)",
                    stream.pid,
                    stream.kind.as_str()
                ))
            })?;
            if stream.kind == TrackKind::Video {
                fill_video_durations(&mut samples, &mut stream.last_duration);
            }
            tracks.push(Track {
                id: u32::from(stream.pid),
                kind: stream.kind,
                timescale: MPEG_TS_TIMESCALE,
                config,
                presentation_start: None,
                display: Default::default(),
                samples,
            });
        }
        Ok(TsSegment {
            demuxed: Demuxed {
                tracks,
                payload: Payload::Owned(out.data),
            },
            damage: out.damage,
        })
    }
}

/// Video samples carry no duration in TS: each lasts until the next one's decode time; the last one as
/// long as the one before it.
fn fill_video_durations(samples: &mut [Sample], last_duration: &mut u32) {
    for i in 0..samples.len() {
        let duration = match samples.get(i + 1) {
            Some(next) => u32::try_from(next.dts - samples[i].dts).unwrap_or(0),
            None => *last_duration,
        };
        samples[i].duration = duration;
        *last_duration = duration;
    }
}

/// One AAC frame's duration on the 90 kHz clock (rounded; exact at 48 kHz, 32 kHz, 16 kHz...).
fn audio_frame_ticks(header: &AdtsHeader) -> u32 {
    let samples = u64::from(aac::SAMPLES_PER_FRAME * header.blocks);
    ((samples * u64::from(MPEG_TS_TIMESCALE) + u64::from(header.sample_rate) / 2) / u64::from(header.sample_rate))
        as u32
}

fn video_config(sps: &[Vec<u8>], pps: &[Vec<u8>]) -> Result<CodecConfig> {
    let first = sps.first().ok_or_else(|| malformed("no SPS"))?;
    let parsed = h264::Sps::parse(first)?;
    Ok(CodecConfig {
        codec: parsed.codec_string(),
        description: Some(h264::avc_decoder_configuration(sps, pps)?),
        width: parsed.width,
        height: parsed.height,
        ..CodecConfig::default()
    })
}

fn audio_config(header: &AdtsHeader) -> CodecConfig {
    CodecConfig {
        codec: format!("mp4a.40.{}", header.object_type),
        description: Some(aac::audio_specific_config(header)),
        sample_rate: header.sample_rate,
        channels: u32::from(header.channels),
        ..CodecConfig::default()
    }
}

/// The next offset after `from` where a packet boundary looks real: a sync byte with another one a packet
/// later (or the end of the data there).
fn resync(bytes: &[u8], from: usize) -> usize {
    (from + 1..bytes.len())
        .find(|&i| bytes[i] == SYNC && bytes.get(i + PACKET).is_none_or(|b| *b == SYNC))
        .unwrap_or(bytes.len())
}

/// The body of a PSI section (after the 8-byte header, before the CRC) of table `table_id`, from a payload
/// that starts a section. Sections longer than one packet are not needed for PAT/PMT in practice and are
/// cut to what the packet holds.
fn psi_section(payload: &[u8], table_id: u8) -> Option<&[u8]> {
    let pointer = usize::from(*payload.first()?);
    let section = payload.get(1 + pointer..)?;
    if *section.first()? != table_id {
        return None;
    }
    let length = usize::from(u16::from_be_bytes([*section.get(1)?, *section.get(2)?]) & 0x0FFF);
    let end = (3 + length).min(section.len());
    // 5 bytes of table header after the length, 4 bytes of CRC at the end.
    section.get(8..end.checked_sub(4)?)
}

struct PesHeader {
    pts: Option<u64>,
    dts: Option<u64>,
    payload_start: usize,
}

fn parse_pes_header(pes: &[u8]) -> std::result::Result<PesHeader, &'static str> {
    if pes.len() < 9 || pes[..3] != [0, 0, 1] {
        return Err("no PES start code");
    }
    let header_len = usize::from(pes[8]);
    let payload_start = 9 + header_len;
    if payload_start > pes.len() {
        return Err("PES header longer than the packet");
    }
    let declared = usize::from(u16::from_be_bytes([pes[4], pes[5]]));
    if declared != 0 && pes.len() < 6 + declared {
        return Err("PES packet truncated");
    }
    let flags = pes[7] >> 6;
    let timestamp = |at: usize| timestamp_at(pes, at).ok_or("PES timestamp cut off");
    let (pts, dts) = match flags {
        0b10 => (Some(timestamp(9)?), None),
        0b11 => (Some(timestamp(9)?), Some(timestamp(14)?)),
        _ => (None, None),
    };
    Ok(PesHeader {
        pts,
        dts,
        payload_start,
    })
}

/// The 33-bit timestamp in the 5 bytes at `at` of a PES header (marker bits between its 3-, 15- and 15-bit
/// parts), when they are there.
fn timestamp_at(pes: &[u8], at: usize) -> Option<u64> {
    let b: &[u8; 5] = pes.get(at..at.checked_add(5)?)?.try_into().ok()?;
    Some(
        (u64::from(b[0] >> 1) & 0x7) << 30
            | u64::from(b[1]) << 22
            | u64::from(b[2] >> 1) << 15
            | u64::from(b[3]) << 7
            | u64::from(b[4] >> 1),
    )
}

/// The PTS of the PES header at the start of `pes`, when it has one and its bytes are there.
fn header_pts(pes: &[u8]) -> Option<u64> {
    if pes.get(..3)? != [0, 0, 1] || pes.get(7)? & 0x80 == 0 {
        return None;
    }
    timestamp_at(pes, 9)
}

fn malformed(message: impl Into<Cow<'static, str>>) -> Error {
    Error::new(ErrorCode::MalformedInput, message)
}
