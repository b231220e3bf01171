/**
 * Backstage catalog onboarding: `catalog-info.yaml` read with positions, a `Component` turned into
 * a Slipway service (or its Score file) from its source and `slipway.dev/*` annotations, its
 * relations (namespace, dependsOn, APIs) kept, and the project file's new text.
 */
export { ComponentEntity, ResourceEntity, DEFAULT_NAMESPACE } from './schema.js';
export { parseCatalogInfo, type CatalogComponent, type CatalogInfo } from './parse.js';
export { CATALOG_ANNOTATIONS, catalogToService, ownerOf, splitCommandLine, type CatalogContext, type CatalogService, type Owner, type ServiceFragment } from './convert.js';
export { onboardService, type Onboarding } from './onboard.js';
export { componentRef, dependenciesOf, parseEntityRef, RESOURCE_TYPES, slipwayName, type Dependencies, type EntityRef } from './relations.js';
export { repositoryOfUrl, sourceLocation, type SourceLocation } from './source.js';
