#!/bin/sh
# What the packaging test (tests/packaging/test_installed_app.py) needs on a Debian-like CI
# machine, as root: the desktop tools that stand in for a user's session, the libraries the
# .deb depends on, and the X libraries PySide6 needs to open a window from source (the start-up
# comparison). Installs only what is missing; does nothing when not root or without apt-get.
set -eu

[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || {
    echo "install-ci-tools.sh: not root or no apt-get; the packaging test will be skipped"
    exit 0
}
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
# The .deb's Depends (first choice of each alternative, versions dropped).
depends=$(sed -n 's/^Depends: //p' "$here/control.in" | tr ',' '\n' | sed 's/|.*//; s/(.*)//' | xargs)
tools="xvfb xauth xdotool libglib2.0-bin desktop-file-utils dpkg"
qt_x11="libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0
libxcb-shape0 libxcb-randr0 libxcb-xkb1 libxkbcommon-x11-0 libx11-xcb1 libxcb-xfixes0
libxcb-sync1 libxcb-shm0 libxcb-glx0 libxcb-util1 libegl1 libgl1 libfontconfig1 libdbus-1-3"

missing=""
for package in $tools $depends $qt_x11; do
    dpkg -s "$package" >/dev/null 2>&1 || missing="$missing $package"
done
if [ -n "$missing" ]; then
    echo "installing:$missing"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
fi
