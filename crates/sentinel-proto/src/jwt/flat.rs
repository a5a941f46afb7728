//! Flat JSON objects read without serde: string keys, scalar values, plain
//! strings (ASCII, no escapes), as Sentinel issues its headers and claims.
//! Every verification reads its claims set here (see [`super::members`]), and a
//! header not in the form Sentinel writes for a known key; every renewal the
//! `exp` of the token it was given. serde's passes over those few bytes cost
//! more than the rest of that work outside RSA.
//!
//! [`members`] walks such an object or gives up; its callers either give the
//! answer serde would give or give up too, and on anything unusual (an
//! escape, a non-ASCII byte, a control character, even a newline between
//! members, a nested value, a float, a duplicate, bad syntax) serde reads the
//! input, so an unusual token is read as before, only slower. Each caller has
//! a property test holding it to serde.
//!
//! The whole input is checked for plain bytes first, a word at a time, so
//! that a string's end is then simply its next quote.

/// A member's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scalar<'a> {
    /// A plain string: ASCII from the space up, no quote, no backslash.
    Str(&'a str),
    /// `0` or `[1-9][0-9]*` of at most 19 digits: always a `u64`.
    Int(u64),
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// Any other number.
    Other,
}

impl<'a> Scalar<'a> {
    /// A string's text; `None` for any other value.
    pub(crate) fn text(self) -> Option<&'a str> {
        match self {
            Scalar::Str(text) => Some(text),
            _ => None,
        }
    }
}

/// Calls `member` with each member of the flat object `json`, in order.
/// `None` if `json` is not one (or `member` gave up): serde must decide.
pub(crate) fn members<'a>(
    json: &'a str,
    mut member: impl FnMut(&'a str, Scalar<'a>) -> Option<()>,
) -> Option<()> {
    if !all_plain(json.as_bytes()) {
        return None;
    }
    let mut c = Cursor {
        text: json,
        rest: json.as_bytes(),
    };
    // Each token is found by `peek`, which skips spaces where there are some
    // and is one comparison where there are none (Sentinel writes none).
    c.expect(b'{')?;
    if c.peek()? == b'}' {
        c.skip(1);
    } else {
        loop {
            let key = c.plain_string()?;
            c.expect(b':')?;
            c.peek()?;
            member(key, c.scalar()?)?;
            match c.peek()? {
                b',' => {
                    c.skip(1);
                    c.peek()?;
                }
                b'}' => {
                    c.skip(1);
                    break;
                }
                _ => return None,
            }
        }
    }
    c.ws();
    c.rest.is_empty().then_some(())
}

/// What serde gives for `struct { exp: Option<u64> }`: `Some(exp)`, where
/// `exp` is `None` for a missing or `null` claim; `None`: serde decides.
pub(crate) fn exp(json: &str) -> Option<Option<u64>> {
    let mut exp = None;
    let mut seen = false;
    members(json, |key, value| {
        if key != "exp" {
            return Some(());
        }
        // serde refuses a duplicate field; let it say so.
        if std::mem::replace(&mut seen, true) {
            return None;
        }
        exp = match value {
            Scalar::Int(n) => Some(n),
            Scalar::Null => None,
            Scalar::Str(_) | Scalar::Bool(_) | Scalar::Other => return None,
        };
        Some(())
    })?;
    Some(exp)
}

/// Eight copies of a byte, for the word-at-a-time scans.
const fn splat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}
const HIGHS: u64 = splat(0x80);

/// The high bit of each byte of `w` below `n` (`n` at most 0x80), and maybe
/// of bytes above it; the lowest bit set is always exact (a borrow only runs
/// upwards, from a flagged byte).
fn below(w: u64, n: u8) -> u64 {
    w.wrapping_sub(splat(n)) & !w & HIGHS
}

