"""The on-site systems alert channels talk to, as strict as their public docs (HTTP/1.1, loopback).

Routes:
  POST /hooks/<token>   A Slack-compatible incoming webhook (Mattermost and Rocket.Chat take the same): the
                        token must be $CHAT_TOKEN (else 404 "no_service"), Content-Type application/json, a
                        JSON object with a non-empty string "text" (else 400 "invalid_payload" or "no_text").
                        200 "ok" as text/html, as Slack answers.
  POST /v2/enqueue      PagerDuty Events API v2: Content-Type application/json; routing_key must be
                        $PD_ROUTING_KEY (32 characters; else 400); event_action trigger, acknowledge or
                        resolve; dedup_key at most 255 characters (required for resolve); a trigger needs
                        payload.summary (at most 1024), payload.source and payload.severity (critical, error,
                        warning, info). 202 {"status": "success", "message": "Event processed", "dedup_key"};
                        400 {"status": "invalid event", "message": "Event object is invalid", "errors": [...]}.
  POST /sms/send        An SMS gateway: Authorization: Bearer $SMS_TOKEN (else 401), a JSON object with
                        "to" (+ and 6-15 digits) and "text" (at most 640 characters). 200 {"id": n}.
  POST /hook            A receiver of signed webhooks: Agentd-Signature t=<unix>,v1=<hex HMAC-SHA256 of
                        "<t>.<body>" under $HOOK_SECRET>, t within 300 s (else 401). 200.
  POST /_down?kind=K&on=1   Makes K (chat, pagerduty, sms, webhook) answer 503 (on=1) or work again (on=0).
  GET  /received        {"chat": [...], "pagerduty": [...], "sms": [...], "webhook": [...]: what each took, in
                        order; "refused": {kind: count}}
Prints its port on the first line of standard output; exits when standard input closes.
"""
import hashlib
import hmac
import json
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

CHAT_TOKEN = os.environ.get("CHAT_TOKEN", "T0KEN")
PD_ROUTING_KEY = os.environ.get("PD_ROUTING_KEY", "R" * 32)
SMS_TOKEN = os.environ.get("SMS_TOKEN", "sms-token")
HOOK_SECRET = os.environ.get("HOOK_SECRET", "hook-secret")
received = {"chat": [], "pagerduty": [], "sms": [], "webhook": []}
refused = {"chat": 0, "pagerduty": 0, "sms": 0, "webhook": 0}
down = set()
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def refuse(self, kind, status, body, content_type="application/json"):
        with lock:
            refused[kind] += 1
        self.answer(status, body, content_type)

    def do_GET(self):
        if urlparse(self.path).path == "/received":
            with lock:
                self.answer(200, {**received, "refused": refused})
        else:
            self.answer(404, {"error": "no route"})

    def do_POST(self):
        url = urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if url.path == "/_down":
            query = parse_qs(url.query)
            with lock:
                (down.add if query.get("on", ["1"])[0] == "1" else down.discard)(query["kind"][0])
            return self.answer(200, {"down": sorted(down)})
        kind = ("chat" if url.path.startswith("/hooks/") else "pagerduty" if url.path == "/v2/enqueue"
                else "sms" if url.path == "/sms/send" else "webhook" if url.path == "/hook" else None)
        if kind is None:
            return self.answer(404, {"error": "no route"})
        if kind in down:
            return self.refuse(kind, 503, {"error": "service unavailable"})
        getattr(self, kind)(url, body, content_type)

    def chat(self, url, body, content_type):
        if url.path != "/hooks/" + CHAT_TOKEN:
            return self.refuse("chat", 404, "no_service", "text/html")
        if content_type != "application/json":
            return self.refuse("chat", 400, "invalid_payload", "text/html")
        try:
            payload = json.loads(body)
        except ValueError:
            return self.refuse("chat", 400, "invalid_payload", "text/html")
        if not isinstance(payload, dict) or not isinstance(payload.get("text"), str) or not payload["text"]:
            return self.refuse("chat", 400, "no_text", "text/html")
        with lock:
            received["chat"].append(payload)
        self.answer(200, "ok", "text/html")

    def pagerduty(self, url, body, content_type):
        errors = []
        try:
            event = json.loads(body) if content_type == "application/json" else None
        except ValueError:
            event = None
        if not isinstance(event, dict):
            return self.refuse("pagerduty", 400, {"status": "invalid event", "message": "Event object is invalid", "errors": ["not a JSON object"]})
        if event.get("routing_key") != PD_ROUTING_KEY:
            errors.append("'routing_key' is invalid")
        action = event.get("event_action")
        if action not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' is invalid")
        dedup = event.get("dedup_key")
        if dedup is not None and (not isinstance(dedup, str) or len(dedup) > 255):
            errors.append("'dedup_key' is invalid")
        if action in ("acknowledge", "resolve") and not dedup:
            errors.append("'dedup_key' is required")
        if action == "trigger":
            payload = event.get("payload")
            if not isinstance(payload, dict):
                errors.append("'payload' is missing")
            else:
                if not isinstance(payload.get("summary"), str) or not payload["summary"] or len(payload["summary"]) > 1024:
                    errors.append("'payload.summary' is invalid")
                if not isinstance(payload.get("source"), str) or not payload["source"]:
                    errors.append("'payload.source' is missing")
                if payload.get("severity") not in ("critical", "error", "warning", "info"):
                    errors.append("'payload.severity' is invalid")
        if errors:
            return self.refuse("pagerduty", 400, {"status": "invalid event", "message": "Event object is invalid", "errors": errors})
        with lock:
            received["pagerduty"].append(event)
        self.answer(202, {"status": "success", "message": "Event processed", "dedup_key": dedup or "generated"})

    def sms(self, url, body, content_type):
        if self.headers.get("Authorization") != "Bearer " + SMS_TOKEN:
            return self.refuse("sms", 401, {"error": "unauthorized"})
        try:
            message = json.loads(body) if content_type == "application/json" else None
        except ValueError:
            message = None
        if (not isinstance(message, dict) or not re.fullmatch(r"\+?[0-9]{6,15}", str(message.get("to", "")))
                or not isinstance(message.get("text"), str) or not message["text"] or len(message["text"]) > 640):
            return self.refuse("sms", 400, {"error": "to and text are required"})
        with lock:
            received["sms"].append(message)
            number = len(received["sms"])
        self.answer(200, {"id": number})

    def webhook(self, url, body, content_type):
        header = self.headers.get("Agentd-Signature") or ""
        parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        expected = hmac.new(HOOK_SECRET.encode(), parts.get("t", "").encode() + b"." + body, hashlib.sha256).hexdigest()
        fresh = parts.get("t", "").isdigit() and abs(time.time() - int(parts["t"])) <= 300
        if not fresh or not hmac.compare_digest(parts.get("v1", ""), expected) or content_type != "application/json":
            return self.refuse("webhook", 401, {"error": "bad signature"})
        with lock:
            received["webhook"].append({"body": json.loads(body), "delivery": self.headers.get("Agentd-Delivery")})
        self.answer(200, {"ok": True})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
