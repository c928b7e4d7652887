"""Old against new over HTTP, in one run: the read routes (the JSON chart, patient search,
the chart page) served by gunicorn (2 workers each) from two source trees on the same
database, requests alternating between them, so a noisy neighbour slows both alike.

    git archive <base commit> | tar -x -C /tmp/base
    BENCH_DATABASE_URL=postgres://.../imspeer python bench/http_ab.py --base /tmp/base

The database is the one bench/peer.py fills (its 100-session "Longcourse" patient, its
"peer-" practitioner, ~2,000 patients). Prints medians per tree and whether the JSON bodies
are byte for byte the same. Only loopback; only synthetic data.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))
parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("--base", required=True, help="the old source tree (its src/ is served)")
parser.add_argument("--runs", type=int, default=20)
parser.add_argument("--new-port", type=int, default=int(os.environ.get("BENCH_HTTP_PORT", 8766)))
parser.add_argument("--old-port", type=int, default=int(os.environ.get("PEER_HTTP_PORT", 8767)))
ARGS = parser.parse_args()
if not os.environ.get("BENCH_DATABASE_URL", "").startswith("postgres"):
    sys.exit("Set BENCH_DATABASE_URL to bench/peer.py's database (imspeer).")
os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
os.environ["DJANGO_SETTINGS_MODULE"] = "imsclinic.config.settings.base"


def serve(root: Path, port: int) -> subprocess.Popen[bytes]:
    command = [
        *(sys.executable, "-m", "gunicorn", "imsclinic.config.wsgi:application"),
        *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--preload"),
        *("--timeout", "120", "--log-level", "warning"),
    ]
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
            return process
        except OSError:
            time.sleep(0.3)
    process.terminate()
    raise SystemExit(f"gunicorn did not answer on port {port}")


def main() -> None:
    import django

    django.setup()
    from django.db import connections

    from bench.http_api import page_cookie, request
    from imsclinic.accounts.actions import token_issue
    from imsclinic.accounts.models import User
    from imsclinic.patients.models import Patient

    patient = Patient.objects.filter(family_name="Longcourse").order_by("-id").first()
    user = User.objects.filter(username__startswith="peer-").order_by("-id").first()
    if patient is None or user is None:
        sys.exit("Run bench/peer.py on this database first.")
    api = {"Authorization": f"Bearer {token_issue(username=user.username, password='x')[0]}"}
    page = {"Cookie": page_cookie(user)}
    connections.close_all()
    ops = {
        "chart JSON (100 sessions)": (f"/api/v1/patients/{patient.pk}/chart", api),
        "search (2,000 patients)": ("/api/v1/patients?q=garza1", api),
        "chart page HTML": (f"/patients/{patient.pk}/", page),
    }
    trees = {"old": (Path(ARGS.base), ARGS.old_port), "new": (ROOT, ARGS.new_port)}
    servers = [serve(root, port) for root, port in trees.values()]
    times: dict[tuple[str, str], list[float]] = {(op, tree): [] for op in ops for tree in trees}
    bodies = {}
    try:
        for op, (path, headers) in ops.items():
            for tree, (_, port) in trees.items():
                for _ in range(2):  # warm both workers
                    status, body = request(port, "GET", path, headers)
                    assert status == 200, (tree, op, status, body[:200])
                bodies[(op, tree)] = body
        for _ in range(ARGS.runs):
            for op, (path, headers) in ops.items():
                for tree, (_, port) in trees.items():
                    start = time.perf_counter()
                    status, _ = request(port, "GET", path, headers)
                    times[(op, tree)].append((time.perf_counter() - start) * 1000)
                    assert status == 200
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    for op in list(ops)[:2]:
        print(f"{op}: bodies identical: {bodies[(op, 'old')] == bodies[(op, 'new')]}")
    print(f"{'operation':28} {'old ms':>8} {'new ms':>8} {'new/old':>8}")
    median = {key: statistics.median(values) for key, values in times.items()}
    for op in ops:
        old, new = median[(op, "old")], median[(op, "new")]
        print(f"{op:28} {old:8.1f} {new:8.1f} {new / old:8.2f}")
    for tree in trees:
        ratio = median[("chart page HTML", tree)] / median[("chart JSON (100 sessions)", tree)]
        print(f"{tree}: chart page / JSON chart {ratio:.2f}")


if __name__ == "__main__":
    main()
