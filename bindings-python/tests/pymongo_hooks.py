"""The BSON hooks PyMongo injects into a MONGODB-AWS SASL context (pymongo/synchronous/auth_aws.py),
as a mixin: `class Ctx(InjectedBson, pymongo_auth_aws.AwsSaslContext)` is the context PyMongo
drives. Shared by the tests (test_differential.py, test_pymongo.py) and bench/bench_client_final.py.
"""

from __future__ import annotations

from typing import Any

import bson


class InjectedBson:
    """binary_type, bson_encode and bson_decode as PyMongo supplies them."""

    def binary_type(self) -> Any:
        return bson.Binary

    def bson_encode(self, doc: Any) -> bytes:
        return bson.encode(doc)

    def bson_decode(self, data: Any) -> Any:
        return bson.decode(data)
