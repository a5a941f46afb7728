//! Helpers: a mock with a reqwest client, form posts, JWT checks with ring.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::Value;

use sentinel_mock::{MockClient, MockConfig, MockHandle, MockServer};

/// A secret nobody could confuse with anything else, to look for leaks.
pub const SECRET: &str = "SECRET-MARKER-3b9e61";
pub const CLIENT: &str = "0b5e8f3c-1d2a-4c6b-9e7f-5a4d3c2b1a09";
pub const REDIRECT: &str = "http://127.0.0.1/callback";
pub const REDIRECT2: &str = "http://localhost:8765/cb?x=1";
/// A client with two redirect URIs (redirect_uri then required).
pub const CLIENT2: &str = "c2c2c2c2-0000-4000-8000-000000000002";

pub struct T {
    pub m: MockHandle,
    pub http: reqwest::Client,
}

pub fn config() -> MockConfig {
    MockConfig {
        clients: vec![
            MockClient {
                id: CLIENT.into(),
                secret: SECRET.into(),
                redirect_uris: vec![REDIRECT.into()],
            },
            MockClient {
                id: CLIENT2.into(),
                secret: SECRET.into(),
                redirect_uris: vec![REDIRECT.into(), REDIRECT2.into()],
            },
        ],
        ..MockConfig::default()
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap()
}

impl T {
    pub async fn new() -> Self {
        Self::with(MockServer::builder().config(config())).await
    }

    pub async fn with(b: sentinel_mock::MockBuilder) -> Self {
        Self {
            m: b.start().await.unwrap(),
            http: http(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.m.base_url())
    }

    /// `/sentinel/api/account/{account}{rest}`
    pub fn sentinel(&self, rest: &str) -> String {
        self.url(&format!("/sentinel/api/account/{}{rest}", self.m.account()))
    }

    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http.post(url).form(form).send().await.unwrap()
    }

    pub async fn get(&self, url: &str) -> reqwest::Response {
        self.http.get(url).send().await.unwrap()
    }

    pub async fn jwks(&self) -> Value {
        self.get(&self.url("/sentinel/well-known/jwks"))
            .await
            .json()
            .await
            .unwrap()
    }

    /// A V1 AppJWT response (form body).
    pub async fn app_token_v1(&self) -> reqwest::Response {
        self.post_form(
            &self.sentinel("/app/token?v=1.0"),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT),
                ("client_secret", SECRET),
            ],
        )
        .await
    }

    /// A V2 AppJWT response (v2 path).
    pub async fn app_token_v2(&self) -> reqwest::Response {
        self.post_form(
            &self.url(&format!(
                "/sentinel/api/v2/account/{}/app/token",
                self.m.account()
            )),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT),
                ("client_secret", SECRET),
            ],
        )
        .await
    }

    pub async fn app_jwt_v1(&self) -> String {
        let r = self.app_token_v1().await;
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_owned()
    }

    /// Authorize with these query pairs; returns the response (a redirect or not).
    pub async fn authorize(&self, pairs: &[(&str, &str)]) -> reqwest::Response {
        let q = serde_urlencoded::to_string(pairs).unwrap();
        self.get(&self.sentinel(&format!("/authorize?{q}"))).await
    }

    /// Authorize for CLIENT, redirect sent or not; returns the code.
    pub async fn code(&self, send_redirect: bool) -> String {
        let mut p = vec![
            ("v", "1.0"),
            ("response_type", "code"),
            ("client_id", CLIENT),
            ("state", "st-123"),
        ];
        if send_redirect {
            p.push(("redirect_uri", REDIRECT));
        }
        let r = self.authorize(&p).await;
        assert_eq!(r.status(), 302);
        let loc = location(&r);
        query_of(&loc)
            .into_iter()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
    }

    /// Exchanges `code` (with the redirect when `redirect`); the raw response.
    /// A login: a code for the registered redirect, exchanged; the token answer.
    pub async fn login(&self) -> Value {
        let code = self.code(true).await;
        self.exchange(&code, Some(REDIRECT))
            .await
            .json()
            .await
            .unwrap()
    }

    pub async fn exchange(&self, code: &str, redirect: Option<&str>) -> reqwest::Response {
        let mut f = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
        ];
        if let Some(r) = redirect {
            f.push(("redirect_uri", r));
        }
        self.post_form(&self.sentinel("/token?v=1.0"), &f).await
    }

    pub async fn refresh(&self, rt: &str) -> reqwest::Response {
        self.post_form(
            &self.sentinel("/token?v=1.0"),
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", rt),
                ("client_id", CLIENT),
                ("client_secret", SECRET),
            ],
        )
        .await
    }
}

pub fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .unwrap()
        .to_owned()
}

pub fn query_of(url: &str) -> Vec<(String, String)> {
    let q = url.split_once('?').map_or("", |(_, q)| q);
    serde_urlencoded::from_str(q).unwrap()
}

