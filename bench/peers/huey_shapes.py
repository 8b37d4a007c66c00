"""Huey with its SQLite storage (fsync on, like agentd at synchronous=FULL), thread consumer
tuned to its best (polling every 1 ms, results polled every 1 ms):
  - seq40: 40 no-op tasks, each awaited before the next;
  - drain2000: 2,000 no-op tasks enqueued at once, drained by 2 workers.
Prints one JSON line per shape: {"peer": "huey", "shape": ..., "ms": [..]}."""
import json
import os
import sys
import time

from huey import SqliteHuey

directory = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
path = os.path.join(directory, "huey-bench.db")
for suffix in ("", "-wal", "-shm"):
    if os.path.exists(path + suffix):
        os.remove(path + suffix)
huey = SqliteHuey("bench", filename=path, fsync=True)


@huey.task()
def noop(n):
    return n + 1


def wait(result):
    while True:
        value = result.get()
        if value is not None:
            return value
        time.sleep(0.001)


consumer = huey.create_consumer(workers=2, worker_type="thread", initial_delay=0.001, backoff=1, max_delay=0.001,
                                periodic=False, check_worker_health=False)
consumer.start()
try:
    rounds = int(os.environ.get("ROUNDS", "5"))
    wait(noop(0))  # warm up
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        value = 0
        for _ in range(40):
            value = wait(noop(value))
        assert value == 40
        samples.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"peer": "huey", "shape": "seq40", "ms": samples}), flush=True)

    samples = []
    for _ in range(max(1, rounds // 2)):
        start = time.perf_counter()
        results = [noop(i) for i in range(2000)]
        for result in results:
            wait(result)
        samples.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"peer": "huey", "shape": "drain2000", "ms": samples}), flush=True)
finally:
    consumer.stop(graceful=False)
    os._exit(0)
