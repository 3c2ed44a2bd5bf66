"""nbgrader's Execute, made to survive what a submission does to its kernel.

Plain nbgrader loses the whole notebook when the kernel dies, and pays the cell
timeout again on every later cell when a loop ignores the interrupt. Here a
fault costs only the cell where it happened: the kernel is restarted, the
cells before it (but the graded ones) are replayed to rebuild the student's
state, the faulty cell gets a clear error, and the rest runs with a short
timeout so that the same loop is not paid in full again. Output beyond a
size limit is dropped with a note.
"""

import copy

from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader import utils
from nbgrader.preprocessors import Execute
from traitlets import Integer

FAULT = "KernelFault"


def _fault_output(reason: str) -> NotebookNode:
    return new_output("error", ename=FAULT, evalue=reason, traceback=[f"{FAULT}: {reason}"])


class ResilientExecute(Execute):
    """Execute that restarts a dead or stuck kernel and goes on with the next cell."""

    timeout_after_fault = Integer(
        5, help="Seconds each cell may take once a fault happened (the first fault pays Execute.timeout)."
    ).tag(config=True)
    max_faults = Integer(3, help="Faults after which the remaining cells are not run.").tag(config=True)
    max_output_bytes = Integer(1_000_000, help="Output kept per cell; the rest is dropped.").tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._faults: list[str] = []
        self._output_bytes: dict[int, int] = {}
        return super().preprocess(nb, resources, km)

    def _get_timeout(self, cell):
        return self.timeout_after_fault if self._faults else super()._get_timeout(cell)

    def preprocess_cell(self, cell, resources, index):
        if len(self._faults) >= self.max_faults:
            if cell.cell_type == "code":
                cell.outputs = [_fault_output(f"not run: the kernel failed {len(self._faults)} times before")]
            return cell, resources
        reason = None
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
            if any(o.get("ename") == "CellTimeoutError" for o in cell.get("outputs", [])):
                reason = "this cell ran out of time; the kernel was restarted without it"
        except DeadKernelError:
            reason = "the kernel died while running this cell (it exited or ran out of memory)"
        except CellTimeoutError:
            reason = "the kernel stopped answering in this cell"
        if reason is not None:
            self._faults.append(reason)
            cell.outputs = [o for o in cell.get("outputs", []) if o.get("output_type") != "error"]
            cell.outputs.append(_fault_output(reason))
            self._restart_and_replay(index)
        return cell, resources

    def _restart_and_replay(self, upto: int) -> None:
        """A fresh kernel with the state of the cells before `upto` (graded cells are not re-run)."""
        run_sync(self.km.restart_kernel)(now=True)
        run_sync(self.kc.wait_for_ready)(timeout=60)
        for index, cell in enumerate(self.nb.cells[:upto]):
            if cell.cell_type != "code" or utils.is_grade(cell):
                continue
            try:
                self.execute_cell(copy.deepcopy(cell), index, store_history=False)
            except (DeadKernelError, CellTimeoutError):
                self._faults.append("the kernel failed again while its state was rebuilt")
                run_sync(self.km.restart_kernel)(now=True)
                run_sync(self.kc.wait_for_ready)(timeout=60)
                return

    def output(self, outs, msg, display_id, cell_index):
        size = self._output_bytes.get(cell_index, 0) + len(str(msg.get("content", "")))
        self._output_bytes[cell_index] = size
        if size > self.max_output_bytes:
            if not any(o.get("name") == "stderr" and "output truncated" in o.get("text", "") for o in outs):
                note = f"[output truncated: over {self.max_output_bytes} bytes]\n"
                outs.append(new_output("stream", name="stderr", text=note))
            return None
        return super().output(outs, msg, display_id, cell_index)
