//! Text forms of vPDQ hashes, for files and for exchange with other tools.
//!
//! - **Reference lines**, as printed by Meta's `vpdq-hash-video` and stored in ThreatExchange's
//!   `vpdq/sample-hashes/`: one frame per line, `frame_number,quality,pdq_hex,timestamp` with the timestamp in
//!   seconds to 3 decimals (`0,100,e271...055c,0.000`).
//! - **python-threatexchange JSON** (the vPDQ signal type, `threatexchange/extensions/vpdq/vpdq_util.py`,
//!   `vpdq_to_json`/`json_to_vpdq`): a JSON array of strings, one per frame, each `pdq_hex,quality,timestamp`
//!   (a "compact feature": no frame number). The timestamp is Python's `f"{t:.3}"`, i.e. 3 *significant*
//!   digits in Python's shortest general format (`0.0`, `0.0333`, `12.3`, `1e+02`, `1.23e+02`): lossy past
//!   100 s, but it is what python-threatexchange writes and reads, so we write it byte for byte and read any
//!   float. Its reader rejects a hash that is not 64 hex digits, a quality outside 0..=100 and a negative
//!   timestamp; so do we. The older dict form (`{"0": {"quality", "hash": {"w": [...]}, "timestamp"}}`) is not
//!   supported.

use std::fmt::Write as _;

use super::FrameHash;
use crate::{Error, Result};

/// One frame in the reference line format, without a newline.
pub fn to_line(frame: &FrameHash) -> String {
    format!("{},{},{},{:.3}", frame.frame, frame.quality, frame.pdq, frame.timestamp)
}

/// All frames in the reference line format, one line each, each ending in a newline.
pub fn to_lines(frames: &[FrameHash]) -> String {
    let mut out = String::with_capacity(frames.len() * 80);
    for frame in frames {
        out.push_str(&to_line(frame));
        out.push('\n');
    }
    out
}

/// Parses one reference line `frame_number,quality,pdq_hex,timestamp`.
pub fn parse_line(line: &str) -> Result<FrameHash> {
    let fields: Vec<&str> = line.trim().split(',').collect();
    let [frame, quality, hex, timestamp] = fields.as_slice() else {
        return Err(invalid(format!("expected 4 comma-separated fields, got {}", fields.len())));
    };
    Ok(FrameHash {
        frame: frame.trim().parse().map_err(|_| invalid(format!("bad frame number {frame:?}")))?,
        quality: parse_quality(quality)?,
        pdq: hex.trim().parse()?,
        timestamp: parse_timestamp(timestamp)?,
    })
}

/// Parses reference lines, skipping blank ones.
pub fn parse_lines(text: &str) -> Result<Vec<FrameHash>> {
    text.lines().filter(|l| !l.trim().is_empty()).map(parse_line).collect()
}

/// The python-threatexchange vPDQ signal string (a JSON array of `pdq_hex,quality,timestamp` strings).
pub fn to_threatexchange_json(frames: &[FrameHash]) -> String {
    let features: Vec<String> =
        frames.iter().map(|f| format!("{},{},{}", f.pdq, f.quality, python_three_significant(f.timestamp))).collect();
    // Python's json.dumps separates items with ", ".
    let mut out = String::from("[");
    for (i, feature) in features.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        // The strings hold only hex digits, digits, '.', ',', 'e', '+' and '-': nothing to escape.
        let _ = write!(out, "\"{feature}\"");
    }
    out.push(']');
    out
}

/// Reads a python-threatexchange vPDQ signal string. The form carries no frame numbers: each frame gets its
/// position in the list as `frame`. An empty string is an empty list, as in python-threatexchange.
pub fn from_threatexchange_json(json: &str) -> Result<Vec<FrameHash>> {
    if json.trim().is_empty() {
        return Ok(Vec::new());
    }
    let features: Vec<String> =
        serde_json::from_str(json).map_err(|e| invalid(format!("not a JSON array of strings: {e}")))?;
    features
        .iter()
        .enumerate()
        .map(|(i, feature)| {
            let fields: Vec<&str> = feature.split(',').collect();
            let [hex, quality, timestamp] = fields.as_slice() else {
                return Err(invalid(format!("expected pdq_hex,quality,timestamp, got {feature:?}")));
            };
            if hex.len() != 64 {
                return Err(invalid(format!("malformed pdq hash {hex:?}")));
            }
            Ok(FrameHash {
                frame: i as u64,
                pdq: hex.parse()?,
                quality: parse_quality(quality)?,
                timestamp: parse_timestamp(timestamp)?,
            })
        })
        .collect()
}

