#!/bin/sh
# link-monitor offline installer: run it as root from the unpacked bundle.
#
#   sudo ./install.sh                 install (or upgrade, if already installed) and start
#   sudo ./install.sh upgrade         upgrade: config and register kept, service restarted
#   sudo ./install.sh uninstall       remove program and unit; config and register kept
#   sudo ./install.sh uninstall --purge   ... and remove config, register and the user too
#
# Needs nothing from the network: every wheel is in wheels/, checked against the
# sha256 in requirements.txt. Exit status: 0 done; 1 failed; 2 wrong usage; 3 not root;
# 4 no systemd; 5 wrong Python for this bundle; 6 wrong CPU; 7 python3-venv missing.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/BUNDLE"   # BUNDLE_KIND (pc|box), BUNDLE_PYTHON (3.10 ...), BUNDLE_ARCH, BUNDLE_VERSION
PYTHON=${PYTHON:-/usr/bin/python3}
PREFIX=/opt/link-monitor
ETC=/etc/link-monitor
STATE=/var/lib/link-monitor
USER_NAME=link-monitor
if [ "$BUNDLE_KIND" = box ]; then
  UNIT=link-monitor-box.service; CONFIG=$ETC/box.toml
else
  UNIT=link-monitor.service; CONFIG=$ETC/config.toml
fi

installed_version() {  # the wheel's version (pip's), not the one the code prints
  "$PREFIX/bin/python" -c 'from importlib.metadata import version; print(version("link-monitor"))' \
    2>/dev/null || echo "?"
}

say() { printf 'link-monitor install: %s\n' "$*"; }
die() { code=$1; shift; printf 'link-monitor install: ERROR: %s\n' "$*" >&2; exit "$code"; }

# ------------------------------------------------------------------ checks
check_root() {
  [ "$(id -u)" -eq 0 ] || die 3 "must be run as root: sudo $0 ${ACTION}"
}

check_systemd() {
  # The documented test whether systemd is the running init (sd_booted(3)).
  [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1 || \
    die 4 "systemd is not running on this machine (no /run/systemd/system): the service needs systemd"
}

check_python() {
  command -v "$PYTHON" >/dev/null 2>&1 || \
    die 5 "no $PYTHON: this bundle is for Python $BUNDLE_PYTHON (apt install python3)"
  have=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  [ "$have" = "$BUNDLE_PYTHON" ] || \
    die 5 "this bundle is for Python $BUNDLE_PYTHON, but $PYTHON is Python $have: build one with" \
          "'packaging/build_bundle.py --python $have --arch $BUNDLE_ARCH --kind $BUNDLE_KIND'"
}

check_cpu() {
  cpu=$(uname -m)
  # A 64-bit kernel under a 32-bit Raspberry Pi OS says aarch64, but its Python is armv7l.
  bits=$("$PYTHON" -c 'import struct; print(struct.calcsize("P") * 8)')
  case "$cpu:$bits" in aarch64:32|armv8l:32|armv7*:32) cpu=armv7l ;; esac
  [ "$cpu" = "$BUNDLE_ARCH" ] || \
    die 6 "this bundle is for $BUNDLE_ARCH CPUs, this machine's Python runs on $cpu: build one" \
          "with 'packaging/build_bundle.py --python $BUNDLE_PYTHON --arch $cpu --kind $BUNDLE_KIND'"
}

check_venv() {
  probe=$(mktemp -d)
  if ! "$PYTHON" -m venv "$probe/v" >/dev/null 2>&1; then
    rm -rf "$probe"
    die 7 "python3-venv is missing: apt install python3-venv (Ubuntu 22.04:" \
          "python3.10-venv); then run this again"
  fi
  rm -rf "$probe"
}

check_all() {
  check_root; check_systemd; check_python; check_cpu; check_venv
}

# ------------------------------------------------------------------ steps
make_user() {
  [ "$BUNDLE_KIND" = box ] && return 0   # the box's unit uses a DynamicUser
  getent group "$USER_NAME" >/dev/null || groupadd --system "$USER_NAME"
  if ! getent passwd "$USER_NAME" >/dev/null; then
    useradd --system --gid "$USER_NAME" --home-dir "$STATE" --no-create-home \
      --shell /usr/sbin/nologin "$USER_NAME"
    say "made the system user and group $USER_NAME"
  fi
  if getent group gpio >/dev/null; then usermod -aG gpio "$USER_NAME"; fi   # a Pi's /dev/gpiochip*
}

