"""Beat schedules as data: task names as strings, checked against the registered tasks by a test."""
