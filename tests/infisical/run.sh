#!/usr/bin/env bash
# The C Infisical client (castellan check --live) against the Infisical twin:
# a good setup, each way a setup goes wrong, and a server that misbehaves.
# Every run plants known secret values and fails if one shows up in any
# output. Usage: tests/infisical/run.sh BUILDDIR
set -uo pipefail
b=${1:?usage: tests/infisical/run.sh BUILDDIR}
bin=$b/castellan suite=infisical
t=$(mktemp -d)
. tests/lib.sh
trap 'twin_down; rm -rf "$t"' EXIT
twin_up --config tests/twin/testdata/infisical.json
ctl="https://127.0.0.1:$port/_twin"
c() { curl -sS --cacert "$t/twin/ca.pem" "$@"; }

project=51a441e4-aa3b-437a-92b1-086769162d84
castellan_id=3a717a21-d46f-4610-b6cf-d92dd19a5359
castellan_secret=d1b2a0c237a132172fb345de2926b964bf80d71e914b32f4684c7568fbfe2cbf
"$bin" keygen -o "$t/key.txt" 2>/dev/null
recipient=$(sed -n 's/^# public key: //p' "$t/key.txt")

# Known values that must never appear in any output.
planted=(d1b2a0c237a132172fb345de2926b964bf80d71e914b32f4684c7568fbfe2cbf
  iLD4Y/JXjOA4fXy5GLVEGJZusfv4R/3PT3JWRckXwBA= 7b5f1656-dbe1-4d05-ad0e-d854676096ac
  7aeac9c0b0c8ce27a9152a4d23273ba17c27cad20ac48eedbd40c696990f7c98)
all_out=$t/all-output

# userdata OUT [client-id client-secret [project [environment [path]]]]
userdata() {
  local out=$1 id=${2:-$castellan_id} secret=${3:-$castellan_secret}
  printf 'client_id: %s\nclient_secret: %s\n' "$id" "$secret" > "$t/mi.yaml"
  "$bin" seal -r "$recipient" -o "$t/mi.age.new" "$t/mi.yaml" && mv "$t/mi.age.new" "$t/mi.age"
  python3 - "$out" "$port" "$t/twin/ca.pem" "$t/mi.age" "${4:-$project}" "${5:-prod}" "${6:-/castle}" <<'PY'
import re, sys
out, port, ca, sealed, project, env, path = sys.argv[1:]
s = open("tests/fixtures/user-data.yaml").read()
pem = "".join("      " + l + "\n" for l in open(ca).read().strip().split("\n"))
inf = (f"  infisical:\n    host: https://infisical.twin:{port}\n    project: {project}\n"
       f"    environment: {env}\n    path: {path}\n    ca: |\n{pem}")
s = re.sub(r"  infisical: \{.*\}\n", lambda m: inf, s)
armor = "".join("    " + l + "\n" for l in open(sealed).read().strip().split("\n"))
s = re.sub(r"  identity: \|\n(    .*\n)+", lambda m: "  identity: |\n" + armor, s)
open(out, "w").write(s)
PY
}

# live UD [extra args]: runs check --live; sets out and rc.
live() {
  local ud=$1; shift
  out=$("$bin" check --identity "$t/key.txt" --live --resolve "infisical.twin:$port:127.0.0.1" "$@" "$ud" 2>&1)
  rc=$?
  printf '%s\n' "$out" >> "$all_out"
}
# expect_fail NAME SENTENCE: rc 1 and the one sentence
expect_fail() {
  if [ "$rc" -eq 1 ] && grep -qF -- "$2" <<<"$out"; then ok "$1"; else bad "$1 (rc $rc): $out"; fi
}
requests() { c "$ctl/requests" > "$t/req.json"; }
count_req() {  # count_req METHOD PATH-PREFIX [STATUS]
  python3 - "$t/req.json" "$@" <<'PY'
import json, sys
log = json.load(open(sys.argv[1]))
entries = log["requests"] if isinstance(log, dict) else log
m, p = sys.argv[2], sys.argv[3]
st = int(sys.argv[4]) if len(sys.argv) > 4 else None
print(sum(1 for e in entries if e["method"] == m and e["path"].startswith(p)
          and (st is None or e["status"] == st)))
PY
}
reset() { c -X DELETE "$ctl/faults" >/dev/null; c -X POST "$ctl/reset" >/dev/null; c -X DELETE "$ctl/requests" >/dev/null; }

