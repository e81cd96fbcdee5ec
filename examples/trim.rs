//! Cuts a clip out of local media without re-encoding (DESIGN.md):
//!
//! ```text
//! cargo run --release --example trim -- IN --start S --end E [--mode keyframe] [--container mp4|fmp4] -o OUT.mp4
//! ```
//!
//! IN is anything `inspect` reads (MP4, MPEG-TS, a local HLS playlist). S and E are seconds on the media
//! timeline (0 = the first sample shown). The clip starts at the keyframe at or before S and ends with the
//! last frame shown before E; its sound is cut to the pictures with an edit list. The plan and the MP4
//! writer are the ones the browser export uses. Prints a JSON summary; exit status 1 with a one-line error
//! on stderr for input the library rejects, 2 for bad arguments.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use reelcut::edit::assemble;
use reelcut::edit::trim::{self, TrimMode, TrimPlan};
use reelcut::mux::{self, Container};
use reelcut::player::timeline_origin;
use reelcut::{Error, ErrorCode};
use serde_json::{json, Value};

#[path = "common/local_media.rs"]
mod local_media;

const USAGE: &str = "usage: trim IN --start S --end E [--mode keyframe] [--container mp4|fmp4] -o OUT.mp4";

struct Args {
    input: PathBuf,
    output: PathBuf,
    start: f64,
    end: f64,
    mode: TrimMode,
    container: Container,
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(problem) => {
            eprintln!("trim: {problem}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("trim: {}: {error}", args.input.display());
            ExitCode::FAILURE
        }
    }
}

fn parse_args(mut raw: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut input, mut output, mut start, mut end) = (None, None, None, None);
    let (mut mode, mut container) = (TrimMode::Keyframe, Container::Mp4);
    while let Some(arg) = raw.next() {
        let mut value = |name: &str| raw.next().ok_or_else(|| format!("{name} needs a value"));
        let seconds = |text: String, name: &str| {
            text.parse::<f64>()
                .ok()
                .filter(|s| s.is_finite())
                .ok_or_else(|| format!("{name} {text:?} is not a number of seconds"))
        };
        match arg.as_str() {
            "--start" => start = Some(seconds(value("--start")?, "--start")?),
            "--end" => end = Some(seconds(value("--end")?, "--end")?),
            "--mode" => mode = TrimMode::parse(&value("--mode")?).map_err(|e| e.to_string())?,
            "--container" => {
                container = match value("--container")?.as_str() {
                    "mp4" => Container::Mp4,
                    "fmp4" => Container::Fmp4,
                    other => return Err(format!("unknown container {other:?}: use mp4 or fmp4")),
                }
            }
            "-o" | "--output" => output = Some(PathBuf::from(value("-o")?)),
            _ if input.is_none() && !arg.starts_with('-') => input = Some(PathBuf::from(arg)),
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(Args {
        input: input.ok_or("missing IN")?,
        output: output.ok_or("missing -o OUT.mp4")?,
        start: start.ok_or("missing --start")?,
        end: end.ok_or("missing --end")?,
        mode,
        container,
    })
}

fn run(args: &Args) -> Result<Value, Error> {
    if args.mode == TrimMode::Exact {
        return Err(Error::new(
            ErrorCode::Unsupported,
            "'exact' mode re-encodes the first frames with WebCodecs: use clip.export({ mode: 'exact' }) in \
             the browser; this tool does 'keyframe' mode",
        ));
    }
    let (format, footage) = local_media::footage(&args.input)?;
    let origin = timeline_origin(footage.video.iter().chain(&footage.audio));
    let plan = trim::plan(&footage, origin + args.start, origin + args.end, args.mode)?;
    let tracks = assemble::tracks(&footage, &plan, Vec::new())?;
    let bytes = mux::mp4::write(&tracks, args.container)?;
    write(&args.output, &bytes)?;
    let mut out = summary(args, &plan, origin, &tracks, bytes.len());
    out["format"] = json!(format);
    Ok(out)
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    std::fs::write(path, bytes)
        .map_err(|e| Error::new(ErrorCode::Network, format!("cannot write {}: {e}", path.display())))
}

fn summary(args: &Args, plan: &TrimPlan, origin: f64, tracks: &[mux::MuxTrack], bytes: usize) -> Value {
    let mut out = json!({
        "input": args.input.display().to_string(),
        "output": args.output.display().to_string(),
        "mode": "keyframe",
        "container": match args.container { Container::Mp4 => "mp4", Container::Fmp4 => "fmp4" },
        "requested": { "start": args.start, "end": args.end },
        "start": plan.start - origin,
        "end": plan.end - origin,
        "duration": plan.duration(),
        "bytes": bytes,
    });
    for track in tracks {
        let shown = (track.shown.1 - track.shown.0) as f64 / f64::from(track.timescale);
        let mut entry = json!({
            "codec": track.config.codec,
            "samples": track.samples.len(),
            "duration": shown,
        });
        if let Some(cut) = plan
            .video
            .as_ref()
            .filter(|_| track.kind == reelcut::media::TrackKind::Video)
        {
            entry["frames"] = json!(cut.frames);
        }
        out[track.kind.as_str()] = entry;
    }
    out
}
