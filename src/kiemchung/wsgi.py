"""WSGI entry point for any WSGI server."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kiemchung.settings")
os.umask(0o077)  # what this process writes is readable by its own user only
application = get_wsgi_application()

from kiemchung.core.storage import var_dir_protect  # noqa: E402 (needs the settings)

var_dir_protect()
