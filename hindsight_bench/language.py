"""The blameless-language guidance: its check of a 4,000-word draft, timed in this process, and
how well it reads the evaluation sentences (recall and precision per form of blame, false alarms
per kind of blameless sentence), on the split it was not tuned on."""

import statistics
import time

NAME = "language guidance"
GOAL_MS = 20.0
GOAL_RECALL = 0.85
GOAL_FALSE_ALARMS = 0.02
# Scored, never tuned on (see postmortems/language/evaluation.py for how each was written).
SCORED_SPLITS = ("held-out", "fresh", "fresh-2", "fresh-3")


def goals(runs: int = 30) -> list[tuple[str, str, bool]]:
    """The timing goal, then the recall and false-alarm goals of each scored split (printing
    the per-form table of each)."""
    return [timing(runs), *(goal for split in SCORED_SPLITS for goal in accuracy(split))]


def timing(runs: int) -> tuple[str, str, bool]:
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
    return (
        f"language guidance, 4,000 words: < {GOAL_MS:.0f} ms",
        f"{median:.1f} ms median of {runs} ({len(findings)} findings)",
        median < GOAL_MS,
    )


def accuracy(split: str) -> list[tuple[str, str, bool]]:
    from postmortems.language.evaluation import evaluate, report

    score = evaluate(split)
    print(f"language guidance on the {split!r} sentences")
    for line in report(score):
        print(f"  {line}")
    return [
        (
            f"blaming sentences flagged ({split}): ≥ {GOAL_RECALL:.0%}",
            f"{score.recall:.1%} (precision {score.precision:.1%})",
            score.recall >= GOAL_RECALL,
        ),
        (
            f"false alarms on blameless sentences ({split}): ≤ {GOAL_FALSE_ALARMS:.0%}",
            f"{score.false_alarm_rate:.1%}",
            score.false_alarm_rate <= GOAL_FALSE_ALARMS,
        ),
    ]
