//! The statistics page's words in French and English, the language chosen for a request, and numbers, months
//! and durations written the way each language writes them.

use disrupt_openapi::notices::Lang;
use serde::Serialize;

/// Every sentence and label of the page in one language.
#[derive(Debug, Serialize)]
pub struct Texts {
    pub html_lang: &'static str,
    pub title: &'static str,
    pub intro: &'static str,
    pub small_counts: &'static str,
    pub computed: &'static str,
    pub language: &'static str,
    pub downloads: &'static str,
    pub download_csv: &'static str,
    pub download_json: &'static str,
    pub downloads_note: &'static str,
    pub nothing_yet: &'static str,
    pub total: &'static str,
    pub month: &'static str,
    pub category: &'static str,
    pub cases: &'static str,
    pub host: &'static str,
    pub kind: &'static str,
    pub none_recorded: &'static str,
    pub numbers_in_table: &'static str,
    pub cases_by_month: &'static str,
    pub cases_by_month_desc: &'static str,
    pub cases_by_category: &'static str,
    pub cases_by_category_desc: &'static str,
    pub urls: &'static str,
    pub urls_desc: &'static str,
    pub urls_reported: &'static str,
    pub urls_confirmed: &'static str,
    pub notices_sent: &'static str,
    pub notices_sent_desc: &'static str,
    pub sent: &'static str,
    pub removed: &'static str,
    pub removal_rate: &'static str,
    pub removal_rate_desc: &'static str,
    pub removal_rate_sentence: &'static str,
    pub removal_rate_hidden: &'static str,
    pub time_to_removal: &'static str,
    pub time_to_removal_desc: &'static str,
    pub median_sentence: &'static str,
    pub median_hidden: &'static str,
    pub median_hours: &'static str,
    pub removals: &'static str,
    pub platforms: &'static str,
    pub platforms_intro: &'static str,
    pub platforms_chart: &'static str,
    pub platforms_chart_desc: &'static str,
    pub median_ack_hours: &'static str,
    pub notices_by_platform: &'static str,
    pub hashes: &'static str,
    pub matches: &'static str,
    pub matches_desc: &'static str,
    pub matches_count: &'static str,
    pub not_shown: &'static str,
}

