/**
 * Reading doc comments and paths with ts-morph.
 * @packageDocumentation
 */
import path from 'node:path';
import { Node } from 'ts-morph';
import type { SourceFile } from 'ts-morph';
import type { DocTag } from '../model.js';

/** A doc comment: summary and block tags. */
export interface Doc {
  /** The summary (every line right-trimmed, the whole trimmed). */
  readonly doc: string;
  /** The block tags, in source order. */
  readonly tags: readonly DocTag[];
}

/**
 * The last doc comment of a node, or an empty one.
 * @param node - any node.
 */
export function docOf(node: Node): Doc {
  if (!Node.isJSDocable(node)) return { doc: '', tags: [] };
  const docs = node.getJsDocs();
  const last = docs[docs.length - 1];
  if (!last) return { doc: '', tags: [] };
  return {
    doc: normalizeText(last.getDescription()),
    tags: last.getTags().map((t) => ({ name: t.getTagName(), text: normalizeText(t.getCommentText() ?? '') })),
  };
}

/**
 * Trims a comment's text: lines right-trimmed, blank lines at both ends dropped.
 * @param text - raw text.
 */
export function normalizeText(text: string): string {
  return text
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .join('\n')
    .trim();
}

/**
 * The text of a doc comment written before a node that cannot carry JSDoc (a union member type).
 * @param node - e.g. a type literal inside a union.
 */
export function leadingDocText(node: Node): string {
  const ranges = node.getLeadingCommentRanges();
  const last = ranges[ranges.length - 1];
  if (!last) return '';
  const text = last.getText();
  if (!text.startsWith('/**')) return '';
  return normalizeText(
    text
      .slice(3, -2)
      .split(/\r?\n/)
      .map((l) => l.replace(/^\s*\* ?/, ''))
      .join('\n'),
  );
}

/**
 * A file's path relative to `root`, with `/` separators.
 * @param root - the repository root.
 * @param file - a source file or an absolute path.
 */
export function relativePath(root: string, file: SourceFile | string): string {
  const abs = typeof file === 'string' ? file : file.getFilePath();
  return path.relative(root, abs).split(path.sep).join('/');
}

/**
 * `file:line` of a node, relative to `root`, for error messages.
 * @param root - the repository root.
 * @param node - the node.
 */
export function locationOf(root: string, node: Node): string {
  return `${relativePath(root, node.getSourceFile())}:${node.getStartLineNumber()}`;
}
