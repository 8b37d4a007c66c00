"""An OpenID Connect provider of the suite's own, on loopback, as strict as the specs and the
common IdPs (Keycloak, Azure AD, Okta) are: agentd talks to it over HTTP exactly as to one of them.

OIDC Core 1.0, Discovery 1.0, RFC 6749 (code and client-credentials grants), RFC 7636 (PKCE,
S256 only), RFC 7517 (JWKS). Signs with RS256 by default (ES256 with OIDC_ALG=ES256), with keys it
generates at start; `kid`s rotate on request, the old key staying in the JWKS until dropped.

Routes:
  /.well-known/openid-configuration   discovery (issuer = http://127.0.0.1:PORT)
  /jwks                               the public keys
  /authorize   GET: checks client_id, redirect_uri (exactly as registered), response_type=code,
               scope containing openid, state, nonce, code_challenge + method S256; then, as the
               person set by /control/person, redirects to redirect_uri?code=…&state=…
               (errors go back as ?error=…&state=… when redirect_uri is trusted, else 400)
  /token       POST form. authorization_code: client auth (client_secret_basic or _post), the
               code once only and within 60 s, the same redirect_uri, code_verifier matching the
               challenge; answers id_token, access_token, token_type, expires_in.
               client_credentials: a program's JWT access token (aud = OIDC_API_AUDIENCE).
  /userinfo    GET with the access token: the person's claims
  /logout      end_session_endpoint: redirects to post_logout_redirect_uri
Control (the test's, not the protocol's):
  POST /control/person  {"sub", "preferred_username", "email", "name", "groups"}: who logs in next
  POST /control/rotate  a new signing key (new kid); {"drop_old": true} removes the old ones
  POST /control/tamper  {"kind": "alg_none"|"hs256"|"wrong_aud"|"wrong_iss"|"expired"|"bad_signature"|"wrong_nonce"}:
                        the next ID token is made wrong in that way
  GET  /control/calls   {"token": n, "jwks": n, "discovery": n, "authorize": n}
Environment: OIDC_CLIENT_ID (agentd), OIDC_CLIENT_SECRET (s3cret), OIDC_REDIRECT_URIS (comma-separated,
exact), OIDC_ALG (RS256|ES256), OIDC_API_AUDIENCE (agentd-api).
Prints its port on the first line of standard output; exits when standard input closes.
"""
import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "agentd")
CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "s3cret")
REDIRECT_URIS = [u for u in os.environ.get("OIDC_REDIRECT_URIS", "").split(",") if u]
ALG = os.environ.get("OIDC_ALG", "RS256")
API_AUDIENCE = os.environ.get("OIDC_API_AUDIENCE", "agentd-api")

lock = threading.Lock()
keys = []          # [(kid, private key)], newest last; the newest signs
codes = {}         # code -> {client_id, redirect_uri, challenge, nonce, person, at}
tokens = {}        # access token -> person
person = {"sub": "u-1", "preferred_username": "alice", "email": "alice@corp.example", "name": "Alice", "groups": []}
tamper = None
calls = {"token": 0, "jwks": 0, "discovery": 0, "authorize": 0, "userinfo": 0}
issuer = ""


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key():
    kid = secrets.token_hex(8)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if ALG == "RS256" else ec.generate_private_key(ec.SECP256R1())
    keys.append((kid, key))


def public_jwk(kid, key):
    public = key.public_key()
    if ALG == "RS256":
        numbers = public.public_numbers()
        n = numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")
        return {"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": b64url(n), "e": b64url(numbers.e.to_bytes(3, "big"))}
    numbers = public.public_numbers()
    return {"kty": "EC", "kid": kid, "use": "sig", "alg": "ES256", "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(32, "big")), "y": b64url(numbers.y.to_bytes(32, "big"))}


def sign(claims, alg=None, kid=None):
    kid_, key = keys[-1]
    header = {"alg": alg or ALG, "typ": "JWT", "kid": kid or kid_}
    signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "."
                     + b64url(json.dumps(claims, separators=(",", ":")).encode())).encode()
    if header["alg"] == "none":
        return signing_input.decode() + "."
    if header["alg"] == "HS256":
        # The alg-confusion attack: HMAC keyed with the RSA public key's PEM, which anyone has.
        pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        return signing_input.decode() + "." + b64url(hmac.new(pem, signing_input, hashlib.sha256).digest())
    if ALG == "RS256":
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    else:
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return signing_input.decode() + "." + b64url(signature)


def id_token(who, nonce):
    global tamper
    now = int(time.time())
    claims = {"iss": issuer, "sub": who["sub"], "aud": CLIENT_ID, "azp": CLIENT_ID, "exp": now + 300, "iat": now,
              "auth_time": now, "nonce": nonce, "preferred_username": who["preferred_username"], "email": who["email"],
              "name": who["name"], "groups": who["groups"]}
    with lock:
        kind, tamper = tamper, None
    alg = None
    if kind == "wrong_aud":
        claims["aud"] = "someone-else"
        claims["azp"] = "someone-else"
    elif kind == "wrong_iss":
        claims["iss"] = issuer + "/other"
    elif kind == "expired":
        claims["exp"] = now - 600
        claims["iat"] = now - 900
    elif kind == "wrong_nonce":
        claims["nonce"] = "not-" + (nonce or "")
    elif kind in ("alg_none", "hs256"):
        alg = "none" if kind == "alg_none" else "HS256"
    token = sign(claims, alg=alg)
    if kind == "bad_signature":
        head, body, signature = token.split(".")
        token = head + "." + body + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    return token


