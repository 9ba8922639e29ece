"""How the benches print a latency sample, so every bench reads the same way."""

from __future__ import annotations

import statistics


def summary(values: list[float]) -> str:
    """p50, p99 and max of latencies given in seconds, in milliseconds."""
    ordered = sorted(values) or [0.0]
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered) * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms, max {ordered[-1] * 1000:.1f} ms"
