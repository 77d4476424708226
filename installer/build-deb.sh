#!/usr/bin/env bash
# Build dist/peerdesk_<version>_amd64.deb from a checkout, on Debian 12 (amd64), as root
# or with sudo rights for apt. Installs what the build needs itself: a few apt packages
# and, in build/deb-venv, PyInstaller and PeerDesk's Python dependencies.
#
#   bash installer/build-deb.sh            # prints the bundle size, package size and time
#
# The bundle leaves the distribution's own shared libraries (X11/xcb, fontconfig, glib,
# OpenSSL, CUPS...) to the system and the package Depends on them, so they get Debian's
# security updates; Qt, Python, SQLCipher and PDFium are in the bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
START=$(date +%s)
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1

VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
ARCH=$(dpkg --print-architecture)
[ "$ARCH" = amd64 ] || { echo "build-deb.sh: builds amd64 packages only (this is $ARCH)" >&2; exit 2; }

# --- Build needs from apt (only the missing ones; a warm machine skips apt). binutils
# gives strip, used on the bundle's libraries; the Qt libraries are needed at build time
# too because PyInstaller resolves the plugins' dependencies.
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
need=()
QT_RUNTIME=(libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6
    libdbus-1-3 libglib2.0-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0
    libxcb-render-util0 libxcb-randr0 libxcb-shape0 libxcb-xkb1 libx11-xcb1 libcups2
    libwayland-client0 libwayland-cursor0 libwayland-egl1 fonts-dejavu-core)
for pkg in dpkg-dev binutils python3-venv "${QT_RUNTIME[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
# PyInstaller bundles libpython; Debian's own python3 keeps it in a separate package.
PYVER=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
case "$(python3 -c 'import sys; print(sys.base_prefix)')" in
    /usr) dpkg -s "libpython$PYVER" >/dev/null 2>&1 || need+=("libpython$PYVER") ;;
