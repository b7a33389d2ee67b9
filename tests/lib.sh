# Sourced by the shell suites that talk to the twins: the counters, the
# twin itself, and test drivers linked with the appliance's own objects.
# The caller sets suite (its name), b (BUILDDIR) and t (a scratch dir).

pass=0 fail=0
ok()  { echo "ok - $1"; pass=$((pass + 1)); }
bad() { echo "not ok - $1"; fail=$((fail + 1)); }
# finish: the closing line tests/run.sh counts, and the exit status.
finish() { echo "$suite: $pass passed, $fail failed"; [ "$fail" -eq 0 ]; }
# give_up MSG: a suite that cannot even start still counts as failed.
give_up() { echo "not ok - $1"; echo "$suite: 0 passed, 1 failed"; exit 1; }

command -v go >/dev/null || [ ! -x /usr/local/go/bin/go ] || export PATH=$PATH:/usr/local/go/bin

# twin_up [TWIN ARGS...]: builds and starts the twin in $t/twin; sets
# twin_pid and port. The suite's EXIT trap should call twin_down.
twin_up() {
  (cd tests/twin && go build -o "$OLDPWD/$b/twin" ./cmd/twin) || give_up "the twin builds"
  "$b/twin" --dir "$t/twin" "$@" 2> "$t/twin.log" &
  twin_pid=$!
  for _ in $(seq 50); do [ -s "$t/twin/addr" ] && break; sleep 0.1; done
  [ -s "$t/twin/addr" ] || { cat "$t/twin.log"; give_up "the twin starts"; }
  port=$(cut -d: -f2 "$t/twin/addr")
}
twin_down() { [ -n "${twin_pid:-}" ] && kill "$twin_pid" 2>/dev/null && wait "$twin_pid" 2>/dev/null; }

# spki_of HOST:PORT NAME: openssl's SHA-256 of the served public key, the
# value castellan.proxmox.pin_sha256 takes.
spki_of() {
  openssl s_client -connect "$1" -servername "$2" </dev/null 2>/dev/null |
    openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1
}

# link_driver SRC OUT: a test-only program linked, statically with musl,
# against every appliance object but the entry points.
link_driver() {
  local deps objs
  deps=$(scripts/build-deps.sh --dir)
  objs=$(ls "$b"/obj/*.o | grep -v -e '/main.o$' -e '/cmd_' -e '/cli[a-z_]*.o$' -e '/run.o$')
  musl-gcc -std=c11 -D_GNU_SOURCE -static -Iinit -I"$deps/musl/include" "$1" $objs \
    -L"$deps/musl/lib" -lcurl -lbearssl -lcjson -lyaml -lpthread -o "$2" 2> "$t/cc.log" ||
    { cat "$t/cc.log"; give_up "$1 links"; }
}
