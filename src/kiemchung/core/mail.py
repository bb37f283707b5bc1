"""The development e-mail backend: says who a mail went to and its subject, never its body."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from typing import Any, TextIO

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage


class SummaryConsoleBackend(BaseEmailBackend):
    """Prints one line per mail (recipients, subject, sizes) instead of the whole message.

    A forwarded violation report carries the tip's text and images; Django's console backend
    would copy them into the server's output, which ends up in log files and log collectors.
    """

    def __init__(self, *args: Any, stream: TextIO | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stream = stream or sys.stdout
        self._lock = threading.RLock()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        with self._lock:
            for message in email_messages:
                recipients = ", ".join(message.recipients())
                if not recipients:
                    continue
                attachments = len(message.attachments)
                self.stream.write(
                    f"e-mail (not sent, KIEMCHUNG_EMAIL_BACKEND=console) to {recipients}: "
                    f"{message.subject!r}, body {len(str(message.body))} characters, "
                    f"{attachments} attachment(s)\n"
                )
                sent += 1
            self.stream.flush()
        return sent
