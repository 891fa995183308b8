#!/usr/bin/env bash
# Installs the Debian packages fazhi needs (CJK font for PDFs and pages, HarfBuzz subsetting
# for fast PDF fonts, Pango for WeasyPrint, gettext for translations, poppler-utils for the PDF tests);
# `sysdeps.sh test` adds Debian's Chromium for the browser tests (Playwright drives /usr/bin/chromium).
# As root: installs what is missing with apt-get. Otherwise: prints the exact command and goes on.
set -u
pkgs="fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 gettext poppler-utils"
[ "${1:-}" = "test" ] && pkgs="$pkgs chromium"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "fazhi: not a Debian/Ubuntu machine; please install the equivalents of:$missing" >&2
  exit 0
fi
if [ "$(id -u)" = "0" ]; then
  echo "fazhi: installing Debian packages:$missing"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing \
    || echo "fazhi: apt-get failed; PDFs may lack Chinese fonts until you run: apt-get install -y$missing" >&2
else
  echo "fazhi: these Debian packages are missing. Run:"
  echo "    sudo apt-get install -y$missing"
  echo "fazhi: continuing without them (PDF output may lack the Chinese font)."
fi
exit 0
