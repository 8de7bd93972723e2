#!/bin/sh
# Waits for an ipcns-bench Job to finish, saves each pod's result document
# from its log, and merges them into one fleet document and its report.
#
#   deploy/kubernetes/collect.sh JOB [OUT]
#
# JOB: the Job's name (ipcns-bench-userns or ipcns-bench-host); OUT: a folder
# that must not exist yet (default: fleet-JOB). IPCNS_BENCH names the CLI to
# merge with (default: ipcns-bench; from a checkout: "node dist/src/cli.js").
# Needs kubectl with access to the Job's namespace (KUBECTL_NAMESPACE or the
# current context's).
set -eu
job=${1:?usage: collect.sh JOB [OUT]}
out=${2:-fleet-$job}
cli=${IPCNS_BENCH:-ipcns-bench}
ns=${KUBECTL_NAMESPACE:+--namespace=$KUBECTL_NAMESPACE}
umask 077
# A fresh folder of our own: never write into one that is already there.
mkdir "$out"

# The Job ends Complete or Failed (a failed pod, or its activeDeadlineSeconds); either way its logs are collected.
printf 'waiting for job/%s' "$job" >&2
while :; do
  state=$(kubectl get $ns "job/$job" -o 'jsonpath={.status.conditions[?(@.status=="True")].type}')
  case " $state " in
    *" Complete "* | *" Failed "*) break ;;
  esac
  printf '.' >&2
  sleep 10
done
printf ' %s\n' "$state" >&2

pods=$(kubectl get $ns pods -l "batch.kubernetes.io/job-name=$job" \
  -o 'jsonpath={range .items[*]}{.metadata.annotations.batch\.kubernetes\.io/job-completion-index}{" "}{.metadata.name}{"\n"}{end}')
[ -n "$pods" ] || { echo "collect.sh: job/$job has no pods left (ttlSecondsAfterFinished?)" >&2; exit 1; }

docs=""
echo "$pods" | while read -r index pod; do
  kubectl logs $ns "$pod" > "$out/$index.log" || true
done
for log in "$out"/*.log; do
  index=$(basename "$log" .log)
  # With --json - the document is the log's one JSON object: from a line "{" to a line "}". Anything
  # else in the log is the run's own error messages, shown here.
  sed -n '/^{$/,/^}$/p' "$log" > "$out/$index.json"
  if [ -s "$out/$index.json" ]; then
    docs="$docs $out/$index.json"
  else
    rm -f "$out/$index.json"
    echo "collect.sh: pod $index wrote no result document; its log ($log):" >&2
    tail -n 20 "$log" >&2
  fi
done
[ -n "$docs" ] || { echo "collect.sh: no pod of job/$job wrote a result document" >&2; exit 1; }

# shellcheck disable=SC2086 # $cli may be a command with arguments; $docs are our own file names.
$cli merge $docs --out "$out/fleet.json"
$cli report "$out/fleet.json" --out "$out/fleet.html"
$cli compare "$out/fleet.json" > "$out/fleet.txt"
echo "fleet: $out/fleet.json, $out/fleet.html, $out/fleet.txt" >&2
