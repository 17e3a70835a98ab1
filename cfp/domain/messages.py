"""Messages from plain-Python rules: English templates that the Django layer translates.

Domain code cannot call Django's translation machinery, so it marks its templates with
``gettext_noop`` (which ``makemessages`` extracts by that name) and hands back the template with
its parameters; the service that shows the message translates it (``message.text(gettext)``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


def gettext_noop(message: str) -> str:
    """Marks ``message`` for the translation catalogue; the caller translates it when shown."""
    return message


@dataclass(frozen=True, slots=True)
class Message:
    """A template marked with ``gettext_noop`` and the values for its ``%(name)s`` slots."""

    template: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self, translate: Callable[[str], str] = str) -> str:
        """The message, translated by ``translate`` (Django's ``gettext``; untranslated without)."""
        template = translate(self.template)
        return template % dict(self.params) if self.params else template
