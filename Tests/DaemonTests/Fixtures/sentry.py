"""A self-hosted Sentry's envelope endpoint for the error forwarding tests, on loopback (HTTP/1.1).

Routes:
  POST /api/<project>/envelope/  an envelope (https://develop.sentry.dev/sdk/envelopes/): a header line
                                 with a 32-hex event_id, then items, each a header line ({"type", "length"?})
                                 and its payload (exactly `length` bytes, else up to the newline).
                                 200 {"id": event_id}. Refusals as Sentry answers them, with {"detail": ...}:
                                 401 without `X-Sentry-Auth: Sentry sentry_version=7, sentry_key=$SENTRY_KEY, ...`,
                                 404 for another project than $SENTRY_PROJECT, 415 for another Content-Type than
                                 application/x-sentry-envelope, 400 for a malformed envelope or an event whose
                                 event_id differs from the envelope's or that lacks level, exception or fingerprint.
                                 The first $SENTRY_LIMIT_FIRST requests (default 0) answer 429 with Retry-After: 1
                                 and X-Sentry-Rate-Limits, as a Sentry over its quota does.
  GET  /events                   {"events": every accepted event, in order, "requests": how many envelopes came}
Prints its port on the first line of standard output; exits when standard input closes.
"""
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KEY = os.environ.get("SENTRY_KEY", "")
PROJECT = os.environ.get("SENTRY_PROJECT", "1")
limit_first = int(os.environ.get("SENTRY_LIMIT_FIRST", "0"))
events = []
requests = 0
lock = threading.Lock()


def parse(body):
    """The envelope's header and its items as (header, payload bytes); raises ValueError."""
    newline = body.index(b"\n")
    header = json.loads(body[:newline])
    rest = body[newline + 1:]
    items = []
    while rest.strip():
        newline = rest.index(b"\n")
        item = json.loads(rest[:newline])
        rest = rest[newline + 1:]
        if "length" in item:
            payload, rest = rest[:item["length"]], rest[item["length"]:]
            if len(payload) != item["length"]:
                raise ValueError("short payload")
            if rest.startswith(b"\n"):
                rest = rest[1:]
        else:
            end = rest.find(b"\n")
            payload, rest = (rest, b"") if end < 0 else (rest[:end], rest[end + 1:])
        items.append((item, payload))
    return header, items


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/events":
            with lock:
                self.answer(200, {"events": events, "requests": requests})
        else:
            self.answer(404, {"detail": "not found"})

    def do_POST(self):
        global limit_first, requests
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        match = re.fullmatch(r"/api/([^/]+)/envelope/", self.path)
        if not match:
            return self.answer(404, {"detail": "not found"})
        with lock:
            requests += 1
            if limit_first > 0:
                limit_first -= 1
                return self.answer(429, {"detail": "rate limited"}, {"Retry-After": "1", "X-Sentry-Rate-Limits": "1:error:organization"})
        auth = self.headers.get("X-Sentry-Auth", "")
        fields = dict(part.strip().split("=", 1) for part in auth[len("Sentry "):].split(",") if "=" in part) if auth.startswith("Sentry ") else {}
        if fields.get("sentry_key") != KEY or fields.get("sentry_version") != "7":
            return self.answer(401, {"detail": "Invalid api key"})
        if match.group(1) != PROJECT:
            return self.answer(404, {"detail": "Invalid project_id"})
        if self.headers.get("Content-Type", "").split(";")[0].strip() != "application/x-sentry-envelope":
            return self.answer(415, {"detail": "unsupported content type"})
        try:
            header, items = parse(body)
            if not re.fullmatch(r"[0-9a-f]{32}", header.get("event_id", "")):
                raise ValueError("event_id")
            accepted = []
            for item, payload in items:
                if item.get("type") != "event":
                    continue
                event = json.loads(payload)
                if event.get("event_id") != header["event_id"] or event.get("level") not in ("error", "fatal", "warning", "info", "debug"):
                    raise ValueError("event")
                if not event.get("exception", {}).get("values") or not isinstance(event.get("fingerprint"), list):
                    raise ValueError("event body")
                accepted.append(event)
        except (ValueError, KeyError, json.JSONDecodeError):
            return self.answer(400, {"detail": "invalid event envelope"})
        with lock:
            events.extend(accepted)
        self.answer(200, {"id": header["event_id"]})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
