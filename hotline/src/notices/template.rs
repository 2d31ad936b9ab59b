//! Rendering notices from templates the hotline can edit (`hotline/templates/notices/{fr,en,es,de,it,ar}.txt`, or
//! the same file names in a directory of its own). The first line of the rendered text is the subject.

use std::path::Path;

use minijinja::{Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};
use url::Url;

use super::NoticeError;
use super::legal::{LegalGround, LegalGroundExt};
use crate::time::date_of;

pub use disrupt_openapi::notices::Lang;

/// Every supported language.
pub const LANGS: [Lang; 6] = [Lang::Fr, Lang::En, Lang::Es, Lang::De, Lang::It, Lang::Ar];

fn template_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => "fr.txt",
        Lang::En => "en.txt",
        Lang::Es => "es.txt",
        Lang::De => "de.txt",
        Lang::It => "it.txt",
        Lang::Ar => "ar.txt",
    }
}

fn builtin_source(lang: Lang) -> &'static str {
    match lang {
        Lang::Fr => include_str!("../../templates/notices/fr.txt"),
        Lang::En => include_str!("../../templates/notices/en.txt"),
        Lang::Es => include_str!("../../templates/notices/es.txt"),
        Lang::De => include_str!("../../templates/notices/de.txt"),
        Lang::It => include_str!("../../templates/notices/it.txt"),
        Lang::Ar => include_str!("../../templates/notices/ar.txt"),
    }
}

/// Who sends notices: the hotline, never the victim. Comes from the settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notifier {
    /// The organisation's name.
    pub name: String,
    /// Contact email for the platform.
    pub email: String,
    /// The person signing on the organisation's behalf (the signature TAKE IT DOWN asks for).
    pub signatory: String,
    /// Postal address, if the hotline publishes one.
    #[serde(default)]
    pub postal_address: Option<String>,
    /// Web site.
    #[serde(default)]
    pub website: Option<String>,
    /// Trusted-flagger status, e.g. "trusted flagger designated by Arcom".
    #[serde(default)]
    pub trusted_flagger: Option<String>,
}

/// What one notice is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeContent<'a> {
    /// The notice's reference (its id), quoted back by the platform.
    pub reference: &'a str,
    /// The host the notice goes to (see [`super::host_key`]).
    pub host: &'a str,
    /// Exact URLs on that host.
    pub urls: &'a [Url],
    /// Why the content is illegal.
    pub ground: LegalGround,
    /// When it is produced, unix ms.
    pub created_at: u64,
    /// A forward of the case to the authorities is recorded: only then may the text say it was reported to them.
    pub forwarded_to_authorities: bool,
    /// The person (or whoever acts for them) declared that the content shows them, is intimate and was spread
    /// without their consent: only then may the text state good faith on their behalf.
    pub declared: bool,
}

/// A rendered notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderedNotice {
    /// Its language.
    pub lang: Lang,
    /// The first line.
    pub subject: String,
    /// The whole text.
    pub body: String,
}

/// The compiled templates, loaded once at startup.
#[derive(Debug)]
pub struct NoticeTemplates {
    env: Environment<'static>,
}

impl NoticeTemplates {
    /// The templates shipped with disrupt.
    pub fn builtin() -> Result<Self, NoticeError> {
        let mut env = new_env();
        for lang in LANGS {
            env.add_template(template_name(lang), builtin_source(lang)).map_err(template_error(lang))?;
        }
        Ok(Self { env })
    }

    /// The hotline's templates from `dir` (`fr.txt`, `en.txt`, `es.txt`, `de.txt`, `it.txt`, `ar.txt`); a missing
    /// file falls back to the built-in one.
    pub fn from_dir(dir: &Path) -> Result<Self, NoticeError> {
        let mut env = new_env();
        for lang in LANGS {
            let source = match std::fs::read_to_string(dir.join(template_name(lang))) {
                Ok(s) => s,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => builtin_source(lang).to_string(),
                Err(e) => {
                    return Err(NoticeError::Template { lang, message: e.to_string() });
                }
            };
            env.add_template_owned(template_name(lang), source).map_err(template_error(lang))?;
        }
        Ok(Self { env })
    }

