//! The MPEG-4 descriptors an `esds` box holds (ISO/IEC 14496-1 7.2, as ISO/IEC 14496-14 puts them in MP4):
//! an ES descriptor around a decoder configuration (object type, stream type) around the decoder-specific
//! info (AAC's AudioSpecificConfig), then an SL configuration.

/// `ES_DescrTag` (7.2.2.1).
pub const ES_DESCRIPTOR: u8 = 3;
/// `DecoderConfigDescrTag`.
pub const DECODER_CONFIG_DESCRIPTOR: u8 = 4;
/// `DecSpecificInfoTag`.
pub const DECODER_SPECIFIC_INFO: u8 = 5;
/// `SLConfigDescrTag`.
pub const SL_CONFIG_DESCRIPTOR: u8 = 6;
/// SL configuration "predefined: reserved for use in MP4 files".
pub const SL_PREDEFINED_MP4: u8 = 2;

/// `streamType` of audio (table 6).
pub const STREAM_TYPE_AUDIO: u8 = 5;

/// Object type indication of MPEG-4 audio (table 5): AAC and its relatives, with an AudioSpecificConfig.
pub const OTI_MPEG4_AUDIO: u8 = 0x40;
/// Object type indications of AAC: MPEG-4 audio and the three MPEG-2 AAC profiles (Main, LC, SSR).
pub const OTI_AAC: [u8; 4] = [OTI_MPEG4_AUDIO, 0x66, 0x67, 0x68];
/// Object type indication of MPEG-1 audio (MP3 as writers store it).
pub const OTI_MPEG1_AUDIO: u8 = 0x6B;
/// Object type indications of MP3: MPEG-1 and MPEG-2 audio.
pub const OTI_MP3: [u8; 2] = [OTI_MPEG1_AUDIO, 0x69];
