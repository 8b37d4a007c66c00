"""Backup throughput on a large database during writes (issue: the appliance).

Starts agentd (dev mode, in a temporary directory), grows its database to about SIZE_MB with
executions carrying large inputs, then takes `agentctl backup` while a writer keeps starting
executions, and prints the size, the time and MB/s agentd measured, and the check's results.

Usage: python3 bench/backup/backup_bench.py AGENTD AGENTCTL [SIZE_MB, default 1024]
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import http.client


class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def call(sock, method, path, body=None):
    connection = UnixHTTP(sock)
    data = json.dumps(body).encode() if body is not None else None
    connection.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    return response.status, json.loads(payload) if payload else None


def main():
    agentd, agentctl = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    size_mb = int(sys.argv[3]) if len(sys.argv) > 3 else 1024
    directory = tempfile.mkdtemp(prefix="agentd-backupbench-")
    sock = os.path.join(directory, ".agentd", "agentd.sock")
    daemon = subprocess.Popen([agentd, "serve", "--dev", "--listen", "127.0.0.1:0"], cwd=directory,
                              stderr=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while not os.path.exists(sock) and time.time() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        document = "workflow: fill\nnodes:\n  a: {kind: transform, config: {output: 1}}\n"
        status, _ = call(sock, "POST", "/api/v1/apply", {"document": document})
        assert status == 200, status
        blob = "x" * (240 * 1024)
        database = os.path.join(directory, ".agentd", "agentd.db")

        def size():
            return sum(os.path.getsize(p) for p in [database, database + "-wal"] if os.path.exists(p))

        began = time.time()
        workers = []
        stop_fill = threading.Event()

        def fill():
            while not stop_fill.is_set() and size() < size_mb * 1024 * 1024:
                call(sock, "POST", "/api/v1/executions", {"workflow": "fill", "input": {"blob": blob}})

        for _ in range(4):
            worker = threading.Thread(target=fill)
            worker.start()
            workers.append(worker)
        for worker in workers:
            worker.join()
        print(f"database grown to {size() / 1048576:.0f} MiB in {time.time() - began:.0f} s")

        # The write load during the backup: small executions, as fast as one client goes.
        stop = threading.Event()
        written = [0]

        def load():
            while not stop.is_set():
                call(sock, "POST", "/api/v1/executions", {"workflow": "fill", "input": {}})
                written[0] += 1

        writer = threading.Thread(target=load)
        writer.start()
        time.sleep(0.5)
        result = subprocess.run([agentctl, "backup", "bench.db", "--output", "json", "--socket", sock],
                                capture_output=True, text=True, cwd=directory)
        stop.set()
        writer.join()
        report = json.loads(result.stdout)
        print(f"backup during writes: {report['bytes'] / 1048576:.0f} MiB in {report['duration_ms'] / 1000:.1f} s: "
              f"{report['mb_per_s']} MiB/s (the snapshot; the check and checksum follow)")
        print(f"  integrity {report['integrity']}, audit chain {report['audit_chain']}, {report['executions']} executions; "
              f"{written[0]} executions started during the backup")
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
