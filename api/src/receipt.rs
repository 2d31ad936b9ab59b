//! Signed receipts: a media-free document of a victim's case (id, dates, number and kinds of hashes, the URLs
//! reported), signed with Ed25519 under a key derived from the server key, so it needs no key file of its own and
//! stays the same across restarts. The public key is published at `GET /v1/receipts/key`.

use disrupt_openapi::cases::{Receipt, ReceiptDocument, ReceiptKey};
use ring::signature::{Ed25519KeyPair, KeyPair};

use crate::error::ApiError;
use crate::settings::ServerKey;

const ALGORITHM: &str = "ed25519";

/// Signs receipts.
pub struct ReceiptSigner {
    key: Ed25519KeyPair,
}

impl std::fmt::Debug for ReceiptSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ReceiptSigner({})", self.public_key().public_key)
    }
}

impl ReceiptSigner {
    /// The signer keyed by the server key's receipt subkey.
    pub fn new(server_key: &ServerKey) -> Result<Self, ApiError> {
        let seed = server_key.subkey(b"disrupt receipt signing v1");
        let key = Ed25519KeyPair::from_seed_unchecked(&seed)
            .map_err(|_| ApiError::internal(anyhow::anyhow!("ed25519 key from the server key")))?;
        Ok(Self { key })
    }

    /// The published public key.
    pub fn public_key(&self) -> ReceiptKey {
        ReceiptKey { algorithm: ALGORITHM.into(), public_key: hex::encode(self.key.public_key().as_ref()) }
    }

    /// The document with its signature.
    pub fn sign(&self, document: ReceiptDocument) -> Receipt {
        let signature = hex::encode(self.key.sign(&document.signed_bytes()).as_ref());
        Receipt { document, algorithm: ALGORITHM.into(), signature, public_key: self.public_key().public_key }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use disrupt_openapi::cases::RECEIPT_FORMAT;
    use ring::signature::{ED25519, UnparsedPublicKey};

    fn document() -> ReceiptDocument {
        ReceiptDocument {
            format: RECEIPT_FORMAT.into(),
            case_id: "c1".into(),
            submitted_at: 1,
            issued_at: 2,
            hashes: 3,
            kinds: [("md5".to_string(), 1), ("pdq".to_string(), 2)].into(),
            urls: vec!["https://example.org/x".into()],
        }
    }

    #[test]
    fn a_receipt_verifies_with_the_published_key_and_not_once_altered() {
        let signer = ReceiptSigner::new(&ServerKey::from_bytes(vec![7; 32])).unwrap();
        let receipt = signer.sign(document());
        assert_eq!(receipt.public_key, signer.public_key().public_key);
        let key = UnparsedPublicKey::new(&ED25519, hex::decode(&receipt.public_key).unwrap());
        let signature = hex::decode(&receipt.signature).unwrap();
        let pretty = serde_json::to_string_pretty(&receipt).unwrap();
        let parsed: Receipt = serde_json::from_str(&pretty).unwrap();
        assert!(key.verify(&parsed.document.signed_bytes(), &signature).is_ok());
        let altered = ReceiptDocument { hashes: 4, ..document() };
        assert!(key.verify(&altered.signed_bytes(), &signature).is_err());
        let other = ReceiptSigner::new(&ServerKey::from_bytes(vec![8; 32])).unwrap();
        assert_ne!(other.public_key(), signer.public_key());
    }
}
