"""The background worker: Celery with a Redis broker, and Celery beat for periodic jobs.

Run it with ``quietlegs worker`` (worker and beat in one process, enough for one
clinic) or, for larger sites, as two processes::

    celery -A quietlegs.web.worker worker --loglevel info
    celery -A quietlegs.web.worker beat --loglevel info

The web app never needs the worker to serve pages or book: the worker only sends
reminders (and runs other periodic jobs) on time. The broker is
``QUIETLEGS_BROKER_URL``, else ``REDIS_URL``, else ``redis://127.0.0.1:6379/0``;
the schedule is ``CELERY_BEAT_SCHEDULE`` in :mod:`quietlegs.web.settings`.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quietlegs.web.settings")

app = Celery("quietlegs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["quietlegs.web.scheduling"])
