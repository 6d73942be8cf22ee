"""The bench's settings for the workers of `--only broker` (bench/broker.py): the database
backend also accepts the scenario's own queue name, so leftovers of other scenarios never run."""

from bench.settings import *  # noqa: F403
from bench.settings import TASKS

TASKS = {"default": {**TASKS["default"], "QUEUES": ["default", "bench-broker"]}}
