#!/bin/sh
# Refresh the translation template resources/translations/peerdesk_en.ts from the tr()
# strings in peerdesk/ui. Copy it to peerdesk_<lang>.ts to start a translation, open that
# in Qt Linguist (pyside6-linguist), and run this script again after UI text changes:
# lupdate keeps finished translations and marks changed strings as unfinished.
set -eu
cd "$(dirname "$0")/.."
LUPDATE="${LUPDATE:-$(command -v pyside6-lupdate || echo .venv/bin/pyside6-lupdate)}"
# shellcheck disable=SC2046  # one argument per source file
"$LUPDATE" $(find peerdesk/ui -name '*.py' | LC_ALL=C sort) \
    -no-obsolete -locations none -source-language en -target-language en \
    -ts resources/translations/peerdesk_en.ts
for ts in resources/translations/peerdesk_*.ts; do
    [ "$ts" = resources/translations/peerdesk_en.ts ] && continue
    "$LUPDATE" $(find peerdesk/ui -name '*.py' | LC_ALL=C sort) \
        -no-obsolete -locations none -source-language en -ts "$ts"
done
