//! Where an export's file goes: into memory, returned as bytes, or to the caller's `WritableStream` (an
//! OPFS file, a file from `showSaveFilePicker`, any stream) as it is made. Either way the file is written
//! front to back from its layout, a batch at a time: the copied samples still in the source file are read
//! with one Range request (or `Blob` slice) per batch, so memory holds a batch, not the clip.

use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::error::{from_js, to_js};
use super::job::Job;
use super::members::members;
use super::options;
use super::source::Source;
use crate::error::{ErrorCode, Result};
use crate::mux::mp4::{Layout, Part};
use crate::mux::MuxSample;

/// A batch of the file is written once it holds this many bytes: the memory an export needs beyond its
/// index, and how often progress moves.
const BATCH_BYTES: u64 = 1 << 20;

/// The unread samples of a batch are read in one request spanning at most this many bytes of the source
/// (the tracks' runs of a batch interleave in the source; the bytes between them are read and dropped).
const MAX_READ_BYTES: u64 = BATCH_BYTES + BATCH_BYTES / 4;

/// The file's destination.
pub(crate) enum Output {
    /// Bytes to return.
    Memory(Vec<u8>),
    /// The caller's stream, locked to the export until it is closed or aborted.
    Stream {
        writer: web_sys::WritableStreamDefaultWriter,
        /// For a file's stream (OPFS, `showSaveFilePicker`), the one chunk every write reuses: such a
        /// stream copies a chunk into its file before the write resolves. Any other stream may keep its
        /// chunks, so it gets a new one each time.
        reused: Option<Uint8Array>,
    },
}

