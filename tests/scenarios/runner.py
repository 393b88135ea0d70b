#!/usr/bin/env python3
"""Runs the credential-chain conformance scenarios (testdata/credential-scenarios/*.json) through a
host program, against the scenario emulator (tests/emulators/scenarios.py). Stdlib only.

    python3 tests/scenarios/runner.py --host-cmd 'CMD ARGS' [--only NAME_SUBSTR] [--jobs 6]
                                      [--emulator URL] [--scenarios DIR] [--list] [--verbose]

Prints `PASS name (0.1s)` or `FAIL name (0.1s)` plus indented differences per scenario, then
`scenarios: N passed, M failed`; exits 1 if any failed (2 on a usage or suite error).

As a library:

    from runner import Emulator, load_scenarios, run_scenario, run_all
    with Emulator() as emu:
        result = run_scenario(emu, scenario, "my-host --flag")
        assert result.ok, result.report()

The host-program protocol is in testdata/credential-scenarios/README.md.
"""

import argparse
import concurrent.futures
import glob
import json
import os
import re
import shlex
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import datetime, timezone
from urllib.parse import parse_qs

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_SCENARIOS = os.path.join(REPO, "testdata", "credential-scenarios")
EMULATOR = os.path.join(REPO, "tests", "emulators", "scenarios.py")
HOST_TIMEOUT_S = 60.0
EXPIRATION_TOLERANCE_S = 5

# Every variable the chain reads. The host gets the runner's environment minus these (and minus every
# AWS_* / MONGODB_AWS_* variable and the proxy variables), plus the scenario's env.
CHAIN_VARIABLES = [
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
    "AWS_METADATA_SERVICE_TIMEOUT", "AWS_METADATA_SERVICE_NUM_ATTEMPTS", "MONGODB_AWS_CREDENTIAL_PROCESS_TIMEOUT",
    "MONGODB_AWS_MFA_TIMEOUT",
    "MONGODB_AWS_STS_ENDPOINT", "MONGODB_AWS_ECS_ENDPOINT", "MONGODB_AWS_EC2_METADATA_ENDPOINT",
    # the shared config and credentials files (PROTOCOL.md B)
    "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "HOME", "USERPROFILE",
    "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_STS_REGIONAL_ENDPOINTS",
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SSO", "AWS_ENDPOINT_URL_SSO_OIDC",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "MONGODB_AWS_SSO_ENDPOINT", "MONGODB_AWS_SSO_OIDC_ENDPOINT",
]
REMOVED_PREFIXES = ("AWS_", "MONGODB_AWS_")
PROXY_VARIABLES = ["http_proxy", "https_proxy", "all_proxy", "no_proxy",
                   "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"]

SOURCES = {"environment", "web-identity", "ecs", "container-full-uri", "ec2",
           "profile", "assume-role", "sso", "credential-process"}
TOP_KEYS = {"name", "description", "env", "files", "endpoints", "calls", "requests"}
CALL_KEYS = {"env", "unset", "clear_cache", "sleep_ms", "profile", "mfa_codes", "expect"}
EXPECT_KEYS = {"source", "access_key_id", "session_token", "expiration", "from_cache", "error",
               "message_contains", "message_excludes", "min_seconds", "max_seconds",
               "profile", "origin_file", "origin_line", "mfa_asked"}
REQUEST_KEYS = {"method", "path", "count", "nth", "headers", "headers_absent", "headers_match",
                "body_contains", "body_matches", "form", "form_match", "form_absent", "query",
                "query_params", "json_body"}
SECRET_FIELDS = ("SecretAccessKey", "Token", "SessionToken", "secretAccessKey", "sessionToken",
                 "accessToken", "refreshToken", "clientSecret")
