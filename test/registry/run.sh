#!/usr/bin/env bash
# End to end through a real npm registry, the way a user meets td-sync:
#   publish   every package with `lerna publish from-package` to a local verdaccio (127.0.0.1)
#   install   `npm install --global td-sync-cli` from it into an empty prefix
#   plugin    `td plugins install td-sync-backend-github` (TD_DATA_DIR in a temp folder)
#   init      `td init` + `td sync init --backend github --set repo=... --set baseUrl=...`
#   sync      `td sync` against the GitHub emulator (test/github-emulator); the issue exists there
#   third-party  examples/td-sync-backend-jsonl published (SDK as a registry dependency) and
#             installed with `td plugins install`: a second SDK copy, its typed errors recognised
#   uninstall `td plugins uninstall td-sync-backend-github`: gone from `td plugins --json`, and
#             `td sync` then says the backend is unknown and how to install it
# Each step prints one PASS/FAIL line; the script exits non-zero on the first failure and stops
# verdaccio and the emulator on any exit. Usage: npm run test:registry  (or test/registry/run.sh)
#
# Environment: TD_REGISTRY_SKIP_BUILD=1 publishes the dist/ folders as they are;
#              TD_REGISTRY_KEEP=1 keeps the work folder (its path is printed) for a post-mortem.
set -uo pipefail

REPO="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$REPO/test/registry"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/td-registry-XXXXXX")"
LOG="$WORK/log"
mkdir -p "$LOG"
export NX_DAEMON=false NX_NO_CLOUD=true OCLIF_SKIP_NEW_VERSION_CHECK=true NO_COLOR=1 npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
START=$(date +%s)
PIDS=()

