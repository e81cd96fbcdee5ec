//! I-frame playlists (RFC 8216 §4.3.4.2) for the VOD fixtures, made from their MPEG-TS segments: each
//! segment of one is a key frame, the byte range of its segment file from the transport packet its picture
//! starts in (with the PAT and PMT repeated just before it) to the next picture's, its `EXTINF` the time to
//! the next key frame (the last one's, to the end of the presentation). With `iframes=yes` a master playlist
//! lists one per variant (`EXT-X-I-FRAME-STREAM-INF`), `iframes.m3u8` beside the variant's playlist.

use std::fs;
use std::path::Path;

use crate::live::SourcePlaylist;
use crate::parts::{picture_starts, PACKET, TICKS_PER_SECOND};

/// The file name of a variant's I-frame playlist, beside its `index.m3u8`.
pub const FILE: &str = "iframes.m3u8";

/// One key frame of the presentation.
struct KeyFrame {
    /// Segment file, relative to the playlist.
    file: String,
    offset: u64,
    len: u64,
    /// Presentation time from the first key frame, 90 kHz ticks (decode times: each key frame's picture is
    /// shown a fixed delay after it is decoded).
    time: u64,
}

/// The I-frame playlist of the VOD media playlist `source`, whose segment files are in `folder`, and its
/// peak bit rate (the `BANDWIDTH` a master playlist states for it).
pub fn playlist(folder: &Path, source: &SourcePlaylist) -> Result<(String, u64), String> {
    let mut frames = Vec::new();
    let mut total_us = 0;
    let mut first = None;
    for (file, duration_us) in source.segment_files() {
        total_us += duration_us;
        let bytes = fs::read(folder.join(file)).map_err(|e| format!("{file}: {e}"))?;
        let starts = picture_starts(&bytes);
        for (index, start) in starts.iter().enumerate().filter(|(_, s)| s.random_access) {
            let end = starts.get(index + 1).map_or(bytes.len(), |next| next.cut * PACKET);
            let origin = *first.get_or_insert(start.dts);
            frames.push(KeyFrame {
                file: file.to_owned(),
                offset: (start.cut * PACKET) as u64,
                len: (end - start.cut * PACKET) as u64,
                time: start.dts.saturating_sub(origin),
            });
        }
    }
    if frames.is_empty() {
        return Err("no key frame in the segments".into());
    }
    let end_ticks = total_us * TICKS_PER_SECOND / 1_000_000;
    let mut text = String::from("#EXTM3U\n#EXT-X-VERSION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-I-FRAMES-ONLY\n");
    let mut body = String::new();
    let (mut longest, mut peak) = (0, 0);
    for (index, frame) in frames.iter().enumerate() {
        let next = frames.get(index + 1).map_or(end_ticks, |next| next.time);
        let ticks = next.saturating_sub(frame.time).max(1);
        longest = longest.max(ticks);
        peak = peak.max(frame.len * 8 * TICKS_PER_SECOND / ticks);
        body += &format!(
            "#EXTINF:{:.6},\n#EXT-X-BYTERANGE:{}@{}\n{}\n",
            ticks as f64 / TICKS_PER_SECOND as f64,
            frame.len,
            frame.offset,
            frame.file
        );
    }
    text += &format!("#EXT-X-TARGETDURATION:{}\n", longest.div_ceil(TICKS_PER_SECOND));
    Ok((text + &body + "#EXT-X-ENDLIST\n", peak))
}

