#!/usr/bin/env bash
# The outage drill (docs/drill.md): on one machine, loopback only, a
# regional hub and a shelter clinic's node go through a network outage.
# The node keeps checking patients while the hub is unreachable; when the
# network returns it reconciles every check by itself and prints what the
# clinic must fix in its claims.
#
# Usage: drill.sh [--bin DIR] [--persons N] [--keep] [--no-cards]
#   --bin DIR   where akari, akari-hub, akari-gen and akari-vcard are (default: build/bin)
#   --persons N the region's size (default 2000; at least 500)
#   --keep      keep the drill's working directory (printed at the end)
#   --no-cards  skip the card part (virtual cards need pcscd and namespaces)
# Everything the drill starts is stopped, and its files removed, when it
# ends, also when it fails or is interrupted.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/build/bin"
keep=0
persons=2000
cards=1
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=$(cd "$2" && pwd); shift 2 ;;
    --persons) persons=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --no-cards) cards=0; shift ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "drill.sh: unknown option $1 (see drill.sh --help)" >&2; exit 2 ;;
  esac
done

[[ "$persons" =~ ^[0-9]+$ ]] && [ "$persons" -ge 500 ] ||
  { echo "drill.sh: --persons wants a number of at least 500" >&2; exit 2; }

# ---------------------------------------------------------------- helpers
started=$SECONDS
bold=""; dim=""; red=""; green=""; off=""
if [ -t 1 ]; then
  bold=$'\e[1m'; dim=$'\e[2m'; red=$'\e[31m'; green=$'\e[32m'; off=$'\e[0m'
fi
step_no=0
step() {  # step "Heading" "one or two lines of plain explanation"
  step_no=$((step_no + 1))
  echo
  echo "${bold}━━ Step $step_no of 7 · $1 ━━${off} ${dim}(at $((SECONDS - started)) s)${off}"
  shift
  local line
  for line in "$@"; do echo "$line"; done
}
say() { echo "  $*"; }
ok() { echo "  ${green}✔${off} $*"; }
bad() { echo "  ${red}✘${off} $*"; }
fail() {
  echo >&2
  echo "${red}${bold}DRILL FAILED:${off} $*" >&2
  exit 1
}
# Shows a command (as a new user would type it) and its output, indented.
run() {
  echo "  ${dim}\$ $*${off}"
  "$@" 2>&1 | sed 's/^/    /'
}
# Like run, but the output is only kept in logs/ (for long or noisy output).
quiet() {
  echo "  ${dim}\$ $*${off}"
  "$@" >>logs/commands.log 2>&1 || { tail -n 20 logs/commands.log | sed 's/^/    /' >&2; fail "'$*' failed"; }
}

need() {
  command -v "$1" >/dev/null 2>&1 ||
    fail "the drill needs '$1' ($2); run ./fieldkit/scripts/setup.sh to install it"
}
need curl "HTTP client"
need jq "JSON processor"
need zstd "to read and write the generated region"
for p in akari akari-hub akari-gen akari-vcard; do
  [ -x "$bin/$p" ] || fail "$bin/$p is missing: build first (./fieldkit/scripts/build.sh) or pass --bin DIR"
done
export PATH="$bin:$PATH:/usr/sbin:/sbin"

