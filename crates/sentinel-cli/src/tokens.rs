//! The token file of `login --save`, read and rewritten by `refresh --from` and
//! `revoke --from`: JSON, mode 0600, written whole through a new file renamed
//! over the old one.
//!
//! ```json
//! {"format":"sentinel-tokens/1","account":"123456","client_id":"...",
//!  "token_type":"Bearer","access_token":"...","refresh_token":"...",
//!  "id_token":"...","expires_at":1795425256}
//! ```
//!
//! `refresh_token`, `id_token` and `expires_at` may be absent (`expires_at`
//! when the server sent no `expires_in`; `refresh_token` after `revoke --from`).

use std::io::Write as _;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::output::Failure;

/// The `format` every token file names.
pub const FORMAT: &str = "sentinel-tokens/1";

/// The largest token file read.
const MAX_FILE: u64 = 64 * 1024;

/// What a token file holds. `Debug` is not derived: it holds tokens.
#[derive(Serialize, Deserialize)]
pub struct TokenFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// The account the tokens are of.
    pub account: String,
    /// The client that got them.
    pub client_id: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// The access token.
    pub access_token: String,
    /// The refresh token, while there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The ID token of the login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// When the access token expires (seconds since the epoch), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
}

/// Now, in seconds since the epoch.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Fails unless `path` is absent, or a regular file that only its owner may
/// read or write: a token file others can read has already leaked.
pub fn check_private(path: &Path) -> Result<(), Failure> {
    let shown = path.display();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Failure::Usage(format!("cannot read {shown}: {e}"))),
    };
    if !meta.is_file() {
        return Err(Failure::Usage(format!("{shown} is not a regular file")));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(Failure::Usage(format!(
                "{shown} is open to group or others (mode {mode:04o}): \
                 run `chmod 600 {shown}` or choose another file"
            )));
        }
    }
    Ok(())
}

/// Fails unless a file can be created next to `path` (its directory exists),
/// and `path` itself is absent or private.
pub fn check_writable(path: &Path) -> Result<(), Failure> {
    check_private(path)?;
    let dir = parent(path);
    if !dir.is_dir() {
        return Err(Failure::Usage(format!(
            "cannot save to {}: {} is not a directory",
            path.display(),
            dir.display()
        )));
    }
    Ok(())
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Reads a private token file, checking that it is of `account` and `client_id`.
pub fn load(path: &Path, account: &str, client_id: &str) -> Result<TokenFile, Failure> {
    use std::io::Read as _;
    check_private(path)?;
    let shown = path.display();
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE + 1).read_to_string(&mut text))
        .map_err(|e| Failure::Usage(format!("cannot read {shown}: {e}")))?;
    if text.len() as u64 > MAX_FILE {
        return Err(Failure::Usage(format!(
            "{shown} is larger than {MAX_FILE} bytes"
        )));
    }
    // serde_json's messages quote no input values, only positions and types.
    let file: TokenFile = serde_json::from_str(&text)
        .map_err(|e| Failure::Usage(format!("{shown} is not a token file: {e}")))?;
    if file.format != FORMAT {
        return Err(Failure::Usage(format!(
            "{shown} is not a token file: format is not {FORMAT}"
        )));
    }
    if file.account != account || file.client_id != client_id {
        return Err(Failure::Usage(format!(
            "{shown} holds tokens of account {} and client {}, not of --account {account} --client-id {client_id}",
            file.account, file.client_id
        )));
    }
    Ok(file)
}

/// Writes `file` to `path` with mode 0600: to a new file in the same directory,
/// then renamed over `path`, so that a reader never sees half a file and the
/// mode never depends on what was there.
pub fn save(path: &Path, file: &TokenFile) -> Result<(), Failure> {
    check_writable(path)?;
    let shown = path.display();
    let fail = |e: std::io::Error| Failure::Usage(format!("cannot save to {shown}: {e}"));
    let mut body = serde_json::to_vec_pretty(file)
        .map_err(|e| Failure::Usage(format!("cannot save to {shown}: {e}")))?;
    body.push(b'\n');
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tokens".into());
    let tmp = parent(path).join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        now_nanos()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(&body)?;
        f.sync_all()
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
}

fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> TokenFile {
        TokenFile {
            format: FORMAT.into(),
            account: "123456".into(),
            client_id: "cid".into(),
            token_type: "Bearer".into(),
            access_token: "at".into(),
            refresh_token: Some("rt".into()),
            id_token: None,
            expires_at: Some(5),
        }
    }

    #[cfg(unix)]
    #[test]
    fn saved_files_are_private_and_open_ones_are_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.json");
        save(&path, &sample()).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let back = load(&path, "123456", "cid").unwrap();
        assert_eq!(back.refresh_token.as_deref(), Some("rt"));
        assert!(load(&path, "654321", "cid").is_err());
        for open in [0o640, 0o604, 0o660, 0o644] {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(open)).unwrap();
            let e = save(&path, &sample()).unwrap_err();
            assert!(e.to_string().contains("open to group or others"), "{e}");
            assert!(load(&path, "123456", "cid").is_err());
        }
        // Nothing left behind by the refusals.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
