#!/usr/bin/env bash
# A throwaway local Neo4j 5.26 Community (+ GDS) for hepgraph's `pytest -m neo4j` suite, built from Maven
# Central jars (no Docker, no tarball). Bolt listens on 127.0.0.1 only.
#
#   tools/neo4j/server.sh start       build if needed, start in the background, wait for Bolt, print the env
#   tools/neo4j/server.sh stop        stop it and delete its scratch data directory
#   tools/neo4j/server.sh status      say whether one is running
#   tools/neo4j/server.sh run-tests [PYTEST ARGS]
#                                     start a private server on a free port, run `pytest -m neo4j`, stop it;
#                                     fails if any neo4j test failed, errored, or was skipped
#   tools/neo4j/server.sh build       just build (mvn package; first run downloads ~200 MB into ~/.m2)
#   tools/neo4j/server.sh admin HOME ARGS...
#                                     neo4j-admin on the Neo4j home HOME, e.g. the `database import full`
#                                     command `hepgraph export` prints; serve HOME with NEO4J_HOME_DIR=HOME start
#
# Environment: NEO4J_BOLT_PORT (default 7687 for start, a free port for run-tests), NEO4J_PASSWORD
# (default: a random one per start), NEO4J_HEAP (default 1g), NEO4J_PAGECACHE (default 128m), NEO4J_GDS=0 (skip the Graph Data Science
# procedures: ~5 s faster start, ~85 MB less), NEO4J_RUN_DIR (pid/env/log, default tools/neo4j/run),
# VENV (default .venv, for the driver check and pytest), JAVA, MVN.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
JAVA=${JAVA:-java}
MVN=${MVN:-mvn}
HEAP=${NEO4J_HEAP:-1g}
PAGECACHE=${NEO4J_PAGECACHE:-128m}
VENV=${VENV:-.venv}
[[ $VENV == /* ]] || VENV="$ROOT/$VENV"
PY="$VENV/bin/python"
RUN_DIR=${NEO4J_RUN_DIR:-$HERE/run}
START_TIMEOUT=${NEO4J_START_TIMEOUT:-180}
# The scratch data directories this script creates, and the only ones `stop` will delete.
SCRATCH_PREFIX="${TMPDIR:-/tmp}/hepgraph-neo4j."

say() { printf 'neo4j: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

build() {
    local stamp="$HERE/target/.built"
    # Rebuild only when the pom or the launcher changed: a cached build is then a no-op.
    if [[ -f $stamp && $stamp -nt $HERE/pom.xml && -d $HERE/target/lib && -d $HERE/target/plugins ]] \
        && [[ -z $(find "$HERE/src" -newer "$stamp" -type f -print -quit) ]]; then
        return 0
    fi
    command -v "$MVN" >/dev/null || die "Maven ($MVN) is not installed: apt-get install maven"
    say "building the launcher (mvn package; the first build downloads Neo4j + GDS jars into ~/.m2)"
    rm -rf "$HERE/target/lib" "$HERE/target/plugins"   # stale jars from an older pom would linger
    mkdir -p "$HERE/target"
    if ! "$MVN" -B -Dstyle.color=never -f "$HERE/pom.xml" package >"$HERE/target/mvn.log" 2>&1; then
        tail -n 40 "$HERE/target/mvn.log" >&2
        die "mvn package failed (full log: $HERE/target/mvn.log)"
    fi
    touch "$stamp"
}

running_pid() {
    # The PID in the pid file, only if that process is still our launcher (PIDs get reused).
    local pid
    [[ -f $RUN_DIR/neo4j.pid ]] || return 1
    pid=$(<"$RUN_DIR/neo4j.pid")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'hepgraph.neo4j.Launcher' || return 1
    echo "$pid"
}

bolt_answers() {
    # A real Bolt login with the driver the tests use; without a venv, at least the TCP port.
    local uri=$1 port=${1##*:}
    if [[ -x $PY ]] && "$PY" -c 'import neo4j' 2>/dev/null; then
        "$PY" - "$uri" <<'EOF'
import os, sys
import neo4j
with neo4j.GraphDatabase.driver(sys.argv[1], auth=("neo4j", os.environ["NEO4J_PASSWORD"])) as driver:
    driver.verify_connectivity()
    driver.execute_query("RETURN 1")
EOF
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

start() {
    local quiet=${1:-}
    local pid
    if pid=$(running_pid); then
        say "already running (pid $pid); settings in $RUN_DIR/neo4j.env"
        [[ -n $quiet ]] || cat "$RUN_DIR/neo4j.env"
        return 0
    fi
    command -v "$JAVA" >/dev/null || die "java is not installed (Neo4j 5.26 needs Java 17 or 21)"
    build
    mkdir -p "$RUN_DIR"
    chmod 700 "$RUN_DIR"
    local data port=${NEO4J_BOLT_PORT:-7687}
    local plugins=(--plugins "$HERE/target/plugins")
    [[ ${NEO4J_GDS:-1} != 0 ]] || plugins=()
    # NEO4J_HOME_DIR serves an existing home (e.g. one `admin database import` filled) and is never
    # deleted by `stop`; by default each start gets a fresh scratch home.
    if [[ -n ${NEO4J_HOME_DIR:-} ]]; then
        [[ -d $NEO4J_HOME_DIR/data/databases ]] || die "NEO4J_HOME_DIR=$NEO4J_HOME_DIR holds no data/databases"
        data=$(cd "$NEO4J_HOME_DIR" && pwd)
    else
        data=$(mktemp -d "${SCRATCH_PREFIX}XXXXXX")
    fi
    export NEO4J_PASSWORD=${NEO4J_PASSWORD:-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')}
    : >"$RUN_DIR/neo4j.log"

    # The password reaches the JVM through the environment, not argv, so `ps` does not show it.
    # --add-opens: what Neo4j's own start script passes, so the page cache and Netty avoid slow paths.
    # A small initial heap keeps an idle test server near 0.5 GB RSS; NEO4J_HEAP caps it.
    nohup "$JAVA" -Xms256m -Xmx"$HEAP" -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow \
        --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED \
        --add-opens=java.base/sun.nio.ch=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true \
        -Dlog4j2.disable.jmx=true \
        -cp "$HERE/target/classes:$HERE/target/lib/*" hepgraph.neo4j.Launcher \
        --home "$data" --port "$port" --pagecache "$PAGECACHE" "${plugins[@]}" \
        >>"$RUN_DIR/neo4j.log" 2>&1 </dev/null &
    pid=$!
    echo "$pid" >"$RUN_DIR/neo4j.pid"
    # Written before the wait so that `stop` can clean up a server that never came up.
    echo "$data" >"$RUN_DIR/neo4j.data"
    (umask 077 && printf 'export NEO4J_USER=neo4j\nexport NEO4J_PASSWORD=%q\n' "$NEO4J_PASSWORD" \
        >"$RUN_DIR/neo4j.env")

    local waited=0 ready=""
    until ready=$(grep -m1 '^NEO4J READY ' "$RUN_DIR/neo4j.log"); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 40 "$RUN_DIR/neo4j.log" >&2
            stop
            die "the server exited during start-up (log above)"
        fi
        ((waited++ < START_TIMEOUT)) || { stop; die "Bolt not ready after ${START_TIMEOUT}s"; }
        sleep 1
    done
    # Ready line: "NEO4J READY bolt://127.0.0.1:PORT gds=VERSION"; port 0 means the real one is here.
    local bolt=${ready#NEO4J READY }
    bolt=${bolt%% *}
    local uri="neo4j://${bolt#bolt://}"
    bolt_answers "$uri" || { stop; die "the launcher said ready but a Bolt login at $uri failed"; }
    printf 'export NEO4J_URI=%q\n' "$uri" >>"$RUN_DIR/neo4j.env"

    say "Neo4j 5.26 ready after ${waited}s (pid $pid, ${ready#"NEO4J READY $bolt "}); stop with: $0 stop"
    if [[ -z $quiet ]]; then
        say "settings (source $RUN_DIR/neo4j.env):"
        grep '^export' "$RUN_DIR/neo4j.env"
    fi
}

stop() {
    local pid data=""
    [[ -f $RUN_DIR/neo4j.data ]] && data=$(<"$RUN_DIR/neo4j.data")
    if pid=$(running_pid); then
        kill -TERM "$pid"
        # The launcher's shutdown hook checkpoints and closes Bolt; give it a minute, then force it.
        for _ in $(seq 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            say "pid $pid ignored SIGTERM for 60s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        say "stopped (pid $pid)"
    else
        say "not running"
    fi
    if [[ -n $data && $data == "$SCRATCH_PREFIX"* && -d $data ]]; then
        rm -rf -- "$data"
    fi
    rm -f "$RUN_DIR/neo4j.pid" "$RUN_DIR/neo4j.env" "$RUN_DIR/neo4j.data"
}

status() {
    local pid
    if pid=$(running_pid); then
        say "running (pid $pid): $(sed -n 's/^export NEO4J_URI=//p' "$RUN_DIR/neo4j.env")"
    else
        say "not running"
        return 3
    fi
}

run_tests() {
    [[ -x $PY ]] || die "no Python at $PY: run make install first"
    # A private run directory and (unless NEO4J_BOLT_PORT is set) a free port, so this never touches a
    # developer's `make neo4j` server; a fresh random password each run.
    RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hepgraph-neo4j-run.XXXXXX")
    export NEO4J_BOLT_PORT=${NEO4J_BOLT_PORT:-0}
    unset NEO4J_PASSWORD
    trap 'stop; rm -rf -- "$RUN_DIR"' EXIT
    trap 'exit 130' INT TERM
    start quiet
    # shellcheck disable=SC1091
    source "$RUN_DIR/neo4j.env"
    export NEO4J_URI NEO4J_USER NEO4J_PASSWORD

    local junit="$RUN_DIR/junit.xml" rc=0
    (cd "$ROOT" && HF_HUB_OFFLINE=1 "$PY" -m pytest -m neo4j -rs -p no:cacheprovider \
        --junitxml="$junit" "$@") || rc=$?

    # The suite skips itself when NEO4J_URI is missing, so a green run with skips would prove nothing.
    local counts
    counts=$("$PY" - "$junit" <<'EOF'
import sys
import xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except (OSError, ET.ParseError):
    print("0 0 0")
    sys.exit()
cases = list(root.iter("testcase"))
# pytest writes an xfail as <skipped type="pytest.xfail">: that test did run.
skipped = [c for c in cases
           if (s := c.find("skipped")) is not None and s.get("type") != "pytest.xfail"]
for c in skipped:
    print(f"neo4j: SKIPPED {c.get('classname')}::{c.get('name')}", file=sys.stderr)
bad = sum(1 for c in cases if c.find("failure") is not None or c.find("error") is not None)
print(len(cases), len(skipped), bad)
EOF
    )
    local total skipped bad
    read -r total skipped bad <<<"$counts"
    if ((total == 0)); then
        say "FAIL: no neo4j test ran (pytest exit $rc)"
        return 1
    fi
    if ((skipped > 0)); then
        say "FAIL: $skipped of $total neo4j tests were skipped; every one must run against the server"
        return 1
    fi
    if ((rc != 0)); then
        say "FAIL: pytest exit $rc ($bad of $total neo4j tests failed or errored)"
        return "$rc"
    fi
    say "OK: all $total neo4j tests ran and passed"
}

admin() {
    # neo4j-admin from the same jars (org.neo4j.cli.AdminTool), on the Neo4j home given first.
    local home=${1:?usage: server.sh admin HOME neo4j-admin-arguments...}
    shift
    command -v "$JAVA" >/dev/null || die "java is not installed (Neo4j 5.26 needs Java 17 or 21)"
    build
    mkdir -p "$home/conf"
    home=$(cd "$home" && pwd)
    # Run inside the home: the importer writes its import.report into the working directory.
    (cd "$home" && NEO4J_HOME=$home NEO4J_CONF=$home/conf \
        "$JAVA" -Xmx"$HEAP" -cp "$HERE/target/lib/*" org.neo4j.cli.AdminTool "$@")
}

case "${1:-}" in
    start) start ;;
    admin) shift; admin "$@" ;;
    stop) stop ;;
    status) status ;;
    build) build ;;
    run-tests) shift; run_tests "$@" ;;
    *) sed -n '2,19p' "$0" >&2; exit 2 ;;
esac
