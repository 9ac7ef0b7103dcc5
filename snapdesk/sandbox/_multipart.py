"""A small multipart/form-data parser (the sandbox needs no python-multipart dependency)."""

from __future__ import annotations

import email.parser
import email.policy
from dataclasses import dataclass

from snapdesk.sandbox.errors import bad_request


@dataclass(frozen=True)
class FormFile:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Form:
    fields: dict[str, str]
    files: dict[str, FormFile]

    def text(self, name: str) -> str | None:
        if name in self.fields:
            return self.fields[name]
        file = self.files.get(name)
        return file.data.decode("utf-8", "replace") if file is not None else None


def parse_form(content_type: str, body: bytes) -> Form:
    """Parse a multipart/form-data body; fields without a filename are text."""
    if (
        not content_type.lower().startswith("multipart/form-data")
        or "boundary=" not in content_type
    ):
        raise bad_request("E1002", "Expected a multipart/form-data body")
    try:
        return _parse(content_type, body)
    except (RecursionError, ValueError, LookupError, TypeError, UnicodeError):
        # e.g. parts nested thousands deep: the email parser recurses per level (a 500 before)
        raise bad_request("E1002", "Malformed multipart/form-data body") from None


def _parse(content_type: str, body: bytes) -> Form:
    head = f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n".encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise bad_request("E1002", "Malformed multipart/form-data body")
    fields: dict[str, str] = {}
    files: dict[str, FormFile] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            fields[name] = data.decode("utf-8", "replace")
        else:
            files[name] = FormFile(filename, part.get_content_type(), data)
    return Form(fields, files)
