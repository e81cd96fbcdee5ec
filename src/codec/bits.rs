//! A bit reader for codec headers (H.264 SPS, AAC AudioSpecificConfig): MSB first, Exp-Golomb codes, and a
//! typed error instead of a panic when a header ends early.

use crate::error::{Error, Result};

/// Reads bits MSB-first from a byte slice.
pub struct BitReader<'a> {
    bytes: &'a [u8],
    position: usize,
    what: &'static str,
}

impl<'a> BitReader<'a> {
    /// A reader over `bytes`; `what` names the structure in error messages.
    pub fn new(bytes: &'a [u8], what: &'static str) -> Self {
        BitReader {
            bytes,
            position: 0,
            what,
        }
    }

    fn ended(&self) -> Error {
        Error::malformed(format!("{} ends early", self.what))
    }

    /// One bit.
    pub fn bit(&mut self) -> Result<bool> {
        let byte = self.bytes.get(self.position / 8).ok_or_else(|| self.ended())?;
        let bit = (byte >> (7 - self.position % 8)) & 1;
        self.position += 1;
        Ok(bit == 1)
    }

    /// `count` bits (at most 32) as an unsigned number.
    pub fn bits(&mut self, count: u32) -> Result<u32> {
        debug_assert!(count <= 32);
        let mut value = 0u32;
        for _ in 0..count {
            value = (value << 1) | u32::from(self.bit()?);
        }
        Ok(value)
    }

    /// Skips `count` bits.
    pub fn skip(&mut self, count: usize) -> Result<()> {
        let target = self.position.checked_add(count).ok_or_else(|| self.ended())?;
        if target > self.bytes.len() * 8 {
            return Err(self.ended());
        }
        self.position = target;
        Ok(())
    }

    /// An unsigned Exp-Golomb code `ue(v)`. Codes longer than 32 bits are malformed in every header we read.
    pub fn ue(&mut self) -> Result<u32> {
        let mut zeros = 0;
        while !self.bit()? {
            zeros += 1;
            if zeros > 31 {
                return Err(Error::malformed(format!("{}: Exp-Golomb code too long", self.what)));
            }
        }
        let rest = self.bits(zeros)?;
        Ok(((1u64 << zeros) - 1 + u64::from(rest)) as u32)
    }

    /// A signed Exp-Golomb code `se(v)`.
    pub fn se(&mut self) -> Result<i32> {
        let code = i64::from(self.ue()?);
        Ok(if code % 2 == 1 {
            ((code + 1) / 2) as i32
        } else {
            (-(code / 2)) as i32
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bits_and_golomb_codes() {
        // 1 | 010 | 011 | 00100 | 00101 -> ue 0, 1, 2, 3, 4
        let bytes = [0b1010_0110, 0b0100_0010, 0b1000_0000];
        let mut reader = BitReader::new(&bytes, "test");
        let codes: Vec<u32> = (0..5).map(|_| reader.ue().unwrap()).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4]);
        let mut reader = BitReader::new(&[0b0100_1100], "test");
        assert_eq!(reader.se().unwrap(), 1); // 010
        assert_eq!(reader.se().unwrap(), -1); // 011
    }

    #[test]
    fn running_out_is_an_error() {
        let mut reader = BitReader::new(&[0xFF], "SPS");
        assert_eq!(reader.bits(8).unwrap(), 0xFF);
        assert_eq!(reader.bit().unwrap_err().message(), "SPS ends early");
        assert!(BitReader::new(&[0, 0, 0, 0, 0], "x").ue().is_err());
        assert!(BitReader::new(&[0], "x").skip(9).is_err());
    }
}
