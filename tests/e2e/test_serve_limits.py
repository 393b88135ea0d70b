"""`mongodb-aws serve` under hostile clients and a hostile STS: load with idle, stalled and
malformed clients and a slow STS at once; the connection cap; running out of file descriptors;
an STS that hangs, trickles or fails. Every loop here is bounded in count and in time, and all
traffic stays on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import hostile
import rawclient
from harness import Identity, Serve


def authenticate(port: int, ident: Identity) -> dict:
    """One authentication on a fresh connection (saslStart + saslContinue); the last reply."""
    w = rawclient.Wire(port)
    try:
        conv = rawclient.Conversation(w)
        return conv.finish(conv.client_final(ident.access_key_id, ident.secret_access_key, ident.session_token))
    finally:
        w.close()


def wait_until(predicate, seconds: float, what: str) -> None:
    """Polls `predicate` every 50 ms for at most `seconds`."""
    until = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > until:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.05)


def events_of(srv: Serve, name: str) -> list:
    return [e for e in srv.events() if e.get("event") == name]


class Sampler:
    """Samples the server's RSS and thread count every 50 ms while running."""

    def __init__(self, srv: Serve) -> None:
        self.srv = srv
        self.samples: list = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.wait(0.05):
            self.samples.append(self.srv.status())

    def __enter__(self) -> "Sampler":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(5)

    def peak(self, key: str) -> int:
        return max(s[key] for s in self.samples)


# The load test: WORKERS clients authenticate EACH times (each on its own connection, as a driver
# re-authenticates), while IDLE, CUT (stops after a header) and TRICKLE (a byte every 0.2 s)
# clients fill the other places up to CAP, FLOOD more clients are refused, BAD clients send
# malformed headers, and the STS answers each request after STS_DELAY.
WORKERS, EACH = 16, 5
IDLE, CUT, TRICKLE, BAD, FLOOD = 24, 12, 12, 8, 20
CAP = WORKERS + IDLE + CUT + TRICKLE
STS_DELAY = 0.3


def authenticate_on(w: rawclient.Wire, ident: Identity) -> dict:
    conv = rawclient.Conversation(w)
    return conv.finish(conv.client_final(ident.access_key_id, ident.secret_access_key, ident.session_token))


