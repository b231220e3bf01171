/**
 * Score (`score.dev/v1b1`) workload files: the schema, the placeholder syntax (also used at deploy
 * time to fill in resource outputs), and the conversion into a Slipway service.
 */
export { ScoreWorkload, ScoreContainer, ScoreResource } from './schema.js';
export { escapeText, parsePlaceholders, PlaceholderError, placeholdersIn, substitute, substituteKnown, type Placeholder, type TemplatePart } from './placeholders.js';
export { convertScore, SCORE_ANNOTATIONS, type Conversion, type ScoreLocation } from './convert.js';
export { loadScoreFile, parseScore, scoreToService, type ScoreDocument, type ScoreService } from './load.js';
export { scoreOrigins, scorePathOf, type ScoreOrigins } from './origins.js';
