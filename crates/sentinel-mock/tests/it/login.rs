//! `LoginMode::Form`: authorize answers an HTML login page; its form, filled in
//! as a browser would, posts to `.../login` and gets the callback with a code.

use serde_json::Value;

use sentinel_mock::{DEMO_PASSWORD, Endpoint, LoginMode, MockServer};

use crate::util::{
    CLIENT, CLIENT2, REDIRECT, REDIRECT2, SECRET, T, config, decode, location, query_of,
};

/// RFC 7636 appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

async fn form_mock() -> T {
    T::with(
        MockServer::builder()
            .config(config())
            .login(LoginMode::Form),
    )
    .await
}

/// The login form of a page: where it posts, and every input's name and value.
#[derive(Debug)]
struct Form {
    method: String,
    action: String,
    fields: Vec<(String, String)>,
}

impl Form {
    /// Sets `name` (which must be a field of the form) to `value`.
    fn fill(&mut self, name: &str, value: &str) {
        let field = self.fields.iter_mut().find(|(k, _)| k == name);
        field.unwrap_or_else(|| panic!("no field {name}")).1 = value.to_owned();
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in the start tag `tag`, unescaped.
fn attr(tag: &str, name: &str) -> Option<String> {
    let key = format!(" {name}=\"");
    let start = tag.find(&key)? + key.len();
    let end = start + tag[start..].find('"')?;
    Some(unescape(&tag[start..end]))
}

/// The start tags `<{name} ...>` of `html`, in order.
fn tags<'a>(html: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name} ");
    html.match_indices(&open)
        .map(|(i, _)| &html[i..i + html[i..].find('>').unwrap() + 1])
        .collect()
}

/// Parses the page's one form, as a browser would see it.
fn parse_form(html: &str) -> Form {
    let forms = tags(html, "form");
    assert_eq!(forms.len(), 1, "one form: {html}");
    let form = forms[0];
    let fields = tags(html, "input")
        .into_iter()
        .map(|t| {
            (
                attr(t, "name").unwrap(),
                attr(t, "value").unwrap_or_default(),
            )
        })
        .collect();
    Form {
        method: attr(form, "method").unwrap(),
        action: attr(form, "action").unwrap(),
        fields,
    }
}

/// GETs the authorize page for `pairs`; checks it is the login page and returns
/// its URL, its body and its form.
async fn page(t: &T, pairs: &[(&str, &str)]) -> (reqwest::Url, String, Form) {
    let q = serde_urlencoded::to_string(pairs).unwrap();
    let url = reqwest::Url::parse(&t.sentinel(&format!("/authorize?{q}"))).unwrap();
    let r = t.get(url.as_str()).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("location").is_none());
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.starts_with("default-src 'none'"), "{csp}");
    let body = r.text().await.unwrap();
    let form = parse_form(&body);
    (url, body, form)
}

/// Posts `form` as a browser submits it (form-encoded, to its action resolved
/// against the page's URL).
async fn submit(t: &T, page_url: &reqwest::Url, form: &Form) -> reqwest::Response {
    assert_eq!(form.method, "post");
    let target = page_url.join(&form.action).unwrap();
    t.http.post(target).form(&form.fields).send().await.unwrap()
}

fn authorize_pairs(state: &str) -> Vec<(&str, &str)> {
    vec![
        ("v", "1.0"),
        ("response_type", "code"),
        ("client_id", CLIENT),
        ("redirect_uri", REDIRECT),
        ("state", state),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
}

#[tokio::test]
async fn the_login_page_filled_in_gives_a_code_that_exchanges() {
    let t = form_mock().await;
    let (url, body, mut form) = page(&t, &authorize_pairs("st-login")).await;
    // Stable ids for WebDriver; no script, nothing loaded from anywhere.
    for needle in [
        r#"<input id="username" name="username" type="text""#,
        r#"<input id="password" name="password" type="password""#,
        r#"<button id="login" type="submit">"#,
        r#"<form id="login-form" method="post" action="login">"#,
    ] {
        assert!(body.contains(needle), "{needle} in {body}");
    }
    for absent in [
        "<script",
        "src=",
        "href=",
        "<link",
        "<img",
        "url(",
        "id=\"error\"",
    ] {
        assert!(!body.contains(absent), "{absent} in {body}");
    }
    assert!(body.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        url.join(&form.action).unwrap().path(),
        "/sentinel/api/account/123456/login"
    );
    // The authorize request travels in hidden fields.
    assert_eq!(form.value("state"), Some("st-login"));
    assert_eq!(form.value("code_challenge"), Some(CHALLENGE));
    assert_eq!(t.m.count(Endpoint::Authorize), 1);
    assert_eq!(t.m.count(Endpoint::Login), 0);

    form.fill("username", &t.m.config().user.id);
    form.fill("password", DEMO_PASSWORD);
    let r = submit(&t, &url, &form).await;
    assert_eq!(r.status(), 302);
    let loc = location(&r);
    assert!(loc.starts_with(&format!("{REDIRECT}?")), "{loc}");
    let q = query_of(&loc);
    assert!(
        q.iter().any(|(k, v)| k == "state" && v == "st-login"),
        "{loc}"
    );
    let code = q.iter().find(|(k, _)| k == "code").unwrap().1.clone();
    assert_eq!(t.m.count(Endpoint::Login), 1);

    // The code is an ordinary one: PKCE and redirect_uri as sent to authorize.
    let r = t
        .post_form(
            &t.sentinel("/token?v=1.0"),
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("redirect_uri", REDIRECT),
                ("code_verifier", VERIFIER),
                ("client_id", CLIENT),
                ("client_secret", SECRET),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let id = decode(v["id_token"].as_str().unwrap());
    assert_eq!(id.claims["sub"], "demo-user-1");
    assert_eq!(id.claims["aud"], CLIENT);
    // The request log has the form's names, never its values.
    let log = t.m.request_log();
    let login = log.iter().find(|e| e.endpoint == Endpoint::Login).unwrap();
    assert_eq!(login.method, "POST");
    assert!(login.params.iter().any(|p| p == "password"));
    let logged = format!("{log:?}");
    assert!(!logged.contains(DEMO_PASSWORD), "{logged}");
}

#[tokio::test]
async fn a_wrong_password_or_username_shows_the_form_again_without_a_code() {
    let t = form_mock().await;
    let (url, _, mut form) = page(&t, &authorize_pairs("st-wrong")).await;
    let user = t.m.config().user.id.clone();
    for (username, password) in [
        (user.as_str(), "WRONG-PASSWORD-MARKER"),
        (user.as_str(), ""),
        ("someone-else", DEMO_PASSWORD),
        ("", DEMO_PASSWORD),
        (&format!("{user} "), DEMO_PASSWORD),
    ] {
        form.fill("username", username);
        form.fill("password", password);
        let r = submit(&t, &url, &form).await;
        assert_eq!(r.status(), 200, "{username:?}");
        assert!(r.headers().get("location").is_none());
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
        let body = r.text().await.unwrap();
        assert!(
            body.contains(r#"<p id="error" role="alert">Wrong username or password.</p>"#),
            "{body}"
        );
        assert!(!body.contains("code-"), "no code anywhere: {body}");
        assert!(
            !body.contains("WRONG-PASSWORD-MARKER"),
            "password not echoed"
        );
        // The same form again, the username kept, the password not; the next
        // attempt is made on it.
        let again = parse_form(&body);
        assert_eq!(again.value("username"), Some(username));
        assert_eq!(again.value("password"), Some(""));
        assert_eq!(again.value("state"), Some("st-wrong"));
        assert_eq!(again.value("code_challenge"), Some(CHALLENGE));
        assert_eq!(again.fields.len(), form.fields.len());
        form = again;
    }
    // The re-shown form logs in with the right credentials.
    form.fill("username", &user);
    form.fill("password", DEMO_PASSWORD);
    let r = submit(&t, &url, &form).await;
    assert_eq!(r.status(), 302);
    let q = query_of(&location(&r));
    assert!(q.iter().any(|(k, _)| k == "code"));
    assert!(q.iter().any(|(k, v)| k == "state" && v == "st-wrong"));
}

#[tokio::test]
async fn a_hostile_state_is_escaped_in_the_page_and_returned_intact() {
    let t = form_mock().await;
    let hostile = r#""><script>alert(1)</script><img src=x onerror=alert(2)>'&amp;"#;
    let mut pairs = authorize_pairs(hostile);
    // A hostile parameter name is reflected (and escaped) too.
    pairs.push((r#""><b id="injected">"#, "<i>"));
    let (url, body, mut form) = page(&t, &pairs).await;
    for raw in ["<script", "<img", "<b ", "<i>", "onerror=alert(2)>"] {
        assert!(!body.contains(raw), "{raw} unescaped in {body}");
    }
    assert!(body.contains("&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(body.contains("&#x27;&amp;amp;"));
    assert_eq!(form.value("state"), Some(hostile), "parsed back intact");
    form.fill("username", &t.m.config().user.id);
    form.fill("password", DEMO_PASSWORD);
    let r = submit(&t, &url, &form).await;
    assert_eq!(r.status(), 302);
    let q = query_of(&location(&r));
    let state = &q.iter().find(|(k, _)| k == "state").unwrap().1;
    assert_eq!(state, hostile);
}

#[tokio::test]
async fn the_login_post_checks_the_authorize_parameters_as_authorize_does() {
    let t = form_mock().await;
    let user = t.m.config().user.id.clone();
    let post = |extra: Vec<(&'static str, &'static str)>| {
        let mut f = vec![
            ("username", user.clone()),
            ("password", DEMO_PASSWORD.into()),
        ];
        f.extend(extra.into_iter().map(|(k, v)| (k, v.to_owned())));
        let http = t.http.clone();
        let url = t.sentinel("/login");
        async move { http.post(url).form(&f).send().await.unwrap() }
    };
    // An untrusted client or redirect: a 400 page, never a redirect.
    for extra in [
        vec![("response_type", "code")],
        vec![("response_type", "code"), ("client_id", "unknown-client")],
        vec![
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("redirect_uri", "https://evil.example/cb"),
        ],
        vec![("response_type", "code"), ("client_id", CLIENT2)],
        vec![
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("state", "a"),
            ("state", "b"),
        ],
    ] {
        let r = post(extra.clone()).await;
        assert_eq!(r.status(), 400, "{extra:?}");
        assert!(r.headers().get("location").is_none(), "{extra:?}");
    }
    // A trusted redirect with a bad request: the OAuth error, no code.
    for (extra, error) in [
        (vec![("client_id", CLIENT)], "invalid_request"),
        (
            vec![("client_id", CLIENT), ("response_type", "token")],
            "unsupported_response_type",
        ),
        (
            vec![
                ("client_id", CLIENT),
                ("response_type", "code"),
                ("code_challenge", CHALLENGE),
                ("code_challenge_method", "plain"),
            ],
            "invalid_request",
        ),
    ] {
        let r = post(extra.clone()).await;
        assert_eq!(r.status(), 302, "{extra:?}");
        let q = query_of(&location(&r));
        assert!(q.iter().any(|(k, v)| k == "error" && v == error), "{q:?}");
        assert!(!q.iter().any(|(k, _)| k == "code"), "{q:?}");
    }
    // The second client, with its second redirect: the code goes there.
    let r = post(vec![
        ("client_id", CLIENT2),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT2),
    ])
    .await;
    assert_eq!(r.status(), 302);
    assert!(location(&r).starts_with("http://localhost:8765/cb?x=1&code="));
    // Not a form, or the form's own fields repeated: 400.
    let r = t
        .http
        .post(t.sentinel("/login"))
        .json(&serde_json::json!({"username": user}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = t
        .post_form(
            &t.sentinel("/login"),
            &[
                ("username", user.as_str()),
                ("username", user.as_str()),
                ("password", DEMO_PASSWORD),
                ("client_id", CLIENT),
                ("response_type", "code"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    // Unknown account: 404, as everywhere.
    let r = t
        .post_form(
            &t.url("/sentinel/api/account/999/login"),
            &[("username", user.as_str()), ("password", DEMO_PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn with_the_login_page_a_bad_authorize_request_gets_no_page() {
    let t = form_mock().await;
    let r = t
        .authorize(&[("response_type", "code"), ("client_id", "unknown-client")])
        .await;
    assert_eq!(r.status(), 400);
    assert!(!r.text().await.unwrap().contains("<form"));
    let r = t
        .authorize(&[
            ("response_type", "token"),
            ("client_id", CLIENT),
            ("state", "s"),
        ])
        .await;
    assert_eq!(r.status(), 302);
    let q = query_of(&location(&r));
    assert!(
        q.iter()
            .any(|(k, v)| k == "error" && v == "unsupported_response_type")
    );
    assert!(q.iter().any(|(k, v)| k == "state" && v == "s"));
}

#[tokio::test]
async fn auto_consent_stays_the_default_and_the_login_endpoint_answers_too() {
    let t = T::new().await;
    assert_eq!(t.m.config().login, LoginMode::AutoConsent);
    let code = t.code(true).await;
    assert!(code.starts_with("code-"));
    // The form's endpoint works whatever the mode (a page kept open across a
    // restart still logs in).
    let r = t
        .post_form(
            &t.sentinel("/login"),
            &[
                ("username", t.m.config().user.id.as_str()),
                ("password", DEMO_PASSWORD),
                ("client_id", CLIENT),
                ("response_type", "code"),
                ("state", "st"),
            ],
        )
        .await;
    assert_eq!(r.status(), 302);
    let q = query_of(&location(&r));
    assert!(q.iter().any(|(k, _)| k == "code"));
}