# --- a good setup
userdata "$t/good.yaml"
live "$t/good.yaml"
[ $rc -eq 0 ] && grep -q '^infisical: access token revoked$' <<<"$out" && grep -q 'secret TALOS_SECRETBOX_KEY: present, well-formed' <<<"$out" \
  && ok "check --live passes for a good setup and revokes its token" || bad "check --live on a good setup (rc $rc): $out"
requests
[ "$(count_req POST /api/v1/auth/token/revoke 200)" = 1 ] && ok "the twin saw exactly one revoke" || bad "the twin saw one revoke"
[ "$(count_req GET /api/v4/secrets 200)" -ge 1 ] && ok "v4 is used where the server has it" || bad "v4 is used where the server has it"

# --- v3 fallback on a server without v4, and a project given by slug
reset; c -X PATCH -d '{"v4": false}' "$ctl/config" >/dev/null
live "$t/good.yaml"; requests
[ $rc -eq 0 ] && [ "$(count_req GET /api/v3/secrets/raw 200)" -ge 1 ] && ok "falls back to v3 when v4 is missing" || bad "v3 fallback (rc $rc): $out"
reset
userdata "$t/slug.yaml" "" "" homelab
live "$t/slug.yaml"; requests
[ $rc -eq 0 ] && [ "$(count_req GET /api/v3/secrets/raw 200)" -ge 1 ] && ok "a project slug reads through v3 (workspaceSlug)" || bad "project slug (rc $rc): $out"

# --- each bad setup: one sentence
reset
userdata "$t/wrong.yaml" "$castellan_id" 0000000000000000000000000000000000000000000000000000000000000000
live "$t/wrong.yaml"
expect_fail "a wrong client secret is named" "castellan: Infisical refused the client secret of identity $castellan_id (wrong or revoked client secret)"
userdata "$t/region.yaml" 11111111-2222-4333-8444-555555555555 "$castellan_secret"
live "$t/region.yaml"
expect_fail "an unknown client id points at the region" "knows no identity with client id 11111111-2222-4333-8444-555555555555; if it was created in the other region (US or EU), set castellan.infisical.host"
userdata "$t/staging.yaml" "" "" "$project" staging
live "$t/staging.yaml"
expect_fail "a missing secret names secret, project, environment and path" \
  "castellan: secret PROXMOX_TOKEN_ID in Infisical project $project, environment staging, path /castle: it is missing"
[ "$(grep -c '^castellan: secret .*: it is missing$' <<<"$out")" = 4 ] && ok "every missing secret gets its own sentence" || bad "four missing secrets: $out"
grep -q '^infisical: access token revoked$' <<<"$out" && ok "the token is revoked after a failed check too" || bad "revoke after a failed check"
c -X PUT -d "[{\"project\":\"homelab\",\"env\":\"prod\",\"path\":\"/castle\",\"key\":\"TALOS_SECRETBOX_KEY\",\"value\":\"$(head -c 31 /dev/zero | base64)\"}]" "$ctl/secrets" >/dev/null
live "$t/good.yaml"
expect_fail "a 31-byte secretbox key is refused" "castellan: secret TALOS_SECRETBOX_KEY in Infisical project $project, environment prod, path /castle: expected standard base64 of exactly 32 random bytes"
reset
userdata "$t/outsider.yaml" 93dd8e15-0c4d-444f-a06e-ebd27c959fe6 23ed03c840ca37765e9015248fdccf37732e38d64446801308ca827ad6cc5eaf
live "$t/outsider.yaml"
expect_fail "no project access is named" "castellan: the identity 93dd8e15-0c4d-444f-a06e-ebd27c959fe6 is not a member of Infisical project $project; add it to the project"
userdata "$t/revoked.yaml" 270b5da8-3678-4613-ba94-32b730b3f03c fca14d9872b81860141c8809ef196bc0795ce1aa8d426b57866f7ef716b5d320
live "$t/revoked.yaml"
expect_fail "a revoked client secret is refused" "(wrong or revoked client secret)"
userdata "$t/limited.yaml" 270b5da8-3678-4613-ba94-32b730b3f03c ff059188a1759ff3f8d4143986a7f5f0470ebf970790bfac229d84f3cb50dc7c
for _ in 1 2 3; do live "$t/limited.yaml"; done
live "$t/limited.yaml"
expect_fail "a used-up client secret is named" "has reached its use limit; create a new one and seal it"
reset; c -X POST -d '{"advanceSeconds": 601}' "$ctl/clock" >/dev/null
live "$t/limited.yaml"
expect_fail "an expired client secret is named" "has expired (its TTL is over)"
reset

