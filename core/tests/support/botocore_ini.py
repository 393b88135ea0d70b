"""Oracle for core/tests/ini_botocore.rs: botocore's own reading of AWS shared config files.

Reads JSON lines {"hex": <file bytes>} on stdin; for each, writes the bytes to a temporary file, runs
botocore.configloader.raw_config_parse (configparser + _parse_nested) and build_profile_map on it, and
prints one JSON line:
  {"sections": [[name, [[key, value]...]]...], "profiles": [...], "sso_sessions": [...], "services": [...]}
where a nested value is {"nested": [[name, value]...]} (dicts as lists: order matters), or
  {"error": <class of the underlying error>, "line": <its line, or null>}
for a ConfigParseError (ParsingError, DuplicateSectionError, DuplicateOptionError,
MissingSectionHeaderError, UnicodeDecodeError, ValueError from _parse_nested).
Run it with `python -X utf8` so the files are read as UTF-8 whatever the locale.
"""

import configparser
import json
import os
import sys
import tempfile

import botocore
import botocore.configloader as configloader
import botocore.exceptions


def pairs(section):
    out = []
    for key, value in section.items():
        if isinstance(value, dict):
            value = {"nested": [[k, v] for k, v in value.items()]}
        out.append([key, value])
    return out


def listing(mapping):
    return [[name, pairs(section)] for name, section in mapping.items()]


def error_line(e):
    # MissingSectionHeaderError is a ParsingError with one line, in `lineno`.
    if type(e) is configparser.ParsingError:
        return e.errors[0][0]
    return getattr(e, "lineno", None)


def main():
    fd, path = tempfile.mkstemp(suffix=".ini")
    os.close(fd)
    try:
        for line in sys.stdin:
            data = bytes.fromhex(json.loads(line)["hex"])
            with open(path, "wb") as f:
                f.write(data)
            try:
                raw = configloader.raw_config_parse(path)
            except botocore.exceptions.ConfigParseError as e:
                inner = e.kwargs["error"]
                out = {"error": type(inner).__name__, "line": error_line(inner)}
            else:
                built = configloader.build_profile_map(raw)
                out = {
                    "sections": listing(raw),
                    "profiles": listing(built["profiles"]),
                    "sso_sessions": listing(built["sso_sessions"]),
                    "services": listing(built["services"]),
                }
            sys.stdout.write(json.dumps(out) + "\n")
    finally:
        os.unlink(path)
    sys.stderr.write(f"botocore {botocore.__version__}, Python {sys.version.split()[0]}\n")


if __name__ == "__main__":
    main()
