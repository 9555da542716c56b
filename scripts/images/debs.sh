# shellcheck shell=bash
# The Debian bookworm packages of the real node's images, sourced by scripts/images.sh: the pins,
# their resolution against the apt sources, the downloads (cached in ${DEBS}) and the record.
#
# pin -> resolution -> record
# - A pin is NAME=VERSION. What it holds to is the package and its upstream version (with the
#   epoch: redis 5:7.0.15, nginx 1.22.1, busybox 1:1.35.0, libc 2.36); its Debian revision
#   (-1~deb12u10) is the one the archive served when the pin was written.
# - Resolution (deb_choose): the pinned version when the apt sources offer it; otherwise the newest
#   Debian revision of the same upstream version they offer (a point release or a security update
#   replaced the pinned one), said in one line. Only another upstream version (redis 7.2), or
#   nothing, fails with a message naming the package, the pin, what is offered and this file.
#   Before taking another revision or failing, the package lists are refreshed once (apt-get
#   update): lists some months old lack the newer revisions. A download that fails (the archive
#   dropped a revision the lists still name) refreshes them too, then resolves and downloads again.
# - The resolution of the pin list is cached for 7 days (${DEBS}/resolution-<pins hash>.txt): a
#   warm run makes no apt call. After 7 days it is worked out again from the package lists
#   (apt-cache, no network; the same result while they still offer the pins), and at once with
#   --force, a changed pin list or a failed download.
# - Record: the image's key includes its resolved package=version list (a machine that took another
#   revision builds another archive); the list is written into the image as
#   /usr/share/redis-platform/packages.txt and printed when the image is built.

# The pins. Shared-library dependencies are listed by hand from `ldd` of the binaries (checked at
# build time: a missing library fails). Versions the Debian archive served (bookworm, -updates,
# -security) on 2026-11-21.
LIBC=(libc6=2.36-9+deb12u14 libgcc-s1=12.2.0-14+deb12u1)
LIBSTDCXX="libstdc++6=12.2.0-14+deb12u1"
BUSYBOX_DEB=busybox-static=1:1.35.0-4+deb12u1+b1
# shellcheck disable=SC2034 # used by scripts/images.sh and its parts
REDIS_DEBS=("${LIBC[@]}" redis-tools=5:7.0.15-1~deb12u10 redis-server=5:7.0.15-1~deb12u10
  libatomic1=12.2.0-14+deb12u1 liblzf1=3.6-3 libjemalloc2=5.3.0-1 libsystemd0=252.39-1~deb12u2
  libssl3=3.0.22-1~deb12u2 "${LIBSTDCXX}" libcap2=1:2.66-4+deb12u3+b1
  libgcrypt20=1.10.1-3+deb12u1 liblzma5=5.4.1-1+deb12u2 libzstd1=1.5.4+dfsg2-5 liblz4-1=1.9.4-1
  libgpg-error0=1.46-1 "${BUSYBOX_DEB}")
# shellcheck disable=SC2034 # used by scripts/images.sh and its parts
NGINX_DEBS=("${LIBC[@]}" nginx=1.22.1-9+deb12u11 nginx-common=1.22.1-9+deb12u11
  libcrypt1=1:4.4.33-2 libpcre2-8-0=10.42-1+deb12u2 libssl3=3.0.22-1~deb12u2 zlib1g=1:1.2.13.dfsg-1)
# shellcheck disable=SC2034 # used by scripts/images.sh and its parts
NODE_DEBS=("${LIBC[@]}" "${LIBSTDCXX}")

DEBS_FILE="${BASH_SOURCE[0]}"
declare -A DEBS_OF=()      # image -> its pins (space-separated), set by debs_for beside each image
declare -A DEB_RESOLVED=() # pin -> the version taken (debs_resolve)
DEBS_REFRESHED=0

# debs_for IMAGE PIN...: the image is built from these Debian packages.
debs_for() { DEBS_OF["$1"]="${*:2}"; }

# deb_upstream VERSION: the epoch and upstream version, without the Debian revision.
deb_upstream() { if [[ "$1" == *-* ]]; then echo "${1%-*}"; else echo "$1"; fi; }

# deb_offered NAME: the amd64 versions of NAME in the `apt-cache madison` output on stdin, once each.
deb_offered() {
  awk -F'|' -v n="$1" '{ gsub(/ /, "", $1); gsub(/ /, "", $2) }
    $1 == n && $3 ~ / (amd64|all) Packages *$/ && !seen[$2]++ { print $2 }'
}

