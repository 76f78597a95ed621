"""The return workbook a team receives: its one layout description, the template writer, the reader."""
