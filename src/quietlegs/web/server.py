"""``quietlegs serve``: migrate, load demo data on the first run, and serve."""

from __future__ import annotations

import logging
import os

logger = logging.getLogger("quietlegs.web")


def setup_django() -> None:
    """Configure Django with the quietlegs settings (idempotent)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quietlegs.web.settings")
    import django

    django.setup()


def prepare(*, demo: bool = True) -> list[tuple[str, str, str]]:
    """Run migrations, collect static files, and load demo data if the database is empty.

    Returns
    -------
    logins : list of (role, e-mail, password)
        The demo logins (from this run or the first one).
    """
    setup_django()
    from django.core.management import call_command

    from quietlegs.web import demo as demo_data

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("psg_requeue", verbosity=0)
    if not demo:
        return []
    created = demo_data.load_demo_data()
    return created if created is not None else demo_data.saved_logins()


def serve(host: str, port: int, *, threads: int = 8) -> None:
    """Serve the app with waitress (a production-grade pure-Python WSGI server)."""
    setup_django()
    from waitress import serve as waitress_serve

    from quietlegs.web.wsgi import application

    waitress_serve(application, host=host, port=port, threads=threads, ident="quietlegs")
