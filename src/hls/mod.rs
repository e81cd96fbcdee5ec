//! HLS: playlists, URI resolution, the live window, and a rendition's segments read onto the media timeline.

pub mod iframes;
pub mod live;
pub mod placement;
pub mod playlist;
pub mod segments;
pub mod units;
pub mod uri;

/// Where the first of the bytes `any` is in `text`: the separators of playlist text and URIs are ASCII.
pub(crate) fn find_any(text: &str, any: &[u8]) -> Option<usize> {
    text.bytes().position(|b| any.contains(&b))
}
