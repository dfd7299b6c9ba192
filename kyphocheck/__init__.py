"""kyphocheck: the pre-procedure checklist for vertebral augmentation."""

__version__ = "0.1.0"
