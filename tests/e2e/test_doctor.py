"""`mongodb-aws doctor --json`: one test per diagnosis, each checking the exact set of findings
(id and level) and the facts behind them, against moto (scripts/moto-sts, signature checking on),
the endpoint emulators (tests/emulators/aws_endpoints.py; tests/emulators/scenarios.py through
tests/scenarios/runner.py's Emulator) and `mongodb-aws serve`. Loopback only; no secret may appear
in the output."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from email.utils import formatdate
from pathlib import Path

import pytest

from harness import ROOT, Serve, cli_bin

sys.path.insert(0, str(ROOT / "tests" / "scenarios"))
from runner import Emulator  # noqa: E402

# Variables the chain reads, and profiles: none may leak in from the test's own environment.
CLEAN = ("AWS_", "MONGODB_AWS_")


def doctor(env: dict, *args: str, secrets: tuple = ()) -> tuple:
    """Runs `mongodb-aws doctor --json ARGS` with exactly `env` (plus PATH and HOME)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(CLEAN)}
    base.update(env)
    p = subprocess.run(
        [str(cli_bin()), "doctor", "--json", *args], env=base, capture_output=True, text=True, timeout=60
    )
    for s in secrets:
        assert s not in p.stdout and s not in p.stderr, f"secret printed: {s[:4]}..."
    out = json.loads(p.stdout)
    assert out["exit_code"] == p.returncode
    return p.returncode, out


def findings(out: dict) -> set:
    return {(f["id"], f["level"]) for f in out["findings"]}


def message(out: dict, fid: str) -> str:
    return next(f["message"] for f in out["findings"] if f["id"] == fid)


def jwt(claims: dict) -> str:
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()  # noqa: E731
    return f"{enc({'alg': 'RS256', 'kid': 'k'})}.{enc(claims)}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk"


def closed_port_url() -> str:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return f"http://127.0.0.1:{port}"


