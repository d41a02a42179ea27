//! Presentations as QR codes: the compact payload format (docs/qr.md), splitting it into
//! numbered parts when it does not fit one code, drawing codes as PNG or SVG (`qrcode`),
//! reading them back from PNG or JPEG images and camera frames (`rxing`, ZXing's decoder, with
//! `image`), and telling a camera scan how many parts it has read ([`scan`]).
//!
//! Payload, version 1: the presentation as compact JSON, compressed with raw DEFLATE
//! (`flate2`, best compression), written in Base45 (RFC 9285, the `base45` crate), whose 45
//! characters are exactly the QR alphanumeric alphabet (5.5 bits a character instead of 8).
//! One code: `SVP1:` + Base45. Several: `SVP1/<index>/<count>/<ID>:` + Base45 of one slice of
//! the compressed bytes, where `<ID>` is the first 4 bytes of the SHA-256 of all compressed
//! bytes in upper-case hex; parts can be read in any order, and a missing, foreign or repeated
//! part is named.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use qrcode::{EcLevel, QrCode};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::PresentError;

/// The prefix of every Stapel presentation code, format version 1.
pub const PREFIX: &str = "SVP1";
/// The largest slice of compressed bytes one part carries when the payload is split: about a
/// version 27 code at level M (1,800 alphanumeric characters), which phone cameras still read
/// from a screen.
pub const MAX_PART_BYTES: usize = 1200;
/// The largest code a presentation is put in whole: version 33 at level M (149 modules). Every
/// single Open Badges 3.0 badge measured fits (versions 20 to 32, docs/qr.md), with one version
/// to spare: the largest, a badge with a signed endorsement inside, sits at the top of version 32
/// and its random parts (the holder's key, the proof, the presentation's id) deflate a few bytes
/// larger one time in thirty. Anything larger is split into parts of about version 27, which a
/// phone reads from a screen more surely than one version 39 or 40 code.
pub const MAX_SINGLE_VERSION: i16 = 33;
/// At most this many parts.
pub const MAX_PARTS: usize = 99;
/// A decompressed presentation larger than this is refused (a compression bomb).
pub const MAX_JSON_BYTES: u64 = 4 * 1024 * 1024;

/// What encoding a presentation as QR codes gave: the texts of the codes and the sizes on the
/// way, for reports and benchmarks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Encoded {
    /// The text of each code, in part order.
    pub parts: Vec<String>,
    /// The presentation as compact JSON.
    pub json_bytes: usize,
    /// After DEFLATE.
    pub compressed_bytes: usize,
    /// The QR version (1–40) of each code at error correction level M.
    pub versions: Vec<i16>,
}

/// The QR version a text needs at level M, or `None` when it does not fit one code.
pub fn version_at_m(text: &str) -> Option<i16> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    match code.version() {
        qrcode::Version::Normal(v) => Some(v),
        qrcode::Version::Micro(_) => None,
    }
}

fn deflate(bytes: &[u8]) -> Result<Vec<u8>, PresentError> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    enc.write_all(bytes).and_then(|()| enc.finish()).map_err(|e| PresentError::Qr(format!("compression failed: {e}")))
}

fn inflate(bytes: &[u8]) -> Result<Vec<u8>, PresentError> {
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(bytes)
        .take(MAX_JSON_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|_| PresentError::Qr("the code's data is damaged (it does not decompress)".into()))?;
    if out.len() as u64 > MAX_JSON_BYTES {
        return Err(PresentError::Qr(format!("the code's data unpacks to more than {MAX_JSON_BYTES} bytes")));
    }
    Ok(out)
}

fn whole_id(compressed: &[u8]) -> String {
    hex::encode_upper(&Sha256::digest(compressed)[..4])
}

