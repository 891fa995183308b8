"""A text field stored encrypted (fazhi.confidential.crypto): Python code and forms see plaintext, the
database only "v1:<base64>".

Encrypted columns can be neither searched nor sorted: every value has its own random nonce, so the database
cannot compare them. Only `isnull` lookups are allowed (anything else raises FieldError, so that nobody writes
a `reference__icontains` that silently matches nothing); keep what lists filter, sort or count on (school,
class, category, dates) in ordinary columns.

A stored value that cannot be decrypted (a changed key, a damaged row) is loaded as `Undecryptable`: a string
that reads as a placeholder, so pages do not fail, and that writes its original ciphertext back unchanged if
the record is saved.
"""

from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext

from fazhi.confidential.crypto import DecryptionError, decrypt, encrypt, is_token


class Undecryptable(str):
    """The placeholder shown for a value that this server's key cannot open. `{% if value.undecryptable %}`
    tells it apart in templates; `token` is the stored ciphertext, kept as it was."""

    undecryptable = True

    def __new__(cls, token: str):
        obj = super().__new__(cls, gettext("(cannot be decrypted with this server's key)"))
        obj.token = token
        return obj


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest (AES-256-GCM)"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # max_length limits the plaintext (forms and full_clean); the column itself is unbounded text.
        if self.max_length is not None:
            self.validators.append(MaxLengthValidator(self.max_length))

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        try:
            return decrypt(value)
        except DecryptionError:
            return Undecryptable(value)

    def to_python(self, value):
        if value is None or isinstance(value, Undecryptable):
            return value
        if is_token(value):  # a serialized value (value_to_string) coming back through loaddata
            try:
                return decrypt(value)
            except DecryptionError:
                pass  # plain text that happens to start with "v1:": it is encrypted like any other
        return str(value)

    def get_prep_value(self, value):
        value = models.Field.get_prep_value(self, value)  # not TextField's, which would call to_python
        if value is None:
            return None
        if isinstance(value, Undecryptable):
            return value.token
        return encrypt(str(value))

    def value_to_string(self, obj):
        """dumpdata writes the ciphertext, not the plaintext."""
        return self.get_prep_value(self.value_from_object(obj))

    def get_lookup(self, lookup_name):
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None

    def get_transform(self, lookup_name):
        return None
