#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite: `bash scripts/test.sh [pytest args]`.
#
# Meant for a fresh Debian-like machine (root, Python 3.11, no display) and for a developer's
# machine alike: system packages are installed only when missing and only as root with apt-get,
# Python packages only when the editable install is missing or stale, so a second run goes
# straight to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}

# jackd2: a real JACK server (dummy driver) for the MIDI port tests; fluidsynth and the GM
# soundfont: a real synth on the other end of a port; FluidR3 Mono: the source the built-in
# sound's SoundFont is cut from (scripts/trim_soundfont.py, checked by tests/midi/test_synth.py).
# The rest are the system libraries that PySide6-Essentials' QtGui/QtWidgets and its offscreen
# platform plugin link against (read off with ldd: EGL, GL, X11, fontconfig/freetype, xkbcommon,
# D-Bus, GLib), xkbcommon-x11 for the xcb plugin under Xvfb, libasound2 for python-rtmidi, and
# one font so rendered text shows.
APT_PACKAGES=(
    jackd2 fluidsynth fluid-soundfont-gm fluidr3mono-gm-soundfont
    libegl1 libgl1 libx11-6 libfontconfig1 libfreetype6 libxkbcommon0 libxkbcommon-x11-0
    libdbus-1-3 libglib2.0-0 libasound2 fonts-dejavu-core
    # PortAudio's headers: pip builds PyAudio (tinysoundfont's audio output, for the built-in
    # sound) from source on Linux, where PyPI has no wheel of it.
    portaudio19-dev
    # The end-to-end test (tests/e2e): the built app on the xcb plugin, which needs these xcb
    # libraries (PyInstaller bundles them from here), on an Xvfb display, typed at by xdotool.
    xvfb xdotool libx11-xcb1 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-randr0
    libxcb-render-util0 libxcb-shape0 libxcb-xkb1
)

# shellcheck source=system_packages.sh
source scripts/system_packages.sh

# True when this checkout is installed editable with every requirement (extras included)
# present, and pyproject.toml has not changed since: then pip (~20 s even as a no-op) is skipped.
STAMP=build/test-deps.stamp
python_deps_current() {
    [[ -f $STAMP && "$(cat "$STAMP")" == "$(deps_key)" ]] || return 1
    "$PYTHON" - <<'PY'
import importlib.metadata as md
import json
import pathlib
import re
import sys

try:
    from packaging.requirements import Requirement
except ImportError:  # then only the names are checked
    Requirement = None

here = pathlib.Path.cwd().resolve().as_uri()
# The checkout's own continuo.egg-info is on sys.path too: look for the installed dist-info.
ours = [
    d for d in md.distributions(name="continuo")
    if json.loads(d.read_text("direct_url.json") or "{}").get("url") == here
]
if not ours:
    sys.exit(1)
for req in ours[0].requires or []:
    try:
        version = md.version(re.match(r"[A-Za-z0-9._-]+", req).group())
    except md.PackageNotFoundError:
        sys.exit(1)
    if Requirement is not None and not Requirement(req).specifier.contains(version, prereleases=True):
        sys.exit(1)
PY
}

deps_key() {
    echo "$("$PYTHON" -c 'import sys; print(sys.executable)') $(sha256sum pyproject.toml | cut -d' ' -f1)"
}

install_python_packages() {
    python_deps_current && return
    prepare_pip
    "$PYTHON" -m pip install -q --root-user-action=ignore -e ".[dev,train,build,link]"
    mkdir -p "$(dirname "$STAMP")"
    deps_key >"$STAMP"
}

install_system_packages "${APT_PACKAGES[@]}"
install_python_packages

# Keep a copy of the output so the summary line can be repeated last, after any plugin chatter.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
"$PYTHON" -m pytest "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [[ $status -eq 5 ]]; then
    echo "test.sh: FAILURE: pytest collected no tests" >&2
    exit 1
fi
# pytest's closing line: "=== 12 passed, 1 skipped in 3.4s ===" (or without the = with -q).
summary=$(grep -E "[0-9]+ (passed|failed|errors?|skipped|deselected)|no tests ran" "$log" | tail -n 1 || true)
echo "${summary:-test.sh: pytest printed no summary line}"
exit "$status"