/// Encodes a presentation as the texts of one or more QR codes.
pub fn encode(vp: &Value) -> Result<Encoded, PresentError> {
    let json =
        serde_json::to_vec(vp).map_err(|e| PresentError::Qr(format!("the presentation cannot be written: {e}")))?;
    let compressed = deflate(&json)?;
    let single = format!("{PREFIX}:{}", base45::encode(&compressed));
    if let Some(v) = version_at_m(&single).filter(|v| *v <= MAX_SINGLE_VERSION) {
        return Ok(Encoded {
            parts: vec![single],
            json_bytes: json.len(),
            compressed_bytes: compressed.len(),
            versions: vec![v],
        });
    }
    let count = compressed.len().div_ceil(MAX_PART_BYTES);
    if count > MAX_PARTS {
        return Err(PresentError::Qr(format!(
            "the presentation needs {count} codes, more than {MAX_PARTS}: choose fewer credentials"
        )));
    }
    let id = whole_id(&compressed);
    let size = compressed.len().div_ceil(count);
    let mut parts = Vec::with_capacity(count);
    let mut versions = Vec::with_capacity(count);
    for (i, slice) in compressed.chunks(size).enumerate() {
        let text = format!("{PREFIX}/{}/{count}/{id}:{}", i + 1, base45::encode(slice));
        let v = version_at_m(&text).ok_or_else(|| PresentError::Qr("a part does not fit one code".into()))?;
        parts.push(text);
        versions.push(v);
    }
    Ok(Encoded { parts, json_bytes: json.len(), compressed_bytes: compressed.len(), versions })
}

/// One code's text, read.
enum Piece {
    Whole(Vec<u8>),
    Part { index: usize, count: usize, id: String, bytes: Vec<u8> },
}

fn parse_piece(text: &str) -> Result<Piece, PresentError> {
    let text = text.trim();
    let Some((head, data)) = text.split_once(':') else {
        return Err(PresentError::Qr("a code does not hold a Stapel presentation (no SVP1 prefix)".into()));
    };
    let bytes = |data: &str| {
        base45::decode(data).map_err(|_| PresentError::Qr("a code's data is damaged (it is not Base45)".into()))
    };
    if head == PREFIX {
        return Ok(Piece::Whole(bytes(data)?));
    }
    let fields: Vec<&str> = head.split('/').collect();
    match fields.as_slice() {
        [prefix, index, count, id] if *prefix == PREFIX => {
            let num = |s: &str| s.parse::<usize>().ok().filter(|n| (1..=MAX_PARTS).contains(n));
            let (Some(index), Some(count)) = (num(index), num(count)) else {
                return Err(PresentError::Qr(format!("a part is numbered {index} of {count}, which makes no sense")));
            };
            if index > count || id.len() != 8 {
                return Err(PresentError::Qr(format!("a part is numbered {index} of {count}, which makes no sense")));
            }
            Ok(Piece::Part { index, count, id: (*id).to_string(), bytes: bytes(data)? })
        }
        _ if head.starts_with("SVP") => Err(PresentError::Qr(format!(
            "a code holds a Stapel presentation of another format version ({head}); this Stapel reads {PREFIX}"
        ))),
        _ => Err(PresentError::Qr("a code does not hold a Stapel presentation (no SVP1 prefix)".into())),
    }
}

/// The codes read so far, sorted into one presentation: a whole code, or numbered parts of
/// one set. Texts that are no Stapel code at all are counted apart, so a camera that also
/// sees another QR code (a poster, a web address) can go on looking.
struct Gathered {
    whole: Option<Vec<u8>>,
    set: Option<(usize, String)>,
    parts: BTreeMap<usize, Vec<u8>>,
    /// The texts that belong to the presentation, first reading of each.
    codes: Vec<String>,
    /// How many texts were no Stapel code (only counted when `foreign_allowed`).
    foreign: usize,
}

