"""Readers that turn what people keep (spreadsheets, exports, calendars) into canonical tables."""
