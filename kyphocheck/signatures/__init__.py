"""The signing identity, signatures (CMS and PAdES) and their verification."""
