nic=$(ip -o link show | awk -v mac=52:54:00:55:44:bb '{ for (i = 1; i < NF; i++) if ($i == "link/ether" && $(i + 1) == mac) { sub(/@.*/, "", $2); sub(/:$/, "", $2); print $2 } }')
echo "== nic"
echo "$nic"
echo "== lo"
ip -4 -o address show dev lo | awk '{ print $4 }'
echo "== sysctl"
for key in "net.ipv4.conf.all.arp_ignore" "net.ipv4.conf.$nic.arp_ignore" "net.ipv4.conf.all.arp_announce" "net.ipv4.conf.$nic.arp_announce"; do echo "$key=$(sysctl -n "$key" 2>/dev/null || echo missing)"; done
echo "== files"
for f in /var/www/html/haCheker/haCheck.html /var/www/html/index.html /etc/sysctl.d/60-kvmlab-lvs-real-server.conf /etc/systemd/system/kvmlab-lvs-vip.service /etc/lighttpd/conf-enabled/60-kvmlab-lvs-ports.conf; do
  echo "$(sha256sum "$f" 2>/dev/null | cut -d" " -f1) $f"
done
echo "== web"
systemctl is-active lighttpd 2>/dev/null || true
echo "== web-boot"
systemctl is-enabled lighttpd 2>/dev/null || true
echo "== unit"
systemctl is-enabled kvmlab-lvs-vip.service 2>/dev/null || true
