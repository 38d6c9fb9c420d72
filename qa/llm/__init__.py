"""Where the LLM is called: the LlamaIndex adapter and backends, the local model files, prompt-injection screening and the llm-mode answerer."""
