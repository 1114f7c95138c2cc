"""App config: closes mastra_data's connection pools when settings change (tests) or at exit."""

from django.apps import AppConfig


class MemoryApiConfig(AppConfig):
    name = "memory_api"

    def ready(self) -> None:
        from memory_api import storage  # noqa: F401  (connects the setting_changed receiver)
