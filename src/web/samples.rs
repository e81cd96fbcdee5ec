//! `media.samples()`: the sample index of a stretch of the media timeline, one table per track, as
//! columns of typed arrays (a 600 MB file lists ~100 000 samples: one JS object each would cost more than
//! the parse).

use js_sys::{Array, Float64Array, Object, Uint32Array, Uint8Array};
use wasm_bindgen::JsValue;

use super::chunk::Next;
use super::content::{ChunkRun, Content, Kind};
use super::dictionary::plain_object;
use super::job::Job;
use super::options;
use crate::decimal::Fixed;
use crate::error::{Error, ErrorCode, Result};
use crate::media::{Track, TrackKind};

/// One track's samples presented in the requested span, in decode order; times in seconds on the media
/// timeline.
struct SampleTable {
    kind: TrackKind,
    codec: String,
    pts: Vec<f64>,
    dts: Vec<f64>,
    duration: Vec<f64>,
    size: Vec<u32>,
    key: Vec<u8>,
}

impl SampleTable {
    fn new(track: &Track) -> SampleTable {
        SampleTable {
            kind: track.kind,
            codec: track.config.codec.clone(),
            pts: Vec::new(),
            dts: Vec::new(),
            duration: Vec::new(),
            size: Vec::new(),
            key: Vec::new(),
        }
    }

    /// Adds the samples of `track` presented in `[start, end)`; its ticks are `origin` seconds ahead of
    /// the media timeline.
    fn add(&mut self, track: &Track, origin: f64, (start, end): (f64, f64)) {
        let scale = f64::from(track.timescale);
        for sample in &track.samples {
            let pts = sample.pts as f64 / scale - origin;
            if pts < start || pts >= end {
                continue;
            }
            self.pts.push(pts);
            self.dts.push(sample.dts as f64 / scale - origin);
            self.duration.push(f64::from(sample.duration) / scale);
            self.size.push(sample.stored_size);
            self.key.push(u8::from(sample.key));
        }
    }

    fn to_js(&self) -> Object {
        plain_object(&[
            ("type", self.kind.as_str().into()),
            ("codec", self.codec.as_str().into()),
            ("pts", Float64Array::from(&self.pts[..]).into()),
            ("dts", Float64Array::from(&self.dts[..]).into()),
            ("duration", Float64Array::from(&self.duration[..]).into()),
            ("size", Uint32Array::from(&self.size[..]).into()),
            ("key", Uint8Array::from(&self.key[..]).into()),
        ])
    }
}

/// The sample tables of `content` over the options' `{ start, end }` (default: every sample, also those
/// shown before the timeline's start, such as an AAC track's priming packet). A file's come from its
/// index; an HLS stream's segments are demuxed one after another as a few at a time are fetched
/// (`onProgress` per segment, `signal` stopping the requests).
pub(crate) async fn list(content: &Content, options: &JsValue) -> Result<Array> {
    let job = Job::from_options(options)?.on_media(content.life());
    let start = options::number(options, "start")?;
    let end = options::number(options, "end")?;
    let span = (start.unwrap_or(f64::NEG_INFINITY), end.unwrap_or(f64::INFINITY));
    // NaN bounds compare false: refused with the empty spans.
    if span.0.partial_cmp(&span.1) != Some(std::cmp::Ordering::Less) {
        return Err(Error::new(
            ErrorCode::OutOfRange,
            format!(
                "samples from {} to {}: an empty span",
                Fixed(span.0, 3),
                Fixed(span.1, 3)
            ),
        ));
    }
    let tables = match content.kind() {
        Kind::File(file) => {
            let tables = Array::new();
            for track in &file.tracks {
                let mut table = SampleTable::new(track);
                table.add(track, file.origin(), span);
                tables.push(&table.to_js());
            }
            tables
        }
        Kind::Hls(_) => {
            let (first, last) = content.range();
            let segments = (start.unwrap_or(first), end.unwrap_or(last));
            segment_tables(content, span, segments, &job).await?
        }
    };
    job.progress(1.0);
    Ok(tables)
}

/// The JS tables of the video and audio samples in `span` of the segments that overlap `segments` (the
/// span within the stream's), loaded in order (the next few fetched while one is read).
async fn segment_tables(content: &Content, span: (f64, f64), segments: (f64, f64), job: &Job) -> Result<Array> {
    let mut video: Option<SampleTable> = None;
    let mut audio: Option<SampleTable> = None;
    let mut next = content.chunk_at(segments.0);
    let mut run = ChunkRun::new(content, next, segments.1, job.signal());
    while let Some(key) = next {
        job.check()?;
        let chunk = run.load(key).await?;
        for (table, track) in [(&mut video, &chunk.video), (&mut audio, &chunk.audio)] {
            if let Some(track) = track {
                table
                    .get_or_insert_with(|| SampleTable::new(track))
                    .add(track, 0.0, span);
            }
        }
        job.progress((chunk.end - segments.0) / (segments.1 - segments.0));
        // The next segment starts where this one ends: past the span, nothing more to fetch.
        if chunk.end >= segments.1 {
            break;
        }
        next = match content.chunk_after(key) {
            Next::Chunk(key) => Some(key),
            Next::NotYet | Next::End => None,
        };
    }
    let tables = Array::new();
    for table in video.iter().chain(&audio) {
        tables.push(&table.to_js());
    }
    Ok(tables)
}
