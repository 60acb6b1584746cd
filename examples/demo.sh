#!/usr/bin/env bash
# examples/demo.sh BUILD - what `make demo` shows after building: the kernel,
# its plugins, and the example plugins of examples/plugins built against the
# in-tree headers and loaded through the same ABI a third party would use.
# Outputs go to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
quire=$build/quire
mkdir -p out/plugins

echo "== $quire --version"
"$quire" --version

echo
echo "== the plugins shipped with quire (conf/quire.conf)"
"$quire" plugins list -c conf/quire.conf
"$quire" config check -c conf/quire.conf

if [ -d examples/plugins ]; then
    echo
    echo "== example plugins of each kind, built like a third-party plugin"
    for dir in examples/plugins/*/; do
        name=$(basename "$dir")
        cc -std=c11 -Wall -Wextra -Werror -O2 -Iinclude -fPIC -fvisibility=hidden -shared \
            -Wl,--no-undefined -o "out/plugins/$name.so" "$dir"*.c
    done
    cat > out/demo.conf <<'CONF'
[kernel]
plugin_dir = plugins
plugins = *
strict = yes
CONF
    "$quire" plugins list -c out/demo.conf
    echo
    "$quire" plugins info hello_source -c out/demo.conf
fi
echo
echo "== reports: examples/*.quire in every format"
rm -f out/*-page-*.svg out/*-page-*.png
for report in examples/*.quire; do
    name=$(basename "$report" .quire)
    "$quire" check "$report" -c conf/quire.conf
    for fmt in pdf html svg png json csv; do
        "$quire" render "$report" -c conf/quire.conf --format "$fmt" -o "out/$name.$fmt" --quiet
        case $fmt in
        svg | png)
            n=$(find out -maxdepth 1 -name "$name-page-*.$fmt" | wc -l)
            if [ "$n" -gt 0 ]; then echo "   out/$name-page-1..$n.$fmt"; else echo "   out/$name.$fmt"; fi
            ;;
        *) echo "   out/$name.$fmt" ;;
        esac
    done
done
if command -v pdfinfo >/dev/null 2>&1; then
    echo
    echo "== out/sales.pdf"
    pdfinfo out/sales.pdf | grep -E '^(Title|Pages|Page size)'
fi
echo
echo "demo: outputs in out/"
cat <<EOF

== the server (docs/api.md)
Start a node (it starts a private redis-server of its own; Ctrl-C stops both):

    $quire serve -c conf/quire.conf --listen 127.0.0.1:8080

Then, from another terminal, render examples/sales.quire through the API:

    curl -s http://127.0.0.1:8080/v1/reports
    curl -s -X POST -d '{"report": "sales", "format": "pdf"}' http://127.0.0.1:8080/v1/jobs
    curl -s http://127.0.0.1:8080/v1/jobs/JOB_ID            # state and progress
    curl -s -N -H 'Accept: text/event-stream' http://127.0.0.1:8080/v1/jobs/JOB_ID/events
    curl -s -o sales.pdf http://127.0.0.1:8080/v1/jobs/JOB_ID/output
    curl -s -X POST -d '{"format": "csv"}' http://127.0.0.1:8080/v1/reports/sales/render | tail -1
EOF
