"""Reads the JSON lines of agentd and its peers (same shapes, same run, same machine) and prints
median times and agentd/peer ratios."""
import json
import statistics
import sys

results = {}
for line in sys.stdin:
    line = line.strip()
    if not line.startswith("{"):
        continue
    row = json.loads(line)
    results[(row["peer"], row["shape"])] = statistics.median(row["ms"])

print(f"{'shape':<12} {'peer':<8} {'peer ms':>10} {'agentd ms':>10} {'agentd faster by':>18}")
for (peer, shape), ms in sorted(results.items()):
    if peer == "agentd" or ("agentd", shape) not in results:
        continue
    ours = results[("agentd", shape)]
    print(f"{shape:<12} {peer:<8} {ms:>10.1f} {ours:>10.1f} {ms / ours:>17.1f}x")
