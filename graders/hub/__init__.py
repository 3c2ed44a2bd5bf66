"""The hub classroom: JupyterHub with one Linux account per person, nbgrader's shared
exchange, and the answer key on the instructors' side only (`python -m graders.classroom hub`)."""
