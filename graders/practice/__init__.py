"""Practice: each student's own numbers, a new variant on request, and instant checks that
name the mistake without the key leaving the instructor's side."""
