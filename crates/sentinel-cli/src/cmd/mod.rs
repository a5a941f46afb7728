//! One module per group of commands.

pub mod demo;
pub mod jwt;
pub mod login;
pub mod mock;
pub mod remote;

use std::io::Read;

use crate::output::Failure;

/// Reads all of stdin, trimmed, refusing more than `max` bytes.
pub fn read_stdin(what: &str, max: usize) -> Result<String, Failure> {
    let mut buf = String::new();
    std::io::stdin()
        .take(max as u64 + 1)
        .read_to_string(&mut buf)
        .map_err(|e| Failure::Usage(format!("cannot read {what} from stdin: {e}")))?;
    if buf.len() > max {
        return Err(Failure::Usage(format!(
            "{what} on stdin is longer than {max} bytes"
        )));
    }
    let t = buf.trim();
    if t.is_empty() {
        return Err(Failure::Usage(format!("no {what} on stdin")));
    }
    Ok(t.to_owned())
}
