# Shared by scripts/guichet, scripts/test and scripts/bench: install what is
# missing on a Debian machine, then build. Sourced, not run.

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# ensure_packages pkg...: apt-get install the Debian packages not yet installed.
ensure_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "guichet setup: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 || {
    $sudo apt-get update -q >/dev/null 2>&1
    $sudo apt-get install -y -q "${missing[@]}" >/dev/null
  }
}

# The libraries guichet builds against.
ensure_build_dependencies() {
  command -v swift >/dev/null || { echo "guichet setup: Swift 6 is required (swift not found on PATH)" >&2; exit 1; }
  ensure_packages liblua5.4-dev libedit-dev pkg-config
}

# Whether any source is newer than the file $1 (or $1 is missing).
sources_newer_than() {
  [ -e "$1" ] || return 0
  [ -n "$(find "$repo_root/Package.swift" "$repo_root/Sources" "$repo_root/stdlib" -newer "$1" -print -quit 2>/dev/null)" ]
}

# The release binary: fully static (no shared Swift runtime to load),
# built when a source changed, then installed (stripped, with the stdlib
# next to it) under .build/installed: an installed copy also starts faster
# than the linker's output file.
release_binary() {
  local bin="$repo_root/.build/release/guichet"
  local installed="$repo_root/.build/installed"
  if sources_newer_than "$installed/bin/guichet"; then
    echo "guichet setup: building guichet (release, static; the first build takes a few minutes)…" >&2
    local log="$repo_root/.build/release-build.log"
    mkdir -p "$repo_root/.build"
    if ! (cd "$repo_root" && swift build -c release -Xswiftc -static-executable -Xlinker --strip-debug >"$log" 2>&1); then
      grep -E "error|warning: unre" "$log" >&2 || tail -30 "$log" >&2
      echo "guichet setup: the build failed; full log in $log" >&2
      exit 1
    fi
    mkdir -p "$installed/bin" "$installed/share/guichet"
    install -s -m 755 "$bin" "$repo_root/.build/release/guichet-sandbox" "$installed/bin/"
    rm -rf "$installed/share/guichet/stdlib"
    cp -r "$repo_root/stdlib" "$installed/share/guichet/stdlib"
  fi
  echo "$installed/bin/guichet"
}
