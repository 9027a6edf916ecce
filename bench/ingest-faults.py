#!/usr/bin/env python3
"""Faults under ingest: no acknowledged event lost, none stored twice, no batch half stored, and the
event stream delivering every stored event to the feature store once.

CLIENTS threads post batches of BATCH events with unique event ids to `java -jar JAR serve` on one
data directory (embedded PostgreSQL). A batch answered 200 is acknowledged. Any other answer, or
none, leaves it in doubt: it is sent again later, as a client should (event ids make that safe),
after the Retry-After the node sent, if any. Every cycle, once the node's feature store has loaded
and after a further random 2-5 s of load, one fault:

  --fault kill        the node is killed with SIGKILL, then started again
  --fault pg-restart  the node's PostgreSQL is stopped (fast shutdown: SIGINT to the postmaster),
                      left down for 1-3 s while the clients keep posting, and started again on the
                      same port with pg_ctl; nothing is done to the node

Just before each fault the script reads the feature store's position from /health/ready: the last
event id the stream delivered and how many events it took up to it. At the end every user's events
are read back through GET /v1/users/{id}/events, with their server ids. Exactly-once delivery means
that each position's count equals the number of stored events with ids up to it.

Usage: bench/ingest-faults.py [--fault kill|pg-restart] [--jar target/causalrec.jar] [--cycles 20]
                              [--data-dir DIR] [--port 18150] [--seed 1]
Prints one line a cycle and a summary; exits 1 when a check fails.
"""
import argparse
import bisect
import collections
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

from benchlib import get, request, start_node

USERS = 200
BATCH = 200
CLIENTS = 4


def post(port, body, timeout=30):
    return request(port, "POST", "/v1/events", body, timeout)


def feature_position(port):
    """(last event id, events taken up to it) of the feature store, or None while the node is not ready."""
    try:
        ready = get(port, "/health/ready", timeout=5)
    except (urllib.error.URLError, ConnectionError, OSError):
        return None
    f = ready.get("features")
    if ready.get("status") != "UP" or not f or not f.get("ready"):
        return None
    return f["last_event_id"], f["events_through_last_id"]