install_venv() {
  # A venv of another Python (the OS was upgraded) cannot be reused: make it anew.
  if [ -x "$PREFIX/bin/python" ] && \
     [ "$("$PREFIX/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" != "$BUNDLE_PYTHON" ]; then
    say "the venv in $PREFIX is of another Python: making it anew"
    rm -rf "$PREFIX"
  fi
  if [ ! -x "$PREFIX/bin/python" ]; then
    # The box uses Raspberry Pi OS's own lgpio (apt python3-lgpio) through gpiozero.
    site=""; [ "$BUNDLE_KIND" = box ] && site=--system-site-packages
    "$PYTHON" -m venv $site "$PREFIX"
  fi
  # --require-hashes: every file is checked before anything is installed.
  "$PREFIX/bin/python" -m pip install --quiet --disable-pip-version-check --no-index \
    --no-cache-dir --find-links "$HERE/wheels" --require-hashes --upgrade \
    -r "$HERE/requirements.txt"
  install -m 0644 "$HERE/README.md" "$PREFIX/README.md"
  ln -sfn "$PREFIX/bin/link-monitor" /usr/local/bin/link-monitor
  say "installed link-monitor $(installed_version) in $PREFIX"
}

install_config() {
  if [ "$BUNDLE_KIND" = box ]; then
    install -d -m 0755 "$ETC"
  else
    install -d -m 0750 -o root -g "$USER_NAME" "$ETC"
  fi
  if [ -e "$CONFIG" ]; then
    say "kept the config $CONFIG"
  elif [ "$BUNDLE_KIND" = box ]; then
    install -m 0644 "$HERE/config/link-monitor.toml" "$CONFIG"
    say "wrote the sample config to $CONFIG (edit [indicator] if the pins differ)"
  else
    install -m 0640 -o root -g "$USER_NAME" "$HERE/config/link-monitor.toml" "$CONFIG"
    say "wrote the sample config to $CONFIG: edit it, then 'systemctl reload link-monitor'"
  fi
}

install_unit() {
  install -m 0644 "$HERE/systemd/$UNIT" "/etc/systemd/system/$UNIT"
  systemctl daemon-reload
}

check_config() {
  [ "$BUNDLE_KIND" = box ] && return 0
  if ! "$PREFIX/bin/link-monitor" check-config --config "$CONFIG"; then
    die 1 "$CONFIG has errors (above): fix them, then 'systemctl restart ${UNIT%.service}'"
  fi
}

show_result() {
  if systemctl is-active --quiet "$UNIT"; then
    say "$UNIT is running:"
    systemctl --no-pager --lines=0 status "$UNIT" || true
  else
    systemctl --no-pager --lines=20 status "$UNIT" || true
    die 1 "$UNIT did not start: see 'journalctl -u ${UNIT%.service}'"
  fi
}

do_install() {
  check_all
  make_user
  install_venv
  install_config
  install_unit
  check_config
  if systemctl is-active --quiet "$UNIT"; then
    systemctl restart "$UNIT"
    systemctl enable --quiet "$UNIT"
  else
    systemctl enable --quiet --now "$UNIT"
  fi
  show_result
}

do_upgrade() {
  [ -x "$PREFIX/bin/link-monitor" ] || die 1 "link-monitor is not installed in $PREFIX: run '$0' to install"
  before=$(installed_version)
  do_install
  say "upgraded $before -> $(installed_version); config ($CONFIG) and register ($STATE) kept"
}

do_uninstall() {
  check_root
  if [ -e "/etc/systemd/system/$UNIT" ]; then
    systemctl disable --quiet --now "$UNIT" 2>/dev/null || true
    rm -f "/etc/systemd/system/$UNIT"
    systemctl daemon-reload 2>/dev/null || true
  fi
  if [ -L /usr/local/bin/link-monitor ]; then rm -f /usr/local/bin/link-monitor; fi
  rm -rf "$PREFIX"
  say "removed $UNIT, $PREFIX and /usr/local/bin/link-monitor"
  if [ "$PURGE" = yes ]; then
    rm -rf "$ETC" "$STATE"
    if [ "$BUNDLE_KIND" = pc ] && getent passwd "$USER_NAME" >/dev/null; then
      userdel "$USER_NAME" 2>/dev/null || true
      getent group "$USER_NAME" >/dev/null && groupdel "$USER_NAME" 2>/dev/null || true
    fi
    say "purged: removed $ETC, $STATE (the register) and the user $USER_NAME"
  elif [ "$BUNDLE_KIND" = pc ]; then
    say "kept the register in $STATE (register.db) and the config in $ETC;" \
        "'$0 uninstall --purge' removes them"
  else
    say "kept the config in $ETC; '$0 uninstall --purge' removes it"
  fi
}

ACTION=${1:-install}
PURGE=no
[ "${2:-}" = "--purge" ] && PURGE=yes
case "$ACTION" in
  install) do_install ;;
  upgrade) do_upgrade ;;
  uninstall) do_uninstall ;;
  -h|--help|help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' ;;
  *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
