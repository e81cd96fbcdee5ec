//! Resolving the URIs a playlist lists against the playlist's own URI (RFC 3986 section 5.2), for URLs and
//! for local file paths alike.

use super::find_any;

/// Where `uri`'s query or fragment starts (its `?` or `#`), or its length when it has neither.
pub fn query_start(uri: &str) -> usize {
    find_any(uri, b"?#").unwrap_or(uri.len())
}

/// The URI `reference` means when found in the resource at `base`.
pub fn resolve(base: &str, reference: &str) -> String {
    let reference = reference.trim_ascii();
    if has_scheme(reference) {
        return reference.to_owned();
    }
    let (origin, base_path) = split_origin(base);
    if let Some(network_path) = reference.strip_prefix("//") {
        let scheme = authority_marker(origin)
            .and_then(|at| origin.get(..at))
            .unwrap_or_default();
        return if scheme.is_empty() {
            format!("//{network_path}")
        } else {
            format!("{scheme}://{network_path}")
        };
    }
    let base_path = base_path.get(..query_start(base_path)).unwrap_or_default();
    let (reference_path, suffix) = reference
        .split_at_checked(query_start(reference))
        .unwrap_or((reference, ""));
    let merged = if reference_path.is_empty() {
        base_path.to_owned()
    } else if reference_path.starts_with('/') {
        reference_path.to_owned()
    } else {
        match base_path.bytes().rposition(|b| b == b'/') {
            Some(slash) => format!("{}{reference_path}", base_path.get(..=slash).unwrap_or_default()),
            None => reference_path.to_owned(),
        }
    };
    format!("{origin}{}{suffix}", remove_dot_segments(&merged))
}

fn has_scheme(uri: &str) -> bool {
    let Some((scheme, _)) = uri.split_once(':') else {
        return false;
    };
    let mut bytes = scheme.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        // A Windows drive letter is a path, not a scheme.
        && scheme.len() > 1
}

/// `("http://host:80", "/path")` for a URL, `("", "dir/file")` for a path. Cuts fall at ASCII characters, so
/// `get` and `split_at_checked` always succeed here.
fn split_origin(base: &str) -> (&str, &str) {
    match authority_marker(base) {
        Some(at) => {
            let after = at + 3;
            let rest = base.get(after..).unwrap_or_default();
            let path_start = find_any(rest, b"/?#").map_or(base.len(), |i| after + i);
            base.split_at_checked(path_start).unwrap_or((base, ""))
        }
        None => ("", base),
    }
}

/// Where `://` first appears: a byte scan, which compiles smaller than a substring search.
fn authority_marker(uri: &str) -> Option<usize> {
    uri.as_bytes().windows(3).position(|bytes| bytes == b"://")
}

/// Removes `.` and `..` segments; `..` never climbs above the root (or the start of a relative path,
/// where it is kept).
fn remove_dot_segments(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    let mut segments = path.split('/').peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        match segment {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                if out.last().is_some_and(|s| !s.is_empty() && *s != "..") {
                    out.pop();
                } else if !absolute {
                    out.push("..");
                }
                if last {
                    out.push("");
                }
            }
            _ => out.push(segment),
        }
    }
    let joined = out.join("/");
    if absolute && !joined.starts_with('/') {
        format!("/{joined}")
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let base = "http://a/b/c/d;p?q";
        // RFC 3986 5.4.1 normal examples.
        for (reference, expected) in [
            ("g", "http://a/b/c/g"),
            ("./g", "http://a/b/c/g"),
            ("g/", "http://a/b/c/g/"),
            ("/g", "http://a/g"),
            ("//g", "http://g"),
            ("?y", "http://a/b/c/d;p?y"),
            ("g?y", "http://a/b/c/g?y"),
            ("../g", "http://a/b/g"),
            ("../..", "http://a/"),
            ("../../g", "http://a/g"),
            ("../../../g", "http://a/g"),
            ("https://cdn/x.ts", "https://cdn/x.ts"),
        ] {
            assert_eq!(resolve(base, reference), expected, "{reference}");
        }
    }

    #[test]
    fn local_paths() {
        assert_eq!(
            resolve("tests/fixtures/hls_master/index.m3u8", "../hls_ts/index.m3u8"),
            "tests/fixtures/hls_ts/index.m3u8"
        );
        assert_eq!(resolve("index.m3u8", "seg0.ts"), "seg0.ts");
        assert_eq!(resolve("/abs/dir/p.m3u8", "../x.ts"), "/abs/x.ts");
        assert_eq!(resolve("a/p.m3u8", "../../x.ts"), "../x.ts");
    }
}