    /// Renders one notice, and refuses a text that lost a required element (an edited template must still
    /// hold every URL, the legal citation and the notifier's name, email and signatory).
    pub fn render(
        &self,
        lang: Lang,
        notifier: &Notifier,
        n: &NoticeContent<'_>,
    ) -> Result<RenderedNotice, NoticeError> {
        let urls: Vec<&str> = n.urls.iter().map(Url::as_str).collect();
        let ctx = minijinja::context! {
            reference => n.reference,
            host => n.host,
            urls => urls,
            ground => n.ground.code(),
            citation => n.ground.citation(),
            notifier => notifier,
            date => date_of(n.created_at),
            forwarded_to_authorities => n.forwarded_to_authorities,
            declared => n.declared,
        };
        let body =
            self.env.get_template(template_name(lang)).and_then(|t| t.render(ctx)).map_err(template_error(lang))?;
        let required = urls.iter().copied().chain([
            n.ground.citation(),
            notifier.name.as_str(),
            notifier.email.as_str(),
            notifier.signatory.as_str(),
        ]);
        for needed in required {
            if !body.contains(needed) {
                return Err(NoticeError::IncompleteNotice { lang, missing: needed.to_string() });
            }
        }
        let subject = body.lines().next().unwrap_or_default().trim().to_string();
        Ok(RenderedNotice { lang, subject, body })
    }
}

fn new_env() -> Environment<'static> {
    let mut env = Environment::new();
    // A typo in an edited template must fail loudly, not render an empty field into a legal notice.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_keep_trailing_newline(true);
    env
}

