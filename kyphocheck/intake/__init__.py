"""One patient's answers made into a typed encounter: answers files and single values."""
