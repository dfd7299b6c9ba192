"""What a site defines, loaded once: its folder, checklists, protocol and drug table."""
