"""The memory API routes (the same shape as the FastAPI example and Mastra's server)."""

from django.urls import path

from memory_api import views

urlpatterns = [
    path("threads", views.threads),
    path("threads/<str:thread_id>", views.thread),
    path("threads/<str:thread_id>/messages", views.messages),
    path("threads/<str:thread_id>/working-memory", views.working_memory),
    path("threads/<str:thread_id>/recall", views.recall),
    path("save-messages", views.save_messages),
]
