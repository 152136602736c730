"""The AI layer: an OpenAI-compatible chat client, prompt templates, pricing."""
