from django.db import models


class Summary(models.Model):
    """A note's text and, once a worker has made it, its summary."""

    text = models.TextField()
    summary = models.TextField(blank=True)
    engine = models.CharField(max_length=20)
    # The summary as a file in the default storage (S3 on a platform), written by the worker.
    file = models.CharField(max_length=200, blank=True)


class Run(models.Model):
    """One execution of a task: the no-loss rehearsal counts them per key."""

    key = models.CharField(max_length=64)
    finished = models.DateTimeField(auto_now_add=True)
