#!/bin/sh
# Install Librarian for the current user only: no root, nothing outside your home folder.
#
#   ./install-user.sh            (run from the unpacked librarian/ folder)
#
# Copies this folder to ~/.local/opt/librarian (or $LIBRARIAN_PREFIX), puts Librarian in the
# applications menu with "Open with Librarian" for PDF, text and Markdown files, installs its
# icons and a `librarian` command in ~/.local/bin. Your library (documents index, chats,
# settings) is elsewhere, in ~/.local/share/Librarian: installing, updating and uninstalling
# never touch it. Undo with ~/.local/opt/librarian/uninstall-user.sh.
set -eu

here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
data_home=${XDG_DATA_HOME:-$HOME/.local/share}
prefix=${LIBRARIAN_PREFIX:-$HOME/.local/opt/librarian}
bin_dir=$HOME/.local/bin

is_bundle() { [ -x "$1/librarian" ] && [ -d "$1/_internal" ]; }

is_bundle "$here" || { echo "install-user.sh: run it from the librarian folder" >&2; exit 1; }
if [ "$here" != "$prefix" ]; then
    # Never delete a folder that is not a Librarian bundle (a mistyped LIBRARIAN_PREFIX).
    if [ -e "$prefix" ] && ! is_bundle "$prefix"; then
        echo "install-user.sh: $prefix exists and is not a Librarian install; not replacing it" >&2
        exit 1
    fi
    mkdir -p "$(dirname -- "$prefix")"
    rm -rf "$prefix.partial"
    cp -a "$here" "$prefix.partial"  # copied aside first: an interrupted copy breaks nothing
    rm -rf "$prefix"
    mv "$prefix.partial" "$prefix"
fi

mkdir -p "$data_home/applications" "$bin_dir"
# Exec quotes the path (the spec allows spaces there); TryExec takes it as it is.
sed -e "s|^Exec=.*|Exec=\"$prefix/librarian\" %F|" -e "s|^TryExec=.*|TryExec=$prefix/librarian|" \
    "$prefix/librarian.desktop" > "$data_home/applications/librarian.desktop"
for png in "$prefix"/_internal/assets/icons/librarian-*.png; do
    size=${png##*/librarian-}
    size=${size%.png}
    mkdir -p "$data_home/icons/hicolor/${size}x${size}/apps"
    cp "$png" "$data_home/icons/hicolor/${size}x${size}/apps/librarian.png"
done
mkdir -p "$data_home/icons/hicolor/scalable/apps"
cp "$prefix/_internal/assets/icon.svg" "$data_home/icons/hicolor/scalable/apps/librarian.svg"
touch "$data_home/icons/hicolor"  # icon caches notice new icons by the folder's time
if [ ! -e "$bin_dir/librarian" ] || [ -L "$bin_dir/librarian" ]; then
    ln -sf "$prefix/librarian" "$bin_dir/librarian"
fi
if command -v update-desktop-database >/dev/null 2>&1; then
    update-desktop-database -q "$data_home/applications" || true
fi
echo "Librarian is installed in $prefix and in your applications menu."
echo "To remove it: $prefix/uninstall-user.sh"
