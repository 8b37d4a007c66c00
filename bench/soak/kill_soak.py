"""kill -9 soak: SIGKILL agentd again and again while 1,000 executions run, then check that
every one finished once: lost = 0 (did not succeed), duplicated = 0 (a step ended twice),
stuck = 0 (still unfinished at the end).

Usage: kill_soak.py AGENTD_BINARY [KILLS=25] [EXECUTIONS=1000]"""
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

binary = os.path.abspath(sys.argv[1])
kills = int(sys.argv[2]) if len(sys.argv) > 2 else 25
total = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
directory = tempfile.mkdtemp(prefix="agentd-soak-")
state = os.path.join(directory, ".agentd")  # dev mode keeps its key here
os.makedirs(state)
sock = os.path.join(state, "agentd.sock")


class UnixConnection(http.client.HTTPConnection):
    def __init__(self):
        super().__init__("agentd", timeout=30)

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(sock)


def call(method, path, body=None):
    connection = UnixConnection()
    headers = {"Content-Type": "application/json"} if body is not None else {}
    connection.request(method, path, json.dumps(body) if body is not None else None, headers)
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, (json.loads(data) if data else None)


def start():
    process = subprocess.Popen([binary, "serve", "--dev", "--listen", "127.0.0.1:0", "--socket", sock,
                                "--database", os.path.join(state, "agentd.db")],
                               cwd=directory, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if call("GET", "/readyz")[0] == 200:
                return process
        except OSError:
            pass
        time.sleep(0.01)
    raise SystemExit("agentd did not start")


nodes = {f"s{i}": {"kind": "transform", "input": {"n": "{{ input.n }}" if i == 0 else f"{{{{ nodes.s{i - 1}.output }}}}"},
                   "config": {"output": "{{ input.n + 1 }}"}} for i in range(10)}
nodes["pause"] = {"kind": "delay", "config": {"duration_ms": 10}}
edges = [f"s{i - 1} -> s{i}" for i in range(1, 10)] + ["s4 -> pause"]
document = json.dumps({"workflow": "soak", "nodes": nodes, "edges": edges, "output": {"n": "{{ nodes.s9.output }}"}})

began = time.time()
started = []
for kill in range(kills):
    process = start()
    if kill == 0:
        status, body = call("POST", "/api/v1/apply", {"document": document})
        assert status == 200, body
    for _ in range(total // kills):
        status, body = call("POST", "/api/v1/executions", {"workflow": "soak", "input": {"n": 0}})
        assert status == 202, body
        started.append(body["id"])
    time.sleep(random.uniform(0.005, 0.05))
    process.send_signal(signal.SIGKILL)
    process.wait()

process = start()
deadline = time.time() + 300
unfinished = list(started)
while unfinished and time.time() < deadline:
    unfinished = [i for i in unfinished if call("GET", f"/api/v1/executions/{i}")[1]["status"] not in ("succeeded", "failed", "cancelled")]
    if unfinished:
        time.sleep(0.2)
lost = duplicated = 0
for execution_id in started:
    execution = call("GET", f"/api/v1/executions/{execution_id}")[1]
    if execution["status"] != "succeeded" or execution["output"] != {"n": 10}:
        lost += 1
    events = call("GET", f"/api/v1/executions/{execution_id}/events")[1]["items"]
    ends = [e["node"] for e in events if e["type"] == "step.succeeded"]
    if len(ends) != len(set(ends)) or sum(e["type"] == "execution.succeeded" for e in events) > 1:
        duplicated += 1
stuck = len(unfinished)
process.send_signal(signal.SIGTERM)
process.wait()
shutil.rmtree(directory, ignore_errors=True)
print(f"kill -9 soak: {kills} kills during {len(started)} executions: lost={lost} duplicated={duplicated} stuck={stuck} "
      f"({time.time() - began:.1f} s)   target: all 0")
sys.exit(0 if lost == duplicated == stuck == 0 else 1)
