//! Fault injection: what the next requests to an endpoint get instead of a proper
//! answer.

use std::str::FromStr;
use std::time::Duration;

use crate::endpoint::Endpoint;

/// What a faulty answer is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// This status with a short plain-text body (an informational or invalid
    /// status becomes 500).
    Status(u16),
    /// 429 with `Retry-After: <secs>`.
    RateLimited(u64),
    /// Wait this long, then answer normally.
    Delay(Duration),
    /// Announce the proper body's length (at least 64 bytes) but send only half
    /// of it, then close the connection.
    Truncated,
    /// A 200 with a 2 MiB body of JSON-looking bytes, chunked (no
    /// `Content-Length`).
    Oversized,
    /// A 503 with `Retry-After: 1` and a 2 MiB HTML page, chunked: an overloaded
    /// front end's error page, which a client should still treat as transient.
    OversizedUnavailable,
    /// Close the connection without answering.
    Drop,
    /// A 502 with an HTML error page.
    HtmlError,
    /// 200 with a body that is not JSON.
    InvalidJson,
    /// Tokens signed by a key the JWKS does not have (kid `unknown-key`). Applies
    /// where tokens are issued (the ID token of [`Endpoint::Token`], AppJWTs,
    /// ConsumerJWS); other endpoints answer normally.
    UnknownKey,
    /// Tokens whose `exp` was an hour ago (`iat` two hours ago). Applies where
    /// [`Fault::UnknownKey`] does.
    ExpiredToken,
}

impl FromStr for Fault {
    type Err = String;
    /// `500`, `503`, `400` (statuses), `429` or `429=SECS`, `delay=MILLIS`,
    /// `truncated`, `oversized`, `oversized-503`, `drop`, `html`, `invalid-json`, `unknown-key`, `expired`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, arg) = s.split_once('=').unwrap_or((s, ""));
        let num = |d: u64| -> Result<u64, String> {
            if arg.is_empty() {
                Ok(d)
            } else {
                arg.parse()
                    .map_err(|_| format!("bad number in fault {s:?}"))
            }
        };
        Ok(match name {
            "429" => Fault::RateLimited(num(1)?),
            "delay" => Fault::Delay(Duration::from_millis(num(1000)?)),
            "truncated" => Fault::Truncated,
            "oversized" => Fault::Oversized,
            "oversized-503" => Fault::OversizedUnavailable,
            "drop" => Fault::Drop,
            "html" => Fault::HtmlError,
            "invalid-json" => Fault::InvalidJson,
            "unknown-key" => Fault::UnknownKey,
            "expired" => Fault::ExpiredToken,
            n => match n.parse::<u16>() {
                Ok(code) if (100..=599).contains(&code) => Fault::Status(code),
                _ => return Err(format!("unknown fault {s:?}")),
            },
        })
    }
}

/// A `--fault` flag: `ENDPOINT=FAULT[:COUNT]`, e.g. `token=503:2`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaultSpec {
    /// Where.
    pub endpoint: Endpoint,
    /// What.
    pub fault: Fault,
    /// For how many requests.
    pub count: usize,
}

impl FromStr for FaultSpec {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (endpoint, rest) = s
            .split_once('=')
            .ok_or_else(|| format!("expected ENDPOINT=FAULT[:COUNT], got {s:?}"))?;
        let (fault, count) = match rest.rsplit_once(':') {
            Some((f, n)) => (f, n.parse().map_err(|_| format!("bad count in {s:?}"))?),
            None => (rest, 1),
        };
        Ok(Self {
            endpoint: endpoint.parse()?,
            fault: fault.parse()?,
            count,
        })
    }
}
