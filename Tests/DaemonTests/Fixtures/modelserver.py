"""A fake OpenAI-compatible model server for the LLM client tests, on loopback (protocol-faithful HTTP/1.1).

Routes:
  POST /v1/chat/completions  OpenAI chat completions, plain JSON or `stream: true` (SSE over chunked encoding)
  GET  /v1/models            {"object": "list", "data": [{"id": "fake-model", "object": "model"}]}
  GET  /calls                {"count": n, "requests": the last 50 request bodies, each with "_headers"
                             {"authorization", "idempotency-key"} (those present); unparsable ones as {"_raw": text}}
  GET  /calls?key=K          {"calls": n}: how often a #flaky/#limited key K was called
  POST /reset                forgets the recorded requests and key counts
Errors use OpenAI's shape {"error": {"message", "type", "param", "code"}}: unknown route 404, bad JSON 400.
If MODEL_API_KEY is set, /v1/* needs `Authorization: Bearer $MODEL_API_KEY`, else 401 (code "invalid_api_key").

Usage is deterministic: prompt_tokens = 3 + sum over messages of (words in content + 4); completion_tokens =
words in the reply text (at least 1), or 10 per tool call. Words are whitespace-separated.

The reply is directed by the LAST user message (a repair request, i.e. one saying "valid JSON" with no
directive of its own, falls back to the latest user message that has directives). Directives are tokens
`#name` or `#name=value`, and they combine:
  (none)              "echo: " + the last user message (directives left in), finish_reason "stop"
  #json               {"answer": "ok", "words": N}, N = words in the last user message
  #badjson            `not json {` until a user message after an assistant message says "valid JSON",
                      then {"answer": "repaired"}
  #alwaysbad          `still not json`, always
  #tool=NAME          with tools declared (and tool_choice not "none"): while no role "tool" message exists,
                      a call to NAME with arguments {"q": last user message}, content null, finish_reason
                      "tool_calls"; then "tool said: " + the last tool message
  #tools=N,NAME       calls NAME until N tool messages exist, then "done after N tools"
  #long=N             "w1 w2 ... wN", cut to max_tokens (or max_completion_tokens) words with finish_reason "length"
  #status=CODE        that HTTP status with an error body (429 adds Retry-After: 1)
  #flaky=K,key=ID     the first K calls with key ID answer 500, later ones normally
  #limited=K,key=ID   the first K calls with key ID answer 429 Retry-After: 1, later ones normally
  #slow=MS            waits MS ms before answering; streaming: headers at once, MS spread over the gaps
                      before each data event
  #truncate           streaming: role chunk and two content chunks, then the connection closes (no [DONE],
                      no zero chunk); plain: Content-Length larger than the body, then the connection closes
  #nousage            no "usage" in the answer, nor a usage chunk in the stream
A `stop` string or list cuts the reply text before the first occurrence (finish_reason stays "stop").

Stream events, each `data: <json>\\n\\n` in its own HTTP chunk, all with "id", "object": "chat.completion.chunk",
"created", "model" (and "usage": null when stream_options.include_usage is set, unless #nousage):
  choices [{"index": 0, "delta": {"role": "assistant"}, "logprobs": null, "finish_reason": null}]
  one per word: delta {"content": piece}, the pieces concatenate to exactly the reply ("echo: ", "hi ", "there")
  tool calls: delta {"tool_calls": [{"index": i, "id", "type": "function", "function": {"name", "arguments": ""}}]}
              then {"tool_calls": [{"index": i, "function": {"arguments": <8-character piece>}}]} ...
  delta {} with finish_reason; if include_usage: "choices": [] and "usage"; then `data: [DONE]`.
Prints its port on the first line of standard output; argv[1] is the port (0: any). Exits when stdin closes.

Server modes mimic what real servers accept, from their public docs (docs/llm.md, "Model servers"). Chosen
by `--mode=NAME` on the command line, or per request by a path prefix: POST /NAME/v1/chat/completions (so one
fake serves several registered models). Without a mode the server behaves as above (response_format ignored,
directives decide). In a mode, a request shape the server refuses gets that server's refusal; a format it honours shapes
the answer when the last user message has no directive: with a schema, a value of the schema (enum: its first
value, strings "ok", numbers their minimum or 1, every property); JSON without a schema, {"answer": "ok",
"words": N}. A format it ignores (or none) leaves the answer to the prompt, as a model that follows it: a
message saying "JSON Schema: {...}" gets a value of that schema, one saying "valid JSON object" the JSON
above. With tools it honours, a last user message naming a declared tool (and no directive) calls it with {}.
  vllm              response_format json_schema (json_schema.schema), json_object (a `schema` beside it is
                    ignored, with vLLM's warning), text; top-level guided_json; another type: 400 in vLLM's
                    error shape {"object": "error", "message": pydantic's literal_error, "type": "BadRequestError"}
                    naming ('body', 'response_format', 'type'). Tools honoured (--enable-auto-tool-choice).
  llamacpp-server   llama.cpp's llama-server, a recent build started without --jinja: json_schema and
                    json_object (+ schema) honoured; another type: 400 'response_format type must be one of
                    "text" or "json_object", but got: T'; any `tools`: 500 "tools param requires --jinja flag".
  llama-cpp-python  llama_cpp.server: only {type: json_object, schema}; json_schema (any type but text and
                    json_object) is pydantic's validation error answered as 500 "internal_server_error"
                    (its error handler wraps every exception so). Tools ignored (its default chat format).
  ollama            Ollama's OpenAI endpoint (before 0.5): json_object honoured (`schema` beside it ignored),
                    every other type ignored silently. Tools honoured.
  tgi               text-generation-inference's messages API: response_format {type: json|json_object, value:
                    SCHEMA} or regex; json_schema is 422 "Failed to deserialize the JSON body into the target type:
                    response_format: unknown variant `json_schema`, ..." (plain text, axum's); json_object
                    without `value` 422 "missing field `value`". Tools honoured.
"""
import itertools
import json
import os
import re
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