# Processes this drill started, stopped in reverse order on exit.
hub_pid=""; node_pid=""; vcard_pid=""; pcscd_pid=""
work=$(mktemp -d -t akari-drill-XXXXXX)
stop_pid() {  # stop_pid PID: SIGTERM, then SIGKILL after 5 s
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_pid "$vcard_pid"
  stop_pid "$node_pid"
  stop_pid "$hub_pid"
  stop_pid "$pcscd_pid"
  if [ "$rc" -ne 0 ] && [ -d "$work/logs" ]; then
    local f
    for f in "$work"/logs/*.log; do
      [ -s "$f" ] || continue
      echo "--- last lines of $(basename "$f")" >&2
      tail -n 15 "$f" >&2
    done
  fi
  if [ "$keep" = 1 ]; then
    echo "The drill's files are kept in $work"
  else
    rm -rf "$work"
  fi
  exit "$rc"
}
trap cleanup EXIT
# No silent failure: name the command that failed.
set -E
trap 'echo "${red}${bold}DRILL FAILED${off} at line $LINENO of drill.sh: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT
trap 'exit 143' TERM
cd "$work"
mkdir logs cards
: >logs/commands.log

# Demo secrets only: real sites use passphrases and PINs of their own and
# the default key-derivation cost.
export AKARI_HUB_PASSPHRASE="drill hub passphrase, not for real use"
export AKARI_PASSPHRASE="drill node passphrase, not for real use"
clerk_pin=2580
admin_pin=1470
card_pin=1234
facility="1710000011"  # a made-up 医療機関コード for the drill's shelter clinic

# wait_for SECONDS DESCRIPTION COMMAND...: retries COMMAND every 0.2 s.
wait_for() {
  local limit=$1 what=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$what did not happen within $limit s"
    sleep 0.2
  done
}
# The first "http://127.0.0.1:PORT/" a server printed in its log.
url_in_log() { grep -o 'http://127\.0\.0\.1:[0-9]*/' "$1" 2>/dev/null | head -n 1; }

# api METHOD PATH [TOKEN] [BODY]: calls the node's API; the answer is in
# $work/answer.json and its HTTP status in $status.
status=""
api() {
  local args=(-sS -X "$1" -o answer.json -w '%{http_code}' --max-time 30)
  [ -z "${3:-}" ] || args+=(-H "Authorization: Bearer $3")
  [ -z "${4:-}" ] || args+=(-H 'Content-Type: application/json' --data-binary "$4")
  status=$(curl "${args[@]}" "${node_url}${2#/}") || fail "the node did not answer $1 $2"
}
login() {  # login ID PIN → prints the session token
  api POST /v1/login "" "$(jq -cn --arg id "$1" --arg pin "$2" '{operator_id: $id, pin: $pin}')"
  [ "$status" = 200 ] || fail "login as $1 refused: $(cat answer.json)"
  jq -r .token answer.json
}
# One line for a coverage object of the API: insurer, numbers, copay.
coverage_text() {
  jq -r "$1"' | if . == null then "none" else
    "\(.insurer_name) (保険者番号 \(.insurer_number)) 記号 \(.symbol // "" | if . == "" then "-" else . end) 番号 \(.number) 枝番 \(.branch // "" | if . == "" then "-" else . end), copay \(.copay_percent) %"
    end' "${2:-answer.json}"
}
# What the staff screen showed after a check by card, numbers or statement.
show_answer() {
  local s
  s=$(jq -r '.answer.status' answer.json)
  case "$s" in
    covered) ok "Staff saw: COVERED (資格あり) — $(jq -r '"\(.person.name) (\(.person.name_kana)), born \(.person.birth_date)"' answer.json)"
      say "    insurer: $(coverage_text .answer.coverage)" ;;
    not_covered) bad "Staff saw: NOT COVERED on this date (資格なし) — $(jq -r '"\(.person.name) (\(.person.name_kana)), born \(.person.birth_date)"' answer.json)"
      say "    $(jq -r '.answer.detail' answer.json)" ;;
    unknown_person) say "${bold}?${off} Staff saw: NOT IN THIS NODE'S RECORDS — the check is recorded; the hub will identify them later" ;;
    *) bad "Staff saw: $s — $(jq -r '.answer.detail' answer.json)" ;;
  esac
  say "    recorded as check $(jq -r .check.id answer.json) (${dim}$(jq -r '"\(.check.method), \(.check.assurance), data version \(.check.data_version)"' answer.json)${off})"
}

# ----------------------------------------------------------------- step 1
step "The regional office (hub) gets the region's records" \
  "A hub holds the authoritative insurance records of a region and publishes signed, encrypted" \
  "snapshots to clinics. The drill makes a small synthetic region ($persons people, 石川県) first."
quiet akari-gen region --persons "$persons" --seed 20240101 --out region-full
today=$(jq -r .as_of region-full/region.json)
say "Region generated as of $today (today in Japan): $(jq -r '"\(.persons) persons"' region-full/region.json)."

# Everyone's identity and coverage, without medication and checkups (small
# enough to query many times).
zstd -dcq region-full/persons.ndjson.zst |
  jq -c '{id, name, name_kana, birth_date, sex, address, card_links, coverages}' >people.ndjson
this_month="${today:0:7}-01"
last_month=$(date -d "$this_month -1 month" +%F)
adult=$(date -d "$today -20 years" +%F)
elderly=$(date -d "$today -80 years" +%F)
jq -r '.persons[]' region-full/trust/revoked.json >revoked.txt

