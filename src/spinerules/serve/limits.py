"""The request boundary: bodies read within a size limit, JSON read strictly, errors in one line.

A body over the limit is refused with 413 before it is all read (the declared length first,
then counting while streaming, so a missing or lying Content-Length gains nothing); JSON goes
through ``jsonio`` (duplicate keys, NaN, depth), whose one-sentence error is the 400 body.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from .. import jsonio
from ..errors import InvalidPatientState


class HTTPProblem(Exception):
    """An answer other than 200: its status and one line of text (empty for a bare 401)."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = one_line(message)

    def response(self) -> Response:
        headers = {"WWW-Authenticate": "Bearer"} if self.status == 401 else {}
        if self.status == 413:  # close rather than read the rest of a body refused unread
            headers["Connection"] = "close"
        body = self.message + "\n" if self.message else ""
        return PlainTextResponse(body, status_code=self.status, headers=headers)


def one_line(text: str, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


async def read_body(request: Request, limit: int) -> bytes:
    """The body, or ``HTTPProblem(413)`` as soon as it is known to be over ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise HTTPProblem(400, "Content-Length is not a number")
        if int(declared) > limit:
            raise HTTPProblem(413, f"request body over the limit of {limit:,} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise HTTPProblem(413, f"request body over the limit of {limit:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json_object(request: Request, limit: int, source: str = "request") -> dict[str, Any]:
    """The body as a JSON object (400 with one line for anything else)."""
    body = await read_body(request, limit)
    try:
        data = jsonio.loads(body, source=source, max_bytes=limit, max_depth=64)
    except InvalidPatientState as error:
        raise HTTPProblem(400, str(error)) from None
    if not isinstance(data, dict):
        raise HTTPProblem(400, f"{source}: expected a JSON object")
    return data
