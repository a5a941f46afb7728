//! Fixtures shared by the benchmarks of sentinel-rs (`benches/benches/*.rs`):
//! realistic Sentinel answers, and tokens really signed (RS256) with a committed
//! TEST-ONLY key, so that every contender parses and verifies the same bytes.
//!
//! Sizes follow what Sentinel sends: a ~40-character opaque access token, a
//! refresh token, an ID token of about 840 bytes, an AppJWT of about 600 bytes,
//! and a Domain API answer listing 30 services.
#![allow(clippy::expect_used)]

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair};

/// TEST-ONLY RSA-2048 private key (PKCS#8 DER) of the `sentinel-proto` JWT tests.
pub const TEST_KEY_PKCS8: &[u8] =
    include_bytes!("../../crates/sentinel-proto/testdata/jwt/test-only-rsa2048-a.pk8.der");

/// Its public key, SPKI DER.
pub const TEST_KEY_SPKI: &[u8] =
    include_bytes!("../../crates/sentinel-proto/testdata/jwt/test-only-rsa2048-a.pub.der");

/// The kid Sentinel puts on V1 AppJWTs.
pub const APP_JWT_KID: &str = "appjwt-13-05-17";

/// The kid Sentinel puts on ID tokens.
pub const ID_TOKEN_KID: &str = "idtoken-19-08-19";

/// The account of the fixtures.
pub const ACCOUNT: &str = "123456";

/// The client id of the fixtures (Sentinel's are UUID-like).
pub const CLIENT_ID: &str = "2d4cc6b3-0f1b-4f5e-9a8d-7c1e2f3a4b5c";

/// An opaque user access token, 40 characters.
pub const ACCESS_TOKEN: &str = "3f7c1a9e5b2d4c8f0a6e1b7d3c9f5a2e8b4d0c6a";

/// An opaque refresh token, 53 characters.
pub const REFRESH_TOKEN: &str = "rt_9c2e7a4f1b8d3e6a0c5f2b9d7e4a1c8f3b6d0e5a2c9f7b4d1e";

/// The current time in whole seconds since the epoch. The fixtures are issued
/// now, so that verifiers reading the system clock (jsonwebtoken) accept them.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

/// The name of `sentinel_proto::jwt::verify` as a contender, with the backend this
/// build verifies with (`--no-default-features --features ring` for ring).
pub fn sentinel_verify_contender() -> &'static str {
    match sentinel_proto::jwt::CRYPTO_BACKEND {
        "ring" => "sentinel_proto_ring",
        _ => "sentinel_proto_aws_lc_rs",
    }
}

/// The test key as a `ring` key pair (the fixtures are signed with ring whatever
/// the backend under measurement).
pub fn key_pair() -> RsaKeyPair {
    RsaKeyPair::from_pkcs8(TEST_KEY_PKCS8).expect("the committed test key parses")
}

/// A compact RS256 JWS of `header` and `claims` (JSON texts), signed with the test key.
pub fn sign_rs256(header: &str, claims: &str) -> String {
    let kp = key_pair();
    let mut token = URL_SAFE_NO_PAD.encode(header);
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(claims));
    let mut sig = vec![0; kp.public().modulus_len()];
    kp.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        token.as_bytes(),
        &mut sig,
    )
    .expect("signing with the test key");
    token.push('.');
    token.push_str(&URL_SAFE_NO_PAD.encode(&sig));
    token
}

