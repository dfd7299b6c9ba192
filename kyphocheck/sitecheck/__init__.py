"""`kyphocheck check`: a site folder's problems as a report, and its formats."""