lock = threading.Lock()
state = {"count": 0, "requests": [], "keys": {}}
ids = itertools.count(1)
DIRECTIVE = re.compile(r"(?<!\S)#(\w+)(?:=(\S*))?")


def next_id():
    with lock:
        return next(ids)


def count_key(key):
    with lock:
        state["keys"][key] = state["keys"].get(key, 0) + 1
        return state["keys"][key]


def text_of(content):
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def words(text):
    return len(text.split())


def error_body(status, message, code=None):
    kind = "requests" if status == 429 else "server_error" if status >= 500 else "invalid_request_error"
    return {"error": {"message": message, "type": kind, "param": None,
                      "code": code or ("rate_limit_exceeded" if status == 429 else None)}}


def directives_for(messages):
    """The directives that steer this answer, and the last user message's text."""
    users = [text_of(m.get("content")) for m in messages if m.get("role") == "user"]
    last = users[-1] if users else ""
    found = dict(DIRECTIVE.findall(last))
    if not found and "valid json" in last.lower():
        for text in reversed(users):
            found = dict(DIRECTIVE.findall(text))
            if found:
                break
    return found, last


def compose(req, d, last, mode=None, fmt=None, tools_honoured=True):
    """(text, tool_calls, finish_reason) for a successful answer."""
    msgs = req["messages"]
    tool_results = [text_of(m.get("content")) for m in msgs if m.get("role") == "tool"]
    can_call = bool(req.get("tools")) and req.get("tool_choice") != "none" and tools_honoured
    if mode and not d:
        declared = [t.get("function", {}).get("name") for t in req.get("tools") or [] if isinstance(t, dict)]
        named = next((n for n in declared if n and n in last), None)
        if can_call and named and not tool_results:
            return None, [{"id": f"call_{next_id()}", "type": "function",
                           "function": {"name": named, "arguments": "{}"}}], "tool_calls"
        if fmt and fmt[0] == "schema":
            return json.dumps(example(fmt[1])), None, "stop"
        answer = prompted(msgs, last)
        if answer is not None:
            return answer, None, "stop"
        if fmt:
            return json.dumps({"answer": "ok", "words": words(last)}), None, "stop"

    def call(name):
        args = json.dumps({"q": last})
        return None, [{"id": f"call_{next_id()}", "type": "function",
                       "function": {"name": name, "arguments": args}}], "tool_calls"

    if "tools" in d and can_call:
        n, _, name = d["tools"].partition(",")
        if len(tool_results) < int(n):
            return call(name)
        return f"done after {int(n)} tools", None, "stop"
    if "tool" in d and can_call:
        if not tool_results:
            return call(d["tool"])
        return "tool said: " + tool_results[-1], None, "stop"
    if "alwaysbad" in d:
        return "still not json", None, "stop"
    if "badjson" in d:
        roles = [m.get("role") for m in msgs]
        first = roles.index("assistant") if "assistant" in roles else len(msgs)
        repaired = any(m.get("role") == "user" and "valid json" in text_of(m.get("content")).lower()
                       for m in msgs[first:])
        return ('{"answer": "repaired"}' if repaired else "not json {"), None, "stop"
    if "json" in d:
        return json.dumps({"answer": "ok", "words": words(last)}), None, "stop"
    if "long" in d:
        n = int(d["long"])
        limit = req.get("max_tokens") or req.get("max_completion_tokens")
        if limit and int(limit) < n:
            return " ".join(f"w{i}" for i in range(1, int(limit) + 1)), None, "length"
        return " ".join(f"w{i}" for i in range(1, n + 1)), None, "stop"
    return "echo: " + last, None, "stop"


