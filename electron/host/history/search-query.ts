/**
 * Turns what a user types into an FTS5 MATCH expression that cannot be misread as FTS5 syntax.
 *
 * Every word becomes a quoted prefix term (`"fox"*`), ANDed with the others: typing "fox" finds "foxes", and quotes,
 * `*`, `-`, `:`, parentheses or the words AND/OR/NOT/NEAR are never operators, only text (NEAR is searched as a word).
 * Words are what the `unicode61` tokenizer would index: runs of letters, digits and marks; everything else separates.
 */

/** Letters, numbers, marks and private-use characters: the characters unicode61 keeps inside a token. */
const WORD = /[\p{L}\p{N}\p{M}\p{Co}]+/gu;
/** More terms than this add nothing to a prompt search but cost time. */
const MAX_TERMS = 16;

/** The words of a search text as the index sees them (NFC, so a composed and a decomposed "é" are one word). */
export function searchTerms(text: string): string[] {
  const words = text.normalize('NFC').match(WORD) ?? [];
  return [...new Set(words)].slice(0, MAX_TERMS);
}

/** A MATCH expression over the `prompt` column, or null when the text has no word to search for. */
export function promptMatchExpression(text: string): string | null {
  const terms = searchTerms(text);
  if (terms.length === 0) return null;
  // The words hold no quote character (WORD excludes it), so wrapping them in quotes is a complete escape.
  return `prompt : (${terms.map((term) => `"${term}"*`).join(' AND ')})`;
}

/**
 * The hidden `meta` column of the index holds one token per filterable value (account, tool, model, status), so a
 * prompt search with filters is answered inside the full-text index alone. Values are hex-encoded: any id becomes one
 * plain alphanumeric token that no prompt word can collide with (prompt words live in the other column anyway).
 */
export function metaToken(kind: 'a' | 't' | 'm' | 's', value: string): string {
  return `${kind}${Buffer.from(value, 'utf8').toString('hex')}`;
}

export function metaMatchExpression(tokens: string[]): string {
  return `meta : (${tokens.map((t) => `"${t}"`).join(' AND ')})`;
}
