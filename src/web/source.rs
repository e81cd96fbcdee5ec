//! Where a file's bytes come from: memory (a `Uint8Array` or `Blob` the caller handed over) or a URL read
//! with HTTP Range requests, so that only the index and the samples actually played are downloaded.

use std::rc::Rc;

use super::fetch::Fetcher;
use crate::error::{Error, ErrorCode, Result};

/// A file whose server ignores Range requests is kept in memory whole, up to this size.
const MAX_WHOLE_FILE_BYTES: u64 = 1 << 30;

/// A readable run of bytes.
#[derive(Clone)]
pub(crate) enum Source {
    /// Everything is already here.
    Memory(Rc<[u8]>),
    /// A resource on a server that answers Range requests, of `len` bytes.
    Http { fetcher: Fetcher, url: String, len: u64 },
}

impl Source {
    /// Opens `url`: one small Range request learns the length (from `Content-Range`). A server that
    /// ignores Range sends the whole body, which is then kept in memory.
    pub(crate) async fn open_url(url: &str, fetcher: Fetcher) -> Result<Source> {
        let fetched = fetcher.get(url, Some((0, 1)), MAX_WHOLE_FILE_BYTES).await?;
        if fetched.status == 206 {
            let len = fetched
                .total_length
                .ok_or_else(|| Error::new(ErrorCode::Network, format!("{url}: 206 without a usable Content-Range")))?;
            return Ok(Source::Http {
                fetcher,
                url: url.to_owned(),
                len,
            });
        }
        Ok(Source::Memory(fetched.bytes.into()))
    }

    /// Total length in bytes.
    pub(crate) fn len(&self) -> u64 {
        match self {
            Source::Memory(bytes) => bytes.len() as u64,
            Source::Http { len, .. } => *len,
        }
    }

    /// `len` bytes at `offset` (fewer only at the end of the resource).
    pub(crate) async fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>> {
        let end = offset.saturating_add(len).min(self.len());
        if offset >= end {
            return Ok(Vec::new());
        }
        match self {
            Source::Memory(bytes) => Ok(bytes[offset as usize..end as usize].to_vec()),
            Source::Http { fetcher, url, len } => {
                // A server that ignores the Range header sends the whole file: kept only up to the size a
                // file without Range support may have.
                let fetched = fetcher
                    .get(url, Some((offset, end)), (*len).min(MAX_WHOLE_FILE_BYTES))
                    .await?;
                let bytes = fetched.bytes;
                if fetched.status == 206 && bytes.len() as u64 == end - offset {
                    Ok(bytes)
                } else if fetched.status == 200 && bytes.len() as u64 >= end {
                    // The server ignored the Range header and sent everything.
                    Ok(bytes[offset as usize..end as usize].to_vec())
                } else {
                    Err(Error::new(
                        ErrorCode::Network,
                        format!("{url}: asked for bytes {offset}..{end}, got {} bytes", bytes.len()),
                    ))
                }
            }
        }
    }
}
