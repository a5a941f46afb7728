//! sentinel-proto
