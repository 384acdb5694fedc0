#!/usr/bin/env python3
"""Demo exec agent, capability "text.wordcount".

Reads one JSON request on stdin, prints one JSON answer on stdout
(see packages/agents/README.md, "exec").
"""
import json
import sys

request = json.loads(sys.stdin.readline())
kind = request["type"]

if kind == "task_request":
    data = request["input"]
    text = data.get("text") if isinstance(data, dict) else data
    if not isinstance(text, str) or not text.strip():
        print('input must be a non-empty string or {"text": string}', file=sys.stderr)
        sys.exit(1)
    words = text.split()
    result = {"words": len(words), "chars": len(text), "longest": max(words, key=len)}
elif kind == "consensus_vote":
    result = {"choice": request["options"][0]}
elif kind == "brainstorm":
    result = {"idea": f"count the words of {request['problem']}"}
elif kind == "critique":
    result = {"ideas": request["ideas"]}
elif kind == "bid_request":
    result = {"score": request["score"]}
else:
    print(f"unsupported request type {kind}", file=sys.stderr)
    sys.exit(2)

json.dump(result, sys.stdout)
