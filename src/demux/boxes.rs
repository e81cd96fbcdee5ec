//! Top-level ISO BMFF box headers: enough to find `moov`, `moof` and `mdat` in a file, or in the first bytes
//! of a download, without reading the media data in between.

use crate::error::{Error, Result};

/// A box header: its type and where it lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoxHeader {
    /// The four-character type, e.g. `*b"moov"`.
    pub kind: [u8; 4],
    /// Offset of the box's first byte.
    pub offset: u64,
    /// Bytes of header (8, or 16 with a 64-bit size).
    pub header_len: u64,
    /// Whole box size, header included; `None` for a last box that runs to the end of the file.
    pub size: Option<u64>,
}

impl BoxHeader {
    /// Offset just past the box, given the file length for a box that runs to the end.
    pub fn end(&self, file_len: u64) -> u64 {
        self.size.map_or(file_len, |size| self.offset + size)
    }

    /// The type as text, for messages.
    pub fn name(&self) -> String {
        fourcc_text(&self.kind)
    }
}

/// A four-character code as text: printable ASCII as is, any other byte as `?` (`©too` reads `?too`).
pub fn fourcc_text(code: &[u8]) -> String {
    let mut text = String::with_capacity(code.len());
    for &byte in code {
        text.push(if byte.is_ascii_graphic() || byte == b' ' {
            char::from(byte)
        } else {
            '?'
        });
    }
    text
}

/// Reads the box header at the start of `bytes`, which sit at `offset` in the file. `Ok(None)` when
/// `bytes` is too short to hold the whole header (read more and call again).
pub fn read_header(bytes: &[u8], offset: u64) -> Result<Option<BoxHeader>> {
    let Some(head) = bytes.get(..8) else {
        return Ok(None);
    };
    let size32 = u32::from_be_bytes([head[0], head[1], head[2], head[3]]);
    let kind = [head[4], head[5], head[6], head[7]];
    let (header_len, size) = match size32 {
        0 => (8, None),
        1 => {
            let Some(large) = bytes.get(8..16) else {
                return Ok(None);
            };
            let mut size = [0u8; 8];
            size.copy_from_slice(large);
            (16, Some(u64::from_be_bytes(size)))
        }
        n => (8, Some(u64::from(n))),
    };
    if size.is_some_and(|size| size < header_len) {
        return Err(Error::malformed(format!(
            "box '{}' at byte {offset} is smaller than its header",
            fourcc_text(&kind)
        )));
    }
    if size.is_some_and(|size| offset.checked_add(size).is_none()) {
        return Err(Error::malformed(format!("box at byte {offset} is impossibly large")));
    }
    Ok(Some(BoxHeader {
        kind,
        offset,
        header_len,
        size,
    }))
}

/// Every top-level box of a complete file, in order. A box that claims to extend past the end of the
/// file is an error: the file is truncated (or its sizes are lies). The exception is `mdat`, whose claimed
/// size some writers get wrong (or which a segment cut out of a larger file by byte range ends early): it
/// is taken to end with the file, and whether its samples are all there is checked on the samples' own
/// byte ranges.
pub fn top_level_boxes(file: &[u8]) -> Result<Vec<BoxHeader>> {
    let len = file.len() as u64;
    let mut boxes = Vec::new();
    let mut offset = 0u64;
    while offset < len {
        let mut header = read_header(&file[offset as usize..], offset)?
            .ok_or_else(|| Error::malformed(format!("file ends inside a box header at byte {offset}")))?;
        let end = header.end(len);
        if end > len && &header.kind == b"mdat" {
            header.size = Some(len - offset);
        } else if end > len {
            return Err(Error::malformed(format!(
                "box '{}' at byte {offset} claims {} bytes but the file ends at {len} (truncated?)",
                header.name(),
                end - offset
            )));
        }
        offset = header.end(len);
        boxes.push(header);
    }
    Ok(boxes)
}

/// The bytes of a box found by [`top_level_boxes`] in `file`, header included.
pub fn box_bytes<'a>(file: &'a [u8], header: &BoxHeader) -> &'a [u8] {
    let end = header.end(file.len() as u64) as usize;
    file.get(header.offset as usize..end).unwrap_or_default()
}

/// What a [`BoxLocator`] needs next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Locate {
    /// Read `len` bytes at `offset` and pass them to [`BoxLocator::feed`].
    Read {
        /// Where to read.
        offset: u64,
        /// How many bytes (a box header's worth).
        len: u64,
    },
    /// The box is here: fetch `size` bytes at `offset` (header included).
    Found {
        /// Where the box starts.
        offset: u64,
        /// Its whole size.
        size: u64,
    },
}

/// Finds a top-level box by reading only box headers: for a `moov` after a large `mdat`, four reads of
/// 16 bytes instead of the whole file. Pure state, so the browser's Range requests and native file reads
/// drive it alike.
#[derive(Debug, Clone)]
pub struct BoxLocator {
    kind: [u8; 4],
    offset: u64,
    file_len: u64,
}

