#!/usr/bin/env python3
"""A soak of the full node: mixed ingest, recommendations and live feeds for DURATION seconds, with
the process's memory, files and DJL's live NDArrays sampled as it runs, and their slopes reported.

It starts `java -jar JAR serve` on a fresh data directory (embedded PostgreSQL, CPU, the local text
model), upserts ITEMS items with text, posts a first 30,000 events and trains a Mult-VAE and a click
model. Then, until the time is up:
  - one client posts batches of 500 events at about RATE events/s (the node retrains the Mult-VAE
    after every 50,000 new events, its default, so training runs again and again);
  - two clients ask for recommendations of random users, back to back;
  - FEEDS WebSocket clients hold a live feed open for 20-40 s each, then close it and open another.
Every 30 s the script forces a full GC (jcmd GC.run) and reads the live heap (jstat), the resident
set (VmRSS), open file descriptors, threads and the live NDArrays (/health/ready). After the first
WARMUP seconds it fits a line to each and prints the slope per minute and the change it adds up to
over the measured span, next to the measured mean; and the live threads by name, after the warm-up
and at the end, where their counts differ.

Usage: bench/soak.py [--jar target/causalrec.jar] [--duration 600] [--port 18180] [--rate 1000]
Exits 1 when the node fails or a client meets a 5xx.
"""
import argparse
import base64
import collections
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error

from benchlib import heap_mb, proc_status, request, start_node

ITEMS = 300
USERS = 2000
FEEDS = 20
WARMUP = 120
WORDS = ("quiet detective harbour winter recipe garden violin rocket mountain river jazz novel chess"
         " ocean robot castle forest spice coffee travel").split()


def events(rng, n):
    out = []
    for _ in range(n):
        u, i = rng.randrange(USERS), int(rng.paretovariate(1.2)) % ITEMS
        out.append({"user_id": f"u{u}", "item_id": f"i{i}",
                    "type": rng.choices(["impression", "click", "purchase"], [6, 3, 1])[0]})
    return out


