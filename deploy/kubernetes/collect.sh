#!/bin/sh
# Waits for an ipcns-bench Job to finish, saves each pod's result document
# from its log, and merges them into one fleet document and its report.
#
#   deploy/kubernetes/collect.sh JOB [OUT]
#
# JOB: the Job's name (ipcns-bench-userns or ipcns-bench-host); OUT: a folder
# that must not exist yet (default: fleet-JOB). IPCNS_BENCH names the CLI to
# merge with (default: ipcns-bench; from a checkout: "node dist/src/cli.js",
# split at spaces). Needs kubectl with access to the Job's namespace
# (KUBECTL_NAMESPACE or the current context's).
#
# Only the Job's own pods count: a pod whose controller is that Job (its
# name and uid) and whose labels say so, with a completion index below the
# Job's completions. A pod that fails any of these is named and left out.
# An index that two such pods claim is named and neither is merged: only a
# pod made by hand can claim the index of another (the Job's pods never
# retry: backoffLimit 0), and nothing tells the real one from it.
#
# Exit status: 0 when every index gave a result document and the fleet was
# written; 1 when something was left out (each named on stderr; the fleet is
# still written from the rest, if any is left); 2 for bad arguments.
set -eu
# Bytes, not a locale's characters: the patterns below mean ASCII, and the escaping works on bytes.
LC_ALL=C
export LC_ALL
# Nothing here is a glob: a name or an index from the API stays one word.
set -f
# A > redirection creates its file and never replaces one.
set -C
umask 077

tab=$(printf '\t')
# The largest result document (64 MiB) and room for the run's messages; a longer log is cut, and refused as cut off.
max_log_bytes=68157440
# Lines of a log shown when it holds no usable document (at most 2 KiB of them).
tail_lines=20

say() { printf 'collect.sh: %s\n' "$*" >&2; }
usage() {
  say "$1"
  echo 'usage: collect.sh JOB [OUT]' >&2
  exit 2
}

# Stdin with every byte a terminal could act on shown as an escape, as the tool prints
# what it reads: C0 and C1 controls and DEL as \xHH, bidirectional controls as \u{HHHH},
# a byte that is not part of UTF-8 as \xHH. With "lines", a newline stays a newline.
escape() {
  od -An -v -tu1 | awk -v lines="${1:-}" '
    { for (f = 1; f <= NF; f++) byte[n++] = $f + 0 }
    function hex(b) { return sprintf("\\x%02x", b) }
    function cont(b) { return b >= 128 && b < 192 }
    END {
      for (i = 0; i < n; i++) {
        b = byte[i]
        if (b == 10 && lines != "") { printf "\n"; continue }
        if (b < 32 || b == 127) { printf "%s", hex(b); continue }
        if (b < 128) { printf "%c", b; continue }
        len = b >= 194 && b < 224 ? 2 : b >= 224 && b < 240 ? 3 : b >= 240 && b < 245 ? 4 : 0
        ok = len > 0 && i + len <= n
        for (k = 1; ok && k < len; k++) ok = cont(byte[i + k])
        # Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
        if (ok && b == 224) ok = byte[i + 1] >= 160
        if (ok && b == 237) ok = byte[i + 1] < 160
        if (ok && b == 240) ok = byte[i + 1] >= 144
        if (ok && b == 244) ok = byte[i + 1] < 144
        if (!ok) { printf "%s", hex(b); continue }
        cp = len == 2 ? b - 192 : len == 3 ? b - 224 : b - 240
        for (k = 1; k < len; k++) cp = cp * 64 + byte[i + k] - 128
        if (cp < 160) printf "%s", hex(cp)
        else if (cp == 8206 || cp == 8207 || (cp >= 8234 && cp <= 8238) || (cp >= 8294 && cp <= 8297)) printf "\\u{%x}", cp
        else for (k = 0; k < len; k++) printf "%c", byte[i + k]
        i += len - 1
      }
    }'
}
# One value from the API or a pod, escaped, with its newlines too.
word() { printf '%s' "$1" | escape; }

kc() {
  if [ -n "${KUBECTL_NAMESPACE:-}" ]; then
    kubectl --namespace="$KUBECTL_NAMESPACE" "$@" </dev/null
  else
    kubectl "$@" </dev/null
  fi
}

# A DNS subdomain (RFC 1123), as the API's object names are: nothing else is passed to kubectl or printed as is.
dns_name() {
  case $1 in
    '' | [!a-z0-9]* | *[!a-z0-9] | *[!a-z0-9.-]*) return 1 ;;
  esac
  [ "${#1}" -le "$2" ]
}
# A completion index as the Job controller writes it: decimal, no sign, no leading zero, below $2.
index_below() {
  case $1 in
    0) return 0 ;;
    '' | [!1-9]* | *[!0-9]*) return 1 ;;
  esac
  [ "${#1}" -le 6 ] && [ "$1" -lt "$2" ]
}