# Secrets written into the shared files and the credential_process scripts of a scenario.
SECRET_IN_TEXT = [
    re.compile(r"(?im)^[ \t]*(?:aws_secret_access_key|aws_session_token)[ \t]*[=:][ \t]*(\S+)"),
    re.compile(r'["\'](?:%s)["\']\s*:\s*["\']([^"\']+)["\']' % "|".join(
        ("SecretAccessKey", "SessionToken", "secretAccessKey", "sessionToken", "accessToken",
         "refreshToken", "clientSecret"))),
]
SECRET_ENV = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN")
MIN_SECRET_LEN = 8
NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


# --- the suite -------------------------------------------------------------------------------------
class SuiteError(Exception):
    pass


def load_scenarios(directory=DEFAULT_SCENARIOS):
    """All scenarios of *.json in directory, each with "_file" set; checked for shape and unique names."""
    out, seen = [], {}
    files = sorted(glob.glob(os.path.join(directory, "*.json")))
    if not files:
        raise SuiteError("no scenario files in %s" % directory)
    for path in files:
        with open(path, encoding="utf-8") as f:
            try:
                items = json.load(f)
            except ValueError as e:
                raise SuiteError("%s: %s" % (path, e))
        if not isinstance(items, list):
            raise SuiteError("%s: expected a JSON array of scenarios" % path)
        for sc in items:
            problems = check_scenario(sc)
            name = sc.get("name") if isinstance(sc, dict) else None
            if problems:
                raise SuiteError("%s: scenario %r: %s" % (os.path.basename(path), name, "; ".join(problems)))
            if name in seen:
                raise SuiteError("scenario name %r in both %s and %s" % (name, seen[name], path))
            seen[name] = path
            sc = dict(sc)
            sc["_file"] = os.path.basename(path)
            out.append(sc)
    return out


def check_scenario(sc):
    p = []
    if not isinstance(sc, dict):
        return ["not an object"]
    p += ["unknown key %r" % k for k in set(sc) - TOP_KEYS]
    if not isinstance(sc.get("name"), str) or not NAME_RE.match(sc["name"]):
        p.append("name must be kebab-case")
    if not isinstance(sc.get("description"), str) or len(sc["description"]) < 10:
        p.append("description missing")
    for k, v in (sc.get("env") or {}).items():
        if not isinstance(v, str):
            p.append("env %s must be a string" % k)
    calls = sc.get("calls")
    if not isinstance(calls, list) or not calls:
        p.append("calls must be a non-empty list")
        calls = []
    for i, c in enumerate(calls):
        p += ["call %d: unknown key %r" % (i, k) for k in set(c) - CALL_KEYS]
        if c.get("profile") is not None and not isinstance(c["profile"], str):
            p.append("call %d: profile must be a string or null" % i)
        codes = c.get("mfa_codes")
        if codes is not None and not (isinstance(codes, list) and all(isinstance(x, str) for x in codes)):
            p.append("call %d: mfa_codes must be null or a list of strings" % i)
        e = c.get("expect")
        if not isinstance(e, dict):
            p.append("call %d: expect missing" % i)
            continue
        p += ["call %d: unknown expect key %r" % (i, k) for k in set(e) - EXPECT_KEYS]
        if "error" in e:
            if not re.match(r"^[A-Z][A-Z0-9_]+$", str(e["error"])):
                p.append("call %d: error must be a CODE_NAME" % i)
        else:
            for k in ("source", "access_key_id", "session_token", "expiration"):
                if k not in e:
                    p.append("call %d: success expect needs %s" % (i, k))
            if e.get("source") not in SOURCES:
                p.append("call %d: unknown source %r" % (i, e.get("source")))
    for i, r in enumerate(sc.get("requests") or []):
        p += ["request %d: unknown key %r" % (i, k) for k in set(r) - REQUEST_KEYS]
        if "method" not in r or "path" not in r:
            p.append("request %d: needs method and path" % i)
    return p


def estimate_seconds(sc):
    t = 0.0
    for c in sc.get("calls", []):
        e = c.get("expect", {})
        t += max(float(e.get("min_seconds", 0)), 0.1) + c.get("sleep_ms", 0) / 1000.0
    return t


