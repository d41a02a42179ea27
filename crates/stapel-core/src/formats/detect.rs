//! Detection and unwrapping: from the bytes of a file to the JSON of a credential. Knows the
//! wrappings (a badge baked into a PNG `iTXt`/`tEXt`/`zTXt` chunk or an SVG
//! `openbadges:assertion` / `openbadges:credential` element, a compact JWS, bare JSON), the
//! size cap, and how far references are followed.

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::Value;

use super::util::{Obj, has_type};
use super::{Format, FormatError, Parsed, RelatedDocument, Wrapping, ob2, vc};
use crate::net::{Fetched, Fetcher};

/// The largest file accepted as one credential (20 MiB). Baked badge images are well under
/// 1 MiB and the largest CLR transcripts a few MiB; anything bigger is not a credential file.
pub const MAX_INPUT_BYTES: usize = 20 * 1024 * 1024;

/// How many documents one [`read`] may fetch: a baked image's URL, the assertion's badge
/// class, the badge class's issuer, with one to spare.
pub(crate) const MAX_FETCHES: usize = 4;

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// The PNG text-chunk keywords of Open Badges 2.0 and 3.0 baking.
const PNG_KEYWORDS: &[&str] = &["openbadges", "openbadgecredential"];
const OPENBADGES_NS: &str = "http://openbadges.org";

/// Reading state shared across one [`read`]: the fetcher and how many fetches are left.
pub(crate) struct Ctx<'a> {
    fetcher: &'a dyn Fetcher,
    fetches: usize,
}

impl Ctx<'_> {
    pub(crate) fn fetch(&mut self, url: &str, what: &'static str) -> Result<Fetched, FormatError> {
        if self.fetches >= MAX_FETCHES {
            return Err(FormatError::TooManyHops(MAX_FETCHES));
        }
        self.fetches += 1;
        let fetched = self.fetcher.fetch(url).map_err(|source| FormatError::Fetch { what, source })?;
        if fetched.body.len() > MAX_INPUT_BYTES {
            return Err(FormatError::BadReference {
                what,
                url: url.to_string(),
                source: Box::new(FormatError::TooLarge { size: fetched.body.len(), limit: MAX_INPUT_BYTES }),
            });
        }
        Ok(fetched)
    }
}

/// Detects the format of `bytes`, unwraps it and reads it into a [`Parsed`]. References are
/// followed through `fetcher` (a baked image holding a URL; an OB2 assertion whose `badge`, or
/// whose badge class's `issuer`, is a URL), at most [`MAX_FETCHES`] documents in all.
/// Signatures are not checked here: that is the verifier's job.
pub fn read(bytes: &[u8], fetcher: &dyn Fetcher) -> Result<Parsed, FormatError> {
    let mut ctx = Ctx { fetcher, fetches: 0 };
    read_bytes(bytes, &mut ctx)
}

/// What is baked into a badge image, as text (JSON, a compact JWS, or the URL of a hosted
/// assertion): `Ok(None)` when the bytes are neither a PNG nor an SVG image. For the verifier,
/// which must check a signed badge in the very form it was signed in.
pub fn baked_payload(bytes: &[u8]) -> Result<Option<String>, FormatError> {
    if bytes.starts_with(PNG_SIGNATURE) {
        return png_badge(bytes).map(Some);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let Ok(text) = std::str::from_utf8(bytes) else { return Ok(None) };
    let t = text.trim();
    if t.starts_with('<') && !looks_like_html(t) && head(t, 4096).to_ascii_lowercase().contains("<svg") {
        return svg_badge(t).map(Some);
    }
    Ok(None)
}

pub(crate) fn read_bytes(bytes: &[u8], ctx: &mut Ctx<'_>) -> Result<Parsed, FormatError> {
    if bytes.is_empty() {
        return Err(FormatError::Empty);
    }
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(FormatError::TooLarge { size: bytes.len(), limit: MAX_INPUT_BYTES });
    }
    if bytes.starts_with(PNG_SIGNATURE) {
        let payload = png_badge(bytes)?;
        let mut parsed =
            read_baked(&payload, ctx).map_err(|e| FormatError::Baked { image: "PNG", source: Box::new(e) })?;
        parsed.wrapping = Wrapping::BakedPng;
        return Ok(parsed);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| FormatError::NotText { at: e.valid_up_to() })?;
    let t = text.trim();
    if t.is_empty() {
        return Err(FormatError::Empty);
    }
    if t.starts_with('{') || t.starts_with('[') {
        let value = parse_json(t.as_bytes())?;
        return read_json(value, ctx);
    }
    if t.starts_with('<') {
        if looks_like_html(t) {
            return Err(FormatError::Html);
        }
        if !head(t, 4096).to_ascii_lowercase().contains("<svg") {
            return Err(FormatError::NotACredential("an XML document that is not an SVG image".into()));
        }
        let payload = svg_badge(t)?;
        let mut parsed =
            read_baked(&payload, ctx).map_err(|e| FormatError::Baked { image: "SVG", source: Box::new(e) })?;
        parsed.wrapping = Wrapping::BakedSvg;
        return Ok(parsed);
    }
    if looks_like_jws(t) {
        return read_jws(t, ctx);
    }
    if t.starts_with("https://") || t.starts_with("http://") {
        return Err(FormatError::NotACredential(
            "a web address, not a badge: import it by URL instead of as a file".into(),
        ));
    }
    Err(FormatError::NotACredential("the file is not JSON, a JWT, or a PNG or SVG image".into()))
}

