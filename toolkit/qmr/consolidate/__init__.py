"""The consolidated table of a period, its history (SQLite) and the Data CSV."""
