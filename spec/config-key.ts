/**
 * Where the lab description lives in a stack's config: `kvm-ha-lab:lab`. A leaf module (no
 * imports), so scripts can name the key without loading the lab model.
 */

/** The Pulumi project name (Pulumi.yaml `name`). */
export const PROJECT_NAME = "kvm-ha-lab";
/** The config key of the lab description inside the project's namespace. */
export const LAB_CONFIG_KEY = "lab";
/** The full stack config key of the lab description. */
export const LAB_KEY = `${PROJECT_NAME}:${LAB_CONFIG_KEY}`;
