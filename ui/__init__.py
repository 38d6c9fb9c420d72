"""The Gradio chat UI and the HTTP API."""