# --- the emulator ----------------------------------------------------------------------------------
class Emulator:
    """The scenario emulator: started as a child process, or an already running one (url=...)."""

    def __init__(self, url=None):
        self.proc = None
        if url is None:
            self.proc = subprocess.Popen(
                [sys.executable, EMULATOR], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=None)
            line = self.proc.stdout.readline()
            try:
                url = json.loads(line)["control"]
            except (ValueError, KeyError):
                self.stop()
                raise SuiteError("emulator did not start: %r" % line)
        self.url = url.rstrip("/")

    def _call(self, method, path, doc=None):
        data = None if doc is None else json.dumps(doc).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=30) as r:
                return json.loads(r.read())
        except urllib.error.HTTPError as e:
            raise SuiteError("emulator %s %s: %s %s" % (method, path, e.code, e.read().decode()))

    def load(self, scenario):
        sc = {k: v for k, v in scenario.items() if not k.startswith("_")}
        return self._call("POST", "/load", {"scenario": sc, "python": sys.executable})

    def requests(self, sid):
        return self._call("GET", "/requests?id=" + sid)

    def close(self, sid):
        return self._call("POST", "/close?id=" + sid)

    def stop(self):
        if self.proc is not None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# --- running one scenario --------------------------------------------------------------------------
class Result:
    def __init__(self, name):
        self.name = name
        self.problems = []
        self.seconds = 0.0
        self.stderr = ""
        self.outputs = []

    @property
    def ok(self):
        return not self.problems

    def report(self):
        line = "%s %s (%.1fs)" % ("PASS" if self.ok else "FAIL", self.name, self.seconds)
        return "\n".join([line] + ["    " + p for p in self.problems])


def host_environment(scenario_env, base=None, home=None):
    """The host's environment: base minus the chain's variables, plus the scenario's env. HOME is
    `home` (the session's `${DIR}/home`) unless the scenario sets it, and USERPROFILE is unset unless
    the scenario sets it, so that a developer's ~/.aws never reaches a host."""
    base = dict(os.environ if base is None else base)
    for k in list(base):
        if k in CHAIN_VARIABLES or k.startswith(REMOVED_PREFIXES) or k in PROXY_VARIABLES:
            del base[k]
    if home is not None and "HOME" not in scenario_env:
        base["HOME"] = home
    base.update(scenario_env)
    return base


def parse_time(v):
    """Epoch seconds of an expected expiration: ISO-8601 UTC text, digits, or a number."""
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str) and re.fullmatch(r"-?\d+(\.\d+)?", v):
        return float(v)
    return datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()


def secrets_of(loaded):
    """Secret values of a loaded (substituted) scenario that must never appear in host output."""
    found = set()
    sc = loaded["scenario"]

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k in SECRET_FIELDS and isinstance(x, str):
                    found.add(x)
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    envs = [sc.get("env") or {}] + [c.get("env") or {} for c in loaded["calls"]]
    for env in envs:
        for k in SECRET_ENV:
            if env.get(k):
                found.add(env[k])
    for rel, content in (sc.get("files") or {}).items():
        if isinstance(content, str):
            found.add(content.strip())
            for rx in SECRET_IN_TEXT:
                found.update(x.strip() for x in rx.findall(content))
            try:
                walk(json.loads(content))
            except ValueError:
                pass
    for key, behaviours in (sc.get("endpoints") or {}).items():
        for b in behaviours if isinstance(behaviours, list) else [behaviours]:
            walk(b.get("json"))
            body = b.get("body")
            if not isinstance(body, str):
                continue
            if key.split(" ", 1)[-1] == "/latest/api/token":
                found.add(body.strip())
            for tag in SECRET_FIELDS:
                found.update(re.findall(r"<%s>([^<]*)</%s>" % (tag, tag), body))
            try:
                walk(json.loads(body))
            except ValueError:
                pass
    return {s for s in found if len(s) >= MIN_SECRET_LEN}


