from __future__ import annotations

from django.core.files.storage import FileSystemStorage, Storage
from django.db import models


class RemoteStorage(Storage):
    """Stands for S3 and the like: anything that is not the local file system."""


def choose_storage() -> Storage:
    return FileSystemStorage(location="/tmp/uploads")


class Document(models.Model):
    file = models.FileField(upload_to="docs/")


class Avatar(models.Model):
    picture = models.FileField(storage=choose_storage)