/// Enough bytes for any box header (64-bit sizes included).
const HEADER_READ: u64 = 16;

impl BoxLocator {
    /// Looks for the first top-level box of type `kind` in a file of `file_len` bytes.
    pub fn new(kind: [u8; 4], file_len: u64) -> Self {
        BoxLocator {
            kind,
            offset: 0,
            file_len,
        }
    }

    /// The first read to make.
    pub fn start(&self) -> Locate {
        self.read_here()
    }

    fn read_here(&self) -> Locate {
        Locate::Read {
            offset: self.offset,
            len: HEADER_READ.min(self.file_len - self.offset),
        }
    }

    /// Takes the bytes read at the offset [`Locate::Read`] asked for. Fewer bytes than asked (a download
    /// still in progress) just asks again; a file without the box is an error.
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Locate> {
        let missing = || Error::malformed(format!("no '{}' box in the file", fourcc_text(&self.kind)));
        if self.offset >= self.file_len {
            return Err(missing());
        }
        let Some(header) = read_header(bytes, self.offset)? else {
            if (bytes.len() as u64) < self.file_len - self.offset {
                return Ok(self.read_here());
            }
            return Err(missing());
        };
        let end = header.end(self.file_len);
        if header.kind == self.kind {
            return Ok(Locate::Found {
                offset: header.offset,
                size: end - header.offset,
            });
        }
        if end > self.file_len {
            return Err(missing());
        }
        self.offset = end;
        if self.offset >= self.file_len {
            return Err(missing());
        }
        Ok(self.read_here())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fourcc_text_shows_printable_ascii_and_marks_other_bytes() {
        assert_eq!(fourcc_text(b"moov"), "moov");
        assert_eq!(fourcc_text(b"\xa9too"), "?too");
        assert_eq!(fourcc_text(b"ab\0 "), "ab? ");
    }

    #[test]
    fn headers_and_walk() {
        let mut file = vec![0, 0, 0, 16, b'f', b't', b'y', b'p', b'i', b's', b'o', b'm', 0, 0, 0, 0];
        file.extend_from_slice(&[0, 0, 0, 1, b'm', b'd', b'a', b't', 0, 0, 0, 0, 0, 0, 0, 18, 0xAB, 0xCD]);
        file.extend_from_slice(&[0, 0, 0, 0, b'f', b'r', b'e', b'e', 1, 2]);
        let boxes = top_level_boxes(&file).unwrap();
        let kinds: Vec<_> = boxes.iter().map(BoxHeader::name).collect();
        assert_eq!(kinds, ["ftyp", "mdat", "free"]);
        assert_eq!((boxes[1].header_len, boxes[1].size), (16, Some(18)));
        assert_eq!(boxes[2].end(file.len() as u64), file.len() as u64);
        assert_eq!(box_bytes(&file, &boxes[1])[16..], [0xAB, 0xCD]);
    }

    #[test]
    fn locator_reads_only_headers() {
        let mut file = vec![0, 0, 0, 8, b'f', b't', b'y', b'p'];
        file.extend_from_slice(&[0, 0, 0x10, 0, b'm', b'd', b'a', b't']);
        file.resize(8 + 0x1000, 0xEE);
        file.extend_from_slice(&[0, 0, 0, 12, b'm', b'o', b'o', b'v', 1, 2, 3, 4]);
        let mut locator = BoxLocator::new(*b"moov", file.len() as u64);
        let mut step = locator.start();
        let mut reads = Vec::new();
        while let Locate::Read { offset, len } = step {
            reads.push((offset, len));
            // The first answer for each read is cut short, as a download in progress would be.
            let available = &file[offset as usize..(offset + len) as usize];
            assert_eq!(locator.feed(&available[..4]).unwrap(), Locate::Read { offset, len });
            step = locator.feed(available).unwrap();
        }
        assert_eq!(reads, [(0, 16), (8, 16), (4104, 12)]);
        assert_eq!(step, Locate::Found { offset: 4104, size: 12 });
        let mut without = BoxLocator::new(*b"moov", 8);
        assert!(without.feed(&file[..8]).is_err());
    }

    #[test]
    fn need_more_and_errors() {
        assert_eq!(read_header(&[0, 0, 0], 0).unwrap(), None);
        assert_eq!(read_header(&[0, 0, 0, 1, b'm', b'd', b'a', b't', 0], 0).unwrap(), None);
        assert!(read_header(&[0, 0, 0, 4, b'b', b'a', b'd', b'!'], 0).is_err());
        let huge = [
            0, 0, 0, 1, b'm', b'd', b'a', b't', 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        ];
        assert!(read_header(&huge, 100).is_err());
        assert!(top_level_boxes(&[0, 0, 0, 100, b'm', b'o', b'o', b'v', 0]).is_err());
        assert!(top_level_boxes(&[0, 0, 0]).is_err());
    }
}
