"""Assessment -> record -> Markdown -> PDF -> folder: the record and its documents."""
