"""The student side of the hub classroom: installed in the students' environment, where
the grading package is not."""
