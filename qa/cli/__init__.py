"""The `qa` command line (ingest, ask, chat, serve, eval) and the local model installer; not part of the answering package."""
