"""Model fields that keep personal data encrypted in the database."""

from django.db import models

from kazan.core import crypto


class EncryptedTextField(models.TextField):
    """Stores AES-GCM ciphertext; reads back plaintext. Not filterable: pair with a blind index."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return crypto.decrypt(value, context=self._context())

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value, context=self._context())

    def _context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"
