#!/usr/bin/env python3
"""Reference host for the credential scenarios: the written rules of
testdata/credential-scenarios/README.md implemented with the stdlib only (raw-socket HTTP/1.1 with
whole-request deadlines). A test fixture for the runner and the suite; it never ships and is not the
project's chain. Speaks the host protocol: a {"calls": [...]} document on stdin, one
{"start": true} line and one result line per call on stdout.

    python3 tests/scenarios/fake_host.py [--first-request]
"""

import configparser
import hashlib
import hmac
import ipaddress
import json
import os
import re
import secrets
import shlex
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import quote, urlencode, urlsplit

MAX_BODY = 65536
MAX_HEAD = 16384
REFRESH_S = 300
RETRY_STATUS = {429, 500, 502, 503, 504}
STS_RETRY_CODES = {"Throttling", "ThrottlingException", "RequestLimitExceeded", "IDPCommunicationError"}
BACKOFF = [0.2, 0.4]
AKID = re.compile(r"^[A-Za-z0-9]{1,128}$")


class ChainError(Exception):
    def __init__(self, code, message, retry=False):
        super().__init__(message)
        self.code, self.message, self.retry = code, message, retry


def env(name):
    return os.environ.get(name) or None  # empty counts as unset


# --- HTTP with whole-request deadlines -------------------------------------------------------------
FIRST_REQUEST = "--first-request" in sys.argv[1:]


def http(method, url, headers, body, connect_s, total_s, where, token_put=False):
    """(status, body bytes); ChainError with .kind-style retry hints on transport failures. With
    --first-request the first request is printed as {"first_request": {"method", "url", "step"}}
    instead of being sent, and the host exits."""
    if FIRST_REQUEST:
        print(json.dumps({"first_request": {"method": method, "url": url, "step": where}}), flush=True)
        sys.exit(0)
    u = urlsplit(url)
    host, port = u.hostname, u.port or 80
    if u.scheme != "http":
        raise ChainError("ENDPOINT_UNREACHABLE", "%s: only http is supported by this test host" % where)
    path = (u.path or "/") + ("?" + u.query if u.query else "")
    deadline = time.monotonic() + total_s
    try:
        sock = socket.create_connection((host, port), timeout=min(connect_s, total_s))
    except (socket.timeout, TimeoutError):
        raise ChainError("ENDPOINT_TIMEOUT", "%s: connect timed out after %gs" % (where, min(connect_s, total_s)),
                         retry="timeout")
    except OSError as e:
        raise ChainError("ENDPOINT_UNREACHABLE", "%s: connection failed: %s" % (where, e.strerror or e),
                         retry="refused")
    try:
        hdrs = {"Host": u.netloc, "Connection": "close", "Content-Length": str(len(body))}
        hdrs.update(headers)
        req = "%s %s HTTP/1.1\r\n" % (method, path) + "".join("%s: %s\r\n" % kv for kv in hdrs.items())
        data = req.encode() + b"\r\n" + body

        def remaining():
            r = deadline - time.monotonic()
            if r <= 0:
                raise socket.timeout()
            return r

        sock.settimeout(remaining())
        sock.sendall(data)
        buf = b""
        while b"\r\n\r\n" not in buf:
            sock.settimeout(remaining())
            c = sock.recv(65536)
            if not c:
                raise ChainError("ENDPOINT_BAD_RESPONSE", "%s: connection closed before a complete answer"
                                 % where, retry="closed")
            buf += c
            if len(buf) > MAX_HEAD + MAX_BODY:
                raise ChainError("ENDPOINT_BAD_RESPONSE", "%s: response head too large" % where)
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        m = re.match(r"^HTTP/1\.[01] (\d{3})( .*)?$", lines[0])
        if not m or len(head) > MAX_HEAD:
            raise ChainError("ENDPOINT_BAD_RESPONSE", "%s: not an HTTP response" % where)
        status = int(m.group(1))
        h = {}
        for line in lines[1:]:
            k, sep, v = line.partition(":")
            if not sep:
                raise ChainError("ENDPOINT_BAD_RESPONSE", "%s: malformed header line" % where)
            h[k.strip().lower()] = v.strip()

        def more():
            sock.settimeout(remaining())
            c = sock.recv(65536)
            if not c:
                raise ChainError("ENDPOINT_BAD_RESPONSE", "%s: connection closed before a complete answer"
                                 % where, retry="closed")
            return c

        too_big = ChainError("ENDPOINT_BAD_RESPONSE", "%s: response body over %d bytes" % (where, MAX_BODY))
        if "chunked" in h.get("transfer-encoding", "").lower():
            out, buf = b"", rest
            while True:
                while b"\r\n" not in buf:
                    buf += more()
                line, _, buf = buf.partition(b"\r\n")
                try:
                    size = int(line.split(b";")[0].strip(), 16)
                except ValueError:
                    raise ChainError("ENDPOINT_BAD_RESPONSE", "%s: bad chunk size" % where)
                if len(out) + size > MAX_BODY:
                    raise too_big
                while len(buf) < size + 2:
                    buf += more()
                if size == 0:
                    break
                out += buf[:size]
                buf = buf[size + 2:]
            return status, out
        if "content-length" in h:
            try:
                n = int(h["content-length"])
            except ValueError:
                raise ChainError("ENDPOINT_BAD_RESPONSE", "%s: bad Content-Length" % where)
            if n > MAX_BODY:
                raise too_big
            out = rest
            while len(out) < n:
                out += more()
            return status, out[:n]
        out = rest
        while True:
            sock.settimeout(remaining())
            c = sock.recv(65536)
            if not c:
                return status, out
            out += c
            if len(out) > MAX_BODY:
                raise too_big
    except (socket.timeout, TimeoutError):
        code = "IMDS_TOKEN_TIMEOUT" if token_put else "ENDPOINT_TIMEOUT"
        raise ChainError(code, "%s: no complete answer within %gs" % (where, total_s), retry="timeout")
    except (ConnectionResetError, BrokenPipeError):
        raise ChainError("ENDPOINT_BAD_RESPONSE", "%s: connection reset before a complete answer" % where,
                         retry="closed")
    finally:
        sock.close()