# Who takes part, chosen deterministically from the generated records.
# A person whose coverage ended last month because they changed insurance
# (他保険取得: a new job, or retirement into 国保): the new insurance
# started the next day, but in this drill its registration reaches the hub
# late and is backdated (遡及).
pick_job() {  # pick_job AFTER UNTIL: old coverage's end (valid_to) in (AFTER, UNTIL]
  jq -sc --arg after "$1" --arg until "$2" --arg today "$today" '
    [ .[] | . as $p
      | (.coverages | map(select(.valid_to == null and .valid_from <= $today))) as $current
      | select($current | length == 1)
      | .coverages[] | select(.loss_reason == 3 and .valid_to > $after and .valid_to <= $until) as $old
      | select($current[0].valid_from >= $old.valid_to and $current[0].insurer_number != $old.insurer_number)
      | {id: $p.id, old: $old, new: $current[0], insured: ($old.relationship == 1)} ]
    | sort_by((if .insured then 0 else 1 end), .id) | first // empty' people.ndjson
}
job=$(pick_job "$last_month" "$this_month")
if [ -z "$job" ]; then  # rare: nobody changed jobs last month; take the most recent within 3 months
  job=$(pick_job "$(date -d "$today -92 days" +%F)" "$today")
fi
[ -n "$job" ] || fail "no person in the generated region changed insurer in the last 3 months; try another --seed"
job_id=$(jq -r .id <<<"$job")

