/**
 * The code generator (ts-morph): reads `spec/` and the machines, writes `generated/`. Never
 * imported at runtime; run it with `snapwright codegen` (or `npm run codegen`).
 * @packageDocumentation
 */
export { generate } from './generate.js';
export type { GenerateOptions, GeneratedFile } from './generate.js';
export { compareGenerated, isClean, listFiles, writeGenerated } from './files.js';
export type { DriftReport } from './files.js';
export { REPO_ROOT, repositoryOptions } from './config.js';
export { GeneratorError, isGeneratorError } from './model.js';
export type { ProtocolModel, TypeSchema } from './model.js';
export { readSpec } from './read-spec.js';
export { TRANSPORTS } from './transports.js';
export { GENERATOR_NAME } from './preamble.js';
