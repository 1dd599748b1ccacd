"""The benchmark behind ``make bench``: seed PostgreSQL, serve with gunicorn, measure pages.

Run ``python -m hindsight_bench --help``. The bench views, URLs, middleware and settings in this
package are loaded only by the benchmark's own server (``HINDSIGHT_BENCH=1``).
"""

BENCH_USERNAME = "bench"
BENCH_ORG_SLUG = "bench"


class BenchError(RuntimeError):
    """The app did not start or answer as a run needs; its numbers would be meaningless."""
