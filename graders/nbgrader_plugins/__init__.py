"""nbgrader's extension points, filled: the preprocessors that `nbgrader_config.py` puts in
autograde and generate_feedback. The one package that knows the grading engine
(graders.autograde), the course's questions and practice's variants together."""
