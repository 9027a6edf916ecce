#!/usr/bin/env python3
"""Training faults: the node killed in the middle of a training run, and a corrupt artifact on disk.
Either way the previous version keeps serving, the registry marks the failed one, and the next start
is clean (no run left 'training', no half-written artifact left on disk).

Steps, on one fresh data directory (embedded PostgreSQL, CPU):
  1. start a node, upsert 300 items, post 30,000 events, train mult-vae-1 (3 epochs): it serves;
  2. start mult-vae-2 with 300 epochs and, once it has run for a few epochs, kill the node (SIGKILL);
  3. start again: mult-vae-1 serves, mult-vae-2 is 'failed' (interrupted), its folder is gone,
     recommendations come from mult-vae-1; train mult-vae-3 (3 epochs): it serves;
  4. stop the node, overwrite mult-vae-3's parameter file with garbage, start again: mult-vae-1
     serves, mult-vae-3 is 'failed' (artifact unreadable), recommendations come from mult-vae-1.

Usage: bench/training-faults.py [--jar target/causalrec.jar] [--port 18190]
Prints each check; exits 1 when one fails.
"""
import argparse
import glob
import os
import random
import shutil
import signal
import sys
import tempfile
import time

from benchlib import get, request, start_node

failures = []


def check(what, ok, seen):
    print(f"  [{'ok' if ok else 'FAILED'}] {what}: {seen}", flush=True)
    if not ok:
        failures.append(what)


def models(port):
    return {m["version"]: m for m in get(port, "/v1/models")["models"]}


def wait_for(what, condition, timeout=600):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if condition():
            return time.time() - t0
        time.sleep(0.5)
    raise SystemExit(f"timed out waiting for {what}")


def serving(port):
    return get(port, "/health/ready")["model"]["version"]


def recommended_by(port):
    _, body = request(port, "GET", "/v1/users/u1/recommendations?n=5")
    return body.get("model_version") or body.get("model")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jar", default="target/causalrec.jar")
    ap.add_argument("--port", type=int, default=18190)
    a = ap.parse_args()
    rng = random.Random(3)
    data_dir = tempfile.mkdtemp(prefix="causalrec-training-faults-")
    log = open(os.path.join(data_dir, "nodes.log"), "ab")
    node = None
    try:
        print("1. a first version", flush=True)
        node, _ = start_node(a.jar, data_dir, a.port, log)
        request(a.port, "POST", "/v1/items", [{"id": f"i{k}", "title": f"Item {k}"} for k in range(300)])
        for _ in range(60):
            request(a.port, "POST", "/v1/events", [
                {"user_id": f"u{rng.randrange(1000)}", "item_id": f"i{int(rng.paretovariate(1.2)) % 300}",
                 "type": "click"} for _ in range(500)])
        request(a.port, "POST", "/v1/models/mult-vae/train", {"epochs": 3})
        wait_for("mult-vae-1 serving", lambda: serving(a.port) == "mult-vae-1")
        check("mult-vae-1 serves", serving(a.port) == "mult-vae-1", serving(a.port))

        print("2. the node killed mid-training", flush=True)
        request(a.port, "POST", "/v1/models/mult-vae/train", {"epochs": 300})
        wait_for("mult-vae-2 training", lambda: models(a.port).get("mult-vae-2", {}).get("status") == "training")
        time.sleep(8)   # several epochs in
        check("mult-vae-2 still training when killed", models(a.port)["mult-vae-2"]["status"] == "training",
              models(a.port)["mult-vae-2"]["status"])
        before = os.path.exists(os.path.join(data_dir, "models", "mult-vae-2"))
        node.send_signal(signal.SIGKILL)
        node.wait()
        print(f"  mult-vae-2's folder when the node was killed: {'present' if before else 'absent'}")

        print("3. the start after the kill", flush=True)
        node, took = start_node(a.jar, data_dir, a.port, log)
        row = models(a.port)["mult-vae-2"]
        check("mult-vae-1 serves again", serving(a.port) == "mult-vae-1", f"{serving(a.port)} ({took:.1f} s to start)")
        check("mult-vae-2 marked failed", row["status"] == "failed", f"{row['status']}: {row['error']}")
        left = os.path.exists(os.path.join(data_dir, "models", "mult-vae-2"))
        check("mult-vae-2's half-written folder removed", not left, "present" if left else "absent")
        check("no run left 'training'", all(m["status"] != "training" for m in models(a.port).values()),
              sorted((v, m["status"]) for v, m in models(a.port).items()))
        check("recommendations from mult-vae-1", recommended_by(a.port) == "mult-vae-1", recommended_by(a.port))
        request(a.port, "POST", "/v1/models/mult-vae/train", {"epochs": 3})
        wait_for("mult-vae-3 serving", lambda: serving(a.port) == "mult-vae-3")
        check("a new run trains and serves", serving(a.port) == "mult-vae-3", serving(a.port))
        node.send_signal(signal.SIGTERM)
        node.wait()

        print("4. a corrupt artifact", flush=True)
        params = glob.glob(os.path.join(data_dir, "models", "mult-vae-3", "*.params"))
        check("mult-vae-3 has a parameter file", len(params) == 1, params)
        with open(params[0], "r+b") as f:
            f.write(os.urandom(4096))   # its header and first weights overwritten
        node, took = start_node(a.jar, data_dir, a.port, log)
        row = models(a.port)["mult-vae-3"]
        check("mult-vae-1 serves", serving(a.port) == "mult-vae-1", f"{serving(a.port)} ({took:.1f} s to start)")
        check("mult-vae-3 marked failed", row["status"] == "failed", f"{row['status']}: {row['error']}")
        check("recommendations from mult-vae-1", recommended_by(a.port) == "mult-vae-1", recommended_by(a.port))
    finally:
        if node is not None and node.poll() is None:
            node.terminate()
            node.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"{len(failures)} checks failed {failures}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
