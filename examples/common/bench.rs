//! What the native benchmarks share: the `--runs N` option and the median of timed runs.

use std::time::{Duration, Instant};

/// The number after `--runs` on the command line, if any (and above 0).
pub fn parse_runs() -> Option<usize> {
    let args: Vec<String> = std::env::args().collect();
    let at = args.iter().position(|a| a == "--runs")?;
    args.get(at + 1)?.parse().ok().filter(|n| *n > 0)
}

/// The median time of `runs` runs of `work`, after one run that warms caches and the allocator.
pub fn median(runs: usize, mut work: impl FnMut()) -> Duration {
    work();
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed()
        })
        .collect();
    #[allow(clippy::disallowed_methods)] // a native benchmark: the wasm-size rules do not apply
    times.sort();
    times[times.len() / 2]
}
