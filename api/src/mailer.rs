//! E-mail over SMTP with `lettre`: the transport `hotline.smtp` describes (STARTTLS, TLS, or plain to this
//! machine only; a login if set) and the message a queued notice or reminder becomes: plain UTF-8 text, from the
//! hotline, replies to the notifier's address, with a `Message-ID` fixed per queued e-mail so that a copy sent
//! twice is one message to the recipient.

use std::time::Duration;

use disrupt_hotline::notices::Notifier;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MessageBuilder};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::settings::{SmtpSettings, SmtpTls};

/// Why an e-mail could not be built or sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The settings do not describe a usable SMTP server.
    #[error("SMTP settings: {0}")]
    Settings(String),
    /// An address does not parse.
    #[error("invalid e-mail address {address}: {message}")]
    Address {
        /// The address.
        address: String,
        /// What lettre said.
        message: String,
    },
    /// The message could not be built.
    #[error("building the e-mail: {0}")]
    Build(String),
    /// The SMTP server could not be reached, or refused the message.
    #[error("{0}")]
    Smtp(String),
}

/// The SMTP transport and the sender's identity, built once at startup.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    server: String,
    from: Mailbox,
    reply_to: Mailbox,
    domain: String,
    timeout: Duration,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("server", &self.server).field("from", &self.from.email.to_string()).finish()
    }
}

fn mailbox(name: Option<&str>, address: &str) -> Result<Mailbox, MailError> {
    let email = address.parse().map_err(|e: lettre::address::AddressError| MailError::Address {
        address: address.into(),
        message: e.to_string(),
    })?;
    Ok(Mailbox::new(name.map(str::to_owned), email))
}

impl Mailer {
    /// The mailer `smtp` describes, or `None` when e-mail delivery is off (no `host`).
    pub fn new(smtp: &SmtpSettings, notifier: &Notifier) -> Result<Option<Self>, MailError> {
        let Some(host) = smtp.host.clone() else { return Ok(None) };
        let tls_parameters =
            || TlsParameters::new(host.clone()).map_err(|e| MailError::Settings(format!("TLS for {host}: {e}")));
        let tls = match smtp.tls {
            SmtpTls::Starttls => Tls::Required(tls_parameters()?),
            SmtpTls::Tls => Tls::Wrapper(tls_parameters()?),
            SmtpTls::None => Tls::None,
        };
        let timeout = Duration::from_secs(smtp.timeout_secs.max(1));
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
            .port(smtp.port())
            .tls(tls)
            .timeout(Some(timeout))
            .hello_name(ClientId::Domain(smtp.hello_name.clone().unwrap_or_else(|| "localhost".into())));
        if let Some(user) = &smtp.username {
            let password = smtp.password.as_ref().map(|p| p.expose_secret().to_owned()).unwrap_or_default();
            builder = builder.credentials(Credentials::new(user.clone(), password));
        }
        let from_address = smtp.from.clone().unwrap_or_else(|| notifier.email.clone());
        let from = mailbox(Some(&notifier.name), &from_address)?;
        let domain = from.email.domain().to_owned();
        Ok(Some(Self {
            transport: builder.build(),
            server: format!("{host}:{}", smtp.port()),
            from,
            reply_to: mailbox(Some(&notifier.name), &notifier.email)?,
            domain,
            timeout,
        }))
    }

    /// How long one SMTP exchange may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// A plain-text e-mail to `to`; `message_id` is the left part of its `Message-ID`.
    pub fn message(&self, to: &str, subject: &str, body: &str, message_id: &str) -> Result<Message, MailError> {
        MessageBuilder::new()
            .from(self.from.clone())
            .reply_to(self.reply_to.clone())
            .to(mailbox(None, to)?)
            .subject(subject)
            .message_id(Some(format!("<{message_id}@{}>", self.domain)))
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| MailError::Build(e.to_string()))
    }

    /// Sends one e-mail; `Ok` once the SMTP server accepted it.
    pub async fn send(&self, message: Message) -> Result<(), MailError> {
        self.transport.send(message).await.map(drop).map_err(|e| {
            let kind = if e.is_permanent() { "refused" } else { "failed" };
            MailError::Smtp(format!("{kind} via {}: {e}", self.server))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notifier() -> Notifier {
        Notifier {
            name: "Point de Contact".into(),
            email: "notices@hotline.example".into(),
            signatory: "Camille".into(),
            postal_address: None,
            website: None,
            trusted_flagger: None,
        }
    }

    #[test]
    fn no_host_means_no_email_and_a_message_carries_the_hotline_and_a_fixed_id() {
        assert!(Mailer::new(&SmtpSettings::default(), &notifier()).expect("settings").is_none());
        let smtp = SmtpSettings {
            host: Some("127.0.0.1".into()),
            tls: SmtpTls::None,
            from: Some("outbox@hotline.example".into()),
            ..SmtpSettings::default()
        };
        let mailer = Mailer::new(&smtp, &notifier()).expect("settings").expect("on");
        let message = mailer.message("abuse@host.example", "Notification n1", "Corps é\n", "n1.n").expect("message");
        let text = String::from_utf8(message.formatted()).expect("utf8");
        assert!(text.contains("From: \"Point de Contact\" <outbox@hotline.example>"), "{text}");
        assert!(text.contains("Reply-To: \"Point de Contact\" <notices@hotline.example>"), "{text}");
        assert!(text.contains("To: abuse@host.example"), "{text}");
        assert!(text.contains("Message-ID: <n1.n@hotline.example>"), "{text}");
        assert!(text.contains("Content-Type: text/plain; charset=utf-8"), "{text}");
        assert!(mailer.message("not an address", "s", "b", "x").is_err());
    }
}
