//! How a sent notice reaches its host: through the API for hosts a platform key serves, by e-mail to the abuse
//! address of the hotline's hosts directory otherwise. What the directory accepts (host names, abuse
//! addresses), the schedule e-mails are retried on, and the text of reminders.

use disrupt_openapi::notices::{HostContact, Lang, MAX_EMAIL_CHARS, NoticeChannel};

use super::NoticeError;
use super::urls::{host_key, parse_reported_url};
use crate::time::date_of;

/// The channel a notice for a host with `contact` goes through: e-mail when the directory holds an abuse address
/// and the host is not API-integrated; the API otherwise (as before the directory: the platform whose key serves
/// the host reads it).
pub fn channel_for(contact: Option<&HostContact>) -> NoticeChannel {
    match contact {
        Some(c) if !c.api_integrated && c.abuse_email.is_some() => NoticeChannel::Email,
        _ => NoticeChannel::Api,
    }
}

/// The directory's contact for `host`: its own entry, else that of the nearest parent domain
/// (`cdn.example.com` falls back on `example.com`), as a platform host covers its subdomains.
pub fn contact_for<'a>(host: &str, lookup: impl Fn(&str) -> Option<&'a HostContact>) -> Option<&'a HostContact> {
    std::iter::once(host)
        .chain(host.match_indices('.').map(|(i, _)| &host[i + 1..]))
        .filter(|h| h.contains('.') || *h == host)
        .find_map(lookup)
}

/// A host name as the directory keys it: what [`host_key`] makes of `https://<host>/`, and nothing else (no
/// port, path, credentials or upper case).
pub fn parse_host(raw: &str) -> Result<String, NoticeError> {
    let invalid = || NoticeError::InvalidHost { host: raw.chars().take(200).collect() };
    if raw.is_empty() || raw.len() > 253 || !raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-') {
        return Err(invalid());
    }
    let url = parse_reported_url(&format!("https://{raw}/")).map_err(|_| invalid())?;
    let host = host_key(&url);
    if host != raw { Err(invalid()) } else { Ok(host) }
}

/// An abuse address the sender can put in `To:`: `local@domain`, one `@`, printable ASCII without spaces,
/// quotes, angle brackets, commas or semicolons (which would add recipients or headers), a dotted domain.
pub fn parse_email(raw: &str) -> Result<String, NoticeError> {
    let email = raw.trim();
    let (local, domain) = email.split_once('@').ok_or(NoticeError::InvalidEmail)?;
    let forbidden = |b: u8| !b.is_ascii_graphic() || b"\"<>(),;:[]\\@".contains(&b);
    let ok = email.len() <= MAX_EMAIL_CHARS
        && !local.is_empty()
        && local.len() <= 64
        && !local.bytes().any(forbidden)
        && !local.starts_with('.')
        && !local.ends_with('.')
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
        });
    if ok { Ok(email.to_owned()) } else { Err(NoticeError::InvalidEmail) }
}

/// When the e-mail attempt after `failed` failed attempts goes out, in ms after the last failure: `base_ms`,
/// doubling each time, never more than `max_ms`. Nothing is ever given up: a notice waits, reported on its
/// history, until the SMTP server takes it.
pub fn retry_delay_ms(failed: u32, base_ms: u64, max_ms: u64) -> u64 {
    let doublings = failed.saturating_sub(1).min(32);
    base_ms.saturating_mul(1u64 << doublings).min(max_ms.max(base_ms))
}

