//! WebCodecs behind owning types: the decoders and encoders (each closed when dropped, with the callbacks
//! it calls kept alive until then), the decoded media they hand out (each closed when dropped), and what
//! this browser supports.

pub(crate) mod audio_decoder;
pub(crate) mod audio_encoder;
pub(crate) mod frame;
mod outputs;
pub(crate) mod support;
pub(crate) mod video_decoder;
pub(crate) mod video_encoder;
