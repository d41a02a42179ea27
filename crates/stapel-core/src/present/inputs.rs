//! What someone hands a verifier: presentation files (JSON), images of QR codes (PNG, JPEG),
//! or the texts of scanned codes (one a line), in any mix and order. The codes of all inputs
//! are pooled into one presentation, since its parts may come in several images.

use serde_json::Value;

use super::{PresentError, qr};

/// Reads each `(name, bytes)` input and returns the presentations they hold, each with the
/// name(s) of where it came from: every JSON file is one; the codes of all images and code
/// texts together are one more. An input that is none of these is an error naming it.
pub fn read_inputs(inputs: &[(String, Vec<u8>)]) -> Result<Vec<(String, Value)>, PresentError> {
    let mut presentations = Vec::new();
    let mut codes = Vec::new();
    let mut code_sources = Vec::new();
    for (name, bytes) in inputs {
        let is_image = bytes.starts_with(b"\x89PNG\r\n\x1a\n") || bytes.starts_with(&[0xFF, 0xD8, 0xFF]);
        if is_image {
            let found =
                qr::read_image(bytes).map_err(|e| PresentError::Input { name: name.clone(), reason: e.to_string() })?;
            codes.extend(found);
            code_sources.push(name.clone());
            continue;
        }
        let text = String::from_utf8_lossy(bytes);
        let trimmed = text.trim().trim_start_matches('\u{feff}');
        if trimmed.starts_with("SVP") {
            codes.extend(trimmed.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_string));
            code_sources.push(name.clone());
            continue;
        }
        let vp: Value = serde_json::from_str(trimmed).map_err(|e| PresentError::Input {
            name: name.clone(),
            reason: format!("neither a presentation (JSON: {e}) nor a QR image (PNG, JPEG) nor the text of QR codes"),
        })?;
        presentations.push((name.clone(), vp));
    }
    if !codes.is_empty() {
        let joined = code_sources.join(", ");
        let vp = qr::decode(&codes).map_err(|e| PresentError::Input { name: joined, reason: e.to_string() })?;
        presentations.push((code_sources.join(" + "), vp));
    }
    if presentations.is_empty() {
        return Err(PresentError::NotAPresentation("nothing was given to check".into()));
    }
    Ok(presentations)
}
