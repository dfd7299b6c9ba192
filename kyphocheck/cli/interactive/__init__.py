"""The interactive checklist at a terminal: session, flow, prompts, screen."""