MODES = ("vllm", "llamacpp-server", "llama-cpp-python", "ollama", "tgi")
DEFAULT_MODE = next((a.partition("=")[2] for a in sys.argv[1:] if a.startswith("--mode=")), None)


class Refusal(Exception):
    """A request shape the mode's server refuses: status, body (dict: JSON; str: plain text)."""

    def __init__(self, status, body):
        super().__init__(status)
        self.status, self.body = status, body


def shape(mode, req):
    """(format, tools honoured) for a mode: format is ("schema", S), ("json", None) or None (ignored / none).
    Raises Refusal for what the mode's server refuses."""
    rf = req.get("response_format")
    kind = rf.get("type") if isinstance(rf, dict) else None
    schema = rf.get("schema") if isinstance(rf, dict) else None
    named = (rf.get("json_schema") or {}).get("schema") if isinstance(rf, dict) else None
    if mode == "vllm":
        if isinstance(req.get("guided_json"), dict):
            return ("schema", req["guided_json"]), True
        if kind not in (None, "text", "json_object", "json_schema", "structural_tag"):
            raise Refusal(400, {"object": "error", "message": str([{"type": "literal_error", "loc": ("body", "response_format", "type"),
                          "msg": "Input should be 'text', 'json_object', 'json_schema' or 'structural_tag'", "input": kind}]),
                          "type": "BadRequestError", "param": None, "code": 400})
        if kind == "json_schema":
            return ("schema", named or {}), True
        return (("json", None) if kind == "json_object" else None), True
    if mode == "llamacpp-server":
        if req.get("tools"):
            raise Refusal(500, {"error": {"code": 500, "message": "tools param requires --jinja flag", "type": "server_error"}})
        if kind not in (None, "text", "json_object", "json_schema"):
            raise Refusal(400, {"error": {"code": 400, "message": 'response_format type must be one of "text" or "json_object", but got: '
                                          + str(kind), "type": "invalid_request_error"}})
        if kind == "json_schema":
            return ("schema", named or {}), False
        if kind == "json_object":
            return (("schema", schema) if isinstance(schema, dict) else ("json", None)), False
        return None, False
    if mode == "llama-cpp-python":
        if kind not in (None, "text", "json_object"):
            raise Refusal(500, {"error": {"message": "1 validation error for CreateChatCompletionRequest\nresponse_format.type\n  Input should "
                                          f"be 'text' or 'json_object' [type=literal_error, input_value='{kind}', input_type=str]",
                                          "type": "internal_server_error", "param": None, "code": None}})
        if kind == "json_object":
            return (("schema", schema) if isinstance(schema, dict) else ("json", None)), False
        return None, False
    if mode == "ollama":
        return (("json", None) if kind == "json_object" else None), True
    if mode == "tgi":
        if kind not in (None, "json", "json_object", "regex"):
            raise Refusal(422, "Failed to deserialize the JSON body into the target type: response_format: unknown variant "
                               f"`{kind}`, expected one of `json`, `json_object`, `regex` at line 1 column 200")
        if kind in ("json", "json_object"):
            if "value" not in rf:
                raise Refusal(422, "Failed to deserialize the JSON body into the target type: response_format: missing field "
                                   "`value` at line 1 column 200")
            return ("schema", rf["value"]), True
        return None, True
    return None, True


