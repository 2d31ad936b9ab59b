//! Victims' signed receipts: checking one offline. The server signs the document's canonical bytes with Ed25519
//! (`disrupt_openapi::cases::ReceiptDocument::signed_bytes`); anyone holding the file and the hotline's
//! published key can check that nothing in it was changed.

use disrupt_openapi::cases::{RECEIPT_FORMAT, Receipt};
use ring::signature::{ED25519, UnparsedPublicKey};

/// Why a receipt does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReceiptError {
    /// Not a receipt format or algorithm this version knows.
    #[error("not a {RECEIPT_FORMAT} receipt signed with ed25519")]
    UnknownFormat,
    /// The key or signature is not hex of the right length.
    #[error("malformed key or signature")]
    Malformed,
    /// The receipt names another key than the one trusted.
    #[error("signed by key {found}, not by the trusted key {trusted}")]
    OtherKey {
        /// The key in the receipt.
        found: String,
        /// The key given as trusted.
        trusted: String,
    },
    /// The signature does not match the document: something in it was changed.
    #[error("the signature does not match the document: it was altered")]
    BadSignature,
}

/// Checks `receipt`'s signature with the key it names and, when `trusted_key` (hex) is given, that this is the
/// key: a receipt signed by anyone else, with their own key, is refused.
pub fn verify(receipt: &Receipt, trusted_key: Option<&str>) -> Result<(), ReceiptError> {
    if receipt.document.format != RECEIPT_FORMAT || receipt.algorithm != "ed25519" {
        return Err(ReceiptError::UnknownFormat);
    }
    if let Some(trusted) = trusted_key {
        let trusted = trusted.trim().to_ascii_lowercase();
        if trusted != receipt.public_key.to_ascii_lowercase() {
            return Err(ReceiptError::OtherKey { found: receipt.public_key.clone(), trusted });
        }
    }
    let key = hex::decode(&receipt.public_key).map_err(|_| ReceiptError::Malformed)?;
    let signature = hex::decode(&receipt.signature).map_err(|_| ReceiptError::Malformed)?;
    if key.len() != 32 || signature.len() != 64 {
        return Err(ReceiptError::Malformed);
    }
    UnparsedPublicKey::new(&ED25519, key)
        .verify(&receipt.document.signed_bytes(), &signature)
        .map_err(|_| ReceiptError::BadSignature)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use disrupt_openapi::cases::ReceiptDocument;
    use ring::signature::{Ed25519KeyPair, KeyPair};

    fn signed(seed: u8) -> Receipt {
        let key = Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).unwrap();
        let document = ReceiptDocument {
            format: RECEIPT_FORMAT.into(),
            case_id: "c1".into(),
            submitted_at: 1,
            issued_at: 2,
            hashes: 2,
            kinds: [("pdq".to_string(), 1), ("md5".to_string(), 1)].into(),
            urls: vec![],
        };
        Receipt {
            signature: hex::encode(key.sign(&document.signed_bytes()).as_ref()),
            public_key: hex::encode(key.public_key().as_ref()),
            algorithm: "ed25519".into(),
            document,
        }
    }

    #[test]
    fn a_receipt_verifies_only_unaltered_and_only_with_the_trusted_key() {
        let receipt = signed(1);
        assert_eq!(verify(&receipt, None), Ok(()));
        assert_eq!(verify(&receipt, Some(&receipt.public_key.to_uppercase())), Ok(()));
        let mut altered = receipt.clone();
        altered.document.urls.push("https://example.org/x".into());
        assert_eq!(verify(&altered, None), Err(ReceiptError::BadSignature));
        let forged = signed(2);
        assert!(matches!(verify(&forged, Some(&receipt.public_key)), Err(ReceiptError::OtherKey { .. })));
        let mut garbled = receipt.clone();
        garbled.signature.truncate(10);
        assert_eq!(verify(&garbled, None), Err(ReceiptError::Malformed));
    }
}
