//! A minimal HTTP/1.1 server on std: GET and HEAD, keep-alive, byte ranges, and deliberately bad deliveries
//! (delays, throttling, bodies cut short) so the player's network handling can be tested against them.
//!
//! It is a development server for localhost, not a general web server: one thread per connection, requests
//! without bodies, no TLS, no chunked encoding.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// Longest request head accepted (request line plus headers).
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// A keep-alive connection with no new request for this long is closed.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Bodies are written in pieces of this size, so delivery faults apply mid-body.
const CHUNK_BYTES: usize = 64 * 1024;

/// A parsed request.
#[derive(Clone)]
pub struct Request {
    pub method: String,
    /// Percent-decoded path, without the query.
    pub path: String,
    /// The raw query string after `?` (empty when none).
    pub query: String,
    headers: Vec<(String, String)>,
}

impl Request {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// What a response carries: bytes in memory or a byte range of a file, read as it is sent.
pub enum Body {
    Bytes(Vec<u8>),
    File { file: File, start: u64, len: u64 },
}

impl Body {
    fn len(&self) -> u64 {
        match self {
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::File { len, .. } => *len,
        }
    }
}

/// How the body reaches the client; the default is promptly and completely.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Delivery {
    /// Wait this long before sending anything (a slow origin).
    pub delay: Duration,
    /// Send at most this many bytes per second (a slow link).
    pub bytes_per_second: Option<u64>,
    /// After this many body bytes, send nothing for this long, then the rest (an origin that stalls mid-body).
    pub stall: Option<(u64, Duration)>,
    /// Announce the full `Content-Length` but close the connection after this many body bytes.
    pub cut_after: Option<u64>,
    /// Send garbage of the right length instead of the bytes (a corrupt file on the origin).
    pub garble: bool,
}

/// A response to send.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
    pub delivery: Delivery,
}

impl Response {
    /// A response with `status`, a body and its content type.
    pub fn new(status: u16, content_type: &str, body: Body) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", content_type.to_owned())],
            body,
            delivery: Delivery::default(),
        }
    }

    /// A short plain-text response, for errors.
    pub fn text(status: u16, message: impl Into<String>) -> Response {
        let mut text = message.into();
        text.push('\n');
        Response::new(status, "text/plain; charset=utf-8", Body::Bytes(text.into_bytes()))
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }
}

/// Serves `handler` on `listener` until the process ends, one thread per connection.
pub fn serve<H>(listener: TcpListener, handler: H)
where
    H: Fn(&Request) -> Response + Send + Sync + 'static,
{
    let handler = Arc::new(handler);
    for stream in listener.incoming().flatten() {
        let handler = Arc::clone(&handler);
        thread::spawn(move || {
            // A client that goes away mid-response is normal (players abort fetches); nothing to report.
            let _ = handle_connection(stream, handler.as_ref());
        });
    }
}

fn handle_connection<H: Fn(&Request) -> Response>(stream: TcpStream, handler: &H) -> io::Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let request = match read_request(&mut reader)? {
            Some(Ok(request)) => request,
            Some(Err(message)) => {
                write_response(&mut writer, &Response::text(400, message), false, false)?;
                return Ok(());
            }
            None => return Ok(()),
        };
        let keep_alive = !request
            .header("Connection")
            .is_some_and(|value| value.eq_ignore_ascii_case("close"));
        let response = if request.method == "GET" || request.method == "HEAD" {
            handler(&request)
        } else {
            Response::text(405, format!("{} is not supported", request.method)).with_header("Allow", "GET, HEAD")
        };
        let head_only = request.method == "HEAD";
        let cut = response.delivery.cut_after.is_some() && !head_only;
        write_response(&mut writer, &response, head_only, keep_alive && !cut)?;
        if cut || !keep_alive {
            return Ok(());
        }
    }
}

/// Reads one request head. `None` when the client closed the connection between requests;
/// `Some(Err(_))` for a request that cannot be parsed.
fn read_request(reader: &mut impl BufRead) -> io::Result<Option<Result<Request, String>>> {
    let mut head = Vec::new();
    loop {
        let before = head.len();
        let read = reader
            .by_ref()
            .take((MAX_HEAD_BYTES - head.len()) as u64)
            .read_until(b'\n', &mut head)?;
        if read == 0 {
            return Ok(if head.is_empty() {
                None
            } else {
                Some(Err("request head ended early".into()))
            });
        }
        let line = &head[before..];
        if line == b"\r\n" || line == b"\n" {
            if before == 0 {
                head.clear(); // stray blank line between requests (RFC 9112 2.2 allows ignoring it)
                continue;
            }
            break;
        }
        if head.len() >= MAX_HEAD_BYTES {
            return Ok(Some(Err("request head too large".into())));
        }
    }
    // A client's bytes, whatever they are, as text for the parser (the dev server runs natively).
    #[allow(clippy::disallowed_methods)]
    let head = String::from_utf8_lossy(&head);
    Ok(Some(parse_head(&head)))
}

