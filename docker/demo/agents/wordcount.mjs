#!/usr/bin/env node
// Demo exec agent, capability "text.wordcount". Any program that reads one
// JSON request line on stdin and prints one JSON answer works the same way
// (see packages/agents/README.md, "exec"); this one is JavaScript only because
// the image already has Node, which keeps the image small.
import { readFileSync } from 'node:fs'

function fail(message, code) {
  process.stderr.write(message + '\n')
  process.exit(code)
}

function answer(req) {
  switch (req.type) {
    case 'task_request': {
      const data = req.input
      const text = data !== null && typeof data === 'object' ? data.text : data
      if (typeof text !== 'string' || text.trim() === '')
        fail('input must be a non-empty string or {"text": string}', 1)
      const words = text.split(/\s+/).filter((w) => w !== '')
      const longest = words.reduce((a, b) => (b.length > a.length ? b : a))
      return { words: words.length, chars: text.length, longest }
    }
    case 'consensus_vote':
      return { choice: req.options[0] }
    case 'brainstorm':
      return { idea: `count the words of ${req.problem}` }
    case 'critique':
      return { ideas: req.ideas }
    case 'bid_request':
      return { score: req.score }
    default:
      return fail(`unsupported request type ${req.type}`, 2)
  }
}

process.stdout.write(JSON.stringify(answer(JSON.parse(readFileSync(0, 'utf8').split('\n')[0]))))
