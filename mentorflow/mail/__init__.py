"""Email: rendering the catalogue, the SMTP pool, the outbox and the local sink.

The Temporal activity that ties them together lives in ``activities/email.py``.
"""

from mentorflow.mail.render import EmailTemplateError, RenderedEmail, render_email
from mentorflow.mail.smtp import (
    MailError,
    PermanentMailError,
    SmtpPool,
    TransientMailError,
)

__all__ = [
    "EmailTemplateError",
    "MailError",
    "PermanentMailError",
    "RenderedEmail",
    "SmtpPool",
    "TransientMailError",
    "render_email",
]
