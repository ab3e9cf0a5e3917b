"""Batched judge calls for the evaluations, through the cached ``JudgeClient``.

The client retries a reply without text content and, when retries run out, fails the batch.
For an evaluation such a reply is a judge failure to count (kind ``empty``), not a reason to
stop: after a failed batch every conversation is asked again one by one — finished ones come
from the cache without a request — and those whose failure is an empty reply get ``None``.
Any other failure (connection, HTTP error) stops the run; the finished replies stay cached, so
the rerun sends only what is missing.
"""

from __future__ import annotations


def ask_judge(client, conversations: list[list[dict]], desc: str, sampling: dict) -> list[str | None]:
    """Replies in order; ``None`` where the judge kept answering with no content."""
    from longwriter_zero.judge.client import JudgeError, MalformedReply

    try:
        return client.chat_many(conversations, desc=desc, **sampling)
    except JudgeError as batch_error:
        replies: list[str | None] = []
        for messages in conversations:
            try:
                replies.append(client.chat(messages, **sampling))
            except JudgeError as e:
                if isinstance(e.__cause__, MalformedReply):
                    replies.append(None)
                else:
                    raise batch_error from e
        return replies
