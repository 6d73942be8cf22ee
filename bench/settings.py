"""The app's settings plus one bare view, so the baseline runs in the same server and process."""

from kazan.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["*"]
