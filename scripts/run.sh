#!/usr/bin/env bash
# Install Continuo and launch it: `bash scripts/run.sh [continuo args]`.
#
# With arguments they go straight to `continuo`. Without a display (no DISPLAY or
# WAYLAND_DISPLAY) there is no window to open, so it runs the main job headless: it continues
# the demo seed (resources/demo_seed.mid) with the shipped model into three variations,
# continuation-1.mid ... continuation-3.mid in the checkout's top folder, and summarises the first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
# shellcheck source=system_packages.sh
source scripts/system_packages.sh
# libasound2 for python-rtmidi (the MIDI ports), portaudio19-dev for pip to build PyAudio (the
# built-in sound's audio output; PyPI has no Linux wheel of it); with a display, the libraries
# Qt's xcb platform plugin links against (as in scripts/test.sh) and one font, so the window
# opens on a fresh machine.
packages=(libasound2 portaudio19-dev)
if [[ -n "${DISPLAY:-}" || -n "${WAYLAND_DISPLAY:-}" ]]; then
    packages+=(libegl1 libgl1 libx11-6 libx11-xcb1 libfontconfig1 libfreetype6 libxkbcommon0
        libxkbcommon-x11-0 libdbus-1-3 libglib2.0-0 fonts-dejavu-core libxcb-cursor0 libxcb-icccm4
        libxcb-keysyms1 libxcb-image0 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xkb1)
fi
install_system_packages "${packages[@]}"
prepare_pip
"$PYTHON" -m pip install -q --root-user-action=ignore -e .

if [[ $# -gt 0 ]]; then
    exec "$PYTHON" -m studio.cli "$@"
fi
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    echo "run.sh: no display: continuing resources/demo_seed.mid headless" >&2
    "$PYTHON" -m studio.cli continue resources/demo_seed.mid --bars 8 --variations 3 --seed 1 \
        --key auto --out continuation.mid
    exec "$PYTHON" -m studio.cli info continuation-1.mid
fi
exec "$PYTHON" -m studio.cli
