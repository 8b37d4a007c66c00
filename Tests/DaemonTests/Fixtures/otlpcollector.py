"""An OpenTelemetry collector's OTLP/HTTP traces receiver for the tracing tests, on loopback (HTTP/1.1).

Routes:
  POST /v1/traces   an ExportTraceServiceRequest in protobuf (Content-Type application/x-protobuf, else
                    415; a body that is not a valid message, 400), decoded here without a protobuf
                    library: resource_spans(1) > resource(1) attributes, scope_spans(2) > spans(2) >
                    trace_id(1), span_id(2), parent_span_id(4), name(5), kind(6), start/end(7, 8,
                    fixed64), attributes(9: KeyValue key(1), value(2) AnyValue string(1) bool(2)
                    int(3) double(4)), status(15: message(2), code(3)). Answers 200 with an empty
                    ExportTraceServiceResponse (application/x-protobuf), as the collector does.
  GET  /spans       {"spans": [{"trace_id", "span_id", "parent_span_id", "name", "kind", "attributes",
                    "status_code", "status_message", "service"}], "requests": n, "refused": n}
With OTLP_COUNT_ONLY=1 (the engine benchmark) bodies are only counted, not decoded: the benchmark
measures agentd, not this decoder. With OTLP_REFUSE=N and OTLP_REFUSE_STATUS=S (default 503) the
first N exports are answered S with an empty body, as an overloaded
collector does; they are counted in "refused".
Prints its port on the first line of standard output; exits when standard input closes.
"""
import json
import os
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

spans = []
requests = 0
refused = 0
refuse_first = int(os.environ.get("OTLP_REFUSE", "0"))
refuse_status = int(os.environ.get("OTLP_REFUSE_STATUS", "503"))
count_only = os.environ.get("OTLP_COUNT_ONLY") == "1"
lock = threading.Lock()


def varint(data, i):
    result = shift = 0
    while True:
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return result, i


def fields(data):
    i = 0
    while i < len(data):
        key, i = varint(data, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = varint(data, i)
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 2:
            length, i = varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wire)
        if i > len(data):
            raise ValueError("truncated")
        yield number, wire, value


def any_value(data):
    for number, wire, value in fields(data):
        if number == 1:
            return value.decode()
        if number == 2:
            return bool(value)
        if number == 3:
            return value - (1 << 64) if value >= 1 << 63 else value
        if number == 4:
            return struct.unpack("<d", value)[0]
    return None


def attributes(data_list):
    result = {}
    for data in data_list:
        key, value = None, None
        for number, wire, item in fields(data):
            if number == 1:
                key = item.decode()
            elif number == 2:
                value = any_value(item)
        result[key] = value
    return result


def decode(body):
    decoded = []
    for number, _, resource_spans in fields(body):
        if number != 1:
            continue
        service = None
        for field, _, value in fields(resource_spans):
            if field == 1:
                service = attributes([item for n, _, item in fields(value) if n == 1]).get("service.name")
        for field, _, scope_spans in fields(resource_spans):
            if field != 2:
                continue
            for inner, _, span in fields(scope_spans):
                if inner != 2:
                    continue
                record = {"trace_id": "", "span_id": "", "parent_span_id": "", "name": "", "kind": 0, "attributes": {},
                          "status_code": 0, "status_message": "", "service": service}
                attribute_items = []
                for n, _, value in fields(span):
                    if n == 1:
                        record["trace_id"] = value.hex()
                    elif n == 2:
                        record["span_id"] = value.hex()
                    elif n == 4:
                        record["parent_span_id"] = value.hex()
                    elif n == 5:
                        record["name"] = value.decode()
                    elif n == 6:
                        record["kind"] = value
                    elif n == 9:
                        attribute_items.append(value)
                    elif n == 15:
                        for s, _, item in fields(value):
                            if s == 2:
                                record["status_message"] = item.decode()
                            elif s == 3:
                                record["status_code"] = item
                record["attributes"] = attributes(attribute_items)
                if len(record["trace_id"]) != 32 or len(record["span_id"]) != 16:
                    raise ValueError("a span without a valid trace or span id")
                decoded.append(record)
    return decoded


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path != "/spans":
            return self.answer(404, b"{}", "application/json")
        with lock:
            self.answer(200, json.dumps({"spans": spans, "requests": requests, "refused": refused}).encode(), "application/json")

    def do_POST(self):
        global requests, refused
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path != "/v1/traces":
            return self.answer(404, b"", "text/plain")
        with lock:
            refuse = refused < refuse_first
            if refuse:
                refused += 1
        if refuse:
            return self.answer(refuse_status, b"", "application/x-protobuf")
        if (self.headers.get("Content-Type") or "").split(";")[0].strip() != "application/x-protobuf":
            return self.answer(415, b"", "text/plain")
        try:
            decoded = [] if count_only else decode(body)
        except (ValueError, IndexError, UnicodeDecodeError):
            return self.answer(400, b"", "text/plain")
        with lock:
            requests += 1
            spans.extend(decoded)
        self.answer(200, b"", "application/x-protobuf")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