# deb_choose NAME=VERSION [OFFERED_VERSION...]: the version of NAME to take. One line:
#   exact VERSION               the pinned version is offered
#   revision VERSION MESSAGE    it is not: VERSION is the newest offered one of the same upstream
#   upstream - MESSAGE          only other upstream versions are offered: none is taken
#   missing - MESSAGE           nothing is offered
deb_choose() {
  local name="${1%%=*}" pin="${1#*=}" up v best=""
  shift
  up="$(deb_upstream "${pin}")"
  for v in "$@"; do
    if [[ "${v}" == "${pin}" ]]; then echo "exact ${pin}"; return 0; fi
    [[ "$(deb_upstream "${v}")" == "${up}" ]] || continue
    if [[ -z "${best}" ]] || dpkg --compare-versions "${v}" gt "${best}"; then best="${v}"; fi
  done
  if [[ -n "${best}" ]] && dpkg --compare-versions "${best}" gt "${pin}"; then
    echo "revision ${best} ${name}: pinned ${pin} is no longer offered; taking ${best}, the newest Debian revision of upstream ${up}"
  elif [[ -n "${best}" ]]; then
    echo "revision ${best} ${name}: pinned ${pin} is not offered; taking ${best}, an OLDER Debian revision of upstream ${up} and the newest offered (are bookworm-updates and bookworm-security in the apt sources?)"
  elif [[ $# -gt 0 ]]; then
    echo "upstream - ${name}: pinned ${pin} (upstream ${up}) is not offered, only $(printf '%s, ' "$@" | sed 's/, $//'): another upstream version is not taken without a new pin; check it with the images, then change the pin of ${name} in scripts/images/debs.sh"
  else
    echo "missing - ${name}: the apt sources offer no amd64 version (pinned ${pin}): check that /etc/apt/sources.list(.d) has Debian bookworm, bookworm-updates and bookworm-security, then run 'apt-get update'"
  fi
}

# debs_refresh REASON: apt-get update, once a run.
debs_refresh() {
  local out cmd=(apt-get update -q)
  say "refreshing the Debian package lists (apt-get update): $1"
  [[ "$(id -u)" == 0 ]] || cmd=(sudo -n "${cmd[@]}")
  out="$("${cmd[@]}" 2>&1)" \
    || die "apt-get update failed ($(tail -n 2 <<<"${out}" | tr '\n' ' ')): run 'sudo apt-get update', fix what it reports (network, /etc/apt/sources.list), then run scripts/images.sh build again"
  DEBS_REFRESHED=1
}

# debs_pins: every image's pins, once each.
debs_pins() { tr ' ' '\n' <<<"${DEBS_OF[*]}" | LC_ALL=C sort -u; }

# debs_resolve_now FILE: resolves every pin from the package lists (refreshed once when a pinned
# version is not in them), says what differs from the pins, writes "PIN VERSION" lines to FILE.
debs_resolve_now() {
  local pins=() offered=() lines=() pending=() errors=() failed=() madison pin kind ver msg line
  mapfile -t pins < <(debs_pins)
  while :; do
    madison="$(apt-cache madison "${pins[@]%%=*}" 2>/dev/null)" || true
    lines=() pending=()
    for pin in "${pins[@]}"; do
      mapfile -t offered < <(deb_offered "${pin%%=*}" <<<"${madison}")
      lines+=("${pin} $(deb_choose "${pin}" "${offered[@]}")")
      [[ "${lines[-1]}" == "${pin} exact "* ]] || pending+=("${pin}")
    done
    [[ ${#pending[@]} -eq 0 || ${DEBS_REFRESHED} -eq 1 ]] && break
    debs_refresh "the lists do not offer ${pending[*]}"
  done
  : >"$1.tmp"
  for line in "${lines[@]}"; do
    read -r pin kind ver msg <<<"${line}"
    case "${kind}" in
      exact) ;;
      revision) say "${msg}" ;;
      *) errors+=("${msg}") failed+=("${pin}"); continue ;;
    esac
    echo "${pin} ${ver}" >>"$1.tmp"
  done
  if [[ ${#errors[@]} -gt 0 ]]; then
    rm -f "$1.tmp"
    die "${errors[0]}$([[ ${#errors[@]} -gt 1 ]] && echo " (and $((${#errors[@]} - 1)) more: ${failed[*]:1})")"
  fi
  rm -f "${DEBS}"/resolution-*.txt
  mv "$1.tmp" "$1"
}

# debs_resolve FORCE: DEB_RESOLVED from the cached resolution, or worked out again (see above).
debs_resolve() {
  local file pin ver
  mkdir -p "${DEBS}"
  file="${DEBS}/resolution-$(debs_pins | sha256sum | cut -c1-12).txt"
  if [[ "$1" -eq 1 || ! -s "${file}" || -n "$(find "${file}" -mmin +$((7 * 24 * 60)))" ]]; then
    debs_resolve_now "${file}"
  fi
  DEB_RESOLVED=()
  while read -r pin ver; do DEB_RESOLVED["${pin}"]="${ver}"; done <"${file}"
}

# debs_list IMAGE: the image's packages as resolved, NAME=VERSION, sorted.
debs_list() {
  local pin pins
  read -ra pins <<<"${DEBS_OF[$1]}"
  for pin in "${pins[@]}"; do echo "${pin%%=*}=${DEB_RESOLVED[${pin}]:?${pin} is not resolved}"; done | LC_ALL=C sort -t= -k1,1 -u
}

# debs_key IMAGE KEY: KEY, followed by the image's resolved packages when it has any (cheap: it
# runs for every image on a warm run).
debs_key() {
  local pin pins sum
  if [[ -z "${DEBS_OF[$1]:-}" ]]; then echo "$2"; return; fi
  read -ra pins <<<"${DEBS_OF[$1]}"
  sum="$({ echo "$2"; cat "${DEBS_FILE}"; for pin in "${pins[@]}"; do echo "${pin} ${DEB_RESOLVED[${pin}]:-}"; done; } | sha256sum)"
  echo "${sum:0:12}"
}

find_deb() { # NAME VERSION: the cached .deb of exactly that version, if any
  local f
  for f in "${DEBS}/$1"_*.deb; do
    [[ -f "${f}" && "$(dpkg-deb -f "${f}" Version)" == "$2" ]] && { echo "${f}"; return 0; }
  done
  return 0
}

# debs_fetch: every resolved package in the cache (the missing ones in one apt-get download). A
# failed download refreshes the lists and resolves again (once); a second failure stops the build.
debs_fetch() {
  local pin want=() out
  for pin in "${!DEB_RESOLVED[@]}"; do
    [[ -n "$(find_deb "${pin%%=*}" "${DEB_RESOLVED[${pin}]}")" ]] || want+=("${pin%%=*}=${DEB_RESOLVED[${pin}]}")
  done
  [[ ${#want[@]} -gt 0 ]] || return 0
  say "downloading ${#want[@]} Debian packages (apt-get download): ${want[*]%%=*}"
  if out="$(cd "${DEBS}" && apt-get download "${want[@]}" 2>&1)"; then
    for pin in "${want[@]}"; do
      [[ -n "$(find_deb "${pin%%=*}" "${pin#*=}")" ]] || die "downloaded ${pin} but cannot find its .deb in ${DEBS}"
    done
    return 0
  fi
  out="$(grep -E '^(E|W):' <<<"${out}" | head -n 1)"
  [[ ${DEBS_REFRESHED} -eq 0 ]] \
    || die "apt-get download failed after the package lists were refreshed (${out:-no error shown}): check the network access to the Debian archive, then run scripts/images.sh build again"
  debs_refresh "apt-get download failed (${out:-no error shown})"
  debs_resolve 1
  debs_fetch
}

# fetch_debs ROOT IMAGE: the image's resolved packages extracted into ROOT.
fetch_debs() {
  local pkg file
  while read -r pkg; do
    file="$(find_deb "${pkg%%=*}" "${pkg#*=}")"
    [[ -n "${file}" ]] || die "${pkg} is not in ${DEBS}: run scripts/images.sh --force build"
    dpkg-deb -x "${file}" "$1"
  done < <(debs_list "$2")
}

# debs_record ROOT IMAGE: the image's package list into ROOT/usr/share/redis-platform/packages.txt,
# and into the build output.
debs_record() {
  local dir="$1/usr/share/redis-platform"
  mkdir -p "${dir}" && chmod 0755 "$1/usr" "$1/usr/share" "${dir}"
  debs_list "$2" >"${dir}/packages.txt" && chmod 0644 "${dir}/packages.txt"
  say "$2 Debian packages: $(paste -sd' ' "${dir}/packages.txt")"
}