def where_of(method, url):
    u = urlsplit(url)
    return "%s %s://%s%s" % (method, u.scheme, u.netloc, u.path or "/")


def fetch(kind, method, url, headers=None, body=b"", connect_s=2, total_s=10, attempts=3,
          backoff=True, token_put=False, sts=False):
    """One step with the source's retry policy; returns the body of a 200 (or, for STS, any status)."""
    where = where_of(method, url)
    last = None
    for i in range(attempts):
        if i and backoff:
            time.sleep(BACKOFF[min(i - 1, len(BACKOFF) - 1)])
        try:
            status, data = http(method, url, headers or {}, body, connect_s, total_s, where, token_put)
        except ChainError as e:
            retry = e.retry in (("timeout", "refused", "closed") if kind == "imds" else ("closed",))
            last = e
            if retry:
                continue
            raise
        if sts:
            err = sts_error(data)
            if err is not None:
                last = ChainError("STS_ERROR_RESPONSE", "%s: HTTP %d: STS error %s: %s"
                                  % (where, status, err[0], err[1]))
                if status in RETRY_STATUS or err[0] in STS_RETRY_CODES:
                    continue
                raise last
        if status != 200:
            last = ChainError("ENDPOINT_HTTP_STATUS", "%s: HTTP status %d, expected 200" % (where, status))
            if status in RETRY_STATUS or (kind == "imds" and status >= 500):
                continue
            raise last
        return data, where
    raise last


# --- parsing ---------------------------------------------------------------------------------------
def text_of(data, where):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ChainError("RESPONSE_NOT_TEXT", "%s: response is not UTF-8 text" % where)


def parse_json(data, where):
    try:
        v = json.loads(text_of(data, where))
    except ValueError:
        raise ChainError("JSON_MALFORMED", "%s: response is not JSON" % where)
    return v


def timestamp(v, where):
    if isinstance(v, bool):
        raise ChainError("WRONG_RESPONSE_FIELD_TYPE", "%s: Expiration has the wrong type" % where)
    if isinstance(v, (int, float)):
        return float(v)
    if not isinstance(v, str):
        raise ChainError("WRONG_RESPONSE_FIELD_TYPE", "%s: Expiration has the wrong type" % where)
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)", v.strip())
    try:
        if not m:
            raise ValueError
        t = datetime(*map(int, m.groups()[:6]), tzinfo=timezone.utc).timestamp()
        if m.group(8) != "Z":
            sign = 1 if m.group(8)[0] == "+" else -1
            t -= sign * (int(m.group(8)[1:3]) * 3600 + int(m.group(8)[4:6]) * 60)
        return t
    except ValueError:
        raise ChainError("INVALID_TIMESTAMP", "%s: Expiration is not an ISO-8601 time or epoch seconds"
                         % where)


def credentials(obj, names, where, source):
    """names = (key id, secret, token, token required?)."""
    if not isinstance(obj, dict):
        raise ChainError("UNEXPECTED_RESPONSE_SHAPE", "%s: expected a JSON object" % where)
    akid_f, secret_f, token_f, token_required = names
    vals = {}
    for f in (akid_f, secret_f, "Expiration") + ((token_f,) if token_required else ()):
        if obj.get(f) is None:
            raise ChainError("MISSING_RESPONSE_FIELD", "%s: response lacks %s" % (where, f))
    for f in (akid_f, secret_f, token_f):
        v = obj.get(f)
        if v is not None and not isinstance(v, str):
            raise ChainError("WRONG_RESPONSE_FIELD_TYPE", "%s: %s is not a string" % (where, f))
        vals[f] = v
    exp = timestamp(obj["Expiration"], where)
    if not AKID.match(vals[akid_f]):
        raise ChainError("INVALID_ACCESS_KEY_ID", "%s: invalid access key id in %s" % (where, akid_f))
    if exp <= time.time() + REFRESH_S:
        raise ChainError("CREDENTIALS_EXPIRED", "credentials from %s (%s) expired or expire within 5 minutes"
                         % (source, where))
    return {"source": source, "access_key_id": vals[akid_f], "session_token": bool(vals[token_f]),
            "expiration": int(exp), "secret": vals[secret_f], "token": vals[token_f]}


def strip_ns(e):
    for x in e.iter():
        if "}" in x.tag:
            x.tag = x.tag.split("}", 1)[1]
    return e


def sts_error(data):
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        return None
    try:
        if text.startswith("<"):
            root = strip_ns(ET.fromstring(text))
            if root.tag == "ErrorResponse" and root.find("Error/Code") is not None:
                return root.findtext("Error/Code"), root.findtext("Error/Message") or ""
        else:
            v = json.loads(text)
            e = v.get("Error") if isinstance(v, dict) else None
            if isinstance(e, dict) and isinstance(e.get("Code"), str):
                return e["Code"], str(e.get("Message", ""))
    except (ET.ParseError, ValueError):
        pass
    return None


def sts_credentials(data, where, action="AssumeRoleWithWebIdentity", source="web-identity"):
    text = text_of(data, where)
    names = ("AccessKeyId", "SecretAccessKey", "SessionToken", True)
    if text.lstrip().startswith("<"):
        try:
            root = strip_ns(ET.fromstring(text))
        except ET.ParseError:
            raise ChainError("XML_MALFORMED", "%s: malformed XML response" % where)
        c = root.find("%sResult/Credentials" % action)
        if root.tag != action + "Response" or c is None:
            raise ChainError("UNEXPECTED_RESPONSE_SHAPE", "%s: no %sResult" % (where, action))
        obj = {x.tag: x.text or "" for x in c}
    else:
        v = parse_json(data, where)
        try:
            obj = v[action + "Response"][action + "Result"]["Credentials"]
        except (KeyError, TypeError):
            raise ChainError("UNEXPECTED_RESPONSE_SHAPE", "%s: no %sResult" % (where, action))
    return credentials(obj, names, where, source)