fn head(s: &str, n: usize) -> &str {
    let mut end = n.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn looks_like_html(t: &str) -> bool {
    let h = head(t, 2048).to_ascii_lowercase();
    h.contains("<!doctype html") || h.contains("<html") || h.contains("<head>") || h.contains("<body")
}

/// Three dot-separated segments, no white space, starting like a base64url JSON header.
fn looks_like_jws(t: &str) -> bool {
    !t.contains(char::is_whitespace) && t.split('.').count() == 3 && (t.starts_with("ey") || t.starts_with("ew"))
}

/// Parses JSON text with errors in plain words (cut off, nested too deep, malformed where).
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, FormatError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let (line, column) = (e.line(), e.column());
        let message = e.to_string();
        if message.contains("recursion limit exceeded") {
            FormatError::TooDeep
        } else if e.classify() == serde_json::error::Category::Eof {
            FormatError::TruncatedJson { line, column }
        } else {
            let reason = message.split(" at line ").next().unwrap_or(&message).to_string();
            FormatError::BadJson { line, column, reason }
        }
    })
}

/// Reads a JSON value: a Verifiable Credential, an OB 0.5–2.0 assertion, or a stub pointing
/// at the hosted assertion (`{"verify": {"url": ...}}`, as old bakers wrote).
pub(crate) fn read_json(value: Value, ctx: &mut Ctx<'_>) -> Result<Parsed, FormatError> {
    let Value::Object(o) = value else {
        let what = match value {
            Value::Array(_) => "a JSON list, not a single credential",
            _ => "a bare JSON value, not a credential",
        };
        return Err(FormatError::NotACredential(what.into()));
    };
    if vc::is_vc(&o) {
        return vc::read(Value::Object(o), None, Format::VcJsonLd, ctx);
    }
    if ob2::is_assertion(&o) {
        return ob2::read(Value::Object(o), Format::Ob2Hosted, ctx);
    }
    if let Some(url) = stub_url(&o) {
        return follow(&url, ctx);
    }
    Err(FormatError::NotACredential(describe(&o)))
}

/// The hosted URL of a stub that holds nothing but a pointer to the assertion.
fn stub_url(o: &Obj) -> Option<String> {
    if o.contains_key("badge") || o.contains_key("credentialSubject") {
        return None;
    }
    ["verify", "verification"]
        .iter()
        .filter_map(|k| o.get(*k)?.as_object())
        .find_map(|v| super::util::get_str(v, "url"))
}

/// Fetches the assertion a baked image or stub points at and reads it.
fn follow(url: &str, ctx: &mut Ctx<'_>) -> Result<Parsed, FormatError> {
    let fetched = ctx.fetch(url, "badge assertion")?;
    let mut parsed = read_bytes(&fetched.body, ctx).map_err(|e| FormatError::BadReference {
        what: "badge assertion",
        url: url.to_string(),
        source: Box::new(e),
    })?;
    parsed.related.insert(
        0,
        RelatedDocument {
            role: "assertion".into(),
            url: Some(fetched.final_url),
            media_type: fetched.content_type,
            bytes: fetched.body,
            fetched: true,
        },
    );
    Ok(parsed)
}