[ $# -ge 1 ] && [ $# -le 2 ] || usage 'give the Job to collect, and optionally a new folder for its fleet'
job=$1
dns_name "$job" 63 ||
  usage "JOB $(word "$job") is not a Job's name: 1 to 63 lower-case letters, digits, '-' or '.', starting and ending with a letter or digit (e.g. ipcns-bench-userns)"
if [ -n "${KUBECTL_NAMESPACE:-}" ]; then
  case $KUBECTL_NAMESPACE in
    *.*) usage "KUBECTL_NAMESPACE $(word "$KUBECTL_NAMESPACE") is not a namespace's name: 1 to 63 lower-case letters, digits or '-'" ;;
  esac
  dns_name "$KUBECTL_NAMESPACE" 63 ||
    usage "KUBECTL_NAMESPACE $(word "$KUBECTL_NAMESPACE") is not a namespace's name: 1 to 63 lower-case letters, digits or '-'"
fi
out=${2:-fleet-$job}
# A folder named like an option is still a folder, for mkdir and for the CLI.
case $out in -*) out=./$out ;; esac
cli=${IPCNS_BENCH:-ipcns-bench}
# A fresh folder of our own (mode 0700): never write into one that is already there.
mkdir -- "$out" || usage "OUT $(word "$out") could not be made: give a folder that does not exist yet"

# The Job ends Complete or Failed (a failed pod, or its activeDeadlineSeconds); either way its logs are collected.
# Its uid is read with its state: a Job deleted and made anew under the same name while this waits is not collected.
job_fields='{.metadata.uid}{"\t"}{.spec.completionMode}{"\t"}{.spec.completions}{"\t"}{.status.conditions[?(@.status=="True")].type}'
uid=''
while :; do
  info=$(kc get "job/$job" -o "jsonpath=$job_fields")
  IFS=$tab read -r now_uid mode completions state <<EOF
$info
EOF
  if [ -z "$uid" ]; then
    case $now_uid in
      '' | *[!0-9a-f-]*)
        say "job/$job: kubectl gave $(word "$info"), not the Job's uid, completion mode and completions"
        exit 1
        ;;
    esac
    if [ "$mode" != Indexed ]; then
      say "job/$job is not an Indexed Job (completionMode $(word "$mode")): each pod's completion index names its document"
      exit 1
    fi
    if ! index_below "$completions" 100001 || [ "$completions" = 0 ]; then
      say "job/$job: completions $(word "$completions") is not a count from 1 to 100000"
      exit 1
    fi
    uid=$now_uid
    printf 'waiting for job/%s (uid %s, %s pods)' "$job" "$uid" "$completions" >&2
  elif [ "$now_uid" != "$uid" ]; then
    printf '\n' >&2
    say "job/$job was deleted and made anew while this waited (uid $uid, now $(word "$now_uid")): collect the new one into a new folder"
    exit 1
  fi
  case " $state " in
    *" Complete "*) ended=Complete && break ;;
    *" Failed "*) ended=Failed && break ;;
  esac
  printf '.' >&2
  sleep 10
done
printf ' %s\n' "$ended" >&2

# One line per pod, each value quoted by Go (%q) and separated by tabs: a quoted value holds no tab, newline
# or control character, so no value can pass for another or add a pod. The controller reference comes last.
pod_fields='{{printf "%q" .metadata.name}}'\
'{{"\t"}}{{with .metadata.annotations}}{{printf "%q" (index . "batch.kubernetes.io/job-completion-index")}}{{else}}-{{end}}'\
'{{"\t"}}{{with .metadata.labels}}{{printf "%q\t%q" (index . "batch.kubernetes.io/job-name") (index . "batch.kubernetes.io/controller-uid")}}{{else}}-{{"\t"}}-{{end}}'\
'{{range .metadata.ownerReferences}}{{if .controller}}{{printf "\t%q\t%q\t%q" .kind .name .uid}}{{end}}{{end}}'
kc get pods -l "batch.kubernetes.io/job-name=$job" --allow-missing-template-keys=true \
  -o "go-template={{range .items}}$pod_fields{{\"\\n\"}}{{end}}" >"$out/pods.txt"

