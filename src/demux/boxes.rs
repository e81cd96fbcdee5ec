//! Top-level ISO BMFF box headers: enough to find `moov`, `moof` and `mdat` in a file, or in the first bytes
//! of a download, without reading the media data in between.

use crate::error::{Error, ErrorCode, Result};

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
        String::from_utf8_lossy(&self.kind).into_owned()
    }
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
        return Err(Error::new(
            ErrorCode::MalformedInput,
            format!(
                "box '{}' at byte {offset} is smaller than its header",
                String::from_utf8_lossy(&kind)
            ),
        ));
    }
    if size.is_some_and(|size| offset.checked_add(size).is_none()) {
        return Err(Error::new(
            ErrorCode::MalformedInput,
            format!("box at byte {offset} is impossibly large"),
        ));
    }
    Ok(Some(BoxHeader {
        kind,
        offset,
        header_len,
        size,
    }))
}

/// Every top-level box of a complete file, in order. A box that claims to extend past the end of the
/// file is an error: the file is truncated (or its sizes are lies).
pub fn top_level_boxes(file: &[u8]) -> Result<Vec<BoxHeader>> {
    let len = file.len() as u64;
    let mut boxes = Vec::new();
    let mut offset = 0u64;
    while offset < len {
        let header = read_header(&file[offset as usize..], offset)?.ok_or_else(|| {
            Error::new(
                ErrorCode::MalformedInput,
                format!("file ends inside a box header at byte {offset}"),
            )
        })?;
        let end = header.end(len);
        if end > len {
            return Err(Error::new(
                ErrorCode::MalformedInput,
                format!(
                    "box '{}' at byte {offset} claims {} bytes but the file ends at {len} (truncated?)",
                    header.name(),
                    end - offset
                ),
            ));
        }
        boxes.push(header);
        offset = end;
    }
    Ok(boxes)
}

/// The bytes of a box found by [`top_level_boxes`] in `file`, header included.
pub fn box_bytes<'a>(file: &'a [u8], header: &BoxHeader) -> &'a [u8] {
    let end = header.end(file.len() as u64) as usize;
    &file[header.offset as usize..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_walk() {
        let mut file = vec![
            0, 0, 0, 16, b'f', b't', b'y', b'p', b'i', b's', b'o', b'm', 0, 0, 0, 0,
        ];
        file.extend_from_slice(&[
            0, 0, 0, 1, b'm', b'd', b'a', b't', 0, 0, 0, 0, 0, 0, 0, 18, 0xAB, 0xCD,
        ]);
        file.extend_from_slice(&[0, 0, 0, 0, b'f', b'r', b'e', b'e', 1, 2]);
        let boxes = top_level_boxes(&file).unwrap();
        let kinds: Vec<_> = boxes.iter().map(BoxHeader::name).collect();
        assert_eq!(kinds, ["ftyp", "mdat", "free"]);
        assert_eq!((boxes[1].header_len, boxes[1].size), (16, Some(18)));
        assert_eq!(boxes[2].end(file.len() as u64), file.len() as u64);
        assert_eq!(box_bytes(&file, &boxes[1])[16..], [0xAB, 0xCD]);
    }

    #[test]
    fn need_more_and_errors() {
        assert_eq!(read_header(&[0, 0, 0], 0).unwrap(), None);
        assert_eq!(
            read_header(&[0, 0, 0, 1, b'm', b'd', b'a', b't', 0], 0).unwrap(),
            None
        );
        assert!(read_header(&[0, 0, 0, 4, b'b', b'a', b'd', b'!'], 0).is_err());
        let huge = [
            0, 0, 0, 1, b'm', b'd', b'a', b't', 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        ];
        assert!(read_header(&huge, 100).is_err());
        assert!(top_level_boxes(&[0, 0, 0, 100, b'm', b'o', b'o', b'v', 0]).is_err());
        assert!(top_level_boxes(&[0, 0, 0]).is_err());
    }
}