fn gather(texts: &[String], foreign_allowed: bool) -> Result<Gathered, PresentError> {
    let mut g = Gathered { whole: None, set: None, parts: BTreeMap::new(), codes: Vec::new(), foreign: 0 };
    for text in texts {
        let piece = match parse_piece(text) {
            Ok(piece) => piece,
            Err(_) if foreign_allowed && !text.trim().starts_with("SVP") => {
                g.foreign += 1;
                continue;
            }
            Err(e) => return Err(e),
        };
        match piece {
            Piece::Whole(bytes) => {
                // The same code read twice (two photos of one screen) counts once.
                if g.whole.as_ref().is_some_and(|w| *w != bytes) || g.set.is_some() {
                    return Err(PresentError::Qr("the codes hold more than one presentation".into()));
                }
                if g.whole.is_none() {
                    g.codes.push(text.trim().to_string());
                }
                g.whole = Some(bytes);
            }
            Piece::Part { index, count, id, bytes } => {
                if g.whole.is_some() {
                    return Err(PresentError::Qr("the codes hold more than one presentation".into()));
                }
                match &g.set {
                    None => g.set = Some((count, id)),
                    Some((c, i)) if *c == count && *i == id => {}
                    Some((_, i)) => {
                        return Err(PresentError::Qr(format!(
                            "the parts belong to different presentations ({i} and {id})"
                        )));
                    }
                }
                // A part read twice (two photos of one screen) is kept once; the id check
                // in `decode` catches a damaged one.
                if g.parts.insert(index, bytes).is_none() {
                    g.codes.push(text.trim().to_string());
                }
            }
        }
    }
    Ok(g)
}

/// Puts the texts of codes (one whole code, or all parts of one presentation in any order)
/// back together into the presentation.
pub fn decode(texts: &[String]) -> Result<Value, PresentError> {
    if texts.is_empty() {
        return Err(PresentError::Qr("no QR code was found".into()));
    }
    let Gathered { whole, set, parts, .. } = gather(texts, false)?;
    let compressed = match (whole, set) {
        (Some(bytes), _) => bytes,
        (None, Some((count, id))) => {
            let missing: Vec<String> = (1..=count).filter(|i| !parts.contains_key(i)).map(|i| i.to_string()).collect();
            if !missing.is_empty() {
                return Err(PresentError::Qr(format!(
                    "part {} of {count} of presentation {id} is missing: scan every part",
                    missing.join(", ")
                )));
            }
            let bytes: Vec<u8> = parts.into_values().flatten().collect();
            if whole_id(&bytes) != id {
                return Err(PresentError::Qr(format!(
                    "the parts of presentation {id} do not fit together: one is damaged"
                )));
            }
            bytes
        }
        (None, None) => return Err(PresentError::Qr("no QR code was found".into())),
    };
    let json = inflate(&compressed)?;
    serde_json::from_slice(&json).map_err(|e| PresentError::Qr(format!("the code's data is not a presentation: {e}")))
}

/// How far the codes a camera has read so far go towards one presentation.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Scan {
    /// How many codes the presentation has: 1 for a whole code, 0 while none is read.
    pub count: usize,
    /// The part numbers read, ascending (`[1]` for a whole code).
    pub read: Vec<usize>,
    /// The texts that belong to the presentation, each once: what [`decode`] is given.
    pub codes: Vec<String>,
    /// How many texts were QR codes of something else, and were left out.
    pub foreign: usize,
}

impl Scan {
    /// Every code of the presentation has been read.
    pub fn complete(&self) -> bool {
        self.count > 0 && self.read.len() == self.count
    }
}

/// Sorts the texts a camera read (in any order, repeats and other QR codes among them) into
/// the parts of one presentation read so far. A Stapel code of another format version, or
/// parts of two presentations, is an error naming it: the scan should start over.
pub fn scan(texts: &[String]) -> Result<Scan, PresentError> {
    let g = gather(texts, true)?;
    let (count, read) = match (&g.whole, &g.set) {
        (Some(_), _) => (1, vec![1]),
        (None, Some((count, _))) => (*count, g.parts.keys().copied().collect()),
        (None, None) => (0, Vec::new()),
    };
    Ok(Scan { count, read, codes: g.codes, foreign: g.foreign })
}

fn code(text: &str) -> Result<QrCode, PresentError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| PresentError::Qr(format!("the text does not fit one QR code: {e}")))
}

/// One code as a PNG image (4 pixels a module, with the quiet zone).
pub fn png(text: &str) -> Result<Vec<u8>, PresentError> {
    let img = code(text)?.render::<image::Luma<u8>>().module_dimensions(4, 4).quiet_zone(true).build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| PresentError::Qr(format!("the PNG could not be made: {e}")))?;
    Ok(out.into_inner())
}

