from django.db import models


class Note(models.Model):
    text = models.TextField()
    attachment = models.FileField(upload_to="notes/", blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.text[:50]
