"""An SMTP relay for the alert email tests (RFC 5321 with STARTTLS, RFC 3207, and AUTH PLAIN/LOGIN,
RFC 4954), on loopback: strict where real relays are. Before STARTTLS it offers only STARTTLS and
refuses AUTH and MAIL with 530; after it, AUTH is required when $SMTP_USER is set (535 for wrong
credentials, 530 for MAIL before AUTH). Messages end with <CRLF>.<CRLF>; dot-stuffing is undone.
Certificate and key: $SMTP_CERT, $SMTP_KEY (PEM).

An HTTP side (first line of standard output: its port):
  GET /mailbox   {"smtp_port": n, "messages": [{"from", "to": [...], "data", "user", "tls"}], "sessions": n}
Exits when standard input closes.
"""
import base64
import json
import os
import socketserver
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USER = os.environ.get("SMTP_USER")
PASSWORD = os.environ.get("SMTP_PASSWORD", "")
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(os.environ["SMTP_CERT"], os.environ["SMTP_KEY"])
messages = []
sessions = 0
lock = threading.Lock()


class Session(socketserver.StreamRequestHandler):
    def send(self, line):
        self.connection.sendall((line + "\r\n").encode())

    def readline(self):
        line = self.rfile.readline(4096)
        if not line:
            raise EOFError
        return line.decode("utf-8", "replace").rstrip("\r\n")

    def handle(self):
        global sessions
        with lock:
            sessions += 1
        tls = False
        user = None
        sender = None
        recipients = []
        self.send("220 smtp.test ESMTP ready")
        try:
            while True:
                line = self.readline()
                verb = line.split(" ", 1)[0].upper()
                if verb in ("EHLO", "HELO"):
                    extensions = ["AUTH PLAIN LOGIN", "8BITMIME", "SIZE 1048576"] if tls else ["STARTTLS", "8BITMIME"]
                    lines = ["smtp.test greets you"] + extensions
                    for i, text in enumerate(lines):
                        self.send(("250 " if i == len(lines) - 1 else "250-") + text)
                elif verb == "STARTTLS":
                    if tls:
                        self.send("503 5.5.1 TLS already active")
                        continue
                    self.send("220 2.0.0 Ready to start TLS")
                    self.connection = context.wrap_socket(self.connection, server_side=True)
                    self.rfile = self.connection.makefile("rb")
                    tls = True
                    sender, recipients, user = None, [], None
                elif verb == "AUTH":
                    if not tls:
                        self.send("530 5.7.0 Must issue a STARTTLS command first")
                        continue
                    parts = line.split(" ")
                    mechanism = parts[1].upper() if len(parts) > 1 else ""
                    if mechanism == "PLAIN":
                        encoded = parts[2] if len(parts) > 2 else (self.send("334 ") or self.readline())
                        fields = base64.b64decode(encoded).split(b"\0")
                        name, secret = (fields[1].decode(), fields[2].decode()) if len(fields) == 3 else ("", "")
                    elif mechanism == "LOGIN":
                        self.send("334 VXNlcm5hbWU6")
                        name = base64.b64decode(self.readline()).decode()
                        self.send("334 UGFzc3dvcmQ6")
                        secret = base64.b64decode(self.readline()).decode()
                    else:
                        self.send("504 5.5.4 Unrecognized authentication type")
                        continue
                    if name == USER and secret == PASSWORD:
                        user = name
                        self.send("235 2.7.0 Authentication successful")
                    else:
                        self.send("535 5.7.8 Authentication credentials invalid")
                elif verb == "MAIL":
                    if not tls:
                        self.send("530 5.7.0 Must issue a STARTTLS command first")
                    elif USER and user is None:
                        self.send("530 5.7.0 Authentication required")
                    elif not line.upper().startswith("MAIL FROM:<"):
                        self.send("501 5.5.4 Syntax: MAIL FROM:<address>")
                    else:
                        sender = line[10:].split(">")[0].lstrip("<")
                        recipients = []
                        self.send("250 2.1.0 Ok")
                elif verb == "RCPT":
                    if sender is None:
                        self.send("503 5.5.1 Error: need MAIL command")
                    elif not line.upper().startswith("RCPT TO:<") or "@" not in line:
                        self.send("501 5.1.3 Bad recipient address syntax")
                    else:
                        recipients.append(line[8:].split(">")[0].lstrip("<"))
                        self.send("250 2.1.5 Ok")
                elif verb == "DATA":
                    if not recipients:
                        self.send("503 5.5.1 Error: need RCPT command")
                        continue
                    self.send("354 End data with <CR><LF>.<CR><LF>")
                    body = []
                    while True:
                        text = self.readline()
                        if text == ".":
                            break
                        body.append(text[1:] if text.startswith("..") else text)
                    with lock:
                        messages.append({"from": sender, "to": recipients, "data": "\r\n".join(body), "user": user, "tls": tls})
                    sender, recipients = None, []
                    self.send("250 2.0.0 Ok: queued")
                elif verb == "RSET":
                    sender, recipients = None, []
                    self.send("250 2.0.0 Ok")
                elif verb == "NOOP":
                    self.send("250 2.0.0 Ok")
                elif verb == "QUIT":
                    self.send("221 2.0.0 Bye")
                    return
                else:
                    self.send("502 5.5.2 Error: command not recognized")
        except (EOFError, ConnectionError, ssl.SSLError):
            return


class Mailbox(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        with lock:
            data = json.dumps({"smtp_port": smtp.server_address[1], "messages": messages, "sessions": sessions}).encode()
        self.send_response(200 if self.path == "/mailbox" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


smtp = Server(("127.0.0.1", 0), Session)
threading.Thread(target=smtp.serve_forever, daemon=True).start()
http = ThreadingHTTPServer(("127.0.0.1", 0), Mailbox)
threading.Thread(target=http.serve_forever, daemon=True).start()
print(http.server_address[1], flush=True)
sys.stdin.read()
