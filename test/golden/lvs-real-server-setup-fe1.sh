# kvm-ha-lab: fe1 becomes an LVS real server behind 192.168.5.55 (seed 002, direct routing).
set -euo pipefail
fail() { echo "kvmlab: $*" >&2; exit 65; }
put() {
  local tmp="$1.kvmlab-new"
  install -D -m "$2" /dev/stdin "$tmp"
  if [ -f "$1" ] && cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv -f "$tmp" "$1"; printf -v "$3" 1; fi
}
command -v lighttpd >/dev/null || fail "lighttpd is not installed on fe1. Fix: add lighttpd to image.extraPackages; the image is rebuilt and the node must be recreated from it"
nic=$(ip -o link show | awk -v mac=52:54:00:55:44:bb '{ for (i = 1; i < NF; i++) if ($i == "link/ether" && $(i + 1) == mac) { sub(/@.*/, "", $2); sub(/:$/, "", $2); print $2 } }')
[ -n "$nic" ] || fail "fe1 has no NIC with MAC 52:54:00:55:44:bb (the service network's). Fix: check nodes[].macs and the domain's interfaces (virsh domiflist)"
sysctl_changed=0 unit_changed=0 web_changed=0 ports_changed=0

# 1. ARP for the VIP suppressed, now and at boot (before the VIP exists).
put /etc/sysctl.d/60-kvmlab-lvs-real-server.conf 0644 sysctl_changed <<KVMLAB_FILE
# kvm-ha-lab: LVS real server in direct routing (seed 002). Generated, do not edit.
# The VIP is on lo: never answer ARP for it (arp_ignore=1) nor announce it (arp_announce=2),
# on every interface and on the service NIC ${nic}.
net.ipv4.conf.all.arp_ignore = 1
net.ipv4.conf.${nic}.arp_ignore = 1
net.ipv4.conf.all.arp_announce = 2
net.ipv4.conf.${nic}.arp_announce = 2
KVMLAB_FILE
sysctl -q -p /etc/sysctl.d/60-kvmlab-lvs-real-server.conf

# 2. The VIP on lo as /32 (the seed's lo:0), now and at every boot.
put /etc/systemd/system/kvmlab-lvs-vip.service 0644 unit_changed <<'KVMLAB_FILE'
# kvm-ha-lab: the VIP on lo for LVS direct routing (seed 002's lo:0). Generated, do not edit.
[Unit]
Description=LVS real server: VIP 192.168.5.55/32 on lo
After=systemd-sysctl.service network.target
Before=lighttpd.service

[Service]
Type=oneshot
RemainAfterExit=yes
# ARP for the VIP is suppressed before the address exists (the NIC's own key may be absent: "-").
ExecStartPre=-sysctl -q -p /etc/sysctl.d/60-kvmlab-lvs-real-server.conf
ExecStart=ip address replace 192.168.5.55/32 dev lo label lo:0
ExecStop=-ip address del 192.168.5.55/32 dev lo

[Install]
WantedBy=multi-user.target
KVMLAB_FILE
[ "$unit_changed" = 0 ] || systemctl daemon-reload
systemctl enable --quiet kvmlab-lvs-vip.service
if [ "$unit_changed" = 1 ]; then systemctl restart kvmlab-lvs-vip.service; else systemctl start kvmlab-lvs-vip.service; fi
# Also when the unit ran but the address was removed since.
ip address replace 192.168.5.55/32 dev lo label lo:0

# 3. The web service: the check page the directors fetch, an index page naming this server.
put /var/www/html/haCheker/haCheck.html 0644 web_changed <<'KVMLAB_FILE'
up and running
KVMLAB_FILE
put /var/www/html/index.html 0644 web_changed <<'KVMLAB_FILE'
<!DOCTYPE html>
<html>
<head><title>fe1</title></head>
<body>
<h1>fe1</h1>
<p>Real server fe1 (192.168.5.33) answered for 192.168.5.55.</p>
</body>
</html>
KVMLAB_FILE
if [ -e /etc/lighttpd/conf-enabled/60-kvmlab-lvs-ports.conf ]; then rm -f /etc/lighttpd/conf-enabled/60-kvmlab-lvs-ports.conf; ports_changed=1; fi
systemctl enable --quiet lighttpd
if [ "$ports_changed" = 1 ]; then systemctl restart lighttpd; else systemctl start lighttpd; fi
systemctl is-active --quiet lighttpd || fail "lighttpd does not run on fe1. Fix: see journalctl -u lighttpd on fe1"
echo "nic=$nic"