def read_file(path, what):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ChainError("FILE_UNREADABLE", "%s: cannot read %s: %s" % (what, path, e.strerror))


def graphic(s):
    return all(0x21 <= ord(ch) <= 0x7E for ch in s)


# --- the sources -----------------------------------------------------------------------------------
def from_environment():
    ak, sk, st = env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"), env("AWS_SESSION_TOKEN")
    if not (ak or sk or st):
        return None
    if ak and not sk:
        raise ChainError("MISSING_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID is set, but AWS_SECRET_ACCESS_KEY is missing")
    if sk and not ak:
        raise ChainError("MISSING_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY is set, but AWS_ACCESS_KEY_ID is missing")
    if not ak:
        raise ChainError("SESSION_TOKEN_WITHOUT_KEYS",
                         "AWS_SESSION_TOKEN is set, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are missing")
    if not AKID.match(ak):
        raise ChainError("INVALID_ACCESS_KEY_ID", "AWS_ACCESS_KEY_ID: invalid access key id")
    return {"source": "environment", "access_key_id": ak, "session_token": bool(st), "expiration": None,
            "secret": sk, "token": st}


def from_web_identity(path, arn, what="AWS_WEB_IDENTITY_TOKEN_FILE", session_name=None, base=None):
    raw = read_file(path, what)
    try:
        token = raw.decode("ascii").rstrip("\r\n\t ")
    except UnicodeDecodeError:
        token = None
    if token is None or not 4 <= len(token) <= 20000 or not graphic(token):
        raise ChainError("INVALID_WEB_IDENTITY_TOKEN",
                         "%s %s: expected 4 to 20000 printable ASCII characters" % (what, path))
    name = session_name or "mongodb-aws-" + secrets.token_hex(16)
    base = base or env("MONGODB_AWS_STS_ENDPOINT") or "https://sts.amazonaws.com"
    form = [("Action", "AssumeRoleWithWebIdentity"), ("RoleArn", arn), ("RoleSessionName", name),
            ("Version", "2011-06-15"), ("WebIdentityToken", token)]
    body = "&".join("%s=%s" % (k, quote(v, safe="")) for k, v in form).encode()
    data, where = fetch("sts", "POST", base.rstrip("/") + "/", {
        "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded"},
        body, connect_s=5, total_s=10, sts=True)
    return sts_credentials(data, where)


def container_json(data, where, source):
    return credentials(parse_json(data, where), ("AccessKeyId", "SecretAccessKey", "Token", False), where, source)


def from_ecs(rel):
    base = env("MONGODB_AWS_ECS_ENDPOINT") or "http://169.254.170.2"
    data, where = fetch("ecs", "GET", base.rstrip("/") + rel)
    return container_json(data, where, "ecs")


