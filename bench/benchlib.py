"""What the fault and soak scripts share: HTTP calls to a node, starting one from the jar, and
reading its process (heap through the JDK's jcmd and jstat, the rest from /proc)."""
import json
import os
import subprocess
import time
import urllib.error
import urllib.request


def request(port, method, path, body=None, timeout=60):
    """(status, decoded JSON body) of a request to the node; an HTTP error status raises HTTPError."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers={"content-type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, json.loads(r.read() or b"{}")


def get(port, path, timeout=30):
    return request(port, "GET", path, timeout=timeout)[1]


def start_node(jar, data_dir, port, log, timeout=180):
    """Starts `java -jar JAR serve` on data_dir (CPU, offline) and waits until it answers; (process, seconds)."""
    env = dict(os.environ, DJL_OFFLINE="true", OPT_OUT_TRACKING="true", CAUSALREC_DEVICE="cpu")
    node = subprocess.Popen(["java", "-jar", jar, "serve", "--data-dir", data_dir, "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    t0 = time.time()
    while time.time() - t0 < timeout:
        if node.poll() is not None:
            raise SystemExit(f"the node exited with {node.returncode} while starting (see {log.name})")
        try:
            get(port, "/health/ready", timeout=2)
            return node, time.time() - t0
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.25)
    node.kill()
    raise SystemExit(f"the node was not ready within {timeout} s (see {log.name})")


def heap_mb(pid, collect_first=False):
    """MB of heap in use (jstat); after a forced full GC (jcmd GC.run) when collect_first: the live heap."""
    if collect_first:
        subprocess.run(["jcmd", str(pid), "GC.run"], check=True, stdout=subprocess.DEVNULL)
    cols = subprocess.run(["jstat", "-gc", str(pid)], check=True, capture_output=True, text=True).stdout.split("\n")
    gc = dict(zip(cols[0].split(), map(float, cols[1].split())))
    return (gc["S0U"] + gc["S1U"] + gc["EU"] + gc["OU"]) / 1024


def proc_status(pid):
    """/proc/PID/status as a dict of its fields (VmRSS, Threads, ...), values as written there."""
    status = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            status[k] = v.strip()
    return status
