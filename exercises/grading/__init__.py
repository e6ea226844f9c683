"""Instructor tools for the graded exercises: regenerate the student versions, grade a folder.

    python exercises/grading release                     # source/ -> release/ (nbgrader generate_assignment)
    python exercises/grading grade SUBMISSIONS -o grades.csv

Both work in a scratch nbgrader course directory, so the repository never gets a gradebook or
``submitted/``/``autograded/`` folders. See ``exercises/README.md``.
"""
