//! Exact-match index for fixed-size digests (MD5: `ExactIndex<16>`, SHA-256: `ExactIndex<32>`).

use std::collections::HashMap;

use super::EntryId;

/// Maps digests to the entries carrying them. Several entries may share one digest (the same file reported
/// twice); an entry has at most one digest of each kind.
#[derive(Debug, Default, Clone)]
pub struct ExactIndex<const N: usize> {
    by_digest: HashMap<[u8; N], Vec<EntryId>>,
    by_id: HashMap<EntryId, [u8; N]>,
}

impl<const N: usize> ExactIndex<N> {
    /// An empty index.
    pub fn new() -> Self {
        Self { by_digest: HashMap::new(), by_id: HashMap::new() }
    }

    /// Adds (or moves) an entry; an id inserted again replaces its earlier digest.
    pub fn insert(&mut self, id: EntryId, digest: [u8; N]) {
        self.remove(id);
        self.by_digest.entry(digest).or_default().push(id);
        self.by_id.insert(id, digest);
    }

    /// Removes an entry; false when it was not present.
    pub fn remove(&mut self, id: EntryId) -> bool {
        let Some(digest) = self.by_id.remove(&id) else {
            return false;
        };
        if let Some(ids) = self.by_digest.get_mut(&digest) {
            ids.retain(|&other| other != id);
            if ids.is_empty() {
                self.by_digest.remove(&digest);
            }
        }
        true
    }

    /// The entries with exactly this digest (empty when none).
    pub fn get(&self, digest: &[u8; N]) -> &[EntryId] {
        self.by_digest.get(digest).map_or(&[], Vec::as_slice)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// True when no entry is indexed.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_get_remove_and_shared_digests() {
        let mut index = ExactIndex::<16>::new();
        index.insert(1, [7; 16]);
        index.insert(2, [7; 16]);
        index.insert(3, [9; 16]);
        assert_eq!(index.get(&[7; 16]), &[1, 2]);
        assert_eq!(index.len(), 3);
        assert!(index.remove(1));
        assert!(!index.remove(1));
        assert_eq!(index.get(&[7; 16]), &[2]);
        index.insert(2, [9; 16]);
        assert!(index.get(&[7; 16]).is_empty());
        assert_eq!(index.get(&[9; 16]), &[3, 2]);
        assert_eq!(index.len(), 2);
    }

    #[test]
    fn sha256_sized_keys_work() {
        let mut index = ExactIndex::<32>::new();
        index.insert(42, [1; 32]);
        assert_eq!(index.get(&[1; 32]), &[42]);
        assert!(index.get(&[2; 32]).is_empty());
    }
}
