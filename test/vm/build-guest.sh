#!/usr/bin/env bash
# Build (or reuse) the kernel + initramfs of the tower test VM.
#
#   test/vm/build-guest.sh [CACHE_DIR]
#
# CACHE_DIR defaults to $TOWER_VM_CACHE, else /var/cache/tower-vm when it can be
# created, else ${TMPDIR:-/tmp}/tower-vm. Results (reused while the build inputs
# are unchanged):
#   CACHE_DIR/guest/vmlinuz      Debian's kernel (newest linux-image-6.*-amd64 apt offers,
#                                or $TOWER_VM_KERNEL_PKG)
#   CACHE_DIR/guest/initrd.gz    busybox + the modules for an ATAPI drive, virtio-scsi and virtio-9p,
#                                with test/vm/guest/init as /init
#   CACHE_DIR/guest/kernel       the kernel package name
# The last line on stdout is "guest-dir=CACHE_DIR/guest".
#
# Host packages the VM needs are installed with apt-get when missing:
# qemu-system-x86, busybox-static, cpio, kmod (needs root).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
init_src="$here/guest/init"

log() { echo "build-guest: $*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

cache="${1:-${TOWER_VM_CACHE:-}}"
if [ -z "$cache" ]; then
  if mkdir -p /var/cache/tower-vm 2>/dev/null && [ -w /var/cache/tower-vm ]; then
    cache=/var/cache/tower-vm
  else
    cache="${TMPDIR:-/tmp}/tower-vm"
  fi
fi
mkdir -p "$cache/guest" "$cache/dl"
chown _apt "$cache/dl" 2>/dev/null || true   # lets apt-get download run sandboxed
out="$cache/guest"

# One build at a time per cache.
exec 9>"$cache/.lock"
flock -w 1200 9 || fail "timed out waiting for the lock on $cache/.lock"

# Modules to load, in the guest's /init, with their dependencies first.
MODULES=(scsi_mod cdrom sr_mod sg libata ata_piix virtio_pci virtio_scsi 9pnet_virtio 9p)

stamp_of() {
  { cat "$0" "$init_src"; echo "${MODULES[*]}"; } | sha256sum | cut -d' ' -f1
}
stamp="$(stamp_of)"
if [ -s "$out/vmlinuz" ] && [ -s "$out/initrd.gz" ] && [ -s "$out/kernel" ] \
  && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ]; then
  log "reusing $out (kernel $(cat "$out/kernel"))"
  echo "guest-dir=$out"
  exit 0
fi

