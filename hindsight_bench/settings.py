"""Settings for the benchmark's server: the real settings plus the bench middleware and views."""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE

BENCH_VIEWS = True
MIDDLEWARE = ["hindsight_bench.middleware.BenchMiddleware", *MIDDLEWARE]

# The seeded identity provider's client secret is stored encrypted: a fixed key when none is
# set (the benchmark's database is thrown away; never a production setting).
if not FIELD_ENCRYPTION_KEYS:  # noqa: F405
    FIELD_ENCRYPTION_KEYS = ["YmVuY2gtb25seS1rZXktbmV2ZXItaW4tcHJvZHVjdGk="]  # noqa: S105