/// Why a JSON object is not a credential, in words.
fn describe(o: &Obj) -> String {
    let d = if has_type(o, "BadgeClass") {
        "an Open Badges badge class (the description of a badge), not a badge awarded to someone"
    } else if has_type(o, "Issuer") || has_type(o, "Profile") {
        "an issuer profile, not a badge"
    } else if has_type(o, "CryptographicKey") || o.contains_key("publicKeyPem") {
        "a public key, not a badge"
    } else if has_type(o, "RevocationList") {
        "an Open Badges revocation list, not a badge"
    } else if has_type(o, "Endorsement") {
        "an Open Badges 2.0 endorsement (a third party's comment on a badge, issuer or assertion), not a badge awarded to a learner"
    } else if has_type(o, "VerifiablePresentation") {
        "a verifiable presentation (a bundle shown to someone), not a single credential"
    } else if o.contains_key("credential_issuer") || o.contains_key("credential_offer") || o.contains_key("grants") {
        "an OpenID4VCI credential offer or issuer metadata: claim the credential from the issuer instead"
    } else if o.contains_key("cryptosuite") || o.contains_key("proofValue") || o.contains_key("proofPurpose") {
        "a proof (the settings of a signature), not a credential"
    } else if o.contains_key("credential") && o.contains_key("mandatoryPointers") {
        "a test input wrapping a credential (with selective-disclosure pointers), not a credential file"
    } else if o.contains_key("criteria") && o.contains_key("issuer") && o.contains_key("name") {
        "an Open Badges badge class (the description of a badge), not a badge awarded to someone"
    } else if o.contains_key("verificationMethod")
        || o.contains_key("assertionMethod")
        || super::util::get_str(o, "id").is_some_and(|id| id.starts_with("did:"))
    {
        "a DID document (an issuer's keys), not a credential"
    } else if o.get("@context").is_some_and(Value::is_object) {
        "a JSON-LD context document, not a credential"
    } else {
        "JSON that is neither an Open Badge nor a Verifiable Credential"
    };
    d.to_string()
}

/// Reads what was baked into an image: JSON, a compact JWS, or a URL to fetch.
fn read_baked(payload: &str, ctx: &mut Ctx<'_>) -> Result<Parsed, FormatError> {
    let t = payload.trim();
    if t.starts_with('{') {
        let value = parse_json(t.as_bytes())?;
        return read_json(value, ctx);
    }
    if looks_like_jws(t) {
        return read_jws(t, ctx);
    }
    if t.starts_with("https://") || t.starts_with("http://") {
        return follow(t, ctx);
    }
    Err(FormatError::NotACredential("the image holds neither JSON, a JWT nor a web address".into()))
}

fn b64(segment: &str, part: &str) -> Result<Vec<u8>, FormatError> {
    const ENGINE: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    ENGINE.decode(segment).map_err(|e| FormatError::BadJwt(format!("its {part} is not valid base64url ({e})")))
}

/// Decodes a compact JWS (no signature check) and reads its payload: a `vc` claim (VC-JWT,
/// VCDM 1.1), a credential as the payload itself (VCDM 2.0 JOSE), or an OB2 assertion.
pub(crate) fn read_jws(token: &str, ctx: &mut Ctx<'_>) -> Result<Parsed, FormatError> {
    let parts: Vec<&str> = token.trim().split('.').collect();
    if parts.len() != 3 {
        return Err(FormatError::BadJwt(format!("it has {} parts separated by dots, not 3", parts.len())));
    }
    let header = b64(parts[0], "header")?;
    let payload = b64(parts[1], "payload")?;
    b64(parts[2], "signature")?;
    match serde_json::from_slice::<Value>(&header) {
        Ok(Value::Object(h)) if h.contains_key("alg") => {}
        _ => return Err(FormatError::BadJwt("its header is not a JSON object naming an algorithm".into())),
    }
    let claims = match parse_json(&payload) {
        Ok(Value::Object(o)) => o,
        Ok(_) => return Err(FormatError::BadJwt("its payload is not a JSON object".into())),
        Err(e) => return Err(FormatError::BadJwt(format!("its payload is not JSON: {e}"))),
    };
    if let Some(vc_claim) = claims.get("vc").filter(|v| v.is_object()).cloned() {
        return vc::read(vc_claim, Some(&claims), Format::VcJwt, ctx);
    }
    if vc::is_vc(&claims) {
        let doc = Value::Object(claims);
        return vc::read(doc, None, Format::VcJose, ctx);
    }
    if ob2::is_assertion(&claims) {
        return ob2::read(Value::Object(claims), Format::Ob2Signed, ctx);
    }
    Err(FormatError::NotACredential(
        "a JWT that holds neither a Verifiable Credential nor an Open Badges assertion".into(),
    ))
}

/// The text of the Open Badges chunk of a PNG. Every chunk's CRC is checked by the decoder.
fn png_badge(bytes: &[u8]) -> Result<String, FormatError> {
    let plain = |e: png::DecodingError| {
        let text = e.to_string();
        let lower = text.to_ascii_lowercase();
        FormatError::BadPng(if lower.contains("crc") || lower.contains("checksum") {
            "a chunk is damaged (its checksum does not match): the file was corrupted".into()
        } else if matches!(&e, png::DecodingError::IoError(io) if io.kind() == std::io::ErrorKind::UnexpectedEof)
            || lower.contains("eof")
            || lower.contains("end of")
        {
            "the file ends too early, as if it were cut off".into()
        } else if matches!(e, png::DecodingError::LimitsExceeded) {
            "the image is too large to read".into()
        } else {
            text
        })
    };
    // By default the decoder silently drops an ancillary chunk whose CRC fails, which would
    // turn a damaged badge chunk into "no badge": refuse the file instead.
    let mut options = png::DecodeOptions::default();
    options.set_skip_ancillary_crc_failures(false);
    let decoder = png::Decoder::new_with_options(std::io::Cursor::new(bytes), options);
    let mut reader = decoder.read_info().map_err(plain)?;
    reader.finish().map_err(plain)?;
    let info = reader.info();
    let wanted = |k: &str| PNG_KEYWORDS.contains(&k);
    if let Some(c) = info.utf8_text.iter().find(|c| wanted(&c.keyword)) {
        return c.get_text().map_err(plain);
    }
    if let Some(c) = info.uncompressed_latin1_text.iter().find(|c| wanted(&c.keyword)) {
        return Ok(c.text.clone());
    }
    if let Some(c) = info.compressed_latin1_text.iter().find(|c| wanted(&c.keyword)) {
        return c.get_text().map_err(plain);
    }
    Err(FormatError::NotACredential("the PNG image has no badge baked into it (no openbadges chunk)".into()))
}

