"""A lean HTTP/1.1 keep-alive client for the load generator: JSON POSTs on one connection.

The load generator shares the two cores with the servers it measures, so what it spends is
taken from them. httpx cost it 2.3 to 2.5 ms of CPU per request (docs/PERFORMANCE.md, 12-01),
more than the floor server spent answering; this client writes a request and parses an
answer with a few string operations. It speaks only what the benchmark needs: POST with a
JSON body, answers with Content-Length or chunked bodies, reconnecting when the server
closes the connection.
"""

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit


class HttpConnection:
    """One connection to one server; requests on it go one after another."""

    def __init__(self, url: str, headers: dict[str, str], timeout: float = 120) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.path = parts.path or "/"
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self.head = (
            f"POST {self.path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
            f"Content-Type: application/json\r\n{extra}"
        )
        self.timeout = timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post_json(self, body: Any) -> tuple[int, bytes]:
        """POST `body` as JSON; returns the status code and the raw answer body."""
        data = json.dumps(body).encode()
        request = f"{self.head}Content-Length: {len(data)}\r\n\r\n".encode() + data
        return await asyncio.wait_for(self._exchange(request), self.timeout)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.reader = self.writer = None

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(request)
        head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1")
        status_line, *header_lines = head[:-4].split("\r\n")
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in header_lines)
        }
        if "content-length" in headers:
            answer = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            answer = await self._chunked()
        else:  # no framing: the body runs to the end of the connection
            answer = await self.reader.read()
            await self.close()
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return int(status_line.split(" ", 2)[1]), answer

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        chunks = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await self.reader.readexactly(size + 2)  # and its CRLF
            if size == 0:
                return b"".join(chunks)
            chunks.append(chunk[:-2])
