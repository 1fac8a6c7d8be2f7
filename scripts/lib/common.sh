# Shared by the scripts: Debian packages, the build folders, and the private MariaDB and Redis
# that live under var/. Source it; every function is prefixed fp_.

FP_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian 12 packages the build, the server and the tests need.
FP_PACKAGES=(
  build-essential cmake ninja-build pkg-config
  qt6-base-dev qt6-httpserver-dev qt6-websockets-dev qt6-charts-dev libqt6opengl6-dev
  libqt6sql6-mysql qtkeychain-qt6-dev libxkbcommon-dev libgl-dev
  libhiredis-dev libsodium-dev liblemon-dev libmariadb-dev libssl-dev
  mariadb-server mariadb-client redis-server redis-tools
  qt6-image-formats-plugins
  curl ca-certificates
)

fp_log() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
fp_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Installs whichever of the given packages are missing; silent when none are.
fp_install_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  fp_log "installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# fp_build DIR [cmake options...]: configures DIR when it is new or when the options differ from
# its last configure (they are remembered in DIR/fp-configure-options; one given before and not
# now goes back to its default), then builds incrementally. Progress goes to stderr.
fp_build() {
  local dir="$1"; shift
  local remembered="$dir/fp-configure-options" wanted previous name
  wanted="$(printf '%s\n' "$@")"
  previous="$(cat "$remembered" 2>/dev/null || true)"
  if [ ! -f "$dir/build.ninja" ] || [ "$wanted" != "$previous" ]; then
    local unset=()
    for name in $(printf '%s\n' "$previous" | sed -n 's/^-D\([^:=]*\).*/\1/p'); do
      printf '%s\n' "$wanted" | grep -q "^-D$name[:=]" || unset+=(-U "$name")
    done
    fp_log "configuring $dir"
    cmake -S "$FP_ROOT" -B "$dir" -G Ninja "${unset[@]}" "$@" >/dev/null
    printf '%s\n' "$wanted" >"$remembered"
  fi
  fp_log "building $dir"
  cmake --build "$dir" --parallel "$(nproc)" | grep -vE '^\[[0-9]+/[0-9]+\] ' >&2 || true
  [ "${PIPESTATUS[0]}" -eq 0 ] || fp_die "build failed"
}

# fp_build_folder PURPOSE: the one place that knows the build folders. Builds the folder for
# PURPOSE (incrementally; configured on first use) and prints its path:
#   run      build/release: the server and the console, optimised, without the tests
#   test     build/test: everything, with AddressSanitizer and UndefinedBehaviorSanitizer
#   console  the console of the run folder (console-screenshots.sh)
fp_build_folder() {
  local dir
  case "$1" in
    run|console)
      dir="$FP_ROOT/build/release"
      fp_build "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFP_BUILD_TESTS=OFF ;;
    test)
      dir="$FP_ROOT/build/test"
      fp_build "$dir" -DCMAKE_BUILD_TYPE=Debug -DFP_SANITIZE=ON -DFP_BUILD_TESTS=ON ;;
    *) fp_die "fp_build_folder: no build folder for '$1' (run, test or console)" ;;
  esac
  printf '%s\n' "$dir"
}

# A free TCP port on loopback.
fp_free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"; return 0
    fi
  done
  fp_die "no free port found"
}

# fp_start_mariadb DIR: a private MariaDB with its data in DIR, reachable only through the
# socket DIR/mysqld.sock (no TCP port, so it never collides with another one). Root has no
# password on that socket; the server gets its own user (password in DIR/app-password).
fp_start_mariadb() {
  local dir="$1"
  mkdir -p "$dir"
  local data="$dir/data" sock="$dir/mysqld.sock" pidf="$dir/mysqld.pid"
  if [ -f "$pidf" ] && kill -0 "$(cat "$pidf")" 2>/dev/null; then
    if mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1; then
      fp_log "private MariaDB already running ($dir)"; return 0
    fi
  fi
  rm -f "$pidf" "$sock" "$sock.lock"  # leftovers of a killed run
  if [ ! -d "$data/mysql" ]; then
    fp_log "initialising private MariaDB in $dir"
    mariadb-install-db --no-defaults --datadir="$data" --auth-root-authentication-method=normal \
      --skip-test-db --user="$(id -un)" >"$dir/install.log" 2>&1 || { cat "$dir/install.log" >&2; fp_die "mariadb-install-db failed"; }
  fi
  # The buffer pool, redo log and flushing rate hold a sustained chat load: with 128 MiB, the
  # 96 MiB default redo log and 200 IOPS of background flushing, 5,000 messages/s filled the
  # pool with dirty pages in about 20 s and writes then waited for page flushing (ws_bench's
  # latency climbed from 7 ms to 800 ms; README "Benchmarks").
  mariadbd --no-defaults --datadir="$data" --socket="$sock" --pid-file="$pidf" --skip-networking \
    --user="$(id -un)" --skip-log-bin --innodb-buffer-pool-size=512M --innodb-log-file-size=256M \
    --innodb-io-capacity=2000 --max-connections=500 \
    --innodb-flush-log-at-trx-commit=2 --log-error="$dir/error.log" >/dev/null 2>&1 &
  local i
  for i in $(seq 1 100); do
    mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  mariadb-admin --socket="$sock" -uroot ping >/dev/null 2>&1 || { tail -20 "$dir/error.log" >&2; fp_die "private MariaDB did not start"; }
  [ -f "$dir/app-password" ] || head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$dir/app-password"
}

# fp_mariadb_app_database DIR NAME: creates NAME and the 'friendship' user allowed on it.
fp_mariadb_app_database() {
  local dir="$1" name="$2" pw
  pw="$(cat "$dir/app-password")"
  mariadb --socket="$dir/mysqld.sock" -uroot <<SQL
CREATE DATABASE IF NOT EXISTS \`$name\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'friendship'@'localhost' IDENTIFIED BY '$pw';
ALTER USER 'friendship'@'localhost' IDENTIFIED BY '$pw';
GRANT ALL PRIVILEGES ON \`$name\`.* TO 'friendship'@'localhost';
SQL
}

fp_stop_mariadb() {
  local dir="$1"
  [ -S "$dir/mysqld.sock" ] || [ -f "$dir/mysqld.pid" ] || return 0
  mariadb-admin --socket="$dir/mysqld.sock" -uroot shutdown >/dev/null 2>&1 || {
    [ -f "$dir/mysqld.pid" ] && kill "$(cat "$dir/mysqld.pid")" 2>/dev/null || true
  }
  rm -f "$dir/mysqld.pid"
}

# fp_start_redis DIR PORT: a private Redis, loopback only, no persistence.
fp_start_redis() {
  local dir="$1" port="$2"
  mkdir -p "$dir"
  if [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null; then
    kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; sleep 0.2
  fi
  rm -f "$dir/redis.pid"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
    --pidfile "$dir/redis.pid" --daemonize yes --logfile "$dir/redis.log" >/dev/null
  local i
  for i in $(seq 1 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fp_die "private Redis did not start on port $port"
}

fp_stop_redis() {
  local dir="$1"
  [ -f "$dir/redis.pid" ] || return 0
  kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
  rm -f "$dir/redis.pid"
}
