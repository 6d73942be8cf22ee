"""Where the FAQ matcher's development sets are: FAQ_DEV_DIR, by default ../shared/faq-dev beside
the checkout. Tests and bench/faq.py read them in place; they are never copied into the project."""

import os
from pathlib import Path

from django.conf import settings


def faq_dev_dir() -> Path:
    default = Path(settings.BASE_DIR).parent / "shared" / "faq-dev"
    return Path(os.environ.get("FAQ_DEV_DIR", str(default)))
