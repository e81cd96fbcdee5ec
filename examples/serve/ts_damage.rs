//! MPEG-TS damage for the `damage=` fault: the transport errors a broken link, a bad encoder or an origin that
//! cut a file produce, one of each kind, in one segment, so a player's handling of each shows up in one test.
//!
//! In packet order, where `n` is the segment's packet count:
//! 1. a lost packet: the first packet from `n / 4` on that continues a PES packet (payload, no unit start) is
//!    left out, so its stream's continuity counter jumps and the PES packet it belonged to is incomplete;
//! 2. lost sync: 57 junk bytes (`0xFF`, never a sync byte, and not a whole packet) are inserted before packet
//!    `n / 2`, so a demuxer has to search for the next packet boundary;
//! 3. a PES packet without its start code: in the first packet from `3n / 4` on that starts a PES packet, the
//!    `00 00 01` prefix becomes `FF FF FF`;
//! 4. a truncated packet: the last 100 bytes are cut, so the segment ends inside its last packet.
//!
//! Anything that is not MPEG-TS (no sync byte at 0, or a length that is not a whole number of packets) is
//! returned unchanged.

const PACKET: usize = 188;
const SYNC: u8 = 0x47;
const JUNK: [u8; 57] = [0xFF; 57];
const CUT: usize = 100;

/// Where the payload of a packet starts (after the header and any adaptation field), if it has one.
pub fn payload_start(packet: &[u8]) -> Option<usize> {
    let control = (packet[3] >> 4) & 0x3;
    if control & 0x1 == 0 {
        return None;
    }
    let start = if control & 0x2 != 0 {
        5 + usize::from(packet[4])
    } else {
        4
    };
    (start < PACKET).then_some(start)
}

pub fn unit_start(packet: &[u8]) -> bool {
    packet[1] & 0x40 != 0
}

pub fn pid(packet: &[u8]) -> u16 {
    (u16::from(packet[1] & 0x1F) << 8) | u16::from(packet[2])
}

/// A packet that carries the middle or end of a PES packet (not a table: PID 0 is the PAT, 0x1FFF padding).
fn continues_pes(packet: &[u8]) -> bool {
    !unit_start(packet) && payload_start(packet).is_some() && !matches!(pid(packet), 0 | 0x1FFF)
}

/// A packet whose payload starts a PES packet: `00 00 01` first.
fn starts_pes(packet: &[u8]) -> Option<usize> {
    let start = payload_start(packet)?;
    (unit_start(packet) && packet.get(start..start + 3) == Some(&[0, 0, 1])).then_some(start)
}

/// `bytes` with the four kinds of damage described at the top of this file.
pub fn damage(bytes: &[u8]) -> Vec<u8> {
    if bytes.first() != Some(&SYNC) || bytes.len() % PACKET != 0 {
        return bytes.to_vec();
    }
    let packets: Vec<&[u8]> = bytes.chunks_exact(PACKET).collect();
    let n = packets.len();
    let first_from = |from: usize, wanted: &dyn Fn(&[u8]) -> bool| (from..n).find(|&i| wanted(packets[i]));
    let lost = first_from(n / 4, &continues_pes);
    let headless = first_from(3 * n / 4, &|packet| starts_pes(packet).is_some());

    let mut out = Vec::with_capacity(bytes.len() + JUNK.len());
    for (i, packet) in packets.iter().enumerate() {
        if Some(i) == lost {
            continue;
        }
        if i == n / 2 {
            out.extend_from_slice(&JUNK);
        }
        let at = out.len();
        out.extend_from_slice(packet);
        if Some(i) == headless {
            if let Some(start) = starts_pes(packet) {
                out[at + start..at + start + 3].fill(0xFF);
            }
        }
    }
    out.truncate(out.len().saturating_sub(CUT));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A packet of `pid` with continuity counter `cc`, starting a PES packet or continuing one.
    fn packet(pid: u16, cc: u8, starts: bool) -> Vec<u8> {
        let mut p = vec![0u8; PACKET];
        p[0] = SYNC;
        p[1] = (if starts { 0x40 } else { 0 }) | (pid >> 8) as u8;
        p[2] = pid as u8;
        p[3] = 0x10 | cc;
        if starts {
            p[4..7].copy_from_slice(&[0, 0, 1]);
        }
        p
    }

    fn stream() -> Vec<u8> {
        // A PAT, then 39 packets of PID 0x100: a PES packet starts every tenth.
        let mut bytes = packet(0, 0, true);
        bytes[4..7].fill(0); // a table, not a PES packet
        for i in 0..39u8 {
            bytes.extend(packet(0x100, i % 16, i % 10 == 0));
        }
        bytes
    }

    #[test]
    fn one_of_each_kind() {
        let bytes = stream();
        let damaged = damage(&bytes);
        // One packet fewer, 57 bytes more, 100 bytes fewer.
        assert_eq!(damaged.len(), bytes.len() - PACKET + 57 - 100);
        // Packets 1, 11, 21 and 31 start PES packets. Packet 10 (n / 4) continues one: it is the lost one.
        assert_eq!(&damaged[..10 * PACKET], &bytes[..10 * PACKET]);
        assert_eq!(&damaged[10 * PACKET..11 * PACKET], &bytes[11 * PACKET..12 * PACKET]);
        // The junk stands before packet 20 (n / 2), now the 19th.
        assert_eq!(&damaged[19 * PACKET..19 * PACKET + 57], &JUNK);
        assert_eq!(
            &damaged[19 * PACKET + 57..20 * PACKET + 57],
            &bytes[20 * PACKET..21 * PACKET]
        );
        // Packet 31, the first from 3n / 4 = 30 to start a PES packet, lost its start code; 32 is untouched.
        let at = 30 * PACKET + 57;
        assert_eq!(&damaged[at..at + 4], &bytes[31 * PACKET..31 * PACKET + 4]);
        assert_eq!(&damaged[at + 4..at + 7], &[0xFF; 3]);
        assert_eq!(&damaged[at + 7..at + PACKET], &bytes[31 * PACKET + 7..32 * PACKET]);
        assert_eq!(&damaged[at + PACKET..at + 2 * PACKET], &bytes[32 * PACKET..33 * PACKET]);
        // The last packet is cut: it ends 88 bytes in.
        assert_eq!((damaged.len() - 57) % PACKET, PACKET - 100);
    }

    #[test]
    fn other_bytes_pass_unchanged() {
        assert_eq!(damage(b"\0\0\0\x18ftypisom"), b"\0\0\0\x18ftypisom");
        let mut cut = stream();
        cut.pop();
        assert_eq!(damage(&cut), cut);
        assert_eq!(damage(&[]), Vec::<u8>::new());
    }
}
