"""The chat: the transcript and question box, the conversation list, the scope line, and the
window's chat side (asking, streaming, Stop, opening sources) with the LLM engine's worker."""
