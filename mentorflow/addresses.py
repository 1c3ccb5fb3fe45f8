"""Email addresses as the directory and program files give them.

Deliberately a syntax check only (one ``@``, a dotted domain, no spaces): the
address comes from HR's own systems, and whether it receives mail is the SMTP
server's to say. Addresses are compared case-insensitively, so they are kept
in lower case.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_ADDRESS = re.compile(
    r"[^@\s\"(),:;<>\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+"
)


def email_address(value: str) -> str:
    """``value`` trimmed and in lower case; ``ValueError`` if it is not an address."""
    address = value.strip()
    if not _ADDRESS.fullmatch(address) or len(address) > 320:
        raise ValueError(f"{value!r} is not an email address")
    return address.lower()


EmailAddress = Annotated[str, AfterValidator(email_address)]
