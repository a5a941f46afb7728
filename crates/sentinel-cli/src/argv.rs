//! Argument-parser errors without argument values that could be secrets.
//!
//! clap quotes what it could not place ("unexpected argument 'X' found", "to pass
//! 'X' as a value, use '-- X'"). A token or code typed by mistake next to a typo
//! would then be echoed to stderr, into terminal scrollback and CI logs. Every
//! argument is classified before the message is shown, and those that may be a
//! secret are replaced by `[redacted]` wherever they appear in it.
//!
//! Kept: option names (`--leeway`, `-v`), the values of options that never take a
//! secret (`--leeway 99999`, `--account 1`: echoing them is what makes the
//! message useful), and a first operand that looks like a command name
//! (`bogus`). Redacted: the values of options named like a secret (`--code`,
//! `--client-secret`, ...) or that may hold one (`--redirect-uri`), every other operand, anything after `--`, and any
//! argument that is neither (`-eyJ...`, `--x=eyJ...`'s value).

use std::collections::HashSet;
use std::ffi::OsString;

use clap::CommandFactory;

use crate::args::Cli;

/// What replaces a redacted value.
const REDACTED: &str = "[redacted]";

/// Values this long or longer are also replaced where clap shows them unquoted;
/// shorter ones only where quoted (a bare `x` would hit ordinary words).
const RAW_MIN: usize = 4;

/// Whether an option named `name` (long, without dashes) may carry a secret.
///
/// A redirect URI is not one, but the callback URL pasted in its place is: its
/// query has the code, or its fragment tokens, and clap quotes the value it
/// refuses (a fragment is refused).
fn secret_option(name: &str) -> bool {
    [
        "code", "secret", "token", "verifier", "password", "redirect",
    ]
    .iter()
    .any(|w| name.contains(w))
}

/// An option name as typed: lowercase words and dashes, as this CLI's are.
fn flag_shaped(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 40
        && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
}

/// A first operand that reads as a (mistyped) command name: no secret looks
/// like this (lowercase letters and dashes only, short).
fn command_shaped(word: &str) -> bool {
    !word.is_empty()
        && word.len() <= 20
        && word.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && word.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
}

/// The long and short names of every option that takes a value, anywhere in
/// the command tree.
fn value_options() -> (HashSet<String>, HashSet<char>) {
    fn walk(cmd: &clap::Command, longs: &mut HashSet<String>, shorts: &mut HashSet<char>) {
        for a in cmd.get_arguments() {
            if a.is_positional() || !a.get_action().takes_values() {
                continue;
            }
            longs.extend(
                a.get_long_and_visible_aliases()
                    .into_iter()
                    .flatten()
                    .map(str::to_owned),
            );
            shorts.extend(a.get_short_and_visible_aliases().into_iter().flatten());
        }
        for sub in cmd.get_subcommands() {
            walk(sub, longs, shorts);
        }
    }
    let (mut longs, mut shorts) = (HashSet::new(), HashSet::new());
    walk(&Cli::command(), &mut longs, &mut shorts);
    (longs, shorts)
}

/// The arguments (program name excluded) that may be secrets.
pub fn secret_candidates(args: &[OsString]) -> Vec<String> {
    let (longs, shorts) = value_options();
    let mut out = Vec::new();
    // `Some(secret)` while the next argument is an option's value.
    let mut value_of: Option<bool> = None;
    let mut operands = 0usize;
    let mut rest = false;
    for a in args {
        let s = a.to_string_lossy().into_owned();
        if rest {
            out.push(s);
            continue;
        }
        if let Some(secret) = value_of.take() {
            // `--code --json`: clap reads the second as a flag, not a value.
            let is_flag = s.strip_prefix("--").is_some_and(flag_shaped);
            if !is_flag {
                if secret {
                    out.push(s);
                }
                continue;
            }
        }
        if s == "--" {
            rest = true;
        } else if let Some(body) = s.strip_prefix("--") {
            match body.split_once('=') {
                Some((name, value)) => {
                    if !flag_shaped(name) {
                        out.push(s.clone());
                    }
                    if secret_option(name) || !longs.contains(name) {
                        out.push(value.to_owned());
                    }
                }
                None if !flag_shaped(body) => out.push(s),
                None if longs.contains(body) => value_of = Some(secret_option(body)),
                None => {}
            }
        } else if let Some(body) = s.strip_prefix('-').filter(|b| !b.is_empty()) {
            let mut chars = body.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if c.is_ascii_alphabetic() => {
                    if shorts.contains(&c) {
                        value_of = Some(false);
                    }
                }
                // A cluster, `-x=..`, or a value that begins with a dash.
                _ => out.push(s),
            }
        } else {
            operands += 1;
            if operands > 1 || !command_shaped(&s) {
                out.push(s);
            }
        }
    }
    // clap reports `-Xyz..` as the unknown short option `-X`: that prefix too.
    let prefixes: Vec<String> = out
        .iter()
        .filter(|s| !s.starts_with("--") && s.starts_with('-'))
        .filter_map(|s| s.get(..2).map(str::to_owned))
        .collect();
    out.extend(prefixes);
    out
}

