"""The blameless-language guidance: its check of a 4,000-word draft, timed in this process."""

import statistics
import time

NAME = "language guidance"
GOAL_MS = 20.0


def goals(runs: int = 30) -> list[tuple[str, str, bool]]:
    """The blameless-language check of a 4,000-word draft, median of ``runs`` in this process."""
    from postmortems.language.rules import bench_text, check

    text = bench_text(4000)
    check(text)  # warm: the rules are compiled on import, caches fill on first use
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        findings = check(text)
        timings.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timings)
    return [
        (
            f"language guidance, 4,000 words: < {GOAL_MS:.0f} ms",
            f"{median:.1f} ms median of {runs} ({len(findings)} findings)",
            median < GOAL_MS,
        )
    ]
