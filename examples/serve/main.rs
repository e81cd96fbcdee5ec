//! The development server behind the demo and every browser test.
//!
//! ```text
//! cargo run --release --example serve [-- --port 8080]
//! ```
//!
//! | path | serves |
//! |---|---|
//! | `/`, `/index.html`, ... | the demo app in `www/` |
//! | `/docs/...` | the documentation as HTML, rendered from `README.md` and `www/docs/*.md` into `target/docs/` by `.ci/docs.mjs` (`make demo` runs it) |
//! | `/pkg/...` | the built npm package (`pkg/`) |
//! | `/fixtures/...` | the media fixtures (`tests/fixtures/`) |
//! | `/fixtures/<fixture>/iframes.m3u8` | the I-frame playlist of the fixture's MPEG-TS `index.m3u8`, made from its segments' key frames (`iframes.rs`); master playlists list it with `?iframes=yes` |
//! | `/tests/...` | everything under `tests/` (browser test pages) |
//! | `/conformance/...` | the conformance corpus (`REELCUT_CONFORMANCE`, else `../shared/conformance`), for trying other projects' files in the browser |
//! | `/live/<fixture>/<name>.m3u8` | fixture playlist `tests/fixtures/<fixture>/<name>.m3u8` as a live broadcast (`?part=0.333`: LL-HLS); a name that is no fixture is looked for in the demo's generated samples (`www/samples/<name>/`, made by `.ci/samples.sh`) |
//! | `/live/<fixture>/audio_en.m3u8`, `audio_de.m3u8`, `<k>.aac` | with `audio=separate`: the audio rendition of the folder's `index.m3u8` (in two languages, the same sound) and its segments as packed audio (`split.rs`) |
//! | `/live/<fixture>/<k>/<file>`, `/live/<fixture>/<k>.ts` | segment `k` (its media sequence number) of a live broadcast: the fixture's segment file it re-publishes; the playlists list `<k>.ts` in LL-HLS mode, `<k>/<file>` otherwise, with `?o=N` for their options |
//!
//! `--csp POLICY` sends `Content-Security-Policy: POLICY` with every response, to try a page under the policy
//! an app would serve it with (`www/docs/csp.md` gives the library's; `tests/browser/csp.test.mjs` runs the demo
//! under it).
//!
//! Files answer byte-range requests (206 with `Content-Range`; 416 past the end). The live simulation and the
//! fault injection are driven by query parameters, listed in `options.rs`. Broadcasts are keyed by their
//! query string: the first request with a given query string starts that broadcast's clock, and every
//! fixture requested with the same query string shares it (so the variants of a master playlist stay aligned).

mod http;
mod iframes;
mod live;
mod options;
mod parts;
mod split;
mod ts_damage;

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::{Body, RangeRequest, Request, Response};
use live::{Content, Edge, SourcePlaylist};
use options::{broadcast_query, Options, Tokens};

const DEFAULT_PORT: u16 = 8080;

/// How long `block_hang` holds a blocking reload: longer than a player waits for one (a few parts).
const BLOCK_HANG: Duration = Duration::from_secs(30);

