"""faqbot: a recruiting FAQ bot for Kakao's Platform/Infra office interview."""

import os

__version__ = "0.1.0"

# The matcher's matrix products are small (a question against a few thousand phrasings): one BLAS thread
# does them in microseconds, while OpenBLAS's own thread pool, spinning beside the sentence embedder's
# OpenMP threads on the same cores, stalled answers for about 100 ms at a time (bench/latency.py: whole
# answer p99 116 ms with it, 21 ms without). It takes effect where the bot is imported before numpy (the
# `faqbot` command, `python -m bot`, the tests); a program that imported numpy first keeps its BLAS as it
# is, and an explicit setting always wins.
for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
