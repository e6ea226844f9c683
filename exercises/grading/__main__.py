"""Entry point: ``python exercises/grading ...`` (or ``python -m grading`` from exercises/)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from grading.cli import main  # noqa: E402

sys.exit(main())
