"""Serving: an OpenAI-compatible chat server for local models, and a helper to run ASGI apps in a thread."""
