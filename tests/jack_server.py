"""Real JACK parts for the tests and bench_live: a JACK server on the dummy driver, an independent
receiver process (tests/jack_receiver.py), and FluidSynth as a real synth on a JACK MIDI port.

Each server gets a name of its own (jackd -n, and JACK_DEFAULT_SERVER in this process and its
children), so test runs and helpers on one machine never meet on one server, and stopping it
waits for jackd to exit before anything else starts one.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import mido

HERE = Path(__file__).resolve().parent
RECEIVER = HERE / "jack_receiver.py"
SOUNDFONT = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started it dies (Linux), so a
    test run that is killed leaves no jackd behind (JACK allows only a few servers at once)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def jack_missing() -> str | None:
    """Why the JACK tests cannot run here, or None."""
    missing = [tool for tool in ("jackd", "jack_wait", "jack_connect") if shutil.which(tool) is None]
    return f"{', '.join(missing)} not installed (Debian package jackd2)" if missing else None


def fluid_missing() -> str | None:
    """Why FluidSynth cannot run here, or None."""
    if shutil.which("fluidsynth") is None or shutil.which("stdbuf") is None:
        return "fluidsynth is not installed (Debian package fluidsynth)"
    if not SOUNDFONT.exists():
        return f"the General MIDI soundfont {SOUNDFONT} is missing (Debian package fluid-soundfont-gm)"
    return None


class JackServer:
    """jackd with the dummy driver, `period` frames at `rate` Hz. realtime asks for -R (jackd
    goes on without it where the system refuses); synchronous (-S) makes the server wait for
    every client each cycle, so a client starved of CPU on a busy machine is late rather than
    losing that cycle's MIDI: the tests count every message."""

    def __init__(self, period: int = 256, rate: int = 48000, realtime: bool = True,
                 synchronous: bool = True) -> None:
        self.name = f"continuo-test-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.period, self.rate, self.realtime, self.synchronous = period, rate, realtime, synchronous
        self._proc: subprocess.Popen | None = None
        self._old_env: str | None = None
        self._env_set = False

    @property
    def period_ms(self) -> float:
        return 1000.0 * self.period / self.rate

    @property
    def env(self) -> dict[str, str]:
        """The environment for a child process that should use this server."""
        return {**os.environ, "JACK_DEFAULT_SERVER": self.name, "JACK_NO_AUDIO_RESERVATION": "1"}

    def start(self) -> JackServer:
        mode = ["-R" if self.realtime else "--no-realtime", *(["-S"] if self.synchronous else [])]
        self._proc = subprocess.Popen(
            ["jackd", "-n", self.name, *mode, "-d", "dummy", "-r", str(self.rate), "-p", str(self.period)],
            env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        waited = subprocess.run(["jack_wait", "-s", self.name, "-w", "-t", "10"], env=self.env,
                                capture_output=True, text=True)
        if waited.returncode != 0 or self._proc.poll() is not None:
            log = self.stop()
            raise RuntimeError(f"jackd did not start: {log.strip()[-2000:]}")
        if not self._env_set:  # started again after kill(): the environment names it still
            self._old_env, self._env_set = os.environ.get("JACK_DEFAULT_SERVER"), True
            os.environ["JACK_DEFAULT_SERVER"] = self.name  # rtmidi clients in this process use it
        return self

    def stop(self) -> str:
        """Stop jackd, wait for it to exit, and return what it printed."""
        if self._env_set:
            if self._old_env is None:
                os.environ.pop("JACK_DEFAULT_SERVER", None)
            else:
                os.environ["JACK_DEFAULT_SERVER"] = self._old_env
            self._env_set = False
        return self.kill()

    def kill(self) -> str:
        """Stop jackd alone (SIGTERM, as QjackCtl's Stop does), wait for it to exit and return what
        it printed; this process and its children still name the server, so `start` brings the
        same server back, as a user restarting JACK does."""
        if self._proc is None:
            return ""
        proc, self._proc = self._proc, None
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        return out or ""

    def connect(self, source: str, destination: str) -> None:
        subprocess.run(["jack_connect", source, destination], env=self.env, check=True,
                       capture_output=True, timeout=10)

    def __enter__(self) -> JackServer:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()


class _LineReader:
    """Reads a child's stdout lines on a thread, so a test can wait for them with a timeout."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()

    def wait(self, done, timeout: float) -> bool:
        """Wait until done(lines) holds; False on timeout."""
        with self._changed:
            return self._changed.wait_for(lambda: done(self.lines), timeout)


class Receiver:
    """The receiver process: a JACK client `name` with the input port `name:in`."""

    def __init__(self, server: JackServer, name: str | None = None) -> None:
        self.name = name or f"rx-{uuid.uuid4().hex[:6]}"
        self.port = f"{self.name}:in"
        self._proc = subprocess.Popen([sys.executable, str(RECEIVER), self.name], env=server.env,
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self._reader = _LineReader(self._proc)
        started = self._reader.wait(lambda lines: bool(lines), 15)
        if not started or not self._reader.lines[0].startswith("ready"):
            self.close()
            raise RuntimeError("the receiver process did not start")
        self.port = self._reader.lines[0].split()[1]

    def messages(self) -> list[tuple[float, mido.Message]]:
        """(perf_counter seconds, message) for everything received so far."""
        return [(int(stamp) / 1e9, mido.Message.from_bytes(bytes.fromhex(data)))
                for stamp, data in (line.split() for line in list(self._reader.lines[1:]))]

    def wait_for(self, count: int, timeout: float = 10.0) -> bool:
        """Wait until count messages have arrived."""
        return self._reader.wait(lambda lines: len(lines) - 1 >= count, timeout)

    def kill(self) -> None:
        """Kill it the hard way, as a crashing synth or DAW goes."""
        self._proc.kill()
        self._proc.wait()

    def close(self) -> None:
        if self._proc.poll() is None:
            with contextlib.suppress(OSError):
                self._proc.stdin.close()
            try:
                self._proc.wait(5)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> Receiver:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class FluidSynth:
    """FluidSynth on the JACK server: audio into the dummy driver, MIDI in on `port`; with
    --dump its output logs every MIDI event it receives."""

    def __init__(self, server: JackServer) -> None:
        self.name = f"fluid-{uuid.uuid4().hex[:6]}"
        self._proc = subprocess.Popen(
            # stdbuf: fluidsynth's --dump goes through stdio, block-buffered into a pipe otherwise.
            ["stdbuf", "-oL", "fluidsynth", "-a", "jack", "-m", "jack", "-d",
             "-o", f"midi.jack.id={self.name}", "-o", f"audio.jack.id={self.name}",
             "-o", f"synth.sample-rate={server.rate}", str(SOUNDFONT)],
            env=server.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True)
        self.log = _LineReader(self._proc)
        self.port = f"{self.name}:midi_00"
        if not self.log.wait(lambda lines: any("Type 'help'" in line for line in lines), 30):
            self.close()
            raise RuntimeError("fluidsynth did not start:\n" + "\n".join(self.log.lines))

    def events(self, kind: str) -> list[list[str]]:
        """The fields of each logged event of a kind, e.g. 'noteon' -> [channel, key, velocity]."""
        tag = [f"event_pre_{kind}"]
        return [line.split()[1:] for line in list(self.log.lines) if line.split()[:1] == tag]

    def close(self) -> None:
        if self._proc.poll() is None:
            with contextlib.suppress(OSError):
                self._proc.stdin.write("quit\n")
                self._proc.stdin.close()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()


def wait_until(condition, timeout: float = 10.0, step: float = 0.01) -> bool:
    """Poll condition() until it holds or timeout seconds pass."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(step)
    return bool(condition())
