#!/usr/bin/env bash
# System packages kyphocheck needs beside Python: Pango for WeasyPrint, HarfBuzz's subsetter
# (fast font subsetting), DejaVu fonts, and openssl, poppler-utils and qpdf for the tests that check
# records with outsiders' tools. Installs what is missing with apt-get when it can.
set -euo pipefail

missing=()
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib "libpango-1.0.so" || missing+=(libpango-1.0-0)
have_lib "libpangoft2-1.0.so" || missing+=(libpangoft2-1.0-0)
have_lib "libharfbuzz-subset.so" || missing+=(libharfbuzz-subset0)
fc-list 2>/dev/null | grep -q "DejaVu Sans" || missing+=(fonts-dejavu-core)
command -v openssl >/dev/null || missing+=(openssl)
command -v pdftotext >/dev/null || missing+=(poppler-utils)
# qpdf checks the signed PDFs' structure in the tests, independently of pyHanko.
command -v qpdf >/dev/null || missing+=(qpdf)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "kyphocheck needs these system packages: ${missing[*]}" >&2
  echo "install them with your package manager (Debian/Ubuntu: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi
