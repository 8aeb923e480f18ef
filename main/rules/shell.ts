// The shell side of a rule. Every command runs under a small sh wrapper in the container because
// closing an exec stream does not end the command (containerd keeps it running). The wrapper reads
// its stdin, which Lifeboat keeps open for the whole action: a line "stop" stops the command; end of
// stdin (Lifeboat releasing a background action, or Lifeboat's connection dying) releases a
// background command's ${WAIT_CMD}, or stops a plain one. So a crashed Lifeboat never leaves a
// database locked or a hung command behind.
//
// Stopping kills leaves first, so that each process is reaped by its own parent. An orphan is
// reaped by the container's PID 1, and when that is PostgreSQL's postmaster, an orphan ending by a
// signal or with an exit code above 1 is taken for a crashed backend: PostgreSQL restarts all its
// sessions. For the same reason the watcher has no child but `sleep` (no command substitution,
// whose subshell would die of SIGPIPE): killing it can orphan nothing that ends badly.
import { randomBytes } from "node:crypto";
import { WAIT_CMD } from "./schema";

/** Exit code of the wrapper when a background action cannot write its files in /tmp. */
export const NO_TMP_EXIT = 125;

export const newActionId = () => randomBytes(6).toString("hex");

/** The line a background command prints on stdout when it reaches ${WAIT_CMD}. */
export const holdingMarker = (id: string) => `LIFEBOAT-HOLDING-${id}`;

/**
 * The line the wrapper prints when a background command ended before it was released: its exit
 * status can reach Lifeboat after the release was sent, so timing cannot tell.
 */
export const unreleasedMarker = (id: string) => `LIFEBOAT-UNRELEASED-${id}`;

/**
 * What ${WAIT_CMD} becomes: a script path only, with no quote, `$`, `;`, `#` or backslash, so it
 * stays intact inside any quoting and after psql's `\!` or mysql's `system` (which ends its
 * command at the next `;`). The wrapper writes the script: print the marker, then wait for the
 * release file (or for the wrapper to have gone, should the script have been left running).
 */
export const waitCommand = (id: string) => `sh /tmp/lifeboat-${id}/wait`;

export function substituteWaitCmd(argv: string[], id: string): string[] {
  return argv.map((arg) => arg.split(WAIT_CMD).join(waitCommand(id)));
}

// $1 id, $2 mode (plain | hold), $3 seconds a released command has to end before it is stopped,
// $4 1 when the command is our `sh -c` that traps TERM (see commandArgv); then the command. The watcher reads a copy of stdin (fd 3): in a shell without job control an
// asynchronous list's own stdin is /dev/null. `${l##*\) }` skips "pid (comm) " in /proc/PID/stat,
// leaving "state ppid ...". Stopping: TERM to the leaves for 3 s, KILL to the leaves for 3 s, then
// KILL to the command itself (a loop that keeps starting new leaves). A shell whose child was
// stopped goes on with its script; our own `sh -c` is told to exit instead (its trap runs once the
// child has ended and been reaped). Killing any other shell directly would orphan its children.
const WRAPPER = `id=$1 mode=$2 grace=$3 trapped=$4
shift 4
d=/tmp/lifeboat-$id
if [ "$mode" = hold ]; then
  if ! mkdir -m 700 "$d" 2>/dev/null || ! printf '%s\\n' "echo LIFEBOAT-HOLDING-$id" "while [ ! -e $d/release ] && [ -d $d ]; do sleep 0.2 2>/dev/null || sleep 1; done" >"$d/wait" 2>/dev/null; then
    echo "lifeboat: cannot create $d: background actions need a writable /tmp in the container" >&2
    exit 125
  fi
fi
exec 3<&0
"$@" </dev/null 3<&- &
c=$!
alive() {
  l=; read -r l </proc/$c/stat 2>/dev/null || return 1
  set -- \${l##*\\) }
  [ "$1" != Z ] && [ "$1" != X ]
}
leaves() {
  t=; L=
  for f in /proc/[0-9]*/stat; do
    l=; read -r l <"$f" 2>/dev/null || continue
    p=\${f#/proc/}; p=\${p%/stat}
    set -- \${l##*\\) }
    t="$t $p:$2"
  done
  q=$c
  while [ -n "$q" ]; do
    set -- $q; p=$1; shift; q=$*
    k=
    for e in $t; do [ "\${e#*:}" = "$p" ] && k="$k \${e%%:*}"; done
    if [ -z "$k" ]; then L="$L $p"; else q="$q$k"; fi
  done
}
(
  s=
  while read -r l <&3; do if [ "$l" = stop ]; then s=1; break; fi; done
  alive || exit 0
  if [ "$mode" = hold ]; then
    : >"$d/release" 2>/dev/null
    if [ -z "$s" ]; then n=0; while alive && [ $n -lt "$grace" ]; do sleep 1; n=$((n+1)); done; fi
  fi
  [ "$trapped" = 1 ] && kill -TERM $c 2>/dev/null
  n=0
  while alive; do
    if [ $n -lt 20 ]; then
      sig=TERM; [ $n -ge 10 ] && sig=KILL
      leaves
      for p in $L; do kill -$sig $p 2>/dev/null; done
    else
      kill -KILL $c 2>/dev/null
    fi
    n=$((n+1))
    sleep 0.3 2>/dev/null || sleep 1
  done
  exit 0
) </dev/null >/dev/null 2>&1 &
w=$!
exec 3<&-
wait $c
rc=$?
kill $w 2>/dev/null
wait $w 2>/dev/null
[ "$mode" = hold ] && [ ! -e "$d/release" ] && echo "LIFEBOAT-UNRELEASED-$id"
rm -rf "$d"
exit $rc`;

/** Seconds the wrapper may take to stop a command after "stop" (see the escalation above), with a margin. */
export const STOP_SECONDS = 15;

// Put before a string command, on a line of its own so that it cannot change how the command parses.
const EXIT_ON_TERM = "trap 'exit 143' TERM\n";

/** The argv of an action's command: a string runs under `sh -c`, exiting when told to stop. */
export const commandArgv = (command: string | string[]): string[] => (typeof command === "string" ? ["sh", "-c", `${EXIT_ON_TERM}${command}`] : [...command]);

/** The argv to exec: the wrapper around `argv` (from commandArgv). */
export function wrapCommand(argv: string[], id: string, mode: "plain" | "hold", graceSeconds: number): string[] {
  const trapped = argv[0] === "sh" && argv[1] === "-c" && argv[2]?.startsWith(EXIT_ON_TERM) ? "1" : "0";
  return ["sh", "-c", WRAPPER, "lifeboat-rule", id, mode, String(Math.ceil(graceSeconds)), trapped, ...argv];
}
