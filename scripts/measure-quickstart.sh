#!/usr/bin/env bash
# Measures, with the built CLI: `slipway up` start → both quickstart services answering; kill -9 of api → answering again.
set -u
dir=${1:?usage: scripts/measure-quickstart.sh <copy of examples/quickstart>}
bin="$(cd "$(dirname "$0")/.." && pwd)/bin/slipway.js"
t0=$(date +%s%N)
node "$bin" up -p "$dir" > /tmp/m-up.log 2>&1 &
up=$!
until curl -sf 127.0.0.1:7100/ >/dev/null && curl -sf 127.0.0.1:7110/ >/dev/null; do sleep 0.01; done
echo "start → both healthy: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
sleep 2
pid=$(node "$bin" -p "$dir" status --json | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)[0].instances[0].pid))')
t1=$(date +%s%N); kill -9 "$pid"
while curl -sf 127.0.0.1:7100/ >/dev/null; do :; done
until curl -sf 127.0.0.1:7100/ >/dev/null; do sleep 0.005; done
echo "kill -9 → answering again: $(( ($(date +%s%N) - t1) / 1000000 )) ms"
kill -TERM "$up"; wait "$up"
node "$bin" -p "$dir" down >/dev/null
