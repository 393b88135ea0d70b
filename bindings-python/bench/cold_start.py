"""Cold start: a fresh Python process that imports the library and computes one client-final.

    python bindings-python/bench/cold_start.py [--rounds N]

Each round starts, in turn, one new process per contender (this interpreter, `python -c CODE`) and
measures its wall time from spawn to exit and its peak resident memory (the child's VmHWM, printed
as its last act: wait4's ru_maxrss would include this parent's memory, which a child spawned through
vfork or fork carries as its high-water mark until exec). Contenders:

  python               an empty program: the interpreter's own start-up, for reference
  mongodb_aws          import mongodb_aws; ClientConversation(nonce); client_first(); finish()
  pymongo-auth-aws     import bson, pymongo_auth_aws (boto3, botocore); AwsSaslContext with the BSON
                       hooks PyMongo injects: step(None), then step(server_first) as PyMongo drives it

Same inputs for both (the GetCallerIdentity vector with its session token, a fixed clock); each
child checks its client-final against the vector and fails otherwise. Reported: the median and
minimum wall time and the median peak RSS over the rounds, the ratios pymongo-auth-aws / mongodb_aws
for the whole process, and what each adds to the empty interpreter.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

GCI = Path(__file__).resolve().parents[2] / "testdata" / "vectors" / "mongodb-aws-getcalleridentity"
NOW = 1_440_938_160  # 2015-08-30T12:36:00Z, the vector's X-Amz-Date

# The child's peak RSS (KiB) of its own image, reset at exec.
PEAK = """
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""

OURS = """
import sys
nonce, sf, want, akid, secret, token, now = sys.argv[1:]
import mongodb_aws
conv = mongodb_aws.ClientConversation(bytes.fromhex(nonce))
conv.client_first()
creds = mongodb_aws.Credentials(akid, secret, token)
out = conv.finish(bytes.fromhex(sf), creds, int(now))
assert out.hex() == want, "client-final differs from the vector"
""" + PEAK

REFERENCE = """
import sys, os
nonce, sf, want, akid, secret, token, now = sys.argv[1:]
nonce = bytes.fromhex(nonce)
os.urandom = lambda n: nonce[:n]  # the vector's client nonce
import bson
import pymongo_auth_aws
import botocore.auth, datetime
when = datetime.datetime.fromtimestamp(int(now), datetime.timezone.utc).replace(tzinfo=None)
botocore.auth.get_current_datetime = lambda *a, **k: when
class Context(pymongo_auth_aws.AwsSaslContext):
    def binary_type(self): return bson.Binary
    def bson_encode(self, doc): return bson.encode(doc)
    def bson_decode(self, data): return bson.decode(data)
ctx = Context(pymongo_auth_aws.AwsCredential(akid, secret, token))
ctx.step(None)
out = bytes(ctx.step(bson.Binary(bytes.fromhex(sf))))
assert out.hex() == want, "client-final differs from the vector"
""" + PEAK

CONTENDERS = {"python": PEAK, "mongodb_aws": OURS, "pymongo-auth-aws": REFERENCE}


def run(code: str, args: list[str]) -> tuple[float, int]:
    """Wall seconds from spawn to exit, and peak RSS in KiB, of one fresh process."""
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, *args], stdout=subprocess.PIPE, text=True)
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"a child failed with exit code {proc.returncode}")
    return took, int(proc.stdout.split()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=21, help="processes per contender (default 21)")
    args = ap.parse_args()

    inputs = json.loads((GCI / "inputs.json").read_text())
    argv = [
        inputs["client_nonce_hex"],
        (GCI / "server-first.bson.hex").read_text().strip(),
        (GCI / "with-session-token" / "client-final.bson.hex").read_text().strip(),
        inputs["access_key_id"],
        inputs["secret_access_key"],
        inputs["session_token"],
        str(NOW),
    ]
    times: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    rss: dict[str, list[int]] = {name: [] for name in CONTENDERS}
    for name, code in CONTENDERS.items():  # warm the page cache and .pyc files
        run(code, argv)
    for _ in range(args.rounds):
        for name, code in CONTENDERS.items():
            took, peak = run(code, argv)
            times[name].append(took)
            rss[name].append(peak)

    import mongodb_aws  # only for the version line

    print(f"python {sys.version.split()[0]}, mongodb_aws {mongodb_aws.__version__}; "
          f"{args.rounds} fresh processes per contender, taking turns")
    print(f"  {'contender':<18} {'median ms':>10} {'min ms':>8} {'peak RSS MiB':>13}")
    med = {n: statistics.median(t) * 1e3 for n, t in times.items()}
    mem = {n: statistics.median(r) / 1024 for n, r in rss.items()}
    for name in CONTENDERS:
        print(f"  {name:<18} {med[name]:>10.1f} {min(times[name]) * 1e3:>8.1f} {mem[name]:>13.1f}")
    ours, ref, base = "mongodb_aws", "pymongo-auth-aws", "python"
    print(f"  whole process, pymongo-auth-aws / mongodb_aws: time {med[ref] / med[ours]:.1f}x (medians), "
          f"memory {mem[ref] / mem[ours]:.1f}x")
    # What the library adds to the interpreter's own start: minimum times (least disturbed by other
    # load), median peaks.
    low = {n: min(t) * 1e3 for n, t in times.items()}
    add = {n: (low[n] - low[base], mem[n] - mem[base]) for n in (ours, ref)}
    print(f"  above the empty interpreter (min time, median peak): "
          f"mongodb_aws {add[ours][0]:+.1f} ms {add[ours][1]:+.1f} MiB, "
          f"pymongo-auth-aws {add[ref][0]:+.1f} ms {add[ref][1]:+.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
