//! Small serde helpers shared by the header, claims and JWKS parsers: strings that
//! borrow when they can, presence markers, tolerant claim fields that report a wrong
//! type as a value instead of a serde error (whose message could quote the value),
//! and a wrapper that accepts JSON objects only.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A JSON string, borrowed from the input unless it contained escapes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CowStr<'a>(pub(crate) Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for CowStr<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = CowStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V(PhantomData))
    }
}

/// `deserialize_with` for "is this member present at all" (any value, even `null`).
pub(crate) fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d)?;
    Ok(true)
}

pub(crate) use crate::body_json::MapOnly;

/// A claim that should be a NumericDate (RFC 7519 §2): a JSON number of seconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum DateClaim {
    /// Not in the claims set.
    #[default]
    Absent,
    /// A number; negative values are clamped to 0, fractions truncated.
    Secs(u64),
    /// Present but not a number (string, null, bool, array, object).
    Invalid,
}

/// Converts a JSON float to whole seconds: truncated, clamped at 0 and u64::MAX.
fn float_secs(v: f64) -> Option<u64> {
    // `as` saturates for finite values; JSON numbers are always finite.
    v.is_finite().then_some(if v <= 0.0 { 0 } else { v as u64 })
}

/// The seconds of a NumericDate, for `deserialize_with` on typed claims.
pub(crate) fn numeric_date<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    match DateClaim::deserialize(d)? {
        DateClaim::Secs(s) => Ok(s),
        DateClaim::Absent | DateClaim::Invalid => Err(de::Error::custom("expected a NumericDate")),
    }
}

/// Optional NumericDate, for `deserialize_with` on typed claims.
pub(crate) fn opt_numeric_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    match DateClaim::deserialize(d)? {
        DateClaim::Secs(s) => Ok(Some(s)),
        DateClaim::Absent | DateClaim::Invalid => Err(de::Error::custom("expected a NumericDate")),
    }
}

impl<'de> Deserialize<'de> for DateClaim {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DateClaim;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<DateClaim, E> {
                Ok(DateClaim::Secs(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<DateClaim, E> {
                Ok(DateClaim::Secs(u64::try_from(v).unwrap_or(0)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<DateClaim, E> {
                Ok(float_secs(v).map_or(DateClaim::Invalid, DateClaim::Secs))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<DateClaim, E> {
                Ok(DateClaim::Invalid)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<DateClaim, E> {
                Ok(DateClaim::Invalid)
            }
            fn visit_unit<E: de::Error>(self) -> Result<DateClaim, E> {
                Ok(DateClaim::Invalid)
            }
            fn visit_none<E: de::Error>(self) -> Result<DateClaim, E> {
                Ok(DateClaim::Invalid)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<DateClaim, A::Error> {
                IgnoredAny.visit_seq(seq)?;
                Ok(DateClaim::Invalid)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<DateClaim, A::Error> {
                IgnoredAny.visit_map(map)?;
                Ok(DateClaim::Invalid)
            }
        }
        d.deserialize_any(V)
    }
}

/// A claim that should be a string (`iss`), or one element of `aud`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum StrClaim<'a> {
    /// Not in the claims set.
    #[default]
    Absent,
    /// A string.
    Str(Cow<'a, str>),
    /// Present but not a string.
    Invalid,
}

/// `aud`: one string or an array of strings (RFC 7519 §4.1.3).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum AudClaim<'a> {
    /// Not in the claims set.
    #[default]
    Absent,
    /// A single string.
    One(Cow<'a, str>),
    /// An array of strings.
    Many(Vec<Cow<'a, str>>),
    /// Present but neither a string nor an array of strings.
    Invalid,
}

struct StrVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for StrVisitor<'a> {
    type Value = StrClaim<'a>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(StrClaim::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(StrClaim::Str(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(StrClaim::Str(Cow::Owned(v)))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(StrClaim::Invalid)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(StrClaim::Invalid)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(StrClaim::Invalid)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(StrClaim::Invalid)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(StrClaim::Invalid)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(StrClaim::Invalid)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_seq(seq)?;
        Ok(StrClaim::Invalid)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        IgnoredAny.visit_map(map)?;
        Ok(StrClaim::Invalid)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for StrClaim<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrVisitor(PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for AudClaim<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = AudClaim<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(AudClaim::One(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(AudClaim::One(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(AudClaim::One(Cow::Owned(v)))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(AudClaim::Invalid)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(AudClaim::Invalid)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(AudClaim::Invalid)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(AudClaim::Invalid)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(AudClaim::Invalid)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(AudClaim::Invalid)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut all = Vec::new();
                let mut ok = true;
                while let Some(item) = seq.next_element::<StrClaim<'a>>()? {
                    match item {
                        StrClaim::Str(s) if ok => all.push(s),
                        _ => ok = false,
                    }
                }
                Ok(if ok {
                    AudClaim::Many(all)
                } else {
                    AudClaim::Invalid
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                IgnoredAny.visit_map(map)?;
                Ok(AudClaim::Invalid)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct T<'a> {
        #[serde(default)]
        exp: DateClaim,
        #[serde(default, borrow)]
        iss: StrClaim<'a>,
        #[serde(default, borrow)]
        aud: AudClaim<'a>,
    }

    fn parse(s: &str) -> Result<T<'_>, serde_json::Error> {
        serde_json::from_str::<MapOnly<T<'_>>>(s).map(|m| m.0)
    }

    #[test]
    fn date_claims() {
        assert_eq!(parse(r#"{"exp":5}"#).unwrap().exp, DateClaim::Secs(5));
        assert_eq!(parse(r#"{"exp":-5}"#).unwrap().exp, DateClaim::Secs(0));
        assert_eq!(parse(r#"{"exp":5.9}"#).unwrap().exp, DateClaim::Secs(5));
        assert_eq!(
            parse(r#"{"exp":1e300}"#).unwrap().exp,
            DateClaim::Secs(u64::MAX)
        );
        assert_eq!(parse(r#"{"exp":"5"}"#).unwrap().exp, DateClaim::Invalid);
        assert_eq!(parse(r#"{"exp":null}"#).unwrap().exp, DateClaim::Invalid);
        assert_eq!(parse(r#"{"exp":[1]}"#).unwrap().exp, DateClaim::Invalid);
        assert_eq!(parse(r#"{"exp":{"a":1}}"#).unwrap().exp, DateClaim::Invalid);
        assert_eq!(parse(r#"{}"#).unwrap().exp, DateClaim::Absent);
    }

    #[test]
    fn string_claims_borrow() {
        let t = parse(r#"{"iss":"Sentinel","aud":["a","b\u0041"]}"#).unwrap();
        assert!(matches!(t.iss, StrClaim::Str(Cow::Borrowed("Sentinel"))));
        match t.aud {
            AudClaim::Many(v) => {
                assert!(matches!(v[0], Cow::Borrowed("a")));
                assert_eq!(v[1], "bA");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(parse(r#"{"aud":["a",1]}"#).unwrap().aud, AudClaim::Invalid);
        assert_eq!(parse(r#"{"aud":7}"#).unwrap().aud, AudClaim::Invalid);
        assert_eq!(parse(r#"{"iss":7}"#).unwrap().iss, StrClaim::Invalid);
    }

    #[test]
    fn objects_only_and_no_duplicates() {
        assert!(parse(r#"[5,"x","y"]"#).is_err());
        assert!(parse(r#"{"exp":1,"exp":2}"#).is_err());
    }
}
