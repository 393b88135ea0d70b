"""Tests of the scenario emulator (tests/emulators/scenarios.py) with plain stdlib clients, and of the
runner's own checks. Run: python3 -m pytest tests/scenarios/test_self.py -q
"""

import http.client
import json
import os
import re
import socket
import sys
import time
import urllib.request
from urllib.parse import urlsplit

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "emulators"))

import runner  # noqa: E402
import scenarios as emulator  # noqa: E402


@pytest.fixture(scope="module")
def emu():
    e = runner.Emulator()  # a child process, as the runner uses it
    yield e
    e.stop()


class Loaded:
    def __init__(self, emu, endpoints=None, **extra):
        sc = {"name": "self-test", "description": "emulator self-test", "endpoints": endpoints or {},
              "calls": [{"expect": {"error": "X"}}]}
        sc.update(extra)
        self.emu = emu
        self.info = emu.load(sc)
        u = urlsplit(self.info["http"])
        self.host, self.port = u.hostname, u.port

    def conn(self, timeout=5):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def get(self, path, method="GET", body=None, headers=None, timeout=5):
        c = self.conn(timeout)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r, data

    def raw(self, request=b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n", timeout=5):
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        s.sendall(request)
        return s

    def requests(self):
        return self.emu.requests(self.info["id"])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.emu.close(self.info["id"])


def read_all(s):
    out = b""
    while True:
        c = s.recv(65536)
        if not c:
            return out
        out += c


def test_status_body_headers_and_404(emu):
    with Loaded(emu, {"GET /a": [{"status": 201, "body": "hello", "headers": {"X-Test": "1"}}]}) as L:
        r, data = L.get("/a")
        assert (r.status, data, r.getheader("X-Test")) == (201, b"hello", "1")
        r, data = L.get("/nowhere")
        assert (r.status, data) == (404, b"no route")


def test_behaviours_in_order_last_repeats(emu):
    with Loaded(emu, {"GET /a": [{"status": 500}, {"status": 503}, {"body": "ok"}]}) as L:
        assert [L.get("/a")[0].status for _ in range(5)] == [500, 503, 200, 200, 200]


def test_json_and_epoch_numbers(emu):
    with Loaded(emu, {"GET /j": [{"json": {"a": "${EPOCH+10}", "b": ["${EPOCH-5}"], "c": "x${EPOCH}"}}]}) as L:
        r, data = L.get("/j")
        v = json.loads(data)
        now = L.info["now"]
        assert r.getheader("Content-Type") == "application/json"
        assert v["a"] == now + 10 and v["b"] == [now - 5] and v["c"] == "x%d" % now


def test_placeholder_substitution(emu):
    sc = {"env": {"A": "${HTTP}/x", "B": "${BLACKHOLE}", "C": "${CLOSED}", "D": "${DIR}/t", "E": "${NOW+60}",
                  "F": "${EPOCH-1}", "G": "${REPEAT:3:ab}"},
          "files": {"t": "tok ${HTTP}\n", "sub/u": "u", "gone": None},
          "calls": [{"env": {"X": "${DIR}"}, "expect": {"error": "E", "message_contains": ["${HTTP}/p"]}}],
          "requests": [{"method": "GET", "path": "/", "body_contains": ["${CLOSED}"]}]}
    with Loaded(emu, **sc) as L:
        i, env = L.info, L.info["env"]
        now = i["now"]
        assert env["A"] == i["http"] + "/x" and env["B"] == i["blackhole"] and env["C"] == i["closed"]
        assert env["D"] == i["dir"] + "/t" and env["G"] == "ababab" and env["F"] == str(now - 1)
        assert env["E"] == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 60))
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", env["E"])
        assert open(os.path.join(i["dir"], "t")).read() == "tok %s\n" % i["http"]
        assert open(os.path.join(i["dir"], "sub", "u")).read() == "u"
        assert not os.path.exists(os.path.join(i["dir"], "gone"))
        c = i["calls"][0]
        assert c["env"] == {"X": i["dir"]} and c["unset"] == [] and c["clear_cache"] is False
        assert c["expect"]["message_contains"] == [i["http"] + "/p"]
        assert i["requests"][0]["body_contains"] == [i["closed"]]
        d = i["dir"]
    assert not os.path.exists(d), "close removes the temp dir"


