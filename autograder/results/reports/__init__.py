"""What an instructor reads after grading: grades.csv, a feedback page per student, the class report."""
