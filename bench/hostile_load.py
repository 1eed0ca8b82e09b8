#!/usr/bin/env python3
"""Whole-server load with hostile chips (issue 9): DocVal's three roles as separate processes on
loopback (validator, poster, gateway: the deployment's code paths, TCP between them), a burst of
sessions relayed by `docval chip` where a share of the sessions are the hostile virtual passports of
`docval testpki` (tools/testpki/hostile_profiles.h), then the validator's resident memory against its
baseline. Not a test: one run, figures printed as JSON, exit 0 when it passes.

    bench/hostile_load.py [--docval build/docval] [--sessions 300] [--concurrency 12]
                          [--hostile-every 3] [--serve] [--out DIR]

--serve runs the embedded default's single process instead (`docval serve`: the gateway reaches the
validator through an in-process channel); its RSS is then the whole server's.

Every --hostile-every-th session (default 3: a third) is hostile, the hostile profiles taken in turn;
the others alternate between the honest profiles `pace-gm-ecdh-ca-aa` and `bac-passport`. Sessions
run --concurrency at a time, each a `docval chip --check` process that compares the session with the
profile's expectation (close code, close reason, verdicts; docs/limits.md's close reason for the
hostile ones).

Resident memory (VmRSS of the validator process) is read at: start (listening, no session yet),
warm (after a warm-up burst of honest sessions, 2 x concurrency), peak (sampled every 50 ms during
the run), and after (the run over, the validator's docval_validator_sessions_active back at 0, plus
one second of quiet). Pass: every session met its expectation, every honest one closed 1000, and
after is within 10 % of warm.
"""
import argparse
import collections
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

HONEST = ["pace-gm-ecdh-ca-aa", "bac-passport"]


class _Sink(http.server.BaseHTTPRequestHandler):
    """The Result Server: accepts every POST."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Role:
    def __init__(self, docval, role, config, env, log_path):
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen([docval, role, "--config", config], env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def wait_log(self, pred, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.log_path}: exited with {self.proc.returncode}")
            with open(self.log_path) as f:
                for line in f:
                    try:
                        j = json.loads(line)
                    except ValueError:
                        continue
                    if pred(j):
                        return j
            time.sleep(0.05)
        raise RuntimeError(f"{self.log_path}: not seen in {timeout} s")

    def port(self, service):
        return self.wait_log(lambda j: j.get("msg") == "listening" and j.get("service") == service)["port"]

    def rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=90)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def metric(port, name):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " ") or line.startswith(name + "{"):
                return float(line.rsplit(" ", 1)[1])
    return None


def run_session(docval, url, profiles_dir, profile, seed):
    p = subprocess.run([docval, "chip", "--url", url, "--client-id", "load-client", "--profile", profile,
                        "--profiles-dir", profiles_dir, "--check", "--seed", str(seed)],
                       capture_output=True, text=True, timeout=180)
    code = re.search(r"^close code: (\d+) ?(\S*)", p.stdout, re.M)
    mismatch = re.findall(r"^MISMATCH: (.*)$", p.stdout, re.M)
    return {"profile": profile, "met": p.returncode == 0, "close": int(code.group(1)) if code else None,
            "reason": code.group(2) if code else "", "mismatch": mismatch[:1]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docval", default="build/docval")
    ap.add_argument("--sessions", type=int, default=300)
    ap.add_argument("--concurrency", type=int, default=12)
    ap.add_argument("--hostile-every", type=int, default=3)
    ap.add_argument("--serve", action="store_true", help="one `docval serve` process instead of three roles")
    ap.add_argument("--out", default=None, help="keep the PKI, configs and logs here")
    a = ap.parse_args()
    docval = os.path.abspath(a.docval)
    work = a.out or tempfile.mkdtemp(prefix="docval-hostile-load-")
    os.makedirs(work, exist_ok=True)
    pki = os.path.join(work, "pki")
    subprocess.run([docval, "testpki", "--out", pki], check=True, capture_output=True)
    profiles_dir = os.path.join(pki, "profiles")
    hostile = sorted(f[:-5] for f in os.listdir(profiles_dir) if f.startswith("hostile-") and f.endswith(".json"))

    sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    config = os.path.join(work, "docval.yaml")
    with open(config, "w") as f:
        f.write(f"""trust: {{csca: [{pki}/csca], crl: [{pki}/crl/csca_rsa.crl, {pki}/crl/csca_ecdsa.crl]}}
listen: 127.0.0.1:0
metrics_listen: 127.0.0.1:0
validator_listen: 127.0.0.1:0
poster_listen: 127.0.0.1:0
clients:
  - {{client_id: load-client, result_server_url: "http://127.0.0.1:{sink.server_port}/results"}}