/// `text` with every candidate replaced: quoted (`'X'`) always, bare when it is
/// long enough not to hit ordinary words. Longest first, so that one candidate
/// inside another leaves nothing behind.
pub fn redact(text: &str, candidates: &[String]) -> String {
    let mut c: Vec<&str> = candidates
        .iter()
        .map(String::as_str)
        .filter(|s| !s.is_empty())
        .collect();
    c.sort_by_key(|s| std::cmp::Reverse(s.len()));
    c.dedup();
    let mut text = text.to_owned();
    for v in c {
        text = text.replace(&format!("'{v}'"), &format!("'{REDACTED}'"));
        if v.len() >= RAW_MIN {
            text = text.replace(v, REDACTED);
        }
    }
    text
}

/// clap's rendered error (styled when `styled`) with secrets redacted.
pub fn render(e: &clap::Error, styled: bool) -> String {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let rendered = e.render();
    let text = if styled {
        rendered.ansi().to_string()
    } else {
        rendered.to_string()
    };
    redact(&text, &secret_candidates(&args))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(args: &[&str]) -> Vec<String> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        secret_candidates(&args)
    }

    #[test]
    fn classification() {
        assert_eq!(candidates(&["bogus"]), Vec::<String>::new());
        assert_eq!(candidates(&["eyJhbGciOi.x.y"]), ["eyJhbGciOi.x.y"]);
        assert_eq!(candidates(&["decode", "tok", "extra"]), ["tok", "extra"]);
        assert_eq!(
            candidates(&["exchange", "--code", "SECRET", "--account", "1", "--json"]),
            ["SECRET"]
        );
        assert_eq!(candidates(&["exchange", "--code=SECRET"]), ["SECRET"]);
        assert_eq!(
            candidates(&[
                "exchange",
                "--redirect-uri",
                "https://a/cb#t=S",
                "--account",
                "x/y"
            ]),
            ["https://a/cb#t=S"]
        );
        assert_eq!(
            candidates(&["verify", "t", "--alg", "HS256", "--csds", "http://h"]),
            ["t"]
        );
        assert_eq!(
            candidates(&["exchange", "--code", "--json"]),
            Vec::<String>::new()
        );
        assert_eq!(
            candidates(&["verify", "t", "--leeway", "-1", "--now=5"]),
            ["t"]
        );
        assert_eq!(
            candidates(&["mock", "--client-secret", "S", "--port", "70000"]),
            ["S"]
        );
        assert_eq!(candidates(&["x", "--bogus=SECRET"]), ["SECRET"]);
        assert_eq!(candidates(&["x", "--", "--json", "S"]), ["--json", "S"]);
        assert_eq!(candidates(&["x", "-abcSECRET", "-v"]), ["-abcSECRET", "-a"]);
        assert_eq!(candidates(&["x", "--Eyj_SECRET"]), ["--Eyj_SECRET"]);
    }

    #[test]
    fn redaction() {
        let c = vec!["ab".to_owned(), "LONGSECRET".to_owned()];
        assert_eq!(
            redact("unexpected 'ab' in tab; 'LONGSECRET' or -- LONGSECRET", &c),
            "unexpected '[redacted]' in tab; '[redacted]' or -- [redacted]"
        );
    }
}
