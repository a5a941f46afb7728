//! JSON documents built from structured input, so that the fuzzer spends its time
//! on field names and value types the parsers care about rather than on syntax.
//! Nesting is bounded (two levels) so input generation cannot recurse deeply.

use arbitrary::Arbitrary;

use crate::{MARKER, NOW};

/// A member name: every field some parser reads, or any other string.
#[derive(Arbitrary, Clone, Debug)]
pub enum Key {
    AccessToken,
    TokenType,
    RefreshToken,
    IdToken,
    ExpiresIn,
    Error,
    ErrorDescription,
    ErrorUri,
    Token,
    Service,
    Account,
    BaseUri,
    BaseUris,
    Keys,
    Kty,
    Use,
    KeyOps,
    Alg,
    Kid,
    N,
    E,
    Typ,
    Crit,
    Jwk,
    Jku,
    X5u,
    X5c,
    Iss,
    Aud,
    Azp,
    Sub,
    Scope,
    Exp,
    Nbf,
    Iat,
    IsAdmin,
    IsLpa,
    Other(String),
}

impl Key {
    /// The member name.
    pub fn name(&self) -> &str {
        match self {
            Key::AccessToken => "access_token",
            Key::TokenType => "token_type",
            Key::RefreshToken => "refresh_token",
            Key::IdToken => "id_token",
            Key::ExpiresIn => "expires_in",
            Key::Error => "error",
            Key::ErrorDescription => "error_description",
            Key::ErrorUri => "error_uri",
            Key::Token => "token",
            Key::Service => "service",
            Key::Account => "account",
            Key::BaseUri => "baseURI",
            Key::BaseUris => "baseURIs",
            Key::Keys => "keys",
            Key::Kty => "kty",
            Key::Use => "use",
            Key::KeyOps => "key_ops",
            Key::Alg => "alg",
            Key::Kid => "kid",
            Key::N => "n",
            Key::E => "e",
            Key::Typ => "typ",
            Key::Crit => "crit",
            Key::Jwk => "jwk",
            Key::Jku => "jku",
            Key::X5u => "x5u",
            Key::X5c => "x5c",
            Key::Iss => "iss",
            Key::Aud => "aud",
            Key::Azp => "azp",
            Key::Sub => "sub",
            Key::Scope => "scope",
            Key::Exp => "exp",
            Key::Nbf => "nbf",
            Key::Iat => "iat",
            Key::IsAdmin => "is_admin",
            Key::IsLpa => "is_lpa",
            Key::Other(s) => s,
        }
    }
}

/// A string value the protocol gives meaning to.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Known {
    Bearer,
    BearerLower,
    Sentinel,
    SentinelLower,
    Idp,
    Rs256,
    Rs384,
    Rs512,
    Hs256,
    NoneAlg,
    Jwt,
    Sig,
    Enc,
    Verify,
    Rsa,
    Ec,
    InvalidGrant,
    InvalidClient,
    SentinelHost,
    LoopbackHost,
    Localhost,
    Account,
    ClientId,
    KidA,
    LivePersonKid,
    AqAb,
}

impl Known {
    /// The string.
    pub fn as_str(self) -> &'static str {
        match self {
            Known::Bearer => "Bearer",
            Known::BearerLower => "bearer",
            Known::Sentinel => "Sentinel",
            Known::SentinelLower => "sentinel",
            Known::Idp => "idp",
            Known::Rs256 => "RS256",
            Known::Rs384 => "RS384",
            Known::Rs512 => "RS512",
            Known::Hs256 => "HS256",
            Known::NoneAlg => "none",
            Known::Jwt => "JWT",
            Known::Sig => "sig",
            Known::Enc => "enc",
            Known::Verify => "verify",
            Known::Rsa => "RSA",
            Known::Ec => "EC",
            Known::InvalidGrant => "invalid_grant",
            Known::InvalidClient => "invalid_client",
            Known::SentinelHost => "va.sentinel.liveperson.net",
            Known::LoopbackHost => "127.0.0.1:8080",
            Known::Localhost => "localhost",
            Known::Account => "123456",
            Known::ClientId => "client-1",
            Known::KidA => "test-a",
            Known::LivePersonKid => "appjwt-13-05-17",
            Known::AqAb => "AQAB",
        }
    }
}

/// A JSON value without nesting.
#[derive(Arbitrary, Clone, Debug)]
pub enum Scalar {
    Str(String),
    /// [`MARKER`] followed by text: a secret that must not leak.
    Secret(String),
    Known(Known),
    U64(u64),
    I64(i64),
    F64(f64),
    /// A number as a string of digits (`"3600"`).
    Digits(u64),
    /// [`NOW`] plus an offset, as a number: around the targets' fixed time.
    Time(i32),
    Bool(bool),
    Null,
    /// Raw text spliced in as is: may be any JSON, or not JSON at all.
    Raw(String),
}

impl Scalar {
    fn write(&self, out: &mut String) {
        match self {
            Scalar::Str(s) => push_str(out, s),
            Scalar::Secret(s) => push_str(out, &format!("{MARKER}{s}")),
            Scalar::Known(k) => push_str(out, k.as_str()),
            Scalar::U64(n) => out.push_str(&n.to_string()),
            Scalar::I64(n) => out.push_str(&n.to_string()),
            // serde_json writes non-finite floats as null.
            Scalar::F64(f) => out.push_str(&serde_json::to_string(f).unwrap_or_default()),
            Scalar::Digits(n) => push_str(out, &n.to_string()),
            Scalar::Time(d) => out.push_str(&(NOW as i64 + i64::from(*d)).to_string()),
            Scalar::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Scalar::Null => out.push_str("null"),
            Scalar::Raw(s) => out.push_str(s),
        }
    }
}

