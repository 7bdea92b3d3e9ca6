/** The components of the lab: its nouns, one per file. */
export * from "./kvm-host";
export * from "./base-image";
export * from "./lab-network";
export * from "./hosts-table";
export * from "./cluster-node";
export * from "./iscsi-target";
export * from "./gluster-volume";
export * from "./cluster";
export * from "./fence-device";
export * from "./service-group";
export * from "./ha-lab";
export * from "./child-options";
