//! MPEG-TS (ISO/IEC 13818-1) as HLS and broadcasters use it: 188-byte packets, PAT and PMT, PES packets
//! carrying H.264 or HEVC (Annex B) and audio: AAC (ADTS or LATM), MPEG audio (MP2/MP3), AC-3, E-AC-3, DTS
//! and Opus.
//!
//! Output samples are rewritten into one buffer. Video is cut into access units by its NAL units (H.264
//! 7.4.1.2.3, H.265 7.4.2.4.4), not by PES packets: an encoder may end a PES packet inside a picture and
//! start the next picture's PES with the rest of it. Access units become AVCC/HVCC (4-byte NAL lengths, with
//! an `avcC`/`hvcC` built from the stream's parameter sets). Audio becomes one sample per frame (see
//! [`super::audio_es`]), ADTS and Opus framing stripped. Timestamps stay on the 90 kHz clock, with the
//! 33-bit wrap unwrapped into a continuous timeline, also across the segments of one [`TsDemuxer`]; a PES
//! timestamp belongs to the first access unit or frame that starts in the PES packet, later ones follow on.
//!
//! Damage does not stop the demuxer: bytes that are not packets (lost sync, junk before the first packet)
//! are skipped to the next packet boundary, continuity counter gaps drop the PES packet they broke (and the
//! video access unit it was part of), truncated packets are ignored, and each is reported as a [`Damage`].
//! Packets that come before the program tables (a PAT/PMT first seen mid-stream) are kept and read once the
//! tables name their streams.

use super::audio_es::{self, AudioCoding, FrameClock};
use crate::codec::opus::{self, OpusHead};
use crate::codec::{h264, hevc};
use crate::error::{Error, Result};
use crate::media::{CodecConfig, Demuxed, Payload, Sample, Track, TrackKind};
use crate::time::{first_33bit, unwrap_33bit, MPEG_TS_TIMESCALE};

const PACKET: usize = 188;
const SYNC: u8 = 0x47;
const PAT_PID: u16 = 0;
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

/// How a stream is coded, from its PMT entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    H264,
    Hevc,
    Audio(AudioCoding),
}

impl Coding {
    fn kind(self) -> TrackKind {
        match self {
            Coding::H264 | Coding::Hevc => TrackKind::Video,
            Coding::Audio(_) => TrackKind::Audio,
        }
    }
}

#[derive(Debug, Clone)]
struct Stream {
    pid: u16,
    coding: Coding,
    config: Option<CodecConfig>,
    /// Video parameter sets seen so far (VPS for HEVC only), each once.
    vps: Vec<Vec<u8>>,
    sps: Vec<Vec<u8>>,
    pps: Vec<Vec<u8>>,
    /// The PES packet being assembled.
    pes: Vec<u8>,
    continuity: Option<u8>,
    /// The PES in progress lost packets: drop it when it completes.
    broken: bool,
    /// The presentation time of the PES in progress (or, if its header gave none, of an earlier one).
    pes_pts: Option<i64>,
    /// Video: the Annex B bytes of the segment not yet cut into access units, and where each PES payload
    /// begins in them with its (pts, dts).
    es: Vec<u8>,
    es_times: Vec<(usize, Option<i64>, Option<i64>)>,
    /// Audio: a frame cut at the end of the previous PES, completed by the next one.
    audio_carry: Vec<u8>,
    /// Audio: the timestamp of the PES the carried bytes began in, when no frame started there before.
    carry_pts: Option<i64>,
    /// Audio: the clock of its frames, from the timestamp of the last PES that started a frame.
    audio_clock: Option<FrameClock>,
    last_duration: u32,
}

impl Stream {
    /// A stream the program table just named, with nothing read yet.
    fn new(pid: u16, coding: Coding, config: Option<CodecConfig>) -> Stream {
        Stream {
            pid,
            coding,
            config,
            vps: Vec::new(),
            sps: Vec::new(),
            pps: Vec::new(),
            pes: Vec::new(),
            continuity: None,
            broken: false,
            pes_pts: None,
            es: Vec::new(),
            es_times: Vec::new(),
            audio_carry: Vec::new(),
            carry_pts: None,
            audio_clock: None,
            last_duration: 0,
        }
    }
}

