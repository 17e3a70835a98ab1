"""Messages from plain-Python rules: English templates that the Django layer translates.

Domain code cannot call Django's translation machinery, so it marks its templates with
``gettext_noop`` (which ``makemessages`` extracts by that name) and hands back the template with
its parameters; the service that shows the message translates it
(``gettext(message.template) % message.params``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


def gettext_noop(message: str) -> str:
    """Marks ``message`` for the translation catalogue; the caller translates it when shown."""
    return message


@dataclass(frozen=True, slots=True)
class Message:
    """A template marked with ``gettext_noop`` and the values for its ``%(name)s`` slots."""

    template: str
    params: Mapping[str, object] = field(default_factory=dict)

    def text(self) -> str:
        """The untranslated text (logs, tests); people get the translated one."""
        return self.template % dict(self.params) if self.params else self.template