/// Master playlist `text` of folder `folder` with an `EXT-X-I-FRAME-STREAM-INF` after each variant, for the
/// I-frame playlist beside the variant's playlist (its URI followed by `suffix`, e.g. `?fault=404`), with the
/// variant's picture size and video codec.
pub fn add_to_master(text: &str, folder: &Path, suffix: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut attributes = None;
    for line in text.lines().map(str::trim) {
        out.push_str(line);
        out.push('\n');
        if let Some(list) = line.strip_prefix("#EXT-X-STREAM-INF:") {
            attributes = Some(list.to_owned());
        } else if let (Some(list), false) = (attributes.take(), line.is_empty() || line.starts_with('#')) {
            let variant = folder.join(line);
            let variant_folder = variant.parent().ok_or("a variant without a folder")?;
            let source = fs::read_to_string(&variant).map_err(|e| format!("{line}: {e}"))?;
            let source = SourcePlaylist::parse(&source)?;
            let (_, bandwidth) = playlist(variant_folder, &source)?;
            let uri = match line.rsplit_once('/') {
                Some((dir, _)) => format!("{dir}/{FILE}{suffix}"),
                None => format!("{FILE}{suffix}"),
            };
            let mut tag = format!("#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH={bandwidth}");
            if let Some(resolution) = attribute(&list, "RESOLUTION") {
                tag += &format!(",RESOLUTION={resolution}");
            }
            if let Some(video) = attribute(&list, "CODECS").and_then(|c| c.split(',').find(|c| !c.starts_with("mp4a")))
            {
                tag += &format!(",CODECS=\"{video}\"");
            }
            out += &format!("{tag},URI=\"{uri}\"\n");
        }
    }
    Ok(out)
}

/// The value of attribute `name` in an attribute list, without quotes (a quoted value may hold commas).
fn attribute<'a>(list: &'a str, name: &str) -> Option<&'a str> {
    let at = list.find(&format!("{name}="))? + name.len() + 1;
    let rest = &list[at..];
    match rest.strip_prefix('"') {
        Some(quoted) => quoted.split('"').next(),
        None => rest.split(',').next(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reelcut::hls::playlist::{parse, Playlist};
    use std::path::PathBuf;

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
    }

    #[test]
    fn key_frames_every_second_of_the_ts_fixture() {
        let folder = fixtures().join("hls_ts");
        let source = SourcePlaylist::parse(&fs::read_to_string(folder.join("index.m3u8")).unwrap()).unwrap();
        let (text, bandwidth) = playlist(&folder, &source).unwrap();
        let Ok(Playlist::Media(media)) = parse(&text, "http://h/hls_ts/iframes.m3u8") else {
            panic!("not a media playlist: {text}")
        };
        assert!(media.i_frames_only && media.ended);
        // 6 s of video with a key frame every second: two per segment, the second one part-way in.
        let durations: Vec<f64> = media.segments.iter().map(|s| s.duration).collect();
        assert_eq!(durations, [1.0; 6]);
        let uris: Vec<&str> = media
            .segments
            .iter()
            .map(|s| s.uri.rsplit('/').next().unwrap())
            .collect();
        assert_eq!(uris, ["seg0.ts", "seg0.ts", "seg1.ts", "seg1.ts", "seg2.ts", "seg2.ts"]);
        let bytes = fs::read(folder.join("seg0.ts")).unwrap();
        for segment in &media.segments[..2] {
            let range = segment.range.unwrap();
            assert!(range.len > 0 && range.len % 188 == 0 && range.start + range.len <= bytes.len() as u64);
            assert_eq!(bytes[range.start as usize], 0x47);
        }
        // The key frame part-way in starts with the PAT the muxer repeats before it.
        let second = media.segments[1].range.unwrap().start as usize;
        assert!(second > 0);
        assert_eq!(&bytes[second..second + 3], &[0x47, 0x40, 0x00]);
        assert!(bandwidth > 0);
    }

    #[test]
    fn a_master_playlist_lists_an_i_frame_playlist_per_variant() {
        let folder = fixtures().join("hls_master");
        let text = fs::read_to_string(folder.join("index.m3u8")).unwrap();
        let out = add_to_master(&text, &folder, "?fault=404").unwrap();
        let Ok(Playlist::Master(master)) = parse(&out, "http://h/hls_master/index.m3u8") else {
            panic!("not a master playlist: {out}")
        };
        assert_eq!(master.variants.len(), 2);
        let i = &master.i_frame_variants;
        assert_eq!(i[0].uri, "http://h/hls_ts/iframes.m3u8?fault=404");
        assert_eq!(i[1].uri, "http://h/hls_low/iframes.m3u8?fault=404");
        assert_eq!(
            (i[0].resolution, &i[0].codecs[..]),
            (Some((640, 360)), &["avc1.64001e".to_owned()][..])
        );
        assert!(i[0].bandwidth > i[1].bandwidth);
    }
}