/// Asserts an RFC 6749 §5.2 error body and status.
pub async fn assert_oauth_error(r: reqwest::Response, status: u16, code: &str) {
    assert_eq!(r.status(), status);
    if status == 401 {
        assert!(r.headers().contains_key("www-authenticate"));
    }
    let ct = r.headers()["content-type"].to_str().unwrap();
    assert!(ct.starts_with("application/json"), "{ct}");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"], code, "{v}");
    assert!(v["error_description"].is_string());
}

pub struct Jwt {
    pub header: Value,
    pub claims: Value,
    signed: String,
    sig: Vec<u8>,
}

pub fn decode(jwt: &str) -> Jwt {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "compact JWS");
    let json =
        |s: &str| -> Value { serde_json::from_slice(&URL_SAFE_NO_PAD.decode(s).unwrap()).unwrap() };
    Jwt {
        header: json(parts[0]),
        claims: json(parts[1]),
        signed: format!("{}.{}", parts[0], parts[1]),
        sig: URL_SAFE_NO_PAD.decode(parts[2]).unwrap(),
    }
}

impl Jwt {
    /// Verifies with the JWKS key of the token's kid; `false` if no such key or
    /// a bad signature.
    pub fn verifies_with_jwks(&self, jwks: &Value) -> bool {
        let kid = self.header["kid"].as_str().unwrap();
        let Some(k) = jwks["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["kid"] == kid)
        else {
            return false;
        };
        assert_eq!(k["kty"], "RSA");
        assert_eq!(k["alg"], "RS256");
        assert_eq!(k["use"], "sig");
        let b = |f: &str| {
            let s = k[f].as_str().unwrap();
            assert!(!s.contains('='), "no padding");
            URL_SAFE_NO_PAD.decode(s).unwrap()
        };
        RsaPublicKeyComponents {
            n: b("n"),
            e: b("e"),
        }
        .verify(
            &RSA_PKCS1_2048_8192_SHA256,
            self.signed.as_bytes(),
            &self.sig,
        )
        .is_ok()
    }

    /// Verifies with *some* key of the JWKS, whatever its kid: `false` means no
    /// published key made this signature.
    pub fn verifies_with_any_jwks_key(&self, jwks: &Value) -> bool {
        jwks["keys"].as_array().unwrap().iter().any(|k| {
            let b = |f: &str| URL_SAFE_NO_PAD.decode(k[f].as_str().unwrap()).unwrap();
            RsaPublicKeyComponents {
                n: b("n"),
                e: b("e"),
            }
            .verify(
                &RSA_PKCS1_2048_8192_SHA256,
                self.signed.as_bytes(),
                &self.sig,
            )
            .is_ok()
        })
    }

    /// Verifies with an SPKI DER RSA key.
    pub fn verifies_with_spki(&self, spki: &[u8]) -> bool {
        UnparsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, rsa_public_key_of(spki))
            .verify(self.signed.as_bytes(), &self.sig)
            .is_ok()
    }

    pub fn assert_header(&self, kid: &str) {
        assert_eq!(self.header["kid"], kid);
        assert_eq!(self.header["typ"], "JWT");
        assert_eq!(self.header["alg"], "RS256");
    }
}

/// The public half of the emulator's never-published "unknown key" (the fault
/// [`sentinel_mock::Fault::UnknownKey`] signs with it), to show such tokens carry
/// a real signature by another key rather than garbage.
pub const UNKNOWN_KEY_SPKI: &[u8] = include_bytes!("../../keys/test-only-unknown.spki.der");

/// The PKCS#1 `RSAPublicKey` inside an SPKI (ring verifies the former): a minimal
/// DER walk, enough for the keys under test.
fn rsa_public_key_of(spki: &[u8]) -> &[u8] {
    fn tlv(d: &[u8]) -> (u8, &[u8], &[u8]) {
        let tag = d[0];
        let (len, hdr) = match d[1] {
            l if l < 0x80 => (usize::from(l), 2),
            0x81 => (usize::from(d[2]), 3),
            0x82 => ((usize::from(d[2]) << 8) | usize::from(d[3]), 4),
            _ => panic!("unsupported DER length"),
        };
        (tag, &d[hdr..hdr + len], &d[hdr + len..])
    }
    let (tag, seq, _) = tlv(spki);
    assert_eq!(tag, 0x30);
    let (tag, alg, rest) = tlv(seq);
    assert_eq!(tag, 0x30);
    // rsaEncryption OID 1.2.840.113549.1.1.1
    assert!(alg.starts_with(&[
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01
    ]));
    let (tag, bits, _) = tlv(rest);
    assert_eq!(tag, 0x03);
    assert_eq!(bits[0], 0, "no unused bits");
    &bits[1..]
}