""")
    env = dict(os.environ)
    roles = []
    try:
        if a.serve:
            validator = gateway = Role(docval, "serve", config, env, os.path.join(work, "serve.log"))
            roles.append(validator)
            vmetrics = validator.wait_log(lambda j: j.get("msg") == "metrics")["port"]
        else:
            validator = Role(docval, "validator", config, env, os.path.join(work, "validator.log"))
            roles.append(validator)
            vport = validator.port("validator")
            vmetrics = validator.wait_log(lambda j: j.get("msg") == "metrics")["port"]
            poster = Role(docval, "poster", config, env, os.path.join(work, "poster.log"))
            roles.append(poster)
            pport = poster.port("poster")
            genv = dict(env, DOCVAL_VALIDATOR_ADDRESS=f"127.0.0.1:{vport}", DOCVAL_POSTER_ADDRESS=f"127.0.0.1:{pport}")
            gateway = Role(docval, "gateway", config, genv, os.path.join(work, "gateway.log"))
            roles.append(gateway)
        url = f"ws://127.0.0.1:{gateway.port('gateway')}/ws1/validate?return_result=true"

        def burst(plan, seed0):
            with ThreadPoolExecutor(a.concurrency) as pool:
                return list(pool.map(lambda ip: run_session(docval, url, profiles_dir, ip[1], seed0 + ip[0]),
                                     enumerate(plan)))

        def drained():
            deadline = time.time() + 120
            while time.time() < deadline:
                if metric(vmetrics, "docval_validator_sessions_active") == 0:
                    return True
                time.sleep(0.1)
            return False

        rss = {"start": validator.rss_kib()}
        warm = burst([HONEST[i % 2] for i in range(2 * a.concurrency)], 1000)
        drained()
        time.sleep(1)
        rss["warm"] = validator.rss_kib()

        plan = []
        for i in range(a.sessions):
            if a.hostile_every > 0 and i % a.hostile_every == a.hostile_every - 1:
                plan.append(hostile[(i // a.hostile_every) % len(hostile)])
            else:
                plan.append(HONEST[(i - i // max(a.hostile_every, 1)) % 2])
        peak = [0]
        running = [True]

        def sample():
            while running[0]:
                peak[0] = max(peak[0], validator.rss_kib())
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        t0 = time.time()
        results = burst(plan, 5000)
        elapsed = time.time() - t0
        running[0] = False
        sampler.join()
        rss["peak"] = peak[0]
        ok_drain = drained()
        time.sleep(1)
        rss["after"] = validator.rss_kib()

        by_profile = collections.OrderedDict()
        for r in results:
            e = by_profile.setdefault(r["profile"], {"sessions": 0, "met": 0, "closes": collections.Counter(),
                                                     "mismatch": []})
            e["sessions"] += 1
            e["met"] += r["met"]
            e["closes"][f'{r["close"]} {r["reason"]}'.strip()] += 1
            if not r["met"] and len(e["mismatch"]) < 2:
                e["mismatch"] += r["mismatch"]
        honest = [r for r in results if r["profile"] in HONEST]
        honest_1000 = sum(1 for r in honest if r["close"] == 1000 and r["met"])
        hostile_met = sum(1 for r in results if r["profile"] not in HONEST and r["met"])
        ratio = rss["after"] / rss["warm"] if rss["warm"] else 0
        passed = (honest_1000 == len(honest) and hostile_met == len(results) - len(honest) and ok_drain
                  and ratio <= 1.10 and all(r["met"] for r in warm))
        report = {
            "mode": "serve" if a.serve else "three roles", "sessions": len(results), "concurrency": a.concurrency, "elapsed_s": round(elapsed, 1),
            "honest": len(honest), "honest_closed_1000_as_expected": honest_1000,
            "hostile": len(results) - len(honest), "hostile_as_expected": hostile_met,
            "validator_rss_mib": {k: round(v / 1024, 1) for k, v in rss.items()},
            "after_vs_warm": round(ratio, 3), "drained": ok_drain, "pass": passed,
            "profiles": {k: {"sessions": v["sessions"], "as_expected": v["met"], "closes": dict(v["closes"]),
                             **({"mismatch": v["mismatch"]} if v["mismatch"] else {})}
                         for k, v in by_profile.items()},
        }
        print(json.dumps(report, indent=1))
        return 0 if passed else 1
    finally:
        for r in reversed(roles):
            r.stop()
        sink.shutdown()
        if a.out is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
