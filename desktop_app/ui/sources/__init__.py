"""Where a citation leads: the PDF, text or image at the cited page with the passage
highlighted, and the panel of every passage retrieved for an answer."""
