"""Prefect 3, local (ephemeral API server on SQLite): a flow of 40 sequential no-op tasks.
Prints one JSON line: {"peer": "prefect", "shape": "seq40", "ms": [..]}."""
import json
import os
import sys
import time

os.environ.setdefault("PREFECT_HOME", os.path.join(sys.argv[1] if len(sys.argv) > 1 else "/tmp", "prefect-home"))
os.environ.setdefault("PREFECT_SERVER_ALLOW_EPHEMERAL_MODE", "true")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")

from prefect import flow, task  # noqa: E402


@task
def noop(n: int) -> int:
    return n + 1


@flow
def chain() -> int:
    value = 0
    for _ in range(40):
        value = noop(value)
    return value


rounds = int(os.environ.get("ROUNDS", "5"))
chain()  # warm up: starts the local server, creates the database
samples = []
for _ in range(rounds):
    start = time.perf_counter()
    assert chain() == 40
    samples.append((time.perf_counter() - start) * 1000)
print(json.dumps({"peer": "prefect", "shape": "seq40", "ms": samples}))
