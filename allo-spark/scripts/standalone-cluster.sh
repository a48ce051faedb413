#!/usr/bin/env bash
# A real Spark standalone cluster on this machine: one master and two workers on 127.0.0.1, started from the Spark
# jars of allo-spark's test class path (no Spark installation needed). It then
#   1. runs the reference job on the cluster and in local mode and compares the outputs (must be identical);
#   2. runs it again on the cluster and kills one worker (and its executor) while tasks run: Spark reruns the lost
#      tasks on the other worker and the output must again be complete and identical.
# The master, the workers and their executors are stopped at the end whatever happens (trap).
#
# Usage (from the repository root, after ./mvnw -o -q -pl allo-spark -am test-compile):
#   allo-spark/scripts/standalone-cluster.sh [PAIRS]          default 96 pairs
# Ports: 7077 (master), 8080-8082 (web UIs). Work files: allo-spark/target/standalone-cluster/.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
PAIRS=${1:-96}
WORK=$ROOT/allo-spark/target/standalone-cluster
PIDS=()

stop_all() {
  local pid child
  for pid in "${PIDS[@]}"; do
    for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do kill "$child" 2>/dev/null || true; done
    kill "$pid" 2>/dev/null || true
  done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT
trap "exit 130" INT TERM

rm -rf "$WORK" && mkdir -p "$WORK/spark-home/jars" "$WORK/logs"
echo "== class path"
./mvnw -o -q -B -pl allo-spark -am dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile="$WORK/cp.txt" >/dev/null
CLASSES="$ROOT/allo-spark/target/classes:$ROOT/allo-spark/target/test-classes:$ROOT/allo-impl/target/classes"
CLASSES="$CLASSES:$ROOT/allo-api/target/classes:$ROOT/src-test-fixtures/target/classes"
# A Spark home whose jars/ holds every jar of the class path: the workers build their executors' class path from it.
tr ':' '\n' < "$WORK/cp.txt" | grep '\.jar$' | grep -v '/dev/allo/' | while read -r jar; do
  ln -sf "$jar" "$WORK/spark-home/jars/"
done
export SPARK_HOME=$WORK/spark-home SPARK_SCALA_VERSION=2.13 SPARK_LOCAL_IP=127.0.0.1
CP="$CLASSES:$WORK/spark-home/jars/*"
OPENS=$(sed -n '/<spark.jvm.options>/,/<\/spark.jvm.options>/p' allo-spark/pom.xml | sed 's/<[^>]*>//g' | tr '\n' ' ')
JAVA="java -Xmx1g $OPENS -Dai.djl.offline=true"
# Executors log their tasks (INFO), so that the script can kill worker 2 while it runs some.
cat > "$WORK/log4j2-executor.properties" <<'PROPS'
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = stderr
appender.stderr.type = Console
appender.stderr.name = stderr
appender.stderr.target = SYSTEM_ERR
appender.stderr.layout.type = PatternLayout
appender.stderr.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
logger.executor.name = org.apache.spark.executor.Executor
logger.executor.level = info
PROPS

echo "== fixture: tiny model and $PAIRS pairs"
$JAVA -cp "$CP" dev.allo.spark.DevFixture "$WORK/data" "$PAIRS" 2>"$WORK/logs/fixture.log"

echo "== master and two workers on 127.0.0.1"
$JAVA -cp "$CP" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port 7077 --webui-port 8080 \
  >"$WORK/logs/master.log" 2>&1 &
PIDS+=($!)
for i in 1 2; do
  $JAVA -cp "$CP" org.apache.spark.deploy.worker.Worker spark://127.0.0.1:7077 --host 127.0.0.1 --cores 1 \
    --memory 2g --webui-port $((8080 + i)) --work-dir "$WORK/worker$i" >"$WORK/logs/worker$i.log" 2>&1 &
  PIDS+=($!)
done
WORKER2=${PIDS[2]}
for _ in $(seq 1 120); do
  alive=$(curl -s http://127.0.0.1:8080/json/ | grep -o '"aliveworkers" *: *[0-9]*' | grep -o '[0-9]*$' || true)
  [ "${alive:-0}" = 2 ] && break
  sleep 1
done
echo "alive workers: ${alive:-0}"
[ "${alive:-0}" = 2 ] || { echo "the workers did not register"; tail -20 "$WORK"/logs/*.log; exit 1; }

submit() { # master output [extra java options]
  local master=$1 out=$2
  shift 2
  $JAVA "$@" -Dspark.master="$master" -Dspark.executor.extraClassPath="$CLASSES" \
    -Dspark.executor.extraJavaOptions="-Dai.djl.offline=true -Dlog4j2.configurationFile=$WORK/log4j2-executor.properties" -Dspark.executor.memory=1g \
    -Dspark.task.maxFailures=4 -cp "$CP" dev.allo.spark.AlloSparkMain reference --input "$WORK/data/pairs.jsonl" \
    --output "$out" --model "$WORK/data/model" --batch-size 2 --partitions 8
}
digest() { cat "$1"/reference/jsonl/part-* | sort | sha256sum | cut -c1-16; }

echo "== local[2]"
start=$(date +%s.%N)
submit "local[2]" "$WORK/out-local" 2>"$WORK/logs/local.log"
echo "local[2]: $(echo "$(date +%s.%N) - $start" | bc) s"
echo "== cluster"
start=$(date +%s.%N)
submit spark://127.0.0.1:7077 "$WORK/out-cluster" 2>"$WORK/logs/cluster.log"
echo "cluster: $(echo "$(date +%s.%N) - $start" | bc) s"
echo "local   $(digest "$WORK/out-local")  rows $(cat "$WORK"/out-local/reference/jsonl/part-* | wc -l)"
echo "cluster $(digest "$WORK/out-cluster")  rows $(cat "$WORK"/out-cluster/reference/jsonl/part-* | wc -l)"
[ "$(digest "$WORK/out-local")" = "$(digest "$WORK/out-cluster")" ] || { echo "FAIL: cluster output differs"; exit 1; }

echo "== cluster, killing worker 2 while its executor runs tasks"
submit spark://127.0.0.1:7077 "$WORK/out-killed" 2>"$WORK/logs/killed.log" &
DRIVER=$!
PIDS+=("$DRIVER")
for _ in $(seq 1 1200); do # wait until worker 2's executor has run a few tasks of the job
  started=$(cat "$WORK"/worker2/app-*-0001/*/stderr 2>/dev/null | grep -c "Running task" || true)
  [ "${started:-0}" -ge "${KILL_AFTER_TASKS:-6}" ] && break
  sleep 0.5
done
EXECUTORS=$(ps -o pid= --ppid "$WORKER2" | tr '\n' ' ')
echo "killing worker 2 (pid $WORKER2) and its executor (pid $EXECUTORS) after it started ${started:-0} tasks" \
  "($(cat "$WORK"/worker2/app-*-0001/*/stderr | grep -c "Finished task") finished)"
for pid in $EXECUTORS; do kill -9 "$pid"; done
kill -9 "$WORKER2"
wait "$DRIVER"
echo "driver exit status: $?"
grep -E "Lost executor|Lost task|Resubmitted" "$WORK/logs/killed.log" | cut -c1-200 | head -6 || true
echo "killed  $(digest "$WORK/out-killed")  rows $(cat "$WORK"/out-killed/reference/jsonl/part-* | wc -l)"
[ "$(digest "$WORK/out-local")" = "$(digest "$WORK/out-killed")" ] || { echo "FAIL: output after the kill differs"; exit 1; }
echo "OK: cluster output identical to local mode, also after losing a worker"
