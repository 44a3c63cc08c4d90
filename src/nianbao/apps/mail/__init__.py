"""`nianbao mail`: the mail gateway — its TOML configuration, which messages to answer and how, the
IMAP/SMTP loop, and the SQLite journal that makes every reply happen exactly once."""
