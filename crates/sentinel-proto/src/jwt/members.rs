//! A flat claims set scanned once ([`super::flat`]) and read twice: for the
//! registered claims the verifier checks, and for the caller's claims type,
//! through a serde `Deserializer` over the scanned members. A verification
//! then walks its payload once; serde_json's pass for the caller's type was
//! the larger part of the work outside RSA.
//!
//! The deserializer makes the visitor calls serde_json makes for the same
//! text (borrowed strings, `u64`s, `null`, booleans) and gives up, with an
//! error, wherever serde_json would do something else or fail: the caller then
//! reads the text with serde_json, which decides and words every error. So an
//! answer from here is serde_json's answer, and an unusual claims set costs one
//! scan more. Property tests hold it to serde_json for the library's claims
//! types and for a type that asks for every kind of value.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};

use super::flat::{Scalar, members};

/// Members kept on the stack; a larger claims set goes to serde_json.
/// Sentinel's AppJWTs have 6 and its ID tokens about 12.
const MAX_MEMBERS: usize = 24;

/// The members of a flat object, in order.
pub(crate) struct Members<'a> {
    list: [(&'a str, Scalar<'a>); MAX_MEMBERS],
    len: usize,
}

impl<'a> Members<'a> {
    /// Room for members.
    pub(crate) fn new() -> Self {
        Members {
            list: [("", Scalar::Null); MAX_MEMBERS],
            len: 0,
        }
    }

    /// The members of `json` if it is a flat object of at most
    /// [`MAX_MEMBERS`]; `None`: serde_json must read it. Scanned into `self`
    /// rather than returned: the list is a kilobyte, which a return would copy.
    pub(crate) fn scan(&mut self, json: &'a str) -> Option<&Self> {
        self.len = 0;
        let ok = members(json, |key, value| {
            *self.list.get_mut(self.len)? = (key, value);
            self.len += 1;
            Some(())
        });
        ok.map(|()| &*self)
    }

    /// The members, in the order of the text.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&'a str, Scalar<'a>)> + '_ {
        self.as_slice().iter().copied()
    }

    fn as_slice(&self) -> &[(&'a str, Scalar<'a>)] {
        self.list.get(..self.len).unwrap_or_default()
    }

    /// What serde_json reads from the text as `C`, if it reads it without
    /// error; `None`: serde_json must decide (and say what is wrong).
    pub(crate) fn deserialize<C: DeserializeOwned>(&self) -> Option<C> {
        if !integers_visit_u64() {
            return None;
        }
        let mut entries = Entries {
            rest: self.as_slice().iter(),
            value: None,
        };
        C::deserialize(Object(&mut entries)).ok()
    }
}

/// Whether serde_json hands an integer to `deserialize_any` as a `u64`. Not
/// with its `arbitrary_precision` feature (which any crate in a build can turn
/// on), where it is a map; then every claims set goes to serde_json. Asked once.
fn integers_visit_u64() -> bool {
    static ANSWER: AtomicU8 = AtomicU8::new(0);
    match ANSWER.load(Ordering::Relaxed) {
        1 => true,
        2 => false,
        _ => {
            let yes = serde_json::from_str::<IsU64>("1").is_ok_and(|v| v.0);
            ANSWER.store(if yes { 1 } else { 2 }, Ordering::Relaxed);
            yes
        }
    }
}

struct IsU64(bool);

impl<'de> de::Deserialize<'de> for IsU64 {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = IsU64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<IsU64, E> {
                Ok(IsU64(true))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<IsU64, A::Error> {
                while map
                    .next_entry::<de::IgnoredAny, de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(IsU64(false))
            }
        }
        d.deserialize_any(V)
    }
}

/// "Let serde_json read it": never shown to anyone, so it carries nothing.
#[derive(Debug)]
struct GiveUp;

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to serde_json")
    }
}

impl std::error::Error for GiveUp {}

impl de::Error for GiveUp {
    fn custom<T: fmt::Display>(_: T) -> Self {
        GiveUp
    }
}

