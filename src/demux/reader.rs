//! Reading box bodies: a bounds-checked big-endian cursor, and the child boxes of a container box.
//!
//! Every read that would run past the end of its box is a `malformed_input` error naming the box, so a
//! hostile or truncated file can never index out of bounds. Tables are borrowed, never copied: a count
//! the box's bytes cannot hold is refused before anything is allocated for it.

use super::boxes::{fourcc_text, read_header};
use crate::error::{Error, Result};

/// A cursor over the body of one box.
#[derive(Debug, Clone)]
pub struct BoxReader<'a> {
    kind: [u8; 4],
    bytes: &'a [u8],
}

impl<'a> BoxReader<'a> {
    /// A reader over `body`, the bytes of a box of type `kind` after its header.
    pub fn new(kind: [u8; 4], body: &'a [u8]) -> Self {
        BoxReader { kind, bytes: body }
    }

    /// The box type.
    pub fn kind(&self) -> [u8; 4] {
        self.kind
    }

    /// The bytes not read yet.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes
    }

    /// An error about this box.
    pub fn error(&self, what: &str) -> Error {
        Error::malformed(format!("'{}' box: {what}", fourcc_text(&self.kind)))
    }

    /// The next `len` bytes.
    pub fn bytes(&mut self, len: usize) -> Result<&'a [u8]> {
        if len > self.bytes.len() {
            return Err(self.error("ends early"));
        }
        let (taken, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        Ok(taken)
    }

    /// Skips `len` bytes.
    pub fn skip(&mut self, len: usize) -> Result<()> {
        self.bytes(len).map(|_| ())
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8> {
        Ok(self.array::<1>()?[0])
    }

    /// A big-endian `u16`.
    pub fn u16(&mut self) -> Result<u16> {
        self.array().map(u16::from_be_bytes)
    }

    /// A big-endian `u32`.
    pub fn u32(&mut self) -> Result<u32> {
        self.array().map(u32::from_be_bytes)
    }

    /// A big-endian `i32`.
    pub fn i32(&mut self) -> Result<i32> {
        self.array().map(i32::from_be_bytes)
    }

    /// A big-endian `u64`.
    pub fn u64(&mut self) -> Result<u64> {
        self.array().map(u64::from_be_bytes)
    }

    /// A four-character code.
    pub fn fourcc(&mut self) -> Result<[u8; 4]> {
        self.array()
    }

    /// A 32-bit value in version 0 boxes, 64-bit in version 1 (times and durations of `mvhd`, `tkhd`,
    /// `mdhd`, `tfdt`, `elst`).
    pub fn u32_or_u64(&mut self, version: u8) -> Result<u64> {
        if version == 1 {
            self.u64()
        } else {
            self.u32().map(u64::from)
        }
    }

    /// A full box's version and 24-bit flags.
    pub fn full_box(&mut self) -> Result<(u8, u32)> {
        let word = self.u32()?;
        Ok(((word >> 24) as u8, word & 0x00FF_FFFF))
    }

    /// A table of `count` entries of `width` bytes each, borrowed; refused when the box cannot hold it.
    pub fn table(&mut self, count: u32, width: usize) -> Result<Table<'a>> {
        let len = (count as usize)
            .checked_mul(width)
            .filter(|len| *len <= self.bytes.len())
            .ok_or_else(|| self.error(&format!("claims {count} entries, more than it holds")))?;
        Ok(Table {
            bytes: self.bytes(len)?,
            width,
        })
    }

    /// The child boxes in the rest of the body.
    pub fn children(&self) -> Children<'a> {
        Children { rest: self.bytes }
    }
}

/// Fixed-width entries borrowed from a box body.
#[derive(Debug, Clone, Copy, Default)]
pub struct Table<'a> {
    bytes: &'a [u8],
    width: usize,
}

impl<'a> Table<'a> {
    /// How many entries.
    pub fn len(&self) -> usize {
        self.bytes.len().checked_div(self.width).unwrap_or(0)
    }

    /// The entries in order, each `width` bytes.
    pub fn entries(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.bytes.chunks_exact(self.width.max(1))
    }

    /// Entries of one big-endian `u32` each (`stss`, `stco`, `stsz`).
    pub fn u32s(&self) -> impl Iterator<Item = u32> + 'a {
        self.entries().map(|e| be_u32(e, 0))
    }

    /// The `index`th entry's big-endian `u32` at byte `at` of the entry.
    pub fn u32_at(&self, index: usize, at: usize) -> Option<u32> {
        let start = index.checked_mul(self.width)?.checked_add(at)?;
        self.bytes.get(start..start + 4).map(|b| be_u32(b, 0))
    }
}

