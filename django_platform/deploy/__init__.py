"""The deployment files: the Procfile, the gunicorn config (and the settings it applies at
server start), the managed-block writer, and the dependency files a build installs from."""
