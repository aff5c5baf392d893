from django.db import models


class Summary(models.Model):
    """A note's text and, once a worker has made it, its summary."""

    text = models.TextField()
    summary = models.TextField(blank=True)
    engine = models.CharField(max_length=20)


class Run(models.Model):
    """One execution of a task: the no-loss rehearsal counts them per key."""

    key = models.CharField(max_length=64)
    finished = models.DateTimeField(auto_now_add=True)
