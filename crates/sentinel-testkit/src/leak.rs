//! Looking for a secret everywhere it could leak, in every form it could take.

/// The forms a leaked secret could take in text: raw, form- and
/// percent-encoded (both hex cases), with JSON's escaped `/`, and its first ten
/// characters (a cut-off echo).
pub fn forms(secret: &str) -> Vec<String> {
    let form: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    let mut out = vec![
        secret.to_owned(),
        form.replace('+', "%20"),
        form.to_lowercase(),
        secret.replace('/', "\\/"),
        secret.chars().take(10).collect(),
        form,
    ];
    out.dedup();
    out
}

/// Everything an error can show: `Display`, `Debug`, pretty `Debug`, and the same
/// for each error of its `source()` chain.
pub fn shown(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = String::new();
    let mut next = Some(e);
    while let Some(e) = next {
        out.push_str(&format!("{e}\n{e:?}\n{e:#?}\n"));
        next = e.source();
    }
    out
}

/// Fails if `text` holds any form ([`forms`]) of any of `secrets`.
pub fn assert_clean(what: &str, text: &str, secrets: &[&str]) {
    for s in secrets {
        for f in forms(s) {
            assert!(!text.contains(&f), "{what}: {f:?} leaked:\n{text}");
        }
    }
}