def run_host(host_cmd, env, calls, timeout=HOST_TIMEOUT_S):
    """Runs the host once; returns (lines [(monotonic time, text)], stderr, exit code or None)."""
    argv = shlex.split(host_cmd) if isinstance(host_cmd, str) else list(host_cmd)
    doc = {"calls": [{"env": c["env"], "unset": c["unset"], "clear_cache": bool(c["clear_cache"]),
                      "sleep_ms": int(c.get("sleep_ms", 0)), "profile": c.get("profile"),
                      "mfa_codes": c.get("mfa_codes")} for c in calls]}
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    lines, err = [], []

    def read_out():
        for raw in proc.stdout:
            lines.append((time.monotonic(), raw.decode("utf-8", "replace").rstrip("\r\n")))

    def read_err():
        err.append(proc.stderr.read().decode("utf-8", "replace"))

    threads = [threading.Thread(target=read_out, daemon=True),
               threading.Thread(target=read_err, daemon=True)]
    for t in threads:
        t.start()
    try:
        proc.stdin.write(json.dumps(doc).encode() + b"\n")
        proc.stdin.close()
    except OSError:
        pass
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        code = None
    for t in threads:
        t.join(5)
    return lines, "".join(err), code


def check_call(i, expect, out, elapsed):
    p = []
    where = "call %d" % (i + 1)
    if "error" in expect:
        if out.get("ok") is not False:
            p.append("%s: expected error %s, got success %s" % (where, expect["error"], brief(out)))
        else:
            if out.get("error") != expect["error"]:
                p.append("%s: error: expected %s, got %s (message: %r)"
                         % (where, expect["error"], out.get("error"), out.get("message")))
            msg = str(out.get("message", ""))
            for s in expect.get("message_contains", []):
                if s not in msg:
                    p.append("%s: message lacks %r: %r" % (where, s, msg))
            for s in expect.get("message_excludes", []):
                if s in msg:
                    p.append("%s: message must not contain %r: %r" % (where, s, msg))
    else:
        if out.get("ok") is not True:
            p.append("%s: expected success from %s, got %s: %r"
                     % (where, expect.get("source"), out.get("error"), out.get("message")))
        else:
            for k in ("source", "access_key_id", "from_cache"):
                if k in expect and out.get(k) != expect[k]:
                    p.append("%s: %s: expected %r, got %r" % (where, k, expect[k], out.get(k)))
            if "session_token" in expect and out.get("session_token") is not bool(expect["session_token"]):
                p.append("%s: session_token: expected %r, got %r"
                         % (where, bool(expect["session_token"]), out.get("session_token")))
            if "expiration" in expect:
                want, got = expect["expiration"], out.get("expiration")
                if want is None:
                    if got is not None:
                        p.append("%s: expiration: expected null, got %r" % (where, got))
                elif not isinstance(got, (int, float)) or isinstance(got, bool):
                    p.append("%s: expiration: expected epoch seconds near %r, got %r" % (where, want, got))
                elif abs(got - parse_time(want)) > EXPIRATION_TOLERANCE_S:
                    p.append("%s: expiration: expected %r (%d), got %r"
                             % (where, want, parse_time(want), got))
    if out.get("ok") is True:
        for k in ("profile", "origin_file", "origin_line", "mfa_asked"):
            if k in expect and out.get(k) != expect[k]:
                p.append("%s: %s: expected %r, got %r" % (where, k, expect[k], out.get(k)))
    if "min_seconds" in expect and elapsed < expect["min_seconds"]:
        p.append("%s: took %.2fs, expected at least %ss" % (where, elapsed, expect["min_seconds"]))
    if "max_seconds" in expect and elapsed > expect["max_seconds"]:
        p.append("%s: took %.2fs, expected at most %ss" % (where, elapsed, expect["max_seconds"]))
    return p


def brief(out):
    return json.dumps({k: out.get(k) for k in ("source", "access_key_id", "from_cache") if k in out})


