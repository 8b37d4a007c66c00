"""A SAML 2.0 identity provider of the suite's own, on loopback, that signs as real IdPs do
(ADFS, Keycloak, Shibboleth): RSA-SHA256 XML signatures with exclusive canonicalisation, made
by Debian's `xmlsec1` over a template, with a certificate it generates at start.

Routes:
  /metadata   GET: the IdP's EntityDescriptor (entityID, signing certificate, SSO endpoint)
  /sso        GET (HTTP-Redirect binding): SAMLRequest (deflated, base64) and RelayState; checks
              the AuthnRequest's ID, Issuer, AssertionConsumerServiceURL and Destination; answers
              the HTML form a browser would auto-post to the ACS (SAMLResponse, RelayState)
Control (the test's, not the protocol's):
  POST /control/person  {"name_id", "attributes": {"name": [values]}}: who signs in next
  POST /control/tamper  {"kind": ...}: the next response is made wrong in that way:
      unsigned, modified (a value changed after signing), wrong_audience, wrong_recipient,
      expired, not_yet_valid, wrong_issuer, wrong_in_response_to, wrapping (XSW: a forged
      assertion first, the signed one moved aside), sign_response (the Response is signed
      instead of the Assertion), other_key (signed by a key agentd does not trust)
  GET  /control/last    {"response": the last SAMLResponse (base64)}, to replay it
  GET  /control/issue?request_id=ID  {"response": a SAMLResponse (base64) for request ID, as /sso
                        would answer it}, for tests of the verifier alone
  GET  /control/certificate  {"pem": the signing certificate}
Environment: SAML_SP_ENTITY (the SP's entity ID), SAML_ACS (its ACS URL).
Prints its port on the first line of standard output; exits when standard input closes.
"""
import base64
import datetime
import html
import json
import os
import subprocess
import sys
import tempfile
import threading
import uuid
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse
from xml.etree import ElementTree

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

SP_ENTITY = os.environ.get("SAML_SP_ENTITY", "")
ACS = os.environ.get("SAML_ACS", "")
work = tempfile.mkdtemp(prefix="samlidp-")
lock = threading.Lock()
person = {"name_id": "alice@corp.example", "attributes": {"uid": ["alice"], "groups": ["staff"]}}
tamper = None
last = {"response": ""}
entity = ""


