#!/bin/sh
# Generates configure and Makefile.in; they are never committed.
set -e
cd "$(dirname "$0")"
autoreconf -fi
# Autoconf's probes delete stray core dumps with `rm -f core`, which fails
# loudly (and stops its cleanup) on our core/ source directory; point them
# at the conftest dump names instead.
sed -i 's/rm -f core /rm -f core.conftest.* /' configure
