"""The installed app's size and start-up: `python tests/benchmarks/bench_bundle.py [--bundle DIR]`.

Builds the bundle with installers/build.py (or takes DIR, e.g. dist/continuo) and prints one
JSON object: the folder's size, and the medians over `--repeats` cold starts of the built
program against the same from the source checkout, measured in the same run: `--version`,
and the window first shown offscreen (CONTINUO_EXIT_WHEN_SHOWN=1; the app prints the moment
it was exposed). `ratio` > 1 means the bundle starts slower than the source. The machine may
be shared: `load_average` (before, after) says how noisy a run was.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.benchmarks._timing import median_of  # noqa: E402


def build(into: Path) -> tuple[Path, dict]:
    done = subprocess.run([sys.executable, str(ROOT / "installers" / "build.py"),
                           "--dist", str(into / "dist"), "--work", str(into / "work")],
                          cwd=ROOT, capture_output=True, text=True, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return Path(report["bundle"]), report


def seconds(command: list[str], home: Path, window: bool) -> float:
    """Wall time from launch to exit (`--version`) or to the window first shown."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTINUO_", "QT_"))}
    env.update(QT_QPA_PLATFORM="offscreen", CONTINUO_HOME=str(home))
    if window:
        env["CONTINUO_EXIT_WHEN_SHOWN"] = "1"
    started = time.time()
    done = subprocess.run(command, cwd=home, env=env, capture_output=True, text=True, timeout=300, check=True)
    if not window:
        return time.time() - started
    shown = json.loads(done.stdout.strip().splitlines()[-1])["shown"]
    return shown - started


def median_s(command: list[str], repeats: int, window: bool) -> float:
    with tempfile.TemporaryDirectory() as home:
        seconds(command, Path(home), window)  # warm the file cache: every run after is alike
        return median_of(lambda: seconds(command, Path(home), window), repeats)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, help="a built bundle folder (default: build one now)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        folder, report = (args.bundle.resolve(), {}) if args.bundle else build(Path(scratch))
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())
        programs = {"bundle": [str(folder / "continuo")], "source": [sys.executable, "-m", "studio.cli"]}
        result = {"bundle_mb": round(size / 2**20, 1), "build": report}
        for name, extra, window in (("version_s", ["--version"], False), ("first_window_s", [], True)):
            times = {kind: median_s([*command, *extra], args.repeats, window)
                     for kind, command in programs.items()}
            result[name] = {kind: round(t, 3) for kind, t in times.items()}
            result[name]["ratio"] = round(times["bundle"] / times["source"], 2)
    result["load_average"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
