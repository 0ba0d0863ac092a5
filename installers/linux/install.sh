#!/usr/bin/env bash
# Install this Continuo folder for the current user: `./install.sh` (or `./install.sh --remove`).
#
# Copies the folder to ~/.local/share/continuo, links the `continuo` command into ~/.local/bin
# and adds Continuo to the desktop's application menu with its icon. Nothing needs root.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
target="$data/continuo"
bin="$HOME/.local/bin"

if [[ "${1:-}" == "--remove" ]]; then
    rm -rf "$target" "$bin/continuo" "$data/applications/continuo.desktop" \
        "$data/icons/hicolor/512x512/apps/continuo.png"
    echo "Continuo removed."
    exit 0
fi

if [[ "$here" != "$target" ]]; then
    rm -rf "$target"
    mkdir -p "$(dirname "$target")"
    cp -a "$here" "$target"
fi
mkdir -p "$bin" "$data/applications" "$data/icons/hicolor/512x512/apps"
ln -sf "$target/continuo" "$bin/continuo"
cp "$target/continuo.png" "$data/icons/hicolor/512x512/apps/continuo.png"
sed "s|^Exec=continuo|Exec=\"$target/continuo\"|" "$target/continuo.desktop" >"$data/applications/continuo.desktop"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$data/applications" || true
echo "Continuo installed: find it in your applications menu, or run $bin/continuo"