struct Output {
    samples: Vec<Vec<Sample>>,
    data: Vec<u8>,
    damage: Vec<Damage>,
}

/// What a packet turned out to be.
#[derive(PartialEq, Eq)]
enum Read {
    /// Data of a known stream, or nothing to read.
    Done,
    /// A PAT or PMT that named new PIDs.
    Tables,
    /// A PID the tables have not named (yet).
    Unknown,
}

impl TsDemuxer {
    /// A demuxer with no state.
    pub fn new() -> Self {
        TsDemuxer::default()
    }

    /// Demuxes one segment. Errors only when nothing usable is in it (not TS, no program, a stream whose
    /// codec configuration never appears); damage is reported in [`TsSegment::damage`].
    pub fn demux_segment(&mut self, bytes: &[u8]) -> Result<TsSegment> {
        if bytes.first() != Some(&SYNC) && resync(bytes, 0) == bytes.len() {
            return Err(Error::malformed(
                "not MPEG-TS: no run of 0x47 sync bytes 188 bytes apart",
            ));
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
        // Offsets of packets that came before the program tables named their PID, read once they do.
        let mut waiting = Vec::new();
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
            match self.packet(packet, offset as u64, &mut out) {
                Read::Unknown if self.streams.is_empty() => waiting.push(offset),
                Read::Tables if !waiting.is_empty() => self.read_waiting(bytes, &mut waiting, &mut out),
                _ => {}
            }
            offset += PACKET;
        }
        for index in 0..self.streams.len() {
            self.finish_pes(index, bytes.len() as u64, &mut out);
            self.cut_access_units(index, false, &mut out);
        }
        if self.pmt_pid.is_none() {
            return Err(Error::malformed("MPEG-TS without a program table (PAT/PMT)"));
        }
        self.finish_segment(out)
    }

    /// Reads the packets that waited for the tables, in their order, until no table they hold names more
    /// of them.
    fn read_waiting(&mut self, bytes: &[u8], waiting: &mut Vec<usize>, out: &mut Output) {
        let mut again = true;
        while again {
            again = false;
            for offset in std::mem::take(waiting) {
                match self.packet(&bytes[offset..offset + PACKET], offset as u64, out) {
                    Read::Unknown if self.streams.is_empty() => waiting.push(offset),
                    Read::Tables => again = true,
                    _ => {}
                }
            }
        }
    }

