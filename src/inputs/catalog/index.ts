/**
 * Backstage catalog onboarding: `catalog-info.yaml` read with positions, a `Component` turned into
 * a Slipway service (or its Score file) by `slipway.dev/*` annotations, and the project file's new text.
 */
export { ComponentEntity } from './schema.js';
export { parseCatalogInfo, type CatalogComponent, type CatalogInfo } from './parse.js';
export { CATALOG_ANNOTATIONS, catalogToService, ownerOf, splitCommandLine, type CatalogService, type Owner, type ServiceFragment } from './convert.js';
export { onboardService, type Onboarding } from './onboard.js';
