//! The e-mail outbox: notices and reminders waiting for the sender. A message is queued by the same script that
//! records the notice's sending or reminder (`Store::update_notice`), so one that happened is always queued; it
//! leaves the queue by the same script that records its delivery, so one recorded as delivered is never sent
//! again. A sender claims due messages by moving them a lease into the future: other processes leave them alone
//! while it tries, and they come back by themselves if it dies.

use serde::{Deserialize, Serialize};

use super::{Store, StoreError, codec};

/// What a queued e-mail carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailKind {
    /// The notice itself.
    Notice,
    /// A reminder of it (`MailMessage::reminder` says which).
    Reminder,
}

/// One queued e-mail (JSON in the outbox's messages hash). The text is taken from the notice when it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailMessage {
    /// Its id: `<notice id>.n` for the notice, `<notice id>.r<k>` for reminder k. Also its `Message-ID`'s left
    /// part, so that a copy sent twice (a sender killed between the SMTP server's answer and the record) is one
    /// message to the recipient.
    pub id: String,
    /// The notice.
    pub notice: String,
    /// Notice or reminder.
    pub kind: MailKind,
    /// The reminder's number.
    #[serde(default)]
    pub reminder: Option<u32>,
    /// The recipient, the host's abuse address when it was queued.
    pub to: String,
    /// Attempts that failed so far.
    #[serde(default)]
    pub failed_attempts: u32,
}

impl MailMessage {
    /// The notice's own e-mail.
    pub fn notice(notice: &str, to: &str) -> Self {
        Self {
            id: format!("{notice}.n"),
            notice: notice.to_owned(),
            kind: MailKind::Notice,
            reminder: None,
            to: to.to_owned(),
            failed_attempts: 0,
        }
    }

    /// Reminder `number` of a notice.
    pub fn reminder(notice: &str, to: &str, number: u32) -> Self {
        Self {
            id: format!("{notice}.r{number}"),
            notice: notice.to_owned(),
            kind: MailKind::Reminder,
            reminder: Some(number),
            to: to.to_owned(),
            failed_attempts: 0,
        }
    }
}

/// A change of the outbox written with a notice's update (`Store::update_notice`).
#[derive(Debug, Clone)]
pub enum MailChange {
    /// Queue `message` (or queue it again after a failure) to be sent at `due` (unix ms).
    Queue {
        /// The message.
        message: MailMessage,
        /// When it is due.
        due: u64,
    },
    /// The message `id` was delivered: it leaves the outbox.
    Done {
        /// The message id.
        id: String,
    },
}

/// Claims up to ARGV[3] messages due by ARGV[1], moving each to ARGV[2] (the lease's end): KEYS: queue,
/// messages. Returns `id, json, ...`; a queued id without its message is dropped.
const CLAIM_MAIL: &str = r#"
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[3]))
local out = {}
for _, id in ipairs(ids) do
  local json = redis.call('HGET', KEYS[2], id)
  if json then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    table.insert(out, id)
    table.insert(out, json)
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
"#;

impl Store {
    /// Claims up to `max` messages due by `now` until `lease_until` (unix ms).
    pub async fn claim_mail(&self, now: u64, lease_until: u64, max: usize) -> Result<Vec<MailMessage>, StoreError> {
        let rows: Vec<(String, String)> = redis::Script::new(CLAIM_MAIL)
            .key(self.keys().mail_queue())
            .key(self.keys().mail_messages())
            .arg(now)
            .arg(lease_until)
            .arg(max)
            .invoke_async(&mut self.conn())
            .await?;
        rows.iter().map(|(_, json)| codec::from_json(json, "queued e-mail")).collect()
    }

    /// Drops a message whose notice is gone (purged with its case).
    pub async fn drop_mail(&self, id: &str) -> Result<(), StoreError> {
        let mut pipe = redis::pipe();
        pipe.atomic().zrem(self.keys().mail_queue(), id).ignore().hdel(self.keys().mail_messages(), id).ignore();
        let _: () = pipe.query_async(&mut self.conn()).await?;
        Ok(())
    }

    /// Messages waiting in the outbox, with when each is due (for tests and operators).
    pub async fn queued_mail(&self) -> Result<Vec<(String, u64)>, StoreError> {
        Ok(redis::cmd("ZRANGE")
            .arg(self.keys().mail_queue())
            .arg(0)
            .arg(-1)
            .arg("WITHSCORES")
            .query_async(&mut self.conn())
            .await?)
    }
}
