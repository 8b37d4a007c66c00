#!/bin/sh
# Builds agentd_VERSION_amd64.deb with dpkg-deb (no debhelper: the package is one static-stdlib
# build and a handful of files, and a plain staging tree shows exactly what ships).
# Usage: packaging/build-deb.sh [OUTPUT_DIR]   (run from the repository root; `make deb`)
set -eu

out=${1:-.build/deb}
swift=${SWIFT:-swift}
# The Swift runtime is linked in (--static-swift-stdlib): no toolchain on the target. One
# binary: agentd runs agentctl's commands when started under that name, and /usr/bin/agentctl
# is a link to it, so the runtime (most of the size) ships once.
$swift build -c release --static-swift-stdlib --product agentd
bin=.build/release
version=$($bin/agentd --version | tr -d '[:space:]')

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/agentd_${version}_amd64
install -d "$root/DEBIAN" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/agentd" \
    "$root/usr/share/man/man1" "$root/usr/share/man/man8" "$root/usr/share/doc/agentd" \
    "$root/usr/share/bash-completion/completions" "$root/usr/share/zsh/vendor-completions" \
    "$root/usr/share/fish/vendor_completions.d"

install -m 0755 $bin/agentd "$root/usr/bin/"
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/agentd"
ln -s agentd "$root/usr/bin/agentctl"
install -m 0644 packaging/systemd/agentd.service "$root/lib/systemd/system/"
install -m 0644 packaging/agentd.toml "$root/etc/agentd/agentd.toml"
gzip -9n < packaging/man/agentd.8 > "$root/usr/share/man/man8/agentd.8.gz"
gzip -9n < packaging/man/agentctl.1 > "$root/usr/share/man/man1/agentctl.1.gz"
# A completion file is sourced, not run: no #! line.
agentctl="$root/usr/bin/agentctl"
$agentctl --generate-completion-script bash | sed '1{/^#!/d}' > "$root/usr/share/bash-completion/completions/agentctl"
$agentctl --generate-completion-script zsh > "$root/usr/share/zsh/vendor-completions/_agentctl"
$agentctl --generate-completion-script fish > "$root/usr/share/fish/vendor_completions.d/agentctl.fish"
install -m 0644 README.md docs/*.md "$root/usr/share/doc/agentd/"
install -m 0644 packaging/debian/copyright "$root/usr/share/doc/agentd/copyright"
install -m 0644 packaging/grafana/agentd-dashboard.json "$root/usr/share/doc/agentd/grafana-dashboard.json"
install -d "$root/usr/share/lintian/overrides"
install -m 0644 packaging/debian/lintian-overrides "$root/usr/share/lintian/overrides/agentd"
sed "s/@VERSION@/$version/; s/@DATE@/$(date -R -u -d @${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)})/" \
    packaging/debian/changelog.in | gzip -9n > "$root/usr/share/doc/agentd/changelog.gz"
chmod 0644 "$root"/usr/share/*/*/* "$root"/usr/share/*/*/*/* 2>/dev/null || true

# Depends: the shared libraries the binaries link directly (NEEDED), by the Debian packages
# that ship them (theirs come with them).
depends=$(for name in $(readelf -d "$root/usr/bin/agentd" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u); do
    library=$(ldconfig -p | awk -v n="$name" '$1 == n && /x86-64/ {print $NF; exit}')
    dpkg -S "$(readlink -f "$library")" 2>/dev/null || dpkg -S "$library" 2>/dev/null
done | cut -d: -f1 | sort -u | while read -r package; do
    printf '%s (>= %s), ' "$package" "$(dpkg-query -W -f='${Version}' "$package" | sed 's/-[^-]*$//')"
done | sed 's/, $//')
installed=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed "s/@VERSION@/$version/; s/@INSTALLED_KB@/$installed/; s/@DEPENDS@/$depends/" packaging/debian/control.in > "$root/DEBIAN/control"
install -m 0644 packaging/debian/conffiles "$root/DEBIAN/conffiles"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$root/DEBIAN/"

mkdir -p "$out"
deb="$out/agentd_${version}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
