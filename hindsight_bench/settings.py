"""Settings for the benchmark's server: the real settings plus the bench middleware and views."""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE

BENCH_VIEWS = True
MIDDLEWARE = ["hindsight_bench.middleware.BenchMiddleware", *MIDDLEWARE]
