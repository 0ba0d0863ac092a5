#!/usr/bin/env bash
# Install Continuo and launch it: `bash scripts/run.sh [continuo args]`.
#
# With arguments they go straight to `continuo`. Without a display (no DISPLAY or
# WAYLAND_DISPLAY) there is no window to open, so it runs the headless command line instead;
# today that prints the available commands, and the headless main job, `continuo continue`,
# joins them when the engine lands.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
"$PYTHON" -m pip install -q --root-user-action=ignore -e .

if [[ $# -gt 0 ]]; then
    exec "$PYTHON" -m studio.cli "$@"
fi
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
    echo "run.sh: no display: running the headless command line" >&2
    exec "$PYTHON" -m studio.cli --help
fi
exec "$PYTHON" -m studio.cli
