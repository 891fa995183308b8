"""Free text from people outside the office (the tip line, surveys): plain text only."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# An HTML tag, comment or declaration: "<b", "</", "<!", "<?". "a < b" and "<3" stay allowed.
MARKUP = re.compile(r"<\s*[/!?]?\s*[A-Za-z]|<!--|javascript\s*:", re.IGNORECASE)
# Control characters, and lone UTF-16 surrogates (valid in JSON's \ud800 escapes, not storable as UTF-8).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def plain_text(value: str) -> None:
    """A validator: refuse web-page code and control characters, with a message a pupil understands."""
    if MARKUP.search(value or ""):
        raise ValidationError(_("Please write plain text: angle-bracket tags like <b> or <script> are not "
                                "accepted."), code="markup")
    if CONTROL.search(value or ""):
        raise ValidationError(_("The text contains invisible control characters; type it again."),
                              code="control")
