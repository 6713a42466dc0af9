#!/usr/bin/env bash
# Throughput at C=1024 against 3 serve processes: serve with the launcher's default flags vs + -XX:TieredStopAtLevel=1.
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
D="${TSO4J_DIST:-$(ls -d "$ROOT"/cli/target/tso4j-*-stage/tso4j-* | head -n 1)}"
PEERS=n1=127.0.0.1:17601/17611,n2=127.0.0.1:17602/17612,n3=127.0.0.1:17603/17613
EP=127.0.0.1:17611,127.0.0.1:17612,127.0.0.1:17613
DEF="-Xms128m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=10"
for round in 1 2; do
for cfg in default c1; do
  W=${WORKDIR:-/tmp/tso4j-c1}/$cfg-$round; rm -rf $W; mkdir -p $W
  opts="$DEF"; [ $cfg = c1 ] && opts="$DEF -XX:TieredStopAtLevel=1"
  for n in 1 2 3; do
    TSO4J_JAVA_OPTS="$opts" $D/bin/tso4j serve --id n$n --peers $PEERS --data-dir $W/n$n > $W/n$n.log 2>&1 &
    echo $! > $W/n$n.pid
  done
  sleep 8
  u1=$(uptime | sed 's/.*average: //')
  r=$(timeout 60 $D/bin/tso4j bench --endpoints $EP --concurrency 1024 --duration 10s --json 2>/dev/null | grep calls_per_s)
  u2=$(uptime | sed 's/.*average: //')
  echo "$cfg round $round load [$u1]..[$u2] $(echo "$r" | grep -oE '"calls_per_s":[0-9.]+|"p50":[0-9.]+|"p99":[0-9.]+|"errors":\{[^}]*\}|"order_violations":[0-9]+' | tr '\n' ' ')"
  for n in 1 2 3; do kill $(cat $W/n$n.pid) 2>/dev/null; done
  sleep 3
  for n in 1 2 3; do kill -9 $(cat $W/n$n.pid) 2>/dev/null; done
done
done
