"""What people read: the master workbook, the findings report, feedback copies."""
