"""A stand-in for llama.cpp's OpenAI-compatible server, for the worker supervisor's tests.

    python fake_llm_server.py PORT [--delay S] [--words N]

GET /v1/models, POST /v1/chat/completions (streamed or not: it answers N words, one every
`delay` seconds, each word citing [1]), POST /extras/tokenize/count (one token per word),
GET /stats (how many chat requests it has received). Standard library only."""

from __future__ import annotations

import argparse
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATS = {"chat": 0}


class Handler(BaseHTTPRequestHandler):
    delay = 0.05
    words = 5

    def log_message(self, *args):  # quiet
        pass

    def _json(self, obj, status=200):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/v1/models":
            return self._json({"object": "list", "data": [{"id": "local", "object": "model"}]})
        if self.path == "/stats":
            return self._json(STATS)
        self._json({"error": "not found"}, 404)

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
        if self.path == "/extras/tokenize/count":
            return self._json({"count": len(str(body.get("input", "")).split())})
        if self.path != "/v1/chat/completions":
            return self._json({"error": "not found"}, 404)
        STATS["chat"] += 1
        words = [f"word{i}" for i in range(self.words)]
        if not body.get("stream"):
            time.sleep(self.delay * self.words)
            text = " ".join(words) + " [1]."
            return self._json({"id": "x", "object": "chat.completion", "created": 0, "model": "local",
                               "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": text}}]})
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.end_headers()
        for i, w in enumerate(words):
            time.sleep(self.delay)
            chunk = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "local",
                     "choices": [{"index": 0, "delta": {"content": (" " if i else "") + w},
                                  "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        end = {"id": "x", "object": "chat.completion.chunk", "created": 0, "model": "local",
               "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(end)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--delay", type=float, default=0.05)
    ap.add_argument("--words", type=int, default=5)
    ap.add_argument("--load", type=float, default=0.0, help="seconds to 'load the model' first")
    args = ap.parse_args()
    Handler.delay, Handler.words = args.delay, args.words
    time.sleep(args.load)
    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
