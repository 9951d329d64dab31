"""Spreadsheets departments live in: import templates, validated imports, XLSX/CSV exports."""
