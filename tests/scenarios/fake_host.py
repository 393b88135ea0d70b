#!/usr/bin/env python3
"""Reference host for the credential scenarios: the written rules of
testdata/credential-scenarios/README.md implemented with the stdlib only (raw-socket HTTP/1.1 with
whole-request deadlines). A test fixture for the runner and the suite; it never ships and is not the
project's chain. Speaks the host protocol: a {"calls": [...]} document on stdin, one
{"start": true} line and one result line per call on stdout.
"""

import ipaddress
import json
import os
import re
import secrets
import socket
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from urllib.parse import quote, urlsplit

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
def http(method, url, headers, body, connect_s, total_s, where, token_put=False):
    """(status, body bytes); ChainError with .kind-style retry hints on transport failures."""
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
            "expiration": int(exp)}


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


def sts_credentials(data, where):
    text = text_of(data, where)
    names = ("AccessKeyId", "SecretAccessKey", "SessionToken", True)
    if text.lstrip().startswith("<"):
        try:
            root = strip_ns(ET.fromstring(text))
        except ET.ParseError:
            raise ChainError("XML_MALFORMED", "%s: malformed XML response" % where)
        c = root.find("AssumeRoleWithWebIdentityResult/Credentials")
        if root.tag != "AssumeRoleWithWebIdentityResponse" or c is None:
            raise ChainError("UNEXPECTED_RESPONSE_SHAPE", "%s: no AssumeRoleWithWebIdentityResult" % where)
        obj = {x.tag: x.text or "" for x in c}
    else:
        v = parse_json(data, where)
        try:
            obj = v["AssumeRoleWithWebIdentityResponse"]["AssumeRoleWithWebIdentityResult"]["Credentials"]
        except (KeyError, TypeError):
            raise ChainError("UNEXPECTED_RESPONSE_SHAPE", "%s: no AssumeRoleWithWebIdentityResult" % where)
    return credentials(obj, names, where, "web-identity")


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
    return {"source": "environment", "access_key_id": ak, "session_token": bool(st), "expiration": None}


def from_web_identity(path, arn):
    raw = read_file(path, "AWS_WEB_IDENTITY_TOKEN_FILE")
    try:
        token = raw.decode("ascii").rstrip("\r\n\t ")
    except UnicodeDecodeError:
        token = None
    if token is None or not 4 <= len(token) <= 20000 or not graphic(token):
        raise ChainError("INVALID_WEB_IDENTITY_TOKEN",
                         "AWS_WEB_IDENTITY_TOKEN_FILE %s: expected 4 to 20000 printable ASCII characters" % path)
    name = env("AWS_ROLE_SESSION_NAME") or "mongodb-aws-" + secrets.token_hex(16)
    base = env("MONGODB_AWS_STS_ENDPOINT") or "https://sts.amazonaws.com"
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


class Chain:
    def __init__(self):
        self.cache = None

    def get(self):
        if self.cache and self.cache["expiration"] - time.time() > REFRESH_S:
            return dict(self.cache, from_cache=True)
        self.cache = None
        c = from_environment()
        if c:
            return dict(c, from_cache=False)
        tf, arn = env("AWS_WEB_IDENTITY_TOKEN_FILE"), env("AWS_ROLE_ARN")
        rel, full = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"), env("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        if tf and arn:
            c = from_web_identity(tf, arn)
        elif rel:
            c = from_ecs(rel)
        elif full:
            c = from_full_uri(full)
        else:
            c = from_ec2()
        self.cache = c
        return dict(c, from_cache=False)


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
            chain.cache = None
        print(json.dumps({"start": True}), flush=True)
        try:
            out = dict(chain.get(), ok=True)
        except ChainError as e:
            out = {"ok": False, "error": e.code, "message": e.message}
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
