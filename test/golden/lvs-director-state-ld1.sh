echo "== files"
for f in /etc/ha.d/ldirectord.cf /usr/lib/ocf/resource.d/kvmlab/VIPcheck /etc/lighttpd/kvmlab-sorry.conf /var/www/kvmlab-sorry/index.html /etc/systemd/system/lighttpd.service.d/kvmlab-sorry.conf /etc/sysctl.d/60-kvmlab-lvs-director.conf; do
  echo "$(sha256sum "$f" 2>/dev/null | cut -d" " -f1) $f"
done
echo "== sysctl"
for key in net.ipv4.ip_forward net.ipv4.ip_nonlocal_bind; do echo "$key=$(sysctl -n "$key" 2>/dev/null || echo missing)"; done
echo "== modules"
lsmod 2>/dev/null | awk '$1 == "ip_vs" { print $1 }'
echo "== ldirectord-unit"
systemctl is-enabled ldirectord.service 2>/dev/null || true
echo "== sorry"
systemctl is-active lighttpd 2>/dev/null || true
echo "== sorry-boot"
systemctl is-enabled lighttpd 2>/dev/null || true
echo "== ipvs"
ipvsadm -Ln 2>/dev/null || true
