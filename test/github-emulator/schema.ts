import {readFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {buildSchema, type GraphQLSchema} from 'graphql';

/**
 * GitHub's published schema, built once per process from `@octokit/graphql-schema`'s SDL.
 *
 * The SDL (not the package's JSON snapshot) is the only artefact that has sub-issues, and it defines
 * two `EnterpriseOwnerInfo` fields twice, so it only builds with `assumeValidSDL` (spec §1.3). The
 * package's `index.js` is not imported: it parses a 5 MB JSON file eagerly.
 */
let cached: GraphQLSchema | undefined;

export function githubSchemaPath(): string {
  // Resolve the package entry without importing it (the package only exports ".").
  return join(dirname(fileURLToPath(import.meta.resolve('@octokit/graphql-schema'))), 'schema.graphql');
}

export function githubSchema(): GraphQLSchema {
  cached ??= buildSchema(readFileSync(githubSchemaPath(), 'utf8'), {assumeValidSDL: true});
  return cached;
}
