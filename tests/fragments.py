"""Adversarial text fragments shared by the sentence-splitting and chunking property tests:
import with `from fragments import FRAGMENTS`."""

# Fragments that stress sentence splitting: abbreviations, ellipses, quotes, unicode,
# zero-width and bidi controls, right-to-left scripts, odd whitespace and many newlines.
FRAGMENTS = [
    "The minister said.", " ", "  ", "\n", "\n\n\n", "\r\n", "\t", "\xa0", "\u2028", "\u3000",
    "Mr.", "Mrs. Smith", "Dr.", "U.S.", "U.N. envoy", "e.g.", "i.e.", "J. R. Tolkien", "etc.",
    "...", "…", "?!", "!", "?", ".", ". ", "! ", "? ", "“Quoted.”", "\"Stop!\"", "'Yes.'",
    "(Reuters)", "[1]", "Zoë", "naïve café", "Straße", "Ελληνικά.", "Мир.", "中文句子。",
    "مرحبا بالعالم.", "שלום עולם.", "\u200f", "\u200e", "\u202b", "\u200b", "\u200d", "\ufeff",
    "1,400 people", "3.5 percent", "Jan. 19, 2024", "10 a.m.", "A", "b", "Zz", "0",
    "\U0001F600", "e\u0301", "On October 7th", "—", "-",
]
