//! Demuxing speed, each figure next to its physical limit: a plain copy of the same bytes.
//!
//! ```text
//! cargo run --release --example bench_demux [-- --runs 15]
//! ```
//!
//! The first run generates its media with ffmpeg into `target/bench-media/` (a minute of 720p H.264 + AAC at
//! 4 Mbit/s as MPEG-TS and as fragmented MP4, and a one-hour progressive MP4 made by looping that minute).
//! Every figure is the median of several runs; ratios compare medians measured in the same process.

// The bench reads media it generated itself: a failure there is a broken set-up, told by the panic message.
#![allow(clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use reelcut::demux::boxes::{box_bytes, top_level_boxes};
use reelcut::demux::movie::Movie;
use reelcut::demux::mp4;
use reelcut::demux::ts::TsDemuxer;

#[path = "common/bench.rs"]
mod bench;
use bench::{median, parse_runs};

fn main() -> ExitCode {
    let runs = parse_runs().unwrap_or(15);
    let media = match prepare_media() {
        Ok(media) => media,
        Err(message) => {
            eprintln!("bench_demux: {message}");
            return ExitCode::FAILURE;
        }
    };
    let read = |path: &Path| std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let ts = read(&media.join("minute.ts"));
    let fmp4 = read(&media.join("minute_frag.mp4"));
    let hour = read(&media.join("hour.mp4"));

    println!(
        "{} runs each, medians; 'of copy' = copy time / demux time (1.0 = as fast as copying the bytes)\n",
        runs
    );
    println!(
        "{:<44} {:>12} {:>12} {:>10} {:>9}",
        "operation", "time", "throughput", "copy", "of copy"
    );

    let ts_time = median(runs, || {
        let out = TsDemuxer::new().demux_segment(&ts).expect("TS demuxes");
        std::hint::black_box(out);
    });
    report(
        "MPEG-TS demux, 60 s 720p (AVCC + raw AAC out)",
        ts.len(),
        ts_time,
        copy_time(&ts, runs),
    );

    let fmp4_time = median(runs, || {
        std::hint::black_box(mp4::demux(&fmp4).expect("fMP4 demuxes"));
    });
    report(
        "fMP4 fragment parse, 60 s 720p",
        fmp4.len(),
        fmp4_time,
        copy_time(&fmp4, runs),
    );

    // Range I/O indexing: only the moov box is parsed (the header walk is included).
    let boxes = top_level_boxes(&hour).expect("hour.mp4 has boxes");
    let moov = boxes.iter().find(|b| &b.kind == b"moov").expect("hour.mp4 has moov");
    let moov_bytes = box_bytes(&hour, moov);
    let mut samples = 0;
    let index_time = median(runs, || {
        let _ = top_level_boxes(&hour);
        let movie = Movie::parse_moov(moov_bytes, hour.len() as u64).expect("moov parses");
        samples = movie.tracks.iter().map(|t| t.track.samples.len()).sum();
        std::hint::black_box(movie);
    });
    println!(
        "{:<44} {:>10.2}ms {:>12} {:>10} {:>9}   ({samples} samples, moov {} KB, {:.0} ns/sample)",
        "MP4 index, one hour 720p (moov only)",
        index_time.as_secs_f64() * 1e3,
        "",
        "",
        "",
        moov_bytes.len() / 1024,
        index_time.as_secs_f64() * 1e9 / samples.max(1) as f64,
    );
    ExitCode::SUCCESS
}

/// The physical limit: copying the same bytes into a fresh buffer.
fn copy_time(bytes: &[u8], runs: usize) -> Duration {
    median(runs, || {
        let copy = bytes.to_vec();
        std::hint::black_box(copy);
    })
}

fn report(what: &str, len: usize, time: Duration, copy: Duration) {
    let mb_per_s = |t: Duration| len as f64 / t.as_secs_f64() / 1e6;
    println!(
        "{what:<44} {:>10.2}ms {:>7.0} MB/s {:>5.0} MB/s {:>8.0}%",
        time.as_secs_f64() * 1e3,
        mb_per_s(time),
        mb_per_s(copy),
        100.0 * copy.as_secs_f64() / time.as_secs_f64()
    );
}

/// Generates the media once; later runs reuse it.
fn prepare_media() -> Result<PathBuf, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-media");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let minute = dir.join("minute.mp4");
    let steps: [(&str, Vec<String>); 4] = [
        (
            "minute.mp4",
            args(&[
                "-f",
                "lavfi",
                "-i",
                "testsrc2=size=1280x720:rate=30:duration=60",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=440:sample_rate=48000:duration=60",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-b:v",
                "4M",
                "-g",
                "60",
                "-bf",
                "2",
                "-c:a",
                "aac",
                "-b:a",
                "128k",
                "-ac",
                "2",
            ]),
        ),
        (
            "minute.ts",
            args(&["-i", &minute.to_string_lossy(), "-c", "copy", "-f", "mpegts"]),
        ),
        (
            "minute_frag.mp4",
            args(&[
                "-i",
                &minute.to_string_lossy(),
                "-c",
                "copy",
                "-movflags",
                "frag_keyframe+empty_moov+default_base_moof",
            ]),
        ),
        (
            "hour.mp4",
            args(&["-stream_loop", "59", "-i", &minute.to_string_lossy(), "-c", "copy"]),
        ),
    ];
    for (name, mut ffmpeg_args) in steps {
        let out = dir.join(name);
        if out.exists() {
            continue;
        }
        eprintln!("bench_demux: generating {} with ffmpeg", out.display());
        ffmpeg_args.push(out.to_string_lossy().into_owned());
        let status = Command::new("ffmpeg")
            .args(["-hide_banner", "-loglevel", "error", "-y"])
            .args(&ffmpeg_args)
            .status()
            .map_err(|e| format!("cannot run ffmpeg ({e}): install it with 'apt-get install ffmpeg'"))?;
        if !status.success() {
            let _ = std::fs::remove_file(&out);
            return Err(format!("ffmpeg failed to make {name}"));
        }
    }
    Ok(dir)
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}
