//! Lists: created once, never renamed or deleted; each has a number that entry and case ids carry.

use disrupt_hotline::time::now_ms;
use redis::AsyncCommands;

use super::audit::{AuditEvent, AuditRules};
use super::{Store, StoreError, keys, validate_list_name};

impl Store {
    /// Creates a list. [`StoreError::Conflict`] if it exists.
    pub async fn create_list(&self, name: &str) -> Result<(), StoreError> {
        self.create_list_audited(name, None).await
    }

    /// [`Store::create_list`], with `audit`'s record written in the same step when the list is created.
    pub async fn create_list_audited(&self, name: &str, audit: Option<AuditEvent>) -> Result<(), StoreError> {
        validate_list_name(name)?;
        let keys = self.keys();
        let mut invocation = self.inner.scripts.create_list.prepare_invoke();
        invocation.key(keys.lists()).key(keys.list_numbers()).key(keys.list_seq()).arg(name).arg(keys::MAX_LISTS);
        let record = audit.map(|event| self.pending_audit(event, now_ms())).transpose()?;
        AuditRules::none().when("^[1-9]", record).finish(&mut invocation, keys.global_audit_outbox());
        let no: i64 = invocation.invoke_async(&mut self.conn()).await?;
        match no {
            0 => Err(StoreError::Conflict("the list exists")),
            n if n < 0 => Err(StoreError::Conflict("no more lists can be created")),
            n => {
                self.inner.list_names.write().insert(n as u64, name.to_owned());
                Ok(())
            }
        }
    }

    /// Every list's name, sorted.
    pub async fn list_names(&self) -> Result<Vec<String>, StoreError> {
        let mut names: Vec<String> = self.conn().hkeys(self.keys().lists()).await?;
        names.sort();
        Ok(names)
    }

    /// The number of list `name`; [`StoreError::NotFound`] if there is no such list.
    pub(super) async fn list_number(&self, name: &str) -> Result<u64, StoreError> {
        validate_list_name(name)?;
        if let Some((no, _)) = self.inner.list_names.read().iter().find(|(_, n)| *n == name) {
            return Ok(*no);
        }
        let no: Option<u64> = self.conn().hget(self.keys().lists(), name).await?;
        let no = no.ok_or(StoreError::NotFound { what: "list" })?;
        self.inner.list_names.write().insert(no, name.to_owned());
        Ok(no)
    }

    /// The name of list number `no`, if it exists.
    pub(super) async fn list_name(&self, no: u64) -> Result<Option<String>, StoreError> {
        if let Some(name) = self.inner.list_names.read().get(&no) {
            return Ok(Some(name.clone()));
        }
        let name: Option<String> = self.conn().hget(self.keys().list_numbers(), no).await?;
        if let Some(name) = &name {
            self.inner.list_names.write().insert(no, name.clone());
        }
        Ok(name)
    }

    /// Fails with [`StoreError::NotFound`] unless the list exists.
    pub async fn require_list(&self, name: &str) -> Result<(), StoreError> {
        self.list_number(name).await.map(|_| ())
    }
}
