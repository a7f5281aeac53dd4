"""The production settings plus one URLconf with a trivial view: the floor of the benchmark.

Used only by `bench/run.py`; production serves `redliv.urls`, which has no such view.
"""

from redliv.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.urls"
