"""Progress bars for long loops: a tqdm bar on request, else an object that does nothing.

Used by the Krylov methods and the course's trainers (``progress=True``).
"""
import numpy as np

__all__ = ["progress_bar"]


class _NoBar:
    """Stand-in for a tqdm bar when progress is switched off."""

    def update(self, n=1):
        pass

    def set_postfix(self, *args, **kwargs):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def progress_bar(progress, total=None, desc=None, unit="it"):
    """A tqdm progress bar when ``progress`` is true, else an object that does nothing.

    Use it as a context manager: ``with progress_bar(progress, total, "lanczos") as bar:``.
    """
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be True or False; got {type(progress).__name__}")
    if not progress:
        return _NoBar()
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit=unit, leave=False)