/// The big-endian `u32` at `at` of an entry the caller knows is long enough (0 past its end).
pub fn be_u32(entry: &[u8], at: usize) -> u32 {
    entry
        .get(at..)
        .and_then(<[u8]>::first_chunk)
        .map_or(0, |word| u32::from_be_bytes(*word))
}

/// Iterates the child boxes of a container body. A child that claims more bytes than its parent holds is
/// an error (and ends the iteration).
#[derive(Debug, Clone)]
pub struct Children<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<BoxReader<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        // QuickTime may end a list of boxes with a 32-bit zero (the sample entries of phone MOVs do).
        if self.rest.len() < 8 && self.rest.iter().all(|b| *b == 0) {
            return None;
        }
        let header = match read_header(self.rest, 0) {
            Ok(Some(header)) => header,
            Ok(None) => {
                self.rest = &[];
                return Some(Err(Error::malformed("a box ends inside a child box's header")));
            }
            Err(e) => {
                self.rest = &[];
                return Some(Err(e));
            }
        };
        let len = self.rest.len() as u64;
        let end = header.end(len);
        if end > len {
            self.rest = &[];
            return Some(Err(Error::malformed(format!(
                "box '{}' claims {end} bytes but its parent holds {len}",
                header.name()
            ))));
        }
        let (whole, rest) = self.rest.split_at_checked(end as usize)?;
        self.rest = rest;
        Some(Ok(BoxReader::new(
            header.kind,
            whole.get(header.header_len as usize..)?,
        )))
    }
}

/// The first child of type `kind`, if any.
pub fn child<'a>(parent: &BoxReader<'a>, kind: &[u8; 4]) -> Result<Option<BoxReader<'a>>> {
    for found in parent.children() {
        let found = found?;
        if &found.kind() == kind {
            return Ok(Some(found));
        }
    }
    Ok(None)
}

/// The child of type `kind`, which the format requires.
pub fn required_child<'a>(parent: &BoxReader<'a>, kind: &[u8; 4]) -> Result<BoxReader<'a>> {
    child(parent, kind)?.ok_or_else(|| parent.error(&format!("no '{}' box", fourcc_text(kind))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounded_by_the_box() {
        let mut reader = BoxReader::new(*b"test", &[0, 0, 0, 2, 0xFF]);
        assert_eq!(reader.u32().ok(), Some(2));
        assert!(reader.u16().is_err());
        assert_eq!(reader.u8().ok(), Some(0xFF));
        assert!(reader.u8().is_err());
    }

    #[test]
    fn tables_larger_than_their_box_are_refused() {
        let body = [0u8; 16];
        assert_eq!(
            BoxReader::new(*b"stco", &body).table(4, 4).map(|t| t.len()).ok(),
            Some(4)
        );
        assert!(BoxReader::new(*b"stco", &body).table(5, 4).is_err());
        assert!(BoxReader::new(*b"stco", &body).table(u32::MAX, 8).is_err());
    }

    #[test]
    fn children_and_their_bounds() {
        // Two children: an empty `free`, then an `abcd` claiming 64 bytes in a 16-byte parent.
        let mut body = vec![0, 0, 0, 8, b'f', b'r', b'e', b'e'];
        body.extend_from_slice(&[0, 0, 0, 64, b'a', b'b', b'c', b'd']);
        let parent = BoxReader::new(*b"moov", &body);
        let mut children = parent.children();
        assert_eq!(children.next().and_then(|c| c.ok()).map(|c| c.kind()), Some(*b"free"));
        assert!(children.next().is_some_and(|c| c.is_err()));
        assert!(children.next().is_none());
        assert!(required_child(&parent, b"mvhd").is_err());
        // QuickTime's 32-bit zero after the last child ends the list; other short leftovers are an error.
        let mut body = vec![0, 0, 0, 8, b'f', b'r', b'e', b'e', 0, 0, 0, 0];
        let kinds: Vec<_> = BoxReader::new(*b"avc1", &body)
            .children()
            .map(|c| c.map(|c| c.kind()))
            .collect();
        assert_eq!(kinds, [Ok(*b"free")]);
        body[11] = 1;
        assert!(BoxReader::new(*b"avc1", &body)
            .children()
            .nth(1)
            .is_some_and(|c| c.is_err()));
    }
}
