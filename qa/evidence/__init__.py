"""Whether the retrieved passages answer the question: the refusal gate, the extractive reader, the answerability score and the verdict."""
