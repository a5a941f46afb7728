//! sentinel-isahc: filled by its own issue.
#![forbid(unsafe_code)]
