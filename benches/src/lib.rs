//! Benchmark-only package; the benchmarks live in `benches/`.
