export interface TextStats {
  chars: number
  words: number
  lines: number
  sentences: number
  /** The five most frequent lower-cased words, most frequent first, ties alphabetical. */
  topWords: [string, number][]
}

// Letters/digits with inner apostrophes or hyphens, so "don't" and "well-known"
// count once, and decimal points, so "3.14" does.
const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+|[.,]\p{N}+)*/gu
const HAS_WORD = /[\p{L}\p{N}]/u

export function textStats(text: string): TextStats {
  const words = text.match(WORD) ?? []
  const counts = new Map<string, number>()
  for (const w of words) {
    const key = w.toLowerCase()
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const topWords = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, 5)
  return {
    // Code points, not UTF-16 units, so an emoji is one character.
    chars: [...text].length,
    words: words.length,
    lines: countLines(text),
    // Terminators count only before whitespace or the end, so "3.14" is no boundary.
    sentences: text.split(/[.!?]+(?=\s|$)/).filter((s) => HAS_WORD.test(s)).length,
    topWords
  }
}

// `wc -l` semantics, except that a final line without a newline still counts.
function countLines(text: string): number {
  if (text === '') return 0
  const n = text.split(/\r\n|\r|\n/).length
  return /(\r\n|\r|\n)$/.test(text) ? n - 1 : n
}
