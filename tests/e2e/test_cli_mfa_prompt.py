"""`mongodb-aws credentials --profile P` for a role with `mfa_serial`, run on a real pseudo-terminal:
the prompt is botocore's (`Enter MFA code for SERIAL: `), the code typed is not echoed (botocore reads
it with getpass) and never printed; the code then goes to STS AssumeRole (here an unreachable loopback
port, so the typed failure follows). Loopback only; bounded in time."""

from __future__ import annotations

import os
import pty
import select
import socket
import termios
import time
from pathlib import Path

from harness import cli_bin

CODE = b"987654"


def closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_until(fd: int, deadline: float, want: bytes | None = None) -> bytes:
    out = b""
    while time.monotonic() < deadline and not (want and want in out):
        ready, _, _ = select.select([fd], [], [], 0.1)
        if not ready:
            continue
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    return out


def test_mfa_code_from_the_terminal_is_not_echoed(tmp_path: Path) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile base]\naws_access_key_id = AKIDMFABASE\naws_secret_access_key = mfa-base-secret\n\n"
        "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = base\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/alice\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MONGODB_AWS_"))}
    env.update(
        AWS_CONFIG_FILE=str(config),
        HOME=str(tmp_path),
        MONGODB_AWS_STS_ENDPOINT=f"http://127.0.0.1:{closed_port()}",
    )
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdin, stdout and stderr are the terminal
        os.execve(str(cli_bin()), ["mongodb-aws", "credentials", "--profile", "r"], env)
    try:
        deadline = time.monotonic() + 30
        prompt = b"Enter MFA code for arn:aws:iam::123456789012:mfa/alice: "
        out = read_until(fd, deadline, prompt)
        assert prompt in out, out
        # The prompt comes before echo is switched off: type only once it is (the terminal's
        # settings, shared by both ends of the pseudo-terminal), as a person would after the prompt.
        while time.monotonic() < deadline and termios.tcgetattr(fd)[3] & termios.ECHO:
            time.sleep(0.01)
        assert not termios.tcgetattr(fd)[3] & termios.ECHO, "echo is still on"
        os.write(fd, CODE + b"\n")
        out += read_until(fd, deadline)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    text = out.decode(errors="replace")
    assert CODE not in out, text
    assert "mfa-base-secret" not in text
    assert os.waitstatus_to_exitcode(status) == 1, text
    assert "ENDPOINT_UNREACHABLE" in text and "STS AssumeRole" in text and "profile r" in text, text