/// One code as an SVG image.
pub fn svg(text: &str) -> Result<String, PresentError> {
    Ok(code(text)?.render::<qrcode::render::svg::Color<'_>>().min_dimensions(256, 256).quiet_zone(true).build())
}

/// The texts of the QR codes in a grey image (`width × height` values, a row at a time), each
/// text once, in the order found. None found is an empty list.
fn read_grey(width: u32, height: u32, luma: Vec<u8>) -> Result<Vec<String>, PresentError> {
    let mut hints =
        rxing::DecodeHints::default().with(rxing::DecodeHintValue::PossibleFormats(std::collections::HashSet::from([
            rxing::BarcodeFormat::QR_CODE,
        ])));
    match rxing::helpers::detect_multiple_in_luma_with_hints(luma, width, height, &mut hints) {
        Ok(found) => {
            let mut out: Vec<String> = Vec::with_capacity(found.len());
            for text in found.into_iter().map(|r| r.getText().to_string()) {
                if !out.contains(&text) {
                    out.push(text);
                }
            }
            Ok(out)
        }
        Err(rxing::Exceptions::NotFoundException(_)) => Ok(Vec::new()),
        Err(e) => Err(PresentError::Qr(format!("the image could not be searched for QR codes: {e}"))),
    }
}

/// The texts of every QR code found in a PNG or JPEG image.
pub fn read_image(bytes: &[u8]) -> Result<Vec<String>, PresentError> {
    let img = image::load_from_memory(bytes).map_err(|e| PresentError::Qr(format!("the image cannot be read: {e}")))?;
    let grey = img.to_luma8();
    let out = read_grey(grey.width(), grey.height(), grey.into_raw())?;
    if out.is_empty() {
        return Err(PresentError::Qr("no readable QR code was found in the image".into()));
    }
    Ok(out)
}

/// The largest camera frame [`read_frame`] takes, in pixels a side.
pub const MAX_FRAME_SIDE: u32 = 4096;

/// The texts of the QR codes in one camera frame: `pixels` are `width × height` grey values,
/// a row at a time. A frame without a readable code gives no texts (the camera looks on); a
/// frame whose size does not match its pixels is an error.
pub fn read_frame(width: u32, height: u32, pixels: Vec<u8>) -> Result<Vec<String>, PresentError> {
    if width == 0 || height == 0 || width > MAX_FRAME_SIDE || height > MAX_FRAME_SIDE {
        return Err(PresentError::Qr(format!(
            "a camera frame of {width}×{height} pixels cannot be read (1 to {MAX_FRAME_SIDE} a side)"
        )));
    }
    let got = pixels.len();
    if got as u64 != u64::from(width) * u64::from(height) {
        return Err(PresentError::Qr(format!("a camera frame of {width}×{height} pixels came with {got} values")));
    }
    read_grey(width, height, pixels)
}

/// `NAME.png` → `NAME-2of3.png`: where part `i` of `n` is written (one code keeps the name).
pub fn part_path(path: &Path, i: usize, n: usize) -> PathBuf {
    if n == 1 {
        return path.to_path_buf();
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let ext = path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default();
    path.with_file_name(format!("{stem}-{i}of{n}{ext}"))
}

/// Writes one image per code text, PNG or SVG by `path`'s extension; several parts go to
/// `NAME-1of3.png`, `NAME-2of3.png`, ... Returns the files written. Nothing is written when
/// the extension is neither, or when a code cannot be drawn.
pub fn write_files(path: &Path, texts: &[String]) -> Result<Vec<PathBuf>, PresentError> {
    let svg_file = match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("svg") => true,
        Some("png") => false,
        _ => return Err(PresentError::QrFileType(path.display().to_string())),
    };
    let images = texts
        .iter()
        .map(|text| Ok(if svg_file { svg(text)?.into_bytes() } else { png(text)? }))
        .collect::<Result<Vec<_>, PresentError>>()?;
    let mut written = Vec::new();
    for (i, bytes) in images.iter().enumerate() {
        let file = part_path(path, i + 1, texts.len());
        std::fs::write(&file, bytes)
            .map_err(|e| PresentError::Write { path: file.display().to_string(), reason: e.to_string() })?;
        written.push(file);
    }
    Ok(written)
}