# ---- host packages ---------------------------------------------------------
apt_updated=0
apt_update() {
  if [ $apt_updated -eq 0 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive timeout 300 apt-get update -qq >&2 || fail "apt-get update"
    apt_updated=1
  fi
}
missing=()
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
[ -x /bin/busybox ] || missing+=(busybox-static)
command -v cpio >/dev/null 2>&1 || missing+=(cpio)
command -v depmod >/dev/null 2>&1 || missing+=(kmod)
if [ ${#missing[@]} -gt 0 ]; then
  apt_update
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || fail "apt-get install ${missing[*]}"
fi
busybox=/bin/busybox
"$busybox" --list 2>/dev/null | grep -qx insmod || fail "$busybox has no insmod applet"
if ldd "$busybox" >/dev/null 2>&1; then fail "$busybox is dynamically linked; install busybox-static"; fi

# ---- kernel package ----------------------------------------------------------
# Reuse a downloaded kernel; otherwise the newest versioned linux-image-6.*-amd64
# (meta packages such as linux-image-6.12-amd64 have no kernel of their own).
newest_kernels() {
  apt-cache search --names-only '^linux-image-6\.[0-9]+\.[0-9].*-amd64$' 2>/dev/null \
    | awk '{print $1}' | grep -Ev -- '-(cloud|rt)-amd64$|-dbg$|-unsigned$' | sort -rV
}
kdeb=""
kpkg="${TOWER_VM_KERNEL_PKG:-}"
if [ -z "$kpkg" ] && [ -s "$out/kernel" ]; then
  kpkg="$(cat "$out/kernel")"
fi
if [ -n "$kpkg" ]; then
  kdeb="$(ls "$cache/dl/${kpkg}_"*_amd64.deb 2>/dev/null | head -n1 || true)"
fi
if [ -z "$kdeb" ]; then
  candidates="$kpkg"
  if [ -z "$candidates" ]; then
    candidates="$(newest_kernels)"
    if [ -z "$candidates" ]; then apt_update; candidates="$(newest_kernels)"; fi
    [ -n "$candidates" ] || fail "apt-cache search finds no linux-image-6.*-amd64 package"
  fi
  for pkg in $candidates; do
    log "apt-get download $pkg"
    if (cd "$cache/dl" && timeout 900 apt-get download "$pkg" >&2); then
      kdeb="$(ls "$cache/dl/${pkg}_"*_amd64.deb | head -n1)"
      kpkg="$pkg"
      break
    fi
    log "download of $pkg failed, trying the next one"
    [ -n "${TOWER_VM_KERNEL_PKG:-}" ] && break
  done
  [ -n "$kdeb" ] || fail "could not download a kernel package (tried: $(echo $candidates | head -c 300))"
fi
log "kernel package $kpkg ($kdeb)"

# ---- initramfs ---------------------------------------------------------------
work="$(mktemp -d "$cache/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$kdeb" "$work/k"
kver="$(ls "$work/k/lib/modules" | head -n1)"
[ -n "$kver" ] || fail "no lib/modules in $kdeb"
mods="$work/k/lib/modules/$kver"
vmlinuz="$work/k/boot/vmlinuz-$kver"
[ -s "$vmlinuz" ] || fail "no $vmlinuz in $kdeb"
depmod -b "$work/k" "$kver"

root="$work/initrd"
mkdir -p "$root"/{bin,proc,sys,dev,host,lib/modules}
cp "$busybox" "$root/bin/busybox"
for applet in sh mount umount insmod mkdir cat echo sleep chroot poweroff sync uname; do
  ln -s busybox "$root/bin/$applet"
done
cp "$init_src" "$root/init"
chmod 755 "$root/init"

# Dependency order from modules.dep; modules built into the kernel are skipped.
declare -A loaded=()
order=()
add_module() {
  local name="$1" line path dep
  [ -n "${loaded[$name]:-}" ] && return 0
  loaded[$name]=1
  line="$(grep -E "(^|/)${name}\.ko(\.xz|\.zst|\.gz)?:" "$mods/modules.dep" || true)"
  if [ -z "$line" ]; then
    if grep -qE "(^|/)${name}\.ko$" "$mods/modules.builtin"; then return 0; fi
    fail "module $name is neither in modules.dep nor built in ($kver)"
  fi
  path="${line%%:*}"
  for dep in ${line#*:}; do
    dep="$(basename "$dep")"; dep="${dep%%.ko*}"
    add_module "$dep"
  done
  order+=("$path")
}
for m in "${MODULES[@]}"; do add_module "$m"; done

: > "$root/lib/modules/load.list"
for path in "${order[@]}"; do
  name="$(basename "$path")"
  case "$name" in
    *.ko.xz) xz -dc "$mods/$path" > "$root/lib/modules/${name%.xz}"; name="${name%.xz}" ;;
    *.ko.zst) zstd -qdc "$mods/$path" > "$root/lib/modules/${name%.zst}"; name="${name%.zst}" ;;
    *.ko.gz) gzip -dc "$mods/$path" > "$root/lib/modules/${name%.gz}"; name="${name%.gz}" ;;
    *) cp "$mods/$path" "$root/lib/modules/$name" ;;
  esac
  echo "$name" >> "$root/lib/modules/load.list"
done
log "modules: $(tr '\n' ' ' < "$root/lib/modules/load.list")"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.gz"
cp "$vmlinuz" "$out/vmlinuz.new" && mv "$out/vmlinuz.new" "$out/vmlinuz"
mv "$work/initrd.gz" "$out/initrd.gz"
echo "$kpkg" > "$out/kernel"
echo "$stamp" > "$out/stamp"
log "built $out (kernel $kpkg, $kver)"
echo "guest-dir=$out"
