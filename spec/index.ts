/**
 * The lab model: types, config schema, defaults, validation and loading.
 * Use {@link loadLabSpec} (or the pure {@link parseLabSpec}) and hand the result to the components.
 */
export * from "./types";
export * from "./schema";
export * from "./defaults";
export * from "./validate";
export * from "./load";
export * as ipv4 from "./ipv4";