def header(req, name):
    for k, v in req["headers"].items():
        if k.lower() == name.lower():
            return v
    return None


def check_requests(specs, recorded):
    p = []
    for spec in specs:
        label = "%s %s" % (spec["method"], spec["path"])
        sel = [r for r in recorded
               if spec["method"] in ("*", r["method"]) and spec["path"] in ("*", r["path"])]
        if "count" in spec and len(sel) != spec["count"]:
            p.append("requests %s: expected %d, recorded %d" % (label, spec["count"], len(sel)))
        if "nth" in spec:
            n = spec["nth"]
            if not -len(sel) <= n < len(sel):
                p.append("requests %s: no request number %d (recorded %d)" % (label, n, len(sel)))
                continue
            sel = [sel[n]]
            label += " #%d" % n
        for r in sel:
            for k, v in (spec.get("headers") or {}).items():
                got = header(r, k)
                if got != v:
                    p.append("requests %s: header %s: expected %r, got %r" % (label, k, v, got))
            for k in spec.get("headers_absent") or []:
                if header(r, k) is not None:
                    p.append("requests %s: header %s must be absent, got %r" % (label, k, header(r, k)))
            for k, rx in (spec.get("headers_match") or {}).items():
                got = header(r, k)
                if got is None or not re.search(rx, got):
                    p.append("requests %s: header %s: expected to match %r, got %r" % (label, k, rx, got))
            for s in spec.get("body_contains") or []:
                if s not in r["body"]:
                    p.append("requests %s: body lacks %r" % (label, s))
            for rx in spec.get("body_matches") or []:
                if not re.search(rx, r["body"]):
                    p.append("requests %s: body does not match %r" % (label, rx))
            form = parse_qs(r["body"], keep_blank_values=True)
            for k, v in (spec.get("form") or {}).items():
                got = form.get(k)
                if got != [v]:
                    p.append("requests %s: form %s: expected %r, got %r" % (label, k, v, got))
            for k, rx in (spec.get("form_match") or {}).items():
                got = form.get(k)
                if not got or len(got) != 1 or not re.fullmatch(rx, got[0]):
                    p.append("requests %s: form %s: expected to match %r, got %r" % (label, k, rx, got))
            for k in spec.get("form_absent") or []:
                if k in form:
                    p.append("requests %s: form %s must be absent, got %r" % (label, k, form[k]))
            query = parse_qs(r["query"], keep_blank_values=True)
            for k, v in (spec.get("query_params") or {}).items():
                if query.get(k) != [v]:
                    p.append("requests %s: query parameter %s: expected %r, got %r" % (label, k, v, query.get(k)))
            if "json_body" in spec:
                try:
                    doc = json.loads(r["body"])
                except ValueError:
                    doc = None
                if not isinstance(doc, dict):
                    p.append("requests %s: body is not a JSON object: %r" % (label, r["body"][:200]))
                else:
                    for k, v in spec["json_body"].items():
                        if doc.get(k) != v:
                            p.append("requests %s: JSON body %s: expected %r, got %r" % (label, k, v, doc.get(k)))
            if "query" in spec and r["query"] != spec["query"]:
                p.append("requests %s: query: expected %r, got %r" % (label, spec["query"], r["query"]))
    return p


