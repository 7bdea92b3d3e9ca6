/** The components of the lab: its nouns, one per file. */
export * from "./host/kvm-host";
export * from "./image/base-image";
export * from "./network/lab-network";
export * from "./node/hosts-table";
export * from "./node/node-vm";
export * from "./storage/iscsi-target";
export * from "./storage/gluster-volume";
export * from "./cluster/ha-cluster";
export * from "./cluster/fence-device";
export * from "./cluster/service-group";
export * from "./lb/load-balancer";
export * from "./ocfs2/ocfs2-file-system";
export * from "./ha-lab";
export * from "./child-options";
