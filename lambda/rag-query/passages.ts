import type { KnowledgeBaseRetrievalResult } from '@aws-sdk/client-bedrock-agent-runtime';
import { sourceUriOf } from '../shared/retrieval';

/**
 * From Retrieve's results to what the model reads and what the answer
 * cites: the relevant passages, the numbered context (capped), and the
 * citations of the passages the context holds.
 */

/** A retrieved chunk of text with its source and relevance score. */
export interface Passage {
  readonly text: string;
  readonly sourceUri: string;
  readonly score: number;
}

/** A passage the answer rests on, as the API returns it. */
export interface Citation {
  readonly sourceUri: string;
  readonly score: number;
  /** The start of the passage, at most MAX_EXCERPT_CHARS characters. */
  readonly excerpt: string;
}

export const MAX_EXCERPT_CHARS = 300;
/** A passage that would get fewer characters than this in the context is left out rather than cut to a stub. */
export const MIN_PASSAGE_CHARS = 200;
/** The source when a result says none. */
export const UNKNOWN_SOURCE = 'unknown';
const ELLIPSIS = '…';

/**
 * The results that can ground an answer: text content scoring at least
 * minScore, best first. A result without a score, or without text (an
 * image, a table row), is left out.
 */
export function relevantPassages(results: readonly KnowledgeBaseRetrievalResult[], minScore: number): Passage[] {
  return results
    .flatMap((result) => {
      const text = result.content?.text;
      const score = result.score;
      if (typeof text !== 'string' || text.trim().length === 0 || typeof score !== 'number' || score < minScore) return [];
      return [{ text: text.trim(), sourceUri: sourceUriOf(result) ?? UNKNOWN_SOURCE, score }];
    })
    .sort((a, b) => b.score - a.score);
}

/** The text cut to at most `max` characters, an ellipsis marking the cut. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - ELLIPSIS.length)).trimEnd()}${ELLIPSIS}`;
}

/** How passage n is introduced in the context; the model cites it as [n]. */
function header(index: number, passage: Passage): string {
  return `[${index}] Source: ${passage.sourceUri}\n`;
}

const SEPARATOR = '\n\n';

/**
 * The context the model answers from: the passages, best first, numbered
 * with their source, within maxChars characters in all. The passage that
 * reaches the cap is cut (when at least MIN_PASSAGE_CHARS of it fit) and the
 * rest left out. Returns the context and the passages it holds, in their
 * numbering order.
 */
export function buildContext(passages: readonly Passage[], maxChars: number): { readonly context: string; readonly used: Passage[] } {
  const parts: string[] = [];
  const used: Passage[] = [];
  let length = 0;
  for (const passage of passages) {
    const intro = header(used.length + 1, passage);
    const room = maxChars - length - (parts.length > 0 ? SEPARATOR.length : 0) - intro.length;
    if (room < Math.min(MIN_PASSAGE_CHARS, passage.text.length)) break;
    const part = intro + truncate(passage.text, room);
    length += part.length + (parts.length > 0 ? SEPARATOR.length : 0);
    parts.push(part);
    used.push(passage);
  }
  return { context: parts.join(SEPARATOR), used };
}

/** The citations of the passages in the context, in their numbering order. */
export function citationsOf(used: readonly Passage[]): Citation[] {
  return used.map((passage) => ({ sourceUri: passage.sourceUri, score: passage.score, excerpt: truncate(passage.text, MAX_EXCERPT_CHARS) }));
}
