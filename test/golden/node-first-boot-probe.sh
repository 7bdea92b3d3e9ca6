echo "== files"
for f in /etc/hosts /root/.ssh/authorized_keys /root/.ssh/id_ed25519 /root/.ssh/id_ed25519.pub; do
  if [ -f "$f" ]; then
    printf '%s %s %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$(stat -c '%a %U:%G' "$f")" "$f"
  else
    printf 'missing %s\n' "$f"
  fi
done
echo "== ssh-dir"
if [ -d /root/.ssh ]; then stat -c '%a %U:%G' /root/.ssh; else echo missing; fi
echo "== hostname"
hostname 2>/dev/null || true
head -n 1 /etc/hostname 2>/dev/null || true
echo "== links"
ip -o link show 2>/dev/null || true
echo "== addresses"
ip -o -4 addr show 2>/dev/null || true
echo "== routes"
ip -4 route show default 2>/dev/null || true
echo "== chrony"
grep -E '^(server|pool|peer)[[:space:]]' /etc/chrony/chrony.conf 2>/dev/null || true
echo "== units"
for u in chrony postgresql tgt; do
  e=$(systemctl is-enabled "$u" 2>/dev/null | head -n 1) || true
  a=$(systemctl is-active "$u" 2>/dev/null | head -n 1) || true
  printf '%s %s %s\n' "$u" "${e:-none}" "${a:-none}"
done
echo "== sshd"
sshd -T 2>/dev/null | grep -E '^(passwordauthentication|permitrootlogin) ' || true
echo "== cloud-init"
if [ -f /run/cloud-init/result.json ]; then
  if grep -Eq '"errors": \[\]' /run/cloud-init/result.json; then echo "status 0"; else echo "status 1"; fi
else
  echo "status running"
fi
if [ -f /var/lib/kvm-ha-lab/cloud-init.done ]; then echo "marker yes"; else echo "marker no"; fi
echo "== root-fstab"
awk -v mp=/ '$1 !~ /^#/ && $2 == mp' /etc/fstab 2>/dev/null || true
echo "== image-files"
for f in /etc/cloud/cloud.cfg.d/90-kvmlab-datasource.cfg; do
  echo "$(sha256sum "$f" 2>/dev/null | cut -d" " -f1) $f"
done