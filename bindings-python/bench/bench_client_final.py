"""Client-final cost: mongodb_aws against pymongo-auth-aws and botocore, same inputs, same run.

    python bindings-python/bench/bench_client_final.py [--repeat N] [--number N]

Inputs: the project's GetCallerIdentity vector (AWS example credentials, host sts.amazonaws.com,
nonce 0x00..0x3f), with and without its session token, at one fixed time. The contenders take turns
(--repeat rounds of ~2 ms each); the best run of each is reported, in microseconds per client-final:

  mongodb_aws           ClientConversation.finish(server_first, credentials, now) -> BSON bytes
  mongodb_aws shim      mongodb_aws.pymongo.AwsSaslContext second step, as PyMongo drives it
                        (bson.Binary in and out)
  pymongo-auth-aws      AwsSaslContext second step as PyMongo drives it (BSON decode, checks,
                        botocore SigV4Auth, BSON encode)
  botocore SigV4Auth    pymongo-auth-aws's signing helper alone (AWSRequest + SigV4Auth.add_auth)

Every contender's output is checked against the vector's client-final first.
"""

from __future__ import annotations

import argparse
import datetime
import json
import platform
import sys
import timeit
from pathlib import Path
from typing import Any, Callable
from unittest import mock

import bson
import pymongo_auth_aws
import pymongo_auth_aws.auth as reference

import mongodb_aws
import mongodb_aws.pymongo as shim

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from pymongo_hooks import InjectedBson  # noqa: E402  (tests/pymongo_hooks.py: PyMongo's BSON hooks)

GCI = Path(__file__).resolve().parents[2] / "testdata" / "vectors" / "mongodb-aws-getcalleridentity"
NOW = 1_440_938_160  # 2015-08-30T12:36:00Z, the vector's X-Amz-Date


def load() -> tuple[dict[str, Any], bytes]:
    inputs = json.loads((GCI / "inputs.json").read_text())
    server_first = bytes.fromhex((GCI / "server-first.bson.hex").read_text().strip())
    return inputs, server_first


def expected(variant: str) -> bytes:
    return bytes.fromhex((GCI / variant / "client-final.bson.hex").read_text().strip())


class RefContext(InjectedBson, pymongo_auth_aws.AwsSaslContext):  # type: ignore[misc]
    pass


class ShimContext(InjectedBson, shim.AwsSaslContext):
    pass


def contenders(token: str | None) -> dict[str, Callable[[], bytes]]:
    inputs, server_first = load()
    nonce = bytes.fromhex(inputs["client_nonce_hex"])
    akid, secret = inputs["access_key_id"], inputs["secret_access_key"]
    creds = mongodb_aws.Credentials(akid, secret, token)
    conv = mongodb_aws.ClientConversation(nonce)
    payload = bson.Binary(server_first)

    with mock.patch("os.urandom", lambda n: nonce[:n]):
        ref = RefContext(pymongo_auth_aws.AwsCredential(akid, secret, token))
        ref.step(None)
        ours = ShimContext(shim.AwsCredential(akid, secret, token))
        ours.step(None)
    ref_creds = reference.AwsCredential(akid, secret, token)
    server_nonce = bytes.fromhex(inputs["server_nonce_hex"])

    def shim_final() -> bytes:
        return bytes(ours.binary_type()(ours._second_payload(payload)))

    def boto_only() -> bytes:
        return bson.encode(reference._aws_auth_header(ref_creds, server_nonce, "sts.amazonaws.com"))

    return {
        "mongodb_aws": lambda: conv.finish(server_first, creds, NOW),
        "mongodb_aws shim": shim_final,
        "pymongo-auth-aws": lambda: bytes(ref._second_payload(payload)),
        "botocore SigV4Auth": boto_only,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=200, help="runs per contender (default 200)")
    ap.add_argument("--number", type=int, default=0, help="calls per run (default: ~2 ms worth)")
    args = ap.parse_args()

    when = datetime.datetime.fromtimestamp(NOW, datetime.timezone.utc).replace(tzinfo=None)
    print(f"python {platform.python_version()} on {platform.machine()}, mongodb_aws {mongodb_aws.__version__}, "
          f"pymongo-auth-aws {pymongo_auth_aws.__version__}")
    failures = 0
    # Fixed clock for botocore and for the shim (which reads time.time()).
    with mock.patch("botocore.auth.get_current_datetime", lambda *a, **k: when), mock.patch(
        "time.time", lambda: NOW + 0.5
    ):
        for variant, token_key in (("without-session-token", None), ("with-session-token", "session_token")):
            inputs, _ = load()
            token = inputs[token_key] if token_key else None
            funcs = contenders(token)
            want = expected(variant)
            print(f"\n{variant}  (client-final {len(want)} bytes)")
            print(f"  {'contender':<20} {'us/op':>9} {'vs pymongo-auth-aws':>20}")
            timers: dict[str, tuple[timeit.Timer, int]] = {}
            for name, f in funcs.items():
                if f() != want:
                    print(f"  {name}: output differs from the vector", file=sys.stderr)
                    failures += 1
                    continue
                t = timeit.Timer(f)
                n, took = t.autorange()  # at least 0.2 s worth
                timers[name] = (t, args.number or max(1, int(n * 0.002 / took)))
            # Contenders take turns, so that load from other processes hits all of them alike; the
            # best run of each is reported.
            times: dict[str, float] = {name: float("inf") for name in timers}
            for _ in range(args.repeat):
                for name, (t, number) in timers.items():
                    times[name] = min(times[name], t.timeit(number) / number)
            base = times.get("pymongo-auth-aws")
            for name, best in times.items():
                ratio = f"{base / best:>19.1f}x" if base else ""
                print(f"  {name:<20} {best * 1e6:>9.2f} {ratio}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