/// A JSON value: a scalar, or one level of array/object of scalars, or an array
/// of such objects (Domain API `baseURIs`, JWKS `keys`).
#[derive(Arbitrary, Clone, Debug)]
pub enum Value {
    Scalar(Scalar),
    Array(Vec<Scalar>),
    Object(Vec<(Key, Scalar)>),
    Objects(Vec<Vec<(Key, Scalar)>>),
}

impl Value {
    pub fn write(&self, out: &mut String) {
        match self {
            Value::Scalar(s) => s.write(out),
            Value::Array(items) => {
                out.push('[');
                for (i, s) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    s.write(out);
                }
                out.push(']');
            }
            Value::Object(members) => write_object(out, members.iter().map(|(k, v)| (k, v))),
            Value::Objects(objects) => {
                out.push('[');
                for (i, o) in objects.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_object(out, o.iter().map(|(k, v)| (k, v)));
                }
                out.push(']');
            }
        }
    }
}

/// A top-level JSON document.
#[derive(Arbitrary, Clone, Debug)]
pub enum Doc {
    /// An object, members in this order (duplicates possible).
    Object(Vec<(Key, Value)>),
    /// Any other value at the top level (array, string, number...).
    Other(Value),
    /// Raw text.
    Raw(String),
}

impl Doc {
    /// The document's text.
    pub fn text(&self) -> String {
        let mut out = String::new();
        match self {
            Doc::Object(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    push_str(&mut out, k.name());
                    out.push(':');
                    v.write(&mut out);
                }
                out.push('}');
            }
            Doc::Other(v) => v.write(&mut out),
            Doc::Raw(s) => out.push_str(s),
        }
        out
    }
}

fn write_object<'a>(out: &mut String, members: impl Iterator<Item = (&'a Key, &'a Scalar)>) {
    out.push('{');
    for (i, (k, v)) in members.enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_str(out, k.name());
        out.push(':');
        v.write(out);
    }
    out.push('}');
}

/// Appends `s` as a JSON string literal.
pub fn push_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).unwrap_or_default());
}

/// What a body is, as an independent reader sees it.
pub enum Shape {
    /// A JSON object with no duplicate among the members the parser reads; the map
    /// holds those members only. serde_json skips other members without checking
    /// their strings (UTF-8, lone surrogates), and so does this reading. A read
    /// member that is an object or array serde_json cannot turn into a `Value` for
    /// the same reason is kept as `{"unreadable composite": true}`.
    Object(serde_json::Map<String, serde_json::Value>),
    /// A JSON array at the top level: every parser must reject it (serde's derived
    /// `Deserialize` once read arrays by position; fixed in 7a5ad60, see
    /// `tests/fuzz_regressions.rs`).
    Array,
    /// Anything else: not JSON, another value, a read member that is a bad string,
    /// or a duplicated read member (serde rejects those).
    Invalid,
}

/// The [`Shape`] of `body` for a parser that reads the members `read`.
pub fn shape(body: &[u8], read: &[&str]) -> Shape {
    use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde_json::value::RawValue;
    enum Top {
        Array,
        Object(Option<serde_json::Map<String, serde_json::Value>>),
    }
    struct Seed<'r>(&'r [&'r str]);
    impl<'de> DeserializeSeed<'de> for Seed<'_> {
        type Value = Top;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Top, D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Seed<'_> {
        type Value = Top;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object or array")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Top, A::Error> {
            let mut out = serde_json::Map::new();
            let mut valid = true;
            while let Some(k) = m.next_key::<String>()? {
                if !self.0.contains(&k.as_str()) {
                    m.next_value::<IgnoredAny>()?;
                    continue;
                }
                let raw = m.next_value::<Box<RawValue>>()?;
                let v = match serde_json::from_str(raw.get()) {
                    Ok(v) => v,
                    Err(_) if !raw.get().starts_with('"') => {
                        serde_json::json!({"unreadable composite": true})
                    }
                    Err(_) => {
                        valid = false;
                        continue;
                    }
                };
                valid &= out.insert(k, v).is_none();
            }
            Ok(Top::Object(valid.then_some(out)))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Top, A::Error> {
            while s.next_element::<IgnoredAny>()?.is_some() {}
            Ok(Top::Array)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    let top = Seed(read)
        .deserialize(&mut de)
        .and_then(|t| de.end().map(|()| t));
    match top {
        Ok(Top::Array) => Shape::Array,
        Ok(Top::Object(Some(m))) => Shape::Object(m),
        _ => Shape::Invalid,
    }
}

/// Whether a top-level member name of the JSON object `body` holds a control
/// character (escaped or not); `false` for anything else.
pub fn control_in_name(body: &[u8]) -> bool {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = bool;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<bool, A::Error> {
            let mut found = false;
            while let Some(k) = m.next_key::<String>()? {
                found |= k.chars().any(|c| c < ' ');
                m.next_value::<IgnoredAny>()?;
            }
            Ok(found)
        }
    }
    serde_json::Deserializer::from_slice(body)
        .deserialize_map(V)
        .unwrap_or(false)
}

/// The body as a JSON object (serde_json keeps the last of duplicate members).
pub fn as_object(body: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_slice(body).ok()? {
        serde_json::Value::Object(m) => Some(m),
        _ => None,
    }
}
