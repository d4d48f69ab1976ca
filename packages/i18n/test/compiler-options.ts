import ts from 'typescript';

/**
 * What a user's strict NodeNext project compiles with: the type-level tests (and the
 * type-check benchmark) build throwaway programs with it, so the catalog's types are checked
 * the way an app would check them.
 */
export const USER_PROJECT_OPTIONS: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  target: ts.ScriptTarget.ES2022,
  resolveJsonModule: true,
  types: ['node'],
  lib: ['lib.es2023.d.ts', 'lib.dom.d.ts'],
};
