"""nbgrader's submit, with the submission closed to other students.

nbgrader's own submit leaves a submission's folder in the exchange at mode 0777 (files
0644), hidden from other students only by an unguessable name. Here the folder is closed
to all but its owner and its group: inbound is setgid and owned by the course's
instructors' group, so the folder carries that group. Another student who learns the name
cannot enter it; the instructors collect it as before. Configured with
`c.ExchangeFactory.submit`.
"""

import os

from nbgrader.exchange.default.submit import ExchangeSubmit

FOLDER_MODE = 0o770  # owner and the instructors' group (collect, clean-up); no one else


class PrivateSubmit(ExchangeSubmit):
    def copy_files(self) -> None:
        super().copy_files()
        os.chmod(os.path.join(self.inbound_path, self.assignment_filename), FOLDER_MODE)