def moto_env(backend, temporary: bool = False) -> dict:
    ident = backend.identity(temporary)
    env = {
        "AWS_ACCESS_KEY_ID": ident.access_key_id,
        "AWS_SECRET_ACCESS_KEY": ident.secret_access_key,
        "MONGODB_AWS_STS_ENDPOINT": backend.sts_url,
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    if ident.session_token:
        env["AWS_SESSION_TOKEN"] = ident.session_token
    return env


def secrets_of(backend, temporary: bool = False) -> tuple:
    ident = backend.identity(temporary)
    return tuple(s for s in (ident.secret_access_key, ident.session_token) if s)


@pytest.fixture(scope="module")
def scenarios():
    emu = Emulator()
    proc = emu.proc
    yield emu
    emu.stop()
    if proc is not None and proc.stdout:
        proc.stdout.close()


def test_env_keys_shadow_a_web_identity_setup(moto, tmp_path):
    token = jwt({"iss": "https://oidc.example", "sub": "system:serviceaccount:ns:app",
                 "aud": "sts.amazonaws.com", "iat": int(time.time()), "exp": int(time.time()) + 3600})
    f = tmp_path / "token"
    f.write_text(token + "\n")
    env = moto_env(moto)
    env.update(AWS_WEB_IDENTITY_TOKEN_FILE=str(f), AWS_ROLE_ARN="arn:aws:iam::123456789012:role/irsa")
    rc, out = doctor(env, secrets=secrets_of(moto) + (token,))
    assert rc == 0, out
    assert findings(out) == {
        ("SOURCE_SHADOWED", "warn"),
        ("CREDENTIALS_RESOLVED", "ok"),
        ("CALLER_IDENTITY", "ok"),
        ("MONGODB_USER", "info"),
        ("CLOCK_OK", "ok"),
    }
    assert message(out, "SOURCE_SHADOWED").startswith(
        "web-identity is configured (AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are set) but "
        "environment comes first (AWS_ACCESS_KEY_ID is set): the driver uses environment"
    )
    assert out["credentials"]["source"] == "environment"
    decisions = [(e["subject"], e["decision"], e["variable"]) for e in out["trace"]]
    # Between the two, the shared files' candidates (no file here: skipped).
    assert [d for d in decisions if d[0] in ("environment", "web-identity")][:2] == [
        ("environment", "taken", "AWS_ACCESS_KEY_ID"),
        ("web-identity", "shadowed", "AWS_WEB_IDENTITY_TOKEN_FILE"),
    ]
    # The token of the shadowed source is still decoded, never printed.
    (t,) = out["tokens"]
    assert t["in_use"] is False and t["length"] == len(token)
    assert t["claims"]["sub"] == "system:serviceaccount:ns:app"
    assert out["sts"][0]["mongodb_user"] == moto.permanent.user


def test_expired_web_identity_token(scenarios, tmp_path):
    exp = int(time.time()) - 600
    token = jwt({"iss": "https://oidc.example", "sub": "system:serviceaccount:ns:app",
                 "aud": ["sts.amazonaws.com"], "iat": exp - 3600, "exp": exp})
    # An STS stand-in that answers as STS does for an expired token.
    s = scenarios.load({
        "name": "doctor-expired-jwt",
        "files": {"token": token},
        "endpoints": {"POST /": [{"status": 400, "json": {"Error": {
            "Code": "ExpiredTokenException", "Type": "Sender",
            "Message": "Token expired: current date/time must be before the expiration date/time"}}}]},
        "calls": [],
    })
    try:
        env = {
            "AWS_WEB_IDENTITY_TOKEN_FILE": os.path.join(s["dir"], "token"),
            "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/irsa",
            "MONGODB_AWS_STS_ENDPOINT": s["http"],
        }
        rc, out = doctor(env, secrets=(token,))
    finally:
        scenarios.close(s["id"])
    assert rc == 1, out
    assert findings(out) == {
        ("CREDENTIALS_FAILED", "fail"),
        ("TOKEN_EXPIRED", "fail"),
        ("CLOCK_UNCHECKED", "info"),
    }
    assert out["error"]["code"] == "STS_ERROR_RESPONSE"
    assert "ExpiredTokenException" in out["error"]["message"]
    assert message(out, "TOKEN_EXPIRED").startswith("AWS_WEB_IDENTITY_TOKEN_FILE (")
    (t,) = out["tokens"]
    assert t["in_use"] is True and t["claims"]["exp"] == exp and t["expires_in_s"] <= -600


def test_assumed_role_user_hint_and_a_whole_authentication(moto):
    srv = moto.serve("sts.amazonaws.com")
    try:
        rc, out = doctor(moto_env(moto, temporary=True), "--uri", srv.uri(),
                         secrets=secrets_of(moto, temporary=True))
    finally:
        srv.close()
    assert rc == 0, out
    assert findings(out) == {
        ("CREDENTIALS_RESOLVED", "ok"),
        ("CALLER_IDENTITY", "ok"),
        ("MONGODB_USER", "info"),
        ("ASSUMED_ROLE_USER", "info"),
        ("CLOCK_OK", "ok"),
        ("AUTH_OK", "ok"),
    }
    user = moto.temporary.user  # arn:aws:sts::ACCT:assumed-role/ROLE/*
    assert out["sts"][0]["arn"] == moto.temporary.arn
    assert out["sts"][0]["mongodb_user"] == user
    role = user.split("assumed-role/")[1].rstrip("/*")
    hint = message(out, "ASSUMED_ROLE_USER")
    assert f"the user is {user}, not the role's ARN arn:aws:iam::" in hint and f":role/{role}" in hint
    steps = [(s["step"], s["ok"]) for s in out["mongodb"]["steps"]]
    assert steps == [("connect", True), ("hello", True), ("saslStart", True), ("server-first", True),
                     ("sign", True), ("saslContinue", True), ("connectionStatus", True)]
    assert out["mongodb"]["authenticated"] is True and out["mongodb"]["user"] == user
    assert out["credentials"]["session_token"]["length"] == len(moto.temporary.session_token)


IDENTITY_XML = (
    '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
    "<Arn>arn:aws:iam::123456789012:user/skewed</Arn><UserId>AIDAEXAMPLE</UserId>"
    "<Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"
)


@pytest.mark.parametrize("shift,level,rc", [(20 * 60, "fail", 1), (-7 * 60, "warn", 0)])
def test_skewed_clock_against_sts_date(scenarios, shift, level, rc):
    s = scenarios.load({
        "name": "doctor-skew",
        "endpoints": {"POST /": [{"status": 200, "body": IDENTITY_XML,
                                  "headers": {"Content-Type": "text/xml",
                                              "Date": formatdate(time.time() + shift, usegmt=True)}}]},
        "calls": [],
    })
    try:
        env = {"AWS_ACCESS_KEY_ID": "AKIASKEWEDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "skewedSecretValue0000",
               "MONGODB_AWS_STS_ENDPOINT": s["http"]}
        got_rc, out = doctor(env, secrets=("skewedSecretValue0000",))
    finally:
        scenarios.close(s["id"])
    assert got_rc == rc, out
    assert findings(out) == {
        ("CREDENTIALS_RESOLVED", "ok"),
        ("CALLER_IDENTITY", "ok"),
        ("MONGODB_USER", "info"),
        ("CLOCK_SKEW", level),
    }
    assert abs(out["clock"]["skew_seconds"] - shift) <= 2
    assert out["clock"]["step"] == "STS GetCallerIdentity"
    assert ("behind" if shift > 0 else "ahead of") in message(out, "CLOCK_SKEW")


def test_imds_hop_limit(tmp_path):
    # The token PUT hangs (what a hop limit of 1 looks like from a container).
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/emulators/aws_endpoints.py"), "--exit-on-stdin-eof",
         "--mode", "hang", "--target", "imds-token", "--hang-seconds", "5"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = json.loads(proc.stdout.readline())["url"]
        t = time.monotonic()
        rc, out = doctor({"MONGODB_AWS_EC2_METADATA_ENDPOINT": url})
        elapsed = time.monotonic() - t
    finally:
        proc.stdin.close()
        proc.wait(10)
        proc.stdout.close()
    assert rc == 1, out
    assert findings(out) == {
        ("CREDENTIALS_FAILED", "fail"),
        ("IMDS_HOP_LIMIT", "fail"),
        ("CLOCK_UNCHECKED", "info"),
    }
    assert out["error"]["code"] == "IMDS_TOKEN_TIMEOUT"
    assert "--http-put-response-hop-limit 2" in message(out, "IMDS_HOP_LIMIT")
    assert out["trace"][-2] == {"subject": "ec2", "decision": "request", "reason": "IMDSv2 token",
                                "variable": "MONGODB_AWS_EC2_METADATA_ENDPOINT", "attempt": 1,
                                "status": None, "io": "Timeout"}
    assert elapsed < 4  # the chain's 1 s IMDS deadline, not the emulator's 5 s


def test_unreachable_regional_endpoint(moto):
    env = moto_env(moto)
    env.update(AWS_REGION="eu-west-3", AWS_STS_REGIONAL_ENDPOINTS="regional",
               MONGODB_AWS_STS_REGIONAL_ENDPOINT=closed_port_url())
    rc, out = doctor(env, secrets=secrets_of(moto))
    assert rc == 0, out["findings"]
    assert findings(out) == {
        ("CREDENTIALS_RESOLVED", "ok"),
        ("CALLER_IDENTITY", "ok"),
        ("MONGODB_USER", "info"),
        ("STS_REGIONAL_UNREACHABLE", "warn"),
        ("CLOCK_OK", "ok"),
    }
    g, r = out["sts"]
    assert (g["target"], g["configured"], g["ok"]) == ("global", False, True)
    assert (r["target"], r["configured"], r["ok"]) == ("regional", True, False)
    assert r["error"]["code"] == "ENDPOINT_UNREACHABLE"
    assert "AWS_STS_REGIONAL_ENDPOINTS=regional" in message(out, "STS_REGIONAL_UNREACHABLE")


def test_server_refuses_the_user(moto):
    srv = moto.serve("sts.amazonaws.com", "--allow-user", "arn:aws:iam::123456789012:user/someone-else")
    try:
        rc, out = doctor(moto_env(moto), "--uri", srv.uri(), secrets=secrets_of(moto))
    finally:
        srv.close()
    assert rc == 1, out
    assert findings(out) == {
        ("CREDENTIALS_RESOLVED", "ok"),
        ("CALLER_IDENTITY", "ok"),
        ("MONGODB_USER", "info"),
        ("CLOCK_OK", "ok"),
        ("AUTH_REFUSED", "fail"),
    }
    m = message(out, "AUTH_REFUSED")
    user = moto.permanent.user
    assert m.startswith(f"the server refused: 18 AuthenticationFailed: ") and "is not found" in m, m
    assert f"the server looks up the $external user {user}" in m
    assert out["mongodb"]["error"]["code"] == 18
    assert out["mongodb"]["steps"][-1]["step"] == "saslContinue"
    assert out["mongodb"]["steps"][-1]["ok"] is False


def test_profile_is_reported_and_usage_exits_2():
    rc, out = doctor({"AWS_ACCESS_KEY_ID": "AKIAPROFILE", "AWS_SECRET_ACCESS_KEY": "x" * 20,
                      "MONGODB_AWS_STS_ENDPOINT": closed_port_url()}, "--profile", "dev")
    # The profile goes to the chain (its steps are in the trace), no longer a warning of its own.
    assert not [f for f in findings(out) if f[0] in ("PROFILE_UNSUPPORTED", "PROFILE_IGNORED")]
    assert out["profile"] == "dev"
    p = subprocess.run([str(cli_bin()), "doctor", "--bogus"], capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "unknown option --bogus" in p.stderr
    p = subprocess.run([str(cli_bin()), "doctor", "--uri", "mongodb://AKID:pa55word@"],
                       capture_output=True, text=True, timeout=10)
    assert p.returncode == 2 and "pa55word" not in p.stderr


def test_profile_steps_and_origin(tmp_path):
    """--profile goes to the chain: its trace shows the shared files read and the profile's
    candidates, the credentials name the profile, file and section-header line; a profile in
    neither file fails with PROFILE_NOT_FOUND (not a fall-through)."""
    (tmp_path / "home").mkdir()
    creds = tmp_path / "credentials"
    creds.write_text("[default]\naws_access_key_id = AKIADEFAULTDOCTOR01\naws_secret_access_key = x\n"
                     "\n[dev]\naws_access_key_id = AKIADOCTORPROFILE01\naws_secret_access_key = "
                     "dOcToRpRoFiLeSeCrEt/0123456789abcdefghij\n")
    env = {"HOME": str(tmp_path / "home"), "AWS_SHARED_CREDENTIALS_FILE": str(creds),
           "MONGODB_AWS_STS_ENDPOINT": closed_port_url(), "AWS_EC2_METADATA_DISABLED": "true"}
    rc, out = doctor(env, "--profile", "dev", secrets=("dOcToRpRoFiLeSeCrEt",))
    c = out["credentials"]
    assert (c["source"], c["access_key_id"]) == ("profile", "AKIADOCTORPROFILE01")
    line = creds.read_text().splitlines().index("[dev]") + 1
    assert (c["profile"], c["origin_file"], c["origin_line"]) == ("dev", str(creds), line)
    reads = [t for t in out["trace"] if t["decision"] == "read-file"]
    assert [t["variable"] for t in reads] == ["HOME", "AWS_SHARED_CREDENTIALS_FILE"], reads
    assert any(t["subject"] == "profile" and t["decision"] == "taken" for t in out["trace"]), out["trace"]
    rc, out = doctor(env, "--profile", "nope")
    assert rc == 1 and out["credentials"] is None
    assert out["error"]["code"] == "PROFILE_NOT_FOUND", out["error"]


def test_pod_identity_token_about_to_expire(tmp_path):
    exp = int(time.time()) + 120
    token = jwt({"iss": "https://oidc.eks.example", "sub": "system:serviceaccount:ns:app",
                 "aud": ["pods.eks.amazonaws.com"], "iat": exp - 3600, "exp": exp})
    f = tmp_path / "eks-pod-identity-token"
    f.write_text(token)
    # The Pod Identity agent stand-in: it requires that exact Authorization value.
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/emulators/aws_endpoints.py"), "--exit-on-stdin-eof",
         "--auth-token", token],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        url = json.loads(proc.stdout.readline())["url"]
        rc, out = doctor({"AWS_CONTAINER_CREDENTIALS_FULL_URI": f"{url}/v1/credentials",
                          "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(f),
                          "MONGODB_AWS_STS_ENDPOINT": closed_port_url()}, secrets=(token,))
    finally:
        proc.stdin.close()
        proc.wait(10)
        proc.stdout.close()
    assert rc == 0, out["findings"]
    assert findings(out) == {
        ("CREDENTIALS_RESOLVED", "ok"),
        ("TOKEN_EXPIRES_SOON", "warn"),
        ("STS_GLOBAL_UNREACHABLE", "warn"),
        ("CLOCK_OK", "ok"),
    }
    (t,) = out["tokens"]
    assert (t["variable"], t["source"], t["in_use"]) == (
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "container-full-uri", True)
    assert t["claims"]["aud"] == ["pods.eks.amazonaws.com"]
    # The Pod Identity agent's Date measured the clock (no STS answered).
    assert out["clock"]["step"] == "container credentials"
    assert out["credentials"]["source"] == "container-full-uri"


# --- TLS: doctor --uri with tls=true, through a TLS-terminating proxy in front of `serve` ---------


def tls_files(tmp_path: Path, names: list) -> tuple:
    """A self-signed CA and a server certificate it signs for `names` (DNS names or IP addresses),
    written as PEM files: (ca.pem, server.pem, server.key)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "doctor test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    sans = []
    for n in names:
        try:
            sans.append(x509.IPAddress(ipaddress.ip_address(n)))
        except ValueError:
            sans.append(x509.DNSName(n))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = (tmp_path / "ca.pem", tmp_path / "server.pem", tmp_path / "server.key")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return paths


class TlsProxy:
    """Accepts TLS on 127.0.0.1 (Python's ssl module, the given certificate) and relays the
    plaintext to 127.0.0.1:`upstream`. Records each client's SNI name and TLS version, and each
    handshake the client aborted. Every wait is bounded."""

    def __init__(self, cert: Path, key: Path, upstream: int) -> None:
        import ssl
        import threading

        self.upstream = upstream
        self.sni: list = []
        self.versions: list = []
        self.failed: list = []
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.ctx.sni_callback = lambda sock, name, ctx: self.sni.append(name) and None
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        import threading

        deadline = time.monotonic() + 60
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            threading.Thread(target=self._relay, args=(conn,), daemon=True).start()

    def _relay(self, conn: socket.socket) -> None:
        import select
        import ssl

        conn.settimeout(10)
        try:
            tls = self.ctx.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as e:
            self.failed.append(str(e))
            conn.close()
            return
        self.versions.append(tls.version())
        plain = socket.create_connection(("127.0.0.1", self.upstream), timeout=10)
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline and not self.stop.is_set():
                ready = [tls] if tls.pending() else select.select([tls, plain], [], [], 0.5)[0]
                for s in ready:
                    data = s.recv(65536)
                    if not data:
                        return
                    (plain if s is tls else tls).sendall(data)
        except (ssl.SSLError, OSError):
            return
        finally:
            plain.close()
            tls.close()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.sock.close()


def tls_uri(port: int, *options: str) -> str:
    return "&".join([f"mongodb://localhost:{port}/?authMechanism=MONGODB-AWS&tls=true", *options])


@pytest.fixture
def tls_serve(moto, tmp_path):
    """`serve` behind a TLS proxy; yields a function (certificate names) -> (proxy, ca.pem)."""
    srv = moto.serve("sts.amazonaws.com")
    proxies = []

    def start(names: list) -> tuple:
        ca, cert, key = tls_files(tmp_path, names)
        proxies.append(TlsProxy(cert, key, srv.port))
        return proxies[-1], ca

    try:
        yield start
    finally:
        for p in proxies:
            p.close()
        srv.close()


AUTH_FINDINGS = {
    ("CREDENTIALS_RESOLVED", "ok"),
    ("CALLER_IDENTITY", "ok"),
    ("MONGODB_USER", "info"),
    ("CLOCK_OK", "ok"),
}


def test_tls_with_ca_file_authenticates(moto, tls_serve):
    proxy, ca = tls_serve(["localhost", "127.0.0.1"])
    rc, out = doctor(moto_env(moto), "--uri", tls_uri(proxy.port, f"tlsCAFile={ca}"), secrets=secrets_of(moto))
    assert rc == 0, out
    assert findings(out) == AUTH_FINDINGS | {("AUTH_OK", "ok")}
    steps = [(s["step"], s["ok"]) for s in out["mongodb"]["steps"]]
    assert steps == [("connect", True), ("tls", True), ("hello", True), ("saslStart", True),
                     ("server-first", True), ("sign", True), ("saslContinue", True), ("connectionStatus", True)]
    assert out["mongodb"]["tls"] is True and out["mongodb"]["user"] == moto.permanent.user
    # What the proxy saw: the URI's host as SNI, a TLS 1.2+ session, no aborted handshake.
    assert proxy.sni == ["localhost"] and proxy.failed == []
    assert proxy.versions[0] in ("TLSv1.2", "TLSv1.3")
    assert f"checked for localhost against tlsCAFile {ca}" in out["mongodb"]["steps"][1]["detail"]
    assert not [f for f in out["findings"] if "plain TCP" in f["message"]]


def test_tls_without_ca_file_is_an_unknown_issuer(moto, tls_serve):
    proxy, _ = tls_serve(["localhost", "127.0.0.1"])
    rc, out = doctor(moto_env(moto), "--uri", tls_uri(proxy.port), secrets=secrets_of(moto))
    assert rc == 1, out
    assert findings(out) == AUTH_FINDINGS | {("TLS_FAILED", "fail")}
    assert message(out, "TLS_FAILED") == (
        f"TLS handshake with localhost:{proxy.port} failed: unknown issuer: the server's certificate is "
        "not signed by a CA in the default roots (Mozilla's, as webpki-roots); give its CA with tlsCAFile=PATH")
    assert [(s["step"], s["ok"]) for s in out["mongodb"]["steps"]] == [("connect", True), ("tls", False)]
    assert out["mongodb"]["authenticated"] is False
    # The client refused the certificate: the proxy's handshake was aborted by an alert.
    deadline = time.monotonic() + 5
    while not proxy.failed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proxy.failed and "UNKNOWN_CA" in proxy.failed[0].upper(), proxy.failed


def test_tls_certificate_for_another_name(moto, tls_serve):
    proxy, ca = tls_serve(["db.other.example", "10.0.0.1"])
    rc, out = doctor(moto_env(moto), "--uri", tls_uri(proxy.port, f"tlsCAFile={ca}"), secrets=secrets_of(moto))
    assert rc == 1, out
    assert findings(out) == AUTH_FINDINGS | {("TLS_FAILED", "fail")}
    assert message(out, "TLS_FAILED") == (
        f"TLS handshake with localhost:{proxy.port} failed: name mismatch: the server's certificate is not "
        "valid for localhost (it names db.other.example, 10.0.0.1); connect with a name it names")
    assert [(s["step"], s["ok"]) for s in out["mongodb"]["steps"]] == [("connect", True), ("tls", False)]


def test_tls_insecure_skips_the_certificate_check(moto, tls_serve):
    proxy, _ = tls_serve(["db.other.example"])
    rc, out = doctor(moto_env(moto), "--uri", tls_uri(proxy.port, "tlsInsecure=true"), secrets=secrets_of(moto))
    assert rc == 0, out
    assert findings(out) == AUTH_FINDINGS | {("AUTH_OK", "ok"), ("URI_OPTION", "warn")}
    assert "tlsInsecure=true: the server's certificate and name are not checked" in message(out, "URI_OPTION")
    assert "the certificate not checked" in out["mongodb"]["steps"][1]["detail"]
    assert proxy.versions and proxy.failed == []
