"""Finding returns in folders, zips, e-mails and encrypted files; reminders for the teams still missing."""
