"""URL configuration: the memory API under ``/api/memory/``."""

from django.urls import include, path

urlpatterns = [path("api/memory/", include("memory_api.urls"))]
