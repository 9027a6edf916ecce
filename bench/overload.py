#!/usr/bin/env python3
"""Overload: the node offered ten times the ingest rate it sustains, for a minute, then normal load
again. The write queue stays bounded (events.max_pending), what does not fit is answered 503 with
Retry-After at once, memory stays flat, and the rate afterwards is the rate before.

On a fresh node (`java -jar JAR serve`, embedded PostgreSQL, CPU):
  1. baseline: CLIENTS clients post batches of 1,000 events with unique ids for BASE s, back to back;
  2. overload: OVER_CLIENTS clients (200) do the same for OVER s, each sending its next batch as soon
     as it has an answer (a 503's Retry-After is ignored, as a misbehaving client would); the
     script prints the batches offered per second against the baseline's (the aim: >= FACTOR x);
  3. recovery: CLIENTS clients again for BASE s.
Each phase prints events/s accepted, batches offered per second, answers by status and p50/p99 of
the answers and the live heap after a forced full GC at its end (jcmd GC.run, then jstat); every
5 s the node's resident set, heap in use (no forced GC) and pending events are sampled. At the end the events the node counts as accepted are compared with those acknowledged
(no 503 may have stored anything, no 200 may have lost anything; the ingest fault script reads
events back one by one, this one counts them).

Usage: bench/overload.py [--jar target/causalrec.jar] [--port 18195] [--factor 10] [--over 60]
                         [--over-clients 200]
Exits 1 on an answer other than 200 or 503 with Retry-After, or when the counts differ.
"""
import argparse
import collections
import os
import random
import shutil
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

from benchlib import get, heap_mb, proc_status, start_node

BATCH = 1000
CLIENTS = 4
BASE = 20


def template(rng):
    """A batch body with @@ where each event id's unique prefix goes."""
    parts = []
    for j in range(BATCH):
        parts.append('{"event_id":"@@-%d","user_id":"u%d","item_id":"i%d","type":"%s"}'
                     % (j, rng.randrange(5000), rng.randrange(2000), rng.choice(["impression", "click"])))
    return ("[" + ",".join(parts) + "]").encode()


def phase(port, clients, seconds, body, counter, lock, acked):
    statuses = collections.Counter()
    latencies = []
    stop = time.time() + seconds

    def client():
        while time.time() < stop:
            with lock:
                counter[0] += 1
                prefix = f"b{counter[0]}"
            data = body.replace(b"@@", prefix.encode())
            req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/events", data=data,
                                         headers={"content-type": "application/json"})
            t0 = time.time()
            try:
                with urllib.request.urlopen(req, timeout=60) as r:
                    r.read()
                    status = r.status
                    with lock:
                        acked.append(prefix)
            except urllib.error.HTTPError as e:
                status = e.code if e.code != 503 or e.headers.get("Retry-After") else "503 without Retry-After"
                e.read()
            except Exception:
                status = "none"
            with lock:
                statuses[status] += 1
                latencies.append(time.time() - t0)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.time() - t0
    latencies.sort()
    return {"accepted_per_s": statuses[200] * BATCH / took, "offered_per_s": sum(statuses.values()) / took,
            "statuses": dict(statuses), "p50_ms": 1000 * latencies[len(latencies) // 2],
            "p99_ms": 1000 * latencies[int(len(latencies) * 0.99)]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jar", default="target/causalrec.jar")
    ap.add_argument("--port", type=int, default=18195)
    ap.add_argument("--factor", type=int, default=10)
    ap.add_argument("--over", type=int, default=60)
    ap.add_argument("--over-clients", type=int, default=200)
    a = ap.parse_args()
    rng = random.Random(5)
    body = template(rng)
    data_dir = tempfile.mkdtemp(prefix="causalrec-overload-")
    log = open(os.path.join(data_dir, "node.log"), "ab")
    node, _ = start_node(a.jar, data_dir, a.port, log)
    counter, lock, acked = [0], threading.Lock(), []
    samples = []
    done = threading.Event()

    def sampler():
        t0 = time.time()
        while not done.wait(5):
            if node.poll() is not None:
                return
            rss = int(proc_status(node.pid)["VmRSS"].split()[0]) / 1024
            heap = heap_mb(node.pid)
            try:
                pending = get(a.port, "/health/ready")["ingest"]["pending_events"]
            except OSError:   # the node is stopping
                return
            samples.append((time.time() - t0, rss, heap, pending))

    threading.Thread(target=sampler, daemon=True).start()
    failed = False
    try:
        results = []
        for name, clients, seconds in [("baseline", CLIENTS, BASE), ("overload", a.over_clients, a.over),
                                       ("recovery", CLIENTS, BASE)]:
            r = phase(a.port, clients, seconds, body, counter, lock, acked)
            results.append(r)
            print(f"{name:9s} {clients:3d} clients {seconds:3d} s: {r['accepted_per_s']:8.0f} events/s accepted,"
                  f" {r['offered_per_s']:6.1f} batches/s offered, p50 {r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms,"
                  f" answers {r['statuses']}; live heap after it {heap_mb(node.pid, collect_first=True):.0f} MB", flush=True)
            bad = {s: n for s, n in r["statuses"].items() if s != 200 and s != 503}
            failed |= bool(bad)
        done.set()
        ready = get(a.port, "/health/ready")
        stored = ready["ingest"]["events_accepted"]
        ratio = results[1]['offered_per_s'] / results[0]['offered_per_s']
        print(f"offered in overload / baseline: {ratio:.1f}x (aim: {a.factor}x);"
              f" recovery / baseline rate: {results[2]['accepted_per_s'] / results[0]['accepted_per_s']:.2f}")
        print(f"acknowledged {len(acked) * BATCH} events; the node counts {stored} accepted;"
              f" overloaded answers {ready['ingest']['overloaded_requests']}")
        failed |= stored != len(acked) * BATCH
        print(" t_s  rss_MB  heap_MB  pending_events")
        for t, rss, heap, pending in samples:
            print(f"{t:4.0f}  {rss:6.0f}  {heap:7.0f}  {pending:14d}")
    finally:
        done.set()
        node.terminate()
        node.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