/// A reminder's subject and text: a short paragraph in the notice's language before the whole notice again.
pub fn reminder_text(lang: Lang, number: u32, sent_at: u64, subject: &str, body: &str) -> (String, String) {
    let sent = date_of(sent_at);
    match lang {
        Lang::Fr => (
            format!("Relance {number} : {subject}"),
            format!(
                "Relance {number}. Nous vous avons adressé la notification ci-dessous le {sent} et n'avons reçu \
                 aucune décision de votre part depuis. Merci de retirer ce contenu ou d'en rendre l'accès \
                 impossible sans délai, et de nous indiquer votre décision.\n\n{body}"
            ),
        ),
        Lang::En => (
            format!("Reminder {number}: {subject}"),
            format!(
                "Reminder {number}. We sent you the notice below on {sent} and have received no decision from you \
                 since. Please remove or disable access to this content without delay, and tell us your \
                 decision.\n\n{body}"
            ),
        ),
        Lang::Es => (
            format!("Recordatorio {number}: {subject}"),
            format!(
                "Recordatorio {number}. Les enviamos el aviso que figura a continuación el {sent} y desde entonces \
                 no hemos recibido ninguna decisión por su parte. Les rogamos que retiren este contenido o bloqueen \
                 el acceso a él sin demora, y que nos comuniquen su decisión.\n\n{body}"
            ),
        ),
        Lang::De => (
            format!("Erinnerung {number}: {subject}"),
            format!(
                "Erinnerung {number}. Wir haben Ihnen die untenstehende Meldung am {sent} gesendet und seitdem keine \
                 Entscheidung von Ihnen erhalten. Bitte entfernen Sie diesen Inhalt oder sperren Sie den Zugang zu \
                 ihm unverzüglich, und teilen Sie uns Ihre Entscheidung mit.\n\n{body}"
            ),
        ),
        Lang::It => (
            format!("Sollecito {number}: {subject}"),
            format!(
                "Sollecito {number}. Vi abbiamo inviato la segnalazione riportata di seguito il {sent} e da allora non \
                 abbiamo ricevuto alcuna decisione da parte vostra. Vi chiediamo di rimuovere questo contenuto o di \
                 disabilitarne l'accesso senza indugio, e di comunicarci la vostra decisione.\n\n{body}"
            ),
        ),
        Lang::Ar => (
            format!("تذكير {number}: {subject}"),
            format!(
                "تذكير {number}. أرسلنا إليكم الإشعار أدناه في {sent} ولم نتلقَّ منكم أي قرار منذ ذلك الحين. نرجو إزالة \
                 هذا المحتوى أو تعطيل الوصول إليه دون تأخير، وإبلاغنا بقراركم.\n\n{body}"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contact(email: Option<&str>, api_integrated: bool) -> HostContact {
        HostContact {
            host: "example.com".into(),
            abuse_email: email.map(Into::into),
            lang: None,
            api_integrated,
            updated_at: 0,
        }
    }

    #[test]
    fn hosts_with_an_abuse_address_and_no_api_are_notified_by_email() {
        assert_eq!(channel_for(Some(&contact(Some("abuse@example.com"), false))), NoticeChannel::Email);
        assert_eq!(channel_for(Some(&contact(Some("abuse@example.com"), true))), NoticeChannel::Api);
        assert_eq!(channel_for(Some(&contact(None, false))), NoticeChannel::Api);
        assert_eq!(channel_for(None), NoticeChannel::Api);
    }

    #[test]
    fn a_subdomain_takes_its_parent_domains_contact_unless_it_has_its_own() {
        let parent = contact(Some("abuse@example.com"), false);
        let own = HostContact { host: "cdn.example.com".into(), ..contact(Some("cdn@example.com"), false) };
        let entries = [parent.clone(), own.clone()];
        let lookup = |h: &str| entries.iter().find(|c| c.host == h);
        assert_eq!(contact_for("cdn.example.com", lookup), Some(&own));
        assert_eq!(contact_for("img.example.com", lookup), Some(&parent));
        assert_eq!(contact_for("a.b.example.com", lookup), Some(&parent));
        assert_eq!(contact_for("example.org", lookup), None);
        let com = [HostContact { host: "com".into(), ..parent }];
        assert_eq!(contact_for("example.com", |h| com.iter().find(|c| c.host == h)), None, "no top-level domain");
    }

    #[test]
    fn the_directory_takes_host_names_as_notices_name_them() {
        assert_eq!(parse_host("example.com").expect("host"), "example.com");
        assert_eq!(parse_host("xn--bcher-kva.example").expect("punycode"), "xn--bcher-kva.example");
        for bad in
            ["", "Example.com", "www.example.com", "example.com:8080", "a/b", "user@example.com", "exa mple", "é.fr"]
        {
            assert!(parse_host(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn abuse_addresses_cannot_smuggle_recipients_or_headers() {
        assert_eq!(parse_email(" abuse@example.com ").expect("email"), "abuse@example.com");
        assert!(parse_email("abuse+ncii@mail.example.co.uk").is_ok());
        for bad in [
            "",
            "abuse",
            "abuse@localhost",
            "a@b@example.com",
            "abuse@example.com, other@evil.example",
            "abuse@example.com\r\nBcc: x@evil.example",
            "Abuse <abuse@example.com>",
            "ab use@example.com",
            "abuse@-example.com",
            "abuse@example..com",
            ".abuse@example.com",
        ] {
            assert!(parse_email(bad).is_err(), "{bad:?}");
        }
        assert!(parse_email(&format!("{}@example.com", "a".repeat(65))).is_err());
    }

    #[test]
    fn retries_double_from_the_base_up_to_the_ceiling() {
        let schedule: Vec<u64> = (1..=8).map(|n| retry_delay_ms(n, 60_000, 3_600_000)).collect();
        assert_eq!(schedule, [60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000]);
        assert_eq!(retry_delay_ms(0, 500, 10_000), 500);
        assert_eq!(retry_delay_ms(u32::MAX, 500, 10_000), 10_000);
        assert_eq!(retry_delay_ms(3, 500, 100), 500, "a ceiling below the base is the base");
    }

    #[test]
    fn a_reminder_repeats_the_whole_notice_under_a_numbered_subject() {
        let (subject, body) = reminder_text(Lang::En, 2, 1_780_000_000_000, "Takedown notice N-7", "the notice");
        assert_eq!(subject, "Reminder 2: Takedown notice N-7");
        assert!(body.starts_with("Reminder 2.") && body.contains("2026-05-28") && body.ends_with("the notice"));
        let (subject, body) = reminder_text(Lang::Fr, 1, 1_780_000_000_000, "Notification N-7", "le texte");
        assert_eq!(subject, "Relance 1 : Notification N-7");
        assert!(body.contains("2026-05-28") && body.ends_with("le texte"));
    }
}
