#!/usr/bin/env bash
# Mutation testing (mutmut 3) of the pure core against its own fast unit tests — not the whole
# suite: bot/domain/*.py (reviews, posts and their states, findings, rewrites, and the delivery
# transitions after a failure in retries.py) and bot/scheduling/slots.py, against
# tests/bot/domain and tests/bot/scheduling (configured in pyproject.toml, [tool.mutmut]).
#
#   scripts/mutation.sh                 every module (about 4 minutes on 2 cores)
#   scripts/mutation.sh posts slots     only bot.domain.posts and bot.scheduling.slots
#
# Prints mutants, killed, survived and "no tests" per module, then the survivors' names
# (`mutmut show NAME` shows one; docs/mutation-testing.md argues the equivalent ones).
# Needs the test extras (`pip install -e ".[test]"`). Works in ./mutants (git-ignored), which
# it starts afresh so that no stale result is counted.
set -euo pipefail
cd "$(dirname "$0")/.."

patterns=()
for module in "$@"; do
  case $module in
    slots) patterns+=("bot.scheduling.slots.*") ;;
    *) patterns+=("bot.domain.${module}.*") ;;
  esac
done

rm -rf mutants
started=$(date +%s)
# mutmut draws a spinner on stderr; its results are read afterwards.
mutmut run "${patterns[@]}" >/dev/null 2>&1 || {
  echo "mutation: mutmut run failed; run it by hand to see why: mutmut run ${patterns[*]}" >&2
  exit 1
}
elapsed=$(($(date +%s) - started))

summary=$(
  cat <<'PY'
import re
import sys
from collections import Counter, defaultdict

counts: dict[str, Counter[str]] = defaultdict(Counter)
survivors: list[str] = []
for line in sys.stdin:
    m = re.match(r"\s*(bot\.[\w.]+?)\.x.*?__mutmut_\d+: (.+)", line)
    if not m:
        continue
    module, status = m.group(1), m.group(2).strip()
    if status == "not checked":  # a module left out of this run
        continue
    counts[module][status] += 1
    if status not in ("killed", "timeout"):
        survivors.append(line.strip())
print(f"{'module':28} {'mutants':>8} {'killed':>7} {'survived':>9} {'no tests':>9} {'score':>6}")
for module, c in sorted(counts.items()):
    total = sum(c.values())
    killed = c["killed"] + c["timeout"]
    print(
        f"{module:28} {total:8} {killed:7} {c['survived']:9} {c['no tests']:9}"
        f" {100 * killed / total:5.1f}%"
    )
print(f"({sys.argv[1]} s)")
if survivors:
    print("\nnot killed (equivalent ones are argued in docs/mutation-testing.md):")
    print("\n".join(survivors))
PY
)
mutmut results --all true | python -c "$summary" "$elapsed"