const FR: Texts = Texts {
    html_lang: "fr",
    title: "statistiques",
    intro: "Ce que la hotline a reçu et fait : les signalements des victimes, les adresses (URL) vérifiées, les \
            notifications envoyées aux hébergeurs et ce qu'ils en ont fait.",
    small_counts: "Aucun nombre inférieur à {min} n'est publié (« <{min} »), ni aucun nombre qu'on pourrait en \
                   déduire à partir des totaux : personne ne doit pouvoir être reconnu. Un hébergeur n'est nommé \
                   que si au moins {min} notifications lui ont été envoyées.",
    computed: "Chiffres calculés le {date} (UTC), au plus une fois par minute.",
    language: "Langue",
    downloads: "Télécharger ces chiffres",
    download_csv: "CSV (tableur)",
    download_json: "JSON",
    downloads_note: "Les mêmes chiffres que sur cette page, avec les mêmes règles pour les petits nombres.",
    nothing_yet: "Rien pour l'instant.",
    total: "Total",
    month: "Mois",
    category: "Catégorie",
    cases: "Signalements",
    host: "Hébergeur",
    kind: "Empreinte",
    none_recorded: "—",
    numbers_in_table: "Les nombres sont dans le tableau qui suit.",
    cases_by_month: "Signalements par mois",
    cases_by_month_desc: "Nombre de signalements reçus des victimes, chaque mois.",
    cases_by_category: "Signalements par catégorie",
    cases_by_category_desc: "Nombre de signalements reçus, par catégorie.",
    urls: "Adresses signalées et confirmées",
    urls_desc: "Chaque mois, les adresses (URL) signalées par les victimes et celles que les analystes ont \
                confirmées.",
    urls_reported: "signalées",
    urls_confirmed: "confirmées",
    notices_sent: "Notifications envoyées",
    notices_sent_desc: "Notifications de retrait envoyées aux hébergeurs, par mois d'envoi.",
    sent: "Envoyées",
    removed: "Retirées",
    removal_rate: "Taux de retrait",
    removal_rate_desc: "Part des notifications envoyées chaque mois dont le contenu a été retiré, en pourcentage.",
    removal_rate_sentence: "{percent} des notifications envoyées ont abouti au retrait du contenu ({removed} sur \
                            {sent}).",
    removal_rate_hidden: "Le taux de retrait n'est pas publié tant que ses nombres sont trop petits.",
    time_to_removal: "Délai de retrait",
    time_to_removal_desc: "Délai médian entre l'envoi d'une notification et le retrait, en heures, par mois du \
                           retrait.",
    median_sentence: "Délai médian entre l'envoi et le retrait : {hours}.",
    median_hidden: "Le délai médian n'est pas publié (moins de {min} retraits).",
    median_hours: "Délai médian",
    removals: "Retraits",
    platforms: "Réactivité des hébergeurs",
    platforms_intro: "Seuls les hébergeurs qui ont reçu au moins {min} notifications sont nommés ; les autres sont \
                      comptés ensemble sous « autres hébergeurs ». Un délai médian n'est publié que sur au moins \
                      {min} notifications.",
    platforms_chart: "Délai médian de retrait par hébergeur",
    platforms_chart_desc: "Pour chaque hébergeur nommé, délai médian entre l'envoi et le retrait, en heures.",
    median_ack_hours: "Délai médian d'accusé de réception",
    notices_by_platform: "Notifications par hébergeur et suite donnée",
    hashes: "Empreintes par type et par état",
    matches: "Correspondances trouvées par mois",
    matches_desc: "Contenus que des plateformes ont trouvés sur la liste, chaque mois.",
    matches_count: "Correspondances",
    not_shown: "non publié",
};

const EN: Texts = Texts {
    html_lang: "en",
    title: "statistics",
    intro: "What the hotline received and did: victims' reports, the web addresses (URLs) checked, the notices \
            sent to hosts and what the hosts did.",
    small_counts: "No count under {min} is published (\"<{min}\"), nor any count that could be worked out from \
                   the totals, so that nobody can be singled out. A host is named only once at least {min} \
                   notices went to it.",
    computed: "Figures computed on {date} (UTC), at most once a minute.",
    language: "Language",
    downloads: "Download these figures",
    download_csv: "CSV (spreadsheet)",
    download_json: "JSON",
    downloads_note: "The same figures as on this page, under the same rules for small counts.",
    nothing_yet: "Nothing yet.",
    total: "Total",
    month: "Month",
    category: "Category",
    cases: "Cases",
    host: "Host",
    kind: "Hash",
    none_recorded: "—",
    numbers_in_table: "The numbers are in the table below.",
    cases_by_month: "Cases by month",
    cases_by_month_desc: "Cases received from victims each month.",
    cases_by_category: "Cases by category",
    cases_by_category_desc: "Cases received, by category.",
    urls: "URLs reported and confirmed",
    urls_desc: "Each month, the web addresses (URLs) victims reported and those analysts confirmed.",
    urls_reported: "reported",
    urls_confirmed: "confirmed",
    notices_sent: "Notices sent",
    notices_sent_desc: "Takedown notices sent to hosts, by month of sending.",
    sent: "Sent",
    removed: "Removed",
    removal_rate: "Removal rate",
    removal_rate_desc: "Share of the notices sent each month whose content was removed, in percent.",
    removal_rate_sentence: "{percent} of the notices sent led to the content's removal ({removed} of {sent}).",
    removal_rate_hidden: "The removal rate is not published while its counts are too small.",
    time_to_removal: "Time to removal",
    time_to_removal_desc: "Median time from sending a notice to removal, in hours, by month of the removal.",
    median_sentence: "Median time from sending to removal: {hours}.",
    median_hidden: "The median is not published (fewer than {min} removals).",
    median_hours: "Median time",
    removals: "Removals",
    platforms: "How hosts respond",
    platforms_intro: "Only hosts that received at least {min} notices are named; the others are counted together \
                      as \"other hosts\". A median is published only over at least {min} notices.",
    platforms_chart: "Median time to removal by host",
    platforms_chart_desc: "For each named host, the median time from sending to removal, in hours.",
    median_ack_hours: "Median time to acknowledgement",
    notices_by_platform: "Notices by host and outcome",
    hashes: "Hashes by kind and state",
    matches: "Matches found by month",
    matches_desc: "Content platforms found on the list, each month.",
    matches_count: "Matches",
    not_shown: "not published",
};

