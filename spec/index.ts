/**
 * The lab model: types, config schema, defaults, validation, queries and loading.
 * Use {@link loadLabSpec} (or the pure {@link parseLabSpec}) and hand the result to the components.
 */
export * from "./types";
export * from "./schema";
export * from "./defaults";
export * from "./validate";
export * from "./queries";
export * from "./load";
export { Problems } from "./problems";
export * as ipv4 from "./ipv4";
export * as patterns from "./patterns";
