import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kazan.settings")
application = get_wsgi_application()

# Web workers only (not manage.py, not tests): load the FAQ model now, in the background, rather
# than on the first visitor question (KAZAN_FAQ_MODEL_PRELOAD=0 turns it off).
if settings.FAQ_MODEL_PRELOAD:
    from kazan.faq.matching.encoder import preload

    preload()
