set -euo pipefail
fail() { echo "kvmlab: $*" >&2; exit 65; }
chown root:root /root/.ssh
chmod 0700 /root/.ssh
echo "/root/.ssh made 700 root:root"
printf '%s\n' node01 > /etc/hostname
hostname node01
echo "host name set to "node01
ip addr add 192.168.7.121/24 dev lab-svc || fail '`ip addr add 192.168.7.121/24 dev lab-svc` failed. Fix: restart the node (cloud-init configures its network at boot), then run pulumi up again'
echo 'network: ip addr add 192.168.7.121/24 dev lab-svc'
touch /etc/chrony/chrony.conf
awk '$1 != "server" && $1 != "pool" && $1 != "peer"' /etc/chrony/chrony.conf > /etc/chrony/chrony.conf.kvmlab
printf '%s\n' 'server 192.168.8.1 iburst' >> /etc/chrony/chrony.conf.kvmlab
cat /etc/chrony/chrony.conf.kvmlab > /etc/chrony/chrony.conf
rm -f /etc/chrony/chrony.conf.kvmlab
systemctl enable chrony >/dev/null 2>&1 || fail "systemctl enable chrony failed. Fix: systemctl status chrony on the node"
systemctl restart chrony || fail "chrony did not start. Fix: systemctl status chrony and journalctl -u chrony on the node"
echo "chrony: servers 192.168.8.1, enabled and started"
mkdir -p "$(dirname /etc/ssh/sshd_config.d/00-kvmlab.conf)"
printf '%s' 'PasswordAuthentication no
PermitRootLogin prohibit-password
' > /etc/ssh/sshd_config.d/00-kvmlab.conf
out=$(sshd -t 2>&1) || fail "sshd refuses its configuration: $out. Fix: correct /etc/ssh/sshd_config on the node"
systemctl reload ssh || fail "sshd did not reload. Fix: systemctl status ssh on the node"
sshd -T | grep -qx 'passwordauthentication no' || fail "sshd still allows passwords after /etc/ssh/sshd_config.d/00-kvmlab.conf. Fix: restore the line Include /etc/ssh/sshd_config.d/*.conf at the top of /etc/ssh/sshd_config"
echo "sshd: password logins off, root by key"
systemctl disable postgresql >/dev/null 2>&1 || fail "systemctl disable "postgresql" failed. Fix: systemctl status "postgresql" on the node"
echo postgresql" disabled at boot"
mkdir -p "$(dirname /var/lib/kvm-ha-lab/cloud-init.done)"
touch /var/lib/kvm-ha-lab/cloud-init.done
echo "made "/var/lib/kvm-ha-lab/cloud-init.done
awk -v mp=/ '$2 != mp' /etc/fstab > /etc/fstab.kvmlab && cat /etc/fstab.kvmlab > /etc/fstab && rm -f /etc/fstab.kvmlab
echo '/dev/vda / ext4 errors=remount-ro 0 1' >> /etc/fstab
echo "/etc/fstab: the image's root line put back"
mkdir -p "$(dirname /etc/cloud/cloud.cfg.d/90-kvmlab-datasource.cfg)"
printf '%s\n' 'datasource_list: [ NoCloud, None ]' > /etc/cloud/cloud.cfg.d/90-kvmlab-datasource.cfg
echo /etc/cloud/cloud.cfg.d/90-kvmlab-datasource.cfg" written as the image has it"