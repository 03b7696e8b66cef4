"""Log a failure that repeats (every frame, every 100 ms while Redis is away) once a minute,
with how many times it happened since, instead of burying the log in identical tracebacks."""

import logging
import threading
import time


class ThrottledLog:
    def __init__(self, logger: logging.Logger, interval_seconds: float = 60.0) -> None:
        self.logger = logger
        self.interval_seconds = interval_seconds
        self.logged_at = float("-inf")
        self.suppressed = 0
        self.lock = threading.Lock()

    def warning(self, message: str, *args: object, exc_info: bool = True) -> None:
        with self.lock:
            now = time.monotonic()
            if now - self.logged_at < self.interval_seconds:
                self.suppressed += 1
                return
            suppressed, self.suppressed, self.logged_at = self.suppressed, 0, now
        if suppressed:
            message += f" ({suppressed} more since the last report)"
        self.logger.warning(message, *args, exc_info=exc_info)
