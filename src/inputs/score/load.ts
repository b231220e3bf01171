/**
 * Loading a Score workload file: YAML with positions, the Score schema, then the conversion into
 * a Slipway service. Every problem is reported together, each with file, line and column.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { InputIssue } from '../../errors.js';
import type { Service } from '../schema.js';
import { YamlSource, type EntryKind, type Problem } from '../yaml-source.js';
import { invalid } from '../yaml-file.js';
import { checkDocument } from '../zod-issues.js';
import { convertScore } from './convert.js';
import { ScoreWorkload } from './schema.js';
import { unsendableProbeFields } from './sendable.js';
import { scoreOrigins, type ScoreOrigins } from './origins.js';

/** A schema-valid Score file, with the means to position problems found in it later. */
export interface ScoreDocument {
  /** The file as given to `parseScore`. */
  readonly file: string;
  readonly spec: ScoreWorkload;
  /** The position of a value of the file (or of the nearest one that exists). */
  locate(problem: Problem): InputIssue;
}

const entryKinds: Record<string, string> = { containers: 'container', resources: 'resource', 'service.ports': 'port' };
const entryKind: EntryKind = (mapPath) => entryKinds[mapPath.join('.')];

/**
 * Parses and checks the text of a Score file against the Score schema, then its probes against what
 * an HTTP client can send (`sendable.ts`); `file` names it in issues. Pure. Throws `InvalidInputError` with every issue.
 */
export function parseScore(text: string, file: string): ScoreDocument {
  const source = YamlSource.parse(text, file);
  const checked = checkDocument(source, ScoreWorkload, { entryKind, check: unsendableProbeFields });
  if (checked.value === undefined) throw invalid(checked.issues);
  return { file, spec: checked.value, locate: (problem) => source.locate(problem) };
}

/** A service made from a Score file, where in the file each of its fields was set, and the position of any path of its workload. */
export interface ScoreService {
  readonly name: string;
  readonly service: Service;
  readonly origins: ScoreOrigins;
  /** Where a path of `service.workload` (`['files', 0]`) was written in the Score file; `at: 'key'` points at its key. */
  locateWorkload(path: readonly PropertyKey[], at?: 'key'): Omit<InputIssue, 'message'>;
}

/**
 * The Slipway service a Score file describes, named by its `metadata.name`. `projectDir` is the
 * absolute directory of the project file (`image: .` becomes an artifact path relative to it);
 * `sources` the text of each file a `files` entry names as `source`, by that name.
 * Pure. Throws `InvalidInputError` with every field Slipway cannot honour, positioned in the Score file.
 */
export function scoreToService(score: ScoreDocument, options: { readonly projectDir: string; readonly sources?: ReadonlyMap<string, string | undefined> }): ScoreService {
  const conversion = convertScore(score.spec, { file: resolve(score.file), projectDir: resolve(options.projectDir), sources: options.sources });
  if (!('service' in conversion)) throw invalid(conversion.problems.map((problem) => score.locate(problem)));
  const locateWorkload = (path: readonly PropertyKey[], at?: 'key'): Omit<InputIssue, 'message'> => {
    const { message: _, ...position } = score.locate({ path: conversion.scorePath(path), message: '', at });
    return position;
  };
  return { name: conversion.name, service: conversion.service, origins: scoreOrigins(score), locateWorkload };
}

/** The names of the files the Score file's `files` read from (`source`), each once. */
export function fileSources(spec: ScoreWorkload): string[] {
  const sources = Object.values(spec.containers).flatMap((container) => Object.values(container.files ?? {}).map((file) => file.source));
  return [...new Set(sources.filter((source): source is string => source !== undefined))];
}

/**
 * Reads a Score file (relative to the working directory or absolute), and the files its `files`
 * name as `source` (relative to it, as UTF-8 text), and converts it as `scoreToService` does.
 * Throws `InvalidInputError` when it is invalid, and the read error when it cannot be read. `read`
 * reads a file by its absolute path.
 */
export async function loadScoreFile(file: string, projectDir: string, read = (path: string) => readFile(path, 'utf8')): Promise<ScoreService> {
  const path = resolve(file);
  const document = parseScore(await read(path), path);
  const sources = new Map<string, string | undefined>();
  for (const source of fileSources(document.spec)) sources.set(source, await read(resolve(dirname(path), source)).catch(() => undefined));
  return scoreToService(document, { projectDir, sources });
}
