"""A realistic draft to time ``rules.check`` on (the tests and ``hindsight_bench``)."""

from __future__ import annotations

_BENCH_PARAGRAPHS = (
    "## Summary\n\nFor 43 minutes about 30% of checkout attempts failed with *Payment failed*. "
    "Release v2.3.1 of payments-api shipped a migration that added a required column to the "
    "`payments` table before any code wrote it, so PostgreSQL rejected new rows on every "
    "replica the migration had reached. See https://grafana.example.com/d/payments?from=now-6h "
    "for the error rate.",
    "We rolled the migration back with v2.3.2 and retried every failed payment from the "
    "dead-letter queue. No payment was lost or charged twice; Alice rolled back the release at "
    "14:05 and Bob paged the database team. The deploy caused a spike in 5xx errors that the "
    "canary did not catch, because it compares absolute error rates against a 10% threshold.",
    "| Time | Event | Who |\n|---|---|---|\n| 13:58 | Deploy of v2.3.1 started | CI |\n"
    "| 14:00 | Error rate above 5% alert fired | Datadog |\n| 14:05 | Rollback decided | Carol |",
    '```\nERROR: null value in column "fraud_score" violates not-null constraint\n'
    "DETAIL: the engineer should have known; human error in 0087\n```",
    "- **The migration was never exercised against realistic data.** The CI check runs on an "
    "empty database, and staging is not part of the deploy path for migrations.\n"
    "- **The canary could not see a partial failure.** It takes 2% of traffic and rolls back "
    "above an absolute 10% error rate; 30% of 2% never crossed it.",
    "The on-call engineer should have noticed the warning earlier, and this was clearly a "
    "mistake that could have been prevented.",
    "The alert failed over to the secondary region within a minute. Our safeguards were built "
    "for code regressions rather than schema changes: the review checklist has no question "
    "about backwards compatibility of the schema, and `NOT NULL` columns pass CI.",
)


def bench_text(words: int = 4000) -> str:
    """A realistic markdown draft of about ``words`` words (prose, a table, code, a URL and a
    few blaming sentences), for timing ``check``."""
    paragraphs, count, index = [], 0, 0
    while count < words:
        paragraph = _BENCH_PARAGRAPHS[index % len(_BENCH_PARAGRAPHS)]
        paragraphs.append(paragraph)
        count += len(paragraph.split())
        index += 1
    return "\n\n".join(paragraphs)