fn main() -> ExitCode {
    let Arguments { port, csp } = match parse_arguments(std::env::args().skip(1)) {
        Ok(arguments) => arguments,
        Err(message) => {
            eprintln!("serve: {message}\nusage: serve [--port N] [--csp POLICY]   (N = 0 picks a free port)");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(("127.0.0.1", port)) {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("serve: cannot listen on 127.0.0.1:{port}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let port = listener.local_addr().map(|addr| addr.port()).unwrap_or(port);
    // Tests read this first line to learn the port.
    println!("serve: listening on http://127.0.0.1:{port}/");
    println!("  demo       http://localhost:{port}/");
    println!("  docs       http://localhost:{port}/docs/");
    println!("  live HLS   http://localhost:{port}/live/hls_ts/index.m3u8  (?window=6&mode=event&speed=1)");
    println!("  LL-HLS     http://localhost:{port}/live/hls_master/index.m3u8?part=0.333");
    let _ = std::io::stdout().flush();

    let server = Server {
        root: PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        broadcasts: Mutex::new(HashMap::new()),
        tokens: Mutex::new(Tokens::default()),
        csp,
    };
    http::serve(listener, move |request| server.handle(request));
    ExitCode::SUCCESS
}

/// The command line: the port, and the Content-Security-Policy to send, if any.
struct Arguments {
    port: u16,
    csp: Option<String>,
}

fn parse_arguments(mut args: impl Iterator<Item = String>) -> Result<Arguments, String> {
    let mut arguments = Arguments {
        port: DEFAULT_PORT,
        csp: None,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a number")?;
                arguments.port = value.parse().map_err(|_| format!("bad port {value:?}"))?;
            }
            "--csp" => arguments.csp = Some(args.next().ok_or("--csp needs a policy")?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(arguments)
}

struct Server {
    /// The repository root: `www/`, `pkg/` and `tests/` are found under it.
    root: PathBuf,
    /// Start of each broadcast, by query string: (monotonic instant, wall clock in Unix milliseconds).
    broadcasts: Mutex<HashMap<String, (Instant, i64)>>,
    /// The option strings that live segment, part and hint URIs name by a short token (`o=N`).
    tokens: Mutex<Tokens>,
    /// `--csp`: the Content-Security-Policy header sent with every response.
    csp: Option<String>,
}

impl Server {
    fn handle(&self, request: &Request) -> Response {
        // A URI listed by a live playlist names its broadcast's options by token: put them back first.
        let expanded = self.tokens().expand(&request.query);
        let request = &match expanded {
            Ok(query) => {
                let mut request = request.clone();
                request.query = query;
                request
            }
            Err(message) => return Response::text(404, message).with_header("Cache-Control", "no-store"),
        };
        let options = match Options::parse(&request.query) {
            Ok(options) => options,
            Err(message) => return Response::text(400, message),
        };
        let parts: Vec<&str> = request.path.split('/').filter(|part| !part.is_empty()).collect();
        if parts
            .iter()
            .any(|part| *part == ".." || *part == "." || part.contains('\\'))
        {
            return Response::text(403, "path escapes the served folders");
        }
        let response = match parts.split_first() {
            Some((&"pkg", rest)) => self.file(&self.root.join("pkg"), rest, request, &options, None, Content::Whole),
            Some((&"fixtures", rest)) => self.fixture(rest, request, &options),
            Some((&"tests", rest)) => {
                self.file(&self.root.join("tests"), rest, request, &options, None, Content::Whole)
            }
            Some((&"conformance", rest)) => {
                self.file(&self.conformance(), rest, request, &options, None, Content::Whole)
            }
            Some((&"live", rest)) => self.live(rest, request, &options),
            Some((&"docs", rest)) => {
                let docs = self.root.join("target").join("docs");
                match docs.is_dir() {
                    true => self.file(&docs, rest, request, &options, None, Content::Whole),
                    false => Response::text(
                        404,
                        "the docs are not rendered: run `node .ci/docs.mjs` (make demo does)",
                    ),
                }
            }
            _ => self.file(&self.root.join("www"), &parts, request, &options, None, Content::Whole),
        };
        // A development server: never let the browser keep a stale build or a stale live playlist.
        let response = response.with_header("Cache-Control", "no-store");
        match &self.csp {
            Some(policy) => response.with_header("Content-Security-Policy", policy.clone()),
            None => response,
        }
    }

    fn fixtures(&self) -> PathBuf {
        self.root.join("tests").join("fixtures")
    }

    /// The conformance corpus: `REELCUT_CONFORMANCE`, else `../shared/conformance` beside the repository.
    fn conformance(&self) -> PathBuf {
        std::env::var_os("REELCUT_CONFORMANCE")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.root.join("../shared/conformance"))
    }

    /// A file under `base`, honouring `Range`, with faults applied. `segment` is the live media sequence
    /// number when the file is served as a live segment, and `content` what it serves of it.
    fn file(
        &self,
        base: &Path,
        parts: &[&str],
        request: &Request,
        options: &Options,
        segment: Option<u64>,
        content: Content,
    ) -> Response {
        if let Some(status) = options.faults.status(segment) {
            return Response::text(status, format!("injected fault: {status}"));
        }
        let mut path = parts.iter().fold(base.to_path_buf(), |path, part| path.join(part));
        if path.is_dir() {
            path.push("index.html");
        }
        let Ok(file) = File::open(&path) else {
            return Response::text(404, format!("not found: {}", request.path));
        };
        // A damaged segment, or a part of one (its video or its audio), is made in memory; any other file is
        // sent from disk as it is read.
        let damages = options.faults.damages(segment);
        let damaged = if damages || content != Content::Whole {
            match fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| content.of(bytes))
            {
                Ok(bytes) if damages => Some(ts_damage::damage(&bytes)),
                Ok(bytes) => Some(bytes),
                Err(message) => return Response::text(500, format!("cannot read {}: {message}", request.path)),
            }
        } else {
            None
        };
        let len = match &damaged {
            Some(bytes) => bytes.len() as u64,
            None => match file.metadata() {
                Ok(meta) => meta.len(),
                Err(_) => return Response::text(500, format!("cannot read {}", request.path)),
            },
        };
        let body = |start: u64, len: u64| match &damaged {
            Some(bytes) => Body::Bytes(bytes[start as usize..(start + len) as usize].to_vec()),
            None => Body::File { file, start, len },
        };
        let content_type = match content {
            Content::Audio => "audio/aac",
            _ => mime_type(&path),
        };
        let mut response = match http::parse_range(request.header("Range"), len) {
            RangeRequest::Whole => Response::new(200, content_type, body(0, len)),
            RangeRequest::Part { start, len: part } => {
                let end = start + part - 1;
                Response::new(206, content_type, body(start, part))
                    .with_header("Content-Range", format!("bytes {start}-{end}/{len}"))
            }
            RangeRequest::Unsatisfiable => {
                Response::text(416, "range not satisfiable").with_header("Content-Range", format!("bytes */{len}"))
            }
        };
        response.delivery = options.faults.delivery(segment, len);
        if segment.is_some()
            && options
                .faults
                .throttle_over(self.broadcast_clock(&broadcast_query(&request.query)).0)
        {
            response.delivery.bytes_per_second = None;
        }
        response.with_header("Accept-Ranges", "bytes")
    }

    /// `/fixtures/...`: a file as it is, or a VOD folder's I-frame playlist made from its segments, or (with
    /// `iframes`) a master playlist that lists those.
    fn fixture(&self, parts: &[&str], request: &Request, options: &Options) -> Response {
        let path = parts.iter().fold(self.fixtures(), |path, part| path.join(part));
        let i_frame_playlist = parts.last() == Some(&iframes::FILE) && !path.exists();
        let master = path.extension().is_some_and(|ext| ext == "m3u8") && options.i_frames.is_some();
        if !(i_frame_playlist || master) || options.faults.status(None).is_some() {
            return self.file(&self.fixtures(), parts, request, options, None, Content::Whole);
        }
        let folder = path.parent().unwrap_or(&path);
        let made = match (i_frame_playlist, fs::read_to_string(folder.join("index.m3u8"))) {
            (true, Ok(text)) => SourcePlaylist::parse(&text).and_then(|source| iframes::playlist(folder, &source)),
            (true, Err(_)) => return Response::text(404, format!("not found: {}", request.path)),
            (false, _) => match fs::read_to_string(&path) {
                Ok(text) if live::is_master(&text) => {
                    iframes::add_to_master(&text, folder, options.i_frames.unwrap_or_default()).map(|text| (text, 0))
                }
                _ => return self.file(&self.fixtures(), parts, request, options, None, Content::Whole),
            },
        };
        match made {
            Ok((text, _)) => Response::new(200, "application/vnd.apple.mpegurl", Body::Bytes(text.into_bytes())),
            Err(message) => Response::text(500, format!("{}: {message}", request.path)),
        }
    }

    /// `/live/<fixture>/...`: a playlist rendered live, a numbered segment, or another fixture file.
    fn live(&self, parts: &[&str], request: &Request, options: &Options) -> Response {
        let Some((fixture, rest)) = parts.split_first() else {
            return Response::text(404, "usage: /live/<fixture>/index.m3u8");
        };
        let folder = match self.fixtures().join(fixture) {
            folder if folder.is_dir() => folder,
            _ => self.root.join("www").join("samples").join(fixture),
        };
        match rest {
            [name] if name.ends_with(".m3u8") => self.live_playlist(&folder.join(name), request, options),
            [number, file @ ..] if !file.is_empty() && number.parse::<u64>().is_ok() => {
                let segment = number.parse().ok();
                if let (Some(k), Some(_)) = (segment, options.live.part_us) {
                    if let Some(refusal) = self.hold_until_published(&folder, k, file, request, options) {
                        return refusal;
                    }
                }
                let segment = options.faults.segment_of(fixture, segment);
                self.file(&folder, file, request, options, segment, self.media_content(options))
            }
            [name] if options.live.separate_audio && name.ends_with(".aac") => {
                self.audio_segment(&folder, name, request, options)
            }
            [name] if options.live.part_us.is_some() && live::short_name_number(name).is_some() => {
                // LL-HLS lists segment k as `<k>.ts`: the file is the source segment it re-publishes.
                let playlist = folder.join("index.m3u8");
                let source = match self.source_playlist(&playlist, options) {
                    Ok(source) => source,
                    Err(message) => return Response::text(400, format!("{}: {message}", playlist.display())),
                };
                let k = live::short_name_number(name).unwrap_or_default();
                let file = source.segment_uri(k);
                if live::short_name(k, file) != *name {
                    return Response::text(404, format!("not found: {} (segment {k} is {file})", request.path));
                }
                if let Some(refusal) = self.hold_until_published(&folder, k, &[file], request, options) {
                    return refusal;
                }
                let segment = options.faults.segment_of(fixture, Some(k));
                self.file(&folder, &[file], request, options, segment, self.media_content(options))
            }
            _ => self.file(&folder, rest, request, options, None, Content::Whole),
        }
    }

    fn live_playlist(&self, path: &Path, request: &Request, options: &Options) -> Response {
        if let Some(status) = options.faults.status(None) {
            return Response::text(status, format!("injected fault: {status}"));
        }
        // An audio rendition (`audio=separate`) is the audio of the media playlist beside it.
        let audio_rendition = options.live.separate_audio
            && live::AUDIO_RENDITIONS
                .iter()
                .any(|(file, ..)| path.file_name().is_some_and(|name| name == *file));
        let beside;
        let (path, content) = match audio_rendition {
            true => {
                beside = path.with_file_name("index.m3u8");
                (beside.as_path(), Content::Audio)
            }
            false => (path, self.media_content(options)),
        };
        let Ok(text) = fs::read_to_string(path) else {
            return Response::text(404, format!("no fixture playlist for {}", request.path));
        };
        let query = broadcast_query(&request.query);
        let body = if live::is_master(&text) {
            let audio = match options.live.separate_audio {
                true => match self.audio_channels(path, &text) {
                    Ok(channels) => Some(channels),
                    Err(message) => return Response::text(400, format!("{}: {message}", path.display())),
                },
                false => None,
            };
            live::rewrite_master(&text, &query, options.live.part_us.is_some(), audio)
        } else {
            let source = match self.source_playlist_as(path, options, content) {
                Ok(source) => source,
                Err(message) => return Response::text(400, format!("{}: {message}", path.display())),
            };
            let (mut elapsed, epoch_unix_ms) = self.broadcast_clock(&query);
            if let (Some(msn), Some(_)) = (options.reload.msn, options.live.part_us) {
                // A blocking reload: answer once the asked-for segment or part is published, and at once
                // (400) when it lies more than two segments ahead of the edge (RFC 8216bis §6.2.5.2).
                let edge = source.edge(source.edge_us(&options.live, elapsed));
                if msn > edge.last_msn + 2 {
                    return Response::text(
                        400,
                        format!("_HLS_msn={msn} is more than two segments after {}", edge.last_msn),
                    );
                }
                if options.faults.block_hangs(elapsed) {
                    thread::sleep(BLOCK_HANG);
                }
                if let Some(due_s) = source.real_s_at(&options.live, source.published_at_us(msn, options.reload.part)) {
                    thread::sleep(Duration::from_secs_f64((due_s - elapsed).max(0.0)));
                    elapsed = elapsed.max(due_s);
                }
            }
            if options.faults.playlist_fails(elapsed) {
                return Response::text(500, "injected fault: playlist_fail");
            }
            let reports = match audio_rendition {
                // The audio renditions report each other: same source, same edge.
                true => Ok(live::AUDIO_RENDITIONS
                    .iter()
                    .filter(|(file, ..)| !request.path.ends_with(file))
                    .map(|(file, ..)| (file.to_string(), source.edge(source.edge_us(&options.live, elapsed))))
                    .collect()),
                false => self.rendition_reports(path, options, elapsed),
            };
            let reports = match reports {
                Ok(reports) => reports,
                Err(message) => return Response::text(400, message),
            };
            live::render(
                &source,
                &options.live,
                elapsed,
                epoch_unix_ms,
                &self.tokens().issue(&query),
                &options.reload,
                &reports,
            )
        };
        let mut response = Response::new(200, "application/vnd.apple.mpegurl", Body::Bytes(body.into_bytes()));
        response.delivery = options.faults.delivery(None, 0);
        response
    }

    /// The VOD playlist at `path` that a live broadcast re-publishes, cut into parts in LL-HLS mode.
    fn source_playlist(&self, path: &Path, options: &Options) -> Result<SourcePlaylist, String> {
        self.source_playlist_as(path, options, self.media_content(options))
    }

    /// What a variant's media playlist publishes of its source's segments: the video alone when the audio is
    /// a rendition of its own.
    fn media_content(&self, options: &Options) -> Content {
        match options.live.separate_audio {
            true => Content::VideoOnly,
            false => Content::Whole,
        }
    }

    /// [`Server::source_playlist`], publishing `content` of its segments.
    fn source_playlist_as(&self, path: &Path, options: &Options, content: Content) -> Result<SourcePlaylist, String> {
        let text = fs::read_to_string(path).map_err(|e| e.to_string())?;
        let mut source = SourcePlaylist::parse(&text)?;
        source.set_content(content)?;
        if let (Some(part_us), Some(folder)) = (options.live.part_us, path.parent()) {
            source.cut_parts(folder, part_us)?;
        }
        Ok(source)
    }

    /// The edges of the other variants listed in `renditions` (LL-HLS), by their URIs.
    fn rendition_reports(&self, path: &Path, options: &Options, elapsed: f64) -> Result<Vec<(String, Edge)>, String> {
        let folder = path.parent().unwrap_or(path);
        let mut reports = Vec::new();
        for uri in &options.live.renditions {
            let other = folder.join(uri);
            if other.canonicalize().ok() == path.canonicalize().ok() {
                continue;
            }
            let source = self
                .source_playlist(&other, options)
                .map_err(|e| format!("rendition {uri}: {e}"))?;
            reports.push((uri.clone(), source.edge(source.edge_us(&options.live, elapsed))));
        }
        Ok(reports)
    }

    /// LL-HLS: holds a request for segment `k`'s file until the bytes it asks for are published (a player
    /// requests the hinted part before it exists). The segments' playlist is the folder's `index.m3u8`.
    /// Returns the response to answer instead when there is nothing to wait for.
    fn hold_until_published(
        &self,
        folder: &Path,
        k: u64,
        file: &[&str],
        request: &Request,
        options: &Options,
    ) -> Option<Response> {
        let playlist = folder.join("index.m3u8");
        let source = match self.source_playlist(&playlist, options) {
            Ok(source) => source,
            Err(message) => return Some(Response::text(400, format!("{}: {message}", playlist.display()))),
        };
        let Ok(meta) = fs::metadata(file.iter().fold(folder.to_path_buf(), |path, part| path.join(part))) else {
            return Some(Response::text(404, format!("not found: {}", request.path)));
        };
        self.hold_for(
            &source,
            k,
            source.segment_len(k).unwrap_or(meta.len()),
            request,
            options,
        );
        None
    }

    /// Holds a request for `len` bytes of segment `k` of `source` until the bytes it asks for are published.
    fn hold_for(&self, source: &SourcePlaylist, k: u64, len: u64, request: &Request, options: &Options) {
        let last_byte = match http::parse_range(request.header("Range"), len) {
            RangeRequest::Part { start, len: part } => start + part - 1,
            _ => len.saturating_sub(1),
        };
        let (elapsed, _) = self.broadcast_clock(&broadcast_query(&request.query));
        if let Some(due_s) = source.real_s_at(&options.live, source.byte_published_at_us(k, last_byte)) {
            thread::sleep(Duration::from_secs_f64((due_s - elapsed).max(0.0)));
        }
    }

    /// `/live/<fixture>/<k>.aac` (`audio=separate`): the audio of segment `k` of the folder's `index.m3u8`, as
    /// packed audio, held until published in LL-HLS mode like the video's parts.
    fn audio_segment(&self, folder: &Path, name: &str, request: &Request, options: &Options) -> Response {
        let playlist = folder.join("index.m3u8");
        let (Some(k), Some(stem)) = (live::short_name_number(name), name.strip_suffix(".aac")) else {
            return Response::text(404, format!("not found: {}", request.path));
        };
        if stem != k.to_string() {
            return Response::text(404, format!("not found: {}", request.path));
        }
        let source = match self.source_playlist_as(&playlist, options, Content::Audio) {
            Ok(source) => source,
            Err(message) => return Response::text(400, format!("{}: {message}", playlist.display())),
        };
        let file = source.segment_uri(k).to_owned();
        if let Some(len) = source.segment_len(k) {
            self.hold_for(&source, k, len, request, options);
        }
        self.file(folder, &[&file], request, options, Some(k), Content::Audio)
    }

    /// The channel count of the audio of a master playlist's first variant (`audio=separate`).
    fn audio_channels(&self, master: &Path, text: &str) -> Result<u8, String> {
        let variant = text
            .lines()
            .map(str::trim)
            .find(|line| !line.is_empty() && !line.starts_with('#'))
            .ok_or("a master playlist without variants")?;
        let playlist = master
            .parent()
            .unwrap_or(master)
            .join(variant.split('?').next().unwrap_or(variant));
        let source = SourcePlaylist::parse(&fs::read_to_string(&playlist).map_err(|e| e.to_string())?)?;
        let segment = playlist.with_file_name(source.segment_uri(0));
        let bytes = fs::read(&segment).map_err(|e| format!("{}: {e}", segment.display()))?;
        Ok(split::packed_audio(&bytes)?.channels)
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, Tokens> {
        self.tokens.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Real seconds since the broadcast keyed by `query` started (starting it now if new), and its start
    /// as a Unix time in milliseconds.
    fn broadcast_clock(&self, query: &str) -> (f64, i64) {
        let mut broadcasts = self.broadcasts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (started, epoch_unix_ms) = *broadcasts.entry(query.to_owned()).or_insert_with(|| {
            let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
            (Instant::now(), wall.as_millis() as i64)
        });
        (started.elapsed().as_secs_f64(), epoch_unix_ms)
    }
}

fn mime_type(path: &Path) -> &'static str {
    match path.extension().and_then(|ext| ext.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "wasm" => "application/wasm",
        "m3u8" => "application/vnd.apple.mpegurl",
        "ts" => "video/mp2t",
        "mp4" | "m4s" | "m4v" => "video/mp4",
        "m4a" => "audio/mp4",
        "opus" | "ogg" => "audio/ogg",
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        "webm" => "video/webm",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}
