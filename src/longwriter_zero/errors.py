"""One error type for problems the user can fix (bad config, bad input file, missing model).

The CLI turns it into a one-line message and exit code 2, without a traceback.
"""


class UserError(Exception):
    """A problem in the user's input; the message names the file, line or key."""


def fail(message: str) -> "UserError":
    return UserError(message)
