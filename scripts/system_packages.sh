# Sourced by scripts/run.sh and scripts/test.sh: `install_system_packages PKG...` installs those
# Debian packages that are missing, only as root with apt-get (elsewhere it says so and goes on).
# Newer releases renamed some libraries (libasound2 -> libasound2t64): either name counts.
# `prepare_pip` makes "$PYTHON -m pip install" work on a fresh Debian-like machine.

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed"
}

install_system_packages() {
    local who=${0##*/}
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null; then
        echo "$who: not root or no apt-get: skipping system packages" >&2
        return
    fi
    local missing=() pkg
    for pkg in "$@"; do
        is_installed "$pkg" || is_installed "${pkg}t64" || missing+=("$pkg")
    done
    [[ ${#missing[@]} -eq 0 ]] && return
    echo "$who: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    local resolved=()
    for pkg in "${missing[@]}"; do
        # the old name is then purely virtual and apt-get refuses it, so take the real one
        if ! apt-cache show --no-all-versions "$pkg" >/dev/null 2>&1 \
            && apt-cache show --no-all-versions "${pkg}t64" >/dev/null 2>&1; then
            pkg="${pkg}t64"
        fi
        resolved+=("$pkg")
    done
    apt-get install -y -qq --no-install-recommends "${resolved[@]}" >/dev/null
}

prepare_pip() {
    if ! "$PYTHON" -m pip --version >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-pip >/dev/null
    fi
    # Debian's own python3 refuses pip installs (PEP 668); a disposable machine may take them
    # anyway. On your own machine, point PYTHON at a virtualenv's python instead.
    if "$PYTHON" -c 'import sys, sysconfig, pathlib; sys.exit(not (pathlib.Path(sysconfig.get_path("stdlib")) / "EXTERNALLY-MANAGED").exists())'; then
        export PIP_BREAK_SYSTEM_PACKAGES=1
    fi
}