impl Output {
    /// The stream in `options.writable`, else memory.
    pub(crate) fn from_options(options: &JsValue) -> Result<Output> {
        match options::instance::<web_sys::WritableStream>(options, "writable", "a WritableStream")? {
            Some(stream) => Ok(Output::Stream {
                writer: stream
                    .get_writer()
                    .map_err(|e| from_js(ErrorCode::InvalidState, "WritableStream.getWriter", &e))?,
                reused: stream
                    .is_instance_of::<web_sys::FileSystemWritableFileStream>()
                    .then(|| Uint8Array::new_with_length(BATCH_BYTES as u32)),
            }),
            None => Ok(Output::Memory(Vec::new())),
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<()> {
        match self {
            Output::Memory(out) => out.extend_from_slice(bytes),
            Output::Stream { writer, reused } => {
                let chunk = match reused {
                    Some(buffer) => {
                        if members(buffer).byte_length() < bytes.len() as u32 {
                            *buffer = Uint8Array::new_with_length(bytes.len() as u32);
                        }
                        let chunk = buffer.subarray(0, bytes.len() as u32);
                        members(&chunk).set_bytes(bytes);
                        chunk
                    }
                    None => Uint8Array::from(bytes),
                };
                // Each write is awaited, which is backpressure at its strictest: the next batch is read
                // only once the stream's sink has taken this one.
                JsFuture::from(writer.write_with_chunk(&chunk))
                    .await
                    .map_err(|e| from_js(ErrorCode::Browser, "writing to the writable stream", &e))?;
            }
        }
        Ok(())
    }

    /// Writes the file `layout` describes, reading the samples still in the file from `source`; progress
    /// moves with the bytes written.
    pub(crate) async fn write_file(
        &mut self,
        layout: &Layout<'_, '_>,
        source: Option<&Source>,
        job: &Job,
    ) -> Result<()> {
        if let Output::Memory(out) = self {
            out.reserve(usize::try_from(layout.size()).unwrap_or(0));
        }
        let source = source.map(|s| s.with_signal(job.signal()));
        let mut batch = Batch::default();
        let mut written = 0u64;
        let mut bytes = Vec::new();
        let mut parts = layout.parts().peekable();
        while parts.peek().is_some() {
            while let Some(part) = parts.next_if(|part| batch.takes(part)) {
                batch.add(part);
            }
            job.check()?;
            bytes.clear();
            batch.write_to(source.as_ref(), &mut bytes).await?;
            job.check()?;
            self.write(&bytes).await?;
            written += bytes.len() as u64;
            job.progress(written as f64 / layout.size().max(1) as f64);
        }
        // Aborted from the last progress report: the file is not handed over.
        job.check()
    }

    /// Ends the export with its `result`: on success the stream is closed (an OPFS file is committed
    /// then) or the bytes returned; on failure the stream is aborted with the error (an OPFS file keeps
    /// what it held before). The stream is released either way.
    pub(crate) async fn end(self, result: Result<()>) -> Result<Option<Vec<u8>>> {
        let writer = match self {
            Output::Memory(bytes) => return result.map(|()| Some(bytes)),
            Output::Stream { writer, .. } => writer,
        };
        let ending = match &result {
            Ok(()) => writer.close(),
            Err(error) => writer.abort_with_reason(&to_js(error)),
        };
        let ended = JsFuture::from(ending).await;
        writer.release_lock();
        result?;
        ended.map_err(|e| from_js(ErrorCode::Browser, "closing the writable stream", &e))?;
        Ok(None)
    }
}

/// Parts of the file written together, and the span of the source their unread bytes lie in.
#[derive(Default)]
struct Batch<'l, 'a> {
    parts: Vec<Part<'l, 'a>>,
    size: u64,
    span: Option<(u64, u64)>,
    /// The last batch's read: where in the source, and the bytes.
    held: (u64, Vec<u8>),
}

impl<'l, 'a> Batch<'l, 'a> {
    /// Whether `part` joins the batch: the first always does; then while the batch stays under its size and
    /// its read under its span.
    fn takes(&self, part: &Part) -> bool {
        let (start, end) = spanned(self.span, part).or(self.span).unwrap_or_default();
        self.parts.is_empty() || (self.size + part.size() <= BATCH_BYTES && end - start <= MAX_READ_BYTES)
    }

    fn add(&mut self, part: Part<'l, 'a>) {
        self.span = spanned(self.span, &part).or(self.span);
        self.size += part.size();
        self.parts.push(part);
    }

    /// Appends the batch's bytes to `out`, reading its unread samples from `source`, and empties it.
    async fn write_to(&mut self, source: Option<&Source>, out: &mut Vec<u8>) -> Result<()> {
        let (start, end) = self.span.unwrap_or_default();
        // The file interleaves its tracks finely and the output in runs of a second, so a batch's span
        // overlaps the last one's: those bytes are taken from it, not read again.
        let (held_at, held) = std::mem::take(&mut self.held);
        let held_end = held_at + held.len() as u64;
        let mut read = Vec::new();
        let mut from = start;
        if (held_at..held_end).contains(&start) {
            from = end.min(held_end);
            read.extend_from_slice(&held[(start - held_at) as usize..(from - held_at) as usize]);
        }
        if let (Some(source), true) = (source, from < end) {
            read.extend(source.read_exact(from, end - from).await?);
        }
        for part in self.parts.drain(..) {
            match part {
                Part::Boxes(bytes) => out.extend_from_slice(bytes),
                Part::Sample(sample) => {
                    let unread = sample.unread.and_then(|u| {
                        let at = usize::try_from(u.at - start).ok()?;
                        read.get(at..at + u.len as usize)
                    });
                    sample.write_to(unread.unwrap_or_default(), out)?;
                }
            }
        }
        (self.size, self.span, self.held) = (0, None, (start, read));
        Ok(())
    }
}

/// `span` grown to the source bytes `part` still needs read (`None` when `part` needs none).
fn spanned(span: Option<(u64, u64)>, part: &Part) -> Option<(u64, u64)> {
    let Part::Sample(MuxSample { unread: Some(u), .. }) = part else {
        return None;
    };
    let (at, end) = (u.at, u.at + u64::from(u.len));
    Some(span.map_or((at, end), |(s, e)| (s.min(at), e.max(end))))
}