fn template_error(lang: Lang) -> impl Fn(minijinja::Error) -> NoticeError {
    move |e| NoticeError::Template { lang, message: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notifier() -> Notifier {
        Notifier {
            name: "Hotline Example".into(),
            email: "notices@hotline.example".into(),
            signatory: "Camille Martin".into(),
            postal_address: Some("1 rue de l'Exemple, 75001 Paris".into()),
            website: None,
            trusted_flagger: Some("signaleur de confiance désigné par l'Arcom".into()),
        }
    }

    fn urls() -> Vec<Url> {
        ["https://example.com/p/1", "https://example.com/p/2?x=1"].iter().map(|s| Url::parse(s).expect("url")).collect()
    }

    fn content<'a>(urls: &'a [Url], ground: LegalGround) -> NoticeContent<'a> {
        NoticeContent {
            reference: "N-7",
            host: "example.com",
            urls,
            ground,
            created_at: 1_780_000_000_000,
            forwarded_to_authorities: false,
            declared: true,
        }
    }

    /// How each built-in template says "good faith" and "the competent authorities".
    fn words(lang: Lang) -> (&'static str, &'static str) {
        match lang {
            Lang::Fr => ("bonne foi", "autorités compétentes"),
            Lang::En => ("good faith", "competent authorities"),
            Lang::Es => ("buena fe", "autoridades competentes"),
            Lang::De => ("gutem Glauben", "zuständigen Behörden"),
            Lang::It => ("buona fede", "autorità competenti"),
            Lang::Ar => ("بحسن نية", "السلطات المختصة"),
        }
    }

    #[test]
    fn a_notice_states_good_faith_only_when_the_person_made_the_declarations() {
        let templates = NoticeTemplates::builtin().expect("compile");
        let urls = urls();
        for lang in LANGS {
            let claims = |body: &str| body.contains(words(lang).0);
            let mut undeclared = content(&urls, LegalGround::IntimateImageWithoutConsent);
            undeclared.declared = false;
            let n = templates.render(lang, &notifier(), &undeclared).expect("render");
            assert!(!claims(&n.body), "{lang:?}: no declarations, no good faith:\n{}", n.body);
            assert!(n.body.contains("3. "), "{lang:?}: the section says why:\n{}", n.body);
            let declared = content(&urls, LegalGround::IntimateImageWithoutConsent);
            let n = templates.render(lang, &notifier(), &declared).expect("render");
            assert!(claims(&n.body), "{lang:?}: declared, good faith stated:\n{}", n.body);
        }
    }

    #[test]
    fn a_notice_says_the_authorities_were_told_only_when_a_forward_was_recorded() {
        let templates = NoticeTemplates::builtin().expect("compile");
        let urls = urls();
        for lang in LANGS {
            let claims = |body: &str| body.contains(words(lang).1);
            let mut minor = content(&urls, LegalGround::MinorSexualImage);
            let n = templates.render(lang, &notifier(), &minor).expect("render");
            assert!(n.body.contains("227-23"), "{lang:?}");
            assert!(!claims(&n.body), "{lang:?}: no forward recorded, no claim:\n{}", n.body);
            minor.forwarded_to_authorities = true;
            let n = templates.render(lang, &notifier(), &minor).expect("render");
            assert!(claims(&n.body), "{lang:?}: a recorded forward is stated:\n{}", n.body);
            let adult = templates
                .render(lang, &notifier(), &content(&urls, LegalGround::IntimateImageWithoutConsent))
                .expect("render");
            assert!(!claims(&adult.body), "{lang:?}");
        }
    }

    #[test]
    fn notices_hold_what_dsa_article_16_and_take_it_down_require_in_every_language() {
        let templates = NoticeTemplates::builtin().expect("builtin templates compile");
        let urls = urls();
        for lang in LANGS {
            let n = templates
                .render(lang, &notifier(), &content(&urls, LegalGround::IntimateImageWithoutConsent))
                .expect("render");
            for url in &urls {
                assert!(n.body.contains(url.as_str()), "{lang:?}: exact URL");
            }
            assert!(n.body.contains("226-2-1"), "{lang:?}: legal basis");
            assert!(
                n.body.contains("Hotline Example") && n.body.contains("notices@hotline.example"),
                "{lang:?}: notifier"
            );
            assert!(n.body.contains("Camille Martin"), "{lang:?}: signature");
            assert!(n.body.contains("2022/2065") && n.body.contains("TAKE IT DOWN"), "{lang:?}: legal frames");
            assert!(n.body.contains(words(lang).0), "{lang:?}: good faith");
            assert!(n.subject.contains("N-7") && n.subject.contains("example.com"), "{lang:?}: subject");
            assert!(n.body.contains("2026-05-28"), "{lang:?}: date {}", n.body);
        }
    }

    #[test]
    fn deepfakes_are_notified_under_226_8_1() {
        let templates = NoticeTemplates::builtin().expect("compile");
        let urls = urls();
        let n = templates.render(Lang::Fr, &notifier(), &content(&urls, LegalGround::SexualDeepfake)).expect("render");
        assert!(n.body.contains("226-8-1"));
        assert!(n.body.contains("algorithmique"));
        assert!(!n.body.contains("226-2-1"));
    }

    #[test]
    fn a_hotline_template_that_drops_the_urls_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("en.txt"), "Notice {{ reference }}\nBy {{ notifier.name }} {{ notifier.email }} {{ notifier.signatory }} {{ citation }}\n")
            .expect("write");
        let templates = NoticeTemplates::from_dir(dir.path()).expect("compiles");
        let urls = urls();
        let err = templates
            .render(Lang::En, &notifier(), &content(&urls, LegalGround::SexualDeepfake))
            .expect_err("incomplete");
        assert!(matches!(err, NoticeError::IncompleteNotice { .. }));
        // French falls back to the built-in template.
        templates.render(Lang::Fr, &notifier(), &content(&urls, LegalGround::SexualDeepfake)).expect("builtin fr");
    }

    #[test]
    fn a_typo_in_an_edited_template_fails_instead_of_rendering_blank() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("fr.txt"), "{{ notifer.name }}").expect("write");
        let templates = NoticeTemplates::from_dir(dir.path()).expect("syntax is fine");
        let urls = urls();
        let err = templates
            .render(Lang::Fr, &notifier(), &content(&urls, LegalGround::SexualDeepfake))
            .expect_err("undefined");
        assert!(matches!(err, NoticeError::Template { .. }));
        std::fs::write(dir.path().join("fr.txt"), "{% if %}").expect("write");
        assert!(NoticeTemplates::from_dir(dir.path()).is_err());
    }
}
