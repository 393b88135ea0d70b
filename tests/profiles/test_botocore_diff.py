"""Differential test of the AWS shared config and credentials files (issue 14) against botocore.

Run: .venv/bin/python -m pytest -q tests/profiles/test_botocore_diff.py

Three parts, each resolving the same files with botocore (`botocore.session.Session(profile=...)
.get_credentials()`, the reference: what `aws sts get-caller-identity --profile X` does) and with our
Rust scenario host (runtime/examples/scenario_host.rs, the runtime's public API):

* **scenarios** — every `profile-*` scenario of testdata/credential-scenarios, served by the scenario
  emulator (tests/emulators/scenarios.py; its STS answers are given in XML, as STS answers botocore's
  query protocol). botocore's outcome of each call (access key id, session token, source, MFA prompts,
  or the error's class) must be the scenario's expectation, and what botocore sent must pass the
  scenario's request checks (forms, headers, the signing region, counts), except where the suite pins
  a documented deliberate difference (`BOTOCORE_DIFFERS`, each with botocore's own outcome, which is
  asserted too; `BOTOCORE_REQUESTS_DIFFER`). Our host must pass the scenario, so both agree.
* **moto** — setups against a verifying loopback STS (moto_server, signature checking on; off only
  around the unsigned AssumeRoleWithWebIdentity of a profile's web_identity_token_file) and the SSO
  portal / OIDC stand-in (sso_standin.py): the assumed role's ARN as moto recorded it for the access
  key each side got (and GetCallerIdentity for botocore's), the access key for SSO, the refreshed SSO
  token written back to the cache by both.
* **hosts** — for region, sts_regional_endpoints and endpoint-URL settings, the URL of the first
  request: botocore's from a `before-send` hook that stops the call, ours from `scenario_host
  --first-request` (which prints it instead of sending).

Our host: $MONGODB_AWS_SCENARIO_HOST, default ${CARGO_TARGET_DIR:-target}/debug/examples/scenario_host.
Without it, the parts that need it are skipped with a message, or fail when MONGODB_AWS_REQUIRE_HOST is
set. Only loopback traffic: every AWS host name in the `hosts` part is recorded, never contacted.
"""

import contextlib
import copy
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlsplit

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "scenarios"))
sys.path.insert(0, HERE)

import runner  # noqa: E402
import sso_standin  # noqa: E402

botocore = pytest.importorskip("botocore")
import botocore.credentials  # noqa: E402
import botocore.exceptions as bexc  # noqa: E402
import botocore.session  # noqa: E402
import botocore.tokens  # noqa: E402

REQUIRE_HOST = bool(os.environ.get("MONGODB_AWS_REQUIRE_HOST"))
# A path, or a command line split like a POSIX shell (e.g. 'python3 tests/scenarios/fake_host.py', the
# suite's reference host, to check this test itself).
HOST = os.environ.get("MONGODB_AWS_SCENARIO_HOST") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR") or os.path.join(REPO, "target"), "debug", "examples", "scenario_host")


def need_host():
    """Our host's argv; skips (or fails with MONGODB_AWS_REQUIRE_HOST) when it is not there."""
    argv = shlex.split(HOST) if not os.path.exists(HOST) else [HOST]
    prog = shutil.which(argv[0]) if argv else None
    if prog and os.access(prog, os.X_OK):
        return argv
    msg = ("our scenario host %s is not built (cargo build -p mongodb-aws --example scenario_host, or set "
           "MONGODB_AWS_SCENARIO_HOST)" % HOST)
    if REQUIRE_HOST:
        pytest.fail(msg + "; MONGODB_AWS_REQUIRE_HOST is set")
    pytest.skip(msg)


# --- botocore, in this process, with a given environment ----------------------------------------------
@contextlib.contextmanager
def environment(env):
    """os.environ is exactly env while botocore runs; botocore's SSO cache directories (class
    attributes computed from ~ at import time) follow env's HOME."""
    saved = dict(os.environ)
    cache_dir = os.path.join(env.get("HOME", "/nonexistent"), ".aws", "sso", "cache")
    saved_dirs = (botocore.credentials.SSOProvider._SSO_TOKEN_CACHE_DIR,
                  botocore.tokens.SSOTokenProvider._SSO_TOKEN_CACHE_DIR)
    os.environ.clear()
    os.environ.update(env)
    botocore.credentials.SSOProvider._SSO_TOKEN_CACHE_DIR = cache_dir
    botocore.tokens.SSOTokenProvider._SSO_TOKEN_CACHE_DIR = cache_dir
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        (botocore.credentials.SSOProvider._SSO_TOKEN_CACHE_DIR,
         botocore.tokens.SSOTokenProvider._SSO_TOKEN_CACHE_DIR) = saved_dirs


class MfaRequired(Exception):
    """botocore would prompt on the terminal: no MFA callback is installed."""


class MfaUnavailable(Exception):
    """The callback has no more codes."""


