//! SHA-256, for the PKCE S256 challenge, from the library this build already
//! has: the JWT crypto backend when one is on (no second implementation next
//! to it), else pure-Rust `sha2` (feature `sha2`, for builds without `jwt`).

#[cfg(feature = "aws-lc-rs")]
pub(crate) fn sha256(data: &[u8]) -> impl AsRef<[u8]> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data)
}

#[cfg(all(feature = "ring", not(feature = "aws-lc-rs")))]
pub(crate) fn sha256(data: &[u8]) -> impl AsRef<[u8]> {
    ring::digest::digest(&ring::digest::SHA256, data)
}

#[cfg(all(feature = "sha2", not(any(feature = "aws-lc-rs", feature = "ring"))))]
pub(crate) fn sha256(data: &[u8]) -> impl AsRef<[u8]> {
    use sha2::Digest;
    sha2::Sha256::digest(data)
}
