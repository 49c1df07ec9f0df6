/**
 * The in-memory ts-morph project every TypeScript output is built in, and its settings.
 * @packageDocumentation
 */
import { IndentationText, NewLineKind, Project, QuoteKind, StructureKind } from 'ts-morph';
import type { JSDocStructure, OptionalKind, SourceFile } from 'ts-morph';
import { docSafe } from './ts-text.js';

/** A project on an in-memory file system with the output's formatting settings. */
export function createOutputProject(): Project {
  return new Project({
    useInMemoryFileSystem: true,
    manipulationSettings: {
      indentationText: IndentationText.TwoSpaces,
      quoteKind: QuoteKind.Single,
      newLineKind: NewLineKind.LineFeed,
      useTrailingCommas: true,
    },
  });
}

/**
 * A new, empty source file.
 * @param project - the output project.
 * @param path - its path in the project.
 */
export function createOutputFile(project: Project, path: string): SourceFile {
  return project.createSourceFile(path, '', { overwrite: true });
}

/**
 * The text of a finished source file: the header, a blank line, the code, one final newline.
 * @param file - the source file.
 * @param header - comment lines (the preamble).
 */
export function outputText(file: SourceFile, header: readonly string[]): string {
  return `${header.join('\n')}\n\n${file.getFullText().trim()}\n`;
}

/**
 * A doc comment structure.
 * @param description - the summary (may be several lines).
 * @param tags - block tags as [name, text].
 */
export function jsDoc(description: string, tags: readonly (readonly [string, string])[] = []): OptionalKind<JSDocStructure> {
  return {
    kind: StructureKind.JSDoc,
    description: docSafe(description),
    tags: tags.map(([tagName, text]) => ({ kind: StructureKind.JSDocTag, tagName, text: docSafe(text) })),
  };
}
