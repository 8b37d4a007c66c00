#!/bin/sh
# Runs inside the booted Debian 12 container (see test-deb.sh). Every check prints what it saw.
set -eu
fail() { echo "FAIL: $*"; exit 1; }
wait_active() {
    for _ in $(seq 1 100); do
        [ "$(systemctl is-active agentd)" = active ] && return 0
        sleep 0.2
    done
    systemctl status agentd --no-pager || true
    journalctl -u agentd --no-pager | tail -30 || true
    fail "agentd is not active"
}

echo "== install the previous build"
dpkg -i /mnt/debs/agentd-previous.deb
wait_active
systemctl show agentd -p Type -p ActiveState -p SubState -p MainPID -p StatusText
[ "$(systemctl show agentd -p Type --value)" = notify ] || fail "not Type=notify"
[ "$(systemctl show agentd -p SubState --value)" = running ] || fail "not running"
start=$(systemctl show agentd -p ExecMainStartTimestampMonotonic --value)
ready=$(systemctl show agentd -p ActiveEnterTimestampMonotonic --value)
echo "measured: start to READY $(( (ready - start) / 1000 )) ms"
sleep 2
echo "measured: idle RSS $(awk '/VmRSS/ {print $2, $3}' /proc/$(systemctl show agentd -p MainPID --value)/status)"
echo "measured: installed size $(dpkg-query -W -f='${Installed-Size}' agentd) KiB"
id agentd
stat -c '%n %U:%G %a' /var/lib/agentd /etc/agentd /run/agentd /run/agentd/agentd.sock
ls -l /etc/agentd

echo "== the unit, as systemd reads it"
systemd-analyze verify --man=no /lib/systemd/system/agentd.service || fail "systemd-analyze verify"
systemd-analyze security agentd.service | tail -1

echo "== agentctl as root, over the socket"
agentctl status
agentctl orgs create acme
agentctl orgs list | grep -q acme || fail "the org is not listed"

echo "== a member of agentd-admin, not root, over the socket"
useradd --create-home alice
adduser --quiet alice agentd-admin
runuser -u alice -- agentctl status | head -2 || fail "an agentd-admin member cannot use the socket"
runuser -u alice -- agentctl orgs list | grep -q acme || fail "an agentd-admin member is not an administrator"

echo "== a standby disabled by the admin stays disabled on upgrade"
systemctl disable agentd 2>/dev/null
dpkg -i /mnt/debs/agentd-previous.deb >/dev/null
[ "$(systemctl is-enabled agentd)" = disabled ] || fail "the upgrade enabled a disabled agentd"
systemctl enable agentd 2>/dev/null
wait_active

echo "== the journal"
journalctl -u agentd -o json --no-pager > /tmp/journal.json
grep -q '"SYSLOG_IDENTIFIER":"agentd"' /tmp/journal.json || fail "no agentd events in the journal"
grep -q '"AGENTD_ACTION":"createOrg"' /tmp/journal.json || fail "no AGENTD_ACTION field"
grep -q '"AGENTD_REQUEST_ID":"req_' /tmp/journal.json || fail "no AGENTD_REQUEST_ID field"
grep -q '"MESSAGE_ID":"77343fdaa1362c3418e93de41b0d990c"' /tmp/journal.json || fail "no ready event with its MESSAGE_ID"
echo "journal: $(wc -l < /tmp/journal.json) events with fields"

echo "== restart keeps data"
systemctl restart agentd
wait_active
agentctl orgs list | grep -q acme || fail "the org is gone after a restart"

echo "== reload"
systemctl reload agentd
sleep 1
journalctl -u agentd --no-pager | grep -q "configuration reloaded" || fail "no reload event"

echo "== backup"
agentctl backup smoke.db
ls -l /var/lib/agentd/backups/smoke.db

echo "== upgrade to this build"
echo "# an admin's change" >> /etc/agentd/agentd.toml
dpkg -i --force-confold /mnt/debs/agentd.deb
wait_active
agentctl status | head -3
agentctl orgs list | grep -q acme || fail "the database was not kept by the upgrade"
grep -q "an admin's change" /etc/agentd/agentd.toml || fail "the conffile lost the admin's change"
ls /etc/agentd

echo "== remove keeps data; purge deletes it"
dpkg -r agentd
[ -e /var/lib/agentd/agentd.db ] || fail "remove deleted the database"
dpkg --purge agentd
[ ! -e /var/lib/agentd ] || fail "purge left /var/lib/agentd"
[ ! -e /etc/agentd ] || fail "purge left /etc/agentd"
echo "all checks passed"
