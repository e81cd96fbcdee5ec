//! HLS: playlists, URI resolution, the live window, and a rendition's segments read onto the media timeline.

pub mod iframes;
pub mod live;
pub mod placement;
pub mod playlist;
pub mod segments;
pub mod units;
pub mod uri;
