//! JWT decoding and RS256 verification (being written).
