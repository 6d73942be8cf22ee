from django.db import models


class RateLimitCounter(models.Model):
    """One rate-limit window of one key, shared by every web process (core.ratelimit's store
    when there is no Redis). The key is a keyed hash of the caller's key, so no IP address,
    email or number is stored. Rows past `expires_at` are dead and purged by core.tasks."""

    key = models.CharField(max_length=64, primary_key=True)
    hits = models.PositiveIntegerField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key[:12]}… {self.hits} until {self.expires_at:%Y-%m-%d %H:%M:%S}"
