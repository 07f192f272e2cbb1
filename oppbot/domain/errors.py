"""Typed errors whose messages a user can act on; the Slack layer shows them as they are."""

from __future__ import annotations


class OppbotError(Exception):
    """Base of every error meant for the user: a complete sentence plus the data it is about, never markup.

    The sentence may name a user as `{user}` (with `user_id`): each surface renders it its own way, a mention in
    Slack (oppbot.slack.text.error_text), the id in the CLI. `field` is the form field the error belongs beside,
    `number` the deal it is about.
    """

    def __init__(
        self, message: str, *, field: str | None = None, number: int | None = None, user_id: str | None = None
    ) -> None:
        self.template, self.field, self.number, self.user_id = message, field, number, user_id
        super().__init__(self.render())

    def render(self, user=lambda user_id: user_id) -> str:
        """The sentence, with `user(user_id)` where it names the user."""
        if self.user_id is None:
            return self.template
        return self.template.replace("{user}", user(self.user_id))

    @property
    def message(self) -> str:
        return self.render()


class InvalidInput(OppbotError):
    """One or more fields are invalid. `errors` maps a field name to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__(" ".join(self.errors.values()), field=next(iter(self.errors), None))

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
