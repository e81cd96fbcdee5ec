//! The media an edit works on: one video and one audio track gathered from a file or from consecutive
//! HLS segments, with the bytes of their samples.

use crate::error::{Error, Result};
use crate::media::{first_video_and_audio, CodecConfig, Sample, Track, TrackKind};

/// Where a track's codec configuration changes (an HLS discontinuity, a variant switch): from sample
/// `sample` on, `config` decodes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigChange {
    /// Which track.
    pub kind: TrackKind,
    /// Decode-order index of the first sample with the new configuration.
    pub sample: usize,
    /// The new configuration.
    pub config: CodecConfig,
}

/// Samples of at most one video and one audio track, times on one timeline, bytes in `data`.
#[derive(Debug, Clone, Default)]
pub struct Footage {
    /// The video track (its `config` is the first sample's), samples in decode order.
    pub video: Option<Track>,
    /// The audio track, likewise.
    pub audio: Option<Track>,
    /// Configuration changes after the first sample, in sample order per track.
    pub changes: Vec<ConfigChange>,
    /// The bytes the samples' offsets index.
    pub data: Vec<u8>,
}

impl Footage {
    /// Footage over a whole demuxed file: the first video and first audio track, sample offsets already
    /// indexing `file` (no copy).
    pub fn from_file(tracks: Vec<Track>, file: Vec<u8>) -> Footage {
        let (video, audio) = first_video_and_audio(tracks);
        Footage {
            video,
            audio,
            changes: Vec::new(),
            data: file,
        }
    }

    /// Appends the samples of `track` for which `keep` holds (a segment's, or a chunk's), copying their
    /// bytes out of `bytes`, which its offsets index. Times must continue the footage's timeline.
    pub fn append(&mut self, track: &Track, bytes: &[u8], keep: impl Fn(&Sample) -> bool) -> Result<()> {
        // Whether `track` is coded otherwise than the footage's last sample of its kind: its samples then
        // start a new configuration.
        let config_changed = self
            .config_at(track.kind, usize::MAX)
            .is_some_and(|current| *current != track.config);
        let slot = match track.kind {
            TrackKind::Video => &mut self.video,
            TrackKind::Audio => &mut self.audio,
        };
        let target = match slot {
            Some(existing) => {
                if existing.timescale != track.timescale {
                    return Err(Error::unsupported(format!(
                        "{} timescale changes from {} to {} mid-stream",
                        track.kind.as_str(),
                        existing.timescale,
                        track.timescale
                    )));
                }
                if config_changed {
                    self.changes.push(ConfigChange {
                        kind: track.kind,
                        sample: existing.samples.len(),
                        config: track.config.clone(),
                    });
                }
                existing
            }
            None => slot.insert(Track {
                samples: Vec::new(),
                ..track.clone()
            }),
        };
        // Segments may overlap at their seams (a live encoder's audio repeating the last packet of the
        // segment before, in a loop): a sample decoded no later than the last one kept is a repeat.
        let last_dts = target.samples.last().map_or(i64::MIN, |s| s.dts);
        copy_samples(target, &mut self.data, track, bytes, |s| s.dts > last_dts && keep(s))
    }

    /// The track of `kind`.
    pub fn track(&self, kind: TrackKind) -> Option<&Track> {
        match kind {
            TrackKind::Video => self.video.as_ref(),
            TrackKind::Audio => self.audio.as_ref(),
        }
    }

    /// The bytes of one of the footage's samples.
    pub fn sample_data(&self, sample: &Sample) -> Result<&[u8]> {
        sample
            .data_in(&self.data)
            .ok_or_else(|| Error::malformed("a sample lies outside the file's bytes"))
    }

    /// The configuration that decodes sample `index` of the `kind` track.
    pub fn config_at(&self, kind: TrackKind, index: usize) -> Option<&CodecConfig> {
        self.changes
            .iter()
            .rev()
            .find(|c| c.kind == kind && c.sample <= index)
            .map(|c| &c.config)
            .or_else(|| Some(&self.track(kind)?.config))
    }
}

/// Appends the samples of `from` for which `keep` holds to `into`, copying their bytes from `bytes` (which
/// `from`'s offsets index) to the end of `data` (which `into`'s offsets index).
pub fn copy_samples(
    into: &mut Track,
    data: &mut Vec<u8>,
    from: &Track,
    bytes: &[u8],
    keep: impl Fn(&Sample) -> bool,
) -> Result<()> {
    for sample in from.samples.iter().filter(|s| keep(s)) {
        let sample_bytes = sample
            .data_in(bytes)
            .ok_or_else(|| Error::malformed("a sample lies outside its segment's bytes"))?;
        into.samples.push(Sample {
            offset: data.len() as u64,
            ..*sample
        });
        data.extend_from_slice(sample_bytes);
    }
    Ok(())
}
