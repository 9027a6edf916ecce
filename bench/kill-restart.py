#!/usr/bin/env python3
"""The node killed mid-ingest, again and again: no acknowledged event lost, none stored twice, no
batch half stored.

Each cycle starts `java -jar JAR serve` on one data directory (embedded PostgreSQL), has CLIENTS
threads post batches of BATCH events with unique event ids, and kills the node with SIGKILL after
a random 2-5 s. A batch answered 200 is acknowledged; one sent without an answer is in doubt and
is sent again in the next cycle, as a client should (event ids make that safe). After the cycles a
last node starts and every user's events are read back through the API.

Usage: bench/kill-restart.py [--jar target/causalrec.jar] [--cycles 20] [--data-dir DIR] [--port 18150]
Prints one line a cycle and a summary; exits 1 when a check fails.
"""
import argparse
import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

USERS = 200
BATCH = 200
CLIENTS = 4


def post(port, body, timeout=30):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/events", data=json.dumps(body).encode(),
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read())


def get(port, path, timeout=30):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
        return json.loads(r.read())


def start(jar, data_dir, port, log):
    env = dict(os.environ, DJL_OFFLINE="true", OPT_OUT_TRACKING="true", CAUSALREC_DEVICE="cpu")
    node = subprocess.Popen(["java", "-jar", jar, "serve", "--data-dir", data_dir, "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    t0 = time.time()
    while time.time() - t0 < 180:
        if node.poll() is not None:
            raise SystemExit(f"the node exited with {node.returncode} while starting (see {log.name})")
        try:
            get(port, "/health/ready", timeout=2)
            return node, time.time() - t0
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.25)
    node.kill()
    raise SystemExit(f"the node was not ready within 180 s (see {log.name})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jar", default="target/causalrec.jar")
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--port", type=int, default=18150)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    data_dir = a.data_dir or tempfile.mkdtemp(prefix="causalrec-kill-")
    log = open(os.path.join(data_dir, "nodes.log"), "ab")
    batches = {}                 # batch id -> its events
    acked = set()                # batch ids answered 200
    in_doubt = collections.deque()  # batch ids sent without an answer, to send again
    lock = threading.Lock()
    counter = [0]

    def new_batch():
        with lock:
            counter[0] += 1
            b = f"b{counter[0]}"
        events = [{"event_id": f"{b}-{j}", "user_id": f"u{rng.randrange(USERS)}", "item_id": f"i{rng.randrange(500)}",
                   "type": rng.choice(["impression", "click", "purchase"])} for j in range(BATCH)]
        with lock:
            batches[b] = events
        return b

    for cycle in range(1, a.cycles + 1):
        node, startup = start(a.jar, data_dir, a.port, log)
        stop = threading.Event()

        def client():
            while not stop.is_set():
                with lock:
                    b = in_doubt.popleft() if in_doubt else None
                if b is None:
                    b = new_batch()
                try:
                    status, body = post(a.port, batches[b])
                    if status == 200 and body["accepted"] + body["duplicates"] == BATCH:
                        with lock:
                            acked.add(b)
                    else:
                        with lock:
                            in_doubt.append(b)
                except Exception:
                    with lock:
                        in_doubt.append(b)
                    time.sleep(0.05)

        threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        time.sleep(rng.uniform(2, 5))
        node.send_signal(signal.SIGKILL)
        node.wait()
        stop.set()
        for t in threads:
            t.join()
        print(f"cycle {cycle}: started in {startup:.1f} s, killed; {len(acked)} batches acknowledged so far,"
              f" {len(in_doubt)} in doubt", flush=True)

    node, _ = start(a.jar, data_dir, a.port, log)
    try:
        for b in list(in_doubt):   # the last cycle's unanswered batches, sent once more
            status, body = post(a.port, batches[b])
            if status == 200:
                acked.add(b)
        stored = collections.Counter()
        for u in range(USERS):
            before = None
            while True:
                page = get(a.port, f"/v1/users/u{u}/events?limit=1000" + (f"&before={before}" if before else ""))
                stored.update(e["event_id"] for e in page["events"])
                before = page["next_before"]
                if before is None:
                    break
    finally:
        node.terminate()
        node.wait()

    lost = [e["event_id"] for b in acked for e in batches[b] if stored[e["event_id"]] == 0]
    twice = [i for i, n in stored.items() if n > 1]
    half = [b for b, events in batches.items() if 0 < sum(1 for e in events if stored[e["event_id"]]) < BATCH]
    never = [b for b in batches if b not in acked and any(stored[e["event_id"]] for e in batches[b])]
    print(f"{a.cycles} kills; {len(batches)} batches of {BATCH} sent, {len(acked)} acknowledged"
          f" ({len(acked) * BATCH} events); {sum(stored.values())} events stored")
    print(f"acknowledged but lost: {len(lost)}; stored twice: {len(twice)}; half-stored batches: {len(half)};"
          f" stored but never acknowledged: {len(never)} batches (committed as the node died)")
    if a.data_dir is None:
        shutil.rmtree(data_dir, ignore_errors=True)
    sys.exit(1 if lost or twice or half else 0)


if __name__ == "__main__":
    main()
