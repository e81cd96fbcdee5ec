//! HLS: playlists, URI resolution and the live window.

pub mod live;
pub mod playlist;
pub mod segments;
pub mod uri;
