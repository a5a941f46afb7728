//! PKCE (RFC 7636, S256): the verifier's shape and secrecy, the Appendix B test
//! vector, the authorize URL's parameters, the exchange body, and the client.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use sentinel_proto::{
    AccountId, AuthorizationCode, ClientId, ClientSecret, CodeVerifier, Error, Host, Sentinel,
    error::InputError,
    user::{PkceChallenge, RedirectUri, State},
};

/// RFC 7636 Appendix B: the octets, the verifier and its S256 challenge.
const B_OCTETS: [u8; 32] = [
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77,
    105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
];
const B_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const B_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

const STATE: &str = "0123456789abcdef-STATE";

fn sentinel() -> Sentinel {
    Sentinel::new(
        Host::parse("va.sentinel.liveperson.net").unwrap(),
        AccountId::new("123456").unwrap(),
        ClientId::new("cid").unwrap(),
        ClientSecret::new("sec"),
    )
}

fn query(url: &url::Url) -> Vec<(String, String)> {
    url.query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes(body).unwrap()
}

#[test]
fn rfc7636_appendix_b_test_vector() {
    let v = CodeVerifier::from_random_bytes(B_OCTETS);
    assert_eq!(v.secret(), B_VERIFIER);
    assert_eq!(v.challenge().as_str(), B_CHALLENGE);
    assert_eq!(v.challenge().method(), "S256");
    let parsed = CodeVerifier::new(B_VERIFIER).unwrap();
    assert_eq!(parsed, v);
    assert_eq!(PkceChallenge::s256(&parsed).as_str(), B_CHALLENGE);
}

#[test]
fn verifier_is_redacted_everywhere() {
    let v = CodeVerifier::new(B_VERIFIER).unwrap();
    assert_eq!(format!("{v:?}"), "CodeVerifier([redacted])");
    assert_eq!(format!("{:?}", Some(&v)), "Some(CodeVerifier([redacted]))");
    // The challenge's Debug shows the challenge only.
    let c = format!("{:?}", v.challenge());
    assert!(!c.contains(B_VERIFIER), "{c}");
}

#[test]
fn verifier_length_and_alphabet_follow_rfc7636_4_1() {
    let ok = [
        "a".repeat(43),
        "Z".repeat(128),
        format!("{}-._~", "0".repeat(39)),
        B_VERIFIER.to_owned(),
    ];
    for v in ok {
        assert!(CodeVerifier::new(v.clone()).is_ok(), "{v}");
    }
    let marker = "VERIFIER-MARKER";
    let bad = [
        String::new(),
        "a".repeat(42),
        "a".repeat(129),
        format!("{marker}{}", "+".repeat(30)),
        format!("{marker}{}=", "a".repeat(30)),
        format!("{marker}{} ", "a".repeat(30)),
        format!("{marker}{}/", "a".repeat(30)),
        format!("{marker}{}é", "a".repeat(30)),
        format!("{marker}{}%7E", "a".repeat(30)),
    ];
    for v in bad {
        let e = CodeVerifier::new(v.clone()).expect_err(&v);
        assert!(
            matches!(
                e,
                InputError::Parameter {
                    name: "code_verifier",
                    ..
                }
            ),
            "{e:?}"
        );
        let shown = format!("{e} {e:?} {}", Error::from(e.clone()));
        assert!(!shown.contains(marker), "{shown}");
    }
}

#[test]
fn authorize_url_carries_the_challenge_and_never_the_verifier() {
    let s = sentinel();
    let state = State::new(STATE).unwrap();
    let v = CodeVerifier::new(B_VERIFIER).unwrap();
    let redirect = RedirectUri::new("https://app.example/cb").unwrap();
    for r in [None, Some(&redirect)] {
        let url = s.authorize_url_pkce(r, &state, &v.challenge()).unwrap();
        assert!(!url.as_str().contains(B_VERIFIER), "{url}");
        let q = query(&url);
        let plain = query(&s.authorize_url(r, &state).unwrap());
        // The plain parameters first, unchanged, then the two PKCE ones.
        assert_eq!(q[..plain.len()], plain[..]);
        assert_eq!(
            q[plain.len()..],
            [
                ("code_challenge".to_owned(), B_CHALLENGE.to_owned()),
                ("code_challenge_method".to_owned(), "S256".to_owned()),
            ]
        );
    }
    // Off by default: the plain URL has neither.
    let plain = s.authorize_url(None, &state).unwrap();
    assert!(!plain.as_str().contains("code_challenge"), "{plain}");
}

#[test]
fn exchange_body_carries_the_verifier() {
    let s = sentinel();
    let code = AuthorizationCode::new("c0de");
    let v = CodeVerifier::new(format!("{B_VERIFIER}~.")).unwrap();
    let redirect = RedirectUri::new("https://app.example/cb").unwrap();
    for r in [None, Some(&redirect)] {
        let req = s.exchange_code_request_pkce(&code, r, &v).unwrap();
        let plain = s.exchange_code_request(&code, r).unwrap();
        assert_eq!(req.uri(), plain.uri());
        assert_eq!(req.method(), plain.method());
        assert_eq!(req.headers(), plain.headers());
        let mut pairs = form(req.body());
        let at = pairs
            .iter()
            .position(|(k, _)| k == "code_verifier")
            .unwrap();
        assert_eq!(pairs.remove(at).1, v.secret());
        assert_eq!(pairs, form(plain.body()));
        // The verifier is in the body only.
        assert!(!req.uri().to_string().contains(B_VERIFIER));
        for (_, value) in req.headers() {
            assert!(!value.to_str().unwrap().contains(B_VERIFIER));
        }
    }
    assert!(
        !String::from_utf8_lossy(s.exchange_code_request(&code, None).unwrap().body())
            .contains("code_verifier")
    );
}