cleanup() {
  local rc=$?
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  if [ "${TD_REGISTRY_KEEP:-}" = 1 ] || [ $rc -ne 0 ]; then echo "[registry] work folder kept: $WORK"; else rm -rf "$WORK"; fi
  echo "[registry] total $(( $(date +%s) - START )) s, exit $rc"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

STEP_NAME=""; STEP_T0=0
step() { STEP_NAME="$1"; STEP_T0=$(date +%s); echo "[registry] ---- $1: $2"; }
pass() { echo "[registry] PASS $STEP_NAME ($(( $(date +%s) - STEP_T0 )) s)${1:+: $1}"; }
fail() {
  echo "[registry] FAIL $STEP_NAME ($(( $(date +%s) - STEP_T0 )) s): $1"
  shift
  for f in "$@"; do [ -f "$f" ] && { echo "[registry] --- last lines of $f"; tail -n 40 "$f"; }; done
  exit 1
}
# run <logfile> cmd...: output to the log file; the exit code is the command's
run() { local out="$1"; shift; "$@" >"$out" 2>&1; }

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# ---------------------------------------------------------------------------------------------
step setup "verdaccio 6.8.0 in test/registry/verdaccio (own package.json, node-fetch override), build"
if [ ! -x "$HERE/verdaccio/node_modules/.bin/verdaccio" ]; then
  (cd "$HERE/verdaccio" && run "$LOG/verdaccio-install.log" npm ci --no-audit --no-fund) || fail "npm ci in test/registry/verdaccio" "$LOG/verdaccio-install.log"
fi
if [ "${TD_REGISTRY_SKIP_BUILD:-}" != 1 ]; then
  # On a shared checkout several people build at once: take the same lock they do, when it exists.
  if [ -e /tmp/build.lock ] && command -v flock >/dev/null; then BUILD=(flock /tmp/build.lock npx tsc -b); else BUILD=(npx tsc -b); fi
  (cd "$REPO" && run "$LOG/build.log" "${BUILD[@]}") || fail "tsc -b" "$LOG/build.log"
fi
VERSION=$(node -p "require('$REPO/packages/td-sync-cli/package.json').version")
pass "verdaccio $(node -p "require('$HERE/verdaccio/node_modules/verdaccio/package.json').version"), packages at $VERSION"

# ---------------------------------------------------------------------------------------------
step registry "start verdaccio on 127.0.0.1, create a user and a token with curl"
PORT=$(free_port)
URL="http://127.0.0.1:$PORT/"
UPSTREAM=$(npm config get registry)
mkdir -p "$WORK/registry"
sed "s#UPSTREAM#$UPSTREAM#" "$HERE/config.yaml" >"$WORK/registry/config.yaml"
"$HERE/verdaccio/node_modules/.bin/verdaccio" --config "$WORK/registry/config.yaml" --listen "127.0.0.1:$PORT" >"$LOG/verdaccio.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 100); do curl -sf "${URL}-/ping" >/dev/null && break; sleep 0.2; done
curl -sf "${URL}-/ping" >/dev/null || fail "verdaccio did not answer on $URL" "$LOG/verdaccio.log"
USER_JSON=$(curl -s -XPUT -H 'content-type: application/json' -u tdci:tdci-pass-1 \
  "${URL}-/user/org.couchdb.user:tdci" -d '{"name":"tdci","password":"tdci-pass-1"}')
TOKEN=$(printf '%s' "$USER_JSON" | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).token || ""')
[ -n "$TOKEN" ] || fail "no token from verdaccio: $USER_JSON" "$LOG/verdaccio.log"
# npm settings for every later step. NPM_CONFIG_USERCONFIG replaces ~/.npmrc, so carry over the one
# machine setting native builds need (nodedir: node-gyp uses local headers, downloads nothing).
NPMRC="$WORK/npmrc"
{
  echo "registry=$URL"
  echo "//127.0.0.1:$PORT/:_authToken=$TOKEN"
  NODEDIR=$(npm config get nodedir 2>/dev/null); [ -n "$NODEDIR" ] && [ "$NODEDIR" != undefined ] && [ "$NODEDIR" != null ] && echo "nodedir=$NODEDIR"
} >"$NPMRC"
CACHE=$(npm config get cache)
export NPM_CONFIG_USERCONFIG="$NPMRC" npm_config_cache="$CACHE"
pass "$URL (upstream $UPSTREAM)"

# ---------------------------------------------------------------------------------------------
step publish "lerna publish from-package --yes --registry $URL (from a copy of the packages)"
# lerna writes gitHead into package.json and resets it with git afterwards: do that in a private
# copy (its own git repository), never in a working tree other people are editing.
PUB="$WORK/publish"
mkdir -p "$PUB/packages"
cp "$REPO/package.json" "$REPO/lerna.json" "$PUB/"
[ -f "$REPO/LICENSE" ] && cp "$REPO/LICENSE" "$PUB/"
for dir in "$REPO"/packages/*/; do
  name=$(basename "$dir")
  mkdir -p "$PUB/packages/$name"
  (cd "$dir" && tar --exclude=./node_modules --exclude=./oclif.manifest.json -cf - .) | (cd "$PUB/packages/$name" && tar -xf -)
  [ -d "$dir/node_modules" ] && ln -s "$dir/node_modules" "$PUB/packages/$name/node_modules"
done
ln -s "$REPO/node_modules" "$PUB/node_modules"
(cd "$PUB" && printf 'node_modules\n' >.gitignore && git init -q && git add -A && git -c user.name=td-ci -c user.email=ci@td.invalid commit -qm "publish $VERSION") \
  || fail "git init of the publish copy"
(cd "$PUB" && run "$LOG/publish.log" npx lerna publish from-package --yes --registry "$URL") || fail "lerna publish" "$LOG/publish.log"
PUBLISHED=$(cd "$PUB" && for p in packages/*/package.json; do n=$(node -p "require('./$p').name"); npm view "$n@$VERSION" version --registry "$URL" >/dev/null 2>&1 && echo "$n"; done | sort | tr '\n' ' ')
EXPECTED=$(cd "$PUB" && for p in packages/*/package.json; do node -p "require('./$p').name"; done | sort | tr '\n' ' ')
[ "$PUBLISHED" = "$EXPECTED" ] || fail "published [$PUBLISHED], expected [$EXPECTED]" "$LOG/publish.log"
MANIFEST=$(npm view "td-sync-cli@$VERSION" dist.tarball --registry "$URL")
(cd "$WORK" && curl -sf "$MANIFEST" -o cli.tgz && tar -tzf cli.tgz >"$LOG/cli-tarball.txt") || fail "download the CLI tarball"
grep -qx 'package/oclif.manifest.json' "$LOG/cli-tarball.txt" || fail "the CLI tarball has no oclif.manifest.json" "$LOG/cli-tarball.txt"
if grep -q 'tsbuildinfo' "$LOG/cli-tarball.txt"; then fail "the CLI tarball ships a tsbuildinfo" "$LOG/cli-tarball.txt"; fi
pass "$PUBLISHED"

# ---------------------------------------------------------------------------------------------
step install "npm install --global td-sync-cli@$VERSION into an empty prefix (better-sqlite3, fs-ext build from source)"
PREFIX="$WORK/global"
run "$LOG/install.log" npm install --global --prefix "$PREFIX" --prefer-online --no-audit --no-fund "td-sync-cli@$VERSION" || fail "npm install td-sync-cli" "$LOG/install.log"
TD="$PREFIX/bin/td"
[ -x "$TD" ] || fail "no td binary at $TD" "$LOG/install.log"
GOT=$("$TD" --version 2>&1) || fail "td --version: $GOT"
case "$GOT" in td-sync-cli/"$VERSION"*) ;; *) fail "td --version says: $GOT" ;; esac
# from here on td runs as a new user would: own HOME, XDG folders and plugin data folder
HOMEDIR="$WORK/home"
mkdir -p "$HOMEDIR/.config" "$HOMEDIR/.local/share"
export HOME="$HOMEDIR" XDG_CONFIG_HOME="$HOMEDIR/.config" XDG_DATA_HOME="$HOMEDIR/.local/share" XDG_CACHE_HOME="$HOMEDIR/.cache"
export TD_DATA_DIR="$WORK/td-data"
# the bundled backends come with it, as oclif core plugins (checked from an empty folder)
mkdir -p "$WORK/empty"
(cd "$WORK/empty" && "$TD" backends --json) >"$LOG/backends-core.json" 2>&1 || fail "td backends --json" "$LOG/backends-core.json"
node -e '
const list = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
for (const name of ["dir", "http"]) {
  const b = list.find((x) => x.name === name);
  if (!b || b.source !== "core" || !b.valid) { console.error(name + ": " + JSON.stringify(list)); process.exit(1); }
}
if (list.some((x) => x.name === "github")) { console.error("github is there before td plugins install"); process.exit(1); }
' "$LOG/backends-core.json" || fail "the bundled dir and http backends are not listed as valid core plugins" "$LOG/backends-core.json"
pass "$GOT; bundled backends dir and http valid"

# ---------------------------------------------------------------------------------------------
step plugin "td plugins install td-sync-backend-github (npm_config_registry, TD_DATA_DIR in a temp folder)"
export npm_config_registry="$URL"
cd "$WORK" || fail "cd $WORK"   # an empty folder: no node_modules above it can offer a backend
run "$LOG/plugin-install.log" "$TD" plugins install td-sync-backend-github || fail "td plugins install" "$LOG/plugin-install.log"
"$TD" plugins --json >"$LOG/plugins.json" 2>"$LOG/plugins.err" || fail "td plugins --json" "$LOG/plugins.err"
node -e '
const list = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const p = list.find((x) => x.name === "td-sync-backend-github");
if (!p || p.type !== "user") { console.error("not listed as a user plugin: " + JSON.stringify(list.map((x) => [x.name, x.type]))); process.exit(1); }
' "$LOG/plugins.json" || fail "td plugins --json does not list td-sync-backend-github" "$LOG/plugins.json"
[ -f "$TD_DATA_DIR/node_modules/td-sync-backend-github/package.json" ] || fail "not in $TD_DATA_DIR/node_modules"
"$TD" backends --json >"$LOG/backends.json" 2>&1 || fail "td backends --json" "$LOG/backends.json"
node -e '
const list = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const b = list.find((x) => x.package === "td-sync-backend-github");
if (!b || !b.valid || b.source !== "user") { console.error(JSON.stringify(list)); process.exit(1); }
' "$LOG/backends.json" || fail "td backends does not list github as a valid user plugin" "$LOG/backends.json"
pass "td-sync-backend-github@$(node -p "require('$TD_DATA_DIR/node_modules/td-sync-backend-github/package.json').version") in $TD_DATA_DIR"

# ---------------------------------------------------------------------------------------------
step init "GitHub emulator, td init, td sync init --backend github --set repo=... --set baseUrl=..."
(cd "$REPO" && exec node --import=tsx test/github-emulator/cli.ts --port 0 --repo acme/registry-e2e) >"$LOG/emulator.out" 2>"$LOG/emulator.err" &
PIDS+=($!)
for _ in $(seq 1 150); do [ -s "$LOG/emulator.out" ] && break; sleep 0.2; done
[ -s "$LOG/emulator.out" ] || fail "the emulator printed nothing" "$LOG/emulator.err"
EM_URL=$(node -pe 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0]).url' "$LOG/emulator.out")
EM_TOKEN=$(node -pe 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0]).token' "$LOG/emulator.out")
export GITHUB_TOKEN="$EM_TOKEN"
PROJ="$WORK/project"
mkdir -p "$PROJ"
cd "$PROJ" || fail "cd $PROJ"
run "$LOG/td-init.log" "$TD" init || fail "td init" "$LOG/td-init.log"
run "$LOG/sync-init.log" "$TD" sync init --backend github --set repo=acme/registry-e2e --set "baseUrl=$EM_URL" --yes --json || fail "td sync init" "$LOG/sync-init.log"
grep -q '"target": *"github:' "$LOG/sync-init.log" || fail "td sync init did not report a github target" "$LOG/sync-init.log"
run "$LOG/config-set.log" "$TD" config set sync.github.writeSpacingMs 0 || fail "td config set" "$LOG/config-set.log"
pass "emulator $EM_URL, $(node -pe 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).target' "$LOG/sync-init.log")"

# ---------------------------------------------------------------------------------------------
step sync "td create + td sync --json against the emulator; the issue is on the emulated GitHub"
ID=$("$TD" create "Published through a real registry" --priority P1 --json 2>"$LOG/create.err" | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).id') || fail "td create" "$LOG/create.err"
"$TD" sync --json >"$LOG/sync.json" 2>"$LOG/sync.err" || fail "td sync" "$LOG/sync.json" "$LOG/sync.err"
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
if (!(r.pushed >= 1) || r.pending !== 0) { console.error("pushed " + r.pushed + ", pending " + r.pending); process.exit(1); }
' "$LOG/sync.json" || fail "td sync did not push everything" "$LOG/sync.json"
if grep -q "$EM_TOKEN" "$LOG/sync.json" "$LOG/sync.err"; then fail "the token appears in td sync output"; fi
QUERY='{"query":"query { repository(owner: \"acme\", name: \"registry-e2e\") { issues(first: 10) { nodes { title labels(first: 10) { nodes { name } } } } } }"}'
curl -sf -H "authorization: bearer $EM_TOKEN" -H 'content-type: application/json' "${EM_URL%/}/graphql" -d "$QUERY" >"$LOG/issues.json" || fail "query the emulator" "$LOG/issues.json"
node -e '
const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const issues = j.data.repository.issues.nodes;
const it = issues.find((i) => i.title === "Published through a real registry");
if (!it) { console.error("issues on the emulator: " + JSON.stringify(issues)); process.exit(1); }
if (!it.labels.nodes.some((l) => l.name === "td:p1")) { console.error("labels: " + JSON.stringify(it.labels)); process.exit(1); }
' "$LOG/issues.json" || fail "the task is not an issue on the emulator" "$LOG/issues.json"
pass "$ID pushed: $(node -pe 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); `pushed ${r.pushed}, pulled ${r.pulled}`' "$LOG/sync.json"); issue with td:p1 on acme/registry-e2e"

# ---------------------------------------------------------------------------------------------
step third-party "publish examples/td-sync-backend-jsonl (SDK from the registry) and td plugins install it"
# What a stranger does: the example's file: dependency on the SDK becomes a registry range.
JSONL="$WORK/jsonl-package"
mkdir -p "$JSONL"
(cd "$REPO/examples/td-sync-backend-jsonl" && tar --exclude=./node_modules -cf - .) | (cd "$JSONL" && tar -xf -)
node -e '
const fs = require("fs");
const p = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
p.dependencies["td-sync-sdk"] = "^" + process.argv[2];
fs.writeFileSync(process.argv[1], JSON.stringify(p, null, 2) + "\n");
' "$JSONL/package.json" "$VERSION"
(cd "$JSONL" && run "$LOG/jsonl-publish.log" npm publish --registry "$URL") || fail "npm publish td-sync-backend-jsonl" "$LOG/jsonl-publish.log"
run "$LOG/jsonl-install.log" "$TD" plugins install td-sync-backend-jsonl || fail "td plugins install td-sync-backend-jsonl" "$LOG/jsonl-install.log"
# The plugin brought its own copy of the SDK (the case the author guide warns about) ...
[ -f "$TD_DATA_DIR/node_modules/td-sync-sdk/package.json" ] || fail "no td-sync-sdk copy in $TD_DATA_DIR/node_modules"
# ... and a ConfigError thrown by that copy is still recognised by the CLI (brand, not instanceof).
"$TD" sync --backend jsonl --json >"$LOG/jsonl-noconfig.json" 2>&1 && fail "td sync --backend jsonl worked without sync.jsonl.file"
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
if (r.error?.code !== "jsonl_file_missing" || !r.error.hint) { console.error(JSON.stringify(r)); process.exit(1); }
' "$LOG/jsonl-noconfig.json" || fail "the plugin's typed error was not recognised (expected code jsonl_file_missing with a hint)" "$LOG/jsonl-noconfig.json"
run "$LOG/jsonl-config.log" "$TD" config set sync.jsonl.file "$WORK/team.jsonl" || fail "td config set sync.jsonl.file" "$LOG/jsonl-config.log"
"$TD" sync --backend jsonl --json >"$LOG/jsonl-sync.json" 2>"$LOG/jsonl-sync.err" || fail "td sync --backend jsonl" "$LOG/jsonl-sync.json" "$LOG/jsonl-sync.err"
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
if (!(r.pushed >= 1) || r.pending !== 0) { console.error(JSON.stringify(r)); process.exit(1); }
' "$LOG/jsonl-sync.json" || fail "td sync through jsonl did not push the task" "$LOG/jsonl-sync.json"
grep -q "$ID" "$WORK/team.jsonl" || fail "the task is not in $WORK/team.jsonl"
run "$LOG/jsonl-uninstall.log" "$TD" plugins uninstall td-sync-backend-jsonl || fail "td plugins uninstall td-sync-backend-jsonl" "$LOG/jsonl-uninstall.log"
pass "published, installed with a second SDK copy, typed error recognised, task pushed to the shared file, uninstalled"

# ---------------------------------------------------------------------------------------------
step uninstall "td plugins uninstall td-sync-backend-github; td sync names the missing backend and how to install it"
run "$LOG/uninstall.log" "$TD" plugins uninstall td-sync-backend-github || fail "td plugins uninstall" "$LOG/uninstall.log"
"$TD" plugins --json >"$LOG/plugins-after.json" 2>&1 || fail "td plugins --json" "$LOG/plugins-after.json"
if grep -q 'td-sync-backend-github' "$LOG/plugins-after.json"; then fail "still listed by td plugins --json" "$LOG/plugins-after.json"; fi
[ ! -e "$TD_DATA_DIR/node_modules/td-sync-backend-github" ] || fail "still in $TD_DATA_DIR/node_modules"
"$TD" sync --json >"$LOG/sync-after.json" 2>"$LOG/sync-after.err"
rc=$?
[ $rc -ne 0 ] || fail "td sync succeeded without the backend" "$LOG/sync-after.json"
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const e = r.error ?? r;
const text = JSON.stringify(r);
if (e.code !== "backend_not_found") { console.error("code: " + e.code + " in " + text); process.exit(1); }
if (!text.includes("td plugins install td-sync-backend-github")) { console.error("no install hint in " + text); process.exit(1); }
' "$LOG/sync-after.json" || fail "td sync does not say the backend is unknown and how to install it" "$LOG/sync-after.json" "$LOG/sync-after.err"
pass "exit $rc, code backend_not_found, hint names td plugins install td-sync-backend-github"

echo "[registry] ALL STEPS PASSED (publish, install, plugin install, init, sync, third-party, uninstall)"