esac
if [ ${#need[@]} -gt 0 ]; then
    echo "build-deb.sh: installing build needs: ${need[*]}"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# --- Build venv: PyInstaller plus the app installed as a normal (non-editable) package.
VENV=build/deb-venv
if [ ! -x "$VENV/bin/python" ]; then
    python3 -m venv "$VENV"
fi
"$VENV/bin/pip" install -q "pyinstaller>=6.10,<7"
"$VENV/bin/pip" install -q .
"$VENV/bin/pip" install -q --force-reinstall --no-deps .  # this checkout, even if same version

# --- The bundle.
rm -rf build/pyinstaller-dist build/pyinstaller-work
PEERDESK_SYSTEM_LIBS=external "$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath build/pyinstaller-dist --workpath build/pyinstaller-work installer/peerdesk.spec
BUNDLE=build/pyinstaller-dist/peerdesk
[ -x "$BUNDLE/peerdesk" ] || { echo "build-deb.sh: PyInstaller made no bundle" >&2; exit 1; }

# --- Depends: every system library any program or plugin in the bundle links (ldd over
# all of them; Qt's plugins are loaded with dlopen, so PyInstaller's own list is not
# enough), mapped to its Debian package with dpkg -S, plus the Qt runtime list above.
# A library that resolves nowhere fails the build rather than the clinic's install.
depends=(libc6 passwd "${QT_RUNTIME[@]}")
: > build/ldd.txt
while IFS= read -r -d '' elf; do
    [ "$(head -c 4 "$elf" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
    ldd "$elf" 2>/dev/null | sed "s|^|${elf#"$BUNDLE"/} |" >> build/ldd.txt || true
done < <(find "$BUNDLE" -type f \( -name "*.so*" -o -perm /111 \) -print0)
# Libraries the bundle carries itself are found at run time (rpath or LD_LIBRARY_PATH).
missing=$(awk '$3 == "=>" && $4 == "not" { print $2 }' build/ldd.txt | sort -u |
    while read -r name; do [ -n "$(find "$BUNDLE" -name "$name" -print -quit)" ] || echo "$name"; done)
if [ -n "$missing" ]; then
    echo "build-deb.sh: libraries not found on the build machine:" $missing >&2
    exit 1
fi
awk '$3 == "=>" && $4 ~ /^\// { print $4 }' build/ldd.txt | grep -v "^$ROOT/" | sort -u \
    > build/system-libs-linked.txt
while read -r lib; do
    pkg=$(dpkg -S "$lib" 2>/dev/null || dpkg -S "/usr$lib" 2>/dev/null ||
        dpkg -S "$(readlink -f "$lib")" 2>/dev/null || true)
    pkg=${pkg%%:*}
    [ -n "$pkg" ] || { echo "build-deb.sh: no Debian package owns $lib" >&2; exit 1; }
    depends+=("$pkg")
done < <(cat build/system-libs-linked.txt build/pyinstaller-work/peerdesk/system-libs.txt | sort -u)
DEPENDS=$(printf '%s\n' "${depends[@]}" | sort -u | paste -sd, | sed 's/,/, /g')

# --- Package tree.
STAGE=build/deb-root
rm -rf "$STAGE"
install -d "$STAGE/DEBIAN" "$STAGE/opt" "$STAGE/usr/bin" "$STAGE/usr/share/applications" \
    "$STAGE/etc/peerdesk" "$STAGE/usr/lib/systemd/system" "$STAGE/usr/share/doc/peerdesk"
cp -a "$BUNDLE" "$STAGE/opt/peerdesk"
install -m 755 installer/linux/peerdesk.sh "$STAGE/usr/bin/peerdesk"
install -m 644 installer/linux/peerdesk.desktop "$STAGE/usr/share/applications/peerdesk.desktop"
for size in 48 128 256; do
    install -D -m 644 "installer/icons/peerdesk-$size.png" \
        "$STAGE/usr/share/icons/hicolor/${size}x${size}/apps/peerdesk.png"
done
install -D -m 644 installer/icons/peerdesk.svg "$STAGE/usr/share/icons/hicolor/scalable/apps/peerdesk.svg"
install -m 644 installer/linux/policy.toml "$STAGE/etc/peerdesk/policy.toml"
install -m 644 installer/linux/peerdesk-backup.service installer/linux/peerdesk-backup.timer \
    "$STAGE/usr/lib/systemd/system/"
install -m 644 installer/linux/debian/copyright "$STAGE/usr/share/doc/peerdesk/copyright"
install -m 644 docs/it-deployment.md "$STAGE/usr/share/doc/peerdesk/it-deployment.md"
install -m 644 installer/linux/debian/conffiles "$STAGE/DEBIAN/conffiles"
install -m 755 installer/linux/debian/postinst installer/linux/debian/prerm \
    installer/linux/debian/postrm "$STAGE/DEBIAN/"
# Predictable modes whatever the checkout's umask: directories 755, files 644 or 755.
find "$STAGE" -type d -exec chmod 755 {} +
find "$STAGE/opt/peerdesk" -type f -perm /111 -exec chmod 755 {} +
find "$STAGE/opt/peerdesk" -type f ! -perm /111 -exec chmod 644 {} +
INSTALLED_SIZE=$(du -sk --exclude=DEBIAN "$STAGE" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@INSTALLED_SIZE@/$INSTALLED_SIZE/" \
    -e "s/@DEPENDS@/$DEPENDS/" installer/linux/debian/control.in > "$STAGE/DEBIAN/control"

mkdir -p dist
DEB="dist/peerdesk_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz -z6 --build "$STAGE" "$DEB" >/dev/null
dpkg-deb --info "$DEB" >/dev/null  # fails on a malformed package

END=$(date +%s)
echo "build-deb.sh: built $DEB"
echo "build-deb.sh: bundle size $(du -sh "$BUNDLE" | cut -f1) ($(du -sb "$BUNDLE" | cut -f1) bytes)," \
    "package size $(du -h "$DEB" | cut -f1) ($(stat -c %s "$DEB") bytes)," \
    "build time $((END - START)) s"
