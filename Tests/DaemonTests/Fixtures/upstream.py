"""A small internal service for the engine tests, on loopback (protocol-faithful HTTP/1.1).

Routes (query parameters in brackets):
  /ok                      200 {"ok": true, "path": ..., "idempotency_key": ...}
  /echo                    200 with the request body, method and headers as JSON
  /b64                     200 {"b64": the request body in base64}
  /flaky?key=K&fail=N      500 the first N calls for key K, then 200 {"calls": n}
  /limited?key=K&fail=N    429 Retry-After: 1 the first N calls for key K, then 200
  /status?code=C           that status
  /slow?ms=M               answers after M ms
  /drop                    closes the connection without answering
  /big?bytes=N             200 with N bytes
  /calls?key=K             200 {"calls": n}: how often key K was called
  /hold?key=K              answers only once /release?key=K was called (at most 60 s):
                           a call the test knows is in flight for as long as it needs
  /release?key=K           200; every /hold for K, waiting or to come, answers
Prints its port on the first line of standard output. `upstream.py 0 CERT KEY` serves HTTPS.
"""
import base64
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

calls = {}
gates = {}
lock = threading.Lock()


def gate(key):
    with lock:
        return gates.setdefault(key, threading.Event())


def count(key):
    with lock:
        calls[key] = calls.get(key, 0) + 1
        return calls[key]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add 40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=None):
        data = json.dumps(body).encode() if not isinstance(body, bytes) else body
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        key = query.get("key", url.path)
        if url.path == "/ok":
            count(key)
            self.answer(200, {"ok": True, "path": url.path, "idempotency_key": self.headers.get("Idempotency-Key")})
        elif url.path == "/echo":
            count(key)
            self.answer(200, {"method": self.command, "body": body.decode(), "headers": dict(self.headers.items()), "query": query})
        elif url.path == "/b64":
            count(key)
            self.answer(200, {"b64": base64.b64encode(body).decode()})
        elif url.path == "/flaky":
            n = count(key)
            if n <= int(query.get("fail", "1")):
                self.answer(500, {"error": "flaky", "call": n})
            else:
                self.answer(200, {"calls": n})
        elif url.path == "/limited":
            n = count(key)
            if n <= int(query.get("fail", "1")):
                self.answer(429, {"error": "slow down"}, {"Retry-After": query.get("after", "1")})
            else:
                self.answer(200, {"calls": n})
        elif url.path == "/status":
            count(key)
            self.answer(int(query.get("code", "200")), {"status": query.get("code")})
        elif url.path == "/slow":
            count(key)
            time.sleep(int(query.get("ms", "1000")) / 1000)
            try:
                self.answer(200, {"slept_ms": int(query.get("ms", "1000"))})
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif url.path == "/hold":
            count(key)
            released = gate(key).wait(60)
            try:
                self.answer(200 if released else 504, {"released": released, "q": query.get("q")})
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif url.path == "/release":
            gate(key).set()
            self.answer(200, {"released": True})
        elif url.path == "/drop":
            count(key)
            self.close_connection = True
            self.connection.close()
        elif url.path == "/big":
            count(key)
            self.answer(200, b"x" * int(query.get("bytes", "10")))
        elif url.path == "/calls":
            with lock:
                self.answer(200, {"calls": calls.get(query.get("key", ""), 0)})
        else:
            self.answer(404, {"error": "no such route"})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any


server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0), Handler)
server.daemon_threads = True
if len(sys.argv) > 3:  # upstream.py PORT CERT KEY: serve HTTPS
    import ssl
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[2], sys.argv[3])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)


def exit_with_parent():
    # The test (or benchmark) holds our stdin: when it ends, however it ends, so do we.
    sys.stdin.read()
    os._exit(0)


threading.Thread(target=exit_with_parent, daemon=True).start()
server.serve_forever()
