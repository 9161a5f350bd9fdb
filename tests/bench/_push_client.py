"""The live server and the devices pushing to it over HTTP.

uvicorn (uvloop, httptools) on 127.0.0.1 in a subprocess, made by
``server.app:app_from_env``; one thread per device with a keep-alive
``http.client`` connection.
"""

from __future__ import annotations

import http.client
import os
import random
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from _push_load import DeviceLoad, Load

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
MAX_RETRIES = 50  # per device: "temporary" answers and 503s before the bench gives up


# -- the live server ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: Path, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {**os.environ, "SHELFSYNC_DB": str(db)}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(REPO_ROOT),
        "--factory",
        "server.app:app_from_env",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=out)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, port
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit(f"the server did not listen within 30 s:\n{log.read_text()[-3000:]}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def peak_rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int | str = "self") -> float:
    """User + system CPU time of a process so far (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main_thread_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process's main thread (the server's event loop)."""
    fields = Path(f"/proc/{pid}/task/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def io_bytes(pid: int | str = "self") -> tuple[int, int]:
    """(bytes handed to write calls, bytes sent to storage) by a process so far."""
    fields = dict(line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().splitlines())
    return int(fields["wchar"]), int(fields["write_bytes"])


# -- the devices ------------------------------------------------------------------------


class Outcome(msgspec.Struct):
    id: str
    seq: int
    outcome: str
    replayed: bool
    server_seq: int | None
    conflicts: list[dict[str, str]]
    message: str | None = None
    code: str | None = None


class PushResponse(msgspec.Struct):
    device_last_seq: int
    results: list[Outcome]
    stopped: dict[str, Any] | None = None


_decode_response = msgspec.json.Decoder(PushResponse).decode


@dataclass
class DeviceRun:
    latencies: list[float] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    conflicts: Counter[str] = field(default_factory=Counter)
    kept: dict[int, bytes] = field(default_factory=dict)  # batch -> first response, for replays
    kept_unusual: bool = False
    retries: int = 0
    errors: list[str] = field(default_factory=list)


def post(conn: http.client.HTTPConnection, body: bytes, token: str) -> tuple[int, bytes]:
    conn.request(
        "POST",
        "/api/sync/push",
        body=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    response = conn.getresponse()
    return response.status, response.read()


def push_all(
    load: DeviceLoad, port: int, keep: set[int], start: threading.Barrier, run: DeviceRun
) -> None:
    """Push every batch of one device, in order, on one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start.wait()
    try:
        acked = 0  # device_last_seq the server confirmed
        for b in range(len(load.head)):
            while True:
                began = time.perf_counter()
                status, data = post(conn, load.body(b), load.token)
                elapsed = time.perf_counter() - began
                if run.retries > MAX_RETRIES:
                    run.errors.append(f"batch {b}: gave up after {run.retries} retries")
                    return
                if status == 503:
                    run.retries += 1
                    time.sleep(0.05)
                    continue
                if status != 200:
                    run.errors.append(f"batch {b}: HTTP {status} {data[:300]!r}")
                    return
                answer = _decode_response(data)
                if answer.stopped is not None and answer.stopped.get("reason") == "temporary":
                    run.retries += 1  # what came before the stop is kept: send it all again
                    acked = answer.device_last_seq
                    continue
                break
            run.latencies.append(elapsed)
            if answer.stopped is not None or answer.device_last_seq != load.last_seqs[b]:
                run.errors.append(
                    f"batch {b}: stopped {answer.stopped}, device_last_seq {answer.device_last_seq}"
                )
                return
            unusual = False  # held, flagged or rejected
            for result in answer.results:
                run.outcomes[result.outcome] += 1
                run.conflicts.update(c["code"] for c in result.conflicts)
                unusual = unusual or result.outcome != "applied"
                if result.replayed and result.seq > acked:
                    run.errors.append(f"batch {b}: seq {result.seq} replayed on first send")
            acked = answer.device_last_seq
            # to send again: the chosen batches, and the first with an unusual outcome
            if b in keep or (unusual and not run.kept_unusual):
                run.kept[b] = data
                run.kept_unusual = run.kept_unusual or unusual
    except Exception as exc:  # reported, not raised: the other devices go on
        run.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def replay(load: DeviceLoad, port: int, run: DeviceRun) -> tuple[int, list[str], list[str]]:
    """Send the kept batches again.  Returns (movements resent, results not replayed,
    replayed results that differ from the first answer)."""
    not_replayed: list[str] = []
    different: list[str] = []
    sent = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        for b, first_raw in run.kept.items():
            status, data = post(conn, load.body(b), load.token)
            if status != 200:
                not_replayed.append(f"{load.name} batch {b}: HTTP {status} {data[:200]!r}")
                continue
            first, again = _decode_response(first_raw), _decode_response(data)
            sent += len(again.results)
            for a, r in zip(first.results, again.results, strict=True):
                if not r.replayed:
                    not_replayed.append(f"{load.name} seq {r.seq}: not replayed")
                elif msgspec.structs.replace(r, replayed=False) != a:
                    different.append(f"{load.name} seq {r.seq}: first {a}, replayed {r}")
    finally:
        conn.close()
    return sent, not_replayed, different


def push_everything(
    load: Load, port: int, replay_batches: int, rng: random.Random
) -> tuple[list[DeviceRun], float]:
    """All devices at once, a thread each; returns their runs and the wall time."""
    runs = [DeviceRun() for _ in load.devices]
    start = threading.Barrier(len(load.devices) + 1)
    threads = []
    for dev, run in zip(load.devices, runs, strict=True):
        batches = len(dev.head)
        # the last batch ("lost response, then resend") and a few from anywhere
        keep = {batches - 1, *rng.sample(range(batches), min(batches, replay_batches))}
        threads.append(threading.Thread(target=push_all, args=(dev, port, keep, start, run)))
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return runs, time.perf_counter() - began
