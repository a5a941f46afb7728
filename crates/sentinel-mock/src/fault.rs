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

/// A random mix of faults for every request to an endpoint, drawn from a
/// seeded generator (the same seed and the same request order give the same
/// faults): each fault with its probability, a proper answer otherwise.
/// Queued faults ([`MockHandle::fault`](crate::MockHandle::fault)) come first.
///
/// ```
/// use sentinel_mock::{Endpoint, Fault, FaultMix, MockServer};
///
/// let mock = MockServer::builder().start_blocking()?;
/// // 2 % of AppJWT requests get a 503, 1 % a dropped connection.
/// let mix = FaultMix::new(7)
///     .with(Fault::Status(503), 0.02)
///     .with(Fault::Drop, 0.01);
/// mock.set_fault_mix(Endpoint::AppTokenV2, Some(mix));
/// assert_eq!(mock.faults_injected(Endpoint::AppTokenV2), 0);
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FaultMix {
    seed: u64,
    /// Faults with their cumulative probability, in order, the last at most 1.
    faults: Vec<(Fault, f64)>,
}

impl FaultMix {
    /// No fault yet, drawing from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            faults: Vec::new(),
        }
    }

    /// Every request gets `fault` (an outage, say).
    pub fn always(fault: Fault) -> Self {
        Self::new(0).with(fault, 1.0)
    }

    /// Adds `fault` with `probability` (clamped to what is left of 1; a NaN or
    /// negative one adds nothing).
    #[must_use]
    pub fn with(mut self, fault: Fault, probability: f64) -> Self {
        let before = self.faults.last().map_or(0.0, |(_, c)| *c);
        let p = if probability.is_nan() {
            0.0
        } else {
            probability.clamp(0.0, 1.0 - before)
        };
        if p > 0.0 {
            self.faults.push((fault, before + p));
        }
        self
    }

    /// The probability that a request gets some fault.
    pub fn total(&self) -> f64 {
        self.faults.last().map_or(0.0, |(_, c)| *c)
    }

    /// The fault of the `n`th draw, if any.
    pub(crate) fn draw(&self, n: u64) -> Option<Fault> {
        let r = splitmix64(self.seed ^ splitmix64(n));
        // The top 53 bits as a uniform float in [0, 1).
        #[allow(clippy::cast_precision_loss)]
        let u = (r >> 11) as f64 / (1u64 << 53) as f64;
        self.faults
            .iter()
            .find(|(_, c)| u < *c)
            .map(|(f, _)| f.clone())
    }
}

fn splitmix64(x: u64) -> u64 {
    let z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    let z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mix_draws_each_fault_about_as_often_as_asked() {
        let mix = FaultMix::new(42)
            .with(Fault::Status(503), 0.10)
            .with(Fault::Drop, 0.05);
        let n = 100_000;
        let (mut s, mut d) = (0, 0);
        for i in 0..n {
            match mix.draw(i) {
                Some(Fault::Status(503)) => s += 1,
                Some(Fault::Drop) => d += 1,
                None => {}
                Some(f) => panic!("never asked for {f:?}"),
            }
        }
        assert!((9_000..11_000).contains(&s), "{s} 503s of {n}");
        assert!((4_300..5_700).contains(&d), "{d} drops of {n}");
        assert_eq!(mix.draw(17), mix.clone().draw(17), "seeded");
    }

    #[test]
    fn probabilities_never_add_up_past_one() {
        let mix = FaultMix::new(1)
            .with(Fault::Status(500), 0.7)
            .with(Fault::Drop, 0.7)
            .with(Fault::HtmlError, f64::NAN)
            .with(Fault::Truncated, -1.0);
        assert!((mix.total() - 1.0).abs() < 1e-12);
        assert_eq!(FaultMix::always(Fault::Drop).draw(3), Some(Fault::Drop));
        assert_eq!(FaultMix::new(1).draw(3), None);
    }
}
