//! Values drawn from the operating system's CSPRNG: `sentinel-proto` draws none.

use sentinel_proto::CodeVerifier;
use sentinel_proto::error::InputError;
use sentinel_proto::user::State;

/// A fresh CSRF `state` for the authorize URL: 256 bits from the operating system.
///
/// ```
/// let state = sentinel_client::generate_state()?;
/// assert_eq!(state.as_str().len(), 43);
/// assert_eq!(format!("{state:?}"), "State([redacted])");
/// # Ok::<(), sentinel_proto::error::InputError>(())
/// ```
pub fn generate_state() -> Result<State, InputError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| InputError::Random)?;
    Ok(State::from_random_bytes(bytes))
}

/// A fresh PKCE code verifier (RFC 7636 §4.1): 256 bits from the operating system.
///
/// ```
/// let verifier = sentinel_client::generate_code_verifier()?;
/// assert_eq!(verifier.secret().len(), 43);
/// assert_eq!(format!("{verifier:?}"), "CodeVerifier([redacted])");
/// # Ok::<(), sentinel_proto::error::InputError>(())
/// ```
pub fn generate_code_verifier() -> Result<CodeVerifier, InputError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|_| InputError::Random)?;
    // from_random_bytes zeroizes its copy; this one is cleared here.
    let v = CodeVerifier::from_random_bytes(bytes);
    bytes.fill(0);
    Ok(v)
}
