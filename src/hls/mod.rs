//! HLS: playlists, URI resolution and the live window.

pub mod playlist;
pub mod segments;
pub mod uri;