fn parse_head(head: &str) -> Result<Request, String> {
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default();
    let mut parts = request_line.split_whitespace();
    let (Some(method), Some(target), Some(_version)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("bad request line {request_line:?}"));
    };
    let (raw_path, query) = target.split_once('?').unwrap_or((target, ""));
    let path = percent_decode(raw_path).ok_or_else(|| format!("bad path {raw_path:?}"))?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    Ok(Request {
        method: method.to_owned(),
        path,
        query: query.to_owned(),
        headers,
    })
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn write_response(writer: &mut TcpStream, response: &Response, head_only: bool, keep_alive: bool) -> io::Result<()> {
    thread::sleep(response.delivery.delay);
    let mut head = format!("HTTP/1.1 {} {}\r\n", response.status, reason(response.status));
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n", response.body.len()));
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    writer.write_all(head.as_bytes())?;
    if !head_only {
        write_body(writer, &response.body, &response.delivery)?;
    }
    writer.flush()
}

fn write_body(writer: &mut TcpStream, body: &Body, delivery: &Delivery) -> io::Result<()> {
    let mut source: Box<dyn Read> = match body {
        Body::Bytes(bytes) => Box::new(bytes.as_slice()),
        Body::File { file, start, .. } => {
            let mut file = file.try_clone()?;
            file.seek(SeekFrom::Start(*start))?;
            Box::new(file)
        }
    };
    let limit = delivery.cut_after.unwrap_or(u64::MAX).min(body.len());
    let rate = delivery.bytes_per_second.filter(|rate| *rate > 0);
    // Throttled bodies go out in twentieths of a second's worth, each after its share of time, so the
    // client sees a steady rate rather than bursts.
    let piece = rate.map_or(CHUNK_BYTES as u64, |rate| (rate / 20).clamp(1024, CHUNK_BYTES as u64));
    let mut sent = 0u64;
    let mut stall = delivery.stall.filter(|(after, _)| *after < limit);
    let mut chunk = vec![0u8; piece as usize];
    while sent < limit {
        if let Some((_, pause)) = stall.filter(|(after, _)| *after == sent) {
            writer.flush()?;
            thread::sleep(pause);
            stall = None;
        }
        // A piece ends where the stall begins, so exactly the bytes before it arrive first.
        let until_stall = stall.map_or(u64::MAX, |(after, _)| after - sent);
        let want = (limit - sent).min(piece).min(until_stall) as usize;
        source.read_exact(&mut chunk[..want])?;
        if delivery.garble {
            // Every byte flipped: no MPEG-TS sync byte or MP4 box header survives.
            chunk[..want].iter_mut().for_each(|byte| *byte = !*byte);
        }
        if let Some(rate) = rate {
            thread::sleep(Duration::from_secs_f64(want as f64 / rate as f64));
        }
        writer.write_all(&chunk[..want])?;
        sent += want as u64;
    }
    Ok(())
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        416 => "Range Not Satisfiable",
        500 => "Internal Server Error",
        _ => "Status",
    }
}

/// The byte range a `Range` header asks of a body of `len` bytes.
#[derive(Debug, PartialEq)]
pub enum RangeRequest {
    /// No usable single range: send the whole body (multi-range and malformed headers land here too, which
    /// RFC 9110 allows a server to do).
    Whole,
    /// Send bytes `start..start + len`.
    Part { start: u64, len: u64 },
    /// The range lies past the end: 416.
    Unsatisfiable,
}

/// Interprets a `Range` header value (`bytes=a-b`, `bytes=a-`, `bytes=-n`) against a body of `len` bytes.
pub fn parse_range(header: Option<&str>, len: u64) -> RangeRequest {
    let Some(spec) = header.and_then(|value| value.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Whole;
    };
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return RangeRequest::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let (start, end_inclusive) = match (first.parse::<u64>(), last.parse::<u64>()) {
        (Ok(start), Ok(end)) if end >= start => (start, end.min(len.saturating_sub(1))),
        (Ok(start), Err(_)) if last.is_empty() => (start, len.saturating_sub(1)),
        (Err(_), Ok(suffix)) if first.is_empty() && suffix > 0 => (len.saturating_sub(suffix), len.saturating_sub(1)),
        _ => return RangeRequest::Whole,
    };
    if start >= len {
        return RangeRequest::Unsatisfiable;
    }
    RangeRequest::Part {
        start,
        len: end_inclusive - start + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        use RangeRequest::*;
        assert_eq!(parse_range(None, 100), Whole);
        assert_eq!(parse_range(Some("bytes=0-9"), 100), Part { start: 0, len: 10 });
        assert_eq!(parse_range(Some("bytes=90-"), 100), Part { start: 90, len: 10 });
        assert_eq!(parse_range(Some("bytes=-5"), 100), Part { start: 95, len: 5 });
        assert_eq!(parse_range(Some("bytes=-500"), 100), Part { start: 0, len: 100 });
        assert_eq!(parse_range(Some("bytes=50-1000"), 100), Part { start: 50, len: 50 });
        assert_eq!(parse_range(Some("bytes=100-"), 100), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=0-1,5-6"), 100), Whole);
        assert_eq!(parse_range(Some("bytes=9-3"), 100), Whole);
        assert_eq!(parse_range(Some("items=0-3"), 100), Whole);
        assert_eq!(parse_range(Some("bytes=-0"), 100), Whole);
    }

    #[test]
    fn request_head() {
        let request = parse_head("GET /live/a%20b/index.m3u8?window=3 HTTP/1.1\r\nRange: bytes=0-1\r\n").unwrap();
        assert_eq!(request.path, "/live/a b/index.m3u8");
        assert_eq!(request.query, "window=3");
        assert_eq!(request.header("range"), Some("bytes=0-1"));
        assert!(parse_head("GARBAGE\r\n").is_err());
        assert!(parse_head("GET /%zz HTTP/1.1\r\n").is_err());
    }
}
