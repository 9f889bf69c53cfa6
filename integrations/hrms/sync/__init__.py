"""Copying HRMS data into Harvey's replica: the first full pull and the scheduled incremental engine."""
