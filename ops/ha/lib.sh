# Shared by ops/ha/*.sh (sourced).

# need_packages CHECK PACKAGE [CHECK PACKAGE ...]: install each Debian PACKAGE whose CHECK
# (a path or command name) is missing: with apt-get as root, else say what to install.
need_packages() {
  local missing=()
  while [ $# -gt 1 ]; do
    [ -x "$1" ] || command -v "$1" >/dev/null 2>&1 || missing+=("$2")
    shift 2
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "Install ${missing[*]} (apt-get install ${missing[*]})" >&2
    return 1
  fi
}