def allowed_container_host(host):
    if host in ("169.254.170.2", "169.254.170.23", "localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip == ipaddress.ip_address("fd00:ec2::23")


def from_full_uri(uri):
    u = urlsplit(uri)
    if u.scheme != "https" and not (u.scheme == "http" and allowed_container_host(u.hostname or "")):
        raise ChainError("FORBIDDEN_CONTAINER_HOST", "AWS_CONTAINER_CREDENTIALS_FULL_URI: plain http is only "
                         "allowed to loopback, 169.254.170.2, 169.254.170.23 or fd00:ec2::23")
    headers = {}
    tf = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
    if tf:
        tok = read_file(tf, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").decode("utf-8", "replace").rstrip("\r\n\t ")
    else:
        tok = env("AWS_CONTAINER_AUTHORIZATION_TOKEN")
    if tok:
        headers["Authorization"] = tok
    data, where = fetch("full", "GET", uri, headers)
    return container_json(data, where, "container-full-uri")


def number_var(name, default, parse, ok):
    v = env(name)
    if v is None:
        return default
    try:
        n = parse(v)
        if not ok(n):
            raise ValueError
        return n
    except ValueError:
        raise ChainError("INVALID_ENVIRONMENT_VARIABLE", "%s: invalid value" % name)


def parse_seconds(v):
    if not re.fullmatch(r"\d+(\.\d+)?", v.strip()):
        raise ValueError
    return float(v)


def from_ec2():
    d = env("AWS_EC2_METADATA_DISABLED")
    if d and d.strip().lower() == "true":
        raise ChainError("NO_CREDENTIALS", "no AWS credentials found (AWS_EC2_METADATA_DISABLED is true)")
    timeout = number_var("AWS_METADATA_SERVICE_TIMEOUT", 1.0, parse_seconds, lambda n: 0 < n <= 3600)
    attempts = number_var("AWS_METADATA_SERVICE_NUM_ATTEMPTS", 1, lambda v: int(v.strip(), 10),
                          lambda n: 1 <= n <= 10)
    base = (env("MONGODB_AWS_EC2_METADATA_ENDPOINT") or env("AWS_EC2_METADATA_SERVICE_ENDPOINT")
            or "http://169.254.169.254").rstrip("/")
    kw = dict(connect_s=timeout, total_s=timeout, attempts=attempts, backoff=False)
    data, where = fetch("imds", "PUT", base + "/latest/api/token",
                        {"X-aws-ec2-metadata-token-ttl-seconds": "30"}, token_put=True, **kw)
    try:
        token = data.decode("ascii").rstrip("\r\n\t ")
    except UnicodeDecodeError:
        token = ""
    if not 1 <= len(token) <= 1024 or not graphic(token):
        raise ChainError("INVALID_IMDS_TOKEN", "%s: expected 1 to 1024 printable characters" % where)
    h = {"X-aws-ec2-metadata-token": token}
    data, where = fetch("imds", "GET", base + "/latest/meta-data/iam/security-credentials/", h, **kw)
    lines = text_of(data, where).splitlines()
    role = lines[0].strip() if lines else ""
    if not role:
        raise ChainError("NO_INSTANCE_ROLE", "%s: the instance has no IAM role" % where)
    data, where = fetch("imds", "GET", base + "/latest/meta-data/iam/security-credentials/" + role, h, **kw)
    obj = parse_json(data, where)
    if isinstance(obj, dict) and obj.get("Code") not in (None, "Success"):
        raise ChainError("IMDS_CODE_NOT_SUCCESS", "%s: Code is not Success" % where)
    return container_json(data, where, "ec2")


# --- the shared config and credentials files (PROTOCOL.md B) ----------------------------------------
PROCESS_TIMEOUT_S = 60
MFA_TIMEOUT_S = 300
MAX_ROLE_HOPS = 8
VALID_CREDENTIAL_SOURCES = ("Environment", "Ec2InstanceMetadata", "EcsContainer")
SSO_REFRESH_WINDOW_S = 15 * 60
# The regions STS served from the global endpoint before regional endpoints (AWS docs, "Managing AWS STS
# in an AWS Region"): sts_regional_endpoints = legacy keeps them on sts.amazonaws.com.
LEGACY_STS_REGIONS = {"ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
                      "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1",
                      "us-east-1", "us-east-2", "us-west-1", "us-west-2"}


def expand(path):
    """`~` is HOME (botocore: os.path.expanduser)."""
    if path == "~" or path.startswith("~/"):
        home = env("HOME") or env("USERPROFILE")
        if home is None:
            return None
        return home + path[1:]
    return path


class IniFile:
    """One parsed shared file: the sections (keys lower-cased, [DEFAULT] keys visible in each, as
    configparser shows them to botocore) and the 1-based line of each section header."""

    def __init__(self, path, what):
        self.path = path
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except FileNotFoundError:
            self.sections, self.lines, self.exists = {}, {}, False
            return
        except OSError as e:
            raise ChainError("FILE_UNREADABLE", "%s: cannot read %s (chosen by %s): %s"
                             % (what, path, what, e.strerror))
        self.exists = True
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise ChainError("INI_NOT_UTF8", "%s: not UTF-8 text" % path)
        if text.startswith("\ufeff"):
            raise ChainError("INI_BYTE_ORDER_MARK", "%s line 1: starts with a byte order mark" % path)
        cp = configparser.RawConfigParser()
        try:
            cp.read_string(text, source=path)
        except configparser.MissingSectionHeaderError as e:
            raise ChainError("INI_MISSING_SECTION", "%s line %d: a key before any [section]" % (path, e.lineno))
        except configparser.DuplicateSectionError as e:
            raise ChainError("INI_DUPLICATE_SECTION", "%s line %s: section [%s] repeated" % (path, e.lineno, e.section))
        except configparser.DuplicateOptionError as e:
            raise ChainError("INI_DUPLICATE_KEY", "%s line %s: key %s repeated in [%s]"
                             % (path, e.lineno, e.option, e.section))
        except configparser.ParsingError as e:
            line = e.errors[0][0] if e.errors else 0
            raise ChainError("INI_SYNTAX", "%s line %d: expected key = value" % (path, line))
        self.sections = {}
        for name in cp.sections():
            self.sections[name] = {k: parse_nested(v) if v.startswith("\n") else v for k, v in cp.items(name)}
        self.lines = {}
        for i, line in enumerate(text.splitlines(), 1):
            t = line.strip()
            if t.startswith("[") and "]" in t:
                self.lines.setdefault(t[1:t.rindex("]")], i)


def parse_nested(v):
    out = {}
    for line in v.splitlines():
        if line.strip():
            k, _, x = line.partition("=")
            out[k.strip()] = x.strip()
    return out


class Profiles:
    """Both files, the profile name, and botocore's merged view (session.full_config): config-file
    profiles updated by the credentials file's sections of the same name."""

    def __init__(self, explicit):
        # A variable set but empty means no file (botocore: the path '' is not a file).
        cpath = os.environ.get("AWS_CONFIG_FILE")
        self.config_var = "AWS_CONFIG_FILE" if cpath is not None else "HOME"
        cpath = expand(cpath if cpath is not None else "~/.aws/config") or None
        kpath = os.environ.get("AWS_SHARED_CREDENTIALS_FILE")
        self.creds_var = "AWS_SHARED_CREDENTIALS_FILE" if kpath is not None else "HOME"
        kpath = expand(kpath if kpath is not None else "~/.aws/credentials") or None
        self.config = IniFile(cpath, self.config_var) if cpath else None
        self.creds = IniFile(kpath, self.creds_var) if kpath else None
        self.config_profiles, self.sso_sessions, self.services, self.config_section = {}, {}, {}, {}
        if self.config:
            for sec, keys in self.config.sections.items():
                kind, name = self._kind(sec)
                if kind == "profile":
                    self.config_profiles[name] = keys
                    self.config_section[name] = sec
                elif kind == "sso-session":
                    self.sso_sessions[name] = keys
                elif kind == "services":
                    self.services[name] = keys
        self.creds_profiles = dict(self.creds.sections) if self.creds else {}
        self.merged = {k: dict(v) for k, v in self.config_profiles.items()}
        for name, keys in self.creds_profiles.items():
            self.merged.setdefault(name, {}).update(keys)
        if explicit is not None:
            self.name, self.named_by = explicit, "the profile option"
        elif "AWS_DEFAULT_PROFILE" in os.environ:
            self.name, self.named_by = os.environ["AWS_DEFAULT_PROFILE"], "AWS_DEFAULT_PROFILE"
        elif "AWS_PROFILE" in os.environ:
            self.name, self.named_by = os.environ["AWS_PROFILE"], "AWS_PROFILE"
        else:
            self.name, self.named_by = "default", None
        if self.name not in self.merged and self.named_by is not None:
            raise ChainError("PROFILE_NOT_FOUND", "profile %r (named by %s) is in neither %s nor %s"
                             % (self.name, self.named_by, cpath, kpath))

    @staticmethod
    def _kind(section):
        if section == "default":
            return "profile", "default"
        try:
            parts = shlex.split(section)
        except ValueError:
            return None, None
        if len(parts) == 2 and parts[0].startswith("profile"):
            return "profile", parts[1]
        if len(parts) == 2 and parts[0] == "sso-session":
            return "sso-session", parts[1]
        if len(parts) == 2 and parts[0] == "services":
            return "services", parts[1]
        return None, None

    def where(self, name, key):
        """(file, header line) of the section of profile `name` that holds `key`."""
        if key in self.creds_profiles.get(name, {}):
            return self.creds.path, self.creds.lines.get(name)
        sec = self.config_section.get(name)
        if self.config is None or sec is None:
            return None, None
        return self.config.path, self.config.lines.get(sec)

    def region(self):
        return env("AWS_DEFAULT_REGION") or self.merged.get(self.name, {}).get("region")

    def endpoint(self, service, env_name, base_override):
        """The endpoint URL for a service: the project's override, then botocore's order
        (ConfiguredEndpointProvider): AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's
        [services] section, the profile's endpoint_url; none of those four with
        AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true; else None."""
        if env(base_override):
            return env(base_override)
        if (env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") or "").lower() == "true":
            return None
        if env(env_name):
            return env(env_name)
        if env("AWS_ENDPOINT_URL"):
            return env("AWS_ENDPOINT_URL")
        prof = self.merged.get(self.name, {})
        svc = self.services.get(prof.get("services", ""), {}).get(service)
        if isinstance(svc, dict) and svc.get("endpoint_url"):
            return svc["endpoint_url"]
        return prof.get("endpoint_url")

    def sts_base(self):
        """(base URL, signing region) of the profile's STS calls (PROTOCOL.md B3; botocore's regional
        endpoints, the global one for the legacy regions in `legacy` mode)."""
        url = self.endpoint("sts", "AWS_ENDPOINT_URL_STS", "MONGODB_AWS_STS_ENDPOINT")
        region = self.region()
        if url:
            return url, region or "us-east-1"
        if not region:
            return "https://sts.amazonaws.com", "us-east-1"
        mode = env("AWS_STS_REGIONAL_ENDPOINTS") or self.merged.get(self.name, {}).get("sts_regional_endpoints")
        if (mode or "").lower() == "legacy" and region in LEGACY_STS_REGIONS:
            return "https://sts.amazonaws.com", "us-east-1"
        suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
        return "https://sts.%s.%s" % (region, suffix), region


def sigv4(method, url, headers, body, creds, region, service="sts"):
    """Adds x-amz-date, x-amz-security-token and Authorization (SigV4) to headers."""
    t = time.gmtime()
    amz = time.strftime("%Y%m%dT%H%M%SZ", t)
    day = amz[:8]
    u = urlsplit(url)
    h = dict(headers)
    h["Host"] = u.netloc
    h["X-Amz-Date"] = amz
    if creds.get("token"):
        h["X-Amz-Security-Token"] = creds["token"]
    names = sorted(k.lower() for k in h)
    items = sorted(h.items(), key=lambda kv: kv[0].lower())
    canon_h = "".join("%s:%s\n" % (k.lower(), str(v).strip()) for k, v in items)
    signed = ";".join(names)
    canon = "\n".join([method, u.path or "/", u.query, canon_h, signed, hashlib.sha256(body).hexdigest()])
    scope = "%s/%s/%s/aws4_request" % (day, region, service)
    sts = "\n".join(["AWS4-HMAC-SHA256", amz, scope, hashlib.sha256(canon.encode()).hexdigest()])
    k = ("AWS4" + creds["secret"]).encode()
    for part in (day, region, service, "aws4_request"):
        k = hmac.new(k, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(k, sts.encode(), hashlib.sha256).hexdigest()
    h["Authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
        creds["akid"], scope, signed, sig)
    del h["Host"]
    return h


def validate_akid(akid, where):
    if not AKID.match(akid or ""):
        raise ChainError("INVALID_ACCESS_KEY_ID", "%s: invalid access key id" % where)


class ProfileChain:
    """The profile steps of the chain, in botocore's order (PROTOCOL.md B3)."""

    def __init__(self, files, mfa):
        self.f = files
        self.mfa = mfa
        self.asked = []

    def result(self, c, key):
        """The success, with its origin: the active profile's section in the file that held `key`."""
        file, line = self.f.where(self.f.name, key)
        return dict(c, profile=self.f.name, origin_file=file, origin_line=line)

    # the steps before the credentials of the files (profile role, web identity, SSO)
    def role(self):
        prof = self.f.merged.get(self.f.name)
        if prof and "role_arn" in prof and "web_identity_token_file" not in prof:
            c = self.assume_role(self.f.name, [self.f.name])
            return self.result(c, "role_arn")
        return None

    def web_identity(self, name, active):
        prof = self.f.merged.get(name, {})
        if "web_identity_token_file" not in prof:
            return None
        if not prof.get("role_arn"):
            file, _ = self.f.where(name, "web_identity_token_file")
            raise ChainError("PROFILE_ROLE_WITHOUT_SOURCE",
                             "profile %r in %s has web_identity_token_file but no role_arn" % (name, file))
        path = expand(prof["web_identity_token_file"])
        base, _region = self.f.sts_base()
        c = from_web_identity(path, prof["role_arn"], "web_identity_token_file of profile %r" % name,
                              prof.get("role_session_name"), base)
        return self.result(c, "web_identity_token_file") if active else c

    def rest(self, name, active):
        """SSO, credentials-file keys, credential_process, config-file keys of profile `name`."""
        for step in (self.sso, self.creds_file_keys, self.process, self.config_file_keys):
            c = step(name, active)
            if c is not None:
                return c
        return None

    def static_keys(self, name, keys, path, active):
        if "aws_access_key_id" not in keys:
            return None
        if not keys.get("aws_secret_access_key"):
            raise ChainError("PROFILE_PARTIAL_CREDENTIALS",
                             "profile %r in %s has aws_access_key_id but no aws_secret_access_key in that file"
                             % (name, path))
        validate_akid(keys["aws_access_key_id"], "aws_access_key_id of profile %r in %s" % (name, path))
        # botocore's TOKENS: the older name aws_security_token first
        tok = keys["aws_security_token"] if "aws_security_token" in keys else keys.get("aws_session_token")
        c = {"source": "profile", "access_key_id": keys["aws_access_key_id"],
             "session_token": bool(tok), "expiration": None, "secret": keys["aws_secret_access_key"], "token": tok}
        return c

    def creds_file_keys(self, name, active):
        keys = self.f.creds_profiles.get(name)
        if keys is None:
            return None
        c = self.static_keys(name, keys, self.f.creds.path, active)
        if c is not None and active:
            return dict(c, profile=name, origin_file=self.f.creds.path, origin_line=self.f.creds.lines.get(name))
        return c

    def config_file_keys(self, name, active):
        keys = self.f.config_profiles.get(name)
        if keys is None:
            return None
        c = self.static_keys(name, keys, self.f.config.path, active)
        if c is not None and active:
            sec = self.f.config_section[name]
            return dict(c, profile=name, origin_file=self.f.config.path, origin_line=self.f.config.lines.get(sec))
        return c

    # credential_process
    def process(self, name, active):
        cmd = self.f.merged.get(name, {}).get("credential_process")
        if cmd is None:
            return None
        file, _ = self.f.where(name, "credential_process")
        try:
            argv = shlex.split(cmd)
        except ValueError:
            argv = []
        if not argv:
            raise ChainError("PROFILE_INVALID_VALUE",
                             "credential_process of profile %r in %s: not a command" % (name, file))
        prog = argv[0]
        where = "credential_process %s (arguments hidden) of profile %r in %s" % (prog, name, file)
        timeout = number_var("MONGODB_AWS_CREDENTIAL_PROCESS_TIMEOUT", PROCESS_TIMEOUT_S, parse_seconds,
                             lambda n: 0 < n <= 3600)
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ChainError("CREDENTIAL_PROCESS_TIMEOUT", "%s: ran longer than %g s" % (where, timeout))
        except OSError as e:
            raise ChainError("CREDENTIAL_PROCESS_SPAWN", "%s: cannot run it: %s" % (where, e.strerror))
        if p.returncode != 0:
            raise ChainError("CREDENTIAL_PROCESS_FAILED", "%s: exit status %d; stderr: %s"
                             % (where, p.returncode, p.stderr.decode("utf-8", "replace").strip()))
        bad = lambda what: ChainError("CREDENTIAL_PROCESS_BAD_OUTPUT", "%s: %s" % (where, what))
        try:
            v = json.loads(p.stdout.decode("utf-8"))
        except ValueError:
            raise bad("its output is not JSON")
        if not isinstance(v, dict):
            raise bad("its output is not a JSON object")
        if v.get("Version") != 1 or isinstance(v.get("Version"), bool):
            raise bad("Version must be 1")
        for k in ("AccessKeyId", "SecretAccessKey"):
            if not isinstance(v.get(k), str) or not v[k]:
                raise bad("its output lacks %s" % k)
        if v.get("SessionToken") is not None and not isinstance(v["SessionToken"], str):
            raise bad("SessionToken is not a string")
        validate_akid(v["AccessKeyId"], where)
        exp = None
        if v.get("Expiration") is not None:
            exp = timestamp(v["Expiration"], where)
            if exp <= time.time() + REFRESH_S:
                raise ChainError("CREDENTIALS_EXPIRED",
                                 "credentials from %s expired or expire within 5 minutes" % where)
            exp = int(exp)
        c = {"source": "credential-process", "access_key_id": v["AccessKeyId"],
             "session_token": bool(v.get("SessionToken")), "expiration": exp,
             "secret": v["SecretAccessKey"], "token": v.get("SessionToken")}
        return self.result(c, "credential_process") if active else c

    # IAM Identity Center
    def sso(self, name, active):
        prof = self.f.merged.get(name, {})
        if "sso_account_id" not in prof and "sso_role_name" not in prof:
            return None
        file, _ = self.f.where(name, "sso_account_id" if "sso_account_id" in prof else "sso_role_name")
        conf = dict(prof)
        session = prof.get("sso_session")
        if session is not None:
            if session not in self.f.sso_sessions:
                raise ChainError("SSO_SESSION_NOT_FOUND", "profile %r in %s names sso_session %r, but %s has no "
                                 "[sso-session %s]" % (name, file, session, self.f.config.path, session))
            for k, v in self.f.sso_sessions[session].items():
                if conf.get(k, v) != v:
                    raise ChainError("SSO_INVALID_CONFIG", "profile %r in %s: %s differs from [sso-session %s]"
                                     % (name, file, k, session))
                conf[k] = v
        missing = [k for k in ("sso_role_name", "sso_account_id", "sso_start_url", "sso_region") if k not in conf]
        if missing:
            raise ChainError("SSO_INVALID_CONFIG", "profile %r in %s is configured for SSO but lacks %s"
                             % (name, file, ", ".join(missing)))
        login = "aws sso login --sso-session %s" % session if session else "aws sso login --profile %s" % name
        key = session if session else conf["sso_start_url"]
        home = expand("~/.aws/sso/cache")
        path = "%s/%s.json" % (home, hashlib.sha1(key.encode("utf-8")).hexdigest())
        try:
            with open(path, "rb") as fh:
                tok = json.loads(fh.read().decode("utf-8"))
        except FileNotFoundError:
            raise ChainError("SSO_TOKEN_MISSING", "profile %r: no SSO token in %s; run `%s`" % (name, path, login))
        except OSError as e:
            raise ChainError("FILE_UNREADABLE", "SSO token cache %s: %s" % (path, e.strerror))
        except ValueError:
            raise ChainError("JSON_MALFORMED", "SSO token cache %s is not JSON" % path)
        if not isinstance(tok, dict) or not isinstance(tok.get("accessToken"), str) or "expiresAt" not in tok:
            raise ChainError("MISSING_RESPONSE_FIELD", "SSO token cache %s lacks accessToken or expiresAt" % path)
        expires = timestamp(tok["expiresAt"], path)
        if session and expires - time.time() < SSO_REFRESH_WINDOW_S:
            tok = self.sso_refresh(tok, conf, path) or tok
            expires = timestamp(tok["expiresAt"], path)
        if expires <= time.time():
            raise ChainError("SSO_TOKEN_EXPIRED", "profile %r: the SSO token in %s expired; run `%s`"
                             % (name, path, login))
        base = self.f.endpoint("sso", "AWS_ENDPOINT_URL_SSO", "MONGODB_AWS_SSO_ENDPOINT") or \
            "https://portal.sso.%s.amazonaws.com" % conf["sso_region"]
        url = base.rstrip("/") + "/federation/credentials?" + urlencode(
            [("account_id", conf["sso_account_id"]), ("role_name", conf["sso_role_name"])])
        where = where_of("GET", url)
        status, data = http("GET", url, {"x-amz-sso_bearer_token": tok["accessToken"]}, b"", 5, 10, where)
        if status == 401:
            raise ChainError("SSO_TOKEN_EXPIRED", "%s: HTTP 401: the SSO token was refused; run `%s`" % (where, login))
        if status != 200:
            raise ChainError("ENDPOINT_HTTP_STATUS", "%s: HTTP status %d, expected 200" % (where, status))
        v = parse_json(data, where)
        rc = v.get("roleCredentials") if isinstance(v, dict) else None
        if not isinstance(rc, dict):
            raise ChainError("MISSING_RESPONSE_FIELD", "%s: response lacks roleCredentials" % where)
        obj = {"AccessKeyId": rc.get("accessKeyId"), "SecretAccessKey": rc.get("secretAccessKey"),
               "SessionToken": rc.get("sessionToken"),
               "Expiration": rc["expiration"] / 1000.0 if isinstance(rc.get("expiration"), (int, float)) else None}
        c = credentials(obj, ("AccessKeyId", "SecretAccessKey", "SessionToken", True), where, "sso")
        return self.result(c, "sso_account_id" if "sso_account_id" in prof else "sso_role_name") if active else c

    def sso_refresh(self, tok, conf, path):
        if not all(k in tok for k in ("refreshToken", "clientId", "clientSecret", "registrationExpiresAt")):
            return None
        if timestamp(tok["registrationExpiresAt"], path) <= time.time():
            return None
        base = self.f.endpoint("sso-oidc", "AWS_ENDPOINT_URL_SSO_OIDC", "MONGODB_AWS_SSO_OIDC_ENDPOINT") or \
            "https://oidc.%s.amazonaws.com" % conf["sso_region"]
        url = base.rstrip("/") + "/token"
        body = json.dumps({"clientId": tok["clientId"], "clientSecret": tok["clientSecret"],
                           "grantType": "refresh_token", "refreshToken": tok["refreshToken"]}).encode()
        where = where_of("POST", url)
        try:
            status, data = http("POST", url, {"Content-Type": "application/json"}, body, 5, 10, where)
        except ChainError:
            return None
        if status != 200:
            return None
        try:
            v = json.loads(data)
            new = dict(tok, accessToken=v["accessToken"],
                       expiresAt=iso_z(time.time() + int(v["expiresIn"])))
        except (ValueError, KeyError, TypeError):
            return None
        if v.get("refreshToken"):
            new["refreshToken"] = v["refreshToken"]
        try:
            with open(path, "w") as fh:
                json.dump(new, fh)
        except OSError:
            pass  # a failed write-back is not fatal: the refreshed token is used
        return new

    # role chains
    def assume_role(self, name, visited, hops=1):
        if hops > MAX_ROLE_HOPS:
            raise ChainError("PROFILE_CHAIN_TOO_LONG", "role chain from profile %r: more than %d role_arn hops "
                             "through source_profile (%s)" % (visited[0], MAX_ROLE_HOPS, " -> ".join(visited)))
        prof = self.f.merged[name]
        file, _ = self.f.where(name, "role_arn")
        sp, cs = prof.get("source_profile"), prof.get("credential_source")
        if sp is not None and cs is not None:
            raise ChainError("PROFILE_ROLE_SOURCE_CONFLICT", "profile %r in %s has both source_profile and "
                             "credential_source; expected one" % (name, file))
        if sp is None and cs is None:
            raise ChainError("PROFILE_ROLE_WITHOUT_SOURCE", "profile %r in %s has role_arn but neither "
                             "source_profile nor credential_source" % (name, file))
        duration = prof.get("duration_seconds")
        if duration is not None:
            if not re.fullmatch(r"\d+", duration) or not 900 <= int(duration) <= 43200:
                raise ChainError("PROFILE_INVALID_VALUE", "profile %r in %s: duration_seconds %r is not a whole "
                                 "number of seconds from 900 to 43200" % (name, file, duration))
        if cs is not None:
            if cs not in VALID_CREDENTIAL_SOURCES:
                raise ChainError("PROFILE_INVALID_CREDENTIAL_SOURCE", "profile %r in %s: credential_source %r is "
                                 "not one of Environment, Ec2InstanceMetadata, EcsContainer" % (name, file, cs))
            base = self.credential_source(cs, name)
        else:
            if sp not in self.f.merged:
                raise ChainError("PROFILE_NOT_FOUND", "source_profile %r of profile %r in %s is in neither file"
                                 % (sp, name, file))
            if sp in visited and (sp != name or not self.has_static(self.f.merged[sp])):
                raise ChainError("PROFILE_SOURCE_CYCLE", "source_profile cycle: %s" % " -> ".join(visited + [sp]))
            visited.append(sp)
            sprof = self.f.merged[sp]
            if self.has_static(sprof) or "role_arn" not in sprof or "web_identity_token_file" in sprof:
                base = self.web_identity(sp, False) or self.rest(sp, False)
                if base is None:
                    raise ChainError("PROFILE_SOURCE_WITHOUT_CREDENTIALS",
                                     "source_profile %r of profile %r has no credentials" % (sp, name))
            else:
                base = self.assume_role(sp, visited, hops + 1)
        form = [("Action", "AssumeRole"), ("Version", "2011-06-15"), ("RoleArn", prof["role_arn"]),
                ("RoleSessionName", prof.get("role_session_name") or "mongodb-aws-" + secrets.token_hex(16))]
        if duration is not None:
            form.append(("DurationSeconds", duration))
        if prof.get("external_id") is not None:
            form.append(("ExternalId", prof["external_id"]))
        serial = prof.get("mfa_serial")
        if serial is not None:
            # The callback's deadline: read before it is asked (a sync list of codes never runs late).
            number_var("MONGODB_AWS_MFA_TIMEOUT", MFA_TIMEOUT_S, parse_seconds, lambda n: 0 < n <= 3600)
            self.asked.append(serial)
            if self.mfa is None:
                raise ChainError("MFA_CODE_REQUIRED", "profile %r in %s has mfa_serial %s: an MFA code is needed; "
                                 "install an MFA callback (Resolver::mfa / set_mfa_provider)" % (name, file, serial))
            if not self.mfa:
                raise ChainError("MFA_CODE_UNAVAILABLE", "the MFA callback for %s failed: no more codes" % serial)
            form += [("SerialNumber", serial), ("TokenCode", self.mfa.pop(0))]
        body = "&".join("%s=%s" % (k, quote(v, safe="")) for k, v in form).encode()
        url, region = self.f.sts_base()
        url = url.rstrip("/") + "/"
        headers = sigv4("POST", url, {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                                      "Accept": "application/json"}, body,
                        {"akid": base["access_key_id"], "secret": base["secret"], "token": base.get("token")}, region)
        data, where = fetch("sts", "POST", url, headers, body, connect_s=5, total_s=10, sts=True)
        return sts_credentials(data, where, "AssumeRole", "assume-role")

    @staticmethod
    def has_static(prof):
        return "aws_access_key_id" in prof or "aws_secret_access_key" in prof

    def credential_source(self, cs, name):
        if cs == "Environment":
            c = from_environment()
        elif cs == "EcsContainer":
            rel, full = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), env("AWS_CONTAINER_CREDENTIALS_FULL_URI")
            c = from_ecs(rel) if rel else from_full_uri(full) if full else None
        else:
            c = from_ec2()
        if c is None:
            raise ChainError("NO_CREDENTIALS", "credential_source %s of profile %r found no credentials" % (cs, name))
        return c


def iso_z(t):
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


PUBLIC = ("source", "access_key_id", "session_token", "expiration", "profile", "origin_file", "origin_line")


def cache_key(explicit):
    """One cache entry per named profile (the option, AWS_DEFAULT_PROFILE, AWS_PROFILE), so switching
    profiles never answers with another profile's credentials; without a named profile, the one entry
    of the chain (rules C1-C3)."""
    if explicit is not None:
        return explicit
    for name in ("AWS_DEFAULT_PROFILE", "AWS_PROFILE"):
        if name in os.environ:
            return os.environ[name]
    return None


class Chain:
    def __init__(self):
        self.caches = {}

    def get(self, explicit=None, mfa=None):
        key = cache_key(explicit)
        cached = self.caches.get(key)
        if cached and cached["expiration"] - time.time() > REFRESH_S:
            return dict(cached, from_cache=True), []
        self.caches.pop(key, None)
        # The files are read (and a named profile checked) first: botocore reads the profile's settings
        # while building its chain, so a missing named profile fails even with environment keys.
        files = Profiles(explicit)
        c = from_environment() if explicit is None else None
        if c:
            return dict(c, from_cache=False), []
        pc = ProfileChain(files, mfa)
        c = self.endpoint_sources(files, pc, explicit)
        if c.get("expiration") is not None:
            self.caches[key] = c
        return dict(c, from_cache=False), pc.asked

    def endpoint_sources(self, files, pc, explicit):
        active = files.name in files.merged
        if active:
            c = pc.role()
            if c:
                return c
        tf, arn = env("AWS_WEB_IDENTITY_TOKEN_FILE"), env("AWS_ROLE_ARN")
        if tf and arn and explicit is None:
            return from_web_identity(tf, arn, session_name=env("AWS_ROLE_SESSION_NAME"))
        if active:
            c = pc.web_identity(files.name, True) or pc.rest(files.name, True)
            if c:
                return c
        rel, full = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), env("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        if rel:
            return from_ecs(rel)
        if full:
            return from_full_uri(full)
        return from_ec2()


def main():
    doc = json.load(sys.stdin)
    chain = Chain()
    for call in doc["calls"]:
        time.sleep(call.get("sleep_ms", 0) / 1000.0)
        for k, v in call.get("env", {}).items():
            os.environ[k] = v
        for k in call.get("unset", []):
            os.environ.pop(k, None)
        if call.get("clear_cache"):
            chain.caches.clear()
        codes = call.get("mfa_codes")
        print(json.dumps({"start": True}), flush=True)
        try:
            c, asked = chain.get(call.get("profile"), None if codes is None else list(codes))
            out = {k: c.get(k) for k in PUBLIC}
            out.update(ok=True, from_cache=c["from_cache"], mfa_asked=asked)
        except ChainError as e:
            out = {"ok": False, "error": e.code, "message": e.message}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
