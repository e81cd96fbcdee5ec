//! [`CodecConfig`] back to an MP4 sample entry: the inverse of `demux::sample_entry`.

use mp4_atom::{Atom, Audio, Av01, Av1c, Avc1, Avcc, Codec, Decode, Dops, Esds, Hvc1, Hvcc, Mp4a, Opus, Visual};

use crate::codec::aac::AudioSpecificConfig;
use crate::codec::opus::OpusHead;
use crate::error::{Error, ErrorCode, Result};
use crate::media::CodecConfig;

/// MPEG-4 audio's object type indication in `esds` (ISO/IEC 14496-1 table 5).
const OTI_MPEG4_AUDIO: u8 = 0x40;
/// MPEG-1 audio (MP3).
const OTI_MP3: u8 = 0x6B;
/// `esds` stream type of audio (ISO/IEC 14496-1 table 6).
const STREAM_TYPE_AUDIO: u8 = 5;

/// The sample entry that describes samples decoded with `config`.
pub(super) fn sample_entry(config: &CodecConfig) -> Result<Codec> {
    let family = config.codec.split('.').next().unwrap_or_default();
    let description = || {
        config.description.as_deref().ok_or_else(|| {
            Error::new(
                ErrorCode::MalformedInput,
                format!("{} track without its decoder configuration", config.codec),
            )
        })
    };
    let entry = match family {
        "avc1" | "avc3" => Avc1 {
            visual: visual(config)?,
            avcc: decode::<Avcc>(description()?, "avcC")?,
            ..Default::default()
        }
        .into(),
        "hvc1" | "hev1" => Hvc1 {
            visual: visual(config)?,
            hvcc: decode::<Hvcc>(description()?, "hvcC")?,
            ..Default::default()
        }
        .into(),
        "av01" => Av01 {
            visual: visual(config)?,
            av1c: decode::<Av1c>(description()?, "av1C")?,
            ..Default::default()
        }
        .into(),
        "mp4a" => {
            let asc = description()?;
            // Checked here so a bad record fails the export, not the player that opens it.
            AudioSpecificConfig::parse(asc)?;
            mp4a(config, OTI_MPEG4_AUDIO, Some(asc))?
        }
        "mp3" => mp4a(config, OTI_MP3, None)?,
        "opus" => {
            let head = OpusHead::parse(description()?)?;
            Opus {
                audio: audio(config)?,
                dops: Dops {
                    output_channel_count: head.channels,
                    pre_skip: head.pre_skip,
                    input_sample_rate: head.input_sample_rate,
                    output_gain: head.output_gain,
                    channel_mapping: head
                        .mapping
                        .map(
                            |(family, stream_count, coupled_count, channel_mapping)| mp4_atom::OpusChannelMapping {
                                family,
                                stream_count,
                                coupled_count,
                                channel_mapping,
                            },
                        ),
                },
                btrt: None,
            }
            .into()
        }
        _ => {
            return Err(Error::new(
                ErrorCode::UnsupportedCodec,
                format!("cannot write {} samples into an MP4 file", config.codec),
            ))
        }
    };
    Ok(entry)
}

/// A configuration record stored as a box body (what WebCodecs takes as `description`).
fn decode<T: Atom>(body: &[u8], name: &str) -> Result<T> {
    T::decode_body(&mut &body[..])
        .map_err(|e| Error::new(ErrorCode::MalformedInput, format!("unreadable {name} record: {e}")))
}

fn visual(config: &CodecConfig) -> Result<Visual> {
    let size = |pixels: u32| {
        u16::try_from(pixels).map_err(|_| {
            Error::new(
                ErrorCode::Unsupported,
                format!("picture too large for MP4: {pixels} pixels"),
            )
        })
    };
    Ok(Visual {
        width: size(config.width)?,
        height: size(config.height)?,
        ..Default::default()
    })
}

fn audio(config: &CodecConfig) -> Result<Audio> {
    let channels = u16::try_from(config.channels)
        .map_err(|_| Error::new(ErrorCode::Unsupported, format!("{} audio channels", config.channels)))?;
    // The sample entry's rate is 16.16 fixed point: rates above 65535 Hz are written as 0 and read from
    // the codec's own configuration, as ISO/IEC 14496-12 allows.
    let rate = u16::try_from(config.sample_rate).unwrap_or(0);
    Ok(Audio {
        data_reference_index: 1,
        channel_count: channels,
        sample_size: 16,
        sample_rate: rate.into(),
    })
}

/// An `mp4a` entry; `specific` is the decoder-specific info (AAC's AudioSpecificConfig), kept verbatim.
fn mp4a(config: &CodecConfig, object_type: u8, specific: Option<&[u8]>) -> Result<Codec> {
    let dec_specific = specific
        .map(|raw| mp4_atom::esds::DecoderSpecific::decode(&mut &raw[..]))
        .transpose()
        .map_err(|e| {
            Error::new(
                ErrorCode::MalformedInput,
                format!("unreadable AudioSpecificConfig: {e}"),
            )
        })?;
    Ok(Mp4a {
        audio: audio(config)?,
        esds: Esds {
            es_desc: mp4_atom::esds::EsDescriptor {
                es_id: 1,
                dec_config: mp4_atom::esds::DecoderConfig {
                    object_type_indication: object_type,
                    stream_type: STREAM_TYPE_AUDIO,
                    dec_specific,
                    ..Default::default()
                },
                ..Default::default()
            },
        },
        btrt: None,
        taic: None,
    }
    .into())
}