fn parse_quality(text: &str) -> Result<u8> {
    text.trim().parse::<u8>().ok().filter(|q| *q <= 100).ok_or_else(|| invalid(format!("bad quality {text:?}")))
}

fn parse_timestamp(text: &str) -> Result<f64> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|t| t.is_finite() && *t >= 0.0)
        .ok_or_else(|| invalid(format!("bad timestamp {text:?}")))
}

fn invalid(reason: String) -> Error {
    Error::InvalidHash { kind: "vpdq", reason }
}

/// Python's `format(value, ".3")`: 3 significant digits; scientific notation when the decimal exponent is
/// below -4 or at least 2 (precision - 1); trailing zeros dropped, but a fixed-point number keeps one decimal.
fn python_three_significant(value: f64) -> String {
    if value == 0.0 {
        return "0.0".into();
    }
    if !value.is_finite() {
        return if value.is_nan() {
            "nan".into()
        } else if value > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    // Rust's `{:.2e}` rounds correctly to 3 significant digits, like Python, and tells the exponent after
    // rounding (99.96 -> 1.00e2).
    let scientific = format!("{value:.2e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if !(-4..2).contains(&exponent) {
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        let sign = if exponent < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exponent.abs());
    }
    let decimals = (2 - exponent) as usize;
    let fixed = format!("{value:.decimals$}");
    let trimmed = fixed.trim_end_matches('0');
    if trimmed.ends_with('.') { format!("{trimmed}0") } else { trimmed.to_string() }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const LINE: &str = "30,100,df83b48f2ad34d68169c36bc6d2f6b36ce5ed08701a301e9cbb9fc12f80b8154,1.000";

    #[test]
    fn reference_line_round_trips() {
        let frame = parse_line(LINE).unwrap();
        assert_eq!(frame.frame, 30);
        assert_eq!(frame.quality, 100);
        assert_eq!(frame.timestamp, 1.0);
        assert_eq!(to_line(&frame), LINE);
        assert_eq!(parse_lines(&format!("{LINE}\n\n{LINE}\n")).unwrap().len(), 2);
    }

    #[test]
    fn malformed_reference_lines_are_rejected() {
        for bad in
            ["", "1,2,3", "x,100,00,0.0", "1,101,df83b48f2ad34d68169c36bc6d2f6b36ce5ed08701a301e9cbb9fc12f80b8154,0"]
        {
            assert_eq!(parse_line(bad).unwrap_err().code(), "invalid_hash", "{bad:?}");
        }
    }

    #[test]
    fn timestamps_print_like_python_three_significant_digits() {
        // Expected values from CPython 3.11: f"{v:.3}".
        let cases = [
            (0.0, "0.0"),
            (1.0, "1.0"),
            (0.033, "0.033"),
            (0.0333333, "0.0333"),
            (1.5, "1.5"),
            (12.345, "12.3"),
            (99.96, "1e+02"),
            (123.4, "1.23e+02"),
            (999.6, "1e+03"),
            (1234.5, "1.23e+03"),
            (0.00012, "0.00012"),
            (0.0001, "0.0001"),
            (33.3666, "33.4"),
            (5e-05, "5e-05"),
            (100.0, "1e+02"),
        ];
        for (value, python) in cases {
            assert_eq!(python_three_significant(value), python, "{value}");
        }
    }

    #[test]
    fn threatexchange_json_round_trips() {
        let frames =
            vec![parse_line(LINE).unwrap(), FrameHash { frame: 1, timestamp: 0.0333333, ..parse_line(LINE).unwrap() }];
        let json = to_threatexchange_json(&frames);
        assert_eq!(
            json,
            "[\"df83b48f2ad34d68169c36bc6d2f6b36ce5ed08701a301e9cbb9fc12f80b8154,100,1.0\", \
             \"df83b48f2ad34d68169c36bc6d2f6b36ce5ed08701a301e9cbb9fc12f80b8154,100,0.0333\"]"
        );
        let back = from_threatexchange_json(&json).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!((back[0].frame, back[0].pdq, back[0].quality, back[0].timestamp), (0, frames[0].pdq, 100, 1.0));
        assert_eq!(back[1].timestamp, 0.0333);
        assert!(from_threatexchange_json("").unwrap().is_empty());
    }

    #[test]
    fn malformed_threatexchange_json_is_rejected() {
        for bad in [
            "{}",
            "[1]",
            "[\"abc,100,1.0\"]",
            "[\"df83b48f2ad34d68169c36bc6d2f6b36ce5ed08701a301e9cbb9fc12f80b8154,100,-1\"]",
        ] {
            assert!(from_threatexchange_json(bad).is_err(), "{bad:?}");
        }
    }
}