/// The badge in an SVG: the content (text and CDATA) of the first `openbadges:assertion` or
/// `openbadges:credential` element, or, when that is empty, its `verify` attribute.
///
/// The reader streams and stops at the end of that element. It never expands entities beyond
/// the five XML predefined ones and character references, and never fetches anything: an
/// entity reference inside the badge is an error (it is how external-entity and
/// billion-laughs attacks are built), and a DTD elsewhere in the file is ignored.
fn svg_badge(text: &str) -> Result<String, FormatError> {
    use quick_xml::events::Event;
    use quick_xml::name::ResolveResult;
    let bad = |e: &dyn std::fmt::Display| FormatError::BadSvg(format!("it is not well-formed XML ({e})"));
    let entity_refused = |name: &str| {
        FormatError::BadSvg(format!(
            "it uses the XML entity `&{name};` in its badge; badge images must not use entities, which can hide attacks"
        ))
    };
    let mut reader = quick_xml::reader::NsReader::from_str(text);
    let mut seen_root = false;
    let mut inside = false;
    let mut depth = 0usize;
    let mut content = String::new();
    let mut verify: Option<String> = None;
    loop {
        let (ns, event) = reader.read_resolved_event().map_err(|e| bad(&e))?;
        let self_closing = matches!(event, Event::Empty(_));
        match event {
            Event::Start(ref e) | Event::Empty(ref e) if !inside => {
                let local = e.local_name();
                let local: &str = local.as_ref();
                if !seen_root {
                    seen_root = true;
                    if local != "svg" {
                        return Err(FormatError::BadSvg("it is XML but its root element is not <svg>".into()));
                    }
                }
                let in_ns = matches!(&ns, ResolveResult::Bound(n) if n.as_ref() == OPENBADGES_NS)
                    || e.name().as_ref().starts_with("openbadges:");
                if in_ns && (local == "assertion" || local == "credential") {
                    for attr in e.attributes() {
                        let attr = attr.map_err(|e| bad(&e))?;
                        let key = attr.key.local_name();
                        let key: &str = key.as_ref();
                        if key == "verify" {
                            let value = attr
                                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .map_err(|_| entity_refused("…"))?;
                            verify = Some(value.trim().to_string());
                        }
                    }
                    // An empty element (`<openbadges:assertion verify="..."/>`) ends here.
                    if self_closing {
                        break;
                    }
                    inside = true;
                }
            }
            Event::Start(_) if inside => depth += 1,
            Event::End(_) if inside => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            Event::Text(t) if inside => content.push_str(&t.xml10_content()),
            Event::CData(c) if inside => content.push_str(&c.xml10_content()),
            Event::GeneralRef(r) if inside => {
                if let Ok(Some(ch)) = r.resolve_char_ref() {
                    content.push(ch);
                } else {
                    let name: &str = &r;
                    match name {
                        "amp" => content.push('&'),
                        "lt" => content.push('<'),
                        "gt" => content.push('>'),
                        "quot" => content.push('"'),
                        "apos" => content.push('\''),
                        other => return Err(entity_refused(other)),
                    }
                }
            }
            Event::Eof => {
                if !seen_root {
                    return Err(FormatError::BadSvg("it holds no SVG element".into()));
                }
                if inside {
                    return Err(FormatError::BadSvg("the file ends inside the badge element".into()));
                }
                return Err(FormatError::NotACredential(
                    "the SVG image has no badge baked into it (no openbadges:assertion or openbadges:credential element)"
                        .into(),
                ));
            }
            _ => {}
        }
    }
    let content = content.trim();
    if !content.is_empty() {
        return Ok(content.to_string());
    }
    match verify {
        Some(url) if !url.is_empty() => Ok(url),
        _ => {
            Err(FormatError::NotACredential("the SVG image's badge element is empty and has no verify address".into()))
        }
    }
}
