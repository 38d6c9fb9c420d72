"""Reading the cited sentence: spaCy analysis and the learned short-answer extractor."""