/// `Deserializer` methods for which serde_json would not make the calls this
/// module makes (or would fail): they give up.
macro_rules! give_up {
    ($($method:ident($($arg:ty),*);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $(_: $arg,)* _: V) -> Result<V::Value, GiveUp> {
                Err(GiveUp)
            }
        )*
    };
}

/// serde_json's names for the newtypes it reads in its own way (`RawValue`).
fn serde_json_private(name: &str) -> bool {
    name.starts_with("$serde_json")
}

/// The members not yet read, and the value of the key just read.
struct Entries<'m, 'a> {
    rest: std::slice::Iter<'m, (&'a str, Scalar<'a>)>,
    value: Option<Scalar<'a>>,
}

impl<'de> de::MapAccess<'de> for Entries<'_, 'de> {
    type Error = GiveUp;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, GiveUp> {
        // Two keys without a value between them: serde_json would read the
        // value as a key.
        if self.value.is_some() {
            return Err(GiveUp);
        }
        let Some(&(key, value)) = self.rest.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(Value(Scalar::Str(key), Place::Key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, GiveUp> {
        seed.deserialize(Value(self.value.take().ok_or(GiveUp)?, Place::Value))
    }
}

/// The object itself.
struct Object<'e, 'm, 'a>(&'e mut Entries<'m, 'a>);

impl<'de> Object<'_, '_, 'de> {
    fn visit_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        let value = visitor.visit_map(&mut *self.0)?;
        // serde_json fails when a visitor leaves members unread.
        match (self.0.rest.len(), self.0.value) {
            (0, None) => Ok(value),
            _ => Err(GiveUp),
        }
    }
}

impl<'de> de::Deserializer<'de> for Object<'_, '_, 'de> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.visit_map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.visit_map(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        self.visit_map(visitor)
    }

    give_up! {
        deserialize_bool(); deserialize_i8(); deserialize_i16(); deserialize_i32();
        deserialize_i64(); deserialize_i128(); deserialize_u8(); deserialize_u16();
        deserialize_u32(); deserialize_u64(); deserialize_u128(); deserialize_f32();
        deserialize_f64(); deserialize_char(); deserialize_str(); deserialize_string();
        deserialize_bytes(); deserialize_byte_buf(); deserialize_option(); deserialize_unit();
        deserialize_unit_struct(&'static str); deserialize_newtype_struct(&'static str);
        deserialize_seq(); deserialize_tuple(usize); deserialize_tuple_struct(&'static str, usize);
        deserialize_enum(&'static str, &'static [&'static str]); deserialize_identifier();
        deserialize_ignored_any();
    }
}

/// A member's key or value, as serde_json's `MapKey` or `Deserializer` reads
/// the same text: a key is a string without escapes, read as a value string is
/// but for `deserialize_ignored_any` (and for numbers and booleans, which
/// serde_json parses out of a key and this gives up on, as on a string value).
struct Value<'a>(Scalar<'a>, Place);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Key,
    Value,
}

impl<'de> Value<'de> {
    fn str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.0 {
            Scalar::Str(s) => visitor.visit_borrowed_str(s),
            _ => Err(GiveUp),
        }
    }

    fn number<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.0 {
            Scalar::Int(n) => visitor.visit_u64(n),
            _ => Err(GiveUp),
        }
    }

    fn null<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.0 {
            Scalar::Null => visitor.visit_unit(),
            _ => Err(GiveUp),
        }
    }
}

