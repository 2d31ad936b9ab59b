//! The hosts directory: analysts and admins say where a host's notices go (its abuse address, the language of
//! its notices, whether a platform key serves it); admins remove hosts. Every change is audited.

use disrupt_hotline::audit::AuditAction;
use disrupt_hotline::notices::delivery::{contact_for, parse_email, parse_host};
use disrupt_hotline::time::now_ms;
use disrupt_openapi::model::Role;
use disrupt_openapi::notices::{HostContact, HostContactList, HostContactRequest};

use super::Service;
use super::audit::actor;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::store::Outbox;
use crate::store::audit::AuditEvent;

impl Service {
    /// Every host of the directory.
    pub async fn list_hosts(&self, caller: &Caller) -> Result<HostContactList, ApiError> {
        caller.require_role(&[Role::Analyst, Role::Admin])?;
        Ok(HostContactList { hosts: self.store.host_contacts().await? })
    }

    /// One host's own entry.
    pub async fn get_host(&self, caller: &Caller, host: &str) -> Result<HostContact, ApiError> {
        caller.require_role(&[Role::Analyst, Role::Admin])?;
        let host = parse_host(host)?;
        self.store.host_contacts_of(&[&host]).await?.into_iter().next().ok_or(ApiError::NotFound("host"))
    }

    /// Sets (or corrects) a host's contact.
    pub async fn set_host(
        &self,
        caller: &Caller,
        host: &str,
        request: HostContactRequest,
    ) -> Result<HostContact, ApiError> {
        caller.require_role(&[Role::Analyst, Role::Admin])?;
        let contact = HostContact {
            host: parse_host(host)?,
            abuse_email: request.abuse_email.as_deref().map(parse_email).transpose()?,
            lang: request.lang,
            api_integrated: request.api_integrated,
            updated_at: now_ms(),
        };
        // No contact details in the audit log: which host, and whether it has an address.
        let event = AuditEvent::new(actor(caller), AuditAction::HostContactSet, format!("host:{}", contact.host))
            .detail("abuse_address", if contact.abuse_email.is_some() { "set" } else { "none" })
            .detail("api_integrated", contact.api_integrated.to_string());
        self.store.set_host_contact(&contact, event).await?;
        self.drain_audit(Outbox::Notices).await;
        Ok(contact)
    }

    /// Removes a host from the directory (admins).
    pub async fn delete_host(&self, caller: &Caller, host: &str) -> Result<(), ApiError> {
        caller.require_role(&[Role::Admin])?;
        let host = parse_host(host)?;
        let event = AuditEvent::new(actor(caller), AuditAction::HostContactDeleted, format!("host:{host}"));
        let deleted = self.store.delete_host_contact(&host, event).await?;
        self.drain_audit(Outbox::Notices).await;
        if deleted { Ok(()) } else { Err(ApiError::NotFound("host")) }
    }

    /// The directory's contact for `host`: its own, else its nearest parent domain's.
    pub(crate) async fn contact_of(&self, host: &str) -> Result<Option<HostContact>, ApiError> {
        let candidates: Vec<&str> =
            std::iter::once(host).chain(host.match_indices('.').map(|(i, _)| &host[i + 1..])).collect();
        let found = self.store.host_contacts_of(&candidates).await?;
        Ok(contact_for(host, |h| found.iter().find(|c| c.host == h)).cloned())
    }
}
