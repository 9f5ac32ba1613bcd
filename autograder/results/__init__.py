"""Where results go: the typed record and its JSON schema (``record``), the records on disk
(``store``), nbgrader's gradebook (``gradebook``) and what an instructor reads (``reports/``)."""
