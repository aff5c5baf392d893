from django.contrib.staticfiles.storage import ManifestStaticFilesStorage


class StaticStorage(ManifestStaticFilesStorage):
    """The project's own choice: hashed names, no compression, its own manifest name."""

    manifest_name = "manifest.json"
