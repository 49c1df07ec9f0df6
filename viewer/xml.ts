/**
 * Escaping text for XML and HTML, and formatting coordinates.
 * @packageDocumentation
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Text safe inside XML/HTML elements and quoted attributes.
 * @param text - any text.
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);
}

/**
 * A coordinate with at most one decimal.
 * @param n - the number.
 */
export function num(n: number): string {
  return String(Math.round(n * 10) / 10);
}
