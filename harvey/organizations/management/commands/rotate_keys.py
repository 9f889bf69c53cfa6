"""`harvey rotate-keys`: re-encrypt every encrypted column with the primary key of HARVEY_ENCRYPTION_KEYS.

Rotation: put the new key first in HARVEY_ENCRYPTION_KEYS, keep the old one after it, run this command,
then remove the old key.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from harvey.commands import HarveyCommand
from harvey.crypto import UnknownEncryptionKey
from harvey.key_rotation import rotate_all_encrypted_columns


class Command(HarveyCommand):
    help = "Re-encrypt every encrypted column with the primary (first) key of HARVEY_ENCRYPTION_KEYS."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            rotated = rotate_all_encrypted_columns()
        except UnknownEncryptionKey as e:
            raise CommandError(str(e)) from e
        for column in rotated:
            self.stdout.write(f"{column.label}: {column.rows} value(s) re-encrypted with the primary key")
        self.stdout.write(self.style.SUCCESS("Key rotation complete."))
