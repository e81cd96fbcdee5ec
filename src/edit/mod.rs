//! Editing plans, without the browser: which samples make a clip, how they are put back together, and the
//! motion tracker that pins effects to a moving subject.

pub mod assemble;
pub mod dub;
pub mod footage;
pub mod mix;
pub mod sound;
pub mod track;
pub mod trim;