/// A Sentinel AppJWT (reference §3.3) issued at `iat`, valid one hour.
pub fn app_jwt(iat: u64) -> String {
    let header = format!(r#"{{"kid":"{APP_JWT_KID}","typ":"JWT","alg":"RS256"}}"#);
    let claims = format!(
        r#"{{"aud":"le{ACCOUNT}","azp":"{CLIENT_ID}","scope":"msg.consumer","iss":"Sentinel","iat":{iat},"exp":{}}}"#,
        iat + 3600
    );
    sign_rs256(&header, &claims)
}

/// A Sentinel ID token (reference §2.3) issued at `iat`, about 800 bytes: the
/// documented claims plus the identifiers a production token carries.
pub fn id_token(iat: u64) -> String {
    let header = format!(r#"{{"kid":"{ID_TOKEN_KID}","typ":"JWT","alg":"RS256"}}"#);
    let claims = format!(
        concat!(
            r#"{{"sub":"{ACCOUNT}.2792816434","aud":"{CLIENT_ID}","iss":"sentinel","#,
            r#""iat":{iat},"exp":{exp},"is_admin":false,"is_lpa":true,"#,
            r#""jti":"b8e1f0c4-6a2d-4e9b-8c7f-1d3a5e9b2c4f","azp":"{CLIENT_ID}","#,
            r#""login_name":"agent.smith@example.com","acr":"1","auth_time":{iat}}}"#
        ),
        ACCOUNT = ACCOUNT,
        CLIENT_ID = CLIENT_ID,
        iat = iat,
        exp = iat + 600,
    );
    sign_rs256(&header, &claims)
}

/// The 200 body of a code exchange (reference §2.2) issued at `iat`.
pub fn token_response_body(iat: u64) -> Vec<u8> {
    format!(
        r#"{{"access_token":"{ACCESS_TOKEN}","token_type":"Bearer","refresh_token":"{REFRESH_TOKEN}","id_token":"{}","expires_in":3600}}"#,
        id_token(iat)
    )
    .into_bytes()
}

/// The 200 body of an AppJWT request (reference §3.1) issued at `iat`.
pub fn app_token_response_body(iat: u64) -> Vec<u8> {
    format!(
        r#"{{"access_token":"{}","token_type":"Bearer","expires_in":3600}}"#,
        app_jwt(iat)
    )
    .into_bytes()
}

/// Services of a typical account, with the Domain API's host prefix of each.
const SERVICES: [(&str, &str); 30] = [
    ("sentinel", "va.sentinel"),
    ("idp", "va.idp"),
    ("agentVep", "va.agentvep"),
    ("asyncMessagingEnt", "va.msg"),
    ("msgHist", "va.msghist"),
    ("engHistDomain", "va.enghist"),
    ("leDataReporting", "va.data"),
    ("liveEngageUI", "va.le"),
    ("accountConfigReadOnly", "va.ac"),
    ("accountConfigReadWrite", "va.ac"),
    ("adminArea", "va.admin"),
    ("smt", "va.smt"),
    ("visitorFeed", "va.v-feed"),
    ("acCdnDomain", "accdn.lpsnmedia"),
    ("agentManagerWorkspace", "va.amws"),
    ("batchEmail", "va.batchemail"),
    ("contextServiceDomain", "z1.context"),
    ("coreAIIntentsAPI", "va.intent"),
    ("faaSUI", "va.faasui"),
    ("faasGW", "va.faasgw"),
    ("liveEngage", "va.le"),
    ("msgEHDomain", "va.msgeh"),
    ("pusher", "va.push"),
    ("recommendationService", "va.recommend"),
    ("routingBot", "va.bc-bot"),
    ("sentinelEH", "va.sentinel-eh"),
    ("smartVep", "va.smartvep"),
    ("transporter", "va.transporter"),
    ("userProfileService", "va.ups"),
    ("wfm", "va.wfm"),
];

/// The Domain API's all-services answer (reference §1): 30 services, about 2.5 KB.
pub fn all_services_body() -> Vec<u8> {
    let entries: Vec<String> = SERVICES
        .iter()
        .map(|(service, host)| {
            format!(
                r#"{{"service":"{service}","account":"{ACCOUNT}","baseURI":"{host}.liveperson.net"}}"#
            )
        })
        .collect();
    format!(r#"{{"baseURIs":[{}]}}"#, entries.join(",")).into_bytes()
}

/// What the peers decode, where the comparison needs a type of our own.
pub mod peers {
    use oauth2::basic::BasicTokenType;
    use oauth2::{ExtraTokenFields, StandardTokenResponse};
    use serde::{Deserialize, Serialize};

    /// The ID token as an extra field of oauth2's standard token response, so that
    /// oauth2 does the same work as ours (`BasicTokenResponse` skips `id_token`).
    #[derive(Clone, Debug, Deserialize, Serialize)]
    pub struct IdTokenFields {
        /// The ID token.
        pub id_token: String,
    }
    impl ExtraTokenFields for IdTokenFields {}

    /// oauth2's standard token response with the ID token.
    pub type OAuth2WithIdToken = StandardTokenResponse<IdTokenFields, BasicTokenType>;

    /// A plain serde decode of a token answer into owned strings, no checks:
    /// what serde alone costs for the same fields as ours.
    #[derive(Debug, Deserialize)]
    pub struct PlainTokenOwned {
        /// `access_token`.
        pub access_token: String,
        /// `token_type`.
        pub token_type: Option<String>,
        /// `refresh_token`.
        pub refresh_token: Option<String>,
        /// `id_token`.
        pub id_token: Option<String>,
        /// `expires_in`.
        pub expires_in: Option<u64>,
    }

    /// The same, borrowing the strings from the body (no allocation): the cost of
    /// UTF-8 validation and field dispatch over the `IgnoredAny` floor.
    #[derive(Debug, Deserialize)]
    pub struct PlainTokenBorrowed<'a> {
        /// `access_token`.
        pub access_token: &'a str,
        /// `token_type`.
        pub token_type: Option<&'a str>,
        /// `refresh_token`.
        pub refresh_token: Option<&'a str>,
        /// `id_token`.
        pub id_token: Option<&'a str>,
        /// `expires_in`.
        pub expires_in: Option<u64>,
    }

    /// The same as raw bytes (`deserialize_bytes`: serde_json skips the UTF-8
    /// validation of the strings): what validating UTF-8 costs.
    #[derive(Debug, Deserialize)]
    pub struct PlainTokenBytes<'a> {
        /// `access_token`.
        pub access_token: &'a [u8],
        /// `token_type`.
        pub token_type: Option<&'a [u8]>,
        /// `refresh_token`.
        pub refresh_token: Option<&'a [u8]>,
        /// `id_token`.
        pub id_token: Option<&'a [u8]>,
        /// `expires_in`.
        pub expires_in: Option<u64>,
    }

    /// What a plain serde client of the Domain API decodes: owned strings, the
    /// hosts not validated.
    #[derive(Debug, Deserialize)]
    pub struct PlainAllServices {
        /// The entries.
        #[serde(rename = "baseURIs")]
        pub base_uris: Vec<PlainEntry>,
    }

    /// One entry of [`PlainAllServices`].
    #[derive(Debug, Deserialize)]
    pub struct PlainEntry {
        /// `service`.
        pub service: String,
        /// `account`.
        pub account: String,
        /// `baseURI`.
        #[serde(rename = "baseURI")]
        pub base_uri: String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixture_sizes_are_realistic() {
        let iat = now_secs();
        let id = id_token(iat).len();
        assert!((760..=840).contains(&id), "id_token is {id} bytes");
        assert_eq!(ACCESS_TOKEN.len(), 40);
        assert_eq!(REFRESH_TOKEN.len(), 53);
        let app = app_jwt(iat).len();
        assert!((550..=750).contains(&app), "AppJWT is {app} bytes");
        let all = all_services_body();
        assert!(all.len() > 2000, "all-services is {} bytes", all.len());
    }
}
