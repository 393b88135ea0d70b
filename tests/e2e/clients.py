"""The MONGODB-AWS clients the end-to-end tests drive, by name.

Each client is a command that takes the server's URI as its last argument, reads credentials from the
environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), authenticates, runs
`connectionStatus` and a `find` on test.e2e, and prints one JSON line:
  {"ok": true, "user": "<authenticated $external user>", "arn": "<arn field of the found document>"}
  {"ok": false, "code": <server or driver error code>, "error": "<message>"}
with exit status 0 when authenticated, 1 when authentication failed, 2 for anything else.

To add a client, add an entry to CLIENTS: a function receiving pytest's `request` (to pull fixtures
such as `mongoc_client`) and returning the argv without the URI. Every test in test_drivers.py then
runs for it: both STS back ends, both STS hosts, with and without a session token, and a wrong secret.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, Dict, List

E2E = Path(__file__).resolve().parent
BINDINGS = E2E.parents[1] / "ffi-c" / "bindings"

CLIENTS: Dict[str, Callable[..., List[str]]] = {
    # PyMongo 4.20 with pymongo-auth-aws 1.3, as installed from PyPI (scripts/requirements-test.txt).
    "pymongo": lambda request: [sys.executable, str(E2E / "clients" / "pymongo_client.py")],
    # The same PyMongo with mongodb_aws.pymongo.install() instead of pymongo-auth-aws + botocore (the
    # wheel is installed into .venv by scripts/test.d/30-python, which runs before this stage).
    "pymongo-shim": lambda request: [
        sys.executable,
        str(E2E / "clients" / "pymongo_shim_client.py"),
    ]
    + request.getfixturevalue("mongodb_aws_installed"),
    # libmongoc 1.23 from Debian's libmongoc-dev, in a small C program.
    "libmongoc": lambda request: [str(request.getfixturevalue("mongoc_client"))],
    # The official Node driver (mongodb 7.x from npm) with our Node binding's credentialProvider() as
    # AWS_CREDENTIAL_PROVIDER (scripts/test.d/40-node, which runs before this stage, builds the addon
    # and installs the driver into bindings-node/node_modules).
    "node-driver": lambda request: request.getfixturevalue("node_client")
    + [str(E2E / "clients" / "node_client.cjs")],
    # Our own clients, no driver: each binding's credential chain and ClientConversation, OP_MSG by hand.
    "ours-python": lambda request: [
        sys.executable,
        str(E2E / "clients" / "ours_python_client.py"),
    ]
    + request.getfixturevalue("mongodb_aws_installed"),
    "ours-node": lambda request: request.getfixturevalue("node_client")
    + [str(E2E / "clients" / "ours_node_client.cjs")],
    # ffi-c/examples/conversation.c linked with our static library (credentials handle, OP_MSG by hand).
    "ours-c": lambda request: [str(request.getfixturevalue("ours_c_client")), "--uri"],
    # The C ABI from other languages, no compiler (ffi-c/bindings/LANG: a binding file and a client
    # whose --e2e mode is this protocol): the library installed into a temporary prefix by
    # ffi-c/install.sh, credentials from mongodb_aws_get_credentials, signed through their handle,
    # OP_MSG and BSON by hand. Runtimes from `scripts/install-deps ffi`.
    "ffi-python": lambda request: request.getfixturevalue("ffi_env")
    + [sys.executable, str(BINDINGS / "python" / "client.py"), "--e2e"],  # ctypes
    "ffi-ruby": lambda request: request.getfixturevalue("ffi_env")
    + request.getfixturevalue("ffi_ruby")
    + [str(BINDINGS / "ruby" / "client.rb"), "--e2e"],  # Ruby-FFI
    "ffi-php": lambda request: request.getfixturevalue("ffi_env")
    + request.getfixturevalue("ffi_php")
    + [str(BINDINGS / "php" / "client.php"), "--e2e"],  # FFI::load() of mongodb_aws_ffi.h
    "ffi-csharp": lambda request: request.getfixturevalue("ffi_env")
    + request.getfixturevalue("ffi_csharp")
    + ["--e2e"],  # P/Invoke, Mono
}
