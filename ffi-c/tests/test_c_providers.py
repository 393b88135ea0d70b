"""The credential chain from C (ffi-c/examples/credentials.c) against the scenario suite (stage 21).

Builds libmongodb_aws (debug), installs it into a temporary prefix with ffi-c/install.sh, builds the
example with gcc -std=c99 -Wall -Wextra -Werror -pedantic (pkg-config, shared; and static with
ASan+UBSan), then runs the whole suite testdata/credential-scenarios through the example's
--scenario-host mode with tests/scenarios/runner.py (its emulator on 127.0.0.1):

- blocking mode: mongodb_aws_get_credentials (the library's HTTP, deadlines, retries, cache);
- chain mode: the state machine driven by the example's own files, sockets, sleeps and cache;

each with the shared build and with the sanitizer build, and a few scenarios under valgrind memcheck
(leaks are errors). No host-specific expectations: the runner checks every answer, the requests
made, the timings and that no secret is printed; here each run must pass every scenario it was given.

Environment: CARGO_TARGET_DIR is honoured; C_PROVIDERS_JOBS (default 6) scenarios run at once.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "tests" / "scenarios" / "runner.py"
JOBS = os.environ.get("C_PROVIDERS_JOBS", "6")
CFLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-g"]
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "token-secret-value"
VALGRIND = (
    "valgrind -q --error-exitcode=1 --leak-check=full --show-leak-kinds=definite,indirect "
    "--errors-for-leak-kinds=definite,indirect"
)
# Scenarios without tight deadlines (valgrind is slow): environment, ECS, full URI with a token
# file, chunked answers, a reset then a retry, the cache reused, web identity against the emulator.
FEW = [
    "env-keys",
    "ecs-basic",
    "ecs-reset-then-200",
    "full-uri-token-file-wins",
    "transport-chunked-ecs",
    "cache-ecs-reused",
    "cache-web-identity-reused",
    "sts-closed-then-200",
]


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=ROOT, text=True, capture_output=True, timeout=900, **kw)  # type: ignore[call-overload, no-any-return]


def ok(cmd: list[str], **kw: object) -> str:
    p = run(cmd, **kw)
    assert p.returncode == 0, f"{shlex.join(cmd)} exited {p.returncode}\n{p.stdout[-4000:]}\n{p.stderr[-4000:]}"
    return p.stdout


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The example against the installed library: shared (pkg-config) and static with ASan+UBSan."""
    work = tmp_path_factory.mktemp("c-providers")
    prefix = work / "prefix"
    ok(["cargo", "build", "--quiet", "-p", "mongodb-aws-ffi"])
    ok(["ffi-c/install.sh", str(prefix), "--debug", "--no-build"])
    env = dict(os.environ, PKG_CONFIG_PATH=str(prefix / "lib" / "pkgconfig"))

    def pc(*args: str) -> list[str]:
        return ok(["pkg-config", *args, "mongodb-aws"], env=env).split()

    src = str(ROOT / "ffi-c" / "examples" / "credentials.c")
    shared, asan = work / "credentials", work / "credentials-asan"
    ok(["gcc", *CFLAGS, *pc("--cflags"), src, *pc("--libs"), f"-Wl,-rpath,{prefix / 'lib'}", "-o", str(shared)])
    static_sys = [f for f in pc("--static", "--libs-only-l") if f != "-lmongodb_aws"]
    ok(
        [
            "gcc", *CFLAGS, "-O1", "-fsanitize=address,undefined", "-fno-omit-frame-pointer",
            "-fno-sanitize-recover=all", *pc("--cflags"), src, str(prefix / "lib" / "libmongodb_aws.a"),
            *static_sys, "-o", str(asan),
        ]
    )
    return {"shared": shared, "asan": asan}


def one_shot(example: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return run([str(example), *args], env={"PATH": os.environ["PATH"], **env})


@pytest.mark.parametrize("mode", ["blocking", "chain"])
def test_environment_credentials_one_shot(builds: dict[str, Path], mode: str) -> None:
    env = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN}
    p = one_shot(builds["shared"], env, "--mode", mode)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == {
        "ok": True,
        "source": "environment",
        "access_key_id": "AKIDEXAMPLE",
        "session_token": True,
        "expiration": None,
        "from_cache": False,
        "profile": None,
        "origin_file": None,
        "origin_line": None,
        "mfa_asked": [],
    }
    for secret in (SECRET, TOKEN):
        assert secret not in p.stdout + p.stderr


def test_nothing_configured_is_the_same_typed_error_in_both_modes(builds: dict[str, Path]) -> None:
    env = {"AWS_EC2_METADATA_DISABLED": "true"}
    b = one_shot(builds["shared"], env)
    c = one_shot(builds["shared"], env, "--mode", "chain")
    assert (b.returncode, c.returncode) == (1, 1)
    assert b.stdout == c.stdout
    assert json.loads(b.stdout)["error"] == "NO_CREDENTIALS"


def scenario_names(only: list[str]) -> list[str]:
    """The scenarios the runner takes for these `--only` filters (all when none)."""
    args = [sys.executable, str(RUNNER), "--list"]
    for name in only:
        args += ["--only", name]
    out = subprocess.run(args, cwd=ROOT, text=True, capture_output=True, check=True, timeout=60).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def assert_all_pass(host_cmd: str, only: list[str] | None = None, env: dict[str, str] | None = None) -> None:
    """Runs the scenario runner with `host_cmd`; every scenario it was given must pass."""
    names = scenario_names(only or [])
    assert set(only or []) <= set(names)
    want = len(names)
    assert want > 0
    args = [sys.executable, str(RUNNER), "--jobs", JOBS, "--host-cmd", host_cmd]
    for name in only or []:
        args += ["--only", name]
    p = run(args, env={**os.environ, **(env or {})})
    summary = re.findall(r"^scenarios: (\d+) passed, (\d+) failed$", p.stdout, re.M)
    failures = "\n".join(line for line in p.stdout.splitlines() if not line.startswith("PASS "))
    assert summary, f"no summary line (exit {p.returncode})\n{failures[-4000:]}\n{p.stderr[-4000:]}"
    passed, failed = map(int, summary[-1])
    assert (passed, failed) == (want, 0), failures[-6000:]
    assert p.returncode == 0


SANITIZERS = {
    "ASAN_OPTIONS": "detect_leaks=1:abort_on_error=0:halt_on_error=1",
    "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1",
}


@pytest.mark.parametrize("build", ["shared", "asan"])
@pytest.mark.parametrize("mode", ["blocking", "chain"])
def test_scenario_suite(builds: dict[str, Path], mode: str, build: str) -> None:
    env = SANITIZERS if build == "asan" else None
    assert_all_pass(f"{builds[build]} --scenario-host --mode {mode}", env=env)


@pytest.mark.parametrize("mode", ["blocking", "chain"])
def test_scenarios_under_valgrind(builds: dict[str, Path], mode: str) -> None:
    assert_all_pass(f"{VALGRIND} {builds['shared']} --scenario-host --mode {mode}", only=FEW)
