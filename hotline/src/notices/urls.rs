//! Reported URLs: parsing, cleaning and grouping by the host that serves them.

use std::collections::BTreeMap;

use url::Url;

use super::NoticeError;

/// Longest URL accepted; longer ones are abuse or garbage, not a location a platform can act on.
pub const MAX_URL_LEN: usize = 2048;

/// Parses a URL a victim reported. Only `http`/`https` with a host; credentials are dropped (a notice must
/// not forward them). The rest (path, query, fragment) is kept as given: DSA Article 16 asks for the exact
/// location.
pub fn parse_reported_url(raw: &str) -> Result<Url, NoticeError> {
    let raw = raw.trim();
    let invalid = || NoticeError::InvalidUrl { url: raw.chars().take(200).collect() };
    if raw.len() > MAX_URL_LEN {
        return Err(invalid());
    }
    let mut url = Url::parse(raw).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid());
    }
    // Both setters only fail on URLs that cannot have credentials, which http(s) with a host can.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Ok(url)
}

/// The key notices are grouped by: the host, lower-case and punycode (the `url` crate applies IDNA to
/// special schemes), without a trailing dot or a leading `www.`, so `WWW.Example.com.` and `example.com`
/// go to one notice.
pub fn host_key(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default().trim_end_matches('.').to_ascii_lowercase();
    match host.strip_prefix("www.") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => host,
    }
}

/// Groups URLs by [`host_key`], dropping exact duplicates, in a stable order (hosts sorted, URLs in the
/// order first given).
pub fn group_by_host<'a>(urls: impl IntoIterator<Item = &'a Url>) -> BTreeMap<String, Vec<Url>> {
    let mut groups: BTreeMap<String, Vec<Url>> = BTreeMap::new();
    for url in urls {
        let group = groups.entry(host_key(url)).or_default();
        if !group.contains(url) {
            group.push(url.clone());
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Url {
        parse_reported_url(s).expect(s)
    }

    #[test]
    fn hosts_are_normalised_to_lower_case_punycode_without_www_or_trailing_dot() {
        assert_eq!(host_key(&parse("https://WWW.Example.COM./a")), "example.com");
        assert_eq!(host_key(&parse("https://bücher.example/x")), "xn--bcher-kva.example");
        assert_eq!(host_key(&parse("http://192.168.0.1:8080/x")), "192.168.0.1");
        assert_eq!(host_key(&parse("https://www./x")), "www");
    }

    #[test]
    fn only_web_urls_with_a_host_are_accepted() {
        for bad in ["ftp://example.com/a", "javascript:alert(1)", "not a url", "https://", "mailto:a@b.c", ""] {
            assert!(parse_reported_url(bad).is_err(), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(parse_reported_url(&long).is_err());
    }

    #[test]
    fn credentials_are_dropped_but_the_exact_location_is_kept() {
        let url = parse("https://user:pw@Example.com/p/1?x=2#frag");
        assert_eq!(url.as_str(), "https://example.com/p/1?x=2#frag");
    }

    #[test]
    fn urls_are_grouped_by_host_and_deduplicated() {
        let urls: Vec<Url> = [
            "https://www.example.com/1",
            "https://example.com/2",
            "https://EXAMPLE.com/1",
            "https://other.net/x",
            "https://www.example.com/1",
        ]
        .iter()
        .map(|s| parse(s))
        .collect();
        let groups = group_by_host(&urls);
        assert_eq!(groups.keys().collect::<Vec<_>>(), vec!["example.com", "other.net"]);
        let example: Vec<&str> = groups["example.com"].iter().map(Url::as_str).collect();
        assert_eq!(example, vec!["https://www.example.com/1", "https://example.com/2", "https://example.com/1"]);
    }
}
