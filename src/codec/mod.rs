//! Codec-level parsing: what a decoder needs to know, read from bitstream headers and container records.

pub mod aac;
mod bits;
pub mod h264;
pub mod opus;
