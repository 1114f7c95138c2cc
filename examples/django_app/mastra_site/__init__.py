"""Example Django project using mastra_data memory (views in ``memory_api``)."""