/// The page's texts in `lang`.
pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Fr => &FR,
        // The statistics page is in French and English; `choose` never picks another language.
        Lang::En | Lang::Es | Lang::De | Lang::It | Lang::Ar => &EN,
    }
}

/// The page's language: `?lang=` when given, else the first of French and English the browser prefers
/// (`Accept-Language`, by quality), else French, the hotline's own.
pub fn choose(query: Option<Lang>, accept_language: Option<&str>) -> Lang {
    if let Some(lang) = query {
        return lang;
    }
    let mut best: Option<(f32, Lang)> = None;
    for part in accept_language.unwrap_or_default().split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let primary = tag.split('-').next().unwrap_or_default();
        let lang = match primary {
            "fr" => Lang::Fr,
            "en" => Lang::En,
            _ => continue,
        };
        if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, lang));
        }
    }
    best.map_or(Lang::Fr, |(_, lang)| lang)
}

/// `n` with the language's thousands separator (a narrow no-break space in French, a comma in English).
pub fn number(lang: Lang, n: u64) -> String {
    let digits = n.to_string();
    let sep = match lang {
        Lang::Fr => "\u{202F}",
        Lang::En | Lang::Es | Lang::De | Lang::It | Lang::Ar => ",",
    };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(sep);
        }
        out.push(c);
    }
    out
}

/// A published count: the number, or `<min` where it is suppressed.
pub fn count(lang: Lang, cell: Option<u64>, minimum: u64) -> String {
    cell.map_or_else(|| format!("<{minimum}"), |n| number(lang, n))
}

/// A duration in hours with one decimal (`2,5 h`, `2.5 h`).
pub fn hours(lang: Lang, ms: u64) -> String {
    let text = format!("{:.1}", ms as f64 / 3_600_000.0);
    match lang {
        Lang::Fr => format!("{}\u{a0}h", text.replace('.', ",")),
        Lang::En | Lang::Es | Lang::De | Lang::It | Lang::Ar => format!("{text} h"),
    }
}

/// A percentage (`75 %`, `75%`).
pub fn percent(lang: Lang, p: u64) -> String {
    match lang {
        Lang::Fr => format!("{p}\u{a0}%"),
        Lang::En | Lang::Es | Lang::De | Lang::It | Lang::Ar => format!("{p}%"),
    }
}

const MONTHS_FR: [&str; 12] =
    ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."];
const MONTHS_EN: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A `YYYY-MM` month as the language writes it (`nov. 2026`, `Nov 2026`); anything else as it is.
pub fn month(lang: Lang, key: &str) -> String {
    let parsed =
        key.split_once('-').and_then(|(y, m)| Some((y, m.parse::<usize>().ok().filter(|m| (1..=12).contains(m))?)));
    match parsed {
        Some((year, m)) if year.len() == 4 => {
            let names = if lang == Lang::Fr { MONTHS_FR } else { MONTHS_EN };
            format!("{} {year}", names[m - 1])
        }
        _ => key.to_owned(),
    }
}

