//! Shared helpers for the benchmark binaries in `src/bin/`.

use std::time::Duration;

/// Latency percentiles of a sample, in the order recorded.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}
