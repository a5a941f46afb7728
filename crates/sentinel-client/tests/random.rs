//! State and PKCE verifiers drawn from the operating system's CSPRNG.
#![allow(clippy::unwrap_used)]

use sentinel_proto::CodeVerifier;
use sentinel_proto::user::State;

#[test]
fn generated_states_are_distinct_43_char_base64url() {
    let mut seen = std::collections::HashSet::new();
    for _ in 0..200 {
        let s = sentinel_client::generate_state().unwrap();
        assert_eq!(s.as_str().len(), 43);
        assert!(
            s.as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{}",
            s.as_str()
        );
        // A generated state is a valid caller-made state too.
        assert!(State::new(s.as_str()).is_ok());
        assert!(seen.insert(s.as_str().to_owned()), "repeated state");
    }
}

#[test]
fn generated_verifiers_are_43_unreserved_characters_and_differ() {
    let a = sentinel_client::generate_code_verifier().unwrap();
    let b = sentinel_client::generate_code_verifier().unwrap();
    assert_ne!(a, b);
    for v in [&a, &b] {
        assert_eq!(v.secret().len(), 43);
        assert!(
            v.secret()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        // Valid by its own rules.
        assert_eq!(&CodeVerifier::new(v.secret()).unwrap(), v);
        // The challenge is 32 bytes base64url, and not the verifier.
        assert_eq!(v.challenge().as_str().len(), 43);
        assert_ne!(v.challenge().as_str(), v.secret());
    }
}
