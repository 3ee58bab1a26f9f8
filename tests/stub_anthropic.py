"""A local HTTP stub of the Anthropic Messages API that the real anthropic SDK talks to via ``base_url``.

The stub (``http.server`` on 127.0.0.1, random port) replays scripted replies to ``POST /v1/messages``,
as JSON or as server-sent events, and records every request. Nothing stands in for the SDK: its HTTP,
parsing, retries, error mapping and streaming all run for real. Shared by the Claude writer and the Claude
relation-extraction tests.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One scripted reply: a status, a JSON body and extra headers."""

    status: int = 200
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


def tool_message(
    tool_input: Any, *, name: str = "write_answer", model: str = "claude-haiku-4-5"
) -> dict[str, Any]:
    """A Messages API response holding one tool_use block."""
    return {
        "id": "msg_stub_1",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "tool_use", "id": "toolu_stub_1", "name": name, "input": tool_input}],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 321, "output_tokens": 54},
    }


def text_message(text: str) -> dict[str, Any]:
    """A Messages API response holding only text (no tool call)."""
    msg = tool_message({})
    msg["content"] = [{"type": "text", "text": text}]
    msg["stop_reason"] = "end_turn"
    return msg


def error_body(kind: str, message: str) -> dict[str, Any]:
    """An API error body, e.g. ``error_body("overloaded_error", "Overloaded")``."""
    return {"type": "error", "error": {"type": kind, "message": message}}


def sse_events(message: dict[str, Any], *, chunk: int = 40) -> bytes:
    """The server-sent events of streaming ``message`` (tool input sent in ``chunk``-character pieces)."""
    start = dict(message, content=[], stop_reason=None, usage={"input_tokens": 321, "output_tokens": 1})
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start})
    ]
    for i, block in enumerate(message["content"]):
        if block["type"] == "tool_use":
            events.append(
                (
                    "content_block_start",
                    {"type": "content_block_start", "index": i, "content_block": dict(block, input={})},
                )
            )
            raw = json.dumps(block["input"])
            for j in range(0, len(raw), chunk):
                events.append(
                    (
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": i,
                            "delta": {"type": "input_json_delta", "partial_json": raw[j : j + chunk]},
                        },
                    )
                )
        else:
            events.append(
                (
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": i,
                        "content_block": {"type": "text", "text": ""},
                    },
                )
            )
            events.append(
                (
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": i,
                        "delta": {"type": "text_delta", "text": block["text"]},
                    },
                )
            )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": i}))
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": 54},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events).encode()


class StubAnthropic:
    """Start with ``with StubAnthropic() as stub:``; ``stub.url`` is the SDK's base_url."""

    def __init__(self) -> None:
        self.script: deque[Reply] = deque()
        self.default: Reply | None = None  # served when the script is empty (persistent failures)
        # Or computed from the request JSON when the script is empty (replies that depend on the input).
        self.respond: Callable[[dict[str, Any]], Reply] | None = None
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The server's address, http://127.0.0.1:<port>."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def push(self, *replies: Reply) -> None:
        """Queue replies, served in order."""
        self.script.extend(replies)

    def _next(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            if self.script:
                return self.script.popleft()
        if self.respond is not None:
            return self.respond(body)
        if self.default is not None:
            return self.default
        return Reply(500, error_body("api_error", "stub has no scripted reply left"))

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
                return

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                stub.requests.append(
                    {
                        "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "json": body,
                    }
                )
                reply = stub._next(body)
                streaming = bool(body.get("stream")) and reply.status == 200
                payload = sse_events(reply.body) if streaming else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                self.send_header("content-type", "text/event-stream" if streaming else "application/json")
                self.send_header("content-length", str(len(payload)))
                headers = dict(reply.headers)
                if reply.status != 200 and not any(h.startswith("retry-after") for h in headers):
                    # As the API does: a throttled or failed request says when to retry (here: soon).
                    headers["retry-after-ms"] = "5"
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(payload)

        return Handler

    def __enter__(self) -> StubAnthropic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