def feed_client(port, user, seconds, stop, counters):
    """Opens /v1/feed for `user` over a plain socket (RFC 6455 handshake), reads what is pushed, closes."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall((f"GET /v1/feed?user={user}&n=10 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            if not chunk:
                raise ConnectionError("closed during the handshake")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError(head.split(b"\r\n")[0].decode())
        counters["feeds_opened"] += 1
        s.settimeout(1)
        end = time.time() + seconds
        while time.time() < end and not stop.is_set():
            try:
                data = s.recv(65536)
            except socket.timeout:
                continue
            if not data:
                break
            counters["feed_bytes"] += len(data)
        s.sendall(bytes([0x88, 0x80]) + os.urandom(4))   # a masked close frame
    finally:
        s.close()


def sample(port, pid):
    status = proc_status(pid)
    _, ready = request(port, "GET", "/health/ready", timeout=30)
    return {"heap_mb": heap_mb(pid, collect_first=True), "rss_mb": int(status["VmRSS"].split()[0]) / 1024,
            "fds": len(os.listdir(f"/proc/{pid}/fd")), "threads": int(status["Threads"]),
            "ndarrays": ready["device"]["live_ndarrays"], "events": ready["ingest"]["events_accepted"],
            "vae": ready["model"]["version"]}


def thread_groups(pid):
    """Live threads by name with the numbers taken out (jcmd Thread.print)."""
    out = subprocess.run(["jcmd", str(pid), "Thread.print"], capture_output=True, text=True).stdout
    return collections.Counter(re.sub(r"\d+", "N", name) for name in re.findall(r'^"([^"]+)"', out, re.M))


def slope(points):
    """Least-squares slope of (t, y) points, per unit of t."""
    n = len(points)
    mt = sum(t for t, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((t - mt) ** 2 for t, _ in points)
    return sum((t - mt) * (y - my) for t, y in points) / var if var else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jar", default="target/causalrec.jar")
    ap.add_argument("--duration", type=int, default=600)
    ap.add_argument("--port", type=int, default=18180)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    data_dir = tempfile.mkdtemp(prefix="causalrec-soak-")
    log = open(os.path.join(data_dir, "node.log"), "ab")
    node = None
    errors = []
    try:
        node, _ = start_node(a.jar, data_dir, a.port, log)
        items = [{"id": f"i{k}", "title": " ".join(rng.sample(WORDS, 3)).title(),
                  "description": " ".join(rng.choices(WORDS, k=25))} for k in range(ITEMS)]
        request(a.port, "POST", "/v1/items", items)
        for _ in range(60):
            request(a.port, "POST", "/v1/events", events(rng, 500))
        for kind in ("mult-vae", "click-mlp"):
            request(a.port, "POST", f"/v1/models/{kind}/train", {"epochs": 5})
        t0 = time.time()
        while time.time() - t0 < 600:
            _, ready = request(a.port, "GET", "/health/ready")
            if ready["model"]["version"] and ready["click_model"].get("version"):
                break
            time.sleep(1)
        print(f"setup: {ITEMS} items, 30,000 events, models serving after {time.time() - t0:.0f} s", flush=True)

        stop = threading.Event()
        counters = {"posted": 0, "recommendations": 0, "feeds_opened": 0, "feed_bytes": 0, "503": 0}
        lock = threading.Lock()

        def guarded(fn):
            def run():
                r = random.Random(rng.random())
                while not stop.is_set():
                    try:
                        fn(r)
                    except urllib.error.HTTPError as e:
                        if e.code == 503:
                            with lock:
                                counters["503"] += 1
                            stop.wait(float(e.headers.get("Retry-After") or 1))
                        else:
                            errors.append(f"{e.code} {e.read()[:200]}")
                    except Exception as e:   # a refused connection, a broken socket: counted, never hidden
                        errors.append(repr(e))
                        stop.wait(1)
            return run

        def ingest(r):
            t = time.time()
            request(a.port, "POST", "/v1/events", events(r, 500))
            counters["posted"] += 500
            stop.wait(max(0.0, 500 / a.rate - (time.time() - t)))

        def recommend(r):
            request(a.port, "GET", f"/v1/users/u{r.randrange(USERS)}/recommendations?n=10")
            counters["recommendations"] += 1

        def feed(r):
            feed_client(a.port, f"u{r.randrange(USERS)}", r.uniform(20, 40), stop, counters)

        threads = [threading.Thread(target=guarded(f)) for f in [ingest, recommend, recommend] + [feed] * FEEDS]
        for t in threads:
            t.start()
        samples = []
        groups = []
        start = time.time()
        print(" t_s  heap_MB  rss_MB  fds  threads  ndarrays  events_stored  mult-vae", flush=True)
        while time.time() - start < a.duration:
            time.sleep(30 - (time.time() - start) % 30)
            s = sample(a.port, node.pid)
            s["t"] = time.time() - start
            samples.append(s)
            if s["t"] >= WARMUP and not groups or time.time() - start + 30 >= a.duration:
                groups.append((s["t"], thread_groups(node.pid)))
            print(f"{s['t']:4.0f}  {s['heap_mb']:7.1f}  {s['rss_mb']:6.0f}  {s['fds']:3d}  {s['threads']:7d}"
                  f"  {s['ndarrays']:8d}  {s['events']:13d}  {s['vae']}", flush=True)
        stop.set()
        for t in threads:
            t.join()
    finally:
        if node is not None:
            node.terminate()
            node.wait()
        shutil.rmtree(data_dir, ignore_errors=True)

    measured = [s for s in samples if s["t"] >= WARMUP]
    span_min = (measured[-1]["t"] - measured[0]["t"]) / 60
    print(f"load: {counters['posted']} events posted, {counters['recommendations']} recommendations,"
          f" {counters['feeds_opened']} feeds opened ({counters['feed_bytes']} bytes pushed),"
          f" {counters['503']} answers 503; errors: {len(errors)} {errors[:5]}")
    print(f"slopes over {span_min:.1f} min after a {WARMUP} s warm-up ({len(measured)} samples):")
    for key, unit in [("heap_mb", "MB"), ("rss_mb", "MB"), ("fds", "files"), ("threads", "threads"),
                      ("ndarrays", "arrays")]:
        k = slope([(s["t"] / 60, s[key]) for s in measured])
        mean = sum(s[key] for s in measured) / len(measured)
        print(f"  {key:9s} {k:+9.2f} {unit}/min  (adds up to {k * span_min:+.1f} {unit} over the span; mean {mean:.1f})")
    if len(groups) >= 2:
        (t1, g1), (t2, g2) = groups[0], groups[-1]
        grew = {k: (g1[k], g2[k]) for k in set(g1) | set(g2) if g1[k] != g2[k]}
        print(f"threads by name at {t1:.0f} s and {t2:.0f} s, where they differ: {grew}")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
