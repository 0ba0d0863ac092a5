#!/usr/bin/env bash
# Wrap Continuo.app in a compressed disk image: `make_dmg.sh PATH/Continuo.app OUT.dmg`.
#
# The image opens to the app beside a link to /Applications, so installing is one drag.
# Needs macOS (hdiutil). Signing and notarising, when there is an identity, come after this.
set -euo pipefail
app="$1"
out="$2"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
rm -f "$out"
hdiutil create -volname "Continuo" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$out"