# People with a valid card of their own (linked, not revoked), covered today.
card_people=$(jq -sr --arg adult "$adult" --arg elderly "$elderly" --arg today "$today" --argjson job "$job_id" \
  --slurpfile revoked revoked.txt '
  map(select((.card_links | length) > 0 and .birth_date <= $adult and .birth_date > $elderly and .id != $job
             and (.id as $id | $revoked | any(. == $id) | not)
             and any(.coverages[]; .valid_to == null and .valid_from <= $today)) | .id) | .[:4][]' people.ndjson)
[ "$(wc -l <<<"$card_people")" = 4 ] || fail "fewer than 4 card holders in the generated region"
read -r card1 card2 card3 cloned_id <<<"$(echo $card_people)"

# An evacuee who moved into the region recently: their 転入 reaches the
# hub late, so the clinic's node does not hold them. Unique by kana name and
# birth date, so the hub can identify them from what they say.
newcomer=$(jq -sc --arg adult "$adult" --arg elderly "$elderly" --arg today "$today" \
  --argjson taken "[$job_id,$card1,$card2,$card3,$cloned_id]" '
  group_by([.name_kana, .birth_date]) | map(select(length == 1) | .[0])
  | map(select(.birth_date <= $adult and .birth_date > $elderly and (.id as $id | $taken | any(. == $id) | not)
               and (.sex == 1 or .sex == 2) and any(.coverages[]; .valid_to == null and .valid_from <= $today)))
  | max_by(.id) // empty' people.ndjson)
[ -n "$newcomer" ] || fail "no suitable newcomer in the generated region"
newcomer_id=$(jq -r .id <<<"$newcomer")

# Visitors from the neighbouring prefecture (富山県): the clinic's node holds
# only 石川県; the hub keeps other regions as reference records (in
# production it would ask the national system). Unique by kana name and
# birth date, covered today, adults; the card holder's card is not revoked.
quiet akari-gen region --region 16 --persons 300 --seed 20240101 --out region-toyama
zstd -dcq region-toyama/persons.ndjson.zst |
  jq -c '{id, name, name_kana, birth_date, sex, address, card_links, coverages}' >toyama.ndjson
jq -r '.persons[]' region-toyama/trust/revoked.json >toyama-revoked.txt
toyama_people=$(jq -sc --arg adult "$adult" --arg elderly "$elderly" --arg today "$today" \
  --slurpfile revoked toyama-revoked.txt '
  group_by([.name_kana, .birth_date]) | map(select(length == 1) | .[0])
  | map(select(.birth_date <= $adult and .birth_date > $elderly and (.sex == 1 or .sex == 2)
               and (.card_links | length) > 0 and (.id as $id | $revoked | any(. == $id) | not)
               and any(.coverages[]; .valid_to == null and .valid_from <= $today)))
  | sort_by(.id) | .[:2]' toyama.ndjson)
[ "$(jq length <<<"$toyama_people")" = 2 ] || fail "fewer than 2 suitable visitors in the generated Toyama region"
toyama_card_id=$(jq -r '.[0].id' <<<"$toyama_people")
toyama_walkin=$(jq -c '.[1]' <<<"$toyama_people")
toyama_walkin_id=$(jq -r .id <<<"$toyama_walkin")
# A Toyama card reported lost: listed in 富山県's revocation list, which the
# hub sends beside 石川県's (its CRL partition covers only 富山県's cards).
toyama_revoked_id=$(head -n 1 toyama-revoked.txt)
[ -n "$toyama_revoked_id" ] || fail "the generated Toyama region revoked no card"

# Someone nobody in the region matches.
stranger_kana="オオハラ　ツバサ"
stranger_birth="1958-07-21"
if jq -e --arg k "$stranger_kana" --arg b "$stranger_birth" 'select(.name_kana == $k and .birth_date == $b)' \
  people.ndjson toyama.ndjson >/dev/null; then
  fail "the drill's stranger exists in this region; change stranger_kana in $0"
fi

# The hub's records this morning: the generated region without the two late
# registrations (ids are line numbers: persons come in id order 1..N).
edited=$(sed -n "${job_id}p" <(zstd -dcq region-full/persons.ndjson.zst) |
  jq -c --argjson new "$(jq -c .new <<<"$job")" '.coverages |= map(select(. != $new))')
[ "$(jq -r .id <<<"$edited")" = "$job_id" ] || fail "persons.ndjson.zst is not in id order"
mkdir region-morning
cp -r region-full/trust region-morning/
printf '%s\n' "$edited" >edited.ndjson
zstd -dcq region-full/persons.ndjson.zst |
  awk -v job="$job_id" -v gone="$newcomer_id" 'NR == FNR { line = $0; next }
       FNR == gone { next } FNR == job { print line; next } { print }' edited.ndjson - |
  zstd -q -o region-morning/persons.ndjson.zst
jq '.persons -= 1' region-full/region.json >region-morning/region.json  # written last: the directory is complete

say "Two registrations will reach the hub late (the drill holds them back from this morning's records):"
say " • $(jq -r '"\(.name) (person \(.id))"' <<<"$(jq -c "select(.id == $job_id)" people.ndjson)"): insured by $(jq -r '"\(.old.insurer_name) until \(.old.valid_to)"' <<<"$job");" \
  "the new insurance from that day is not yet registered."
say " • $(jq -r .name <<<"$newcomer") (person $newcomer_id): moved into the region; the move is not yet registered."
quiet akari-hub init --data hub --kdf-ms 50
run akari-hub import --data hub --from region-morning
say "The hub also keeps the records of the neighbouring prefecture (富山県, 300 people here) as reference"
say "records: never sent to this region's clinics, only used to identify visitors from there afterwards."
run akari-hub import --data hub --from region-toyama --reference
quiet akari-hub publish --data hub
akari-hub serve --data hub --listen 127.0.0.1:0 >logs/hub.log 2>&1 &
hub_pid=$!
echo "  ${dim}\$ akari-hub serve --data hub --listen 127.0.0.1:0 &${off}"
wait_for 20 "the hub starting" url_in_log logs/hub.log
hub_url=$(url_in_log logs/hub.log)
hub_port=$(grep -o '[0-9]*/$' <<<"$hub_url" | tr -d /)
ok "The hub is online at $hub_url"

# ----------------------------------------------------------------- step 2
step "The shelter clinic's node joins the hub and downloads the records" \
  "The node is a small machine at the clinic. It keeps an encrypted copy of the region so that staff" \
  "can still check patients when the network is gone."
quiet akari init --data node --kdf-ms 50 --label "drill clinic"
AKARI_OPERATOR_PIN=$clerk_pin quiet akari operator add --data node --id uketsuke1 --name "受付 一郎" --role clerk --kdf-ms 5
AKARI_OPERATOR_PIN=$admin_pin quiet akari operator add --data node --id kanri1 --name "管理 花子" --role admin --kdf-ms 5
say "Staff logins: uketsuke1 (reception clerk) and kanri1 (administrator)."
token=$(akari-hub node add --data hub --label "drill shelter clinic" --json | jq -r .token)
echo "  ${dim}\$ akari-hub node add --data hub --label \"drill shelter clinic\"${off}"
quiet akari enroll --data node --hub "$hub_url" --token "$token"
run akari-hub publish --data hub
run akari sync --data node
run akari status --data node
node_id=$(akari status --data node --json | jq -r .node_id)

# ----------------------------------------------------------------- step 3
step "The network goes down" \
  "We stop the hub: from now on the clinic cannot reach the regional office. The clinic starts its" \
  "local service (staff tablets use it); it keeps trying the hub in the background on its own."
stop_pid "$hub_pid"
hub_pid=""
if curl -s --max-time 2 -o /dev/null "$hub_url"; then fail "the hub still answers after it was stopped"; fi
ok "The hub is unreachable."

# The card reader: a private pcscd with the virtual reader driver (vpcd),
# in mount and network namespaces of its own (docs/drill.md): its socket
# is ours alone and the reader's port exists only on a private loopback.
card_reason=""
start_reader() {
  [ "$cards" = 1 ] || { card_reason="--no-cards was given"; return 1; }
  [ -x /usr/sbin/pcscd ] || { card_reason="pcscd is not installed (setup.sh installs it)"; return 1; }
  [ -f /usr/lib/pcsc/drivers/serial/libifdvpcd.so ] ||
    { card_reason="the virtual reader driver is not installed (package vsmartcard-vpcd; setup.sh installs it)"; return 1; }
  command -v unshare >/dev/null && command -v nsenter >/dev/null ||
    { card_reason="unshare/nsenter (util-linux) are missing"; return 1; }
  command -v ip >/dev/null || { card_reason="'ip' (package iproute2) is missing; setup.sh installs it"; return 1; }
  mkdir -p pcsc/run/pcscd pcsc/conf pcsc/empty
  printf 'FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:0x8C7B\nLIBPATH      %s\nCHANNELID    0x8C7B\n' \
    /usr/lib/pcsc/drivers/serial/libifdvpcd.so >pcsc/conf/vpcd
  local ns=(--mount --net)
  [ "$(id -u)" = 0 ] || ns=(--user --map-root-user --mount --net)
  if ! unshare "${ns[@]}" true 2>logs/pcscd.log; then
    card_reason="this machine does not allow private namespaces ($(head -n 1 logs/pcscd.log))"
    return 1
  fi
  unshare "${ns[@]}" sh -c 'mount --bind "$1" /run && mkdir -p /run/pcscd &&
      { mount --bind "$2" /sys/bus/usb/devices 2>/dev/null || true; } && ip link set lo up &&
      exec /usr/sbin/pcscd --foreground --config "$3"' sh "$work/pcsc/run" "$work/pcsc/empty" "$work/pcsc/conf" \
    >>logs/pcscd.log 2>&1 &
  pcscd_pid=$!
  export PCSCLITE_CSOCK_NAME="$work/pcsc/run/pcscd/pcscd.comm"
  local deadline=$((SECONDS + 10))
  until akari card readers --json 2>/dev/null | jq -e 'any(.[]; .name == "Virtual PCD 00 00")' >/dev/null; do
    if ! kill -0 "$pcscd_pid" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
      card_reason="the private pcscd did not start: $(tail -n 1 logs/pcscd.log)"
      stop_pid "$pcscd_pid"
      pcscd_pid=""
      unset PCSCLITE_CSOCK_NAME
      return 1
    fi
    sleep 0.2
  done
}
if start_reader; then
  ok "Card reader ready (a virtual reader on a private, loopback-only network)."
else
  cards=0
  echo "  ${red}${bold}NOTE: the card part of this drill is SKIPPED:${off} $card_reason."
  echo "  The rest of the drill runs without it."
fi

akari serve --data node --listen 127.0.0.1:0 --hub-interval 2 --facility "$facility" >logs/node.log 2>&1 &
node_pid=$!
echo "  ${dim}\$ akari serve --data node --listen 127.0.0.1:0 --hub-interval 2 --facility $facility &${off}"
wait_for 20 "the node's service starting" url_in_log logs/node.log
node_url=$(url_in_log logs/node.log)
ok "The clinic's service is up at $node_url (staff UI at that address)."
clerk=$(login uketsuke1 "$clerk_pin")
admin=$(login kanri1 "$admin_pin")
api GET /v1/status
say "Node status: mode $(jq -r .mode answer.json), data version $(jq -r .data.version answer.json)," \
  "$(jq -r .persons answer.json) persons, $(jq -r .queue.checks answer.json) checks queued."

# ----------------------------------------------------------------- step 4
step "Patients arrive during the outage" \
  "Reception checks each patient's insurance with the node alone. Every check is recorded (signed," \
  "on disk) before the answer is shown, so that the hub can confirm it later."
person_line() {  # person_line ID: a "t" prefix names a person of the Toyama region
  local file=people.ndjson
  [ "${1#t}" = "$1" ] || file=toyama.ndjson
  jq -r "select(.id == ${1#t}) | \"\(.name) (\(.name_kana)), born \(.birth_date)\"" "$file"
}
card_in_reader() {  # card_in_reader true|false: whether the node's reader shows a card
  api GET /v1/cards/readers "$clerk" && jq -e --argjson want "$1" 'any(.readers[]; .card_present) == $want' answer.json
}
verify_card() {  # verify_card ID EXPECT [akari-vcard options]; EXPECT: covered, or the refusal's code
  local id=$1 expect=$2
  shift 2
  # A "t" prefix names a person of the Toyama region (card_region=region-toyama).
  quiet akari-gen card --from "${card_region:-region-full}" --person "${id#t}" --out "cards/$id"
  local join=(--net)
  [ "$(id -u)" = 0 ] || join=(--user --net --preserve-credentials)
  nsenter --target "$pcscd_pid" "${join[@]}" akari-vcard --card "cards/$id" --pin "$card_pin" "$@" \
    </dev/null >"logs/vcard-$id.log" 2>&1 &
  vcard_pid=$!
  echo "  ${dim}\$ akari-vcard --card cards/$id $* &   # the patient puts the card on the reader${off}"
  wait_for 10 "the card appearing in the reader (logs/vcard-$id.log)" card_in_reader true
  api POST /v1/cards/verify "$clerk" "{\"pin\": \"$card_pin\"}"
  [ "$status" = 200 ] || fail "card verification failed: HTTP $status $(cat answer.json)"
  if [ "$(jq -r .card.identity_confirmed answer.json)" = true ]; then
    show_answer
  else
    say "Card presented as: $(person_line "$id")"
    bad "${bold}REFUSED — identity NOT confirmed${off} ($(jq -r .card.code answer.json)): $(jq -r .card.message answer.json)"
    say "    recorded as check $(jq -r '.check.id // "(none)"' answer.json)"
  fi
  local got
  got=$(jq -r 'if .card.identity_confirmed then .answer.status else .card.code end' answer.json)
  [ "$got" = "$expect" ] || fail "expected this card to give '$expect'; the node answered '$got'"
  stop_pid "$vcard_pid"  # the patient takes the card back
  vcard_pid=""
  wait_for 10 "the card leaving the reader" card_in_reader false
}
say "${bold}(a) My Number Cards with PIN (card signature checked)${off}"
if [ "$cards" = 1 ]; then
  verify_card "$card1" covered
  verify_card "$card2" covered
  verify_card "$card3" covered
  echo
  say "${bold}(a2) A visitor from 富山県 with their My Number Card${off}"
  say "The card is genuine (national CA, PIN and chip signature), but this clinic's node holds only 石川県."
  card_region=region-toyama verify_card "t$toyama_card_id" unknown_person
  echo
  say "${bold}(a3) A 富山県 card that was reported lost${off}"
  say "The hub sends 富山県's revocation list along with 石川県's data, so the node knows this card is revoked."
  card_region=region-toyama verify_card "t$toyama_revoked_id" certificate_revoked
else
  say "(skipped: $card_reason)"
fi

echo
say "${bold}(b) A paper 資格確認書 typed in by reception${off}"
numbers=$(jq -c --argjson p "$(jq -c "select(.id == $job_id)" people.ndjson)" \
  '.old | {insurer_number, symbol, number, branch, birth_date: $p.birth_date}' <<<"$job")
say "Patient 4 shows a 資格確認書: $(jq -r '"保険者番号 \(.insurer_number) 記号 \(.symbol) 番号 \(.number) 枝番 \(.branch)"' <<<"$numbers")"
api POST /v1/checks/insurance "$clerk" "$numbers"
[ "$status" = 200 ] || fail "the 資格確認書 check failed: HTTP $status $(cat answer.json)"
show_answer
[ "$(jq -r .answer.status answer.json)" = not_covered ] || fail "expected 'not covered' for patient 4"
job_check=$(jq -r .check.id answer.json)

echo
say "${bold}(c) A cloned card (the right certificate copied onto another chip)${off}"
if [ "$cards" = 1 ]; then
  verify_card "$cloned_id" signature_invalid --clone
else
  say "(skipped: $card_reason)"
fi

echo
say "${bold}(d) Disaster declared; evacuees without cards or papers${off}"
api PUT /v1/mode "$admin" '{"mode": "disaster", "reason": "能登半島地震（訓練）"}'
[ "$status" = 200 ] || fail "disaster mode was refused: HTTP $status $(cat answer.json)"
ok "Disaster mode (災害時モード) is on: staff may record what a patient states."
stated=$(jq -c '{name, name_kana, birth_date, sex: (if .sex == 1 then "male" else "female" end),
  address: "\(.address.prefecture)\(.address.municipality)\(.address.rest)",
  insurer: ((.coverages | map(select(.valid_to == null)) | first | .insurer_name) // ""), contact: "090-0000-0000"}' \
  <<<"$newcomer")
say "Patient 6 says: $(jq -r '"\(.name) (\(.name_kana)), born \(.birth_date), \(.address), insured by \(.insurer)"' <<<"$stated")"
api POST /v1/checks/self-reported "$clerk" "$stated"
[ "$status" = 201 ] || fail "recording the evacuee failed: HTTP $status $(cat answer.json)"
show_answer
newcomer_check=$(jq -r .check.id answer.json)
stated_toyama=$(jq -c '{name, name_kana, birth_date, sex: (if .sex == 1 then "male" else "female" end),
  address: "\(.address.prefecture)\(.address.municipality)", contact: "090-0000-0001"}' <<<"$toyama_walkin")
say "Patient 8, visiting family from 富山県 when the earthquake struck, says: $(jq -r '"\(.name) (\(.name_kana)), born \(.birth_date), from \(.address)"' <<<"$stated_toyama")"
api POST /v1/checks/self-reported "$clerk" "$stated_toyama"
[ "$status" = 201 ] || fail "recording the visitor failed: HTTP $status $(cat answer.json)"
show_answer
toyama_check=$(jq -r .check.id answer.json)
stated2=$(jq -cn --arg kana "$stranger_kana" --arg birth "$stranger_birth" '{name: "大原　翼", name_kana: $kana,
  birth_date: $birth, sex: "female", address: "富山県高岡市", insurer: "高岡市国保"}')
say "Patient 7 says: $(jq -r '"\(.name) (\(.name_kana)), born \(.birth_date), from \(.address), insured by \(.insurer)"' <<<"$stated2")"
api POST /v1/checks/self-reported "$clerk" "$stated2"
[ "$status" = 201 ] || fail "recording the evacuee failed: HTTP $status $(cat answer.json)"
show_answer
api GET "/v1/checks?limit=500" "$clerk"
checks_made=$(jq '.checks | length' answer.json)
say "Checks waiting for the hub: $(jq '[.checks[] | select(.acknowledged | not)] | length' answer.json) of $checks_made."

# ----------------------------------------------------------------- step 5
step "Meanwhile, the late registrations reach the regional office" \
  "The hub (still cut off from the clinic) imports the region again, now with patient 4's new" \
  "insurance (backdated to $(jq -r .new.valid_from <<<"$job"), before patient 4's visit) and the newcomer, and publishes it."
run akari-hub import --data hub --from region-full
echo "  ${dim}\$ akari-hub publish --data hub${off}"
hub_version=$(akari-hub publish --data hub --json 2>>logs/commands.log | jq -r .version)
say "Published version $hub_version. Patient 4 now has: $(jq -r '.new | "\(.insurer_name) (保険者番号 \(.insurer_number)) from \(.valid_from)"' <<<"$job")."

# ----------------------------------------------------------------- step 6
step "The network comes back" \
  "We start the hub again at the same address. Nobody touches the clinic's node: it notices the hub" \
  "by itself, uploads its checks, gets the hub's answers and the new records."
akari-hub serve --data hub --listen "127.0.0.1:$hub_port" >logs/hub.log 2>&1 &
hub_pid=$!
echo "  ${dim}\$ akari-hub serve --data hub --listen 127.0.0.1:$hub_port &${off}"
deadline=$((SECONDS + 20))
until [ -n "$(url_in_log logs/hub.log)" ]; do
  kill -0 "$hub_pid" 2>/dev/null || fail "the hub could not start again on port $hub_port: $(tail -n 1 logs/hub.log)"
  [ "$SECONDS" -lt "$deadline" ] || fail "the hub did not start again within 20 s"
  sleep 0.2
done
ok "The hub is back online at $hub_url"
t0=$SECONDS
printf '  Waiting for the clinic to reconcile'
while :; do
  api GET "/v1/checks?limit=500" "$clerk"
  pending=$(jq '[.checks[] | select(.acknowledged | not)] | length' answer.json)
  api GET /v1/status
  version=$(jq -r .data.version answer.json)
  [ "$pending" != 0 ] || [ "$version" != "$hub_version" ] || break
  [ $((SECONDS - t0)) -lt 90 ] || { echo; fail "the node still had $pending checks pending after 90 s (see logs/node.log)"; }
  printf '.'
  sleep 1
done
echo
ok "Reconciled by itself $((SECONDS - t0)) s after the hub came back; the node now has data version $version."
run akari checks report --data node --format table
report=$(akari checks report --data node --format json)
[ "$(jq -r --arg id "$job_check" '.entries[] | select(.check_id == $id) | "\(.action) \(.hub.coverage.insurer_number)"' <<<"$report")" = \
  "bill_another_insurer $(jq -r .new.insurer_number <<<"$job")" ] || fail "patient 4's check is not reported with the new insurer"
[ "$(jq -r --arg id "$newcomer_check" '.entries[] | select(.check_id == $id) | "\(.hub.outcome) \(.hub.person_id)"' <<<"$report")" = \
  "matched $newcomer_id" ] || fail "the hub did not identify patient 6"
[ "$(jq -r --arg id "$toyama_check" '.entries[] | select(.check_id == $id) | "\(.hub.outcome) \(.hub.person_id)"' <<<"$report")" = \
  "matched $((16 * 10000000000 + toyama_walkin_id))" ] || fail "the hub did not identify the visitor from Toyama (patient 8)"
want_changed=3
[ "$cards" = 1 ] && want_changed=4
[ "$(jq .changed <<<"$report")" = "$want_changed" ] ||
  fail "expected $want_changed claims to fix, the report has $(jq .changed <<<"$report")"

hub_counts=$(akari-hub checks --data hub --json)
echo "  ${dim}\$ akari-hub checks --data hub${off}"
akari-hub checks --data hub | sed 's/^/    /'
node_total=$(akari checks list --data node --json --limit 100000 | jq 'length')
node_reconciled=$(akari checks list --data node --json --limit 100000 | jq '[.[] | select(.reconciled)] | length')
hub_total=$(jq --arg n "$node_id" '.by_node[$n].total // 0' <<<"$hub_counts")
if [ "$cards" = 1 ]; then
  # unknown_person: the cloned card and the revoked one (a revoked certificate identifies no one).
  expected='{"confirmed":3,"different_coverage":2,"matched":2,"no_match":1,"unknown_person":2}'
else
  expected='{"different_coverage":1,"matched":2,"no_match":1}'
fi
jq -e --arg n "$node_id" --argjson want "$expected" '.by_node[$n].outcomes == $want' <<<"$hub_counts" >/dev/null ||
  fail "the hub's answers $(jq -c --arg n "$node_id" '.by_node[$n].outcomes' <<<"$hub_counts") differ from the expected $expected"
say "Clinic: $node_reconciled of $node_total checks reconciled.  Hub: $hub_total checks recorded from this clinic."
[ "$node_total" = "$checks_made" ] || fail "the node holds $node_total checks but the drill made $checks_made"
[ "$node_reconciled" = "$node_total" ] && [ "$hub_total" = "$node_total" ] ||
  fail "the counts differ: a check was lost or counted twice"
ok "The counts agree on both sides: no check was lost or counted twice."
run akari status --data node

# ----------------------------------------------------------------- step 7
step "What the drill showed" \
  "  • The clinic kept working without the network: $checks_made patients checked, each check recorded" \
  "    and signed before the answer was shown."
if [ "$cards" = 1 ]; then
  say "• My Number Cards were verified offline (PIN and chip signature); the cloned card and a revoked card from 富山県 were refused."
else
  say "• (The card part was skipped: $card_reason.)"
fi
say "• A 資格確認書 whose coverage had ended was answered from the node's own records."
say "• In disaster mode, evacuees without papers were recorded as they stated."
say "• When the network came back, the node reconciled on its own in $((SECONDS - t0)) s; clinic and hub"
say "  agree on $node_total checks."
say "• The hub's answers, as of each visit's time, left $(jq .changed <<<"$report") claims to fix, each \"bill another insurer\":"
say "  patient 4's backdated new insurance, the evacuee the hub identified from what they said, and the"
say "  visitors from 富山県 (by what they said and, with the card part, by their card), whom the hub found"
say "  in its reference records of that prefecture."
echo
echo "${green}${bold}Drill complete${off} in $((SECONDS - started)) s."
