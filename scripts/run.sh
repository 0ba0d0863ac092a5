#!/usr/bin/env bash
# Install Continuo and launch it: `bash scripts/run.sh [continuo args]`.
#
# With arguments they go straight to `continuo`. Without a display (no DISPLAY or
# WAYLAND_DISPLAY) there is no window to open, so it runs the main job headless: it continues
# the demo seed (resources/demo_seed.mid) with the shipped model into three variations,
# continuation-1.mid ... continuation-3.mid in the current folder, and summarises the first.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
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
