"""A loopback stand-in for the IAM Identity Center portal and SSO OIDC (stdlib only), for the
differential test against botocore (tests/profiles/test_botocore_diff.py).

    GET  /federation/credentials?account_id=A&role_name=R   header x-amz-sso_bearer_token: T
         -> 200 {"roleCredentials": {"accessKeyId", "secretAccessKey", "sessionToken", "expiration" (ms)}}
            for a known token (the access key id names the role: ASIA + role name, upper case, letters
            and digits only); 401 UnauthorizedException for an unknown token; 403 ForbiddenException
            for a role the token may not use
    POST /token   JSON {"grantType": "refresh_token", "clientId", "clientSecret", "refreshToken"}
         -> 200 {"accessToken", "expiresIn", "refreshToken", "tokenType"} for a known refresh token
            (the new access token is then known too); 400 invalid_grant otherwise

These are the shapes of the AWS SSO and SSO OIDC APIs as botocore's service models describe them
(botocore/data/sso/2019-06-10, sso-oidc/2019-06-10). Every request is recorded.
"""

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Portal:
    def __init__(self):
        self.tokens = {}  # access token -> set of (account, role) it may use
        self.refresh = {}  # refresh token -> (client id, client secret, access token to hand out, roles)
        self.requests = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()

    def allow(self, token, account, role):
        with self.lock:
            self.tokens.setdefault(token, set()).add((account, role))

    def allow_refresh(self, refresh_token, client_id, client_secret, new_access_token, roles):
        with self.lock:
            self.refresh[refresh_token] = (client_id, client_secret, new_access_token, set(roles))

    @staticmethod
    def key_for(role):
        return "ASIA" + re.sub(r"[^A-Z0-9]", "", role.upper())

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def reply(self, status, obj, error_type=None):
                body = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                if error_type:
                    self.send_header("x-amzn-ErrorType", error_type)
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def record(self, body=""):
                u = urlsplit(self.path)
                with portal.lock:
                    portal.requests.append({"method": self.command, "path": u.path, "query": u.query,
                                            "headers": dict(self.headers.items()), "body": body})

            def do_GET(self):
                self.record()
                u = urlsplit(self.path)
                if u.path != "/federation/credentials":
                    return self.reply(404, {"message": "no route"})
                q = {k: v[0] for k, v in parse_qs(u.query).items()}
                token = self.headers.get("x-amz-sso_bearer_token", "")
                with portal.lock:
                    roles = portal.tokens.get(token)
                if roles is None:
                    return self.reply(401, {"message": "Session token not found or invalid"}, "UnauthorizedException")
                pair = (q.get("account_id"), q.get("role_name"))
                if pair not in roles:
                    return self.reply(403, {"message": "No access"}, "ForbiddenException")
                key = portal.key_for(pair[1])
                self.reply(200, {"roleCredentials": {
                    "accessKeyId": key, "secretAccessKey": "standinSecret/" + key,
                    "sessionToken": "standinSessionToken+" + key, "expiration": int(time.time() + 3600) * 1000}})

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n).decode("utf-8", "replace") if n else ""
                self.record(raw)
                if urlsplit(self.path).path != "/token":
                    return self.reply(404, {"message": "no route"})
                try:
                    doc = json.loads(raw)
                except ValueError:
                    doc = {}
                with portal.lock:
                    entry = portal.refresh.get(doc.get("refreshToken"))
                if (entry is None or doc.get("grantType") != "refresh_token"
                        or (doc.get("clientId"), doc.get("clientSecret")) != entry[:2]):
                    return self.reply(400, {"error": "invalid_grant"}, "InvalidGrantException")
                new = entry[2]
                for account, role in entry[3]:
                    portal.allow(new, account, role)
                self.reply(200, {"accessToken": new, "expiresIn": 28800, "tokenType": "Bearer",
                                 "refreshToken": doc["refreshToken"] + "-rotated"})

        return Handler
