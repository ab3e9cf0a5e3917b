"""Judge access: a cached, retrying client for OpenAI-compatible servers, and JSON extraction."""

from longwriter_zero.judge.client import JudgeClient, JudgeError, extract_json

__all__ = ["JudgeClient", "JudgeError", "extract_json"]
