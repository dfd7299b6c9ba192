"""log.jsonl: the output folder's append-only log of the records written there, a hash chain.

A record folder proves its own content (its signatures), not that it is all there is: a folder
deleted, swapped for an older one or dropped in by hand leaves no trace in the others. So the
folder writer (folder.py) appends one line here for each folder it renames into an output
folder, in the same step as the rename, and `kyphocheck verify --log DIR` (verify.py)
checks the log against itself and the folders against the log.

Each line is one JSON object in ASCII: the record's id, its folder, the SHA-256 of its
record.json, its signer's name and certificate fingerprint (null when unsigned), the real time
it was logged (never the --now clock, which a flag can move), and `prev`, the SHA-256 of the
line before it (GENESIS for the first), so that removing, moving or changing a line breaks the
chain at the next one. A line also carries what `kyphocheck records` lists (listing.py),
so that a listing reads one file and not every folder: the patient's initials and MRN, never
the name or date of birth (the log is read more often than the records); the checklist;
cleared; and the amendment. record.json stays the truth: verify compares the two.

Here: entries.py (what a line is), store.py (reading and appending under the file's lock),
verify.py (`verify --log`), listing.py (`kyphocheck records`).
"""