def new_session(profile, prompter):
    s = botocore.session.Session(profile=profile)
    try:
        if s.get_config_variable("region") is None:
            # No region at all: botocore cannot sign for an endpoint URL override (NoRegionError); the
            # global endpoint's signing region is us-east-1, which is what the project uses then.
            s.set_config_variable("region", "us-east-1")
    except bexc.ProfileNotFound:
        pass  # raised again, where the chain runs
    resolver = s.get_component("credential_provider")
    provider = resolver.get_provider("assume-role")
    provider._prompter = prompter  # botocore's own hook for the MFA prompt (getpass by default)
    return s


def prompter_for(codes, asked):
    def prompt(text):
        m = re.match(r"Enter MFA code for (.*): $", text)
        asked.append(m.group(1) if m else text)
        if codes is None:
            raise MfaRequired(text)
        if not codes:
            raise MfaUnavailable("no more codes")
        return codes.pop(0)
    return prompt


SOURCE = {"env": "environment", "shared-credentials-file": "profile", "config-file": "profile",
          "assume-role": "assume-role", "assume-role-with-web-identity": "web-identity", "sso": "sso",
          "custom-process": "credential-process", "iam-role": "ec2", "container-role": "ecs"}


def classify(e):
    """botocore's exception -> the set of our error codes that are the same failure."""
    if isinstance(e, MfaRequired):
        return {"MFA_CODE_REQUIRED"}
    if isinstance(e, MfaUnavailable):
        return {"MFA_CODE_UNAVAILABLE"}
    if isinstance(e, bexc.ProfileNotFound):
        return {"PROFILE_NOT_FOUND"}
    if isinstance(e, bexc.InfiniteLoopConfigError):
        return {"PROFILE_SOURCE_CYCLE"}
    if isinstance(e, bexc.PartialCredentialsError):
        return {"PROFILE_PARTIAL_CREDENTIALS", "PROFILE_ROLE_WITHOUT_SOURCE"}
    if isinstance(e, bexc.ConfigParseError):
        return {"INI_SYNTAX", "INI_MISSING_SECTION", "INI_DUPLICATE_SECTION", "INI_DUPLICATE_KEY",
                "INI_NESTED_SYNTAX", "INI_NOT_UTF8", "INI_BYTE_ORDER_MARK"}
    if isinstance(e, bexc.SSOTokenLoadError):
        return {"SSO_TOKEN_MISSING"}
    if isinstance(e, (bexc.UnauthorizedSSOTokenError, bexc.TokenRetrievalError)):
        return {"SSO_TOKEN_EXPIRED"}
    if isinstance(e, bexc.InvalidConfigError):
        msg = str(e)
        if "both source_profile and credential_source" in msg:
            return {"PROFILE_ROLE_SOURCE_CONFLICT"}
        if "credential source" in msg and "is not valid" in msg:
            return {"PROFILE_INVALID_CREDENTIAL_SOURCE"}
        if "source_profile" in msg and "does not exist" in msg:
            return {"PROFILE_NOT_FOUND"}
        if "sso-session does not exist" in msg or "sso_session configuration does not exist" in msg:
            return {"SSO_SESSION_NOT_FOUND"}
        if ("SSO" in msg and "missing" in msg) or "inconsistent between profile" in msg:
            return {"SSO_INVALID_CONFIG"}
        if "must have credentials" in msg:
            return {"PROFILE_SOURCE_WITHOUT_CREDENTIALS"}
        return {"PROFILE_INVALID_VALUE"}
    if isinstance(e, bexc.CredentialRetrievalError):
        msg = str(e)
        if "custom-process" in msg:
            if "Unsupported version" in msg or "Missing required key" in msg:
                return {"CREDENTIAL_PROCESS_BAD_OUTPUT"}
            return {"CREDENTIAL_PROCESS_FAILED"}
        return {"NO_CREDENTIALS"}
    if isinstance(e, bexc.ClientError):
        op = e.operation_name
        if op == "GetRoleCredentials":
            return {"ENDPOINT_HTTP_STATUS"}
        return {"STS_ERROR_RESPONSE"}
    if isinstance(e, ValueError):  # json.loads of a credential_process's stdout
        return {"CREDENTIAL_PROCESS_BAD_OUTPUT"}
    if isinstance(e, RuntimeError) and "still expired" in str(e):
        return {"CREDENTIALS_EXPIRED"}
    if isinstance(e, FileNotFoundError):
        # Popen of a missing credential_process program, or open() of a missing token file
        return {"CREDENTIAL_PROCESS_SPAWN", "FILE_UNREADABLE"}
    if isinstance(e, OSError):
        return {"FILE_UNREADABLE"}
    return {"<%s: %s>" % (type(e).__name__, e)}


