"""Clean stage: HTML or plain text → CleanDoc (the text every extraction offset refers to)."""

from workers.clean.html import clean_html
from workers.clean.text import clean_text

__all__ = ["clean_html", "clean_text"]