/// The name of a code the statistics use as a label (category, outcome, hash kind or state, the pooled rows);
/// anything else (a host) as it is.
pub fn label(lang: Lang, code: &str) -> String {
    let fr = lang == Lang::Fr;
    let name = match code {
        "adult_ncii" => {
            if fr {
                "Images intimes d'adultes"
            } else {
                "Intimate images of adults"
            }
        }
        "minor" => {
            if fr {
                "Mineurs"
            } else {
                "Minors"
            }
        }
        "sextortion_threat" => {
            if fr {
                "Menace (sextorsion)"
            } else {
                "Sextortion threat"
            }
        }
        "deepfake" => "Deepfakes",
        "other" => {
            if fr {
                "Autre"
            } else {
                "Other"
            }
        }
        "unanswered" => {
            if fr {
                "En attente de réponse"
            } else {
                "Awaiting an answer"
            }
        }
        "acknowledged" => {
            if fr {
                "Reçue, sans décision"
            } else {
                "Acknowledged, no decision"
            }
        }
        "removed" => {
            if fr {
                "Retiré"
            } else {
                "Removed"
            }
        }
        "rejected" => {
            if fr {
                "Refusé"
            } else {
                "Rejected"
            }
        }
        "no_answer" => {
            if fr {
                "Jamais de réponse"
            } else {
                "Never answered"
            }
        }
        "pending" => {
            if fr {
                "En attente"
            } else {
                "Pending"
            }
        }
        "verified" => {
            if fr {
                "Vérifiée"
            } else {
                "Verified"
            }
        }
        "withdrawn" => {
            if fr {
                "Retirée par la victime"
            } else {
                "Withdrawn by the victim"
            }
        }
        "quarantined" => {
            if fr {
                "En quarantaine"
            } else {
                "Quarantined"
            }
        }
        "pdq" => "Image (PDQ)",
        "video" => {
            if fr {
                "Vidéo (vPDQ)"
            } else {
                "Video (vPDQ)"
            }
        }
        "md5" => "MD5",
        "sha256" => "SHA-256",
        disrupt_hotline::stats::OTHER_HOSTS => {
            if fr {
                "autres hébergeurs"
            } else {
                "other hosts"
            }
        }
        other => return other.to_owned(),
    };
    name.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_wins_then_the_browsers_preference_then_french() {
        assert_eq!(choose(Some(Lang::En), Some("fr-FR")), Lang::En);
        assert_eq!(choose(None, Some("en-GB,en;q=0.9,fr;q=0.8")), Lang::En);
        assert_eq!(choose(None, Some("de-DE, fr;q=0.5, en;q=0.4")), Lang::Fr);
        assert_eq!(choose(None, Some("fr;q=0.2, EN-us;q=0.9")), Lang::En);
        assert_eq!(choose(None, Some("en;q=0, fr;q=0.1")), Lang::Fr);
        assert_eq!(choose(None, Some("de")), Lang::Fr);
        assert_eq!(choose(None, None), Lang::Fr);
    }

    #[test]
    fn numbers_months_and_durations_are_written_the_languages_way() {
        assert_eq!(number(Lang::En, 1_234_567), "1,234,567");
        assert_eq!(number(Lang::Fr, 1_234), "1\u{202F}234");
        assert_eq!(number(Lang::Fr, 999), "999");
        assert_eq!(count(Lang::En, None, 5), "<5");
        assert_eq!(hours(Lang::Fr, 9_000_000), "2,5\u{a0}h");
        assert_eq!(hours(Lang::En, 9_000_000), "2.5 h");
        assert_eq!(percent(Lang::Fr, 75), "75\u{a0}%");
        assert_eq!(month(Lang::Fr, "2026-02"), "févr. 2026");
        assert_eq!(month(Lang::En, "2026-12"), "Dec 2026");
        assert_eq!(month(Lang::En, "2026-13"), "2026-13");
        assert_eq!(label(Lang::Fr, "removed"), "Retiré");
        assert_eq!(label(Lang::En, "forum.example"), "forum.example");
    }
}
