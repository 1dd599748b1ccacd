"""Settings for the benchmark's server: the real settings plus the bench middleware and views."""

import os

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE

BENCH_VIEWS = True
MIDDLEWARE = ["hindsight_bench.middleware.BenchMiddleware", *MIDDLEWARE]

# The seeded identity provider's client secret is stored encrypted: a fixed key when none is
# set (the benchmark's database is thrown away; never a production setting).
if not FIELD_ENCRYPTION_KEYS:  # noqa: F405
    FIELD_ENCRYPTION_KEYS = ["YmVuY2gtb25seS1rZXktbmV2ZXItaW4tcHJvZHVjdGk="]  # noqa: S105

# The webhook intake's server (``hindsight_bench.webhooks``) queues its tasks as production
# does, also without Redis (in the worker's memory then), instead of running them in the
# request; on a queue of the bench's own, which the bench empties afterwards.
BENCH_QUEUE = os.environ.get("HINDSIGHT_BENCH_QUEUE", "")
if BENCH_QUEUE:
    CELERY_TASK_ALWAYS_EAGER = False
    CELERY_TASK_DEFAULT_QUEUE = BENCH_QUEUE
