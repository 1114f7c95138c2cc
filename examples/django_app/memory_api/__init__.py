"""The memory API app: Django views over mastra_data's sync repositories."""
