#!/usr/bin/env bash
# What can be checked of the Windows MSI on Debian: compile installer/windows/peerdesk.wxs
# with wixl (msitools) over a tiny stand-in bundle, read the tables back with msiinfo and
# assert the parts IT relies on. Two versions are built to check that they form a major
# upgrade (same UpgradeCode, new ProductCode).
#
# NOT checked here (wixl cannot build or Debian cannot run them; see it-deployment.md):
# the icacls custom action that sets the ProgramData ACLs (left out with -D Wixl=1),
# the Permanent and NeverOverwrite component flags (wixl ignores them), the real bundle's
# files (harvested by heat on Windows), and any actual install, upgrade or uninstall.
# .github/workflows/windows.yml does those on a Windows runner.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
UPGRADE_CODE="{E581386F-779B-4E32-8A7D-7EBB860AE8AC}"

fail() { echo "check-msi: FAIL: $*" >&2; exit 1; }

for tool in wixl wixl-heat msiinfo; do
    if ! command -v "$tool" >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq && apt-get install -y -qq --no-install-recommends msitools wixl >/dev/null
        break
    fi
done

# The UpgradeCode in the source is the one this script (and IT's records) know.
grep -q "UpgradeCode=\"${UPGRADE_CODE//[\{\}]/}\"" installer/windows/peerdesk.wxs ||
    fail "the UpgradeCode in peerdesk.wxs changed; it must stay ${UPGRADE_CODE}"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
# A stand-in for the PyInstaller bundle: the two executables and a library.
mkdir -p bundle/_internal
echo stand-in > bundle/peerdesk.exe
echo stand-in > bundle/peerdeskw.exe
echo stand-in > bundle/_internal/python311.dll
cp "$ROOT/installer/icons/peerdesk.ico" "$ROOT/installer/windows/policy.toml" .
(cd bundle && find . -type f | sed 's|^\./||' | sort) |
    wixl-heat --prefix "" --component-group BundleFiles --directory-ref INSTALLDIR \
        --var var.BundleDir --win64 > bundle.wxs

build() {  # version, output
    wixl -a x64 -D Wixl=1 -D Win64=yes -D "Version=$1" -D BundleDir=bundle \
        -D IconFile=peerdesk.ico -D PolicyFile=policy.toml -o "$2" \
        "$ROOT/installer/windows/peerdesk.wxs" bundle.wxs 2> wixl.log ||
        { grep -v "has no property named\|^$" wixl.log >&2; fail "wixl could not build $2"; }
}
build 0.1.0 old.msi
build 0.2.0 new.msi

table() { msiinfo export "$1" "$2" | tail -n +4 | tr -d '\r'; }  # rows only, tab-separated
prop() { table "$1" Property | awk -F'\t' -v k="$2" '$1 == k { print $2 }'; }
has_row() { table "$1" "$2" | grep -qxF "$3" || fail "$1: no $2 row '$3'"; }

for msi in old.msi new.msi; do
    [ "$(prop $msi UpgradeCode)" = "$UPGRADE_CODE" ] || fail "$msi: UpgradeCode $(prop $msi UpgradeCode)"
    [ "$(prop $msi ALLUSERS)" = 1 ] || fail "$msi: not a per-machine package (ALLUSERS)"
    [ "$(prop $msi CLINICGROUP)" = "PeerDesk Users" ] || fail "$msi: CLINICGROUP default"
    msiinfo suminfo "$msi" | grep -q "^Template: x64;" || fail "$msi: not an x64 package"
done
[ "$(prop old.msi ProductVersion)" = 0.1.0 ] && [ "$(prop new.msi ProductVersion)" = 0.2.0 ] ||
    fail "ProductVersion not taken from -D Version"
[ "$(prop old.msi ProductCode)" != "$(prop new.msi ProductCode)" ] ||
    fail "two versions share a ProductCode: no major upgrade"

# Major upgrade: an older PeerDesk is found and removed, a newer one blocks a downgrade.
has_row new.msi Upgrade "${UPGRADE_CODE}		0.2.0		1		WIX_UPGRADE_DETECTED"
has_row new.msi Upgrade "${UPGRADE_CODE}	0.2.0			2		WIX_DOWNGRADE_DETECTED"
for action in FindRelatedProducts RemoveExistingProducts; do
    table new.msi InstallExecuteSequence | cut -f1 | grep -qx "$action" ||
        fail "no $action in InstallExecuteSequence"
done
prop new.msi SecureCustomProperties | grep -q WIX_UPGRADE_DETECTED ||
    fail "WIX_UPGRADE_DETECTED is not a secure property"

# Per-machine folders under Program Files (64-bit) and ProgramData.
has_row new.msi Directory "INSTALLDIR	ProgramFiles64Folder	PeerDesk"
has_row new.msi Directory "PROGRAMDATADIR	CommonAppDataFolder	PeerDesk"
for dir in "SHAREDDATADIR	PROGRAMDATADIR	data" "BACKUPDIR	PROGRAMDATADIR	backups" \
    "LOGDIR	PROGRAMDATADIR	logs"; do
    has_row new.msi Directory "$dir"
    table new.msi CreateFolder | cut -f1 | grep -qx "${dir%%	*}" ||
        fail "${dir%%	*} is not created"
done
table new.msi File | awk -F'\t' '$3 == "policy.toml" { print $2 }' | grep -qx MachinePolicy ||
    fail "policy.toml is not installed by the MachinePolicy component"
table new.msi Component | awk -F'\t' '$1 == "MachinePolicy" { print $3 }' | grep -qx PROGRAMDATADIR ||
    fail "policy.toml is not in %ProgramData%\\PeerDesk"
for exe in peerdesk.exe peerdeskw.exe; do
    table new.msi File | cut -f3 | grep -qx "$exe" || fail "$exe is not in the package"
done

# Start menu shortcut to the windowed executable.
table new.msi Shortcut | awk -F'\t' '$2 == "ProgramMenuFolder" && $3 == "PeerDesk" &&
    $5 == "[INSTALLDIR]peerdeskw.exe" && $9 == "PeerDeskIcon" && $12 == "INSTALLDIR"' |
    grep -q . || fail "no Start menu shortcut PeerDesk -> [INSTALLDIR]peerdeskw.exe"
table new.msi Icon >/dev/null || fail "no Icon table"
[ "$(prop new.msi ARPPRODUCTICON)" = PeerDeskIcon ] || fail "no Add/Remove Programs icon"

# Uninstall never removes records: no RemoveFile/RemoveFolder row touches ProgramData.
if table new.msi RemoveFile | cut -f4 | grep -qE "PROGRAMDATADIR|SHAREDDATADIR|BACKUPDIR|LOGDIR"; then
    fail "the package removes files under ProgramData"
fi

echo "check-msi: ok (UpgradeCode ${UPGRADE_CODE}, Upgrade table and major upgrade 0.1.0 -> 0.2.0," \
    "per-machine x64, Program Files and ProgramData folders, policy.toml, Start menu shortcut)"