def run_scenario(emu, scenario, host_cmd, timeout=HOST_TIMEOUT_S):
    """Loads the scenario into the emulator, runs the host once, checks everything; a Result."""
    res = Result(scenario["name"])
    t0 = time.monotonic()
    loaded = emu.load(scenario)
    try:
        calls = loaded["calls"]
        env = host_environment(loaded["env"], home=os.path.join(loaded["dir"], "home"))
        lines, stderr, code = run_host(host_cmd, env, calls, timeout)
        res.stderr = stderr
        res.outputs = [l for _, l in lines]
        if code is None:
            res.problems.append("host timed out after %ds" % timeout)
        parsed, problems = [], []
        for t, text in lines:
            try:
                parsed.append((t, json.loads(text)))
            except ValueError:
                problems.append("host printed a line that is not JSON: %r" % text[:200])
        res.problems += problems
        i = 0
        start = None
        results = []
        for t, obj in parsed:
            if not isinstance(obj, dict):
                res.problems.append("host printed a non-object: %r" % obj)
            elif obj.get("start") is True:
                start = t
            elif "ok" in obj:
                results.append((obj, t - start if start is not None else 0.0))
                if start is None:
                    res.problems.append("call %d: no {\"start\": true} line before the result" % (len(results)))
                start = None
            else:
                res.problems.append("host printed an unexpected object: %r" % obj)
        for i, call in enumerate(calls):
            if i >= len(results):
                res.problems.append("call %d: no result line (host exit %s)" % (i + 1, code))
                continue
            out, elapsed = results[i]
            res.problems += check_call(i, call["expect"], out, elapsed)
        if len(results) > len(calls):
            res.problems.append("host printed %d results for %d calls" % (len(results), len(calls)))
        if code not in (0, None):
            res.problems.append("host exited with status %s" % code)
        everything = "\n".join(res.outputs) + "\n" + stderr
        for s in sorted(secrets_of(loaded)):
            if s in everything:
                res.problems.append("a secret from the scenario appears in the host's output: %s..."
                                    % s[:4])
        res.problems += check_requests(loaded["requests"], emu.requests(loaded["id"]))
        if res.problems and stderr.strip():
            tail = stderr.strip().splitlines()[-15:]
            res.problems += ["host stderr: " + l for l in tail]
    finally:
        emu.close(loaded["id"])
        res.seconds = time.monotonic() - t0
    return res


def run_all(host_cmd, scenarios, emu, jobs=6, out=sys.stdout, timeout=HOST_TIMEOUT_S):
    """Runs scenarios in parallel (longest first), printing each report as it finishes."""
    lock = threading.Lock()
    results = []
    order = sorted(scenarios, key=estimate_seconds, reverse=True)

    def one(sc):
        try:
            r = run_scenario(emu, sc, host_cmd, timeout)
        except Exception as e:  # a suite or emulator problem: report it as this scenario's failure
            r = Result(sc["name"])
            r.problems.append("runner error: %s: %s" % (type(e).__name__, e))
        with lock:
            results.append(r)
            print(r.report(), file=out, flush=True)
        return r

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        list(ex.map(one, order))
    return results


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host-cmd", help="the host program, split like a POSIX shell (no shell runs it)")
    ap.add_argument("--only", action="append", default=[],
                    help="run only scenarios whose name contains this (repeatable)")
    ap.add_argument("--jobs", type=int, default=6)
    ap.add_argument("--emulator", help="control URL of a running emulator (default: start one)")
    ap.add_argument("--scenarios", default=DEFAULT_SCENARIOS, help="directory of scenario files")
    ap.add_argument("--timeout", type=float, default=HOST_TIMEOUT_S, help="seconds per host run")
    ap.add_argument("--list", action="store_true", help="list the scenario names and exit")
    a = ap.parse_args(argv)
    try:
        scenarios = load_scenarios(a.scenarios)
    except SuiteError as e:
        print("suite error: %s" % e, file=sys.stderr)
        return 2
    if a.only:
        scenarios = [s for s in scenarios if any(o in s["name"] for o in a.only)]
    if a.list:
        for s in scenarios:
            print("%s\t%s" % (s["name"], s["_file"]))
        return 0
    if not a.host_cmd:
        ap.error("--host-cmd is required")
    if not scenarios:
        print("no scenario matches", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    with Emulator(a.emulator) as emu:
        results = run_all(a.host_cmd, scenarios, emu, a.jobs, timeout=a.timeout)
    failed = [r for r in results if not r.ok]
    print("wall time: %.1fs" % (time.monotonic() - t0))
    print("scenarios: %d passed, %d failed" % (len(results) - len(failed), len(failed)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
