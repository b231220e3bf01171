/**
 * inputs: the project file (`slipway.yaml`), read with positions and validated against one zod
 * schema; the same schema published as JSON Schema; the starter project `slipway init` writes.
 */
export * from './schema.js';
export { findProjectFile, loadProject, projectInputFiles, parseProject, parseProjectFile, PROJECT_FILE_NAMES, type Project } from './load.js';
export * from './layer-schema.js';
export { loadLayers, type Layer } from './layers.js';
export { parseYaml, type ParsedYaml } from './yaml-file.js';
export { PROJECT_SCHEMA_ID, projectJsonSchema } from './json-schema.js';
export { STARTER_PROJECT, STARTER_SERVER } from './starter.js';
export { loadScoreFile, parseScore, scoreToService, parsePlaceholders, substitute, substituteKnown, escapeText, PlaceholderError, type Placeholder } from './score/index.js';
export { onboardService, parseCatalogInfo, catalogToService, parseEntityRef, type Onboarding } from './catalog/index.js';