def botocore_env(env):
    """The scenario's environment with the project's test overrides spelled as the SDK's variables
    (botocore knows only those): the STS, SSO, OIDC and IMDS endpoints; ECS relative URI + the ECS
    endpoint as the full URI."""
    out = dict(env)
    for ours, sdk in (("MONGODB_AWS_STS_ENDPOINT", "AWS_ENDPOINT_URL_STS"),
                      ("MONGODB_AWS_SSO_ENDPOINT", "AWS_ENDPOINT_URL_SSO"),
                      ("MONGODB_AWS_SSO_OIDC_ENDPOINT", "AWS_ENDPOINT_URL_SSO_OIDC"),
                      ("MONGODB_AWS_EC2_METADATA_ENDPOINT", "AWS_EC2_METADATA_SERVICE_ENDPOINT")):
        if out.get(ours):
            out[sdk] = out.pop(ours)
    rel = out.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
    if rel and out.get("MONGODB_AWS_ECS_ENDPOINT"):
        out["AWS_CONTAINER_CREDENTIALS_FULL_URI"] = out.pop("MONGODB_AWS_ECS_ENDPOINT").rstrip("/") + rel
        del out["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]
    return out


def botocore_calls(loaded):
    """botocore's outcome of each call of a loaded scenario. One botocore Session stands for one
    resolve; a call that expects cached credentials reuses the previous call's Session (botocore
    caches the credentials it resolved in the Session), clear_cache starts a new one."""
    env = runner.host_environment(loaded["env"], home=os.path.join(loaded["dir"], "home"))
    outcomes, session = [], None
    for call in loaded["calls"]:
        env.update(call["env"])
        for k in call["unset"]:
            env.pop(k, None)
        if call["clear_cache"] or not call["expect"].get("from_cache"):
            session = None
        asked = []
        codes = None if call.get("mfa_codes") is None else list(call["mfa_codes"])
        with environment(botocore_env(env)):
            try:
                if session is None:
                    session = new_session(call.get("profile"), prompter_for(codes, asked))
                else:
                    session.get_component("credential_provider").get_provider("assume-role")._prompter = \
                        prompter_for(codes, asked)
                creds = session.get_credentials()
                if creds is None:
                    outcomes.append({"ok": False, "codes": {"NO_CREDENTIALS"}, "message": "botocore: None"})
                    continue
                frozen = creds.get_frozen_credentials()
                outcomes.append({"ok": True, "access_key_id": frozen.access_key,
                                 "session_token": bool(frozen.token), "source": SOURCE.get(creds.method, creds.method),
                                 "mfa_asked": asked})
            except Exception as e:  # noqa: BLE001 - every botocore failure is classified
                session = None
                outcomes.append({"ok": False, "codes": classify(e), "message": "%s: %s" % (type(e).__name__, e)})
    return outcomes


# Scenarios where the suite pins a documented deliberate difference (README "Deliberate differences
# from botocore"): what botocore does instead, per call index. Asserted as well.
BOTOCORE_DIFFERS = {
    "profile-no-inline-comments": {0: {"ok": True, "access_key_id": "AKIAINLINE1 # prod"}},
    "profile-continuation-line-joins-value": {0: {"ok": True, "access_key_id": "AKIACONT1\nEXTRA"}},
    "profile-credentials-file-is-a-directory": {0: {"ok": False, "codes": {"NO_CREDENTIALS"}}},
    "profile-role-invalid-duration": {0: {"ok": True, "access_key_id": "ASIAROLEDURATION1"}},
    # botocore follows any number of source_profile hops: 9 AssumeRole calls
    "profile-role-chain-too-long": {0: {"ok": True, "access_key_id": "ASIAHOPTOP", "source": "assume-role"}},
    # botocore has no credential_process deadline: it waits for the program, whose empty stdout
    # is then not JSON
    "profile-process-timeout": {0: {"ok": False, "codes": {"CREDENTIAL_PROCESS_BAD_OUTPUT"}}},
    "profile-process-timeout-invalid": {0: {"ok": False, "codes": {"CREDENTIAL_PROCESS_BAD_OUTPUT"}}},
    # botocore has no MFA deadline (its prompt waits): it asks and assumes the role
    "profile-role-mfa-timeout-invalid": {0: {"ok": True, "access_key_id": "ASIAMFADEADLINE2",
                                             "mfa_asked": ["arn:aws:iam::123456789012:mfa/alice"]}},
}
# Scenarios whose request checks botocore does not meet, for a documented difference.
BOTOCORE_REQUESTS_DIFFER = {
    "profile-web-identity-token-file": "botocore sends the token file verbatim, its trailing newline included",
}


def strip_ours_only(spec):
    """A request check without what only the project pins: its random RoleSessionName format (botocore:
    botocore-session-<unix time>)."""
    spec = dict(spec)
    fm = {k: v for k, v in (spec.get("form_match") or {}).items() if k != "RoleSessionName"}
    if fm:
        spec["form_match"] = fm
    else:
        spec.pop("form_match", None)
    return spec


def profile_scenarios():
    return [s for s in runner.load_scenarios() if s["_file"].startswith("profile-")]


def sts_xml(behaviour):
    """A JSON STS answer of the scenario, as the XML STS sends to botocore (query protocol)."""
    doc = behaviour.get("json")
    if not isinstance(doc, dict) or len(doc) != 1:
        return behaviour
    top = next(iter(doc))
    m = re.fullmatch(r"(AssumeRole\w*)Response", top)
    if not m:
        return behaviour
    action = m.group(1)
    result = doc[top].get(action + "Result", {})
    c = result.get("Credentials", {})
    exp = c.get("Expiration")
    if isinstance(exp, str):
        exp = re.sub(r"^\$\{EPOCH([+-]\d+)?\}$", r"${NOW\1}", exp)
    user = result.get("AssumedRoleUser", {})
    xml = ('<{a}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><{a}Result><Credentials>'
           "<AccessKeyId>{k}</AccessKeyId><SecretAccessKey>{s}</SecretAccessKey><SessionToken>{t}</SessionToken>"
           "<Expiration>{e}</Expiration></Credentials><AssumedRoleUser><Arn>{arn}</Arn>"
           "<AssumedRoleId>{rid}</AssumedRoleId></AssumedRoleUser></{a}Result>"
           "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></{a}Response>").format(
        a=action, k=c.get("AccessKeyId"), s=c.get("SecretAccessKey"), t=c.get("SessionToken"), e=exp,
        arn=user.get("Arn", "arn:aws:sts::123456789012:assumed-role/r/s"), rid=user.get("AssumedRoleId", "AROA:s"))
    out = {k: v for k, v in behaviour.items() if k != "json"}
    out["body"] = xml
    out["headers"] = dict(out.get("headers") or {}, **{"Content-Type": "text/xml"})
    return out


def for_both(scenario):
    sc = copy.deepcopy(scenario)
    for key, behaviours in (sc.get("endpoints") or {}).items():
        if key == "POST /":
            sc["endpoints"][key] = [sts_xml(b) for b in behaviours]
    return sc


@pytest.fixture(scope="module")
def emu():
    e = runner.Emulator()
    yield e
    e.stop()


def expected_of(name, i, expect):
    d = BOTOCORE_DIFFERS.get(name, {}).get(i)
    if d is not None:
        return d
    if "error" in expect:
        return {"ok": False, "codes": {expect["error"]}}
    out = {"ok": True, "access_key_id": expect["access_key_id"], "session_token": bool(expect["session_token"]),
           "source": expect["source"]}
    if "mfa_asked" in expect:
        out["mfa_asked"] = expect["mfa_asked"]
    return out


def agrees(want, got):
    if want["ok"] != got["ok"]:
        return False
    if not want["ok"]:
        return bool(want["codes"] & got["codes"])
    for k in ("access_key_id", "session_token", "mfa_asked"):
        if k in want and want[k] != got.get(k):
            return False
    if "source" in want:
        src = {"container-full-uri": "ecs"}.get(want["source"], want["source"])
        if src != got.get("source"):
            return False
    return True


SCENARIO_NAMES = [s["name"] for s in profile_scenarios()]


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_scenario_botocore(emu, name):
    """botocore, on the scenario's files and emulator answers, gives the scenario's expectation."""
    scenario = for_both(next(s for s in profile_scenarios() if s["name"] == name))
    loaded = emu.load(scenario)
    try:
        got = botocore_calls(loaded)
        recorded = emu.requests(loaded["id"])
    finally:
        emu.close(loaded["id"])
    assert len(got) == len(scenario["calls"])
    # What botocore sent must pass the scenario's request checks too (forms, headers, signing region,
    # counts), except where the suite pins a difference.
    if name not in BOTOCORE_DIFFERS and name not in BOTOCORE_REQUESTS_DIFFER:
        specs = [strip_ours_only(r) for r in loaded["requests"]]
        problems = runner.check_requests(specs, recorded)
        assert not problems, "botocore's requests:\n" + "\n".join(problems)
    problems = []
    for i, (call, g) in enumerate(zip(scenario["calls"], got)):
        want = expected_of(name, i, call["expect"])
        if not agrees(want, g):
            problems.append("call %d: the scenario (or BOTOCORE_DIFFERS) says %r, botocore gives %r" % (i + 1, want, g))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", SCENARIO_NAMES)
def test_scenario_ours(emu, name):
    """Our host, on the same files and the same (XML) answers botocore got, passes the scenario."""
    host = need_host()
    scenario = for_both(next(s for s in profile_scenarios() if s["name"] == name))
    r = runner.run_scenario(emu, scenario, host)
    assert r.ok, "our host on the same files and answers:\n" + r.report()


# --- moto: the role moto saw ---------------------------------------------------------------------------
ALLOW_ALL = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*", "Federated": "*"},
     "Action": ["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"]}]})