def example(schema):
    """A value of a JSON Schema: what a server that holds the answer to it produces."""
    if not isinstance(schema, dict):
        return "ok"
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return example(schema[key][0])
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and "properties" in schema):
        return {name: example(sub) for name, sub in (schema.get("properties") or {}).items()}
    if kind == "array":
        return [example(schema.get("items"))] * max(1, int(schema.get("minItems") or 0))
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return schema.get("minimum", 1)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    text = "ok"
    return text + "k" * max(0, int(schema.get("minLength") or 0) - len(text))


SCHEMA_IN_PROMPT = "JSON Schema: "


def prompted(messages, last):
    """The answer of a model that follows the prompt's JSON instructions, or None."""
    for m in messages:
        text = text_of(m.get("content"))
        at = text.find(SCHEMA_IN_PROMPT)
        if m.get("role") in ("system", "user") and at >= 0:
            try:
                schema, _ = json.JSONDecoder().raw_decode(text[at + len(SCHEMA_IN_PROMPT):])
                return json.dumps(example(schema))
            except ValueError:
                pass
    if any("valid json object" in text_of(m.get("content")).lower() for m in messages if m.get("role") in ("system", "user")):
        return json.dumps({"answer": "ok", "words": words(last)})
    return None


def apply_stop(text, stop):
    for s in [stop] if isinstance(stop, str) else (stop or []):
        if isinstance(s, str) and s and s in text:
            text = text[:text.index(s)]
    return text