# --- a server that misbehaves
c -X POST -d '{"rateLimitBurst":{"count":5,"status":500,"retryAfter":1}}' "$ctl/faults" >/dev/null
live "$t/good.yaml"; requests
[ $rc -eq 0 ] && [ "$(count_req POST /api/v1/auth/universal-auth/login 500)" -ge 5 ] \
  && ok "survives a burst of rate limiting answered as 500 with retry-after" || bad "rate limit burst as 500 (rc $rc): $out"
reset
c -X POST -d '{"rateLimitBurst":{"count":3,"status":429,"retryAfter":1},"routes":"/api/v4/secrets"}' "$ctl/faults" >/dev/null
live "$t/good.yaml"
[ $rc -eq 0 ] && ok "survives rate limiting answered as 429" || bad "rate limit as 429 (rc $rc): $out"
reset
c -X POST -d '{"dropConnections":3,"status5xx":{"count":3,"code":502,"body":"<html>bad gateway</html>"}}' "$ctl/faults" >/dev/null
live "$t/good.yaml"
[ $rc -eq 0 ] && ok "survives dropped connections and a 5xx burst" || bad "dropped connections and 5xx (rc $rc): $out"
reset
c -X POST -d '{"outageSeconds":30}' "$ctl/faults" >/dev/null
start=$(date +%s)
live "$t/good.yaml"
took=$(( $(date +%s) - start ))
[ $rc -eq 0 ] && [ $took -ge 25 ] && ok "survives a 30-second outage (${took}s)" || bad "30-second outage (rc $rc, ${took}s): $out"
reset
c -X POST -d '{"outageSeconds":600}' "$ctl/faults" >/dev/null
live "$t/good.yaml" --deadline 8
expect_fail "gives up after its deadline with a clear sentence" "castellan: Infisical at https://infisical.twin:$port gave no usable answer within 8 s while trying to log in"
reset

# --- writes (used later for the handback and the canary), by a test driver
# linked with the same objects as the appliance
link_driver tests/infisical/driver.c "$b/infisical-driver"
drv() { CLIENT_ID=$castellan_id CLIENT_SECRET=$castellan_secret "$b/infisical-driver" "https://infisical.twin:$port" \
          "$t/twin/ca.pem" "infisical.twin:$port:127.0.0.1" "$project" prod /castle "$@" 2>&1; }
multi=$'line one\nline "two" ✓'
drv put CANARY_ECHO "$multi" >/dev/null && [ "$(drv get CANARY_ECHO)" = "$multi" ] && ok "create, then read back a multi-line UTF-8 value" || bad "create and read back"
drv put CANARY_ECHO second >/dev/null && [ "$(drv get CANARY_ECHO)" = second ] && ok "put on an existing secret updates it" || bad "update"
drv delete CANARY_ECHO >/dev/null && [ "$(drv get CANARY_ECHO)" = "(absent)" ] && ok "delete removes it" || bad "delete"
out=$(CLIENT_ID=9adfcf70-cd41-447a-bf25-5de3d5ec0564 CLIENT_SECRET=c005082197eb21a3ebe3956f70581d7734d7e8b33309c6e33bfdf07009420cd8 \
  "$b/infisical-driver" "https://infisical.twin:$port" "$t/twin/ca.pem" "infisical.twin:$port:127.0.0.1" "$project" prod /castle put X y 2>&1)
grep -q 'may not create secrets in project' <<<"$out" && ok "a viewer's write is refused in one sentence" || bad "viewer write: $out"
reset

# --- no planted value ever appeared
leaked=0
for v in "${planted[@]}"; do grep -qF -- "$v" "$all_out" "$t/twin.log" && { leaked=1; echo "# leaked: ${v:0:6}..."; }; done
[ $leaked -eq 0 ] && ok "no secret value appears in any output or the twin's log" || bad "a secret value appeared in the output"

finish
