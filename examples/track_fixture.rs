//! Writes the tracking fixture (`tests/common/track_fixture.rs`) as raw 8-bit luma frames, for ffmpeg to
//! encode into the video the browser tests track in, and its true path as JSON.
//!
//! ```text
//! cargo run --release --example track_fixture -- target/track.gray [--truth target/track.json] [--pgm 100]
//! ffmpeg -f rawvideo -pix_fmt gray -s 1280x720 -r 30 -i target/track.gray -pix_fmt yuv420p -c:v libx264 track.mp4
//! ```
//!
//! `-` writes the frames to stdout (pipe them into ffmpeg's `-i -`); `--pgm N` writes frame N alone as a
//! PGM picture instead, to look at.

use std::io::{BufWriter, Write};
use std::process::ExitCode;

#[path = "../tests/common/track_fixture.rs"]
mod fixture;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(out) = args.first() else {
        eprintln!("usage: track_fixture OUT.gray|- [--truth OUT.json] [--pgm FRAME]");
        return ExitCode::FAILURE;
    };
    let option = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1));
    match write(out, option("--truth"), option("--pgm")) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("track_fixture: {error}");
            ExitCode::FAILURE
        }
    }
}

fn write(out: &str, truth: Option<&String>, pgm: Option<&String>) -> std::io::Result<()> {
    let sink: Box<dyn Write> = match out {
        "-" => Box::new(std::io::stdout().lock()),
        path => Box::new(std::fs::File::create(path)?),
    };
    let mut sink = BufWriter::new(sink);
    let generator = fixture::Fixture::new();
    let mut frame = vec![0u8; fixture::WIDTH * fixture::HEIGHT];
    if let Some(index) = pgm {
        let index: usize = index
            .parse()
            .map_err(|_| std::io::Error::other("--pgm takes a frame index"))?;
        generator.render(index, &mut frame);
        write!(sink, "P5\n{} {}\n255\n", fixture::WIDTH, fixture::HEIGHT)?;
        sink.write_all(&frame)?;
        return sink.flush();
    }
    for index in 0..fixture::FRAMES {
        generator.render(index, &mut frame);
        sink.write_all(&frame)?;
    }
    sink.flush()?;
    if let Some(path) = truth {
        // One entry per frame: the true centre and the disc's diameter, in pixels; whether the bar covers it.
        let mut json = String::from("[\n");
        for index in 0..fixture::FRAMES {
            let t = fixture::truth(index);
            let occluded = fixture::OCCLUSION.contains(&index);
            json.push_str(&format!(
                "  {{\"frame\": {index}, \"cx\": {:.3}, \"cy\": {:.3}, \"size\": {:.3}, \"occluded\": {occluded}}}{}\n",
                t.cx,
                t.cy,
                2.0 * t.radius,
                if index + 1 < fixture::FRAMES { "," } else { "" }
            ));
        }
        json.push_str("]\n");
        std::fs::write(path, json)?;
    }
    Ok(())
}
