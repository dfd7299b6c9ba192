"""An interactive run's state and its drafts, with no terminal code."""
