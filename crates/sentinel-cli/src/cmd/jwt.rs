//! `decode` and `verify`: JWTs offline (or with a fetched JWKS).

use std::time::{Duration, SystemTime};

use sentinel_client::HttpClient;
use sentinel_proto::jwt::{
    Algorithm, Claims, DEFAULT_MAX_JWKS_LEN, DEFAULT_MAX_TOKEN_LEN, KeySet, RsaPublicKey,
    Validation, decode_unverified, verify as verify_jwt,
};
use sentinel_proto::{Host, UnixTime, response::success_body};
use sentinel_reqwest::ReqwestHttp;
use serde_json::{Value, json};

use crate::args::{DecodeArgs, VerifyArgs};
use crate::cmd::read_stdin;
use crate::output::{Failure, Out};

fn token_arg(arg: &str) -> Result<String, Failure> {
    let token = if arg == "-" {
        read_stdin("token", DEFAULT_MAX_TOKEN_LEN)?
    } else {
        arg.trim().to_owned()
    };
    if token.is_empty() {
        return Err(Failure::Usage("empty token".into()));
    }
    Ok(token)
}

/// `sentinel decode`
pub fn decode(a: DecodeArgs, out: &Out) -> Result<(), Failure> {
    let token = token_arg(&a.token)?;
    let decoded = decode_unverified::<Claims>(&token)
        .map_err(|e| Failure::Usage(format!("not a decodable JWT: {e}")))?;
    let header = json!({
        "alg": decoded.header.alg,
        "kid": decoded.header.kid,
        "typ": decoded.header.typ,
    });
    let claims = Value::Object(decoded.claims);
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    out.result(
        &format!(
            "UNVERIFIED: the signature was not checked; do not trust these claims.\nheader: {}\nclaims: {}",
            pretty(&header),
            pretty(&claims)
        ),
        json!({"verified": false, "header": header, "claims": claims}),
    );
    Ok(())
}

/// `sentinel verify`
pub async fn verify(a: VerifyArgs, out: &Out) -> Result<(), Failure> {
    let token = token_arg(&a.token)?;
    let mut validation = Validation::new().with_leeway(Duration::from_secs(a.leeway));
    if !a.alg.is_empty() {
        let algs: Vec<Algorithm> = a.alg.iter().copied().map(Algorithm::from).collect();
        validation =
            validation.with_algorithms(sentinel_proto::jwt::AlgorithmSet::from_slice(&algs));
    }
    if let Some(iss) = &a.iss {
        validation = validation.with_issuer(iss.as_str());
    }
    if let Some(aud) = &a.aud {
        validation = validation.with_audience(aud.as_str());
    }
    if let Some(azp) = &a.azp {
        validation = validation.with_authorized_party(azp.as_str());
    }
    let keys = load_keys(&a).await?;
    let now = a
        .now
        .map(UnixTime::from_secs)
        .unwrap_or_else(|| SystemTime::now().into());
    match verify_jwt::<Claims>(&token, &keys, &validation, now) {
        Ok(claims) => {
            let claims = Value::Object(claims);
            out.result(
                &serde_json::to_string_pretty(&claims).unwrap_or_default(),
                json!({"verified": true, "claims": claims}),
            );
            Ok(())
        }
        Err(e) => Err(Failure::Invalid(format!("invalid token: {e}"))),
    }
}

async fn load_keys(a: &VerifyArgs) -> Result<KeySet, Failure> {
    if a.v1_key {
        return Ok(KeySet::liveperson_v1());
    }
    if let Some(path) = &a.key {
        let pem = read_file(path.to_string_lossy().as_ref(), 64 * 1024)?;
        let pem = String::from_utf8(pem)
            .map_err(|_| Failure::Usage(format!("{}: not a PEM text file", path.display())))?;
        let key = RsaPublicKey::from_pem(&pem)
            .map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
        return Ok(KeySet::new().with(key));
    }
    let Some(src) = &a.jwks else {
        return Err(Failure::Usage(
            "one of --jwks, --key, --v1-key is required".into(),
        ));
    };
    let bytes = if src.starts_with("https://") || src.starts_with("http://") {
        fetch_jwks(src).await?
    } else {
        read_file(src, DEFAULT_MAX_JWKS_LEN)?
    };
    KeySet::from_jwks(&bytes).map_err(|e| Failure::Usage(format!("{src}: not a usable JWKS: {e}")))
}

/// Reads at most `max` bytes: the cap holds for pipes and devices too, whose
/// metadata says nothing of their length.
fn read_file(path: &str, max: usize) -> Result<Vec<u8>, Failure> {
    use std::io::Read;
    let too_big = || Failure::Usage(format!("{path}: larger than {max} bytes"));
    let file = std::fs::File::open(path).map_err(|e| Failure::Usage(format!("{path}: {e}")))?;
    let meta = file
        .metadata()
        .map_err(|e| Failure::Usage(format!("{path}: {e}")))?;
    if meta.len() > max as u64 {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    file.take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Failure::Usage(format!("{path}: {e}")))?;
    if bytes.len() > max {
        return Err(too_big());
    }
    Ok(bytes)
}

/// Fetches a JWKS: https, or http only to loopback, no redirects, size-capped.
async fn fetch_jwks(src: &str) -> Result<Vec<u8>, Failure> {
    let url = sentinel_proto::url::Url::parse(src)
        .map_err(|e| Failure::Usage(format!("--jwks {src}: {e}")))?;
    let authority = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => return Err(Failure::Usage(format!("--jwks {src}: no host"))),
    };
    Host::parse(&format!("{}://{authority}", url.scheme()))
        .map_err(|e| Failure::Usage(format!("--jwks {src}: {e}")))?;
    let transport =
        ReqwestHttp::from_builder(reqwest::Client::builder().timeout(Duration::from_secs(30)))
            .map_err(|e| Failure::Remote(e.into()))?;
    let request = http::Request::get(url.as_str())
        .header(http::header::ACCEPT, "application/json")
        .body(Vec::new())
        .map_err(|e| Failure::Usage(format!("--jwks {src}: {e}")))?;
    let response = transport
        .send(request)
        .await
        .map_err(|e| Failure::Remote(e.into()))?;
    Ok(success_body(&response).map_err(Failure::Remote)?.to_vec())
}
