//! Codec-level parsing: what a decoder needs to know, read from bitstream headers and container records.

pub mod aac;
pub mod ac3;
pub(crate) mod bits;
pub mod dts;
pub mod h264;
pub mod hevc;
pub mod mpeg_audio;
pub mod opus;

/// `bytes` without its trailing zero bytes (a NAL unit's `trailing_zero_8bits`, HEVC's constraint bytes
/// left unset).
pub(crate) fn without_trailing_zeros(bytes: &[u8]) -> &[u8] {
    let mut end = bytes.len();
    while end > 0 && bytes[end - 1] == 0 {
        end -= 1;
    }
    &bytes[..end]
}
