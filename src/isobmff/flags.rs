//! Flags of full boxes and of samples (ISO/IEC 14496-12), as the reader tests them and the writer sets them.

/// `tkhd` flags: the track is enabled (0x1) and used in the presentation (0x2).
pub const TRACK_ENABLED_IN_MOVIE: u32 = 0x3;

/// `tfhd` flag (8.8.7.1): a 64-bit base data offset follows the track ID.
pub const BASE_DATA_OFFSET_PRESENT: u32 = 0x01;
/// `tfhd` flag: a sample description index follows.
pub const SAMPLE_DESCRIPTION_INDEX_PRESENT: u32 = 0x02;
/// `tfhd` flag: a default sample duration follows.
pub const DEFAULT_DURATION_PRESENT: u32 = 0x08;
/// `tfhd` flag: a default sample size follows.
pub const DEFAULT_SIZE_PRESENT: u32 = 0x10;
/// `tfhd` flag: default sample flags follow.
pub const DEFAULT_FLAGS_PRESENT: u32 = 0x20;
/// `tfhd` flag: data offsets count from the start of the `moof`.
pub const DEFAULT_BASE_IS_MOOF: u32 = 0x02_0000;

/// `trun` flag (8.8.8.1): the run carries a data offset.
pub const DATA_OFFSET_PRESENT: u32 = 0x01;
/// `trun` flag: the run carries flags for its first sample.
pub const FIRST_SAMPLE_FLAGS_PRESENT: u32 = 0x04;
/// `trun` flag: each sample carries its duration.
pub const SAMPLE_DURATION_PRESENT: u32 = 0x100;
/// `trun` flag: each sample carries its size.
pub const SAMPLE_SIZE_PRESENT: u32 = 0x200;
/// `trun` flag: each sample carries its flags.
pub const SAMPLE_FLAGS_PRESENT: u32 = 0x400;
/// `trun` flag: each sample carries its composition time offset.
pub const SAMPLE_COMPOSITION_OFFSET_PRESENT: u32 = 0x800;

/// Sample flags (8.8.3.1): `sample_is_non_sync_sample`.
pub const NON_SYNC_SAMPLE: u32 = 0x0001_0000;
/// Sample flags: the two bits of `sample_depends_on`.
pub const DEPENDS_ON_MASK: u32 = 0x0300_0000;
/// `sample_depends_on` = 1: the sample depends on others (not an I picture).
pub const DEPENDS_ON_OTHERS: u32 = 0x0100_0000;
/// `sample_depends_on` = 2: the sample depends on no other (an I picture).
pub const DEPENDS_ON_NONE: u32 = 0x0200_0000;

/// Whether sample flags (a sample's own, a run's first-sample flags, or the `tfhd`/`trex` defaults) mark a
/// sync sample: neither the non-sync bit nor `sample_depends_on` = 1 says otherwise (ffmpeg reads them so).
pub fn is_sync(flags: u32) -> bool {
    flags & NON_SYNC_SAMPLE == 0 && flags & DEPENDS_ON_MASK != DEPENDS_ON_OTHERS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_sample_flags() {
        // `trex`/`tfhd` defaults of a video fragment as writers set them: non-sync, depends on others.
        assert!(!is_sync(DEPENDS_ON_OTHERS | NON_SYNC_SAMPLE));
        // A typical first-sample flag: depends on no other sample.
        assert!(is_sync(DEPENDS_ON_NONE));
        assert!(is_sync(0));
        // Depends on others: no sync sample, even with the non-sync bit clear.
        assert!(!is_sync(DEPENDS_ON_OTHERS));
        assert!(!is_sync(NON_SYNC_SAMPLE));
    }
}
