//! Writing boxes: big-endian fields appended to a byte buffer, and boxes whose size is filled in once
//! their body is written.

use crate::demux::boxes::fourcc_text;
use crate::error::{Error, Result};

/// An output buffer that boxes are written into.
#[derive(Debug, Default)]
pub(super) struct BoxWriter {
    bytes: Vec<u8>,
}

impl BoxWriter {
    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// The bytes written.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Writes a box of type `kind` whose body `body` writes; its 32-bit size is filled in after.
    pub fn boxed(&mut self, kind: &[u8; 4], body: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        let start = self.open(kind);
        body(self)?;
        self.close(start, kind)
    }

    /// Writes a full box: a box whose body starts with a version byte and 24 bits of flags.
    pub fn full_box(
        &mut self,
        kind: &[u8; 4],
        version: u8,
        flags: u32,
        body: impl FnOnce(&mut Self) -> Result<()>,
    ) -> Result<()> {
        let start = self.open(kind);
        self.u32((u32::from(version) << 24) | (flags & 0x00FF_FFFF));
        body(self)?;
        self.close(start, kind)
    }

    /// Starts a box of type `kind` with its size left at 0; returns where it starts. The generic `boxed` and
    /// `full_box` (one copy per body) leave the header and the size to this and `close`.
    fn open(&mut self, kind: &[u8; 4]) -> usize {
        let start = self.bytes.len();
        self.u32(0);
        self.bytes(kind);
        start
    }

    /// Fills in the size of the box of type `kind` started at `start`, now that its body is written.
    fn close(&mut self, start: usize, kind: &[u8; 4]) -> Result<()> {
        let size = u32::try_from(self.bytes.len() - start)
            .map_err(|_| Error::limit(format!("an MP4 '{}' box over 4 GiB", fourcc_text(kind))))?;
        self.bytes[start..start + 4].copy_from_slice(&size.to_be_bytes());
        Ok(())
    }

    /// Raw bytes.
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// `count` zero bytes (reserved and pre-defined fields).
    pub fn zeros(&mut self, count: usize) {
        self.bytes.resize(self.bytes.len() + count, 0);
    }

    /// A big-endian `u16`.
    pub fn u16(&mut self, value: u16) {
        self.bytes(&value.to_be_bytes());
    }

    /// A big-endian `u32`.
    pub fn u32(&mut self, value: u32) {
        self.bytes(&value.to_be_bytes());
    }

    /// A big-endian `i32`.
    pub fn i32(&mut self, value: i32) {
        self.bytes(&value.to_be_bytes());
    }

    /// A big-endian `u64`.
    pub fn u64(&mut self, value: u64) {
        self.bytes(&value.to_be_bytes());
    }

    /// A time or duration as 64 bits in version 1 boxes, else 32 bits.
    pub fn u32_or_u64(&mut self, version: u8, value: u64) {
        if version == 1 {
            self.u64(value);
        } else {
            self.u32(value as u32);
        }
    }

    /// The identity transformation matrix of `mvhd` and `tkhd` (16.16 and 2.30 fixed point).
    pub fn unity_matrix(&mut self) {
        self.matrix([0x0001_0000, 0, 0, 0x0001_0000]);
    }

    /// A transformation matrix whose top-left 2x2 is `a, b, c, d` (16.16 fixed point), without translation.
    pub fn matrix(&mut self, [a, b, c, d]: [i32; 4]) {
        for value in [a, b, 0, c, d, 0, 0, 0, 0x4000_0000] {
            self.u32(value as u32);
        }
    }
}

/// Version 1 (64-bit fields) when any of `values` needs more than 32 bits, else version 0.
pub(super) fn version_for(values: &[u64]) -> u8 {
    u8::from(values.iter().any(|v| *v > u64::from(u32::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn box_sizes_are_filled_in() {
        let mut w = BoxWriter::default();
        let written = w.boxed(b"moov", |w| {
            w.full_box(b"mvhd", 1, 3, |w| {
                w.u16(7);
                Ok(())
            })
        });
        assert!(written.is_ok());
        assert_eq!(
            w.into_bytes(),
            [0, 0, 0, 22, b'm', b'o', b'o', b'v', 0, 0, 0, 14, b'm', b'v', b'h', b'd', 1, 0, 0, 3, 0, 7]
        );
        assert_eq!(version_for(&[1, u64::from(u32::MAX)]), 0);
        assert_eq!(version_for(&[1 << 32]), 1);
    }
}
