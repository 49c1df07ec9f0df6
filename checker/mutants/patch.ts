/**
 * Applying a mutant's patch to a source text: the text it replaces must occur exactly once, or the
 * patch fails loudly, naming the mutant (a machine edit that moved the text must be noticed, not
 * silently skipped).
 * @packageDocumentation
 */
import type { Mutant } from './types.js';

/** A mutant whose patch no longer applies. */
export class PatchError extends Error {
  /** The mutant. */
  readonly mutant: string;
  /** How many times the text to replace occurs (0, or more than 1). */
  readonly occurrences: number;

  /**
   * @param mutant - the mutant.
   * @param occurrences - how many times its text occurs.
   */
  constructor(mutant: Mutant, occurrences: number) {
    super(`mutant ${mutant.id}: the text to replace occurs ${occurrences} times in ${mutant.file} (it must occur exactly once): ${JSON.stringify(mutant.find)}`);
    this.name = 'PatchError';
    this.mutant = mutant.id;
    this.occurrences = occurrences;
  }
}

/**
 * How many times `find` occurs in `source` (occurrences may not overlap).
 * @param source - the text.
 * @param find - what to count (not empty).
 */
export function occurrencesOf(source: string, find: string): number {
  if (find.length === 0) return 0;
  let count = 0;
  for (let at = source.indexOf(find); at >= 0; at = source.indexOf(find, at + find.length)) count++;
  return count;
}

/**
 * The source with the mutant's patch applied.
 * @param source - the text of `mutant.file`.
 * @param mutant - the mutant.
 * @throws PatchError when the text to replace does not occur exactly once, or the patch changes nothing.
 */
export function applyPatch(source: string, mutant: Mutant): string {
  const n = occurrencesOf(source, mutant.find);
  if (n !== 1 || mutant.find === mutant.replace) throw new PatchError(mutant, n);
  const at = source.indexOf(mutant.find);
  return source.slice(0, at) + mutant.replace + source.slice(at + mutant.find.length);
}
