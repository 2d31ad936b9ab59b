//! Victims' contact data, sealed at rest with AES-256-GCM (ring's AEAD) under a key derived from the server key.
//!
//! Redis only ever holds `v1:` followed by base64 of a random 96-bit nonce and the ciphertext with its tag, so a
//! copy of the store (a dump, the AOF, a replica) does not reveal who the victims are. The contact is erased
//! on withdrawal (the store deletes the field).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};

use crate::error::ApiError;
use crate::settings::ServerKey;

const VERSION: &str = "v1:";
/// Binds the ciphertext to its purpose: a sealed contact cannot be replayed as another kind of sealed value.
const AAD: &[u8] = b"disrupt contact v1";

/// Seals and opens contact data.
pub struct ContactSealer {
    key: LessSafeKey,
    rng: SystemRandom,
}

impl std::fmt::Debug for ContactSealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ContactSealer([REDACTED])")
    }
}

impl ContactSealer {
    /// The sealer keyed by the server key's contact subkey.
    pub fn new(server_key: &ServerKey) -> Result<Self, ApiError> {
        let bytes = server_key.subkey(b"disrupt contact encryption v1");
        let key = UnboundKey::new(&AES_256_GCM, &bytes).map_err(|_| ApiError::internal(anyhow::anyhow!("aead key")))?;
        Ok(Self { key: LessSafeKey::new(key), rng: SystemRandom::new() })
    }

    /// `v1:` + base64(nonce || ciphertext || tag).
    pub fn seal(&self, contact: &str) -> Result<String, ApiError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng.fill(&mut nonce).map_err(|_| ApiError::internal(anyhow::anyhow!("rng")))?;
        let mut buffer = contact.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(AAD), &mut buffer)
            .map_err(|_| ApiError::internal(anyhow::anyhow!("sealing the contact")))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buffer);
        Ok(format!("{VERSION}{}", B64.encode(out)))
    }

    /// The contact, or `None` when the text was not sealed by this server key (or was altered).
    pub fn open(&self, sealed: &str) -> Option<String> {
        let bytes = B64.decode(sealed.strip_prefix(VERSION)?).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut buffer = ciphertext.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::from(AAD), &mut buffer).ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sealed_contacts_open_only_with_the_same_key_and_unaltered() {
        let sealer = ContactSealer::new(&ServerKey::from_bytes(vec![7; 32])).unwrap();
        let sealed = sealer.seal("victim@example.org").unwrap();
        assert!(sealed.starts_with("v1:"));
        assert!(!sealed.contains("victim"));
        assert_ne!(sealed, sealer.seal("victim@example.org").unwrap(), "a fresh nonce each time");
        assert_eq!(sealer.open(&sealed).as_deref(), Some("victim@example.org"));
        let other = ContactSealer::new(&ServerKey::from_bytes(vec![8; 32])).unwrap();
        assert_eq!(other.open(&sealed), None);
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(sealer.open(&String::from_utf8(altered).unwrap()), None);
        assert_eq!(sealer.open("victim@example.org"), None);
    }
}
