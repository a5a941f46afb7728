//! A lenient JSON field: every value deserialises, so that the parsers can say which
//! field was wrong without echoing its value (serde_json's messages would).

use std::borrow::Cow;

use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::BodyError;

/// One JSON value, borrowed from the body where it has no escapes.
#[derive(Debug)]
pub(crate) enum Field<'a> {
    Str(Cow<'a, str>),
    U64(u64),
    /// A negative integer.
    Negative,
    F64(f64),
    Bool,
    /// An object or array; its contents were skipped.
    Composite,
}

impl<'a> Field<'a> {
    /// A non-empty string, or an error naming `field`.
    pub(crate) fn into_string(self, field: &'static str) -> Result<Cow<'a, str>, BodyError> {
        match self {
            Field::Str(s) if !s.is_empty() => Ok(s),
            Field::Str(_) => Err(BodyError::InvalidField {
                field,
                expected: "a non-empty string",
            }),
            _ => Err(BodyError::InvalidField {
                field,
                expected: "a string",
            }),
        }
    }

    /// A non-negative integer given as a number or a string of digits.
    pub(crate) fn into_u64(self, field: &'static str) -> Result<u64, BodyError> {
        let bad = BodyError::InvalidField {
            field,
            expected: "a non-negative integer",
        };
        match self {
            Field::U64(n) => Ok(n),
            Field::Str(s)
                if !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit()) =>
            {
                s.parse().map_err(|_| bad)
            }
            // 3600.0 is an integer written loosely; 3600.5 is not.
            Field::F64(f) if f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 => Ok(f as u64),
            _ => Err(bad),
        }
    }
}

/// Required field helper: `None` becomes [`BodyError::MissingField`].
pub(crate) fn required<'a>(
    v: Option<Field<'a>>,
    field: &'static str,
) -> Result<Field<'a>, BodyError> {
    v.ok_or(BodyError::MissingField(field))
}

impl<'de: 'a, 'a> Deserialize<'de> for Field<'a> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Field<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Field::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Field::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Field::Str(Cow::Owned(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Field::U64(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(if v < 0 {
                    Field::Negative
                } else {
                    Field::U64(v.unsigned_abs())
                })
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Field::F64(v))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Field::Bool)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                while m.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Field::Composite)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                while s.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Field::Composite)
            }
        }
        d.deserialize_any(V)
    }
}

/// A token value (RFC 6749 Appendix A: `1*VSCHAR`), read as bytes.
///
/// serde_json reads a `&str` by scanning the string and then running a UTF-8 check
/// over it; as bytes it only looks for the closing quote. Tokens are most of a token
/// answer (an ID token is about 800 bytes), and the VSCHAR check proves them ASCII, so
/// the first UTF-8 pass would be wasted work. Only JSON strings (and `null`, through
/// `Option`) are accepted: serde_json fails on any other value before a visitor sees
/// it, which [`crate::user::token::RawToken::parse`] turns into a named field error.
pub(crate) struct TokenBytes<'a>(Cow<'a, [u8]>);

impl TokenBytes<'_> {
    /// The bytes, or an error naming `field` if there are none.
    pub(crate) fn non_empty(&self, field: &'static str) -> Result<&[u8], BodyError> {
        if self.0.is_empty() {
            return Err(BodyError::InvalidField {
                field,
                expected: "a non-empty string",
            });
        }
        Ok(&self.0)
    }

    /// The token, or an error naming `field` if it is empty or has a character
    /// outside `%x20-7E`.
    pub(crate) fn into_string(self, field: &'static str) -> Result<String, BodyError> {
        self.non_empty(field)?;
        let invalid = BodyError::InvalidField {
            field,
            expected: "visible ASCII characters (RFC 6749 VSCHAR)",
        };
        // `%x20-7E` is `b - 0x20 < 0x5F` (wrapping); the largest of those shifted
        // bytes decides. A max reduction without early exit vectorises well.
        let top = self.0.iter().fold(0u8, |m, &b| m.max(b.wrapping_sub(0x20)));
        if top >= 0x5f {
            return Err(invalid);
        }
        // ASCII by the check above, but only a UTF-8 check makes it a `str` without
        // `unsafe`; simdutf8's is several times faster than std's on long ASCII.
        simdutf8::basic::from_utf8(&self.0)
            .map(str::to_owned)
            .map_err(|_| invalid)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for TokenBytes<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TokenBytes<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a token string")
            }
            fn visit_borrowed_bytes<E>(self, v: &'de [u8]) -> Result<Self::Value, E> {
                Ok(TokenBytes(Cow::Borrowed(v)))
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Self::Value, E> {
                Ok(TokenBytes(Cow::Owned(v.to_vec())))
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Self::Value, E> {
                Ok(TokenBytes(Cow::Owned(v)))
            }
            // Deserializers other than serde_json's may hand a string over as text.
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(TokenBytes(Cow::Borrowed(v.as_bytes())))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(TokenBytes(Cow::Owned(v.as_bytes().to_vec())))
            }
        }
        d.deserialize_bytes(V)
    }
}

/// Deserializes `T` from a JSON object only. (Derived struct impls also accept a
/// JSON array, matched by position, which a header or claims set must never be.)
pub(crate) struct MapOnly<T>(pub(crate) T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MapOnly<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = MapOnly<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(MapOnly)
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}
