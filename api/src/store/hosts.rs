//! The hosts directory: where a host's notices go (its abuse address, language, and whether a platform key
//! serves it). One hash on the notices' slot, so a change writes its audit record into the notices' outbox in
//! the same step.

use disrupt_hotline::time::now_ms;
use disrupt_openapi::notices::HostContact;
use redis::AsyncCommands;

use super::audit::{AuditEvent, AuditRules, audited_script};
use super::{Store, StoreError, codec};

/// Sets one host's contact: KEYS: directory. ARGV: host, JSON. Returns 1.
const SET_HOST: &str = r#"
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
"#;

/// Removes one host: KEYS: directory. ARGV: host. Returns 1, or 0 when it was not there.
const DELETE_HOST: &str = r#"
return redis.call('HDEL', KEYS[1], ARGV[1])
"#;

impl Store {
    /// Every host of the directory, by name.
    pub async fn host_contacts(&self) -> Result<Vec<HostContact>, StoreError> {
        let all: Vec<(String, String)> = self.conn().hgetall(self.keys().hosts()).await?;
        let mut hosts = all
            .iter()
            .map(|(_, json)| codec::from_json::<HostContact>(json, "host contact"))
            .collect::<Result<Vec<_>, _>>()?;
        hosts.sort_by(|a, b| a.host.cmp(&b.host));
        Ok(hosts)
    }

    /// The contacts of `hosts` (absent ones are left out).
    pub async fn host_contacts_of(&self, hosts: &[&str]) -> Result<Vec<HostContact>, StoreError> {
        if hosts.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<Option<String>> =
            redis::cmd("HMGET").arg(self.keys().hosts()).arg(hosts).query_async(&mut self.conn()).await?;
        rows.into_iter().flatten().map(|json| codec::from_json(&json, "host contact")).collect()
    }

    /// Sets a host's contact, with `audit`'s record in the same step.
    pub async fn set_host_contact(&self, contact: &HostContact, audit: AuditEvent) -> Result<(), StoreError> {
        let script = redis::Script::new(&audited_script(SET_HOST));
        let mut invocation = script.prepare_invoke();
        invocation.key(self.keys().hosts()).arg(&contact.host).arg(codec::to_json(contact)?);
        let record = self.pending_audit(audit, now_ms())?;
        AuditRules::none().when("^1$", Some(record)).finish(&mut invocation, self.keys().notices_audit_outbox());
        let _: i64 = invocation.invoke_async(&mut self.conn()).await?;
        Ok(())
    }

    /// Removes a host from the directory, with `audit`'s record when it was there; `false` when it was not.
    pub async fn delete_host_contact(&self, host: &str, audit: AuditEvent) -> Result<bool, StoreError> {
        let script = redis::Script::new(&audited_script(DELETE_HOST));
        let mut invocation = script.prepare_invoke();
        invocation.key(self.keys().hosts()).arg(host);
        let record = self.pending_audit(audit, now_ms())?;
        AuditRules::none().when("^1$", Some(record)).finish(&mut invocation, self.keys().notices_audit_outbox());
        let deleted: i64 = invocation.invoke_async(&mut self.conn()).await?;
        Ok(deleted == 1)
    }
}