/// Whether every byte of `bytes` is plain: ASCII from the space up, but not
/// the backslash. A control character (even JSON's whitespace other than the
/// space) and a byte above 0x7F are serde's to read or refuse, and so is an
/// escape: then the scan gives up before it begins, and a string found after
/// this check is ASCII without escapes, which needs no UTF-8 check.
fn all_plain(bytes: &[u8]) -> bool {
    let flags = |w: &[u8; 8]| {
        let w = u64::from_le_bytes(*w);
        below(w, 0x20) | below(w ^ splat(b'\\'), 1) | (w & HIGHS)
    };
    let (words, tail) = bytes.as_chunks::<8>();
    let all = words.iter().fold(0, |all, w| all | flags(w));
    // The last (partial) word read again as the last eight bytes, which
    // overlap the words before: bytes written one at a time into a padded
    // word and read back as one stall the processor. Only an input shorter
    // than a word is padded (with spaces, which are plain).
    let last = match bytes.last_chunk::<8>() {
        Some(last) => flags(last),
        None => {
            let mut padded = [b' '; 8];
            padded.iter_mut().zip(tail).for_each(|(p, b)| *p = *b);
            flags(&padded)
        }
    };
    all | last == 0
}

const POWERS_OF_TEN: [u64; 8] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

/// The number written by eight digit values (0..=9, the first in the lowest
/// byte): pairs, then fours, then the eight, by multiplies (fast_float's
/// `parse_eight_digits_unrolled`).
fn eight_digits(x: u64) -> u64 {
    const LOW: u64 = 0x0000_00FF_0000_00FF;
    let pairs = x.wrapping_mul(10).wrapping_add(x >> 8);
    (pairs & LOW)
        .wrapping_mul(100 + (1_000_000 << 32))
        .wrapping_add(((pairs >> 16) & LOW).wrapping_mul(1 + (10_000 << 32)))
        >> 32
}

