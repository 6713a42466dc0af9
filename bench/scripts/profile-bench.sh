#!/usr/bin/env bash
# Profile of `tso4j bench --concurrency 1024` against three `tso4j serve` processes (docs/benchmarks.md, "Where the
# CPU goes at C = 1024"): the release launcher (mvn -B -q -DskipTests package first), default JVM flags; JFR on the
# bench client (-XX:StartFlightRecording, delay = the 2 s warm-up) and on the leader (jcmd JFR.start just before the
# bench, JFR.dump after it). Writes WORKDIR (default /tmp/tso4j-profile)/{client,leader}.jfr and bench.json; then:
#   bench/scripts/jfr-summary.py WORKDIR/client.jfr; bench/scripts/jfr-summary.py WORKDIR/leader.jfr
set -u
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
D="${TSO4J_DIST:-$(ls -d "$ROOT"/cli/target/tso4j-*-stage/tso4j-* | head -n 1)}"
W="${1:-/tmp/tso4j-profile}"; rm -rf "$W"; mkdir -p "$W"
PEERS=n1=127.0.0.1:17501/17401,n2=127.0.0.1:17502/17402,n3=127.0.0.1:17503/17403
EP=127.0.0.1:17401,127.0.0.1:17402,127.0.0.1:17403
for n in 1 2 3; do
  $D/bin/tso4j serve --id n$n --peers $PEERS --data-dir $W/n$n > $W/n$n.log 2>&1 &
  echo $! > $W/n$n.pid
done
LEADER=
for i in $(seq 1 12); do   # up to ~60 s for a serving leader (members itself takes a JVM start)
  sleep 3
  $D/bin/tso4j members --endpoints $EP > $W/members.txt 2>&1
  LEADER=$(grep -E " leader .* serving " $W/members.txt | grep -oE "^ *n[0-9]" | head -1 | tr -d ' ')
  [ -n "$LEADER" ] && break
done
cat $W/members.txt
echo "leader: $LEADER"
if [ -z "$LEADER" ]; then
  echo "no serving leader" >&2
  for n in 1 2 3; do kill -9 $(cat $W/n$n.pid) 2>/dev/null; done
  exit 1
fi
LPID=$(cat $W/$LEADER.pid)
jcmd $LPID JFR.start name=bench settings=profile > /dev/null
uptime > $W/uptime
TSO4J_JAVA_OPTS="-Xms128m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=10 -XX:StartFlightRecording=filename=$W/client.jfr,settings=profile,delay=2s" \
  timeout 60 $D/bin/tso4j bench --endpoints $EP --concurrency 1024 --duration 10s --json > $W/bench.json 2> $W/bench.err
jcmd $LPID JFR.dump name=bench filename=$W/leader.jfr > /dev/null
uptime >> $W/uptime
for n in 1 2 3; do kill $(cat $W/n$n.pid) 2>/dev/null; done
sleep 3
for n in 1 2 3; do kill -9 $(cat $W/n$n.pid) 2>/dev/null; done
cat $W/bench.json