def test_load_with_idle_stalled_trickling_malformed_and_refused_clients_and_a_slow_sts(in_process):
    ident = in_process.identity(True)
    upstream = in_process.serve("sts.amazonaws.com")  # its in-process STS verifies for real
    sts = hostile.StandInSts("slow", upstream=upstream.info["sts_endpoint"], delay=STS_DELAY)
    srv = Serve(
        "--sts-endpoint", sts.url, "--max-connections", str(CAP), "--read-timeout", "2",
        "--unauthenticated-idle-timeout", "3", "--sts-timeout", "5",
    )
    held: list = []
    tricklers: list = []
    wires: list = []
    try:
        # At rest: main, accept and stdin-watch threads (the last starts just after the start-up line).
        wait_until(lambda: srv.status()["threads"] == 3, 5, "3 threads at rest")
        base = srv.status()
        with Sampler(srv) as sampler:
            bad = [hostile.bad_length_client(srv.port, n) for n in (0, 12, -1, 48_000_001) * (BAD // 4)]
            held += bad
            assert all(hostile.closed_by_server(s, 3) for s in bad)
            wait_until(lambda: len(events_of(srv, "closed")) == BAD, 5, "malformed clients closed")
            # Fill every place: the good clients' connections, then the hostile ones.
            wires = [rawclient.Wire(srv.port) for _ in range(WORKERS)]
            held += [hostile.idle_client(srv.port) for _ in range(IDLE)]
            held += [hostile.cut_client(srv.port) for _ in range(CUT)]
            tricklers = [hostile.TrickleClient(srv.port, 0.2) for _ in range(TRICKLE)]
            wait_until(lambda: len(events_of(srv, "accepted")) == BAD + CAP, 5, "every place taken")
            started = time.monotonic()
            with ThreadPoolExecutor(WORKERS) as pool:
                work = [pool.submit(lambda w: [authenticate_on(w, ident) for _ in range(EACH)], w) for w in wires]
                # Meanwhile more clients come: each is refused at once, and logged.
                flood = [hostile.idle_client(srv.port) for _ in range(FLOOD)]
                held += flood
                assert all(hostile.closed_by_server(s, 2) for s in flood)
                replies = [r for f in work for r in f.result(timeout=60)]
            load_seconds = time.monotonic() - started
            # The stalled, trickling and idle clients are all closed by the server, each in time.
            assert all(hostile.closed_by_server(s, 4) for s in held[BAD + IDLE :])  # read timeout 2 s
            assert all(hostile.closed_by_server(t.sock, 4) for t in tricklers)
            assert all(hostile.closed_by_server(s, 5) for s in held[BAD : BAD + IDLE])  # idle timeout 3 s
        # No good authentication failed, and each went through the slow STS.
        assert [r["ok"] for r in replies] == [1.0] * (WORKERS * EACH), [r for r in replies if r["ok"] != 1.0][:3]
        assert all(r["done"] is True for r in replies)
        auths = srv.auth_events()
        assert len(auths) == WORKERS * EACH and all(a["ok"] for a in auths), [a for a in auths if not a["ok"]][:3]
        assert sts.requests == WORKERS * EACH
        assert STS_DELAY * EACH <= load_seconds < 30, load_seconds
        # Each refusal is logged, with the count of open connections and the cap.
        refused = events_of(srv, "refused")
        assert len(refused) == FLOOD, refused[:3]
        assert {(r["reason"], r["open"], r["max"]) for r in refused} == {
            ("connection refused because too many open connections (--max-connections)", CAP, CAP)
        }
        # Each hostile client is logged closed with its reason.
        wait_until(lambda: len(events_of(srv, "closed")) >= BAD + IDLE + CUT + TRICKLE, 5, "all closes logged")
        closed = events_of(srv, "closed")
        kinds = [c["kind"] for c in closed]
        assert kinds.count("read_timeout") == CUT + TRICKLE, kinds
        assert kinds.count("idle") == IDLE, kinds
        protocol = [c["reason"] for c in closed if c["kind"] == "protocol"]
        assert len(protocol) == BAD
        assert all("msgLen" in r and "is invalid. Min 16 Max: 48000000" in r for r in protocol), protocol
        assert "ProtocolError: message msgLen 48000001 is invalid. Min 16 Max: 48000000" in protocol
        timeouts = [c["reason"] for c in closed if c["kind"] == "read_timeout"]
        assert timeouts.count("message not completed within 2 s (16 of 1000 bytes received; --read-timeout)") == CUT
        # The tricklers sent a byte every 0.2 s, each inside any per-read timeout: the deadline is
        # for the whole message, so each was cut off after about 10 of its bytes.
        assert all(t.sent < 20 for t in tricklers), [t.sent for t in tricklers]
        # Threads: one per connection at most (the cap), plus main, accept and stdin threads.
        assert sampler.peak("threads") <= CAP + base["threads"], sampler.peak("threads")
        # Memory: bounded; a few MiB for ~100 connections, not one buffer per claimed length.
        assert sampler.peak("rss_kib") - base["rss_kib"] < 16 * 1024, (base, sampler.peak("rss_kib"))
        print(
            f"load: {WORKERS * EACH} authentications in {load_seconds:.2f} s beside {IDLE} idle, {CUT} stalled,"
            f" {TRICKLE} trickling, {BAD} malformed and {FLOOD} refused clients; peak threads"
            f" {sampler.peak('threads')} (cap {CAP}), RSS {base['rss_kib']} -> peak {sampler.peak('rss_kib')} KiB"
        )
        for w in wires:
            w.close()
        # Everything is given back: the threads end, and a new client is served.
        wait_until(lambda: srv.status()["threads"] <= base["threads"], 5, "connection threads ended")
        assert authenticate(srv.port, ident)["ok"] == 1.0
    finally:
        for t in tricklers:
            t.close()
        for s in held:
            s.close()
        for w in wires:
            w.close()
        srv.close()
        sts.close()
        upstream.close()


def test_connections_over_the_cap_are_refused_logged_and_places_come_back(in_process):
    ident = in_process.identity(False)
    srv = in_process.serve("sts.amazonaws.com", "--max-connections", "8", "--unauthenticated-idle-timeout", "2")
    held: list = []
    over: list = []
    try:
        # At rest: main, accept, stdin-watch and the in-process STS's accept thread.
        wait_until(lambda: srv.status()["threads"] == 4, 5, "4 threads at rest")
        base = srv.status()
        held = [hostile.idle_client(srv.port) for _ in range(8)]
        wait_until(lambda: len(events_of(srv, "accepted")) == 8, 5, "8 connections accepted")
        over = [hostile.idle_client(srv.port) for _ in range(30)]
        assert all(hostile.closed_by_server(s, 2) for s in over)
        refused = events_of(srv, "refused")
        assert len(refused) == 30, refused[:3]
        assert {(r["reason"], r["open"], r["max"]) for r in refused} == {
            ("connection refused because too many open connections (--max-connections)", 8, 8)
        }
        assert srv.status()["threads"] <= base["threads"] + 8
        for s in over:
            s.close()
        # The held connections are closed after the idle timeout; then a client is served again.
        assert all(hostile.closed_by_server(s, 5) for s in held)
        reply = authenticate(srv.port, ident)
        assert reply["ok"] == 1.0, reply
        assert [c["kind"] for c in events_of(srv, "closed")].count("idle") == 8
    finally:
        for s in held + over:
            s.close()
        srv.close()


def test_out_of_file_descriptors(in_process):
    """RLIMIT_NOFILE 64: the default cap is 16 and the 24 idle clients beyond it are refused; with
    the cap raised past the limit on purpose, accept fails with EMFILE, which is logged and does
    not spin, waiting clients are told at once, and the server serves again once clients leave."""
    ident = in_process.identity(True)
    srv = Serve(*in_process.serve_args, "--unauthenticated-idle-timeout", "20", nofile=64)
    clients: list = []
    try:
        assert (srv.info["open_files_limit"], srv.info["max_connections"]) == (64, 16)
        clients = [hostile.idle_client(srv.port) for _ in range(40)]
        wait_until(lambda: len(events_of(srv, "refused")) == 24, 5, "24 refusals")
        assert len(events_of(srv, "accepted")) == 16  # logged in order by the accept loop
        cpu = srv.cpu_seconds()
        time.sleep(1)
        assert srv.cpu_seconds() - cpu < 0.2
        for s in clients:
            s.close()
        wait_until(lambda: len(events_of(srv, "closed")) == 16, 5, "16 closed")
        assert authenticate(srv.port, ident)["ok"] == 1.0
    finally:
        for s in clients:
            s.close()
        srv.close()

    srv = Serve(*in_process.serve_args, "--max-connections", "200", "--unauthenticated-idle-timeout", "20", nofile=64)
    clients = []
    try:
        clients = [hostile.idle_client(srv.port) for _ in range(80)]
        wait_until(lambda: events_of(srv, "refused"), 5, "a refusal")
        failed = events_of(srv, "accept_failed")
        assert failed and all(f["error"].startswith("Too many open files") for f in failed), failed[:3]
        served = len(events_of(srv, "accepted"))
        wait_until(
            lambda: served + len(events_of(srv, "refused")) == 80, 10, "every client accepted or refused"
        )
        reasons = {r["reason"] for r in events_of(srv, "refused")}
        assert reasons == {"connection refused because the process is out of file descriptors"}
        assert all(hostile.closed_by_server(s, 2) for s in clients[served:])
        # Out of descriptors with nobody waiting: no busy loop.
        cpu = srv.cpu_seconds()
        time.sleep(1)
        assert srv.cpu_seconds() - cpu < 0.2
        # Clients leave: descriptors come back and a client is served (the first one after the
        # exhaustion included: the reserve descriptor can be taken again, so it is not refused).
        for s in clients:
            s.close()
        wait_until(lambda: len(events_of(srv, "closed")) == served, 5, "held connections closed")
        refused_before = len(events_of(srv, "refused"))
        assert authenticate(srv.port, ident)["ok"] == 1.0
        assert len(events_of(srv, "refused")) == refused_before
    finally:
        for s in clients:
            s.close()
        srv.close()


@pytest.mark.parametrize(
    "mode, error",
    [
        ("hang", "STS timed out after 1 s"),
        ("trickle", "STS timed out after 1 s"),
        ("503", "STS is unavailable: HTTP 503 (ServiceUnavailable: Service is unavailable, try again later)"),
    ],
)
def test_a_hostile_sts_fails_the_authentication_promptly_with_code_18(in_process, mode, error):
    ident = in_process.identity(True)
    sts = hostile.StandInSts(mode, delay=0.2)
    srv = Serve("--sts-endpoint", sts.url, "--sts-timeout", "1")
    try:
        started = time.monotonic()
        reply = authenticate(srv.port, ident)
        took = time.monotonic() - started
        assert reply["ok"] == 0.0 and reply["code"] == 18 and reply["codeName"] == "AuthenticationFailed", reply
        assert reply["errmsg"] == f"Authentication failed: {error}"
        assert took < 4, took  # the 1 s deadline, not 10 s or a trickle's 40 s
        (auth,) = srv.auth_events()
        assert auth["ok"] is False and auth["error"] == error
        if mode != "503":
            (sts_event,) = events_of(srv, "sts")
            assert sts_event["ok"] is False and sts_event["error"] == error and sts_event["ms"] < 1500
    finally:
        srv.close()
        sts.close()