def pieces(text):
    """One piece per word with its surrounding whitespace: they concatenate to exactly `text`."""
    found = re.findall(r"\s*\S+\s*", text)
    return found if found or not text else [text]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def answer(self, status, body, headers=None, short=0):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data) + short))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def fail(self, status, message, code=None):
        self.answer(status, error_body(status, message, code), {"Retry-After": "1"} if status == 429 else None)

    def cut(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def handle_any(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        body = self.read_body()
        route = (self.command, url.path.rstrip("/") or "/")
        key = os.environ.get("MODEL_API_KEY")
        if "/v1/" in route[1] and key and self.headers.get("Authorization") != f"Bearer {key}":
            if route == ("POST", "/v1/chat/completions"):
                self.record(body)
            return self.fail(401, "Incorrect API key provided.", "invalid_api_key")
        mode = DEFAULT_MODE
        first, _, rest = route[1].lstrip("/").partition("/")
        if first in MODES and rest.startswith("v1/"):
            mode, route = first, (route[0], "/" + rest)
        if route == ("POST", "/v1/chat/completions"):
            self.chat(self.record(body, mode), mode)
        elif route == ("GET", "/v1/models"):
            self.answer(200, {"object": "list", "data": [{"id": "fake-model", "object": "model",
                                                          "created": 0, "owned_by": "tests"}]})
        elif route == ("GET", "/calls"):
            with lock:
                if "key" in query:
                    self.answer(200, {"calls": state["keys"].get(query["key"], 0)})
                else:
                    self.answer(200, {"count": state["count"], "requests": state["requests"]})
        elif route == ("POST", "/reset"):
            with lock:
                state.update(count=0, requests=[], keys={})
            self.answer(200, {"ok": True})
        else:
            self.fail(404, f"Unknown request URL: {self.command} {url.path}.", "unknown_url")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

    def record(self, body, mode=None):
        """Records the request (with "_mode" when one applies); returns the parsed body, or None if it is not valid JSON."""
        try:
            req = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            req = None
        entry = dict(req) if isinstance(req, dict) else {"_raw": body.decode("utf-8", "replace")}
        entry["_headers"] = {name: self.headers[name] for name in ("authorization", "idempotency-key")
                             if self.headers.get(name) is not None}
        if mode:
            entry["_mode"] = mode
        with lock:
            state["count"] += 1
            state["requests"] = (state["requests"] + [entry])[-50:]
        return req

    def chat(self, req, mode=None):
        if not isinstance(req, dict):
            return self.fail(400, "We could not parse the JSON body of your request.")
        messages = req.get("messages")
        if not isinstance(req.get("model"), str) or not isinstance(messages, list) or not messages \
                or not all(isinstance(m, dict) for m in messages):
            return self.fail(400, "'model' and a non-empty 'messages' array are required.")
        d, last = directives_for(messages)
        try:
            fmt, tools_honoured = shape(mode, req)
        except Refusal as refusal:
            if isinstance(refusal.body, str):
                data = refusal.body.encode()
                self.send_response(refusal.status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                return self.wfile.write(data)
            return self.answer(refusal.status, refusal.body)
        stream = req.get("stream") is True
        try:
            slow = int(d.get("slow") or 0) / 1000
            if "status" in d and int(d["status"]) >= 400:
                time.sleep(slow)
                return self.fail(int(d["status"]), f"Directed failure with status {d['status']}.")
            for name, status in (("flaky", 500), ("limited", 429)):
                if name in d:
                    k, _, rest = d[name].partition(",")
                    if count_key(rest.partition("key=")[2] or rest) <= int(k):
                        time.sleep(slow)
                        return self.fail(status, "The server had an error while processing your request."
                                         if status == 500 else "Rate limit reached for requests.")
            text, calls, finish = compose(req, d, last, mode, fmt, tools_honoured)
            if text is not None:
                text = apply_stop(text, req.get("stop"))
            prompt = 3 + sum(words(text_of(m.get("content"))) + 4 for m in messages)
            done = 10 * len(calls) if calls else max(1, words(text))
            usage = None if "nousage" in d else \
                {"prompt_tokens": prompt, "completion_tokens": done, "total_tokens": prompt + done}
            head = {"id": f"chatcmpl-{next_id()}", "created": int(time.time()), "model": req["model"]}
            if stream:
                return self.stream(req, d, head, text, calls, finish, usage, slow)
            time.sleep(slow)
            message = {"role": "assistant", "content": text}
            if calls:
                message["tool_calls"] = calls
            body = {**head, "object": "chat.completion",
                    "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}]}
            if usage:
                body["usage"] = usage
            self.answer(200, body, short=64 if "truncate" in d else 0)
            if "truncate" in d:
                self.cut()
        except ValueError as e:  # a malformed directive value, found before anything was sent
            self.fail(400, f"Malformed directive: {e}")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def send_chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def stream(self, req, d, head, text, calls, finish, usage, slow):
        include = (req.get("stream_options") or {}).get("include_usage") is True
        base = {**head, "object": "chat.completion.chunk"}
        if include and usage:
            base["usage"] = None
        deltas = [{"role": "assistant"}]
        for i, c in enumerate(calls or []):
            fn = c["function"]
            deltas.append({"tool_calls": [{"index": i, "id": c["id"], "type": "function",
                                           "function": {"name": fn["name"], "arguments": ""}}]})
            args = fn["arguments"]
            deltas += [{"tool_calls": [{"index": i, "function": {"arguments": args[j:j + 8]}}]}
                       for j in range(0, len(args), 8)]
        if not calls:
            deltas += [{"content": p} for p in pieces(text)]
        events = [{**base, "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}]}
                  for delta in deltas]
        events.append({**base, "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": finish}]})
        if include and usage:
            events.append({**base, "choices": [], "usage": usage})
        if "truncate" in d:
            events = events[:min(3, len(deltas))]
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for event in events:
            time.sleep(slow / len(events))
            self.send_chunk(b"data: " + json.dumps(event).encode() + b"\n\n")
        if "truncate" in d:
            return self.cut()
        self.send_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")


port = next((a for a in sys.argv[1:] if not a.startswith("--")), "0")
server = ThreadingHTTPServer(("127.0.0.1", int(port)), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)


def exit_with_parent():
    # The test holds our stdin: when it ends, however it ends, so do we.
    sys.stdin.read()
    os._exit(0)


threading.Thread(target=exit_with_parent, daemon=True).start()
server.serve_forever()