/// Where the scan is: `rest` is always a suffix of `text`'s bytes, so a
/// string found in it is cut from `text` by its offset (no UTF-8 check: its
/// bytes are ASCII, and the cut only checks its two ends).
struct Cursor<'a> {
    text: &'a str,
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// The next byte that is not a space (skipped), not consumed.
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        match *self.rest.first()? {
            b' ' => {
                self.ws();
                self.rest.first().copied()
            }
            b => Some(b),
        }
    }

    /// `want`, after spaces.
    #[inline(always)]
    fn expect(&mut self, want: u8) -> Option<()> {
        (self.peek()? == want).then(|| self.skip(1))
    }

    fn eat(&mut self, want: u8) -> Option<()> {
        match self.rest.split_first() {
            Some((&b, rest)) if b == want => {
                self.rest = rest;
                Some(())
            }
            _ => None,
        }
    }

    fn skip(&mut self, n: usize) {
        self.rest = self.rest.get(n..).unwrap_or_default();
    }

    /// Whitespace: after [`all_plain`], only spaces.
    fn ws(&mut self) {
        while let [b' ', rest @ ..] = self.rest {
            self.rest = rest;
        }
    }

    fn literal(&mut self, text: &[u8]) -> Option<()> {
        self.rest = self.rest.strip_prefix(text)?;
        Some(())
    }

    /// A string (of plain bytes, see [`all_plain`]): up to the next quote.
    // Inlined, as are the readers of values: an `Option<&str>` or a `Scalar`
    // returned through memory and read back at once costs more than the scan.
    #[inline(always)]
    fn plain_string(&mut self) -> Option<&'a str> {
        let s = self.rest.strip_prefix(b"\"")?;
        let start = self.text.len() - s.len();
        // Eight bytes at a time, the lowest flag the first quote; the last
        // few bytes one at a time.
        let mut len = 0;
        let len = loop {
            match s.get(len..).and_then(<[u8]>::first_chunk::<8>) {
                Some(word) => {
                    let quotes = below(u64::from_le_bytes(*word) ^ splat(b'"'), 1);
                    if quotes != 0 {
                        // Little-endian: the lowest flag is the first byte flagged.
                        break len + (quotes.trailing_zeros() / 8) as usize;
                    }
                    len += 8;
                }
                None => break len + s.get(len..)?.iter().position(|&b| b == b'"')?,
            }
        };
        self.rest = s.get(len + 1..)?;
        self.text.get(start..start + len)
    }

    /// The number of digits from here on, maybe none, and their value
    /// (wrapped: only used for at most 19 digits). Eight bytes at a time
    /// while eight remain: a date's ten digits one by one are a chain of ten
    /// dependent multiplies, [`eight_digits`] is three.
    fn digits(&self) -> (usize, u64) {
        let mut value = 0u64;
        let mut n = 0;
        while let Some(word) = self.rest.get(n..).and_then(<[u8]>::first_chunk::<8>) {
            // A digit becomes 0..=9; anything else is flagged (the lowest
            // flag exact, as in `below`).
            let x = u64::from_le_bytes(*word) ^ splat(b'0');
            let others = (x.wrapping_add(splat(0x76)) | x) & HIGHS;
            if others == 0 {
                value = value
                    .wrapping_mul(100_000_000)
                    .wrapping_add(eight_digits(x));
                n += 8;
                continue;
            }
            let k = (others.trailing_zeros() / 8) as usize;
            if let Some(&scale) = POWERS_OF_TEN.get(k)
                && k > 0
            {
                // The k digits moved to the top, zeros (leading zeros) below.
                value = value
                    .wrapping_mul(scale)
                    .wrapping_add(eight_digits(x << (8 * (8 - k))));
            }
            return (n + k, value);
        }
        while let Some(&d) = self.rest.get(n)
            && d.is_ascii_digit()
        {
            value = value.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
            n += 1;
        }
        (n, value)
    }

    /// `0` or `[1-9][0-9]*` (exactly JSON's integer part): its length and
    /// value, the cursor after it.
    fn int_digits(&mut self) -> Option<(usize, u64)> {
        let (n, value) = self.digits();
        match (n, self.rest.first()) {
            (0, _) | (2.., Some(b'0')) => None,
            _ => {
                self.skip(n);
                Some((n, value))
            }
        }
    }

    /// A value other than an object or an array, checked to JSON's grammar.
    #[inline(always)]
    fn scalar(&mut self) -> Option<Scalar<'a>> {
        match *self.rest.first()? {
            b'"' => self.plain_string().map(Scalar::Str),
            b't' => self.literal(b"true").map(|()| Scalar::Bool(true)),
            b'f' => self.literal(b"false").map(|()| Scalar::Bool(false)),
            b'n' => self.literal(b"null").map(|()| Scalar::Null),
            b'0'..=b'9' => {
                let (n, value) = self.int_digits()?;
                if matches!(self.rest.first(), Some(b'.' | b'e' | b'E')) {
                    self.fraction_and_exponent()?;
                    return Some(Scalar::Other);
                }
                // At most 19 digits: below 10^19 < u64::MAX, so no wrap.
                Some(if n > 19 {
                    Scalar::Other
                } else {
                    Scalar::Int(value)
                })
            }
            b'-' => self.number().map(|()| Scalar::Other),
            _ => None,
        }
    }

    /// `-? int frac? exp?` (RFC 8259 §6).
    fn number(&mut self) -> Option<()> {
        let _ = self.eat(b'-');
        self.int_digits()?;
        self.fraction_and_exponent()
    }

    /// `frac? exp?`, after the integer part.
    fn fraction_and_exponent(&mut self) -> Option<()> {
        if self.eat(b'.').is_some() {
            self.digits1()?;
        }
        if matches!(self.rest.first(), Some(b'e' | b'E')) {
            self.skip(1);
            if matches!(self.rest.first(), Some(b'+' | b'-')) {
                self.skip(1);
            }
            self.digits1()?;
        }
        Some(())
    }

    /// At least one digit.
    fn digits1(&mut self) -> Option<()> {
        match self.digits().0 {
            0 => None,
            n => {
                self.skip(n);
                Some(())
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::exp as scan;
    use proptest::prelude::*;

    #[derive(serde::Deserialize)]
    struct Exp {
        exp: Option<u64>,
    }

    fn serde(text: &str) -> Option<Option<u64>> {
        serde_json::from_str::<Exp>(text).ok().map(|e| e.exp)
    }

    /// Where the scanner answers, serde gives the same answer.
    fn agrees(text: &str) -> Result<(), TestCaseError> {
        if let Some(fast) = scan(text) {
            prop_assert_eq!(Some(fast), serde(text), "{:?}", text);
        }
        Ok(())
    }

    #[test]
    fn reads_the_payloads_sentinel_issues() {
        let app = r#"{"aud":"le81823118","azp":"4b3c2d1e-0000-4000-8000-00000000c1d0","scope":"msg.consumer","iss":"Sentinel","exp":1700003600,"iat":1700000000}"#;
        assert_eq!(scan(app), Some(Some(1_700_003_600)));
        assert_eq!(scan(" { } "), Some(None));
        assert_eq!(scan("{\"exp\":null}"), Some(None));
        assert_eq!(scan("{\"exp\":0}"), Some(Some(0)));
        assert_eq!(
            scan("{\"exp\":9999999999999999999}"),
            Some(Some(9_999_999_999_999_999_999))
        );
        assert_eq!(
            scan("{\"n\":-1.5e+3,\"t\":true,\"f\":false,\"z\":null}"),
            Some(None)
        );
    }

    #[test]
    fn reads_integers_of_every_length() {
        for digits in 1..=20 {
            for lead in b'1'..=b'9' {
                let text: String = std::iter::once(char::from(lead))
                    .chain((1..digits).map(|i| char::from(b'0' + (i * 7 % 10) as u8)))
                    .collect();
                // Followed by a member, and at the very end (fewer than
                // eight bytes after the digits).
                for json in [
                    format!("{{\"exp\":{text},\"a\":1}}"),
                    format!("{{\"exp\":{text}}}"),
                ] {
                    // Past 19 digits the scan leaves the number to serde.
                    let want = (digits <= 19).then(|| text.parse::<u64>().ok());
                    assert_eq!(scan(&json), want, "{json}");
                }
            }
        }
    }

    #[test]
    fn leaves_to_serde_what_it_does_not_know() {
        for text in [
            "",
            "[1]",
            "{\"exp\":1,\"exp\":2}",
            "{\"e\\u0078p\":1}",
            "{\"exp\":1.0}",
            "{\"exp\":1e3}",
            "{\"exp\":-1}",
            "{\"exp\":01}",
            "{\"exp\":18446744073709551615}",
            "{\"exp\":\"1\"}",
            "{\"a\":{\"exp\":1}}",
            "{\"a\":[1]}",
            "{\"a\":\"\\n\"}",
            "{\"a\":\"\u{1}\"}",
            "{\"a\":1,}",
            "{\"a\":1} x",
            "{\"a\" 1}",
            "{\"a\":tru}",
            "{\"a\":1.}",
            "{\"a\":1e}",
            "{\"a\":-}",
            "{\"a\":\"unterminated",
        ] {
            assert_eq!(scan(text), None, "{text:?}");
        }
    }

    /// Keys: these, escaped spellings of them, and others.
    pub(crate) fn keys(names: &'static [&'static str]) -> impl Strategy<Value = String> {
        prop_oneof![
            3 => prop::sample::select(names).prop_map(str::to_owned),
            1 => prop::sample::select(names).prop_map(|n| {
                // The same name with its first letter escaped: serde reads
                // it as the name, the scanner must give up.
                let first = n.chars().next().map_or(0, u32::from);
                format!("\\u{first:04x}{}", n.get(1..).unwrap_or_default())
            }),
            1 => "[a-z]{1,6}",
            1 => "[ -~]{0,10}",
        ]
    }

    /// A JSON scalar, mostly valid, sometimes not.
    pub(crate) fn scalar() -> impl Strategy<Value = String> {
        prop_oneof![
            "\"[ -~\u{1}\u{e9}\u{2028}]{0,20}\"",
            "-?(0|[1-9][0-9]{0,21})(\\.[0-9]{0,2})?([eE][+-]?[0-9]{0,2})?",
            "0[0-9]{1,3}",
            Just("true".to_owned()),
            Just("false".to_owned()),
            Just("null".to_owned()),
            Just("{}".to_owned()),
            Just("[]".to_owned()),
            "[tfnu][a-z]{0,5}",
        ]
    }

    fn key() -> impl Strategy<Value = String> {
        keys(&["exp", "ex", "expp", "e\\u0078p"])
    }

    pub(crate) fn ws() -> impl Strategy<Value = &'static str> {
        prop_oneof![
            Just(""),
            Just(""),
            Just(" "),
            Just("\n\t\r "),
            Just("\u{b}")
        ]
    }

    /// Objects of such members, with whitespace, stray commas and trailing
    /// text now and then.
    fn object() -> impl Strategy<Value = String> {
        object_of(key())
    }

    /// Where a scanner answered (`fast`), serde reads `text` as the same
    /// object (the reader of each caller, in its own tests).
    pub(crate) fn agrees_with_serde<'a, T>(
        text: &'a str,
        fast: Option<T>,
    ) -> Result<(), TestCaseError>
    where
        T: serde::Deserialize<'a> + PartialEq + std::fmt::Debug,
    {
        if let Some(fast) = fast {
            let slow = serde_json::from_str::<crate::body_json::MapOnly<T>>(text).map(|m| m.0);
            prop_assert_eq!(Some(fast), slow.ok(), "{}", text);
        }
        Ok(())
    }

    /// Valid flat objects of these names (each once, with a value of the type
    /// its reader takes: an integer for a date, a plain string otherwise) and
    /// other names with either.
    pub(crate) fn flat_object(names: &'static [&'static str]) -> impl Strategy<Value = String> {
        let value = |name: &str| -> BoxedStrategy<String> {
            let int = "0|[1-9][0-9]{0,18}";
            let text = "\"[ -!#-\\[\\]-~]{0,30}\"";
            match name {
                "exp" | "nbf" | "iat" => int.boxed(),
                "alg" | "kid" | "typ" | "iss" | "aud" | "azp" => text.boxed(),
                _ => prop_oneof![int, text].boxed(),
            }
        };
        let named = prop::sample::subsequence(names, 0..=names.len()).prop_flat_map(move |ns| {
            ns.into_iter()
                .map(|n| value(n).prop_map(move |v| format!("\"{n}\":{v}")))
                .collect::<Vec<_>>()
        });
        let others = prop::collection::vec(
            (
                // A header's `crit` is refused, not skipped.
                "[a-z]{4,8}".prop_filter("not crit", |k| k != "crit"),
                prop_oneof!["0|[1-9][0-9]{0,18}", "\"[ -!#-\\[\\]-~]{0,30}\""],
            ),
            0..4,
        );
        (named, others, any::<prop::sample::Index>()).prop_map(|(mut members, others, at)| {
            for (k, v) in others {
                if !members.iter().any(|m| m.starts_with(&format!("\"{k}\""))) {
                    members.insert(at.index(members.len() + 1), format!("\"{k}\":{v}"));
                }
            }
            format!("{{{}}}", members.join(","))
        })
    }

    /// Objects of members with keys from `key`.
    pub(crate) fn object_of(key: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
        let member = (ws(), key, ws(), ws(), scalar(), ws());
        (
            ws(),
            prop::collection::vec(member, 0..8),
            prop_oneof![Just(""), Just(","), Just("x")],
            ws(),
        )
            .prop_map(|(lead, members, stray, tail)| {
                let body: Vec<String> = members
                    .into_iter()
                    .map(|(a, k, b, c, v, d)| format!("{a}\"{k}\"{b}:{c}{v}{d}"))
                    .collect();
                format!("{lead}{{{}{stray}}}{tail}", body.join(","))
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// The generated objects, valid or not: never an answer serde would
        /// not give.
        #[test]
        fn never_disagrees_with_serde(text in object()) {
            agrees(&text)?;
        }

        /// Any text at all, and any byte of a valid payload changed.
        #[test]
        fn never_disagrees_on_any_text(text in "\\PC{0,40}", valid in object(), at in any::<usize>(), to in any::<char>()) {
            agrees(&text)?;
            let mut chars: Vec<char> = valid.chars().collect();
            if !chars.is_empty() {
                let i = at % chars.len();
                chars[i] = to;
                agrees(&chars.into_iter().collect::<String>())?;
            }
        }

        /// Flat payloads of plain strings and integers, the kind Sentinel
        /// issues, are read here rather than left to serde.
        #[test]
        fn answers_for_flat_payloads(
            members in prop::collection::btree_map("[a-z]{1,8}", prop_oneof!["\"[ -!#-\\[\\]-~]{0,30}\"", "[1-9][0-9]{0,9}"], 0..8),
            exp in prop::option::of(any::<u64>()),
        ) {
            let mut parts: Vec<String> = members
                .iter()
                .filter(|(k, _)| k.as_str() != "exp")
                .map(|(k, v)| format!("\"{k}\":{v}"))
                .collect();
            if let Some(e) = exp {
                parts.insert(parts.len() / 2, format!("\"exp\":{e}"));
            }
            let text = format!("{{{}}}", parts.join(","));
            let fast = scan(&text);
            if exp.is_none_or(|e| e < 10_000_000_000_000_000_000) {
                prop_assert_eq!(fast, Some(exp), "{}", text);
            }
            prop_assert_eq!(serde(&text), Some(exp));
        }
    }
}