ROLES = ("moto-dev", "moto-mid", "moto-top", "moto-mfa", "moto-env", "moto-wi")


class Moto:
    def __init__(self):
        script = os.path.join(REPO, "scripts", "moto-sts")
        self.proc = subprocess.Popen([script, "--no-role", "--no-auth", "--foreground"], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=dict(os.environ, MOTO_STS_PYTHON=sys.executable),
                                     start_new_session=True)
        line = self.proc.stdout.readline()
        try:
            info = json.loads(line)
        except ValueError:
            self.stop()
            raise RuntimeError("moto-sts did not start: %r %r" % (line, self.proc.stderr.read()[-2000:]))
        self.url = info["url"]
        self.akid, self.secret, self.user_arn = info["access_key_id"], info["secret_access_key"], info["user_arn"]
        self.account = info["account_id"]
        import boto3
        iam = boto3.client("iam", endpoint_url=self.url, region_name="us-east-1",
                           aws_access_key_id="testing", aws_secret_access_key="testing")
        self.roles = {}
        for r in ROLES:
            arn = iam.create_role(RoleName=r, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
            iam.put_role_policy(RoleName=r, PolicyName="allow-all", PolicyDocument=ALLOW_ALL)
            self.roles[r] = arn
        self.auth(True)  # signature checking on from here

    def auth(self, on):
        """Signature checking on or off (off around unsigned calls: AssumeRoleWithWebIdentity)."""
        req = urllib.request.Request(self.url + "/moto-api/reset-auth", data=b"0" if on else b"inf",
                                     method="POST", headers={"Content-Type": "text/plain"})
        with urllib.request.urlopen(req, timeout=10):
            pass

    def role_of(self, akid):
        """The role ARN and session name moto recorded for temporary access key akid."""
        with urllib.request.urlopen(self.url + "/moto-api/data.json", timeout=10) as r:
            data = json.loads(r.read())
        for m in data.get("sts", {}).get("AssumedRole", []):
            if m.get("access_key_id") == akid:
                return m.get("role_arn")
        return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture(scope="module")
def moto():
    m = Moto()
    yield m
    m.stop()


@pytest.fixture(scope="module")
def portal():
    p = sso_standin.Portal()
    yield p
    p.close()


def write_files(root, files):
    for rel, content in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(content)


def run_ours(env, calls, extra_args=()):
    """Our host's result lines (without the start lines)."""
    host = need_host()
    full = [{"env": {}, "unset": [], "clear_cache": False, "sleep_ms": 0, "profile": None, "mfa_codes": None, **c}
            for c in calls]
    lines, stderr, code = runner.run_host([*host, *extra_args], env, full, timeout=60)
    out = [json.loads(t) for _, t in lines if not t.startswith('{"start"')]
    return out, stderr, code


def botocore_resolve(env, profile=None, codes=None):
    asked = []
    with environment(env):
        s = new_session(profile, prompter_for(codes, asked))
        creds = s.get_credentials()
        if creds is None:
            return None, None
        frozen = creds.get_frozen_credentials()
        return frozen, s


def moto_setups(m):
    """Each setup: files, the profile (AWS_PROFILE, or the explicit option), the role moto must see
    (None: static keys, the user's own key), optional env and MFA codes."""
    keys = "aws_access_key_id = %s\naws_secret_access_key = %s\n" % (m.akid, m.secret)
    creds = "home/.aws/credentials"
    conf = "home/.aws/config"

    def role(name, role_name, extra):
        return "[profile %s]\nrole_arn = %s\n%s" % (name, m.roles[role_name], extra)

    return {
        "static": dict(files={creds: "[dev]\n" + keys}, profile="dev", role=None),
        "role": dict(files={creds: "[base]\n" + keys,
                            conf: role("dev", "moto-dev", "source_profile = base\nregion = us-east-1\n")},
                     profile="dev", role="moto-dev"),
        "chain": dict(files={creds: "[base]\n" + keys,
                             conf: role("top", "moto-top", "source_profile = mid\n")
                             + role("mid", "moto-mid", "source_profile = base\n")},
                      profile="top", role="moto-top"),
        "keys-and-role": dict(files={conf: role("dev", "moto-dev", "source_profile = base\n")
                                     + role("base", "moto-mid", "source_profile = nowhere\n" + keys)},
                              profile="dev", role="moto-dev"),
        "options": dict(files={creds: "[base]\n" + keys,
                               conf: role("dev", "moto-dev", "source_profile = base\nexternal_id = ext-123\n"
                                          "role_session_name = diff-session\nduration_seconds = 1800\n")},
                        profile="dev", role="moto-dev"),
        "mfa": dict(files={creds: "[base]\n" + keys,
                           conf: role("dev", "moto-mfa", "source_profile = base\n"
                                      "mfa_serial = arn:aws:iam::%s:mfa/alice\n" % m.account)},
                    profile="dev", role="moto-mfa", codes=["123456"]),
        "credential-source-env": dict(files={conf: role("dev", "moto-env", "credential_source = Environment\n")},
                                      profile="dev", explicit=True, role="moto-env",
                                      env={"AWS_ACCESS_KEY_ID": m.akid, "AWS_SECRET_ACCESS_KEY": m.secret}),
        "in-credentials-file": dict(files={creds: "[base]\n" + keys + "[dev]\nrole_arn = %s\nsource_profile = base\n"
                                           % m.roles["moto-dev"]},
                                    profile="dev", role="moto-dev"),
        # AssumeRoleWithWebIdentity is unsigned: moto checks no signature for it (auth off around it)
        "web-identity": dict(files={conf: role("wi", "moto-wi", "web_identity_token_file = {HOME}/token\n"
                                               "role_session_name = diff-wi\n"),
                                    "home/token": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJkaWZmIn0.c2lnbmF0dXJl"},
                             profile="wi", role="moto-wi", unsigned=True),
    }


MOTO_CASES = ["static", "role", "chain", "keys-and-role", "options", "mfa", "credential-source-env",
              "in-credentials-file", "web-identity"]


def moto_side(moto, case, side, tmp_path):
    """(what moto recorded for the access key `side` got: the assumed role's ARN, or for static keys the
    key itself; what it must be)."""
    setup = moto_setups(moto)[case]
    root = tmp_path / side
    write_files(str(root), {k: v.replace("{HOME}", str(root / "home")) for k, v in setup["files"].items()})
    os.makedirs(root / "home", exist_ok=True)
    if setup.get("unsigned"):
        moto.auth(False)
    try:
        return moto_resolve(moto, setup, side, root)
    finally:
        if setup.get("unsigned"):
            moto.auth(True)


def moto_resolve(moto, setup, side, root):
    env = runner.host_environment(dict(setup.get("env") or {}, AWS_ENDPOINT_URL_STS=moto.url,
                                       AWS_EC2_METADATA_DISABLED="true"), home=str(root / "home"))
    explicit = setup["profile"] if setup.get("explicit") else None
    if not explicit:
        env["AWS_PROFILE"] = setup["profile"]
    codes = setup.get("codes")
    if side == "botocore":
        frozen, session = botocore_resolve(env, explicit, None if codes is None else list(codes))
        assert frozen is not None
        akid = frozen.access_key
        if setup["role"]:
            with environment(env):
                sts = session.create_client("sts", region_name="us-east-1", endpoint_url=moto.url)
                arn = sts.get_caller_identity()["Arn"]
            assert arn.startswith("arn:aws:sts::%s:assumed-role/%s/" % (moto.account, setup["role"])), arn
    else:
        out, stderr, _ = run_ours(env, [{"profile": explicit, "mfa_codes": codes}])
        assert out and out[0].get("ok"), (out, stderr[-2000:])
        akid = out[0]["access_key_id"]
    want = moto.roles[setup["role"]] if setup["role"] else moto.akid
    return (moto.role_of(akid) if setup["role"] else akid), want


@pytest.mark.parametrize("case", MOTO_CASES)
def test_moto_botocore(moto, case, tmp_path):
    got, want = moto_side(moto, case, "botocore", tmp_path)
    assert got == want


@pytest.mark.parametrize("case", MOTO_CASES)
def test_moto_ours_same_role_as_botocore(moto, case, tmp_path):
    need_host()
    b, want = moto_side(moto, case, "botocore", tmp_path)
    o, _ = moto_side(moto, case, "ours", tmp_path)
    assert b == want and o == b, "botocore %s, ours %s" % (b, o)


SSO_CONF = ("[profile sso]\nsso_session = corp\nsso_account_id = 111122223333\nsso_role_name = {role}\n\n"
            "[sso-session corp]\nsso_start_url = https://diff.awsapps.com/start\nsso_region = eu-central-1\n")
LEGACY_CONF = ("[profile sso]\nsso_start_url = https://diff.awsapps.com/start\nsso_region = eu-central-1\n"
               "sso_account_id = 111122223333\nsso_role_name = {role}\n")


def sso_cache(token, expires, refresh=None):
    d = {"startUrl": "https://diff.awsapps.com/start", "region": "eu-central-1", "accessToken": token,
         "expiresAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + expires))}
    if refresh:
        d.update(refreshToken=refresh, clientId="diff-client", clientSecret="diff-client-secret",
                 registrationExpiresAt=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 86400)))
    return json.dumps(d)


SSO_CASES = {"session-hit": "ok", "legacy-hit": "ok", "refresh": "ok", "expired": {"SSO_TOKEN_EXPIRED"},
             "missing": {"SSO_TOKEN_MISSING"}, "forbidden": {"ENDPOINT_HTTP_STATUS"}}


@pytest.mark.parametrize("case", sorted(SSO_CASES))
def test_sso_botocore(portal, case, tmp_path):
    got = sso_side(portal, case, "botocore", tmp_path)
    want = SSO_CASES[case]
    if want == "ok":
        assert got == ("ok", portal.key_for(sso_role(case))), got
    else:
        assert got[0] == "error" and got[1] == want, got


@pytest.mark.parametrize("case", sorted(SSO_CASES))
def test_sso_ours_same_as_botocore(portal, case, tmp_path):
    need_host()
    b = sso_side(portal, case, "botocore", tmp_path)
    o = sso_side(portal, case, "ours", tmp_path)
    if b[0] == "ok":
        assert o == b, (b, o)
    else:
        assert o[0] == "error" and o[1] in b[1], (b, o)


def sso_role(case):
    return "Diff" + case.replace("-", "").title()


def sso_side(portal, case, side, tmp_path):
    """("ok", access key) or ("error", codes) of one side for an SSO case; for "refresh" it also checks
    that the side wrote the refreshed token back to the cache file."""
    import hashlib
    role = sso_role(case)
    token = "diffAccessToken-" + case
    portal.allow(token, "111122223333", role if case != "forbidden" else "Other")
    conf = (LEGACY_CONF if case == "legacy-hit" else SSO_CONF).format(role=role)
    key = "https://diff.awsapps.com/start" if case == "legacy-hit" else "corp"
    cache_rel = "home/.aws/sso/cache/%s.json" % hashlib.sha1(key.encode()).hexdigest()
    files = {"home/.aws/config": conf}
    if case == "refresh":
        portal.allow_refresh("diffRefresh-" + case, "diff-client", "diff-client-secret", "diffNewToken-" + case,
                             [("111122223333", role)])
        files[cache_rel] = sso_cache("diffExpiredToken", -3600, "diffRefresh-" + case)
    elif case == "expired":
        files[cache_rel] = sso_cache(token, -60)
    elif case != "missing":
        files[cache_rel] = sso_cache(token, 8 * 3600)
    root = tmp_path / side
    write_files(str(root), files)
    env = runner.host_environment({
        "AWS_PROFILE": "sso", "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL_SSO": portal.url, "AWS_ENDPOINT_URL_SSO_OIDC": portal.url,
        "MONGODB_AWS_SSO_ENDPOINT": portal.url, "MONGODB_AWS_SSO_OIDC_ENDPOINT": portal.url,
    }, home=str(root / "home"))
    if side == "botocore":
        try:
            frozen, _ = botocore_resolve(env)
            got = ("ok", frozen.access_key) if frozen else ("error", {"NO_CREDENTIALS"})
        except Exception as e:  # noqa: BLE001 - every botocore failure is classified
            got = ("error", classify(e))
    else:
        out, stderr, _ = run_ours(env, [{}])
        assert out, stderr[-2000:]
        got = ("ok", out[0]["access_key_id"]) if out[0]["ok"] else ("error", out[0]["error"])
    if case == "refresh":
        with open(root / cache_rel) as f:
            written = json.load(f)
        assert written["accessToken"] == "diffNewToken-" + case, (side, "the refreshed token is written back")
    return got


# --- hosts: which STS / SSO URL each side chooses ----------------------------------------------------------
class Stop(Exception):
    pass


def botocore_first_url(env, profile=None):
    seen = []

    def before_send(request, **kwargs):
        seen.append(request.url)
        raise Stop()

    with environment(env):
        s = botocore.session.Session(profile=profile)
        s.register("before-send", before_send)
        try:
            creds = s.get_credentials()
            if creds is not None:
                creds.get_frozen_credentials()
        except Stop:
            pass
    return seen[0] if seen else None


KEYS = "aws_access_key_id = AKIAHOSTCHECK1\naws_secret_access_key = hostCheckSecretKey/0123456789\n"
ROLE_ARN = "arn:aws:iam::123456789012:role/host-check"


def role_conf(extra_dev=""):
    """Profile dev assumes a role with base's static keys; extra_dev goes into dev."""
    return "[profile dev]\nrole_arn = %s\nsource_profile = base\n%s\n[profile base]\n%s" % (ROLE_ARN, extra_dev, KEYS)


EU = "region = eu-west-1\n"
PROFILE_URL = "endpoint_url = https://profile.example.test\n"
SERVICES = "\n[services corp]\nsts =\n  endpoint_url = https://services.example.test\n"
WEB_IDENTITY = ("[profile dev]\nrole_arn = %s\nweb_identity_token_file = {HOME}/token\nregion = ca-central-1\n"
                % ROLE_ARN)

HOST_CASES = {
    "no-region-global": dict(conf=role_conf()),
    "profile-region": dict(conf=role_conf(EU)),
    "default-region-variable": dict(conf=role_conf(), env={"AWS_DEFAULT_REGION": "ap-southeast-2"}),
    "default-region-variable-beats-profile-region": dict(conf=role_conf(EU),
                                                         env={"AWS_DEFAULT_REGION": "ap-southeast-2"}),
    "aws-region-ignored": dict(conf=role_conf(), env={"AWS_REGION": "ap-south-1"}),
    "active-profile-region-not-source": dict(conf=role_conf("region = eu-north-1\n").replace(
        "[profile base]\n", "[profile base]\nregion = us-west-2\n")),
    "legacy-us-east-1": dict(conf=role_conf("region = us-east-1\nsts_regional_endpoints = legacy\n")),
    "legacy-eu-west-1": dict(conf=role_conf(EU + "sts_regional_endpoints = legacy\n")),
    "legacy-new-region": dict(conf=role_conf("region = af-south-1\nsts_regional_endpoints = legacy\n")),
    "legacy-variable": dict(conf=role_conf(EU), env={"AWS_STS_REGIONAL_ENDPOINTS": "legacy"}),
    "regional-us-east-1": dict(conf=role_conf("region = us-east-1\nsts_regional_endpoints = regional\n")),
    "govcloud": dict(conf=role_conf("region = us-gov-west-1\n")),
    "china": dict(conf=role_conf("region = cn-north-1\n")),
    "endpoint-url-in-profile": dict(conf=role_conf(EU + "endpoint_url = https://sts-proxy.example.test\n")),
    "endpoint-url-sts-variable-wins": dict(conf=role_conf(EU + PROFILE_URL),
                                           env={"AWS_ENDPOINT_URL_STS": "https://sts-env.example.test"}),
    "endpoint-url-variable-beats-profile": dict(conf=role_conf(EU + PROFILE_URL),
                                                env={"AWS_ENDPOINT_URL": "https://global-env.example.test"}),
    "services-section": dict(conf=role_conf(EU + "services = corp\n") + SERVICES,
                             env={"AWS_ENDPOINT_URL": "https://global-env.example.test"}),
    "services-section-beats-profile-endpoint-url": dict(conf=role_conf(EU + PROFILE_URL + "services = corp\n")
                                                        + SERVICES),
    "ignore-configured-endpoint-urls": dict(conf=role_conf(EU + PROFILE_URL),
                                            env={"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true",
                                                 "AWS_ENDPOINT_URL_STS": "https://sts-env.example.test"}),
    "web-identity-profile-region": dict(conf=WEB_IDENTITY,
                                        files={"home/token": "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln"}),
    "sso-portal-region": dict(conf=SSO_CONF.format(role="R"), sso="valid"),
    "sso-oidc-refresh-region": dict(conf=SSO_CONF.format(role="R"), sso="expired"),
    "sso-endpoint-url-variable": dict(conf=SSO_CONF.format(role="R"), sso="valid",
                                      env={"AWS_ENDPOINT_URL_SSO": "https://sso-proxy.example.test"}),
}


# The URL each case must reach (without the query), from the AWS documentation of STS regional endpoints
# (sts.<region>.amazonaws.com, .amazonaws.com.cn in China, the 16 "legacy" regions on the global
# endpoint with sts_regional_endpoints = legacy), of the SSO portal (portal.sso.<sso_region>) and SSO OIDC
# (oidc.<sso_region>) hosts, and of the configured-endpoint precedence (service variable, global
# variable, [services] section, profile endpoint_url); botocore is checked against it, then ours
# against botocore.
HOST_WANT = {
    "active-profile-region-not-source": "https://sts.eu-north-1.amazonaws.com/",
    "aws-region-ignored": "https://sts.amazonaws.com/",
    "china": "https://sts.cn-north-1.amazonaws.com.cn/",
    "default-region-variable": "https://sts.ap-southeast-2.amazonaws.com/",
    "default-region-variable-beats-profile-region": "https://sts.ap-southeast-2.amazonaws.com/",
    "endpoint-url-in-profile": "https://sts-proxy.example.test/",
    "endpoint-url-sts-variable-wins": "https://sts-env.example.test/",
    "endpoint-url-variable-beats-profile": "https://global-env.example.test/",
    "govcloud": "https://sts.us-gov-west-1.amazonaws.com/",
    "ignore-configured-endpoint-urls": "https://sts.eu-west-1.amazonaws.com/",
    "legacy-eu-west-1": "https://sts.amazonaws.com/",
    "legacy-new-region": "https://sts.af-south-1.amazonaws.com/",
    "legacy-us-east-1": "https://sts.amazonaws.com/",
    "legacy-variable": "https://sts.amazonaws.com/",
    "no-region-global": "https://sts.amazonaws.com/",
    "profile-region": "https://sts.eu-west-1.amazonaws.com/",
    "regional-us-east-1": "https://sts.us-east-1.amazonaws.com/",
    "services-section": "https://global-env.example.test/",
    "services-section-beats-profile-endpoint-url": "https://services.example.test/",
    "sso-endpoint-url-variable": "https://sso-proxy.example.test/federation/credentials",
    "sso-oidc-refresh-region": "https://oidc.eu-central-1.amazonaws.com/token",
    "sso-portal-region": "https://portal.sso.eu-central-1.amazonaws.com/federation/credentials",
    "web-identity-profile-region": "https://sts.ca-central-1.amazonaws.com/",
}


def host_case_env(case, tmp_path):
    import hashlib
    c = HOST_CASES[case]
    files = {"home/.aws/config": c["conf"].replace("{HOME}", str(tmp_path / "home")), **(c.get("files") or {})}
    if c.get("sso"):
        rel = "home/.aws/sso/cache/%s.json" % hashlib.sha1(b"corp").hexdigest()
        files[rel] = sso_cache("hostCheckToken", 3600 if c["sso"] == "valid" else -3600,
                               "hostCheckRefresh" if c["sso"] == "expired" else None)
    write_files(str(tmp_path), files)
    return runner.host_environment(dict(c.get("env") or {}, AWS_PROFILE="sso" if c.get("sso") else "dev",
                                        AWS_EC2_METADATA_DISABLED="true"), home=str(tmp_path / "home"))


def no_query(url):
    return "%s://%s%s" % urlsplit(url)[:3]


def test_host_cases_all_have_a_want():
    assert sorted(HOST_CASES) == sorted(HOST_WANT)


@pytest.mark.parametrize("case", sorted(HOST_CASES))
def test_first_url_botocore(case, tmp_path):
    got = botocore_first_url(host_case_env(case, tmp_path))
    assert got and no_query(got) == HOST_WANT[case]


@pytest.mark.parametrize("case", sorted(HOST_CASES))
def test_first_url_ours_same_as_botocore(case, tmp_path):
    need_host()
    env = host_case_env(case, tmp_path)
    want = botocore_first_url(env)
    assert want, "botocore sent nothing"
    out, stderr, code = run_ours(env, [{}], ["--first-request"])
    firsts = [o["first_request"] for o in out if "first_request" in o]
    assert firsts, "our host printed no first_request: %r %s" % (out, stderr[-2000:])
    got = firsts[0]["url"]
    assert no_query(got) == no_query(want), "botocore %s, ours %s (%s)" % (want, got, firsts[0].get("step"))