    fn packet(&mut self, packet: &[u8], offset: u64, out: &mut Output) -> Read {
        let transport_error = packet[1] & 0x80 != 0;
        let unit_start = packet[1] & 0x40 != 0;
        let pid = (u16::from(packet[1] & 0x1F) << 8) | u16::from(packet[2]);
        let adaptation = (packet[3] >> 4) & 0x3;
        let continuity = packet[3] & 0xF;
        if transport_error || adaptation == 0 {
            return Read::Done;
        }
        let mut start = 4;
        if adaptation & 0x2 != 0 {
            start += 1 + usize::from(packet[4]);
        }
        if adaptation & 0x1 == 0 || start > PACKET {
            return Read::Done; // adaptation field only (or a bogus length): no payload
        }
        let payload = &packet[start..];
        if pid == PAT_PID {
            if unit_start && self.parse_pat(payload) {
                return Read::Tables;
            }
        } else if Some(pid) == self.pmt_pid {
            if unit_start && self.parse_pmt(payload, out) {
                return Read::Tables;
            }
        } else if let Some(index) = self.streams.iter().position(|s| s.pid == pid) {
            self.stream_payload(index, payload, unit_start, continuity, offset, out);
        } else {
            return Read::Unknown;
        }
        Read::Done
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

    /// Reads a PAT; true when it names a PMT PID not known before.
    fn parse_pat(&mut self, payload: &[u8]) -> bool {
        let Some(section) = psi_section(payload, 0x00) else {
            return false;
        };
        // Program entries: program_number (16), reserved (3), PID (13); program 0 is the network PID.
        let pmt = section
            .chunks_exact(4)
            .find(|entry| u16::from_be_bytes([entry[0], entry[1]]) != 0)
            .map(|entry| (u16::from(entry[2] & 0x1F) << 8) | u16::from(entry[3]));
        let new = pmt.is_some() && pmt != self.pmt_pid;
        if pmt.is_some() {
            self.pmt_pid = pmt;
        }
        new
    }

    /// Reads a PMT; true when it names streams not known before.
    fn parse_pmt(&mut self, payload: &[u8], out: &mut Output) -> bool {
        let Some(section) = psi_section(payload, 0x02) else {
            return false;
        };
        let Some(info_len) = section
            .get(2..4)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]]) & 0x0FFF))
        else {
            return false;
        };
        let mut rest = section.get(4 + info_len..).unwrap_or_default();
        let mut new = false;
        while rest.len() >= 5 {
            let stream_type = rest[0];
            let pid = (u16::from(rest[1] & 0x1F) << 8) | u16::from(rest[2]);
            let es_info_len = usize::from(u16::from_be_bytes([rest[3], rest[4]]) & 0x0FFF);
            let descriptors = rest.get(5..5 + es_info_len).unwrap_or_default();
            rest = rest.get(5 + es_info_len..).unwrap_or_default();
            // Streams the library does not read (MPEG-2 video, ID3 metadata, SCTE-35, ...) are left out.
            let Some((coding, config)) = stream_coding(stream_type, descriptors) else {
                continue;
            };
            if self.streams.iter().any(|s| s.pid == pid) {
                continue;
            }
            self.streams.push(Stream::new(pid, coding, config));
            out.samples.push(Vec::new());
            new = true;
        }
        new
    }

    /// Turns the completed PES packet of stream `index` into samples (unless packets of it were lost).
    fn finish_pes(&mut self, index: usize, end_offset: u64, out: &mut Output) {
        let stream = &mut self.streams[index];
        let broken = std::mem::replace(&mut stream.broken, false);
        if broken {
            // The access unit the lost bytes were part of is lost with them; the ones before it are whole.
            self.cut_access_units(index, true, out);
        }
        let stream = &mut self.streams[index];
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
        let stream = &mut self.streams[index];
        match stream.coding {
            Coding::H264 | Coding::Hevc => {
                stream.es_times.push((stream.es.len(), pts, dts));
                stream.es.extend_from_slice(payload);
                Ok(())
            }
            Coding::Audio(coding) => self.audio_frames(index, coding, payload, pts, out),
        }
    }

    /// Cuts the video bytes of stream `index` gathered so far into access units and appends them as
    /// samples; with `drop_last`, the last access unit is incomplete (packets of it were lost) and dropped.
    /// Bytes before the first NAL unit (the end of an access unit that began before the stream was joined)
    /// are dropped.
    fn cut_access_units(&mut self, index: usize, drop_last: bool, out: &mut Output) {
        let stream = &mut self.streams[index];
        let coding = stream.coding;
        let mut es = std::mem::take(&mut stream.es);
        let times = std::mem::take(&mut stream.es_times);
        // Each NAL unit's share of the stream and where its bytes begin; each access unit's share and its
        // first NAL unit, in one pass over the stream. H.264 counts a 4-byte start code's zero byte with the
        // NAL unit after it, HEVC with the one before: where `ffprobe` cuts packets, whose sizes
        // [`Sample::stored_size`] reports.
        let mut nals: Vec<(usize, usize)> = Vec::new();
        let mut units: Vec<(usize, usize)> = Vec::new();
        let mut vcl_seen = false;
        for (share, begin) in h264::start_codes(&es, coding == Coding::H264) {
            let (vcl, opens) = nal_role(coding, es.get(begin..).unwrap_or_default());
            if units.is_empty() || (vcl_seen && opens) {
                units.push((share, nals.len()));
                vcl_seen = false;
            }
            vcl_seen |= vcl;
            nals.push((share, begin));
        }
        // Zero bytes before the first start code are the stream's leading zeros, part of its first unit.
        if let Some((first, _)) = units.first_mut() {
            if es.get(..*first).is_some_and(|lead| lead.iter().all(|b| *b == 0)) {
                *first = 0;
            }
        }
        let limit = match drop_last {
            true => units.pop().map_or(0, |(share, _)| share),
            false => es.len(),
        };
        let mut claimed = None;
        for (i, &(start, first_nal)) in units.iter().enumerate() {
            let (end, last_nal) = units
                .get(i + 1)
                .map_or((limit, nals.len()), |&(share, nal)| (share, nal));
            // A NAL unit ends where the next one's share begins.
            let unit_nals = (first_nal..last_nal).map(|n| (nals[n].1, nals.get(n + 1).map_or(es.len(), |next| next.0)));
            // The timestamps of the PES packet this access unit starts in, unless an earlier access unit
            // started there too.
            let pes = times.partition_point(|t| t.0 <= start).checked_sub(1);
            let time = match pes.filter(|p| Some(*p) != claimed) {
                Some(p) => {
                    claimed = Some(p);
                    times.get(p).and_then(|&(_, pts, dts)| pts.zip(dts))
                }
                None => None,
            };
            self.video_access_unit(index, &es, unit_nals, end - start, time, out);
        }
        let stream = &mut self.streams[index];
        if stream.config.is_none() && !stream.sps.is_empty() && !stream.pps.is_empty() {
            stream.config = video_config(stream).ok();
        }
        // The buffer is kept for the next access units: its capacity grows once, not for each of them.
        es.clear();
        stream.es = es;
    }

    /// Appends an access unit as a sample: its NAL units (`(begin, end)` in `es`) rewritten to
    /// length-prefixed ones, new parameter sets collected on the way; `stored_size` is its share of the
    /// Annex B stream.
    fn video_access_unit(
        &mut self,
        index: usize,
        es: &[u8],
        nals: impl Iterator<Item = (usize, usize)>,
        stored_size: usize,
        time: Option<(i64, i64)>,
        out: &mut Output,
    ) {
        let stream = &mut self.streams[index];
        let offset = out.data.len() as u64;
        let coding = stream.coding;
        let mut key = false;
        let size = h264::nals_to_avcc(es, nals, &mut out.data, |nal| {
            let (set, irap) = match coding {
                Coding::Hevc => match hevc::nal_type(nal) {
                    Some(hevc::NAL_VPS) => (Some((&mut stream.vps, 16)), false),
                    Some(hevc::NAL_SPS) => (Some((&mut stream.sps, 32)), false),
                    Some(hevc::NAL_PPS) => (Some((&mut stream.pps, 256)), false),
                    other => (None, other.is_some_and(hevc::is_irap)),
                },
                _ => match h264::nal_type(nal) {
                    Some(h264::NAL_SPS) => (Some((&mut stream.sps, 32)), false),
                    Some(h264::NAL_PPS) => (Some((&mut stream.pps, 256)), false),
                    other => (None, other == Some(h264::NAL_IDR)),
                },
            };
            key |= irap;
            if let Some((sets, limit)) = set {
                if sets.len() < limit && !sets.iter().any(|s| s == nal) {
                    sets.push(nal.to_vec());
                }
            }
        });
        if size == 0 {
            return;
        }
        let previous = out.samples[index].last().copied();
        let (pts, dts) = match (time, previous) {
            (Some(time), _) => time,
            // No timestamp of its own: the access unit follows the previous one.
            (None, Some(prev)) => {
                let step = i64::from(stream.last_duration.max(1));
                (prev.pts + step, prev.dts + step)
            }
            (None, None) => return,
        };
        out.samples[index].push(Sample {
            pts,
            dts,
            duration: 0,
            key,
            offset,
            size: size as u32,
            stored_size: stored_size as u32,
        });
    }

    fn audio_frames(
        &mut self,
        index: usize,
        coding: AudioCoding,
        payload: &[u8],
        pts: Option<i64>,
        out: &mut Output,
    ) -> Result<(), &'static str> {
        let stream = &mut self.streams[index];
        let mut bytes = std::mem::take(&mut stream.audio_carry);
        let carried = bytes.len();
        bytes.extend_from_slice(payload);
        // Timestamps waiting for the first frame that starts at or after a position: the previous PES's,
        // when no frame started in it before it ended, and this one's.
        let mut stamps = [stream.carry_pts.take().map(|p| (0, p)), pts.map(|p| (carried, p))];
        let position = audio_es::read_frames(
            coding,
            &bytes,
            &mut stream.config,
            &mut stream.audio_clock,
            &mut stamps,
            &mut out.data,
            &mut out.samples[index],
        )?;
        stream.audio_carry = bytes.split_off(position.min(bytes.len()));
        stream.carry_pts = stamps.into_iter().flatten().last().map(|(_, pts)| pts);
        Ok(())
    }

    fn finish_segment(&mut self, mut out: Output) -> Result<TsSegment> {
        let mut tracks = Vec::new();
        for (stream, mut samples) in self.streams.iter_mut().zip(std::mem::take(&mut out.samples)) {
            if samples.is_empty() {
                continue;
            }
            let config = stream.config.clone().ok_or_else(|| {
                Error::malformed(format!(
                    "PID {}: {} stream without its codec configuration (no parameter sets or frame header)",
                    u32::from(stream.pid),
                    stream.coding.kind().as_str()
                ))
            })?;
            if stream.coding.kind() == TrackKind::Video {
                fill_video_durations(&mut samples, &mut stream.last_duration);
            }
            tracks.push(Track {
                id: u32::from(stream.pid),
                kind: stream.coding.kind(),
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

/// The coding of a PMT entry from its stream type and descriptors, with the configuration the descriptors
/// already give (Opus: channels, hence the `OpusHead`). Private stream type 0x06 is identified by its
/// descriptors: AC-3 (0x6A), E-AC-3 (0x7A), DTS (0x7B), or a registration descriptor (0x05) naming the
/// format (`AC-3`, `EAC3`, `DTS1`-`DTS3`, `Opus`).
fn stream_coding(stream_type: u8, descriptors: &[u8]) -> Option<(Coding, Option<CodecConfig>)> {
    let audio = |coding| Some((Coding::Audio(coding), None));
    match stream_type {
        0x1B => Some((Coding::H264, None)),
        0x24 => Some((Coding::Hevc, None)),
        0x0F => audio(AudioCoding::Adts),
        0x03 | 0x04 => audio(AudioCoding::MpegAudio),
        0x11 => audio(AudioCoding::Loas),
        0x81 | 0x87 => audio(AudioCoding::Ac3),
        0x82 | 0x85 | 0x8A => audio(AudioCoding::Dts),
        0x06 => {
            let mut coding = None;
            let mut opus_channels = None;
            let mut rest = descriptors;
            while let [tag, len, body @ ..] = rest {
                let body = body.get(..usize::from(*len)).unwrap_or(body);
                match (*tag, body) {
                    (0x6A | 0x7A, _) | (0x05, b"AC-3" | b"EAC3") => coding = Some(AudioCoding::Ac3),
                    (0x7B, _) | (0x05, b"DTS1" | b"DTS2" | b"DTS3") => coding = Some(AudioCoding::Dts),
                    (0x05, b"Opus") => coding = Some(AudioCoding::Opus),
                    // Extension descriptor 0x80: the Opus audio descriptor, channel_config_code.
                    (0x7F, [0x80, code, ..]) => opus_channels = Some(*code),
                    _ => {}
                }
                rest = rest.get(2 + usize::from(*len)..).unwrap_or_default();
            }
            let coding = coding?;
            if coding != AudioCoding::Opus {
                return audio(coding);
            }
            // Without its channel configuration an Opus stream cannot be configured.
            let head = OpusHead::for_ts_channel_config(opus_channels?)?;
            let config = CodecConfig::audio(
                "opus".into(),
                Some(head.to_bytes()),
                opus::RATE,
                u32::from(head.channels),
            );
            Some((Coding::Audio(coding), Some(config)))
        }
        _ => None,
    }
}

/// Whether a NAL unit is a coded slice, and whether it opens a new access unit when it follows one
/// (H.264 7.4.1.2.3, H.265 7.4.2.4.4): a delimiter, parameter set or SEI, or the first slice of a
/// picture (first_mb_in_slice 0, first_slice_segment_in_pic_flag 1).
fn nal_role(coding: Coding, nal: &[u8]) -> (bool, bool) {
    let first_bit = |at: usize| nal.get(at).is_some_and(|b| b & 0x80 != 0);
    match coding {
        Coding::Hevc => match hevc::nal_type(nal) {
            Some(t) if hevc::is_vcl(t) => (true, first_bit(2)),
            Some(t) => (false, matches!(t, 32..=35 | 39 | 41..=44 | 48..=55)),
            None => (false, false),
        },
        _ => match h264::nal_type(nal) {
            Some(1 | 2 | 5) => (true, first_bit(1)),
            Some(3 | 4) => (true, false),
            Some(t) => (false, matches!(t, 6..=9 | 14..=18)),
            None => (false, false),
        },
    }
}

fn video_config(stream: &Stream) -> Result<CodecConfig> {
    let first = stream.sps.first().ok_or_else(|| Error::malformed("no SPS"))?;
    let (codec, description, width, height) = match stream.coding {
        Coding::Hevc => {
            let parsed = hevc::Sps::parse(first)?;
            let record = hevc::hevc_decoder_configuration(&stream.vps, &stream.sps, &stream.pps)?;
            (
                hevc::codec_string("hvc1", &record)?,
                record,
                parsed.width,
                parsed.height,
            )
        }
        _ => {
            let parsed = h264::Sps::parse(first)?;
            let record = h264::avc_decoder_configuration(&stream.sps, &stream.pps)?;
            (parsed.codec_string(), record, parsed.width, parsed.height)
        }
    };
    Ok(CodecConfig::video(codec, Some(description), width, height))
}

/// The next offset after `from` where a packet boundary looks real: a sync byte with sync bytes one and
/// two packets later (as far as the data goes).
fn resync(bytes: &[u8], from: usize) -> usize {
    (from + 1..bytes.len())
        .find(|&i| (0..3).all(|k| bytes.get(i + k * PACKET).is_none_or(|b| *b == SYNC)))
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A TS packet of `pid` carrying `payload` (padded with an adaptation field of stuffing).
    fn packet(pid: u16, unit_start: bool, continuity: u8, payload: &[u8]) -> Vec<u8> {
        let stuffing = PACKET - 4 - payload.len();
        let mut out = vec![SYNC, (u8::from(unit_start) << 6) | (pid >> 8) as u8, pid as u8];
        if stuffing == 0 {
            out.push(0x10 | continuity);
        } else {
            out.push(0x30 | continuity);
            out.push((stuffing - 1) as u8);
            if stuffing > 1 {
                out.push(0);
                out.resize(4 + stuffing, 0xFF);
            }
        }
        out.extend_from_slice(payload);
        out
    }

    /// A PSI section (pointer field first, CRC not checked by the demuxer so left zero).
    fn section(table_id: u8, body: &[u8]) -> Vec<u8> {
        let length = 5 + body.len() + 4;
        let mut out = vec![0, table_id, 0xB0 | (length >> 8) as u8, length as u8, 0, 1, 0xC1, 0, 0];
        out.extend_from_slice(body);
        out.extend_from_slice(&[0; 4]);
        out
    }

    /// A transport stream with one Opus stream (PID 0x100) holding two packets in one PES packet at
    /// pts 900, behind `junk`.
    fn opus_stream(junk: &[u8]) -> Vec<u8> {
        let pat = section(0x00, &[0, 1, 0xE0 | 0x10, 0x00]);
        // Stream type 0x06, registration descriptor 'Opus', extension descriptor 0x80 (2 channels).
        let pmt_body = [
            0xE1, 0x00, 0xF0, 0x00, 0x06, 0xE1, 0x00, 0xF0, 0x0A, 0x05, 0x04, b'O', b'p', b'u', b's', 0x7F, 0x02, 0x80,
            0x02,
        ];
        let pmt = section(0x02, &pmt_body);
        let mut es = vec![0x7F, 0xF0, 3, 0x01, 0x38, 0x7C, 0xAA, 0xBB]; // start trim 312, CELT 20 ms
        es.extend_from_slice(&[0x7F, 0xE0, 2, 0x0B, 0x03]); // SILK 20 ms x 3 frames: 60 ms
        let mut pes = vec![0, 0, 1, 0xBD, 0, (8 + es.len()) as u8, 0x80, 0x80, 5];
        pes.extend_from_slice(&[0x21, 0x00, 0x01, 0x07, 0x09]); // pts 900
        pes.extend_from_slice(&es);
        [
            junk.to_vec(),
            packet(0, true, 0, &pat),
            packet(0x1000, true, 0, &pmt),
            packet(0x100, true, 0, &pes),
        ]
        .concat()
    }

    #[test]
    fn opus_packets_behind_their_control_headers() {
        let segment = demux(&opus_stream(&[])).unwrap();
        assert_eq!(segment.damage, []);
        let track = &segment.demuxed.tracks[0];
        assert_eq!((track.config.codec.as_str(), track.config.channels), ("opus", 2));
        let head = OpusHead::parse(track.config.description.as_ref().unwrap()).unwrap();
        assert_eq!((head.channels, head.input_sample_rate, head.mapping), (2, 48_000, None));
        let samples: Vec<(i64, u32, u32, u32)> = track
            .samples
            .iter()
            .map(|s| (s.pts, s.duration, s.size, s.stored_size))
            .collect();
        // 960 samples at 48 kHz: 1800 ticks; the stored size leaves out the control header, as ffprobe.
        assert_eq!(samples, [(900, 1800, 3, 3), (2700, 5400, 2, 2)]);
        let Payload::Owned(data) = &segment.demuxed.payload else {
            panic!()
        };
        assert_eq!(track.samples[0].data_in(data), Some(&[0x7C, 0xAA, 0xBB][..]));
    }

    #[test]
    fn junk_in_front_of_the_first_packet_is_skipped() {
        let junk: Vec<u8> = (0..155u8).collect();
        let bytes = opus_stream(&junk);
        assert_eq!(crate::demux::detect_format(&bytes), Some(crate::demux::Format::Ts));
        let segment = demux(&bytes).unwrap();
        assert_eq!(
            segment.damage,
            [Damage::LostSync {
                offset: 0,
                skipped: 155,
                time: None
            }]
        );
        assert_eq!(segment.demuxed.tracks[0].samples.len(), 2);
    }

    #[test]
    fn packets_before_the_tables_are_read_once_they_come() {
        // The PES packet first, then PAT and PMT.
        let bytes = opus_stream(&[]);
        let reordered = [&bytes[2 * PACKET..], &bytes[..2 * PACKET]].concat();
        let segment = demux(&reordered).unwrap();
        assert_eq!(segment.damage, []);
        assert_eq!(segment.demuxed.tracks[0].samples.len(), 2);
    }

    #[test]
    fn access_units_are_cut_by_nal_units_not_pes_packets() {
        // An IDR access unit whose last 2 bytes arrive in the next PES packet, before its delimiter.
        let (aud, sps) = ([0, 0, 0, 1, 0x09, 0xF0], [0, 0, 1, 0x67]);
        let idr = [0, 0, 1, 0x65, 0x88, 0x11, 0x22];
        let first = [&aud[..], &sps, &idr[..5]].concat();
        let second = [&idr[5..], &aud[..], &[0, 0, 1, 0x41, 0x9A]].concat();
        let stream = Stream {
            es: [&first[..], &second].concat(),
            es_times: vec![(0, Some(3000), Some(0)), (first.len(), Some(6000), Some(3000))],
            ..Stream::new(1, Coding::H264, None)
        };
        let mut demuxer = TsDemuxer {
            streams: vec![stream],
            ..TsDemuxer::default()
        };
        let mut out = Output {
            samples: vec![Vec::new()],
            data: Vec::new(),
            damage: Vec::new(),
        };
        demuxer.cut_access_units(0, false, &mut out);
        let samples: Vec<(i64, i64, bool, u32)> = out.samples[0]
            .iter()
            .map(|s| (s.pts, s.dts, s.key, s.stored_size))
            .collect();
        assert_eq!(
            samples,
            [(3000, 0, true, (first.len() + 2) as u32), (6000, 3000, false, 11)]
        );
    }
}
