//! Codec-level parsing: what a decoder needs to know, read from bitstream headers and container records.

pub mod aac;
pub mod ac3;
pub(crate) mod bits;
pub mod dts;
pub mod h264;
pub mod hevc;
pub mod mpeg_audio;
pub mod opus;
