//! Editing plans, without the browser: which samples make a clip, and how they are put back together.

pub mod assemble;
pub mod dub;
pub mod footage;
pub mod mix;
pub mod sound;
pub mod trim;
