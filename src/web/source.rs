//! Where a file's bytes come from: a URL read with HTTP Range requests, a `Blob` (a `File` the user picked)
//! read by slices, or bytes in memory. Only the index and the samples actually played, sought or exported
//! are read: a file of gigabytes opens without being loaded.

use std::cell::Cell;
use std::rc::Rc;

use js_sys::{ArrayBuffer, Object, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::error::from_js;
use super::fetch::{append_read, Fetcher};
use super::life::Life;
use super::members::members;
use super::options::set_property;
use crate::error::{Error, ErrorCode, Result};

/// A file whose server ignores Range requests is kept in memory whole, up to this size.
const MAX_WHOLE_FILE_BYTES: u64 = 1 << 30;

/// A file's first read: enough to recognise its container (three MPEG-TS packets after some junk) and to
/// find the `moov` of a file that puts it first.
pub(crate) const HEAD_BYTES: u64 = 4096;

/// A `Blob` is read into one buffer of this size, reused from read to read (a part of an export's batch
/// at a time), rather than into a new `ArrayBuffer` per read: streaming a long clip out of a file then
/// leaves no garbage in the page's heap.
const BLOB_BUFFER_BYTES: u32 = 1 << 20;

/// A readable run of bytes.
#[derive(Clone)]
pub(crate) enum Source {
    /// Everything is already here.
    Memory(Rc<[u8]>),
    /// The caller's bytes, copied out as they are read (they must not change while the media is open).
    Bytes(Uint8Array),
    /// A `Blob` or `File`, read by slices into `buffer` (taken by the read in progress; a read that finds it
    /// taken makes its own).
    Blob {
        blob: web_sys::Blob,
        life: Rc<Life>,
        buffer: Rc<Cell<Option<ArrayBuffer>>>,
    },
    /// A resource on a server that answers Range requests, of `len` bytes, whose first bytes (`head`) came
    /// with the request that learnt its length.
    Http {
        fetcher: Fetcher,
        url: String,
        len: u64,
        head: Rc<[u8]>,
    },
}

impl Source {
    /// Opens `url`: one Range request for its first [`HEAD_BYTES`] learns the length (from `Content-Range`). A server that
    /// ignores Range sends the whole body, which is then kept in memory.
    pub(crate) async fn open_url(url: &str, fetcher: Fetcher) -> Result<Source> {
        let fetched = fetcher.get(url, Some((0, HEAD_BYTES)), MAX_WHOLE_FILE_BYTES).await?;
        if fetched.status == 206 {
            let len = fetched
                .total_length
                .ok_or_else(|| Error::new(ErrorCode::Network, format!("{url}: 206 without a usable Content-Range")))?;
            return Ok(Source::Http {
                fetcher,
                url: url.to_owned(),
                len,
                head: fetched.bytes.into(),
            });
        }
        Ok(Source::Memory(fetched.bytes.into()))
    }

    /// The same source, for a job whose `signal` (when given) aborts a request in flight at once.
    pub(crate) fn with_signal(&self, signal: Option<&web_sys::AbortSignal>) -> Source {
        match self {
            Source::Http {
                fetcher,
                url,
                len,
                head,
            } => Source::Http {
                fetcher: fetcher.with_signal(signal),
                url: url.clone(),
                len: *len,
                head: Rc::clone(head),
            },
            other => other.clone(),
        }
    }

    /// Total length in bytes.
    pub(crate) fn len(&self) -> u64 {
        match self {
            Source::Memory(bytes) => bytes.len() as u64,
            Source::Bytes(bytes) => u64::from(members(bytes).byte_length()),
            Source::Blob { blob, .. } => blob.size() as u64,
            Source::Http { len, .. } => *len,
        }
    }

    /// `len` bytes at `offset`, all of them (`network` error when the source ends before).
    pub(crate) async fn read_exact(&self, offset: u64, len: u64) -> Result<Vec<u8>> {
        let bytes = self.read(offset, len).await?;
        if (bytes.len() as u64) < len {
            return Err(Error::new(
                ErrorCode::Network,
                "the source ended before the samples did",
            ));
        }
        Ok(bytes)
    }

    /// `len` bytes at `offset` (fewer only at the end of the resource).
    pub(crate) async fn read(&self, offset: u64, len: u64) -> Result<Vec<u8>> {
        let end = offset.saturating_add(len).min(self.len());
        if offset >= end {
            return Ok(Vec::new());
        }
        match self {
            Source::Memory(bytes) => Ok(bytes[offset as usize..end as usize].to_vec()),
            Source::Bytes(bytes) => Ok(members(&bytes.subarray(offset as u32, end as u32)).bytes()),
            Source::Blob { blob, life, buffer } => {
                let slice = blob
                    .slice_with_f64_and_f64(offset as f64, end as f64)
                    .map_err(|e| from_js(ErrorCode::Browser, "Blob.slice", &e))?;
                // A buffer a failed read left detached is replaced.
                let mut into = buffer
                    .take()
                    .filter(|b| members(b).byte_length() > 0)
                    .unwrap_or_else(|| ArrayBuffer::new(BLOB_BUFFER_BYTES));
                let read = read_blob(&slice, (end - offset) as usize, &mut into, life).await;
                buffer.set(Some(into));
                read
            }
            Source::Http { head, .. } if end as usize <= head.len() => Ok(head[offset as usize..end as usize].to_vec()),
            Source::Http { fetcher, url, len, .. } => {
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

/// The `len` bytes of `blob`, read through a bring-your-own-buffer reader into `buffer` (the reader hands
/// it back with each read, filled) and copied out of it.
async fn read_blob(blob: &web_sys::Blob, len: usize, buffer: &mut ArrayBuffer, life: &Life) -> Result<Vec<u8>> {
    let options = Object::new();
    set_property(&options, "mode", &"byob".into());
    let reader: web_sys::ReadableStreamByobReader = blob
        .stream()
        .get_reader_with_options(options.unchecked_ref())
        .unchecked_into();
    let mut bytes = Vec::with_capacity(len);
    while bytes.len() < len {
        let room = (len - bytes.len()).min(members(buffer).byte_length() as usize) as u32;
        let view = Uint8Array::new_with_byte_offset_and_length(buffer, 0, room);
        let read = JsFuture::from(reader.read_with_array_buffer_view(&view))
            .await
            .map_err(|e| from_js(ErrorCode::Network, "reading the Blob", &e))?;
        // Closed while the slice was read: the media is gone.
        life.check()?;
        let Some(filled) = append_read(&read, &mut bytes) else {
            break;
        };
        *buffer = filled.buffer();
    }
    Ok(bytes)
}