problems=0
problem() {
  say "$*"
  problems=$((problems + 1))
}
: >"$out/claims.txt"
while IFS=$tab read -r q_name q_index q_job q_uid q_kind q_owner q_owner_uid rest; do
  name=${q_name#\"}
  name=${name%\"}
  if [ "\"$name\"" != "$q_name" ] || ! dns_name "$name" 253; then
    problem "a pod named $(word "$q_name") is not one the API gives: left out"
    continue
  fi
  if [ "$q_job" != "\"$job\"" ] || [ "$q_uid" != "\"$uid\"" ] || [ "$q_kind" != '"Job"' ] ||
    [ "$q_owner" != "\"$job\"" ] || [ "$q_owner_uid" != "\"$uid\"" ] || [ -n "$rest" ]; then
    problem "pod $name is labelled job/$job but is not that Job's (its controller: $(word "${q_kind:-none} ${q_owner:-} ${q_owner_uid:-}"); its controller-uid label: $(word "$q_uid"); the Job's uid: $uid): left out"
    continue
  fi
  index=${q_index#\"}
  index=${index%\"}
  if [ "\"$index\"" != "$q_index" ] || ! index_below "$index" "$completions"; then
    problem "pod $name of job/$job has completion index $(word "$q_index"), not a decimal index below its completions ($completions): left out"
    continue
  fi
  printf '%s\t%s\n' "$index" "$name" >>"$out/claims.txt"
done <"$out/pods.txt"

# Each index from 0 to completions - 1: the one pod that claims it, none, or several.
awk -F "$tab" -v n="$completions" '
  { count[$1]++; names[$1] = names[$1] " and " $2 }
  END {
    for (i = 0; i < n; i++) {
      claim = !(i in count) ? "none" : count[i] == 1 ? "one" : "many"
      printf "%s\t%d\t%s\n", claim, i, substr(names[i], 6)
    }
  }' "$out/claims.txt" >"$out/indexes.txt"

# The documents to merge, as positional parameters: each a path of ours, one word whatever it holds.
set --
while IFS=$tab read -r claim index pod; do
  case $claim in
    none)
      problem "index $index: no pod of job/$job claims it (deleted, or never made)"
      continue
      ;;
    many)
      problem "index $index is claimed by pods $pod of job/$job: nothing tells which is real, so neither is merged"
      continue
      ;;
  esac
  log=$out/$index.log
  doc=$out/$index.json
  if ! err=$(kc logs --limit-bytes="$max_log_bytes" "pod/$pod" 2>&1 >"$log"); then
    problem "pod $pod (index $index): its log could not be read: $(word "$err")"
    continue
  fi
  # With --json - the document is the log's one JSON object: from a line "{" to a line "}". Anything
  # else in the log is the run's own messages.
  found=0
  awk '
    $0 == "{" && !inside { inside = 1; found++ }
    inside && found == 1 { print }
    inside && $0 == "}" { inside = 0 }
    END { exit (found == 0 ? 3 : inside ? 4 : found > 1 ? 5 : 0) }' <"$log" >"$doc" || found=$?
  case $found in
    0)
      set -- "$@" "$doc"
      continue
      ;;
    3) problem "pod $pod (index $index) wrote no result document; the end of its log ($log):" ;;
    4) problem "pod $pod (index $index): its result document is cut off; the end of its log ($log):" ;;
    *) problem "pod $pod (index $index): its log holds more than one result document; the end of it ($log):" ;;
  esac
  tail -c 2048 "$log" | tail -n "$tail_lines" | escape lines >&2
  printf '\n' >&2
done <"$out/indexes.txt"

if [ $# -eq 0 ]; then
  say "no pod of job/$job left a result document to merge: no fleet"
  exit 1
fi
# $cli may be a command with arguments: it is split at spaces, and never a glob (set -f).
if ! err=$($cli merge "$@" --out "$out/fleet.json" 2>&1 </dev/null); then
  # A document the tool refuses stops the merge: each is read alone, and the ones refused are named and left out.
  bad=0
  n=$#
  while [ "$n" -gt 0 ]; do
    doc=$1
    shift
    n=$((n - 1))
    if doc_err=$($cli merge "$doc" --out - --quiet 2>&1 >/dev/null </dev/null); then
      set -- "$@" "$doc"
      continue
    fi
    bad=$((bad + 1))
    index=${doc##*/}
    index=${index%.json}
    pod=$(awk -F "$tab" -v i="$index" '$2 == i { print $3 }' "$out/indexes.txt")
    problem "pod $pod (index $index): its log holds a document the tool does not read back ($doc):"
    printf '%s\n' "$doc_err" | tail -n "$tail_lines" | escape lines >&2
  done
  if [ $# -eq 0 ]; then
    say "no pod of job/$job left a document the tool reads back: no fleet"
    exit 1
  fi
  if [ "$bad" -eq 0 ]; then
    printf '%s\n' "$err" | tail -n "$tail_lines" | escape lines >&2
    say "no fleet: each document of job/$job reads back alone, but they do not merge"
    exit 1
  fi
  err=$($cli merge "$@" --out "$out/fleet.json" 2>&1 </dev/null) || {
    printf '%s\n' "$err" | tail -n "$tail_lines" | escape lines >&2
    exit 1
  }
fi
printf '%s\n' "$err" | escape lines >&2
$cli report "$out/fleet.json" --out "$out/fleet.html"
$cli compare "$out/fleet.json" >"$out/fleet.txt"
echo "fleet: $out/fleet.json, $out/fleet.html, $out/fleet.txt ($# of $completions pods)" >&2
if [ "$problems" -gt 0 ]; then
  [ "$problems" -eq 1 ] && noun=problem || noun=problems
  say "$problems $noun above: the fleet holds $# of job/$job's $completions pods"
  exit 1
fi
