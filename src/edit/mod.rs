//! Editing plans, without the browser: which samples make a clip, how they are put back together, and the
//! effects on the timeline with the motion tracker that pins them to a moving subject.

pub mod assemble;
pub mod dub;
pub mod effects;
pub mod footage;
pub mod mix;
pub mod sound;
pub mod track;
pub mod trim;
pub mod waveform;
