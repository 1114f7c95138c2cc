"""Example: mastra_data memory behind a FastAPI service (see ``app.py``)."""

from fastapi_app.app import app, create_app

__all__ = ("app", "create_app")