impl<'de> de::Deserializer<'de> for Value<'de> {
    type Error = GiveUp;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.0 {
            Scalar::Str(_) => self.str(visitor),
            Scalar::Int(n) => visitor.visit_u64(n),
            Scalar::Null => visitor.visit_unit(),
            Scalar::Bool(b) => visitor.visit_bool(b),
            // serde_json's float and negative parsing is its own.
            Scalar::Other => Err(GiveUp),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.0 {
            Scalar::Bool(b) => visitor.visit_bool(b),
            _ => Err(GiveUp),
        }
    }

    // serde_json reads every integer type (and f64) of an integer's text
    // with `visit_u64`; i128 and u128 with their own calls, and f32 in its
    // own way under `float_roundtrip`: those give up.
    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.number(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.number(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.number(visitor)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.number(visitor)
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.number(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.number(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.number(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.number(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.number(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.str(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.str(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.str(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.0 {
            Scalar::Str(s) => visitor.visit_borrowed_bytes(s.as_bytes()),
            _ => Err(GiveUp),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.0 {
            Scalar::Null => visitor.visit_none(),
            Scalar::Other => Err(GiveUp),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        self.null(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        self.null(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        if serde_json_private(name) {
            return Err(GiveUp);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, GiveUp> {
        match self.0 {
            Scalar::Str(s) => visitor.visit_enum(UnitVariant(s)),
            _ => Err(GiveUp),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, GiveUp> {
        match self.1 {
            // serde_json reads a key as a string for any request.
            Place::Key => self.str(visitor),
            Place::Value => visitor.visit_unit(),
        }
    }

    // Arrays and objects are never flat.
    give_up! {
        deserialize_i128(); deserialize_u128(); deserialize_f32(); deserialize_seq();
        deserialize_tuple(usize); deserialize_tuple_struct(&'static str, usize); deserialize_map();
        deserialize_struct(&'static str, &'static [&'static str]);
    }
}

/// An enum written as a string: a unit variant, as serde_json's
/// `UnitVariantAccess` reads it (the variant's name read as a string value).
struct UnitVariant<'a>(&'a str);

impl<'de> de::EnumAccess<'de> for UnitVariant<'de> {
    type Error = GiveUp;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self), GiveUp> {
        let variant = seed.deserialize(Value(Scalar::Str(self.0), Place::Value))?;
        Ok((variant, self))
    }
}

impl<'de> de::VariantAccess<'de> for UnitVariant<'de> {
    type Error = GiveUp;

    fn unit_variant(self) -> Result<(), GiveUp> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, _: S) -> Result<S::Value, GiveUp> {
        Err(GiveUp)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, GiveUp> {
        Err(GiveUp)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, GiveUp> {
        Err(GiveUp)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};
    use std::fmt::Debug;

    use proptest::prelude::*;
    use serde::Deserialize;

    use super::super::claims::{AppJwtClaims, Claims, IdTokenClaims};
    use super::super::flat::tests::{flat_object, keys, object_of, scalar};
    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    enum Kind {
        #[serde(rename = "a")]
        A,
        #[serde(rename = "b")]
        B(u8),
    }

    #[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
    struct Newtype(String);

    /// A field of every kind a claims type asks for.
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Every {
        #[serde(default)]
        s: Option<String>,
        #[serde(default)]
        n: Option<u8>,
        #[serde(default)]
        i: Option<i32>,
        #[serde(default)]
        f: Option<f64>,
        #[serde(default)]
        g: Option<f32>,
        #[serde(default)]
        w: Option<u128>,
        #[serde(default)]
        b: Option<bool>,
        #[serde(default)]
        c: Option<char>,
        #[serde(default)]
        e: Option<Kind>,
        #[serde(default)]
        t: Option<Newtype>,
        #[serde(default)]
        u: Option<()>,
        #[serde(default)]
        v: serde_json::Value,
        #[serde(default)]
        z: Option<serde_bytes_like::Bytes>,
        #[serde(default)]
        exp: u64,
    }

    /// `Vec<u8>` read through `deserialize_bytes`.
    mod serde_bytes_like {
        #[derive(Debug, PartialEq)]
        pub(super) struct Bytes(pub(super) Vec<u8>);
        impl<'de> serde::Deserialize<'de> for Bytes {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl serde::de::Visitor<'_> for V {
                    type Value = Bytes;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("bytes")
                    }
                    fn visit_bytes<E>(self, v: &[u8]) -> Result<Bytes, E> {
                        Ok(Bytes(v.to_vec()))
                    }
                }
                d.deserialize_bytes(V)
            }
        }
    }

    /// Buffered by serde (flatten, untagged, internally tagged): every value
    /// goes through `deserialize_any`.
    #[derive(Debug, PartialEq, Deserialize)]
    struct Flattened {
        #[serde(default)]
        s: Option<String>,
        #[serde(flatten)]
        rest: BTreeMap<String, serde_json::Value>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(untagged)]
    enum Untagged {
        Number(u64),
        Text(String),
        Flag(bool),
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(tag = "typ")]
    enum Tagged {
        #[serde(rename = "a")]
        A { n: Option<u8> },
        #[serde(rename = "b")]
        B { s: String },
    }

    const NAMES: &[&str] = &[
        "s", "n", "i", "f", "g", "w", "b", "c", "e", "t", "u", "v", "z", "typ", "exp", "iat",
        "nbf", "iss", "aud", "azp", "sub", "scope", "is_admin", "is_lpa",
    ];

    /// Where the scanned members give `T`, serde_json gives the same `T`.
    fn agrees<T: DeserializeOwned + PartialEq + Debug>(
        text: &str,
    ) -> Result<Option<T>, TestCaseError> {
        let fast = Members::new().scan(text).and_then(|m| m.deserialize::<T>());
        if let Some(fast) = &fast {
            let slow = serde_json::from_str::<T>(text).ok();
            prop_assert_eq!(Some(fast), slow.as_ref(), "{}", text);
        }
        Ok(fast)
    }

    fn agrees_for_every_type(text: &str) -> Result<(), TestCaseError> {
        agrees::<AppJwtClaims>(text)?;
        agrees::<IdTokenClaims>(text)?;
        agrees::<Claims>(text)?;
        agrees::<Every>(text)?;
        agrees::<Flattened>(text)?;
        agrees::<Tagged>(text)?;
        agrees::<HashMap<String, Untagged>>(text)?;
        agrees::<BTreeMap<Newtype, Option<Untagged>>>(text)?;
        agrees::<BTreeMap<u8, serde::de::IgnoredAny>>(text).map(|_| ())
    }

    /// Flat objects whose values are plain strings, integers, booleans and
    /// `null`: nothing serde_json must read itself.
    fn plain_flat_object() -> impl Strategy<Value = String> {
        let value = prop_oneof![
            "\"[ -!#-\\[\\]-~]{0,12}\"",
            "0|[1-9][0-9]{0,18}",
            Just("true".to_owned()),
            Just("false".to_owned()),
            Just("null".to_owned()),
            Just("\"a\"".to_owned()),
            Just("\"b\"".to_owned()),
        ];
        prop::collection::btree_map(prop::sample::select(NAMES), value, 0..10).prop_map(|m| {
            let members: Vec<String> = m.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
            format!("{{{}}}", members.join(","))
        })
    }

    #[test]
    fn reads_sentinel_claims_as_serde_json_does() {
        let app = r#"{"aud":"le81823118","azp":"4b3c","scope":"msg.consumer","iss":"Sentinel","exp":1700003600,"iat":1700000000}"#;
        let mut m = Members::new();
        let m = m.scan(app).unwrap();
        assert_eq!(
            m.deserialize::<AppJwtClaims>(),
            Some(serde_json::from_str(app).unwrap())
        );
        let id = r#"{"sub":"u1","aud":"cid","iss":"sentinel","iat":1,"exp":2,"is_admin":true,"is_lpa":false}"#;
        let mut m = Members::new();
        let m = m.scan(id).unwrap();
        assert_eq!(
            m.deserialize::<IdTokenClaims>(),
            Some(serde_json::from_str(id).unwrap())
        );
        assert!(integers_visit_u64());
    }

    #[test]
    fn leaves_to_serde_json_what_it_does_not_make_the_same_calls_for() {
        // A missing or duplicate field, a wrong type, a float, a negative
        // number, a number read as u128, a string read as raw JSON, more
        // members than it keeps: serde_json decides.
        for (text, read) in [
            (r#"{"iss":"Sentinel"}"#, "AppJwtClaims"),
            (r#"{"iss":"Sentinel","exp":1,"exp":2}"#, "AppJwtClaims"),
            (r#"{"iss":1,"exp":1}"#, "AppJwtClaims"),
            (r#"{"iss":"Sentinel","exp":1.5}"#, "AppJwtClaims"),
            (r#"{"iss":"Sentinel","exp":-1}"#, "AppJwtClaims"),
            (r#"{"w":1}"#, "Every"),
            (r#"{"g":1}"#, "Every"),
            (r#"{"e":"c"}"#, "Every"),
            (r#"{"e":"b"}"#, "Every"),
            (r#"{"x":1}"#, "Every"),
        ] {
            let mut m = Members::new();
            let m = m.scan(text).unwrap();
            let fast = match read {
                "AppJwtClaims" => m.deserialize::<AppJwtClaims>().map(|_| ()),
                _ => m.deserialize::<Every>().map(|_| ()),
            };
            assert_eq!(fast, None, "{text}");
        }
        #[derive(Deserialize)]
        struct Raw {
            #[allow(dead_code)]
            s: Box<serde_json::value::RawValue>,
        }
        let mut m = Members::new();
        let m = m.scan(r#"{"s":"x"}"#).unwrap();
        assert!(m.deserialize::<Raw>().is_none());
        assert!(serde_json::from_str::<Raw>(r#"{"s":"x"}"#).is_ok());

        let many = |n: usize| {
            let members: Vec<String> = (0..n).map(|i| format!("\"k{i}\":{i}")).collect();
            format!("{{{}}}", members.join(","))
        };
        assert!(Members::new().scan(&many(MAX_MEMBERS)).is_some());
        assert!(Members::new().scan(&many(MAX_MEMBERS + 1)).is_none());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Generated objects, valid or not, with every type: never an
        /// answer serde_json would not give.
        #[test]
        fn never_disagrees_with_serde_json(text in object_of(keys(NAMES))) {
            agrees_for_every_type(&text)?;
        }

        /// Any byte of a valid object changed.
        #[test]
        fn never_disagrees_after_a_change(
            text in plain_flat_object(), at in any::<usize>(), to in any::<char>(), v in scalar()
        ) {
            let mut chars: Vec<char> = text.chars().collect();
            if !chars.is_empty() {
                let i = at % chars.len();
                chars[i] = to;
                agrees_for_every_type(&chars.into_iter().collect::<String>())?;
            }
            agrees_for_every_type(&text.replacen("true", &v, 1))?;
        }

        /// Flat objects of plain values are read here whenever serde_json
        /// reads them, for every type that asks only for what this module
        /// serves (so not `Every`'s `w`, `g`, or its `e` as `"b"`).
        #[test]
        fn answers_whenever_serde_json_does(text in plain_flat_object(), sentinel in flat_object(NAMES)) {
            for text in [&text, &sentinel] {
                // More members than are kept go to serde_json, as they should.
                let count = serde_json::from_str::<Claims>(text).map_or(0, |m| m.len());
                if count > MAX_MEMBERS {
                    continue;
                }
                macro_rules! answers {
                    ($($t:ty),*) => {$(
                        let fast = agrees::<$t>(text)?;
                        prop_assert_eq!(
                            fast.is_some(),
                            serde_json::from_str::<$t>(text).is_ok(),
                            "{} as {}", text, stringify!($t)
                        );
                    )*};
                }
                answers!(AppJwtClaims, IdTokenClaims, Claims, Flattened, Tagged,
                    HashMap<String, Untagged>, BTreeMap<Newtype, Option<Untagged>>);
                let every_serves = !(text.contains("\"w\":") || text.contains("\"g\":") || text.contains("\"e\":\"b\""));
                if every_serves {
                    answers!(Every);
                }
            }
        }
    }
}
