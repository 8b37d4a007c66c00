#!/bin/sh
# Installs agentd's .deb in a fresh Debian 12 tree and boots the tree under real systemd
# (systemd-nspawn --boot: systemd is PID 1 there). Inside, a test unit checks what an admin
# would: the unit reaches active (running) through Type=notify, `agentctl status` works as root,
# the journal has the AGENTD_* fields, a restart keeps data, an upgrade keeps the database, and
# purge removes the state. Outside: systemd-analyze security on the unit (fails above 2.0).
# The debootstrapped tree is cached in .build/test-deb/cache (delete it to start over).
# Usage: packaging/test-deb.sh DEB_DIR   (as root; `make test-deb`)
set -eu

debs=$(cd "${1:-.build/deb}" && pwd)
deb=$(ls "$debs"/agentd_*_amd64.deb | tail -1)
work=$(pwd)/.build/test-deb
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

# 1. The unit's exposure, as systemd scores it.
score=$(systemd-analyze security --offline=true packaging/systemd/agentd.service 2>/dev/null | sed -n 's/.*Overall exposure level for agentd.service: \([0-9.]*\).*/\1/p')
echo "systemd-analyze security: $score"
awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }' || { echo "FAIL: exposure $score is above 2.0"; exit 1; }

# 2. A Debian 12 tree with systemd and what the package depends on, cached.
needs=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/(.*//; s/ //g' | grep -v '^$' | sort -u | tr '\n' ',' | sed 's/,$//')
cache=$work/cache/bookworm-$(echo "$needs" | md5sum | cut -c1-8)
if [ ! -x "$cache/usr/lib/systemd/systemd" ]; then
    rm -rf "$cache"
    mkdir -p "$work/cache"
    debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,"$needs" bookworm "$cache.partial" "$mirror"
    mv "$cache.partial" "$cache"
fi
root=$work/root
rm -rf "$root" "$work/out"
cp -a "$cache" "$root"
mkdir -p "$work/out" "$work/debs"
cp "$deb" "$work/debs/agentd.deb"
# The "previous build": the same package one version older (what an upgrade starts from).
repack=$(mktemp -d)
dpkg-deb -R "$deb" "$repack/pkg"
sed -i 's/^Version: \(.*\)$/Version: \1~previous/' "$repack/pkg/DEBIAN/control"
dpkg-deb --root-owner-group -Zxz --build "$repack/pkg" "$work/debs/agentd-previous.deb" >/dev/null
rm -rf "$repack"

# 3. The checks, run inside at boot by a oneshot unit, which then powers the container off.
install -m 0755 packaging/test-deb-inside.sh "$root/usr/local/bin/agentd-deb-test"
cat > "$root/etc/systemd/system/agentd-deb-test.service" <<'UNIT'
[Unit]
Description=agentd package test
After=multi-user.target
[Service]
Type=oneshot
ExecStart=/bin/sh -c '/usr/local/bin/agentd-deb-test > /mnt/out/log 2>&1; echo $? > /mnt/out/status; systemctl poweroff'
UNIT
ln -sf /etc/systemd/system/agentd-deb-test.service "$root/etc/systemd/system/multi-user.target.wants/agentd-deb-test.service"
echo "test-deb" > "$root/etc/hostname"

timeout 600 systemd-nspawn --boot --register=no --keep-unit --quiet -D "$root" \
    --bind-ro="$work/debs":/mnt/debs --bind="$work/out":/mnt/out > "$work/console.log" 2>&1 || true
cat "$work/out/log" 2>/dev/null || { echo "FAIL: the container did not run the test; console:"; tail -50 "$work/console.log"; exit 1; }
status=$(cat "$work/out/status" 2>/dev/null || echo missing)
[ "$status" = 0 ] || { echo "FAIL: inside test exited $status"; exit 1; }
echo "test-deb: passed"
