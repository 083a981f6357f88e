#!/bin/sh
# Remove a per-user install of Librarian (made by install-user.sh). Keeps your library
# (~/.local/share/Librarian: documents index, chats, settings): delete that folder yourself if
# you want it gone too.
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
prefix=${LIBRARIAN_PREFIX:-$here}
bin_dir=$HOME/.local/bin

if [ ! -x "$prefix/librarian" ] || [ ! -d "$prefix/_internal" ]; then
    echo "uninstall-user.sh: $prefix is not a Librarian install" >&2
    exit 1
fi
rm -f "$data_home/applications/librarian.desktop"
for icon in "$data_home"/icons/hicolor/*/apps/librarian.png "$data_home"/icons/hicolor/scalable/apps/librarian.svg; do
    rm -f "$icon"
done
# Only our own link: a `librarian` of something else stays.
if [ -L "$bin_dir/librarian" ] && [ "$(readlink "$bin_dir/librarian")" = "$prefix/librarian" ]; then
    rm -f "$bin_dir/librarian"
fi
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$data_home/applications" 2>/dev/null || true
fi
rm -rf "$prefix"
echo "Librarian was removed. Your library was kept, in $data_home/Librarian."
