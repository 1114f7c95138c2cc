"""Settings of the example project.

mastra_data's database comes from ``MASTRA_DATA_URL`` (any URL mastra_data accepts) or, when that is
unset, from the ``DATABASES`` entry named by ``MASTRA_DATA_DATABASE`` (default ``"mastra"``): a Django
``sqlite3`` or ``postgresql`` entry is mapped to the equivalent libSQL or PostgreSQL URL
(``memory_api.storage.url_from_django_database``). Django's own ORM never touches mastra_data's tables.
"""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "example-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,testserver").split(",")

INSTALLED_APPS = ["memory_api"]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
ROOT_URLCONF = "mastra_site.urls"
WSGI_APPLICATION = "mastra_site.wsgi.application"
USE_TZ = True

DATABASES = {
    # Django needs a default database; this example's views use none of it.
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "django.sqlite3"},
    # Uncomment to configure mastra_data from Django instead of MASTRA_DATA_URL:
    # "mastra": {
    #     "ENGINE": "django.db.backends.postgresql",
    #     "NAME": "mastra", "USER": "app", "PASSWORD": "...", "HOST": "localhost", "PORT": "5432",
    # },
}

MASTRA_DATA_URL = os.environ.get("MASTRA_DATA_URL") or None
MASTRA_DATA_DATABASE = "mastra"
