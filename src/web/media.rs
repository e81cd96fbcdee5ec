//! `Media`: an opened source, its tracks and sample index, as JS sees it.

use std::ops::Range;
use std::rc::Rc;

use js_sys::{Array, Float64Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::error::{from_js, to_js};
use super::source::Source;
use crate::demux::boxes::{BoxLocator, Locate};
use crate::demux::mp4::{self, Movie};
use crate::error::{Error, ErrorCode, Result};

use crate::media::{Sample, Track, TrackKind};
use crate::player::{keyframe_times, presentation_order, timeline_origin};

/// What a `Media` holds, shared with the players that show it.
pub(crate) struct MediaData {
    pub(crate) source: Source,
    pub(crate) tracks: Vec<Track>,
    /// Media timeline origin: the earliest presentation time, seconds.
    pub(crate) origin: f64,
    /// Presentation order of the video track's samples (see [`presentation_order`]), sorted once at open.
    pub(crate) video_order: Vec<usize>,
}

/// The bytes of a run of consecutive samples, read in one request.
pub(crate) struct SampleSpan {
    /// Decode-order indices of the samples.
    pub(crate) range: Range<usize>,
    /// Source offset of `bytes[0]`.
    start: u64,
    bytes: Vec<u8>,
}

impl SampleSpan {
    /// The bytes of `sample`, one of the span's samples.
    pub(crate) fn data(&self, sample: &Sample) -> &[u8] {
        let at = (sample.offset - self.start) as usize;
        &self.bytes[at..at + sample.size as usize]
    }
}

impl MediaData {
    fn new(source: Source, tracks: Vec<Track>) -> MediaData {
        let origin = timeline_origin(&tracks);
        let video_order = tracks
            .iter()
            .find(|t| t.kind == TrackKind::Video)
            .map(presentation_order);
        MediaData {
            source,
            tracks,
            origin,
            video_order: video_order.unwrap_or_default(),
        }
    }

    /// The first video track; `unsupported` when there is none.
    pub(crate) fn video(&self) -> Result<&Track> {
        self.tracks
            .iter()
            .find(|t| t.kind == TrackKind::Video)
            .ok_or_else(|| Error::new(ErrorCode::Unsupported, "the media has no video track"))
    }

    /// The video samples `range` (decode order), read in one request from the first sample's offset to the
    /// end of the last one.
    pub(crate) async fn read_video_samples(&self, range: Range<usize>) -> Result<SampleSpan> {
        let samples = self.video()?.samples.get(range.clone()).unwrap_or_default();
        let start = samples.iter().map(|s| s.offset).min().unwrap_or(0);
        let end = samples
            .iter()
            .map(|s| s.offset + u64::from(s.size))
            .max()
            .unwrap_or(start);
        let bytes = self.source.read(start, end - start).await?;
        if (bytes.len() as u64) < end - start {
            return Err(Error::new(
                ErrorCode::Network,
                "the source ended before the samples did",
            ));
        }
        Ok(SampleSpan { range, start, bytes })
    }

    /// Length of the media timeline, seconds: to the end of the latest sample of any track.
    pub(crate) fn duration(&self) -> f64 {
        self.tracks
            .iter()
            .filter_map(|t| {
                t.presentation_span()
                    .map(|(_, end)| end as f64 / f64::from(t.timescale))
            })
            .fold(0.0, f64::max)
            - self.origin
    }
}

/// An opened media source: an MP4 by URL (read with Range requests), `Blob` or `Uint8Array`.
#[wasm_bindgen]
pub struct Media {
    pub(crate) data: Rc<MediaData>,
}

#[wasm_bindgen]
impl Media {
    /// Opens `src`: a URL string, a `Blob` or a `Uint8Array`. Rejects with a `ReelcutError`
    /// (`malformed_input`, `unsupported`, `network`, ...).
    pub async fn open(src: JsValue) -> std::result::Result<Media, JsValue> {
        let source = source_of(&src).await.map_err(|e| to_js(&e))?;
        let tracks = index(&source).await.map_err(|e| to_js(&e))?;
        Ok(Media {
            data: Rc::new(MediaData::new(source, tracks)),
        })
    }

    /// The tracks: `[{ id, type, codec, width, height, sampleRate, channels }]`.
    #[wasm_bindgen(getter)]
    pub fn tracks(&self) -> Array {
        self.data
            .tracks
            .iter()
            .map(|track| JsValue::from(track_object(track)))
            .collect()
    }

    /// Length of the media timeline in seconds.
    #[wasm_bindgen(getter)]
    pub fn duration(&self) -> f64 {
        self.data.duration()
    }

    /// Whether the source is a live broadcast (always `false` for files).
    #[wasm_bindgen(getter, js_name = isLive)]
    pub fn is_live(&self) -> bool {
        false
    }

    /// Presentation times of the video keyframes on the media timeline, seconds, ascending.
    #[wasm_bindgen(js_name = keyframeTimes)]
    pub fn keyframe_times(&self) -> Float64Array {
        let times = self
            .data
            .video()
            .map_or_else(|_| Vec::new(), |video| keyframe_times(video, self.data.origin));
        Float64Array::from(times.as_slice())
    }
}

fn track_object(track: &Track) -> Object {
    let object = Object::new();
    let c = &track.config;
    let fields: [(&str, JsValue); 7] = [
        ("id", track.id.into()),
        ("type", track.kind.as_str().into()),
        ("codec", c.codec.as_str().into()),
        ("width", c.width.into()),
        ("height", c.height.into()),
        ("sampleRate", c.sample_rate.into()),
        ("channels", c.channels.into()),
    ];
    for (key, value) in fields {
        // Setting a data property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), &value);
    }
    object
}

async fn source_of(src: &JsValue) -> Result<Source> {
    if let Some(url) = src.as_string() {
        let path = url.split(['?', '#']).next().unwrap_or_default();
        if path.ends_with(".m3u8") {
            return Err(Error::new(
                ErrorCode::Unsupported,
                "HLS sources cannot be opened by Media.open yet",
            ));
        }
        return Source::open_url(&url).await;
    }
    if let Some(bytes) = src.dyn_ref::<Uint8Array>() {
        return Ok(Source::Memory(bytes.to_vec().into()));
    }
    if let Some(blob) = src.dyn_ref::<web_sys::Blob>() {
        let buffer = JsFuture::from(blob.array_buffer())
            .await
            .map_err(|e| from_js(ErrorCode::Network, "reading the Blob", &e))?;
        return Ok(Source::Memory(Uint8Array::new(&buffer).to_vec().into()));
    }
    Err(Error::new(
        ErrorCode::MalformedInput,
        "src must be a URL string, a Blob or a Uint8Array",
    ))
}

/// The sample index of an MP4 source: box headers walked to `moov`, `moov` parsed, sample data not read.
/// A fragmented file has its index spread over the file, so it is read whole.
async fn index(source: &Source) -> Result<Vec<Track>> {
    let mut locator = BoxLocator::new(*b"moov", source.len());
    let mut step = locator.start();
    let (offset, size) = loop {
        match step {
            Locate::Read { offset, len } => step = locator.feed(&source.read(offset, len).await?)?,
            Locate::Found { offset, size } => break (offset, size),
        }
    };
    let movie = Movie::parse_moov(&source.read(offset, size).await?, source.len())?;
    if movie.fragmented {
        return Ok(mp4::demux(&source.read(0, source.len()).await?)?.tracks);
    }
    movie.check_sample_data(source.len())?;
    Ok(movie.into_demuxed().tracks)
}