def restart_postgres(data_dir, down_s):
    """Stops the embedded PostgreSQL (fast shutdown), waits down_s, starts it again on its port."""
    pg_dir = os.path.join(data_dir, "pg")
    with open(os.path.join(pg_dir, "postmaster.pid")) as f:
        lines = f.read().split("\n")
    pid, port = int(lines[0]), lines[3].strip()
    binary = os.readlink(f"/proc/{pid}/exe")
    pg_ctl = os.path.join(os.path.dirname(binary), "pg_ctl")
    os.kill(pid, signal.SIGINT)
    while os.path.exists(f"/proc/{pid}"):
        time.sleep(0.02)
    time.sleep(down_s)
    as_user = ["unshare", "-U"] if os.geteuid() == 0 else []   # PostgreSQL refuses root; so does pg_ctl
    subprocess.run(as_user + [pg_ctl, "start", "-D", pg_dir, "-w", "-l", os.path.join(data_dir, "pg_ctl.log"),
                              "-o", f"-p {port} -c fsync=on -c synchronous_commit=on"],
                   check=True, stdout=subprocess.DEVNULL)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fault", choices=["kill", "pg-restart"], default="kill")
    ap.add_argument("--jar", default="target/causalrec.jar")
    ap.add_argument("--cycles", type=int, default=20)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--port", type=int, default=18150)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    data_dir = a.data_dir or tempfile.mkdtemp(prefix="causalrec-faults-")
    log = open(os.path.join(data_dir, "nodes.log"), "ab")
    batches = {}                 # batch id -> its events
    acked = set()                # batch ids answered 200
    in_doubt = collections.deque()  # batch ids sent without a 200, to send again
    statuses = collections.Counter()   # answers by HTTP status ("none": no answer)
    retry_after = collections.Counter()  # 503s by whether they carried Retry-After
    positions = []               # the feature store's (last id, events up to it), read before each fault
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

    def client(stop):
        while not stop.is_set():
            with lock:
                b = in_doubt.popleft() if in_doubt else None
            if b is None:
                b = new_batch()
            wait = 0.0
            try:
                status, body = post(a.port, batches[b])
                ok = status == 200 and body["accepted"] + body["duplicates"] == BATCH
            except urllib.error.HTTPError as e:
                status, ok = e.code, False
                if e.code == 503:
                    retry_after["with" if e.headers.get("Retry-After") else "without"] += 1
                    wait = float(e.headers.get("Retry-After") or 0.05)
            except Exception:
                status, ok, wait = "none", False, 0.05
            with lock:
                statuses[status] += 1
                (acked.add if ok else in_doubt.append)(b)
            if wait:
                stop.wait(wait)

    node, startup = start_node(a.jar, data_dir, a.port, log)
    for cycle in range(1, a.cycles + 1):
        stop = threading.Event()
        threads = [threading.Thread(target=client, args=(stop,)) for _ in range(CLIENTS)]
        for t in threads:
            t.start()
        deadline = time.time() + 120   # the feature store loads the stored events at start
        while feature_position(a.port) is None and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(rng.uniform(2, 5))
        position = feature_position(a.port)
        if position:
            positions.append(position)
        if a.fault == "kill":
            node.send_signal(signal.SIGKILL)
            node.wait()
            stop.set()
            for t in threads:
                t.join()
            print(f"cycle {cycle}: started in {startup:.1f} s, killed; {len(acked)} batches acknowledged so far,"
                  f" {len(in_doubt)} in doubt", flush=True)
            node, startup = start_node(a.jar, data_dir, a.port, log)
        else:
            down = rng.uniform(1, 3)
            t0 = time.time()
            restart_postgres(data_dir, down)
            back = time.time() - t0
            time.sleep(1)   # load goes on after the restart, then the next cycle's clients take over
            stop.set()
            for t in threads:
                t.join()
            print(f"cycle {cycle}: PostgreSQL down for {down:.1f} s, back after {back:.1f} s;"
                  f" {len(acked)} batches acknowledged so far, {len(in_doubt)} in doubt;"
                  f" answers so far {dict(statuses)}", flush=True)

    try:
        for b in list(in_doubt):   # the unanswered batches, sent once more (a 503 means: later)
            for _ in range(100):
                try:
                    status, _ = post(a.port, batches[b])
                    if status == 200:
                        acked.add(b)
                        break
                except urllib.error.HTTPError as e:
                    if e.code != 503:
                        raise
                    time.sleep(float(e.headers.get("Retry-After") or 1))
        stored = collections.Counter()
        ids = []
        for u in range(USERS):
            before = None
            while True:
                page = get(a.port, f"/v1/users/u{u}/events?limit=1000" + (f"&before={before}" if before else ""))
                stored.update(e["event_id"] for e in page["events"])
                ids.extend(e["id"] for e in page["events"])
                before = page["next_before"]
                if before is None:
                    break
        ids.sort()
        deadline = time.time() + 60
        final = feature_position(a.port)
        while (final is None or final[0] < ids[-1]) and time.time() < deadline:
            time.sleep(0.2)
            final = feature_position(a.port)
        if final is None:
            raise SystemExit("the feature store did not report a position after the run")
        positions.append(final)
    finally:
        node.terminate()
        node.wait()

    lost = [e["event_id"] for b in acked for e in batches[b] if stored[e["event_id"]] == 0]
    twice = [i for i, n in stored.items() if n > 1]
    half = [b for b, events in batches.items() if 0 < sum(1 for e in events if stored[e["event_id"]]) < BATCH]
    never = [b for b in batches if b not in acked and any(stored[e["event_id"]] for e in batches[b])]
    # each position: the stream's count up to its last id against the stored ids up to it
    off = [(last, taken, bisect.bisect_right(ids, last)) for last, taken in positions
           if taken != bisect.bisect_right(ids, last)]
    bad_5xx = {s: n for s, n in statuses.items() if isinstance(s, int) and s >= 500 and s != 503}
    print(f"{a.cycles} faults ({a.fault}); {len(batches)} batches of {BATCH} sent, {len(acked)} acknowledged"
          f" ({len(acked) * BATCH} events); {sum(stored.values())} events stored")
    print(f"answers: {dict(statuses)}; 503s with Retry-After: {retry_after['with']}, without: {retry_after['without']}")
    print(f"acknowledged but lost: {len(lost)}; stored twice: {len(twice)}; half-stored batches: {len(half)};"
          f" stored but never acknowledged: {len(never)} batches (committed as the fault struck)")
    print(f"feature-store positions checked: {len(positions)} (last: id {positions[-1][0]}, {positions[-1][1]} events;"
          f" {len(ids)} stored); positions whose count differs from the stored ids up to them: {len(off)} {off[:5]}")
    if a.data_dir is None:
        shutil.rmtree(data_dir, ignore_errors=True)
    failed = lost or twice or half or off or bad_5xx or retry_after["without"] or positions[-1][0] != ids[-1]
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