def client_authenticated(handler, form):
    auth = handler.headers.get("Authorization", "")
    if auth.startswith("Basic "):
        try:
            client, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        except Exception:
            return None
    else:
        client, secret = form.get("client_id", ""), form.get("client_secret", "")
    if client == CLIENT_ID and hmac.compare_digest(secret, CLIENT_SECRET):
        return client
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, status, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def redirect(self, location):
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/.well-known/openid-configuration":
            calls["discovery"] += 1
            return self.send_json(200, {
                "issuer": issuer, "authorization_endpoint": issuer + "/authorize", "token_endpoint": issuer + "/token",
                "userinfo_endpoint": issuer + "/userinfo", "jwks_uri": issuer + "/jwks", "end_session_endpoint": issuer + "/logout",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": [ALG], "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "grant_types_supported": ["authorization_code", "client_credentials"],
                "scopes_supported": ["openid", "profile", "email", "groups"]})
        if url.path == "/jwks":
            calls["jwks"] += 1
            with lock:
                return self.send_json(200, {"keys": [public_jwk(kid, key) for kid, key in keys]})
        if url.path == "/authorize":
            calls["authorize"] += 1
            redirect_uri = query.get("redirect_uri", "")
            if query.get("client_id") != CLIENT_ID or redirect_uri not in REDIRECT_URIS:
                return self.send_json(400, {"error": "invalid_request", "error_description": "unknown client or redirect_uri"})
            def fail(error):
                return self.redirect(redirect_uri + "?" + urlencode({"error": error, "state": query.get("state", "")}))
            if query.get("response_type") != "code" or "openid" not in query.get("scope", "").split():
                return fail("invalid_request")
            if not query.get("state") or not query.get("nonce"):
                return fail("invalid_request")
            if query.get("code_challenge_method") != "S256" or len(query.get("code_challenge", "")) != 43:
                return fail("invalid_request")
            code = secrets.token_urlsafe(24)
            with lock:
                codes[code] = {"redirect_uri": redirect_uri, "challenge": query["code_challenge"], "nonce": query["nonce"],
                               "person": dict(person), "at": time.time()}
            return self.redirect(redirect_uri + "?" + urlencode({"code": code, "state": query["state"]}))
        if url.path == "/userinfo":
            calls["userinfo"] += 1
            auth = self.headers.get("Authorization", "")
            who = tokens.get(auth[7:]) if auth.startswith("Bearer ") else None
            if who is None:
                return self.send_json(401, {"error": "invalid_token"}, [("WWW-Authenticate", 'Bearer error="invalid_token"')])
            # Every claim of the person, those the ID token leaves out too (as IdPs do for groups).
            return self.send_json(200, dict(who))
        if url.path == "/logout":
            target = query.get("post_logout_redirect_uri")
            return self.redirect(target) if target else self.send_json(200, {"logged_out": True})
        if url.path == "/control/calls":
            return self.send_json(200, calls)
        self.send_json(404, {"error": "not_found"})

    def do_POST(self):
        url = urlparse(self.path)
        raw = self.body()
        if url.path == "/token":
            calls["token"] += 1
            if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                return self.send_json(400, {"error": "invalid_request", "error_description": "form body required"})
            form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
            if client_authenticated(self, form) is None:
                return self.send_json(401, {"error": "invalid_client"}, [("WWW-Authenticate", 'Basic realm="token"')])
            grant = form.get("grant_type")
            if grant == "client_credentials":
                now = int(time.time())
                token = sign({"iss": issuer, "sub": CLIENT_ID, "aud": API_AUDIENCE, "azp": CLIENT_ID, "client_id": CLIENT_ID,
                              "scope": form.get("scope", ""), "exp": now + 300, "iat": now})
                return self.send_json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 300})
            if grant != "authorization_code":
                return self.send_json(400, {"error": "unsupported_grant_type"})
            with lock:
                entry = codes.pop(form.get("code", ""), None)  # once only
            if entry is None or time.time() - entry["at"] > 60 or entry["redirect_uri"] != form.get("redirect_uri"):
                return self.send_json(400, {"error": "invalid_grant"})
            verifier = form.get("code_verifier", "")
            if b64url(hashlib.sha256(verifier.encode()).digest()) != entry["challenge"]:
                return self.send_json(400, {"error": "invalid_grant", "error_description": "PKCE verification failed"})
            access = secrets.token_urlsafe(32)
            with lock:
                tokens[access] = entry["person"]
            return self.send_json(200, {"access_token": access, "token_type": "Bearer", "expires_in": 300,
                                        "id_token": id_token(entry["person"], entry["nonce"]), "scope": "openid profile email"})
        if url.path.startswith("/control/"):
            body = json.loads(raw or b"{}")
            global person, tamper
            with lock:
                if url.path == "/control/person":
                    person = {**person, **body}
                elif url.path == "/control/rotate":
                    new_key()
                    if body.get("drop_old"):
                        del keys[:-1]
                elif url.path == "/control/tamper":
                    tamper = body.get("kind")
                else:
                    return self.send_json(404, {"error": "not_found"})
            return self.send_json(200, {"ok": True, "kids": [kid for kid, _ in keys]})
        self.send_json(404, {"error": "not_found"})


def main():
    global issuer
    new_key()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    issuer = "http://127.0.0.1:%d" % server.server_address[1]
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()  # until the test closes our standard input


if __name__ == "__main__":
    main()
