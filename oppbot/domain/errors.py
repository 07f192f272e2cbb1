"""Typed errors whose messages a user can act on; the Slack layer shows them as they are."""

from __future__ import annotations


class OppbotError(Exception):
    """Base of every error meant for the user: `message` is a complete sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(OppbotError):
    """One or more fields are invalid. `errors` maps a field name to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()))

    @classmethod
    def field(cls, name: str, message: str) -> InvalidInput:
        return cls({name: message})


class FieldErrors:
    """Collects every field's problem so a form can show them all at once, each beside its field."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def check(self, fn, *args):
        """fn(*args), or None with its errors kept when it raises InvalidInput."""
        try:
            return fn(*args)
        except InvalidInput as exc:
            self.errors.update(exc.errors)
            return None

    def add(self, name: str, message: str) -> None:
        self.errors[name] = message

    def raise_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


class NotFound(OppbotError):
    """Missing, or belonging to another workspace: the two must read the same."""


class Conflict(OppbotError):
    """Someone else changed the record since it was read."""


class PermissionDenied(OppbotError):
    """The actor may not do this; the message says why."""