def test_unknown_placeholder_and_behaviour_rejected(emu):
    with pytest.raises(runner.SuiteError):
        emu.load({"name": "x", "env": {"A": "${NOPE}"}})
    with pytest.raises(runner.SuiteError):
        emu.load({"name": "x", "endpoints": {"GET /a": [{"stauts": 200}]}})


def test_request_recording(emu):
    with Loaded(emu, {"POST /": [{"body": "ok"}]}) as L:
        L.get("/?q=1", "POST", body=b"Action=X&Y=%2B", headers={"Accept": "application/json", "X-Two": "2"})
        L.get("/other")
        recs = L.requests()
        assert [(r["method"], r["path"], r["query"]) for r in recs] == [("POST", "/", "q=1"), ("GET", "/other", "")]
        assert recs[0]["body"] == "Action=X&Y=%2B"
        assert recs[0]["headers"]["Accept"] == "application/json" and recs[0]["headers"]["X-Two"] == "2"


def test_chunked_request_body_and_expect_continue(emu):
    with Loaded(emu, {"POST /": [{"body": "ok"}]}) as L:
        s = L.raw(b"POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 100")
        s.sendall(b"hello")
        assert b"200 OK" in read_all(s)
        s = L.raw(b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        read_all(s)
        assert [r["body"] for r in L.requests()] == ["hello", "abcde"]


def test_delay(emu):
    with Loaded(emu, {"GET /d": [{"body": "late", "delay_ms": 600}]}) as L:
        t = time.monotonic()
        r, data = L.get("/d")
        assert data == b"late" and 0.55 <= time.monotonic() - t < 2


def test_trickle_every_ms(emu):
    with Loaded(emu, {"GET /t": [{"body": "x" * 10, "trickle": {"bytes": 20, "every_ms": 100}}]}) as L:
        s = L.raw(b"GET /t HTTP/1.1\r\nHost: h\r\n\r\n")
        t = time.monotonic()
        reads = []
        while True:
            c = s.recv(65536)
            if not c:
                break
            reads.append((time.monotonic() - t, c))
        data = b"".join(c for _, c in reads)
        assert data.startswith(b"HTTP/1.1 200 OK\r\n") and data.endswith(b"\r\n\r\n" + b"x" * 10)
        n = -(-len(data) // 20)  # writes of 20 bytes, 100 ms apart
        assert all(len(c) <= 20 for _, c in reads), [len(c) for _, c in reads]
        assert len(reads) == n
        assert (n - 1) * 0.1 * 0.9 <= reads[-1][0] < (n - 1) * 0.1 + 1


def test_trickle_total_ms(emu):
    with Loaded(emu, {"GET /t": [{"body": "y" * 200, "trickle": {"total_ms": 1000}}]}) as L:
        t = time.monotonic()
        r, data = L.get("/t")
        assert data == b"y" * 200 and 0.8 <= time.monotonic() - t < 2


def test_trickle_forever_never_ends_head(emu):
    with Loaded(emu, {"GET /f": [{"body": "z", "trickle": {"bytes": 5, "every_ms": 20, "forever": True}}]}) as L:
        s = L.raw(b"GET /f HTTP/1.1\r\nHost: h\r\n\r\n")
        s.settimeout(0.1)
        data, t = b"", time.monotonic()
        while time.monotonic() - t < 1.0:
            try:
                data += s.recv(65536)
            except socket.timeout:
                pass
        assert data.startswith(b"HTTP/1.1 200") and b"\r\n\r\n" not in data and b"X-Dribble-" in data
        assert 100 < len(data) < 600
        s.close()


def test_hang_until_close(emu):
    L = Loaded(emu, {"GET /h": [{"hang": True}]})
    s = L.raw(b"GET /h HTTP/1.1\r\nHost: h\r\n\r\n")
    s.settimeout(0.5)
    with pytest.raises(socket.timeout):
        s.recv(10)
    assert len(L.requests()) == 1, "the request was read and recorded"
    L.__exit__()
    s.settimeout(3)
    assert s.recv(10) == b"", "closing the session closes hung sockets"


def test_reset(emu):
    with Loaded(emu, {"GET /r": [{"reset": True}]}) as L:
        s = L.raw(b"GET /r HTTP/1.1\r\nHost: h\r\n\r\n")
        with pytest.raises(ConnectionResetError):
            s.recv(10)
        assert len(L.requests()) == 1


def test_close_cleanly(emu):
    with Loaded(emu, {"GET /c": [{"close": True}]}) as L:
        s = L.raw(b"GET /c HTTP/1.1\r\nHost: h\r\n\r\n")
        assert read_all(s) == b""
        with pytest.raises(http.client.RemoteDisconnected):
            L.get("/c")


def test_short_body(emu):
    with Loaded(emu, {"GET /s": [{"body": "0123456789", "short_body": 5}]}) as L:
        data = read_all(L.raw(b"GET /s HTTP/1.1\r\nHost: h\r\n\r\n"))
        head, _, body = data.partition(b"\r\n\r\n")
        assert b"Content-Length: 15" in head and body == b"0123456789"
        with pytest.raises(http.client.IncompleteRead):
            L.get("/s")


def test_oversize_and_pad_to(emu):
    with Loaded(emu, {"GET /o": [{"oversize": 70000}], "GET /p": [{"json": {"a": 1}, "pad_to": 100}]}) as L:
        r, data = L.get("/o")
        assert r.status == 200 and data == b"a" * 70000
        r, data = L.get("/p")
        assert len(data) == 100 and json.loads(data) == {"a": 1}


def test_redirect(emu):
    with Loaded(emu, {"GET /r": [{"redirect": "${HTTP}/there"}], "GET /r7": [{"status": 307, "redirect": "/x"}]}) as L:
        r, _ = L.get("/r")
        assert r.status == 302 and r.getheader("Location") == L.info["http"] + "/there"
        r, _ = L.get("/r7")
        assert r.status == 307 and r.getheader("Location") == "/x"
        assert [q["path"] for q in L.requests()] == ["/r", "/r7"], "the emulator itself never follows"


def test_chunked(emu):
    body = "chunked-body-" * 10
    with Loaded(emu, {"GET /c": [{"body": body, "chunked": True}]}) as L:
        s = L.raw(b"GET /c HTTP/1.1\r\nHost: h\r\n\r\n")
        t = time.monotonic()
        reads = []
        while True:
            c = s.recv(65536)
            if not c:
                break
            reads.append(c)
        raw = b"".join(reads)
        assert b"Transfer-Encoding: chunked" in raw and b"Content-Length" not in raw
        assert raw.count(b"\r\n0\r\n\r\n") == 1 and len(reads) >= 3
        assert time.monotonic() - t >= 0.1, "3 writes with 50 ms pauses"
        r, data = L.get("/c")
        assert data == body.encode()


def test_raw_and_keep_open(emu):
    with Loaded(emu, {"GET /raw": [{"raw": "NOT HTTP\r\n\r\n"}],
                      "GET /k": [{"body": "kept", "headers": {"Connection": "keep-alive"}, "keep_open": True}]}) as L:
        assert read_all(L.raw(b"GET /raw HTTP/1.1\r\nHost: h\r\n\r\n")) == b"NOT HTTP\r\n\r\n"
        s = L.raw(b"GET /k HTTP/1.1\r\nHost: h\r\n\r\n")
        s.settimeout(0.5)
        data = b""
        with pytest.raises(socket.timeout):
            while True:
                data += s.recv(65536)
        assert data.endswith(b"kept") and b"Connection: keep-alive" in data
        s.close()


def test_blackhole_connect_times_out(emu):
    with Loaded(emu) as L:
        u = urlsplit(L.info["blackhole"])
        t = time.monotonic()
        with pytest.raises((socket.timeout, TimeoutError)):
            socket.create_connection((u.hostname, u.port), timeout=0.7)
        assert 0.6 <= time.monotonic() - t < 2


def test_closed_port_refused(emu):
    with Loaded(emu) as L:
        u = urlsplit(L.info["closed"])
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((u.hostname, u.port), timeout=2)


def test_sessions_are_isolated_and_concurrent(emu):
    a = Loaded(emu, {"GET /x": [{"body": "A", "delay_ms": 300}]})
    b = Loaded(emu, {"GET /x": [{"body": "B", "delay_ms": 300}]})
    try:
        assert a.port != b.port
        import threading
        out = {}
        t0 = time.monotonic()
        ts = [threading.Thread(target=lambda L=L, k=k: out.__setitem__(k, L.get("/x")[1])) for k, L in (("a", a), ("b", b))]
        [t.start() for t in ts]
        [t.join() for t in ts]
        assert out == {"a": b"A", "b": b"B"} and time.monotonic() - t0 < 0.55
        assert len(a.requests()) == 1 and len(b.requests()) == 1
    finally:
        a.__exit__()
        b.__exit__()


def test_control_api_errors(emu):
    with pytest.raises(runner.SuiteError):
        emu.requests("nope")
    with urllib.request.urlopen(emu.url + "/health") as r:
        assert json.loads(r.read())["ok"] is True


# --- the runner's own checks -------------------------------------------------------------------------
def test_suite_loads_and_is_large():
    scs = runner.load_scenarios()
    assert len(scs) >= 70
    assert len({s["name"] for s in scs}) == len(scs)


def test_every_scenario_loads_into_the_emulator(emu):
    for sc in runner.load_scenarios():
        info = emu.load(sc)
        emu.close(info["id"])


def test_check_call():
    ok = {"ok": True, "source": "ec2", "access_key_id": "A", "session_token": True, "expiration": 1000,
          "from_cache": False}
    exp = {"source": "ec2", "access_key_id": "A", "session_token": True, "expiration": "1003"}
    assert runner.check_call(0, exp, ok, 0.1) == []
    assert runner.check_call(0, dict(exp, expiration="1006"), ok, 0.1)
    assert runner.check_call(0, dict(exp, from_cache=True), ok, 0.1)
    assert runner.check_call(0, dict(exp, max_seconds=1), ok, 1.5)
    assert runner.check_call(0, {"error": "E", "message_contains": ["x"]}, {"ok": False, "error": "E", "message": "a x"}, 0) == []
    assert runner.check_call(0, {"error": "E", "message_excludes": ["x"]}, {"ok": False, "error": "E", "message": "x"}, 0)
    assert runner.check_call(0, {"error": "E"}, ok, 0)


def test_host_environment_strips_chain_variables():
    env = runner.host_environment({"AWS_ROLE_ARN": "r"}, {"PATH": "/bin", "AWS_PROFILE": "p", "AWS_ACCESS_KEY_ID": "x",
                                                          "MONGODB_AWS_ECS_ENDPOINT": "e", "https_proxy": "p"})
    assert env == {"PATH": "/bin", "AWS_ROLE_ARN": "r"}


def test_runner_flags_leaked_secret_and_bad_host(emu, tmp_path):
    leaky = tmp_path / "leaky.py"
    leaky.write_text(
        "import json,sys,os\n"
        "doc=json.load(sys.stdin)\n"
        "for c in doc['calls']:\n"
        "    print(json.dumps({'start': True}), flush=True)\n"
        "    print(json.dumps({'ok': True, 'source': 'environment', 'access_key_id': os.environ['AWS_ACCESS_KEY_ID'],"
        " 'session_token': False, 'expiration': None, 'from_cache': False}), flush=True)\n"
        "    sys.stderr.write(os.environ['AWS_SECRET_ACCESS_KEY'])\n")
    sc = [s for s in runner.load_scenarios() if s["name"] == "env-keys"][0]
    r = runner.run_scenario(emu, sc, [sys.executable, str(leaky)])
    assert any("secret" in p for p in r.problems), r.problems
    r = runner.run_scenario(emu, sc, [sys.executable, "-c", "print('hello')"])
    assert not r.ok and any("not JSON" in p for p in r.problems)


def test_fake_host_passes_a_sample(emu):
    host = [sys.executable, os.path.join(HERE, "fake_host.py")]
    names = {"imds-basic", "web-identity-json", "ecs-500-500-200", "cache-wins-over-env-set-later"}
    for sc in runner.load_scenarios():
        if sc["name"] in names:
            r = runner.run_scenario(emu, sc, host)
            assert r.ok, r.report()


# --- the shared-files additions (issue 14) -----------------------------------------------------------
def test_python_sha1_and_epoch_ms_placeholders(emu):
    import hashlib
    sc = {"env": {"P": "${PYTHON}", "S": "${SHA1:corp}", "U": "${SHA1:https://x.awsapps.com/start}"},
          "files": {"home/.aws/sso/cache/${SHA1:corp}.json": "{}"}}
    with Loaded(emu, {"GET /ms": [{"json": {"e": "${EPOCH_MS+1500}", "t": "${EPOCH_MS}"}}]}, **sc) as L:
        env, now = L.info["env"], L.info["now"]
        assert env["P"] == sys.executable, "the runner's interpreter, passed with /load"
        assert env["S"] == hashlib.sha1(b"corp").hexdigest()
        assert env["U"] == hashlib.sha1(b"https://x.awsapps.com/start").hexdigest()
        assert os.path.isfile(os.path.join(L.info["dir"], "home/.aws/sso/cache", env["S"] + ".json"))
        v = json.loads(L.get("/ms")[1])
        assert v == {"e": now * 1000 + 1500, "t": now * 1000}


def test_home_directory_exists_empty_and_directory_files(emu):
    with Loaded(emu, files={"a-dir/": "", "home/x/": ""}) as L:
        d = L.info["dir"]
        assert os.path.isdir(os.path.join(d, "home")) and os.listdir(os.path.join(d, "home")) == ["x"]
        assert os.path.isdir(os.path.join(d, "a-dir"))
    with Loaded(emu) as L:
        assert os.listdir(os.path.join(L.info["dir"], "home")) == []


def test_host_environment_home_and_userprofile():
    base = {"PATH": "/bin", "HOME": "/root", "USERPROFILE": "C:\\Users\\me", "AWS_CONFIG_FILE": "/x",
            "AWS_PROFILE": "p"}
    assert runner.host_environment({}, base, home="/tmp/s/home") == {"PATH": "/bin", "HOME": "/tmp/s/home"}
    assert runner.host_environment({"HOME": "/elsewhere"}, base, home="/tmp/s/home") == {
        "PATH": "/bin", "HOME": "/elsewhere"}
    assert runner.host_environment({"USERPROFILE": "/u"}, base, home="/h") == {
        "PATH": "/bin", "HOME": "/h", "USERPROFILE": "/u"}
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
                 "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "MONGODB_AWS_SSO_ENDPOINT",
                 "MONGODB_AWS_SSO_OIDC_ENDPOINT", "HOME", "USERPROFILE"):
        assert name in runner.CHAIN_VARIABLES


def test_profile_and_mfa_codes_reach_the_host(emu, tmp_path):
    echo = tmp_path / "echo.py"
    echo.write_text(
        "import json,sys,os\n"
        "doc=json.load(sys.stdin)\n"
        "for c in doc['calls']:\n"
        "    print(json.dumps({'start': True}), flush=True)\n"
        "    print(json.dumps({'ok': False, 'error': 'ECHO', 'message': json.dumps([c['profile'], c['mfa_codes'],"
        " os.environ.get('HOME'), os.environ.get('USERPROFILE')])}), flush=True)\n")
    sc = {"name": "echo", "description": "echo the call", "calls": [
        {"profile": "dev", "mfa_codes": ["123456", "654321"], "expect": {"error": "ECHO"}},
        {"expect": {"error": "ECHO"}}]}
    loaded = emu.load(sc)
    try:
        env = runner.host_environment(loaded["env"], home=os.path.join(loaded["dir"], "home"))
        lines, _, code = runner.run_host([sys.executable, str(echo)], env, loaded["calls"])
    finally:
        emu.close(loaded["id"])
    got = [json.loads(json.loads(t)["message"]) for _, t in lines if "message" in t]
    home = os.path.join(loaded["dir"], "home")
    assert code == 0 and got == [["dev", ["123456", "654321"], home, None], [None, None, home, None]]


def test_check_call_profile_fields():
    out = {"ok": True, "source": "profile", "access_key_id": "A", "session_token": False, "expiration": None,
           "from_cache": False, "profile": "dev", "origin_file": "/h/.aws/credentials", "origin_line": 4,
           "mfa_asked": []}
    exp = {"source": "profile", "access_key_id": "A", "session_token": False, "expiration": None,
           "profile": "dev", "origin_file": "/h/.aws/credentials", "origin_line": 4, "mfa_asked": []}
    assert runner.check_call(0, exp, out, 0) == []
    for k, v in (("profile", "ops"), ("origin_file", "/h/.aws/config"), ("origin_line", 5), ("mfa_asked", ["s"]),
                 ("profile", None)):
        assert runner.check_call(0, dict(exp, **{k: v}), out, 0), k
    no_origin = {k: v for k, v in out.items() if k not in ("origin_file", "origin_line")}
    assert runner.check_call(0, exp, no_origin, 0), "a missing origin is a difference"
    bare = {k: v for k, v in exp.items() if k not in ("profile", "origin_file", "origin_line", "mfa_asked")}
    assert runner.check_call(0, bare, no_origin, 0) == [], "the new keys are checked only when expected"


def test_check_scenario_profile_and_mfa_codes():
    base = {"name": "x-y", "description": "a description", "calls": []}
    good = dict(base, calls=[{"profile": "dev", "mfa_codes": ["1"], "expect": {"error": "EE"}}])
    assert runner.check_scenario(good) == []
    assert runner.check_scenario(dict(base, calls=[{"profile": 3, "expect": {"error": "EE"}}]))
    assert runner.check_scenario(dict(base, calls=[{"mfa_codes": "123456", "expect": {"error": "EE"}}]))
    ok = {"source": "sso", "access_key_id": "A", "session_token": True, "expiration": None}
    for src in ("profile", "assume-role", "sso", "credential-process"):
        assert runner.check_scenario(dict(base, calls=[{"expect": dict(ok, source=src)}])) == [], src


def test_check_requests_form_absent_query_params_json_body():
    rec = [{"method": "POST", "path": "/", "query": "", "headers": {}, "body": "Action=AssumeRole&TokenCode=1"},
           {"method": "GET", "path": "/federation/credentials", "query": "role_name=Read%2BOnly&account_id=1",
            "headers": {}, "body": ""},
           {"method": "POST", "path": "/token", "query": "", "headers": {},
            "body": json.dumps({"grantType": "refresh_token", "clientId": "c"})}]
    assert runner.check_requests([{"method": "POST", "path": "/", "form_absent": ["ExternalId"]}], rec) == []
    assert runner.check_requests([{"method": "POST", "path": "/", "form_absent": ["TokenCode"]}], rec)
    q = {"method": "GET", "path": "/federation/credentials"}
    assert runner.check_requests([dict(q, query_params={"account_id": "1", "role_name": "Read+Only"})], rec) == []
    assert runner.check_requests([dict(q, query_params={"role_name": "ReadOnly"})], rec)
    t = {"method": "POST", "path": "/token"}
    assert runner.check_requests([dict(t, json_body={"grantType": "refresh_token"})], rec) == []
    assert runner.check_requests([dict(t, json_body={"clientId": "d"})], rec)
    assert runner.check_requests([dict(t, path="/", json_body={"x": 1})], rec), "a form body is not JSON"


def test_secrets_of_shared_files_and_scripts():
    loaded = {"calls": [], "scenario": {"files": {
        "home/.aws/credentials": "[default]\naws_access_key_id = AKIAX\naws_secret_access_key = secretFromIniFile1\n"
                                 "  AWS_SESSION_TOKEN:tokenFromIniFile22\n",
        "home/.aws/sso/cache/x.json": json.dumps({"accessToken": "ssoAccessToken333", "refreshToken": "ssoRefresh4444"}),
        "proc.py": "print(json.dumps({'Version': 1, \"SecretAccessKey\": \"procSecret55555\"}))"}}}
    found = runner.secrets_of(loaded)
    for s in ("secretFromIniFile1", "tokenFromIniFile22", "ssoAccessToken333", "ssoRefresh4444", "procSecret55555"):
        assert s in found, s
    assert "AKIAX" not in found


def test_fake_host_passes_a_profile_sample(emu):
    host = [sys.executable, os.path.join(HERE, "fake_host.py")]
    names = {"profile-role-chain-two-hops", "profile-sso-expired-token-refreshed", "profile-role-mfa-with-code",
             "profile-process-with-expiration-is-cached", "profile-creds-file-default"}
    seen = set()
    for sc in runner.load_scenarios():
        if sc["name"] in names:
            seen.add(sc["name"])
            r = runner.run_scenario(emu, sc, host)
            assert r.ok, r.report()
    assert seen == names


def test_profile_scenarios_are_many_and_cover_the_contract_errors():
    scs = [s for s in runner.load_scenarios() if s["_file"].startswith("profile-")]
    assert len(scs) >= 60
    codes = {c["expect"].get("error") for s in scs for c in s["calls"]}
    contract = {"PROFILE_NOT_FOUND", "PROFILE_PARTIAL_CREDENTIALS", "PROFILE_SOURCE_CYCLE", "PROFILE_CHAIN_TOO_LONG",
                "PROFILE_ROLE_SOURCE_CONFLICT", "PROFILE_ROLE_WITHOUT_SOURCE", "PROFILE_INVALID_CREDENTIAL_SOURCE",
                "PROFILE_INVALID_VALUE", "MFA_CODE_REQUIRED", "MFA_CODE_UNAVAILABLE", "CREDENTIAL_PROCESS_FAILED",
                "CREDENTIAL_PROCESS_BAD_OUTPUT", "CREDENTIAL_PROCESS_SPAWN", "SSO_TOKEN_MISSING",
                "SSO_TOKEN_EXPIRED", "SSO_INVALID_CONFIG", "SSO_SESSION_NOT_FOUND"}
    assert contract - codes == set()


def test_secrets_of_python_literals_in_scripts():
    loaded = {"calls": [], "scenario": {"files": {
        "proc.py": "print(json.dumps({'Version': 1, 'AccessKeyId': 'AKIAX', 'SecretAccessKey': 'procSecretSingleQ1'}))"}}}
    assert "procSecretSingleQ1" in runner.secrets_of(loaded)