def keypair(name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    key_path, cert_path = os.path.join(work, name + ".key"), os.path.join(work, name + ".crt")
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    der = base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()
    return key_path, cert_path, der


SIGNING = keypair("idp")
OTHER = keypair("other")


def instant(offset_seconds=0):
    moment = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def signature_template(reference, der):
    return ('<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
            '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
            '<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
            f'<ds:Reference URI="#{reference}"><ds:Transforms>'
            '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
            '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>'
            '<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>'
            '</ds:SignedInfo><ds:SignatureValue/>'
            f'<ds:KeyInfo><ds:X509Data><ds:X509Certificate>{der}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>')


def sign(document, node, keys):
    """Signs the element named `node` (Assertion or Response) of `document` with xmlsec1."""
    source, signed = os.path.join(work, uuid.uuid4().hex + ".xml"), os.path.join(work, uuid.uuid4().hex + ".xml")
    with open(source, "w") as f:
        f.write(document)
    subprocess.run(["xmlsec1", "--sign", "--privkey-pem", keys[0] + "," + keys[1],
                    "--id-attr:ID", "urn:oasis:names:tc:SAML:2.0:" + ("assertion:Assertion" if node == "Assertion" else "protocol:Response"),
                    "--output", signed, source], check=True, capture_output=True)
    with open(signed) as f:
        text = f.read()
    os.unlink(source)
    os.unlink(signed)
    return text


def assertion_xml(request_id, kind, who, signature=""):
    assertion_id = "_a" + uuid.uuid4().hex
    audience = "https://elsewhere.example/sp" if kind == "wrong_audience" else SP_ENTITY
    recipient = "https://elsewhere.example/acs" if kind == "wrong_recipient" else ACS
    issuer = entity + "/other" if kind == "wrong_issuer" else entity
    in_response_to = "_not-" + request_id if kind == "wrong_in_response_to" else request_id
    not_before, not_after = instant(-60), instant(300)
    if kind == "expired":
        not_before, not_after = instant(-3600), instant(-1800)
    if kind == "not_yet_valid":
        not_before, not_after = instant(1800), instant(3600)
    attributes = "".join(
        f'<saml:Attribute Name="{html.escape(name)}">'
        + "".join(f'<saml:AttributeValue>{html.escape(value)}</saml:AttributeValue>' for value in values)
        + "</saml:Attribute>" for name, values in who["attributes"].items())
    return assertion_id, (
        f'<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{assertion_id}" Version="2.0" IssueInstant="{instant()}">'
        f'<saml:Issuer>{issuer}</saml:Issuer>{signature}'
        f'<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">{html.escape(who["name_id"])}</saml:NameID>'
        f'<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData '
        f'InResponseTo="{in_response_to}" NotOnOrAfter="{not_after}" Recipient="{recipient}"/></saml:SubjectConfirmation></saml:Subject>'
        f'<saml:Conditions NotBefore="{not_before}" NotOnOrAfter="{not_after}"><saml:AudienceRestriction>'
        f'<saml:Audience>{audience}</saml:Audience></saml:AudienceRestriction></saml:Conditions>'
        f'<saml:AuthnStatement AuthnInstant="{instant()}" SessionIndex="{assertion_id}"><saml:AuthnContext>'
        '<saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef>'
        f'</saml:AuthnContext></saml:AuthnStatement><saml:AttributeStatement>{attributes}</saml:AttributeStatement></saml:Assertion>')


def response(request_id, kind, who):
    keys = OTHER if kind == "other_key" else SIGNING
    response_id = "_r" + uuid.uuid4().hex
    head = (f'<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
            f'ID="{response_id}" Version="2.0" IssueInstant="{instant()}" Destination="{ACS}" InResponseTo="{request_id}">'
            f'<saml:Issuer>{entity}</saml:Issuer>')
    status = '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
    if kind == "sign_response":
        _, assertion = assertion_xml(request_id, kind, who)
        document = head.replace(f'<saml:Issuer>{entity}</saml:Issuer>', f'<saml:Issuer>{entity}</saml:Issuer>' + signature_template(response_id, keys[2]))
        return sign(document + status + assertion + "</samlp:Response>", "Response", keys)
    assertion_id, _ = assertion_xml(request_id, kind, who)
    assertion_id, template = assertion_xml(request_id, kind, who, signature_template("ASSERTION_ID", keys[2]))
    template = template.replace("#ASSERTION_ID", "#" + assertion_id)
    if kind == "unsigned":
        signed = assertion_xml(request_id, kind, who)[1]
    else:
        signed = sign('<?xml version="1.0"?>' + template, "Assertion", keys).split("?>", 1)[1].strip()
    if kind == "modified":
        signed = signed.replace(">staff<", ">agentd-admins<", 1) if ">staff<" in signed else signed.replace("</saml:NameID>", "x</saml:NameID>", 1)
    if kind == "wrapping":
        # XSW: a forged, unsigned assertion for an admin comes first; the genuinely signed one is
        # tucked inside it (in an Extensions-like wrapper), so a verifier that checks "some
        # signature" and reads "the first assertion" is fooled.
        evil = {"name_id": "mallory@corp.example", "attributes": {"uid": ["mallory"], "groups": ["agentd-admins"]}}
        _, forged = assertion_xml(request_id, "", evil)
        forged = forged.replace("</saml:Assertion>", f"<saml:Advice>{signed}</saml:Advice></saml:Assertion>", 1)
        return head + status + forged + "</samlp:Response>"
    return head + status + signed + "</samlp:Response>"


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def send(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        global tamper
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if url.path == "/metadata":
            self.send(200, (
                f'<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}">'
                '<md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
                '<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>'
                f'<ds:X509Certificate>{SIGNING[2]}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>'
                '<md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress</md:NameIDFormat>'
                f'<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{entity}/sso"/>'
                '</md:IDPSSODescriptor></md:EntityDescriptor>'), "application/samlmetadata+xml")
            return
        if url.path == "/sso":
            try:
                request = zlib.decompress(base64.b64decode(query["SAMLRequest"]), -15).decode()
                root = ElementTree.fromstring(request)
            except Exception as error:
                return self.send(400, json.dumps({"error": f"SAMLRequest is not a deflated, base64 AuthnRequest: {error}"}))
            ns = {"saml": "urn:oasis:names:tc:SAML:2.0:assertion"}
            issuer = root.find("saml:Issuer", ns)
            problems = []
            if root.tag != "{urn:oasis:names:tc:SAML:2.0:protocol}AuthnRequest":
                problems.append("not an AuthnRequest")
            if not root.get("ID") or root.get("ID")[0].isdigit():
                problems.append("ID missing or not an xsd:ID")
            if issuer is None or issuer.text != SP_ENTITY:
                problems.append(f"Issuer is not {SP_ENTITY}")
            if root.get("AssertionConsumerServiceURL") not in (None, ACS):
                problems.append("AssertionConsumerServiceURL is not the registered ACS")
            if root.get("Destination") != entity + "/sso":
                problems.append("Destination is not this SSO endpoint")
            if problems:
                return self.send(400, json.dumps({"error": "; ".join(problems)}))
            with lock:
                kind, tamper = tamper, None
                who = dict(person)
            document = response(root.get("ID"), kind, who)
            encoded = base64.b64encode(document.encode()).decode()
            last["response"] = encoded
            relay = html.escape(query.get("RelayState", ""))
            self.send(200, (f'<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="{html.escape(ACS)}">'
                            f'<input type="hidden" name="SAMLResponse" value="{encoded}"/><input type="hidden" name="RelayState" value="{relay}"/>'
                            '</form></body></html>'), "text/html")
            return
        if url.path == "/control/last":
            return self.send(200, json.dumps(last))
        if url.path == "/control/issue":
            with lock:
                kind, tamper = tamper, None
                who = dict(person)
            encoded = base64.b64encode(response(query.get("request_id", "_req"), kind, who).encode()).decode()
            last["response"] = encoded
            return self.send(200, json.dumps({"response": encoded}))
        if url.path == "/control/certificate":
            with open(SIGNING[1]) as f:
                return self.send(200, json.dumps({"pem": f.read()}))
        self.send(404, json.dumps({"error": "not found"}))

    def do_POST(self):
        global tamper, person
        url = urlparse(self.path)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        with lock:
            if url.path == "/control/person":
                person = body
            elif url.path == "/control/tamper":
                tamper = body["kind"]
            else:
                return self.send(404, json.dumps({"error": "not found"}))
        self.send(200, "{}")


def main():
    global entity
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    entity = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
