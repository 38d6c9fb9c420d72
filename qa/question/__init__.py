"""What the question asks: its analysis (answer type, names, date windows), follow-ups rewritten against the conversation, and chat memory."""
